// Derivative rules of ops whose gradient is easiest written as the gradient
// of their decomposition: layer_norm_backward and batch_norm_backward (their
// double backward).
//
// Note [Derivatives through decompositions]
// The rule runs the op's core decomposition (aot/decomp) again, with grad
// mode on, on aliases of the operands that need a gradient (same data and
// tensor id, fresh autograd state: see ShallowCopy), then runs the engine
// from its results with the incoming gradients. Eagerly this records and
// runs a small tape; under the tracer (the joint graph) it records the
// decomposition's ops and their backward (under create_graph the aliases
// are recorded views instead, so the result keeps the operands' history).
// The cost is a recomputation of
// the op's forward in its decomposed form, which is what PyTorch's double
// backward formulas for these ops compute too.
//
// The saved statistics these ops take (mean and rstd, save_mean and
// save_invstd) are functions of their input: a second derivative must see
// that dependence, as PyTorch's layer_norm_double_backward does. So before
// running the decomposition, the rule replaces them by the same statistics
// recomputed from the input alias (layer_norm_backward has no eps operand:
// rstd is recomputed as rsqrt(var(x) + detach(rstd^-2 - var(x))), equal in
// value, differentiable through var(x)). The statistics operands themselves
// get no gradient, as in PyTorch.
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/engine.h"
#include "aot/autodiff/internal/shallow_copy.h"
#include "aot/base/status_macros.h"
#include "aot/decomp/core_decompositions.h"
#include "aot/tensor/ops.h"

namespace aot::autodiff {
namespace {

std::vector<int64_t> Iota(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t d = from; d < to; ++d) out.push_back(d);
  return out;
}

// Replaces the statistics operands of `call` by recomputations from its input
// (operand 1); see the note above.
absl::Status RecomputeStatistics(OpCall& call) {
  const Tensor& x = call.operands[1];
  if (call.kind() == OpKind::kLayerNormBackward) {
    const int64_t k = static_cast<int64_t>(call.attr("normalized_shape").ints().size());
    std::vector<int64_t> dims = Iota(x.dim() - k, x.dim());
    Tensor mean = aot::mean(x, dims, /*keepdim=*/true);
    Tensor var = aot::var(x, dims, /*correction=*/0, /*keepdim=*/true);
    Tensor saved_rstd = call.operands[3];
    Tensor inv_sq = saved_rstd.pow(-2.0);
    Tensor offset = (inv_sq - var).detach();
    Tensor rstd = (var + offset).rsqrt();
    AOT_RETURN_IF_ERROR(FirstError({mean, rstd}));
    call.operands[2] = mean.reshape(std::vector<int64_t>(call.operands[2].sizes().begin(), call.operands[2].sizes().end()));
    call.operands[3] = rstd.reshape(std::vector<int64_t>(saved_rstd.sizes().begin(), saved_rstd.sizes().end()));
    return FirstError({call.operands[2], call.operands[3]});
  }
  // batch_norm_backward: in training, save_mean (argument 5) and save_invstd
  // (argument 6) are the batch statistics over every dimension but 1.
  if (!call.attr("training").b()) return absl::OkStatus();
  const Tensor* save_mean = call.optional_input(5);
  const Tensor* save_invstd = call.optional_input(6);
  if (save_mean == nullptr || save_invstd == nullptr) return absl::OkStatus();
  std::vector<int64_t> dims = {0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  Tensor mean = aot::mean(x, dims);
  Tensor var = aot::var(x, dims, /*correction=*/0);
  Tensor invstd = (var + call.attr("eps").f()).rsqrt();
  AOT_RETURN_IF_ERROR(FirstError({mean, invstd}));
  call.operands[call.group_start(5)] = mean;
  call.operands[call.group_start(6)] = invstd;
  return absl::OkStatus();
}

GradResult ThroughDecomposition(const GradContext& ctx) {
  const DecompositionFn* decomposition = CoreDecompositionTable().Find(ctx.op().kind());
  if (decomposition == nullptr) return NoDerivativeError(ctx.op());
  const bool create_graph = GradModeEnabled();
  OpCall call = ctx.call();
  AOT_RETURN_IF_ERROR(PrepareCall(call));
  std::vector<Tensor> wrt;
  std::vector<int> wrt_index;
  // The statistics operands get no gradient (see the note).
  std::vector<bool> is_statistic(ctx.num_operands(), false);
  if (ctx.op().kind() == OpKind::kLayerNormBackward) {
    is_statistic[2] = is_statistic[3] = true;
  } else if (ctx.attr("training").b()) {
    for (int g : {5, 6}) {
      if (call.group_sizes[g] == 1) is_statistic[call.group_start(g)] = true;
    }
  }
  for (int i = 0; i < ctx.num_operands(); ++i) {
    if (!ctx.needs_grad(i) || !call.operands[i].ok() || is_statistic[i]) continue;
    if (create_graph && call.operands[i].requires_grad()) {
      // A recorded identity: the gradient captured there is the partial
      // derivative for this operand, and the result stays connected to the
      // operand's history (higher orders).
      const Tensor& t = call.operands[i];
      call.operands[i] = t.view(std::vector<int64_t>(t.sizes().begin(), t.sizes().end()));
    } else {
      call.operands[i] = internal::ShallowCopy(call.operands[i], /*same_id=*/true);
      call.operands[i].set_requires_grad(true);
    }
    wrt.push_back(call.operands[i]);
    wrt_index.push_back(i);
  }
  Grads out(ctx.num_operands());
  if (wrt.empty()) return out;
  std::vector<Tensor> results;
  {
    GradModeGuard grad_mode(true);
    absl::Status stats = RecomputeStatistics(call);
    if (!stats.ok()) return stats;
    absl::StatusOr<std::vector<Tensor>> r = (*decomposition)(call);
    if (!r.ok()) return r.status();
    results = *std::move(r);
  }
  std::vector<Tensor> roots;
  std::vector<Tensor> root_grads;
  for (int i = 0; i < ctx.num_outputs() && i < static_cast<int>(results.size()); ++i) {
    if (!ctx.has_grad(i) || !results[i].requires_grad()) continue;
    roots.push_back(results[i]);
    root_grads.push_back(ctx.grad(i));
  }
  if (roots.empty()) return out;
  absl::StatusOr<std::vector<Tensor>> g =
      Grad(roots, wrt, root_grads, {.create_graph = create_graph, .allow_unused = true});
  if (!g.ok()) return g.status();
  for (size_t k = 0; k < wrt_index.size(); ++k) out[wrt_index[k]] = (*g)[k];
  return out;
}

AOT_REGISTER_DERIVATIVE(kLayerNormBackward, ThroughDecomposition);
AOT_REGISTER_DERIVATIVE(kBatchNormBackward, ThroughDecomposition);

}  // namespace
}  // namespace aot::autodiff
