// The dispatcher: every op call goes through Dispatch(), which picks a
// kernel by op and dispatch key, the way c10's Dispatcher does.
//
// Keys, outermost first:
//   kAutograd  records the op on the autograd tape (installed by aot/autodiff)
//              when grad mode is on and an operand requires grad;
//   kModes     the thread-local stack of dispatch modes (the tracer,
//              functionalization): the innermost mode sees the call first,
//              like TorchDispatchMode;
//   kCPU, kCUDA, kMeta  the backend, from the operands' device (fake
//              tensors go to kMeta, which runs the IR shape rule).
// A handler for a key does its work and calls `Redispatch(call)`, which
// continues with the keys below it.
//
//   // A kernel for one (op, key):
//   AOT_REGISTER_KERNEL(kCos, kCPU, CosKernel);
//   // A handler for every op at one key (boxed):
//   RegisterFallback(DispatchKey::kAutograd, AutogradFallback);
#ifndef AOT_TENSOR_DISPATCHER_H_
#define AOT_TENSOR_DISPATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/ir/attr.h"
#include "aot/ir/op.h"
#include "aot/tensor/tensor.h"

namespace aot {

using ir::OpKind;

enum class DispatchKey : uint8_t { kAutograd, kModes, kCPU, kCUDA, kMeta };
inline constexpr int kNumDispatchKeys = 5;
const char* DispatchKeyName(DispatchKey key);

// One op call, boxed: the op, its operands grouped by the schema's tensor
// arguments, its attributes (defaults filled in) and, once the dispatcher
// has run the shape rule, the result metadata.
struct OpCall {
  const ir::OpDef* op = nullptr;
  std::vector<Tensor> operands;  // Flattened over groups.
  absl::InlinedVector<int, 4> group_sizes;  // One per schema tensor argument.
  std::vector<ir::AttrValue> attrs;
  absl::InlinedVector<ir::TensorMeta, 1> result_metas;

  OpKind kind() const { return op->kind(); }
  int group_start(int g) const;
  // The operand of single-tensor argument g.
  const Tensor& input(int g) const { return operands[group_start(g)]; }
  // The operand of optional argument g, or nullptr if absent.
  const Tensor* optional_input(int g) const;
  std::vector<Tensor> input_list(int g) const;
  const ir::AttrValue& attr(absl::string_view name) const;
};

using Kernel = std::function<absl::StatusOr<std::vector<Tensor>>(const OpCall&)>;

// Calls the kernel below the current key for `call` (from inside a handler).
absl::StatusOr<std::vector<Tensor>> Redispatch(const OpCall& call);

// Builds an OpCall (resolving attributes, running the shape rule) and
// dispatches it. Errors: an operand that is an error tensor (its status),
// InvalidArgument from the schema or the shape rule, Unimplemented naming
// the op and device when no kernel exists.
absl::StatusOr<std::vector<Tensor>> Dispatch(OpKind kind, std::vector<std::vector<Tensor>> groups,
                                             const ir::AttrList& attrs = {});
// As Dispatch with one operand per tensor argument (an undefined Tensor for
// an absent optional one). Returns the results, or one error tensor per
// declared result on failure.
std::vector<Tensor> CallOp(OpKind kind, std::vector<Tensor> operands, const ir::AttrList& attrs = {});
// Single-result convenience.
Tensor CallOp1(OpKind kind, std::vector<Tensor> operands, const ir::AttrList& attrs = {});
// Fills `call.result_metas` with the op's shape rule when empty (Dispatch
// does this); InvalidArgument from the rule.
absl::Status PrepareCall(OpCall& call);
// Dispatches a prepared call from the outermost key (interpreters use this).
absl::StatusOr<std::vector<Tensor>> DispatchCall(OpCall call);

// Registers `kernel` for (op, key). AlreadyExists, naming both registration
// sites, if one is registered.
absl::Status RegisterKernel(OpKind op, DispatchKey key, Kernel kernel, const char* file, int line);
// Registers a handler for every op at `key` without its own kernel.
void RegisterFallback(DispatchKey key, Kernel handler);
// Returns true if (op, key) has a kernel (not counting fallbacks).
bool HasKernel(OpKind op, DispatchKey key);

// A dispatch mode: intercepts every op called while it is on the stack.
// While its Handle runs, the mode is popped (ops it calls go to the modes
// below and to the backend), as with TorchDispatchMode.
class DispatchMode {
 public:
  virtual ~DispatchMode() = default;
  virtual absl::StatusOr<std::vector<Tensor>> Handle(const OpCall& call) = 0;
};

// Pushes `mode` (not owned) for the guard's lifetime.
class DispatchModeGuard {
 public:
  explicit DispatchModeGuard(DispatchMode* mode);
  ~DispatchModeGuard();
  DispatchModeGuard(const DispatchModeGuard&) = delete;
  DispatchModeGuard& operator=(const DispatchModeGuard&) = delete;
};

// Excludes `key` from dispatch in its scope (a handler uses this to call ops
// without re-entering itself).
class ExcludeKeyGuard {
 public:
  explicit ExcludeKeyGuard(DispatchKey key);
  ~ExcludeKeyGuard();
  ExcludeKeyGuard(const ExcludeKeyGuard&) = delete;
  ExcludeKeyGuard& operator=(const ExcludeKeyGuard&) = delete;

 private:
  DispatchKey key_;
  bool was_excluded_;
};

// Static registration: AOT_REGISTER_KERNEL(kCos, kCPU, CosKernel) at
// namespace scope. A duplicate aborts at start-up naming both sites.
struct KernelRegistrar {
  KernelRegistrar(OpKind op, DispatchKey key, Kernel kernel, const char* file, int line);
};
#define AOT_KERNEL_CONCAT_INNER_(a, b) a##b
#define AOT_KERNEL_CONCAT_(a, b) AOT_KERNEL_CONCAT_INNER_(a, b)
#define AOT_REGISTER_KERNEL(op, key, kernel)                                                 \
  static ::aot::KernelRegistrar AOT_KERNEL_CONCAT_(aot_kernel_registrar_, __COUNTER__)( \
      ::aot::OpKind::op, ::aot::DispatchKey::key, kernel, __FILE__, __LINE__)

}  // namespace aot

#endif  // AOT_TENSOR_DISPATCHER_H_
