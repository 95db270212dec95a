// aot_module: compiles a Module's forward and backward ahead of time, like
// functorch.compile.aot_module. Parameters and buffers become graph inputs
// (the first num_params_buffers), so one compiled graph serves every step as
// the weights change; buffers the module writes (batch-norm running
// statistics) are updated after each call exactly as eager mode updates
// them.
//
//   auto net = std::make_shared<models::ResNet>(models::ResNet18(/*num_classes=*/10, /*seed=*/0));
//   AOT_ASSIGN_OR_RETURN(AotModule compiled, aot_module(net, {.partition_fn = MinCutPartitionFn()}));
//   AOT_ASSIGN_OR_RETURN(Tensor logits, compiled.Forward(images));
//   AOT_RETURN_IF_ERROR(cross_entropy(logits, labels).backward());  // net's parameters get .grad
//
// Train and eval mode compile separately (dropout and batch norm differ);
// each mode caches by input metadata like aot_function.
#ifndef AOT_MODULE_AOT_MODULE_H_
#define AOT_MODULE_AOT_MODULE_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/module/aot_function.h"
#include "aot/module/module.h"

namespace aot {

class AotModule {
 public:
  // Runs the module's ForwardMulti on `inputs` through the compiled graphs
  // of its current mode (train or eval).
  absl::StatusOr<std::vector<Tensor>> operator()(const std::vector<Tensor>& inputs) const;
  // Single input, single output.
  absl::StatusOr<Tensor> Forward(const Tensor& input) const;

  Module& module() const { return *module_; }
  // Compilations in both modes together.
  int num_compilations() const;
  // The partition summaries of the training graphs compiled so far.
  std::vector<partition::PartitionSummary> partition_summaries() const { return train_.partition_summaries(); }

 private:
  friend absl::StatusOr<AotModule> aot_module(std::shared_ptr<Module> module, AotConfig config);
  AotModule(std::shared_ptr<Module> module, AotFunction train, AotFunction eval, int num_params_buffers)
      : module_(std::move(module)),
        train_(std::move(train)),
        eval_(std::move(eval)),
        num_params_buffers_(num_params_buffers) {}

  std::shared_ptr<Module> module_;
  AotFunction train_;
  AotFunction eval_;
  int num_params_buffers_;
};

// Compiles `module` (shared: the compiled module keeps it alive). `config`
// as for aot_function; num_params_buffers is set to the module's count of
// parameters and buffers. The module's parameter and buffer set must not
// change afterwards (FailedPrecondition on the next call if it does).
absl::StatusOr<AotModule> aot_module(std::shared_ptr<Module> module, AotConfig config = {});

}  // namespace aot

#endif  // AOT_MODULE_AOT_MODULE_H_
