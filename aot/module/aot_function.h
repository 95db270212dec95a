// aot_function: compiles a C++ function over aot::Tensor ahead of time, like
// functorch.compile.aot_function. The result behaves like the function: call
// it eagerly, do anything before and after, and backprop through it.
//
//   auto f = [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
//     return {in[0].cos().cos()};
//   };
//   AOT_ASSIGN_OR_RETURN(AotFunction nf,
//                        aot_function(f, {.fw_compiler = PrintCompiler("forward"),
//                                         .bw_compiler = PrintCompiler("backward")}));
//   Tensor x = randn({3}, /*seed=*/0).set_requires_grad(true);
//   AOT_ASSIGN_OR_RETURN(std::vector<Tensor> out, nf({x.cos()}));
//   AOT_RETURN_IF_ERROR(out[0].sin().sum().backward());   // x.grad() is set
//
// The first call with given input metadata traces the function
// (aot/trace), and, when grad mode is on and an input (or a captured tensor)
// requires grad, builds the joint forward+backward graph (aot/autodiff),
// partitions it (aot/partition) and compiles the forward and backward graphs
// with fw_compiler and bw_compiler; otherwise it compiles the traced graph
// with inference_compiler. Later calls with the same metadata (shapes,
// dtypes, devices, requires_grad, grad mode) reuse the compiled graphs; other
// metadata compiles again (num_compilations() counts). The compiled call is
// one node on the eager autograd tape (a custom function, engine.h).
//
// See docs/guide.md.
#ifndef AOT_MODULE_AOT_FUNCTION_H_
#define AOT_MODULE_AOT_FUNCTION_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/decomp/decomposition_table.h"
#include "aot/module/compiler.h"
#include "aot/partition/partition_types.h"
#include "aot/partition/partitioner_by_name.h"
#include "aot/tensor/tensor.h"

namespace aot {

using TensorFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// Splits a joint graph (partition_types.h); partition::PartitionerByName
// makes one from a name ("default", "mincut", "budget=0.3").
using PartitionFn = partition::Partitioner;
// partition::DefaultPartition: saves every forward value the backward uses.
PartitionFn DefaultPartitionFn();
// partition::MinCutPartition with the default recompute policy.
PartitionFn MinCutPartitionFn();
// partition::MemoryBudgetPartition with `budget` in [0, 1].
PartitionFn MemoryBudgetPartitionFn(double budget);

struct AotConfig {
  // Compiles the forward graph (and, unless set, the others). Default:
  // NopCompiler.
  Compiler fw_compiler;
  // Compiles the backward graph. Default: fw_compiler.
  Compiler bw_compiler;
  // Compiles the graph of a call that needs no gradient. Default:
  // fw_compiler.
  Compiler inference_compiler;
  // Splits the joint graph. Default: DefaultPartitionFn().
  PartitionFn partition_fn;
  // Ops traced through their decomposition (forward and backward).
  std::optional<DecompositionTable> decompositions;
  // The first num_params_buffers inputs are parameters and buffers
  // (aot_module passes them first); they are named params_N in graphs.
  int num_params_buffers = 0;
  // Keep writes to inputs inside the inference graph (as copy_ nodes at its
  // end) instead of applying them after the compiled call.
  bool keep_inference_input_mutations = false;
  // Dynamic shapes: not supported yet (aot_function returns Unimplemented).
  bool dynamic = false;
  // Graph names in printed/drawn output.
  std::string name = "forward";
  // When set (or when the environment variable AOT_DUMP_GRAPHS names a
  // directory), every graph compiled is written there in text form, as
  // <name>_<k>_{forward,joint,fw,bw,inference}.txt (k counts compilations),
  // for `aotc` (docs/debugging.md). A joint graph's first line is a comment
  // "# joint num_primals=P num_fwd_outputs=F".
  std::string dump_graphs_dir;
};

// The compiled function. Copies share the compiled-graph cache.
class AotFunction {
 public:
  // Calls the function. Errors: an argument that is not a valid tensor
  // (InvalidArgument naming it), a different argument count than the first
  // call, and the errors of tracing, autodiff, partitioning, compiling and
  // running.
  absl::StatusOr<std::vector<Tensor>> operator()(const std::vector<Tensor>& args) const;
  // Convenience for single-output functions.
  absl::StatusOr<Tensor> Call1(const std::vector<Tensor>& args) const;
  // Compiles for arguments with the metadata of `args` (their values are not
  // read) without running anything, so that the first real call does not
  // pay for compilation. Errors as operator().
  absl::Status Precompile(const std::vector<Tensor>& args) const;

  // How many times a graph was traced and compiled (one per cache entry).
  int num_compilations() const;
  // The partition summaries of the training graphs compiled so far, in
  // compilation order.
  std::vector<partition::PartitionSummary> partition_summaries() const;

  struct State;

 private:
  friend absl::StatusOr<AotFunction> aot_function(TensorFn fn, AotConfig config);
  explicit AotFunction(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// Returns the compiled form of `fn`. Unimplemented for config.dynamic.
absl::StatusOr<AotFunction> aot_function(TensorFn fn, AotConfig config = {});

}  // namespace aot

#endif  // AOT_MODULE_AOT_FUNCTION_H_
