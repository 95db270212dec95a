// Saving and loading a module's parameters and buffers (its "state dict"),
// in memory or as a protobuf file (state_dict.proto).
//
//   AOT_RETURN_IF_ERROR(SaveStateDict(model, "/tmp/resnet18.pb"));
//   ResNet fresh = ...;                               // Same architecture.
//   AOT_RETURN_IF_ERROR(LoadStateDict(fresh, "/tmp/resnet18.pb"));
//
// The names are those of Module::NamedParameters and NamedBuffers; a load
// must match the module exactly: every name present once, nothing extra, the
// same dtype and shape. Loading copies the values into the module's tensors
// in place (their identity, requires_grad and device stay), and checks
// everything before it writes anything, so a rejected load changes nothing.
// Data is stored dense, row-major and in the host's (little-endian) byte
// order.
#ifndef AOT_MODULE_STATE_DICT_H_
#define AOT_MODULE_STATE_DICT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/module/module.h"
#include "aot/module/state_dict.pb.h"

namespace aot {

// Returns the parameters, then the buffers, of `module` with their dotted
// names. The tensors are the module's own (not copies).
NamedTensors StateDict(const Module& module);
// Copies `tensors` into the parameters and buffers of `module` in place.
// InvalidArgument, naming the tensors, for a duplicate, missing or
// unexpected name, or a dtype or shape different from the module's (both
// are named); nothing is written then.
absl::Status LoadStateDictFromTensors(Module& module, const NamedTensors& tensors);

// Returns the state dict of `module` as a proto (data copied to the host).
absl::StatusOr<module::proto::StateDictProto> StateDictToProto(const Module& module);
// Loads a state dict proto into `module` (errors as LoadStateDictFromTensors,
// plus InvalidArgument for a malformed proto: unknown version or dtype,
// negative dimension, data of the wrong length).
absl::Status LoadStateDictFromProto(Module& module, const module::proto::StateDictProto& state);

// The serialized proto, and its inverse (InvalidArgument if `bytes` does not
// parse).
absl::StatusOr<std::string> SerializeStateDict(const Module& module);
absl::Status LoadStateDictFromString(Module& module, absl::string_view bytes);

// Writes the state dict of `module` to `path` (overwriting it).
absl::Status SaveStateDict(const Module& module, const std::string& path);
// Reads `path` (NotFound if it cannot be opened) and loads it.
absl::Status LoadStateDict(Module& module, const std::string& path);

}  // namespace aot

#endif  // AOT_MODULE_STATE_DICT_H_
