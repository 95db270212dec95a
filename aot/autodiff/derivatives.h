// Derivative rules: for each differentiable op of the op set, one function
// over aot::Tensor that maps the gradients of the op's results to the
// gradients of its operands (a vector-Jacobian product). The eager autograd
// engine (engine.h) runs these rules on real tensors; the joint-graph builder
// (joint_graph.h) runs the same rules under the tracer, so eager and AOT
// gradients agree by construction.
//
//   // d/dx cos(x) = -sin(x)
//   AOT_REGISTER_DERIVATIVE(kCos, [](const GradContext& ctx) -> GradResult {
//     return Grads{ctx.grad(0) * ctx.input(0).sin().neg()};
//   });
//
// A rule receives the forward call (operands, attributes with defaults), the
// forward results and one gradient per result (undefined where no gradient
// flows: treat it as zero), and returns one tensor per flattened operand:
// undefined where the operand needs no gradient or gets none. The engine
// only asks for the operands that need a gradient (needs_grad), so a rule
// may skip the others. Broadcast operands get their gradient summed back to
// their shape (SumToSize).
//
// Ops flagged kNonDifferentiable, and results of integer or bool dtype, never
// carry a gradient. Every other op needs a rule; running backward through an
// op without one is an Unimplemented error naming the op, never a silent
// zero.
#ifndef AOT_AUTODIFF_DERIVATIVES_H_
#define AOT_AUTODIFF_DERIVATIVES_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/ir/op.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff {

using Grads = std::vector<Tensor>;
using GradResult = absl::StatusOr<Grads>;

// What a derivative rule sees. Tensors in it must not be written in place.
class GradContext {
 public:
  GradContext(const OpCall& call, absl::Span<const Tensor> outputs, absl::Span<const Tensor> grads,
              absl::Span<const bool> needs_grad)
      : call_(call), outputs_(outputs), grads_(grads), needs_grad_(needs_grad) {}

  const OpCall& call() const { return call_; }
  const ir::OpDef& op() const { return *call_.op; }
  // The operand of single-tensor argument g (argument order of the schema).
  const Tensor& input(int g) const { return call_.input(g); }
  // The operand of optional argument g, or nullptr when absent.
  const Tensor* optional_input(int g) const { return call_.optional_input(g); }
  std::vector<Tensor> input_list(int g) const { return call_.input_list(g); }
  const ir::AttrValue& attr(absl::string_view name) const { return call_.attr(name); }
  int num_operands() const { return static_cast<int>(call_.operands.size()); }
  // Flattened operand i (over all groups).
  const Tensor& operand(int i) const { return call_.operands[i]; }

  // Forward result i.
  const Tensor& output(int i) const { return outputs_[i]; }
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  // The gradient of result i; undefined when none flows (zero).
  const Tensor& grad(int i) const { return grads_[i]; }
  bool has_grad(int i) const { return grads_[i].defined(); }

  // True if flattened operand i needs a gradient.
  bool needs_grad(int i) const { return needs_grad_[i]; }
  // True if the operand of single-tensor argument g needs a gradient.
  bool needs_input_grad(int g) const;

 private:
  const OpCall& call_;
  absl::Span<const Tensor> outputs_;
  absl::Span<const Tensor> grads_;
  absl::Span<const bool> needs_grad_;
};

using DerivativeFn = std::function<GradResult(const GradContext&)>;

// Registers the rule of `op`. AlreadyExists (naming both sites) if it has
// one; InvalidArgument if `op` is flagged kNonDifferentiable.
absl::Status RegisterDerivative(OpKind op, DerivativeFn fn, const char* file, int line);
// Returns the rule of `op`, or nullptr.
const DerivativeFn* FindDerivative(OpKind op);
// The Unimplemented error for an op without a rule.
absl::Status NoDerivativeError(const ir::OpDef& op);

// Returns true if `op` must have a rule: it is not flagged kNonDifferentiable
// or kCreation, and is not in-place (an in-place op is differentiated through
// its functional form; see Note [In-place ops under autograd] in engine.cc).
bool NeedsDerivative(const ir::OpDef& op);

// Returns true if the rule of `op` reads the op's results (ctx.output()).
// Eager autograd saves the results of only these ops: a result kept alive
// for nothing costs memory, and writing it in place later (relu_ after a
// conv) would trip the saved-tensor check. A rule of another op that reads a
// result gets an error tensor saying so. See kOpsWhoseRulesReadResults.
bool RuleReadsResults(const ir::OpDef& op);

// Returns true if result `result_index` of `op` can carry a gradient: the op
// is differentiable, the result is floating point and not one of the op's
// auxiliary results (indices, masks, saved statistics: see
// IsDifferentiableResult in derivatives.cc).
bool IsDifferentiableResult(const ir::OpDef& op, int result_index, DType dtype);

// Sums `grad` over the dimensions that broadcasting added or expanded so that
// it has `sizes` (the operand's shape). Returns `grad` if it already has them.
Tensor SumToSize(const Tensor& grad, absl::Span<const int64_t> sizes);

// Static registration at namespace scope; a duplicate aborts at start-up
// naming both sites.
struct DerivativeRegistrar {
  DerivativeRegistrar(OpKind op, DerivativeFn fn, const char* file, int line);
};
#define AOT_DERIVATIVE_CONCAT_INNER_(a, b) a##b
#define AOT_DERIVATIVE_CONCAT_(a, b) AOT_DERIVATIVE_CONCAT_INNER_(a, b)
#define AOT_REGISTER_DERIVATIVE(op, fn)                                                                  \
  static ::aot::autodiff::DerivativeRegistrar AOT_DERIVATIVE_CONCAT_(aot_derivative_registrar_, __COUNTER__)( \
      ::aot::OpKind::op, fn, __FILE__, __LINE__)

}  // namespace aot::autodiff

#endif  // AOT_AUTODIFF_DERIVATIVES_H_
