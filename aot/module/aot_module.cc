#include "aot/module/aot_module.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "aot/base/status_macros.h"

namespace aot {
namespace {

// The compiled function of one mode: its first inputs are the module's
// parameters and buffers, swapped into the module's slots while tracing
// (Note [Parameter slots] in module.h).
TensorFn SlotSwappingFn(std::shared_ptr<Module> module, bool training) {
  return [module, training](const std::vector<Tensor>& in) -> std::vector<Tensor> {
    std::vector<std::pair<std::string, Tensor*>> slots = module->NamedParameterAndBufferSlots();
    if (in.size() < slots.size()) {
      return {Tensor::Error(absl::InternalError("aot_module: fewer inputs than parameters and buffers"))};
    }
    std::vector<Tensor> saved;
    saved.reserve(slots.size());
    for (size_t i = 0; i < slots.size(); ++i) {
      saved.push_back(*slots[i].second);
      *slots[i].second = in[i];
    }
    const bool was_training = module->is_training();
    module->Train(training);
    std::vector<Tensor> out = module->ForwardMulti(std::vector<Tensor>(in.begin() + slots.size(), in.end()));
    module->Train(was_training);
    for (size_t i = 0; i < slots.size(); ++i) *slots[i].second = saved[i];
    return out;
  };
}

}  // namespace

absl::StatusOr<AotModule> aot_module(std::shared_ptr<Module> module, AotConfig config) {
  if (module == nullptr) return absl::InvalidArgumentError("aot_module: the module is null");
  AOT_RETURN_IF_ERROR(module->status());
  const int num_params_buffers = static_cast<int>(module->NamedParameterAndBufferSlots().size());
  config.num_params_buffers = num_params_buffers;
  AotConfig eval_config = config;
  eval_config.name = config.name + "_eval";
  AOT_ASSIGN_OR_RETURN(AotFunction train, aot_function(SlotSwappingFn(module, true), config));
  AOT_ASSIGN_OR_RETURN(AotFunction eval, aot_function(SlotSwappingFn(module, false), eval_config));
  return AotModule(std::move(module), std::move(train), std::move(eval), num_params_buffers);
}

absl::StatusOr<std::vector<Tensor>> AotModule::operator()(const std::vector<Tensor>& inputs) const {
  std::vector<std::pair<std::string, Tensor*>> slots = module_->NamedParameterAndBufferSlots();
  if (static_cast<int>(slots.size()) != num_params_buffers_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "aot_module: the module has ", slots.size(), " parameters and buffers now, ", num_params_buffers_,
        " when it was compiled; call aot_module again"));
  }
  std::vector<Tensor> args;
  args.reserve(slots.size() + inputs.size());
  for (const auto& [name, slot] : slots) {
    if (!slot->ok()) {
      return absl::FailedPreconditionError(absl::StrCat("aot_module: parameter or buffer ", name,
                                                        " is not a valid tensor: ", slot->status().ToString()));
    }
    args.push_back(*slot);
  }
  for (const Tensor& t : inputs) args.push_back(t);
  const AotFunction& fn = module_->is_training() ? train_ : eval_;
  return fn(args);
}

absl::StatusOr<Tensor> AotModule::Forward(const Tensor& input) const {
  AOT_ASSIGN_OR_RETURN(std::vector<Tensor> out, (*this)({input}));
  if (out.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("aot_module: Forward on a module with ", out.size(), " outputs"));
  }
  return out[0];
}

int AotModule::num_compilations() const { return train_.num_compilations() + eval_.num_compilations(); }

}  // namespace aot
