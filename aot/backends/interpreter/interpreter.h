// The graph interpreter: runs an ir::Graph on real tensors by dispatching
// each node in program order. It is the reference executor every compiled
// path is tested against.
//
//   AOT_ASSIGN_OR_RETURN(std::vector<Tensor> out, RunGraph(graph, {x, w}, &stats));
//   std::printf("peak %lld bytes\n", stats.peak_bytes);
//
// Each value is released right after its last use (graph outputs are kept),
// so the peak it reports is what running the graph in this order needs.
#ifndef AOT_BACKENDS_INTERPRETER_INTERPRETER_H_
#define AOT_BACKENDS_INTERPRETER_INTERPRETER_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/ir/graph.h"
#include "aot/tensor/tensor.h"

namespace aot {

struct InterpreterStats {
  // Most bytes of node results alive at once (views of one storage counted
  // once; graph inputs not counted: the caller holds them).
  int64_t peak_bytes = 0;
  int64_t nodes_run = 0;
};

// Runs `graph` on `inputs` (one per graph input, matching its shape, dtype
// and device). Returns the outputs in order. InvalidArgument names a
// mismatching input; an op's error is returned with the node's name
// prepended ("node cos_1 (cos): ..."); a kernel that returns results that
// disagree with the graph's metadata is an Internal error naming the node.
absl::StatusOr<std::vector<Tensor>> RunGraph(const ir::Graph& graph, absl::Span<const Tensor> inputs,
                                             InterpreterStats* stats = nullptr);

}  // namespace aot

#endif  // AOT_BACKENDS_INTERPRETER_INTERPRETER_H_
