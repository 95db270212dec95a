// Derivative rules of the reductions: sum, mean, amax/amin, var, std,
// var_mean and logsumexp.
//
// Each rule first gives the gradient back the reduced dimensions (size 1,
// unless keepdim kept them) so that it broadcasts against the input, as
// PyTorch's unsqueeze_multiple does.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/internal/rule_helpers.h"
#include "aot/base/status_macros.h"
#include "aot/ir/attr.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff {
namespace {

using internal::CastLike;
using internal::Finish;
using internal::NormalizeReduceDims;
using internal::RestoreReducedDims;
using internal::ToVector;
using internal::Wants;

// The `dim` attribute of a reduction; None and [] both mean every dimension.
std::vector<int64_t> DimAttr(const GradContext& ctx) {
  const ir::AttrValue& d = ctx.attr("dim");
  return d.is_none() ? std::vector<int64_t>{} : d.ints();
}

// The reduced dims of the call, normalized and sorted (empty for a rank-0
// input).
absl::StatusOr<std::vector<int64_t>> ReducedDims(const GradContext& ctx) {
  return NormalizeReduceDims(ctx.op(), DimAttr(ctx), ctx.input(0).dim());
}

// The number of elements each result element reduces over.
int64_t ReducedCount(const Tensor& input, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= input.size(static_cast<int>(d));
  return n;
}

// Broadcasts the gradient of a sum back over the input.
Tensor SumBackward(const Tensor& grad, const Tensor& input, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor restored = grad.dim() == 0 ? grad : RestoreReducedDims(grad, dims, keepdim);
  return restored.expand(ToVector(input.sizes()));
}

// var(x) = sum((x - mean)^2) / (N - correction):
// d/dx = 2 / (N - correction) * grad * (x - mean).
Tensor VarBackward(const Tensor& grad, const Tensor& input, const std::vector<int64_t>& dims, int64_t correction,
                   bool keepdim) {
  const int64_t dof = std::max<int64_t>(0, ReducedCount(input, dims) - correction);
  Tensor restored = RestoreReducedDims(grad, dims, keepdim);
  Tensor scaled = restored * (2.0 / static_cast<double>(dof));
  Tensor mean = aot::mean(input, dims, /*keepdim=*/true);
  Tensor centered = input - mean;
  return scaled * centered;
}

AOT_REGISTER_DERIVATIVE(kSum, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
  AOT_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(ctx));
  Tensor g = SumBackward(ctx.grad(0), ctx.input(0), dims, ctx.attr("keepdim").b());
  grads[0] = CastLike(g, ctx.input(0));
  return Finish(ctx, std::move(grads));
});

AOT_REGISTER_DERIVATIVE(kMean, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
  AOT_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(ctx));
  Tensor expanded = SumBackward(ctx.grad(0), ctx.input(0), dims, ctx.attr("keepdim").b());
  Tensor g = expanded / static_cast<double>(ReducedCount(ctx.input(0), dims));
  grads[0] = CastLike(g, ctx.input(0));
  return Finish(ctx, std::move(grads));
});

// amax/amin: the gradient is split evenly among the elements equal to the
// result (PyTorch's scale_grad_by_count).
GradResult AmaxAminBackward(const GradContext& ctx) {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
  AOT_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(ctx));
  const bool keepdim = ctx.attr("keepdim").b();
  const Tensor& input = ctx.input(0);
  Tensor grad = RestoreReducedDims(ctx.grad(0), dims, keepdim);
  Tensor result = RestoreReducedDims(ctx.output(0), dims, keepdim);
  Tensor mask = eq(result, input);
  // Empty `dims` only for a rank-0 input, where sum's "every dimension" is
  // the same.
  Tensor count = sum(mask, dims, /*keepdim=*/true);
  Tensor share = grad / count;
  Tensor g = share * mask;
  grads[0] = CastLike(g, input);
  return Finish(ctx, std::move(grads));
}
AOT_REGISTER_DERIVATIVE(kAmax, AmaxAminBackward);
AOT_REGISTER_DERIVATIVE(kAmin, AmaxAminBackward);

AOT_REGISTER_DERIVATIVE(kVar, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
  AOT_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(ctx));
  grads[0] = VarBackward(ctx.grad(0), ctx.input(0), dims, ctx.attr("correction").i(), ctx.attr("keepdim").b());
  return Finish(ctx, std::move(grads));
});

// std = sqrt(var): d/dx = var_backward(grad / (2 std)).
AOT_REGISTER_DERIVATIVE(kStd, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
  AOT_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(ctx));
  Tensor twice = ctx.output(0) * 2.0;
  Tensor var_grad = ctx.grad(0) / twice;
  grads[0] = VarBackward(var_grad, ctx.input(0), dims, ctx.attr("correction").i(), ctx.attr("keepdim").b());
  return Finish(ctx, std::move(grads));
});

// var_mean: either result's gradient may be missing (zero).
AOT_REGISTER_DERIVATIVE(kVarMean, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!Wants(ctx, 0) || !(ctx.has_grad(0) || ctx.has_grad(1))) return grads;
  AOT_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(ctx));
  const bool keepdim = ctx.attr("keepdim").b();
  const Tensor& input = ctx.input(0);
  Tensor g;
  if (ctx.has_grad(0)) g = VarBackward(ctx.grad(0), input, dims, ctx.attr("correction").i(), keepdim);
  if (ctx.has_grad(1)) {
    Tensor expanded = SumBackward(ctx.grad(1), input, dims, keepdim);
    Tensor mean_grad = expanded / static_cast<double>(ReducedCount(input, dims));
    g = g.defined() ? g + mean_grad : mean_grad;
  }
  grads[0] = CastLike(g, input);
  return Finish(ctx, std::move(grads));
});

// logsumexp: d/dx = grad * exp(x - result).
AOT_REGISTER_DERIVATIVE(kLogsumexp, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
  AOT_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(ctx));
  const bool keepdim = ctx.attr("keepdim").b();
  Tensor grad = RestoreReducedDims(ctx.grad(0), dims, keepdim);
  Tensor result = RestoreReducedDims(ctx.output(0), dims, keepdim);
  Tensor shifted = ctx.input(0) - result;
  Tensor softmax = shifted.exp();
  grads[0] = grad * softmax;
  return Finish(ctx, std::move(grads));
});

}  // namespace
}  // namespace aot::autodiff
