#include "aot/tensor/dispatcher.h"

#include <array>
#include <mutex>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/base/status_macros.h"

namespace aot {
namespace {

struct KernelEntry {
  Kernel kernel;
  const char* file = nullptr;
  int line = 0;
};

struct Registry {
  std::array<std::array<KernelEntry, kNumDispatchKeys>, ir::kNumOps> kernels;
  std::array<Kernel, kNumDispatchKeys> fallbacks;
};

Registry& GetRegistry() {
  static Registry* r = new Registry;
  return *r;
}

struct DispatchTls {
  uint32_t excluded = 0;  // Bit per DispatchKey.
  std::vector<DispatchMode*> modes;
  int current_key = -1;  // The key whose handler is running, for Redispatch.
};

DispatchTls& Tls() {
  thread_local DispatchTls tls;
  return tls;
}

bool Excluded(DispatchKey key) { return (Tls().excluded >> static_cast<int>(key)) & 1u; }

bool AnyRequiresGrad(const OpCall& call) {
  for (const Tensor& t : call.operands) {
    if (t.requires_grad()) return true;
  }
  return false;
}

DispatchKey BackendKey(const OpCall& call) {
  for (const Tensor& t : call.operands) {
    if (t.is_fake()) return DispatchKey::kMeta;
  }
  Device device = Device::Cpu();
  if (!call.operands.empty()) {
    device = call.operands[0].device();
  } else if (call.op->schema().AttrIndex("device") >= 0) {
    const ir::AttrValue& d = call.attr("device");
    if (d.is_device()) device = d.device();
  }
  // Creation ops (whose only operand may be a CPU seed tensor) run on the
  // backend of the device they create on; to_copy between the CPU and an
  // accelerator runs on the accelerator's backend, which can reach both.
  if (!call.result_metas.empty() && call.op->has(ir::kCreation)) {
    device = call.result_metas[0].device;
  } else if (!call.result_metas.empty() && call.kind() == OpKind::kToCopy && device.is_cpu()) {
    device = call.result_metas[0].device;
  }
  switch (device.type()) {
    case Device::Type::kCpu:
      return DispatchKey::kCPU;
    case Device::Type::kCuda:
      return DispatchKey::kCUDA;
    case Device::Type::kMeta:
      return DispatchKey::kMeta;
  }
  return DispatchKey::kCPU;
}

// Runs the handler of `key` for `call` with current_key set for Redispatch.
absl::StatusOr<std::vector<Tensor>> RunHandler(DispatchKey key, const Kernel& handler, const OpCall& call) {
  DispatchTls& tls = Tls();
  int saved = tls.current_key;
  uint32_t saved_excluded = tls.excluded;
  tls.current_key = static_cast<int>(key);
  if (key >= DispatchKey::kCPU) {
    // Ops a backend kernel calls (a dtype conversion, say) run on the
    // backend directly: they are part of this op, not new ops to record.
    tls.excluded |= (1u << static_cast<int>(DispatchKey::kAutograd)) | (1u << static_cast<int>(DispatchKey::kModes));
  }
  absl::StatusOr<std::vector<Tensor>> out = handler(call);
  tls.current_key = saved;
  tls.excluded = saved_excluded;
  return out;
}

absl::StatusOr<std::vector<Tensor>> DispatchFrom(const OpCall& call, int start) {
  Registry& reg = GetRegistry();
  const int op = static_cast<int>(call.kind());
  DispatchTls& tls = Tls();
  if (start <= static_cast<int>(DispatchKey::kAutograd) && !Excluded(DispatchKey::kAutograd) &&
      GradModeEnabled() && AnyRequiresGrad(call)) {
    const int k = static_cast<int>(DispatchKey::kAutograd);
    const Kernel& h = reg.kernels[op][k].kernel ? reg.kernels[op][k].kernel : reg.fallbacks[k];
    if (h) return RunHandler(DispatchKey::kAutograd, h, call);
  }
  if (start <= static_cast<int>(DispatchKey::kModes) && !Excluded(DispatchKey::kModes) && !tls.modes.empty()) {
    DispatchMode* mode = tls.modes.back();
    tls.modes.pop_back();
    int saved = tls.current_key;
    tls.current_key = static_cast<int>(DispatchKey::kModes);
    absl::StatusOr<std::vector<Tensor>> out = mode->Handle(call);
    tls.current_key = saved;
    tls.modes.push_back(mode);
    return out;
  }
  DispatchKey backend = BackendKey(call);
  const int k = static_cast<int>(backend);
  const Kernel& h = reg.kernels[op][k].kernel ? reg.kernels[op][k].kernel : reg.fallbacks[k];
  if (!h) {
    return absl::UnimplementedError(absl::StrCat(call.op->name(), ": no kernel for the ", DispatchKeyName(backend),
                                                 " backend (device ", call.result_metas.empty()
                                                                          ? std::string("?")
                                                                          : call.result_metas[0].device.ToString(),
                                                 ")"));
  }
  absl::StatusOr<std::vector<Tensor>> out = RunHandler(backend, h, call);
  // An in-place write bumps the version of the tensor it wrote, so that
  // autograd can tell a saved tensor was modified after it was saved.
  if (out.ok() && call.op->is_inplace() && !call.operands.empty() && call.operands[0].ok()) {
    ++call.operands[0].impl()->version;
  }
  return out;
}


// The Meta backend: results are fake tensors with the shape rule's metadata.
absl::StatusOr<std::vector<Tensor>> MetaFallback(const OpCall& call) {
  std::vector<Tensor> out;
  out.reserve(call.result_metas.size());
  for (const ir::TensorMeta& m : call.result_metas) {
    Tensor t = Tensor::FakeOf(m);
    AOT_RETURN_IF_ERROR(t.status());
    out.push_back(std::move(t));
  }
  return out;
}

const bool kMetaRegistered = [] {
  RegisterFallback(DispatchKey::kMeta, MetaFallback);
  return true;
}();

}  // namespace

absl::Status PrepareCall(OpCall& call) {
  if (call.result_metas.empty()) {
    absl::InlinedVector<ir::TensorMeta, 3> metas;
    absl::InlinedVector<const ir::TensorMeta*, 3> pointers;
    metas.reserve(call.operands.size());
    for (const Tensor& t : call.operands) metas.push_back(t.meta());
    for (const ir::TensorMeta& m : metas) pointers.push_back(&m);
    ir::ShapeContext ctx(*call.op, pointers, call.group_sizes, call.attrs);
    AOT_ASSIGN_OR_RETURN(std::vector<ir::TensorMeta> metas_out, call.op->shape_fn()(ctx));
    call.result_metas.assign(std::make_move_iterator(metas_out.begin()), std::make_move_iterator(metas_out.end()));
  }
  return absl::OkStatus();
}

const char* DispatchKeyName(DispatchKey key) {
  switch (key) {
    case DispatchKey::kAutograd:
      return "Autograd";
    case DispatchKey::kModes:
      return "Modes";
    case DispatchKey::kCPU:
      return "CPU";
    case DispatchKey::kCUDA:
      return "CUDA";
    case DispatchKey::kMeta:
      return "Meta";
  }
  return "?";
}

int OpCall::group_start(int g) const {
  int s = 0;
  for (int i = 0; i < g; ++i) s += group_sizes[i];
  return s;
}

const Tensor* OpCall::optional_input(int g) const {
  return group_sizes[g] == 0 ? nullptr : &operands[group_start(g)];
}

std::vector<Tensor> OpCall::input_list(int g) const {
  int s = group_start(g);
  return std::vector<Tensor>(operands.begin() + s, operands.begin() + s + group_sizes[g]);
}

const ir::AttrValue& OpCall::attr(absl::string_view name) const {
  int i = op->schema().AttrIndex(name);
  AOT_CHECK(i >= 0) << op->name() << " has no attribute " << name;
  return attrs[i];
}

absl::StatusOr<std::vector<Tensor>> Redispatch(const OpCall& call) {
  int current = Tls().current_key;
  AOT_CHECK(current >= 0) << "Redispatch called outside a dispatch handler";
  // Below the modes key, the remaining (outer) modes still see the call.
  int next = current == static_cast<int>(DispatchKey::kModes) ? current : current + 1;
  if (current >= static_cast<int>(DispatchKey::kCPU)) {
    return absl::InternalError(absl::StrCat(call.op->name(), ": nothing below the backend to redispatch to"));
  }
  return DispatchFrom(call, next);
}

absl::StatusOr<std::vector<Tensor>> DispatchCall(OpCall call) {
  AOT_RETURN_IF_ERROR(FirstError(call.operands));
  AOT_RETURN_IF_ERROR(PrepareCall(call));
  return DispatchFrom(call, 0);
}

namespace {

// Checks `call.operands` (flattened) against the schema's tensor arguments,
// group by group as `call.group_sizes` says, resolves `attrs`, runs the
// shape rule and dispatches: the part of Dispatch after flattening.
absl::StatusOr<std::vector<Tensor>> CheckAndDispatch(OpCall& call, const ir::AttrList& attrs) {
  const ir::OpSchema& schema = call.op->schema();
  int k = 0;
  for (size_t g = 0; g < call.group_sizes.size(); ++g) {
    const ir::SchemaArg& arg = schema.args()[schema.tensor_args()[g]];
    const int n = call.group_sizes[g];
    for (int i = 0; i < n; ++i, ++k) {
      const Tensor& t = call.operands[k];
      if (!t.defined()) {
        return absl::InvalidArgumentError(
            absl::StrCat(call.op->name(), ": argument '", arg.name, "' is an undefined tensor"));
      }
      AOT_RETURN_IF_ERROR(t.status());
    }
    if ((arg.kind == ir::SchemaArg::Kind::kTensor && n != 1) ||
        (arg.kind == ir::SchemaArg::Kind::kOptionalTensor && n > 1)) {
      return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": argument '", arg.name, "' takes ",
                                                     arg.kind == ir::SchemaArg::Kind::kTensor ? "one tensor"
                                                                                              : "at most one tensor",
                                                     ", got ", n));
    }
  }
  AOT_RETURN_IF_ERROR(ir::ResolveAttrs(*call.op, attrs, &call.attrs));
  AOT_RETURN_IF_ERROR(PrepareCall(call));
  return DispatchFrom(call, 0);
}

}  // namespace

absl::StatusOr<std::vector<Tensor>> Dispatch(OpKind kind, std::vector<std::vector<Tensor>> groups,
                                             const ir::AttrList& attrs) {
  OpCall call;
  call.op = &ir::GetOpDef(kind);
  const ir::OpSchema& schema = call.op->schema();
  if (groups.size() != schema.tensor_args().size()) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": expected ", schema.tensor_args().size(),
                                                   " tensor arguments, got ", groups.size(),
                                                   " (schema: ", schema.ToString(), ")"));
  }
  call.group_sizes.reserve(groups.size());
  for (std::vector<Tensor>& group : groups) {
    call.group_sizes.push_back(static_cast<int>(group.size()));
    for (Tensor& t : group) call.operands.push_back(std::move(t));
  }
  return CheckAndDispatch(call, attrs);
}

std::vector<Tensor> CallOp(OpKind kind, std::vector<Tensor> operands, const ir::AttrList& attrs) {
  const ir::OpDef& op = ir::GetOpDef(kind);
  absl::StatusOr<std::vector<Tensor>> out;
  if (operands.size() != op.schema().tensor_args().size()) {
    out = absl::InvalidArgumentError(absl::StrCat(op.name(), ": expected ", op.schema().tensor_args().size(),
                                                  " operands, got ", operands.size(),
                                                  " (schema: ", op.schema().ToString(), ")"));
  } else {
    // One operand per tensor argument: an undefined one is an absent
    // optional tensor (a group of none), or an error for the others.
    OpCall call;
    call.op = &op;
    call.group_sizes.assign(operands.size(), 1);
    bool absent = false;
    for (size_t i = 0; i < operands.size(); ++i) {
      const ir::SchemaArg& arg = op.schema().args()[op.schema().tensor_args()[i]];
      if (!operands[i].defined() && arg.kind == ir::SchemaArg::Kind::kOptionalTensor) {
        call.group_sizes[i] = 0;
        absent = true;
      }
    }
    if (!absent) {
      call.operands = std::move(operands);
    } else {
      call.operands.reserve(operands.size());
      for (size_t i = 0; i < operands.size(); ++i) {
        if (call.group_sizes[i] != 0) call.operands.push_back(std::move(operands[i]));
      }
    }
    out = CheckAndDispatch(call, attrs);
  }
  if (out.ok()) return *std::move(out);
  size_t n = std::max<size_t>(1, op.schema().results().size());
  return std::vector<Tensor>(n, Tensor::Error(out.status()));
}

Tensor CallOp1(OpKind kind, std::vector<Tensor> operands, const ir::AttrList& attrs) {
  std::vector<Tensor> results = CallOp(kind, std::move(operands), attrs);
  return std::move(results[0]);
}

absl::Status RegisterKernel(OpKind op, DispatchKey key, Kernel kernel, const char* file, int line) {
  static std::mutex* mu = new std::mutex;
  std::lock_guard<std::mutex> lock(*mu);
  KernelEntry& e = GetRegistry().kernels[static_cast<int>(op)][static_cast<int>(key)];
  if (e.kernel) {
    return absl::AlreadyExistsError(absl::StrCat(ir::GetOpDef(op).name(), ": a ", DispatchKeyName(key),
                                                 " kernel is registered at ", e.file, ":", e.line,
                                                 " and again at ", file, ":", line));
  }
  e.kernel = std::move(kernel);
  e.file = file;
  e.line = line;
  return absl::OkStatus();
}

void RegisterFallback(DispatchKey key, Kernel handler) {
  GetRegistry().fallbacks[static_cast<int>(key)] = std::move(handler);
}

bool HasKernel(OpKind op, DispatchKey key) {
  return static_cast<bool>(GetRegistry().kernels[static_cast<int>(op)][static_cast<int>(key)].kernel);
}

KernelRegistrar::KernelRegistrar(OpKind op, DispatchKey key, Kernel kernel, const char* file, int line) {
  absl::Status s = RegisterKernel(op, key, std::move(kernel), file, line);
  AOT_CHECK(s.ok()) << s;
}

DispatchModeGuard::DispatchModeGuard(DispatchMode* mode) { Tls().modes.push_back(mode); }
DispatchModeGuard::~DispatchModeGuard() { Tls().modes.pop_back(); }

ExcludeKeyGuard::ExcludeKeyGuard(DispatchKey key) : key_(key), was_excluded_(Excluded(key)) {
  Tls().excluded |= 1u << static_cast<int>(key);
}
ExcludeKeyGuard::~ExcludeKeyGuard() {
  if (!was_excluded_) Tls().excluded &= ~(1u << static_cast<int>(key_));
}

}  // namespace aot
