#include "aot/module/state_dict.h"

#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/status_macros.h"
#include "aot/ir/dtype.h"

namespace aot {

namespace {

constexpr int kStateDictVersion = 1;

absl::Status Invalid(absl::string_view what) { return absl::InvalidArgumentError(absl::StrCat("LoadStateDict: ", what)); }

absl::StatusOr<module::proto::NamedTensorProto> TensorToProto(const std::string& name, const Tensor& t) {
  if (!t.ok()) {
    return absl::Status(t.status().code(), absl::StrCat("SaveStateDict: '", name, "': ", t.status().message()));
  }
  if (t.is_fake()) return absl::FailedPreconditionError(absl::StrCat("SaveStateDict: '", name, "' is a fake tensor"));
  NoGradGuard no_grad;
  const Tensor host = t.to(Device::Cpu()).contiguous();
  if (!host.ok()) {
    return absl::Status(host.status().code(),
                        absl::StrCat("SaveStateDict: copying '", name, "' to the host: ", host.status().message()));
  }
  module::proto::NamedTensorProto p;
  p.set_name(name);
  p.set_dtype(std::string(ir::DTypeName(host.dtype())));
  for (int64_t s : host.sizes()) p.add_shape(s);
  const size_t bytes = static_cast<size_t>(host.numel() * ir::DTypeSize(host.dtype()));
  if (bytes > 0) p.set_data(static_cast<const char*>(host.raw_data()), bytes);
  return p;
}

// Converts one tensor of a proto to a CPU tensor, validating it.
absl::StatusOr<Tensor> TensorFromProto(const module::proto::NamedTensorProto& p) {
  const std::string& name = p.name();
  std::optional<DType> dtype = ir::ParseDType(p.dtype());
  if (!dtype.has_value()) return Invalid(absl::StrCat("tensor '", name, "' has unknown dtype '", p.dtype(), "'"));
  std::vector<int64_t> shape(p.shape().begin(), p.shape().end());
  int64_t numel = 1;
  for (int64_t s : shape) {
    if (s < 0 || (s > 0 && numel > (int64_t{1} << 48) / s)) {
      return Invalid(absl::StrCat("tensor '", name, "' has invalid shape [", absl::StrJoin(shape, ","), "]"));
    }
    numel *= s;
  }
  const int64_t expected = numel * ir::DTypeSize(*dtype);
  if (static_cast<int64_t>(p.data().size()) != expected) {
    return Invalid(absl::StrCat("tensor '", name, "' (", ir::DTypeName(*dtype), "[", absl::StrJoin(shape, ","),
                                "]) has ", p.data().size(), " bytes of data, expected ", expected));
  }
  Tensor t = Tensor::Empty(shape, *dtype);
  if (!t.ok()) return t.status();
  if (expected > 0) std::memcpy(t.raw_data(), p.data().data(), static_cast<size_t>(expected));
  return t;
}

}  // namespace

NamedTensors StateDict(const Module& module) {
  NamedTensors out = module.NamedParameters();
  NamedTensors buffers = module.NamedBuffers();
  out.insert(out.end(), buffers.begin(), buffers.end());
  return out;
}

absl::Status LoadStateDictFromTensors(Module& module, const NamedTensors& tensors) {
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!index.emplace(tensors[i].first, i).second) {
      return Invalid(absl::StrCat("tensor '", tensors[i].first, "' appears more than once"));
    }
  }
  std::vector<std::pair<std::string, Tensor*>> slots = module.NamedParameterAndBufferSlots();
  std::vector<std::string> missing, unexpected;
  absl::flat_hash_map<std::string, Tensor*> slot_of;
  for (const auto& [name, slot] : slots) {
    slot_of.emplace(name, slot);
    if (!index.contains(name)) missing.push_back(name);
  }
  for (const auto& [name, t] : tensors) {
    if (!slot_of.contains(name)) unexpected.push_back(name);
  }
  if (!missing.empty() || !unexpected.empty()) {
    std::string message = absl::StrCat("the state dict does not match ", module.name());
    if (!missing.empty()) absl::StrAppend(&message, "; missing: ", absl::StrJoin(missing, ", "));
    if (!unexpected.empty()) absl::StrAppend(&message, "; unexpected: ", absl::StrJoin(unexpected, ", "));
    return Invalid(message);
  }
  // Checks everything before writing anything.
  for (const auto& [name, slot] : slots) {
    const Tensor& t = tensors[index[name]].second;
    if (!t.ok()) return Invalid(absl::StrCat("tensor '", name, "' is not valid: ", t.status().message()));
    if (!slot->ok() || slot->is_fake()) {
      return absl::FailedPreconditionError(
          absl::StrCat("LoadStateDict: the module's tensor '", name, "' has no data to write to"));
    }
    if (t.dtype() != slot->dtype() || t.sizes() != slot->sizes()) {
      return Invalid(absl::StrCat("tensor '", name, "' is ", t.meta().ToString(), " in the state dict but ",
                                  slot->meta().ToString(), " in the module"));
    }
  }
  NoGradGuard no_grad;
  for (const auto& [name, slot] : slots) {
    const Tensor& t = tensors[index[name]].second;
    Tensor target = *slot;  // A failed copy_ must not turn the slot into an error tensor.
    target.copy_(t.to(slot->device()));
    if (!target.ok()) {
      return absl::Status(target.status().code(),
                          absl::StrCat("LoadStateDict: writing '", name, "': ", target.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<module::proto::StateDictProto> StateDictToProto(const Module& module) {
  module::proto::StateDictProto state;
  state.set_version(kStateDictVersion);
  for (const auto& [name, t] : StateDict(module)) {
    AOT_ASSIGN_OR_RETURN(*state.add_tensors(), TensorToProto(name, t));
  }
  return state;
}

absl::Status LoadStateDictFromProto(Module& module, const module::proto::StateDictProto& state) {
  if (state.version() != kStateDictVersion) {
    return Invalid(absl::StrCat("unsupported state dict version ", state.version(), " (expected ",
                                kStateDictVersion, "); is this a state dict?"));
  }
  NamedTensors tensors;
  tensors.reserve(state.tensors_size());
  for (const module::proto::NamedTensorProto& p : state.tensors()) {
    AOT_ASSIGN_OR_RETURN(Tensor t, TensorFromProto(p));
    tensors.emplace_back(p.name(), std::move(t));
  }
  return LoadStateDictFromTensors(module, tensors);
}

absl::StatusOr<std::string> SerializeStateDict(const Module& module) {
  AOT_ASSIGN_OR_RETURN(module::proto::StateDictProto state, StateDictToProto(module));
  std::string bytes;
  if (!state.SerializeToString(&bytes)) return absl::InternalError("SaveStateDict: protobuf serialization failed");
  return bytes;
}

absl::Status LoadStateDictFromString(Module& module, absl::string_view bytes) {
  module::proto::StateDictProto state;
  if (!state.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Invalid(absl::StrCat("the data (", bytes.size(), " bytes) is not a state dict proto"));
  }
  return LoadStateDictFromProto(module, state);
}

absl::Status SaveStateDict(const Module& module, const std::string& path) {
  AOT_ASSIGN_OR_RETURN(std::string bytes, SerializeStateDict(module));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("SaveStateDict: cannot open '", path, "' for writing"));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat("SaveStateDict: writing '", path, "' failed"));
  return absl::OkStatus();
}

absl::Status LoadStateDict(Module& module, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("LoadStateDict: cannot open '", path, "'"));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  absl::Status s = LoadStateDictFromString(module, bytes);
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  return s;
}

}  // namespace aot
