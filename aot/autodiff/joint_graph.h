// The joint forward+backward graph of a forward graph, as AOTAutograd builds
// it: one graph whose inputs are the primals (primals_1, ...) and the
// tangents of the differentiable outputs (tangents_1, ...), and whose
// outputs are the forward outputs followed by the gradients of the primals
// that need one.
//
//   AOT_ASSIGN_OR_RETURN(trace::TracedGraph fwd, trace::MakeGraph(fn, {x}));
//   AOT_ASSIGN_OR_RETURN(autodiff::JointGraph joint,
//                        autodiff::BuildJointGraph(*fwd.graph, {true}));
//   std::cout << ir::PrintGraph(*joint.graph);
//
// The builder replays the forward graph on fake tensors under the tracer
// with autograd recording, then runs the backward engine from the outputs
// with the tangents as their gradients: the derivative rules are the ones
// eager autograd runs (derivatives.h), so eager and AOT gradients agree by
// construction. A primal that needs a gradient but does not reach any
// output gets zeros. Outputs that cannot carry a gradient (integer or bool
// dtype, non-differentiable ops, or not depending on a primal that needs
// one) get no tangent. The joint graph of a joint graph gives second-order
// gradients.
#ifndef AOT_AUTODIFF_JOINT_GRAPH_H_
#define AOT_AUTODIFF_JOINT_GRAPH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/decomp/decomposition_table.h"
#include "aot/ir/graph.h"

namespace aot::autodiff {

struct JointGraph {
  std::unique_ptr<ir::Graph> graph;
  // Inputs: num_primals primals (the forward graph's inputs, in order), then
  // one tangent per entry of tangent_outputs.
  int num_primals = 0;
  // Outputs: num_fwd_outputs forward outputs, then one gradient per entry of
  // grad_inputs.
  int num_fwd_outputs = 0;
  // The forward output each tangent is the gradient of.
  std::vector<int> tangent_outputs;
  // The primal each gradient output is for.
  std::vector<int> grad_inputs;
  int num_tangents() const { return static_cast<int>(tangent_outputs.size()); }
};

struct JointOptions {
  // Decompositions applied to the forward ops and the backward ops alike.
  const DecompositionTable* decompositions = nullptr;
  std::string graph_name = "joint";
};

// Builds the joint graph of `forward` with gradients for the inputs whose
// `needs_grad` entry is true (one entry per input; integer inputs cannot
// need one). Errors: InvalidArgument for a wrong `needs_grad`, Unimplemented
// naming an op without a derivative rule on the path from a primal to an
// output, and the errors of tracing.
absl::StatusOr<JointGraph> BuildJointGraph(const ir::Graph& forward, const std::vector<bool>& needs_grad,
                                           const JointOptions& options = {});

// Returns which outputs of `graph` carry a gradient when the inputs marked in
// `needs_grad` require one (the rule eager autograd applies).
std::vector<bool> OutputsRequiringGrad(const ir::Graph& graph, const std::vector<bool>& needs_grad);

}  // namespace aot::autodiff

#endif  // AOT_AUTODIFF_JOINT_GRAPH_H_
