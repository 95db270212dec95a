// Eager autograd: the tape and the backward engine.
//
//   Tensor w = randn({3, 4}, /*seed=*/0).set_requires_grad(true);
//   Tensor loss = (x.matmul(w)).cos().sum();
//   AOT_RETURN_IF_ERROR(loss.backward());          // w.grad() now holds dloss/dw
//   AOT_ASSIGN_OR_RETURN(std::vector<Tensor> g,
//                        autodiff::Grad({loss2}, {w}));  // Or as a function.
//
// Linking //aot/autodiff:engine installs the autograd dispatch key: while
// grad mode is on (see NoGradGuard), every op with an operand that requires
// grad records a Node on the tape: the op's call (its saved inputs and
// outputs, see Note [Saved tensors] in engine.cc) and edges to the nodes that
// made its operands. Results that can carry a gradient (IsDifferentiableResult)
// require grad and point to the node.
//
// Backward(roots) runs the derivative rules (derivatives.h) of the nodes that
// lead to the roots in reverse topological order, sums the gradients that
// reach each tensor and accumulates them into the .grad of leaves that
// require grad. Saved tensors are released as each node finishes unless
// retain_graph is set; running backward through released nodes is a
// FailedPrecondition error. With create_graph, the rules run with grad mode
// on, so the gradients have a tape of their own (higher-order gradients).
//
// Custom functions (ApplyFunction) put a user-written forward and backward on
// the tape as one node, as torch.autograd.Function does; the compiled
// functions of aot/module are such nodes.
#ifndef AOT_AUTODIFF_ENGINE_H_
#define AOT_AUTODIFF_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff {

class Node;

// Where a gradient goes: input `input_nr` of `node` (the node's
// input_nr-th forward result, or the leaf of an accumulator node).
struct Edge {
  std::shared_ptr<Node> node;
  int input_nr = 0;
  bool valid() const { return node != nullptr; }
};

// A node's next edges, inline for up to two (nearly every op): the backward
// walks every node's edges, and an inline list spares it a cache miss per
// node (and the forward a malloc per recorded op).
using EdgeList = absl::InlinedVector<Edge, 2>;

// A node of the tape: maps the gradients of the forward results it stands
// for to the gradients of the forward operands (one per next edge).
class Node {
 public:
  Node(int num_inputs, EdgeList next_edges);
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // A name for errors and debugging ("CosBackward", "AccumulateGrad").
  virtual std::string name() const = 0;
  // Given one gradient per input (undefined: zero), returns one gradient per
  // next edge (undefined: none).
  virtual absl::StatusOr<std::vector<Tensor>> Apply(std::vector<Tensor> grads) = 0;
  // Drops saved tensors; later Apply calls fail with FailedPrecondition.
  virtual void ReleaseSaved() {}

  int num_inputs() const { return num_inputs_; }
  absl::Span<const Edge> next_edges() const { return next_edges_; }
  // Creation order: later nodes run first among ready ones.
  uint64_t sequence_nr() const { return sequence_nr_; }

 private:
  int num_inputs_;
  EdgeList next_edges_;
  uint64_t sequence_nr_;
};

// The node that made `t` (null for a leaf or a tensor that does not require
// grad).
std::shared_ptr<Node> GradFn(const Tensor& t);
// True if `t` requires grad and no recorded op made it.
bool IsLeaf(const Tensor& t);
// The edge a gradient for `t` flows along: its grad_fn and result index, or
// for a leaf that requires grad its accumulator node. Invalid otherwise.
Edge GradientEdge(const Tensor& t);

struct BackwardOptions {
  // Keep saved tensors so backward can run through the tape again. Unset:
  // create_graph (as in PyTorch).
  std::optional<bool> retain_graph;
  // Record the backward itself (for gradients of gradients).
  bool create_graph = false;
};

// Accumulates d(sum_i <outputs[i], grad_outputs[i]>)/dleaf into leaf.grad()
// for every leaf that requires grad and leads to `outputs`. An empty
// `grad_outputs` means ones for a scalar output (InvalidArgument for a
// non-scalar one). Errors: an output that does not require grad, a
// grad_output of another shape, an op without a derivative rule
// (Unimplemented), a tape already freed (FailedPrecondition), a saved tensor
// modified in place since it was saved (FailedPrecondition).
absl::Status Backward(absl::Span<const Tensor> outputs, absl::Span<const Tensor> grad_outputs = {},
                      const BackwardOptions& options = {});

struct GradOptions {
  // Unset: create_graph.
  std::optional<bool> retain_graph;
  bool create_graph = false;
  // Return an undefined tensor for an input that does not lead to the
  // outputs instead of an InvalidArgument error.
  bool allow_unused = false;
  // Return zeros for such inputs instead (implies allow_unused).
  bool materialize_unused = false;
};

// Returns d(sum_i <outputs[i], grad_outputs[i]>)/dinputs[j] for each input
// (which must require grad; any tensor on the tape, not only leaves) without
// touching .grad.
absl::StatusOr<std::vector<Tensor>> Grad(absl::Span<const Tensor> outputs, absl::Span<const Tensor> inputs,
                                         absl::Span<const Tensor> grad_outputs = {},
                                         const GradOptions& options = {});

// --- Custom functions -------------------------------------------------------

// State shared by a custom function's forward and backward.
class FunctionContext {
 public:
  // Saves tensors for the backward (released with the tape). Call in forward.
  void SaveForBackward(std::vector<Tensor> tensors);
  // The saved tensors; FailedPrecondition after release.
  absl::StatusOr<std::vector<Tensor>> saved() const;
  // True if input i needs a gradient.
  bool needs_input_grad(int i) const { return needs_input_grad_[i]; }
  // Marks output i as not differentiable (its gradient is never asked for).
  void MarkNonDifferentiable(int output);

 private:
  friend class FunctionNode;
  friend absl::StatusOr<std::vector<Tensor>> ApplyFunction(const struct CustomFunction& fn,
                                                           const std::vector<Tensor>& inputs);
  std::vector<Tensor> saved_;
  bool released_ = false;
  std::vector<bool> needs_input_grad_;
  std::vector<bool> non_differentiable_;
};

// A forward and a backward, like torch.autograd.Function. `forward` runs
// with grad mode off; `backward` gets one gradient per output (undefined:
// zero) and returns one per input (undefined: none), with grad mode on only
// under create_graph.
struct CustomFunction {
  std::string name = "CustomFunction";
  std::function<absl::StatusOr<std::vector<Tensor>>(FunctionContext& ctx, const std::vector<Tensor>& inputs)>
      forward;
  std::function<absl::StatusOr<std::vector<Tensor>>(FunctionContext& ctx, const std::vector<Tensor>& grads)>
      backward;
};

// Runs `fn.forward` on `inputs` and, if grad mode is on and an input requires
// grad, records one node whose backward is `fn.backward`; floating outputs
// then require grad.
absl::StatusOr<std::vector<Tensor>> ApplyFunction(const CustomFunction& fn, const std::vector<Tensor>& inputs);

}  // namespace aot::autodiff

#endif  // AOT_AUTODIFF_ENGINE_H_
