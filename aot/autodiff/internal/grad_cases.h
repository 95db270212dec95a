// Gradient-check cases for the differentiable op set: one GradCase per op
// variant (attributes, broadcasting, optional operands, dtype promotion),
// shared by the per-rule tests (basic_derivatives_test, nn_derivatives_test)
// and the whole-op-set gradient check (gradcheck_test).
//
//   for (const GradCase& c : AllGradCases()) {
//     std::vector<Tensor> out = c.fn(c.inputs);  // Eagerly, or under autograd or the tracer.
//     std::vector<Tensor> cot = RandomCotangents(c, out, /*seed=*/1);
//     AOT_ASSIGN_OR_RETURN(std::vector<Tensor> numeric, NumericalVjp(c.fn, c.inputs, cot, c.eps));
//     ...  // Compare a gradient with `numeric` using c.atol and c.rtol.
//   }
//
// A case's `fn` calls its op through the dispatcher on the flattened inputs
// (grouped by `group_sizes` into the schema's tensor arguments, with
// `attrs`), so the same function runs eagerly, records on the autograd tape
// and traces into a graph. Inputs are random, float64 where floating (a few
// cases use float32 on purpose, to check dtype promotion, with a larger
// finite-difference step and tolerances), and stay away from the kinks of
// piecewise ops (relu, abs, clamp, max pooling) by more than `eps`.
//
// Cases are test data: building them runs CPU kernels, so call these
// functions from a test (after static initialisation), not at namespace
// scope.
#ifndef AOT_AUTODIFF_INTERNAL_GRAD_CASES_H_
#define AOT_AUTODIFF_INTERNAL_GRAD_CASES_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "aot/ir/attr.h"
#include "aot/ir/op.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff::internal {

// One gradient check: an op called on fixed random inputs, which inputs and
// results take part, and the finite-difference step and tolerances (for
// first-order and second-order checks alike).
struct GradCase {
  ir::OpKind op;
  // Unique, CamelCase, usable as a test name ("MatmulBroadcastBatches").
  std::string name;
  // Calls `op` on flattened inputs through the dispatcher; on error returns
  // one error tensor.
  std::function<std::vector<Tensor>(const std::vector<Tensor>&)> fn;
  // The flattened operands.
  std::vector<Tensor> inputs;
  // One per input: whether its gradient is checked (every floating input
  // unless a case freezes one, e.g. a class weight; see Note [Class weights
  // are not differentiated] in nn_derivatives.cc).
  std::vector<bool> needs_grad;
  // How `inputs` group into the schema's tensor arguments (0 for an absent
  // optional argument), and the attributes `fn` passes.
  std::vector<int> group_sizes;
  ir::AttrList attrs;
  // Differentiable results that get no cotangent (their gradient is
  // undefined: a rule must treat it as zero).
  std::vector<int> no_cotangent;
  double eps = 1e-6;
  double atol = 1e-6;
  double rtol = 1e-5;
  // Whether gradients of the gradients are checked (every case does today;
  // a case may opt out only with a comment saying why).
  bool second_order = true;
};

void PrintTo(const GradCase& c, std::ostream* os);

// Cases of the elementwise, reduction, shape, linear-algebra and conversion
// ops (rules in :basic_derivatives).
std::vector<GradCase> BasicGradCases();
// Cases of the neural-network ops (rules in :nn_derivatives).
std::vector<GradCase> NnGradCases();
// Cases of the backward ops, i.e. of second-order rules (:nn_derivatives).
std::vector<GradCase> BackwardOpGradCases();
// All of the above.
std::vector<GradCase> AllGradCases();

// Groups flattened operands as `c.group_sizes` says.
std::vector<std::vector<Tensor>> GroupInputs(const GradCase& c, const std::vector<Tensor>& flat);

// Returns one cotangent per entry of `outputs` (results of `c.fn`): random
// normal values of the result's shape and dtype for results that can carry
// a gradient (IsDifferentiableResult) and are not in `c.no_cotangent`,
// undefined for the others. Deterministic in `seed`.
std::vector<Tensor> RandomCotangents(const GradCase& c, const std::vector<Tensor>& outputs, uint64_t seed);

// Returns random normal values of `t`'s shape and dtype.
Tensor RandomLike(const Tensor& t, uint64_t seed);

}  // namespace aot::autodiff::internal

#endif  // AOT_AUTODIFF_INTERNAL_GRAD_CASES_H_
