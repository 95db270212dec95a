// make_graph: runs a C++ function over aot::Tensor on fake tensors and
// records every op it calls as an ir::Graph.
//
//   auto fn = [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
//     return {in[0].cos().cos()};
//   };
//   AOT_ASSIGN_OR_RETURN(TracedGraph traced, MakeGraph(fn, {x}));
//   std::cout << ir::PrintGraph(*traced.graph);
//
// Tracing computes nothing: inputs become fake tensors (metadata only) and
// each op's results come from the IR shape rules, so a model whose tensors
// would need gigabytes traces in kilobytes. C++ control flow is unrolled;
// reading a value (item()) fails with FailedPrecondition.
//
// See Note [Functionalization] in make_graph.cc for how in-place ops and
// views become a functional graph, and Note [Random ops while tracing].
#ifndef AOT_TRACE_MAKE_GRAPH_H_
#define AOT_TRACE_MAKE_GRAPH_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/decomp/decomposition_table.h"
#include "aot/ir/graph.h"
#include "aot/tensor/tensor.h"

namespace aot::trace {

using TracedFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

struct TraceOptions {
  // Ops with an entry are traced through their decomposition (recursively:
  // the decomposition's own ops are looked up too).
  const DecompositionTable* decompositions = nullptr;
  // Turn in-place ops into out-of-place ops plus rebinding, and views into
  // non-aliasing ops, so the graph has no mutation and no aliasing.
  bool functionalize = true;
  // Tensors the function captures (uses without receiving them) become
  // extra graph inputs (ExtraInput::kLifted) when true; when false, CPU
  // tensors are embedded as `constant` nodes holding their values (an
  // integer tensor with values beyond 2^53 cannot be embedded exactly and is
  // an error). Lifting keeps large weights out of the graph.
  bool lift_captured_tensors = true;
  // Run the autograd key while tracing: ops on tensors that require grad
  // record a tape of fake tensors, so a backward run inside `fn` traces the
  // derivative rules (the joint-graph builder, aot/autodiff, does this).
  // When false, autograd does not see the fakes and only the ops as called
  // are recorded.
  bool record_autograd = false;
  std::string graph_name = "forward";
  // Names of the function's inputs in the graph; empty: "arg0", "arg1", ...
  std::vector<std::string> input_names;
};

// A graph input the function did not receive as an argument.
struct ExtraInput {
  enum class Kind {
    kLifted,  // A tensor the function captured: pass `value` each call.
    kSeed,    // A random op's (seed, offset): pass NextSeedTensor(seed_numel).
  };
  Kind kind;
  Tensor value;
  int64_t seed_numel = 0;
};

// A graph input the function wrote to in place: after a call, copy output
// `output_index` into input `input_index`.
struct InputMutation {
  int input_index;
  int output_index;
};

struct TracedGraph {
  std::unique_ptr<ir::Graph> graph;
  int num_user_inputs = 0;
  // Inputs num_user_inputs.. of the graph, in order.
  std::vector<ExtraInput> extra_inputs;
  int num_user_outputs = 0;
  // Outputs num_user_outputs.. of the graph: the new values of mutated inputs.
  std::vector<InputMutation> mutations;
};

// Traces `fn` on fake tensors with the metadata of `example_inputs` (only
// their metadata is read). Returns the graph, verified, or the first error an
// op reported while tracing (naming the op), or the status of an error
// tensor the function returned.
absl::StatusOr<TracedGraph> MakeGraph(const TracedFn& fn, absl::Span<const Tensor> example_inputs,
                                      const TraceOptions& options = {});

}  // namespace aot::trace

#endif  // AOT_TRACE_MAKE_GRAPH_H_
