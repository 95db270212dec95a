// Derivative rules of the neural-network ops (softmax, normalisation,
// convolution, pooling, embedding, dropout, losses) and of the backward ops
// that other rules emit, so that gradients of gradients work.
//
// Every rule is built from the eager ops (aot/tensor/ops.h), so it runs on
// real tensors and, unchanged, under the tracer on fake ones: rules read
// metadata (sizes, dtypes, attributes), never tensor data. Op calls are
// sequenced into locals, never nested as two operands of one call, so the
// traced node order does not depend on C++'s unspecified evaluation order.
//
// Not here: layer_norm_backward and batch_norm_backward, whose derivatives
// come from a decomposition into differentiable ops instead (their rule is
// Unimplemented until then).
//
// Note [Class weights are not differentiated]
// nll_loss, cross_entropy and nll_loss_backward treat their class `weight`
// as a constant, as PyTorch does: asking for its gradient is Unimplemented,
// never a silent zero.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "aot/autodiff/derivatives.h"
#include "aot/ir/op.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff {
namespace {

using ir::AttrList;

constexpr int64_t kReductionNone = 0;
constexpr int64_t kReductionMean = 1;
constexpr int64_t kReductionSum = 2;

// sqrt(2 / pi), the tanh-approximate gelu's constant.
constexpr double kSqrt2OverPi = 0.79788456080286535588;
// 1 / sqrt(2 pi), the standard normal density at 0.
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
// The cubic coefficient of the tanh-approximate gelu.
constexpr double kGeluCubic = 0.044715;

// Returns one undefined gradient per flattened operand.
Grads NoGrads(const GradContext& ctx) { return Grads(ctx.num_operands()); }

// Stores `grad` as the gradient of single-tensor argument `g`; does nothing
// for an absent optional argument (it has no flattened operand).
void SetGrad(const GradContext& ctx, int g, Tensor grad, Grads* grads) {
  if (ctx.call().group_sizes[g] == 0) return;
  (*grads)[ctx.call().group_start(g)] = std::move(grad);
}

// Returns `grads`, or the status of the first gradient that is an error
// tensor (an op of the rule failed).
GradResult Checked(Grads grads) {
  for (const Tensor& t : grads) {
    if (t.defined() && !t.ok()) return t.status();
  }
  return grads;
}

// The Unimplemented error of a rule that cannot differentiate `what`.
absl::Status Unsupported(const GradContext& ctx, absl::string_view what) {
  return absl::UnimplementedError(
      absl::StrCat("the derivative of ", ctx.op().name(), " ", what, " is not implemented"));
}

// The operand of optional argument `g`, or an undefined tensor.
Tensor OptionalInput(const GradContext& ctx, int g) {
  const Tensor* t = ctx.optional_input(g);
  return t != nullptr ? *t : Tensor();
}

// Copies the named attributes of the forward call, to pass them on.
AttrList ForwardAttrs(const GradContext& ctx, std::initializer_list<const char*> names) {
  AttrList attrs;
  for (const char* name : names) attrs.emplace_back(name, ctx.attr(name));
  return attrs;
}

std::vector<int64_t> SizesOf(const Tensor& t) { return std::vector<int64_t>(t.sizes().begin(), t.sizes().end()); }

// Reshapes `t` to the sizes of `like` if they differ (a scalar gradient
// given as [1], say).
Tensor ReshapeLike(const Tensor& t, const Tensor& like) {
  if (!t.ok() || t.sizes() == like.sizes()) return t;
  return t.reshape(SizesOf(like));
}

absl::Status CheckReduction(const GradContext& ctx, int64_t reduction) {
  if (reduction == kReductionNone || reduction == kReductionMean || reduction == kReductionSum) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(ctx.op().name(), ": reduction must be 0 (none), 1 (mean) or 2 (sum), got ", reduction));
}

// --- softmax, log_softmax -------------------------------------------------------

// softmax(self, dim): grad_self = y * (g - sum(g * y, dim)).
GradResult SoftmaxGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0,
          CallOp1(OpKind::kSoftmaxBackward, {ctx.grad(0), ctx.output(0)}, ForwardAttrs(ctx, {"dim"})), &grads);
  return Checked(std::move(grads));
}

// log_softmax(self, dim): grad_self = g - exp(y) * sum(g, dim).
GradResult LogSoftmaxGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0,
          CallOp1(OpKind::kLogSoftmaxBackward, {ctx.grad(0), ctx.output(0)}, ForwardAttrs(ctx, {"dim"})), &grads);
  return Checked(std::move(grads));
}

// --- layer_norm, batch_norm -----------------------------------------------------

// layer_norm(input, normalized_shape, weight?, bias?, eps) -> (out, mean,
// rstd): layer_norm_backward with the saved mean and rstd.
GradResult LayerNormGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  if (!ctx.needs_input_grad(0) && !ctx.needs_input_grad(1) && !ctx.needs_input_grad(2)) return grads;
  std::vector<Tensor> r = CallOp(OpKind::kLayerNormBackward,
                                 {ctx.grad(0), ctx.input(0), ctx.output(1), ctx.output(2), OptionalInput(ctx, 1),
                                  OptionalInput(ctx, 2)},
                                 ForwardAttrs(ctx, {"normalized_shape"}));
  for (int g = 0; g < 3; ++g) {
    if (ctx.needs_input_grad(g)) SetGrad(ctx, g, r[g], &grads);
  }
  return Checked(std::move(grads));
}

// batch_norm(input, weight?, bias?, running_mean?, running_var?, training,
// momentum, eps) -> (out, save_mean, save_invstd, new_running_mean,
// new_running_var). Input, weight and bias through batch_norm_backward (the
// saved statistics when training, the running ones otherwise). In inference
// the output also depends on the running statistics:
//   out = (x - rm) * invstd * w + b,  invstd = (rv + eps)^-1/2
//   d/drm = -w * invstd * sum(g),  d/drv = -w/2 * invstd^3 * sum(g * (x - rm))
// (sums over all dims but the channels); when training it does not.
GradResult BatchNormGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const bool training = ctx.attr("training").b();
  const bool stats_grad = !training && (ctx.needs_input_grad(3) || ctx.needs_input_grad(4));
  if (!ctx.needs_input_grad(0) && !ctx.needs_input_grad(1) && !ctx.needs_input_grad(2) && !stats_grad) {
    return grads;
  }
  const Tensor weight = OptionalInput(ctx, 1);
  std::vector<Tensor> r = CallOp(OpKind::kBatchNormBackward,
                                 {ctx.grad(0), ctx.input(0), weight, OptionalInput(ctx, 3), OptionalInput(ctx, 4),
                                  ctx.output(1), ctx.output(2)},
                                 ForwardAttrs(ctx, {"training", "eps"}));
  for (int g = 0; g < 3; ++g) {
    if (ctx.needs_input_grad(g)) SetGrad(ctx, g, r[g], &grads);
  }
  if (stats_grad) {
    // r[1] = sum(g * (x - rm)) * invstd and r[2] = sum(g) per channel.
    // invstd is recomputed from running_var so that it is differentiable.
    const Tensor shifted = ctx.input(4) + ctx.attr("eps").f();
    const Tensor invstd = shifted.rsqrt();
    Tensor scale = invstd;
    if (weight.defined()) scale = scale * weight;
    if (ctx.needs_input_grad(3)) {
      const Tensor t = r[2] * scale;
      SetGrad(ctx, 3, t.neg(), &grads);
    }
    if (ctx.needs_input_grad(4)) {
      const Tensor t = r[1] * scale;
      const Tensor u = t * invstd;
      SetGrad(ctx, 4, u * -0.5, &grads);
    }
  }
  return Checked(std::move(grads));
}

// --- conv2d ---------------------------------------------------------------------

AttrList ConvAttrs(const GradContext& ctx) { return ForwardAttrs(ctx, {"stride", "padding", "dilation", "groups"}); }

// conv2d(input, weight, bias?, stride, padding, dilation, groups).
GradResult Conv2dGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  const Tensor& input = ctx.input(0);
  const Tensor& weight = ctx.input(1);
  if (ctx.needs_input_grad(0)) {
    AttrList attrs = ConvAttrs(ctx);
    attrs.emplace_back("input_size", SizesOf(input));
    SetGrad(ctx, 0, CallOp1(OpKind::kConv2dBackwardInput, {g, weight}, attrs), &grads);
  }
  if (ctx.needs_input_grad(1)) {
    AttrList attrs = ConvAttrs(ctx);
    attrs.emplace_back("weight_size", SizesOf(weight));
    SetGrad(ctx, 1, CallOp1(OpKind::kConv2dBackwardWeight, {g, input}, attrs), &grads);
  }
  if (ctx.needs_input_grad(2)) SetGrad(ctx, 2, sum(g, {0, 2, 3}), &grads);
  return Checked(std::move(grads));
}

// conv2d_backward_input(grad_output, weight, input_size, ...) is A^T dy for
// the convolution y = A_W x, so <gg, A_W^T dy> = <A_W gg, dy>:
//   d/d grad_output = conv2d(gg, weight)
//   d/d weight      = conv2d_backward_weight(grad_output, gg)
GradResult Conv2dBackwardInputGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& weight = ctx.input(1);
  if (ctx.needs_input_grad(0)) {
    SetGrad(ctx, 0, CallOp1(OpKind::kConv2d, {gg, weight, Tensor()}, ConvAttrs(ctx)), &grads);
  }
  if (ctx.needs_input_grad(1)) {
    AttrList attrs = ConvAttrs(ctx);
    attrs.emplace_back("weight_size", SizesOf(weight));
    SetGrad(ctx, 1, CallOp1(OpKind::kConv2dBackwardWeight, {dy, gg}, attrs), &grads);
  }
  return Checked(std::move(grads));
}

// conv2d_backward_weight(grad_output, input, weight_size, ...) is the
// gradient of <dy, conv2d(x, W)> in W, so <gg, dW> = <dy, conv2d(x, gg)>:
//   d/d grad_output = conv2d(input, gg)
//   d/d input       = conv2d_backward_input(grad_output, gg)
GradResult Conv2dBackwardWeightGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& input = ctx.input(1);
  if (ctx.needs_input_grad(0)) {
    SetGrad(ctx, 0, CallOp1(OpKind::kConv2d, {input, gg, Tensor()}, ConvAttrs(ctx)), &grads);
  }
  if (ctx.needs_input_grad(1)) {
    AttrList attrs = ConvAttrs(ctx);
    attrs.emplace_back("input_size", SizesOf(input));
    SetGrad(ctx, 1, CallOp1(OpKind::kConv2dBackwardInput, {dy, gg}, attrs), &grads);
  }
  return Checked(std::move(grads));
}

// --- Pooling --------------------------------------------------------------------

// max_pool2d_with_indices(self, ...) -> (out, indices).
GradResult MaxPool2dWithIndicesGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0,
          CallOp1(OpKind::kMaxPool2dWithIndicesBackward, {ctx.grad(0), ctx.input(0), ctx.output(1)},
                  ForwardAttrs(ctx, {"kernel_size", "stride", "padding", "dilation", "ceil_mode"})),
          &grads);
  return Checked(std::move(grads));
}

// max_pool2d_with_indices_backward(grad_output, self, indices, ...) adds
// grad_output[o] into the input position indices[o] of its plane; it is
// linear in grad_output (d/d grad_output = gg gathered at the indices) and
// piecewise constant in self.
GradResult MaxPool2dWithIndicesBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& indices = ctx.input(2);
  const int rank = gg.dim();
  if (rank < 2 || dy.dim() != rank || indices.dim() != rank) {
    return absl::InvalidArgumentError(absl::StrCat(ctx.op().name(), ": grad ", gg.meta().ToString(),
                                                   ", grad_output ", dy.meta().ToString(), " and indices ",
                                                   indices.meta().ToString(), " must have one rank >= 2"));
  }
  // Indices are flat within an H x W plane: gather from [..., H * W].
  std::vector<int64_t> plane_sizes(gg.sizes().begin(), gg.sizes().end() - 2);
  std::vector<int64_t> index_sizes = plane_sizes;
  plane_sizes.push_back(gg.size(-2) * gg.size(-1));
  index_sizes.push_back(indices.size(-2) * indices.size(-1));
  const Tensor flat = gg.reshape(plane_sizes);
  const Tensor flat_indices = indices.reshape(index_sizes);
  const Tensor picked = gather(flat, -1, flat_indices);
  SetGrad(ctx, 0, picked.reshape(SizesOf(dy)), &grads);
  return Checked(std::move(grads));
}

AttrList AvgPoolAttrs(const GradContext& ctx) {
  return ForwardAttrs(ctx, {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"});
}

// avg_pool2d(self, ...).
GradResult AvgPool2dGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0, CallOp1(OpKind::kAvgPool2dBackward, {ctx.grad(0), ctx.input(0)}, AvgPoolAttrs(ctx)), &grads);
  return Checked(std::move(grads));
}

// avg_pool2d_backward(grad_output, self, ...) is the adjoint of avg_pool2d:
// d/d grad_output = avg_pool2d(gg); self only gives the shape.
GradResult AvgPool2dBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0, CallOp1(OpKind::kAvgPool2d, {ctx.grad(0)}, AvgPoolAttrs(ctx)), &grads);
  return Checked(std::move(grads));
}

// adaptive_avg_pool2d(self, output_size).
GradResult AdaptiveAvgPool2dGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0, CallOp1(OpKind::kAdaptiveAvgPool2dBackward, {ctx.grad(0), ctx.input(0)}), &grads);
  return Checked(std::move(grads));
}

// adaptive_avg_pool2d_backward(grad_output, self): d/d grad_output =
// adaptive_avg_pool2d(gg) to grad_output's spatial size; self only gives
// the shape.
GradResult AdaptiveAvgPool2dBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  const Tensor& dy = ctx.input(0);
  if (dy.dim() < 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(ctx.op().name(), ": grad_output ", dy.meta().ToString(), " has no spatial dimensions"));
  }
  const std::vector<int64_t> output_size = {dy.size(-2), dy.size(-1)};
  SetGrad(ctx, 0, adaptive_avg_pool2d(ctx.grad(0), output_size), &grads);
  return Checked(std::move(grads));
}

// --- embedding ------------------------------------------------------------------

// embedding(weight, indices, padding_idx): the rows of grad_output summed
// into the rows they were read from; padding_idx's row gets none.
GradResult EmbeddingGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  const Tensor& weight = ctx.input(0);
  SetGrad(ctx, 0,
          CallOp1(OpKind::kEmbeddingBackward, {ctx.grad(0), ctx.input(1)},
                  {{"num_weights", weight.size(0)}, {"padding_idx", ctx.attr("padding_idx")}}),
          &grads);
  return Checked(std::move(grads));
}

// embedding_backward(grad_output, indices, num_weights, padding_idx) is
// linear in grad_output: d/d grad_output = embedding(gg, indices) with the
// positions that read padding_idx zeroed (the kernel skips them; a negative
// padding_idx never matches an index).
GradResult EmbeddingBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  const Tensor& indices = ctx.input(1);
  const int64_t padding_idx = ctx.attr("padding_idx").i();
  Tensor rows = embedding(ctx.grad(0), indices);
  if (padding_idx >= 0) {
    const Tensor is_pad = CallOp1(OpKind::kEqScalar, {indices}, {{"other", padding_idx}});
    const Tensor mask = is_pad.unsqueeze(-1);
    rows = rows.masked_fill(mask, 0.0);
  }
  SetGrad(ctx, 0, rows, &grads);
  return Checked(std::move(grads));
}

// --- dropout --------------------------------------------------------------------

// dropout(input, seed?, p, train) -> (out, mask): out = input * mask / (1 -
// p) when training (0 where p >= 1), the input otherwise.
GradResult DropoutGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  if (!ctx.attr("train").b()) {
    SetGrad(ctx, 0, g, &grads);
    return Checked(std::move(grads));
  }
  const double p = ctx.attr("p").f();
  const double scale = p >= 1 ? 0.0 : 1.0 / (1.0 - p);
  const Tensor mask = ctx.output(1).to(g.dtype());
  const Tensor kept = g * mask;
  SetGrad(ctx, 0, kept * scale, &grads);
  return Checked(std::move(grads));
}

// --- Losses ---------------------------------------------------------------------

// nll_loss(self, target, weight?, reduction, ignore_index).
// See Note [Class weights are not differentiated].
GradResult NllLossGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  if (ctx.needs_input_grad(2)) return Unsupported(ctx, "with respect to weight");
  if (!ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0,
          CallOp1(OpKind::kNllLossBackward, {ctx.grad(0), ctx.input(0), ctx.input(1), OptionalInput(ctx, 2)},
                  ForwardAttrs(ctx, {"reduction", "ignore_index"})),
          &grads);
  return Checked(std::move(grads));
}

// cross_entropy(self, target, weight?, reduction, ignore_index,
// label_smoothing) over class logits [N, C] or [C], as the CPU kernel:
// with lp = log_softmax(self, -1) and eps = label_smoothing, row i (target
// t != ignore_index) loses
//   l_i = (1 - eps) * -w_t lp[i, t] + eps / C * -sum_c w_c lp[i, c]
//       = -sum_c D[i, c] lp[i, c],  D = (1 - eps) * w_t onehot(t) + eps / C * w
// and an ignored row 0; 'mean' divides the sum by W = sum of w_t over the
// kept rows (for the smoothing term too). So d/dlp = -r_i * D[i, :] with
// r_i = g_i (none), g (sum) or g / W (mean), and d/dself is
// log_softmax_backward of that. Without smoothing, -r_i * D is exactly
// nll_loss_backward(g, lp, ...). The rows of D come from nll_loss_backward
// with a unit gradient, which applies ignore_index and the weights as the
// forward does without reading any data here.
// See Note [Class weights are not differentiated].
GradResult CrossEntropyGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  if (ctx.needs_input_grad(2)) return Unsupported(ctx, "with respect to weight");
  if (!ctx.needs_input_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  const Tensor& x = ctx.input(0);
  const Tensor& target = ctx.input(1);
  const Tensor weight = OptionalInput(ctx, 2);
  const int64_t reduction = ctx.attr("reduction").i();
  const int64_t ignore_index = ctx.attr("ignore_index").i();
  const double smoothing = ctx.attr("label_smoothing").f();
  if (absl::Status s = CheckReduction(ctx, reduction); !s.ok()) return s;
  if (!(smoothing >= 0.0 && smoothing <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(ctx.op().name(), ": label_smoothing must be between 0.0 and 1.0, got ", smoothing));
  }
  if (x.dim() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(ctx.op().name(), ": self ", x.meta().ToString(), " has no class dimension"));
  }
  const Tensor lp = log_softmax(x, -1);
  Tensor grad_lp;
  if (smoothing == 0.0) {
    grad_lp = CallOp1(OpKind::kNllLossBackward, {g, lp, target, weight},
                      {{"reduction", reduction}, {"ignore_index", ignore_index}});
  } else {
    const int64_t classes = x.size(-1);
    const Tensor unit = ones(SizesOf(target), {.dtype = x.dtype(), .device = x.device()});
    const AttrList per_row = {{"reduction", kReductionNone}, {"ignore_index", ignore_index}};
    // w_t at (i, t) and zero rows where ignored (nll_loss_backward gives -w_t).
    const Tensor neg_target_w = CallOp1(OpKind::kNllLossBackward, {unit, lp, target, weight}, per_row);
    const Tensor target_w = neg_target_w.neg();
    // 1 at (i, t): its row sums mark the kept rows.
    const Tensor neg_onehot = CallOp1(OpKind::kNllLossBackward, {unit, lp, target, Tensor()}, per_row);
    const Tensor kept_neg = neg_onehot.sum({-1}, /*keepdim=*/true);
    const Tensor kept = kept_neg.neg();
    Tensor smooth = kept * (smoothing / static_cast<double>(classes));
    if (weight.defined()) smooth = smooth * weight;
    const Tensor nll_part = target_w * (1.0 - smoothing);
    const Tensor d = nll_part + smooth;
    Tensor r;
    switch (reduction) {
      case kReductionNone:
        r = g.unsqueeze(-1);
        break;
      case kReductionSum:
        r = g;
        break;
      default: {
        const Tensor total_weight = target_w.sum();
        r = g / total_weight;
        break;
      }
    }
    const Tensor scaled = d * r;
    grad_lp = scaled.neg();
  }
  SetGrad(ctx, 0, CallOp1(OpKind::kLogSoftmaxBackward, {grad_lp, lp}, {{"dim", int64_t{-1}}}), &grads);
  return Checked(std::move(grads));
}

// mse_loss(self, target, reduction): d/dself = mse_loss_backward, d/dtarget
// its negation.
GradResult MseLossGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || (!ctx.needs_input_grad(0) && !ctx.needs_input_grad(1))) return grads;
  const Tensor gx = CallOp1(OpKind::kMseLossBackward, {ctx.grad(0), ctx.input(0), ctx.input(1)},
                            ForwardAttrs(ctx, {"reduction"}));
  if (ctx.needs_input_grad(0)) SetGrad(ctx, 0, gx, &grads);
  if (ctx.needs_input_grad(1)) SetGrad(ctx, 1, gx.neg(), &grads);
  return Checked(std::move(grads));
}

// nll_loss_backward(grad_output, self, target, weight?, reduction,
// ignore_index) puts -w_t * r_i at (i, t_i), r_i as for cross_entropy above,
// so <gg, result> = <grad_output, nll_loss(gg, ...)> with the same
// reduction: d/d grad_output = nll_loss(gg). self only gives the shape.
// See Note [Class weights are not differentiated].
GradResult NllLossBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  if (ctx.needs_input_grad(3)) return Unsupported(ctx, "with respect to weight");
  if (!ctx.needs_input_grad(0)) return grads;
  const Tensor loss = CallOp1(OpKind::kNllLoss, {ctx.grad(0), ctx.input(2), OptionalInput(ctx, 3)},
                              ForwardAttrs(ctx, {"reduction", "ignore_index"}));
  SetGrad(ctx, 0, ReshapeLike(loss, ctx.input(0)), &grads);
  return Checked(std::move(grads));
}

// mse_loss_backward(grad_output, self, target, reduction) = 2 (x - t) * r
// with r = grad_output elementwise (none), or its single value (sum), divided
// by numel (mean):
//   d/d grad_output = 2 (x - t) * gg, summed (and divided) unless none
//   d/d self = 2 * gg * r = -d/d target
GradResult MseLossBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& target = ctx.input(2);
  const int64_t reduction = ctx.attr("reduction").i();
  if (absl::Status s = CheckReduction(ctx, reduction); !s.ok()) return s;
  const double mean_scale = reduction == kReductionMean ? 1.0 / static_cast<double>(x.numel()) : 1.0;
  if (ctx.needs_input_grad(0)) {
    const Tensor diff = x - target;
    const Tensor twice = diff * 2.0;
    Tensor d = gg * twice;
    if (reduction != kReductionNone) {
      const Tensor total = d.sum();
      d = total * mean_scale;
    }
    SetGrad(ctx, 0, ReshapeLike(d, dy), &grads);
  }
  if (ctx.needs_input_grad(1) || ctx.needs_input_grad(2)) {
    const Tensor scaled_dy = dy * (2.0 * mean_scale);
    const Tensor gx = gg * scaled_dy;
    if (ctx.needs_input_grad(1)) SetGrad(ctx, 1, gx, &grads);
    if (ctx.needs_input_grad(2)) SetGrad(ctx, 2, gx.neg(), &grads);
  }
  return Checked(std::move(grads));
}

// --- Elementwise backward ops ---------------------------------------------------

// threshold_backward(grad_output, self, threshold) = self <= threshold ? 0 :
// grad_output: linear in grad_output, piecewise constant in self.
GradResult ThresholdBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0,
          CallOp1(OpKind::kThresholdBackward, {ctx.grad(0), ctx.input(1)}, ForwardAttrs(ctx, {"threshold"})),
          &grads);
  return Checked(std::move(grads));
}

// sigmoid_backward(grad_output, y) = grad_output * y * (1 - y):
//   d/d grad_output = gg * y * (1 - y),  d/dy = gg * grad_output * (1 - 2y).
GradResult SigmoidBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& y = ctx.input(1);
  if (ctx.needs_input_grad(0)) SetGrad(ctx, 0, CallOp1(OpKind::kSigmoidBackward, {gg, y}), &grads);
  if (ctx.needs_input_grad(1)) {
    const Tensor twice = y * 2.0;
    const Tensor slope = 1.0 - twice;
    const Tensor prod = gg * dy;
    SetGrad(ctx, 1, prod * slope, &grads);
  }
  return Checked(std::move(grads));
}

// tanh_backward(grad_output, y) = grad_output * (1 - y^2):
//   d/d grad_output = gg * (1 - y^2),  d/dy = -2 * gg * grad_output * y.
GradResult TanhBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& y = ctx.input(1);
  if (ctx.needs_input_grad(0)) SetGrad(ctx, 0, CallOp1(OpKind::kTanhBackward, {gg, y}), &grads);
  if (ctx.needs_input_grad(1)) {
    const Tensor prod = gg * dy;
    const Tensor prod_y = prod * y;
    SetGrad(ctx, 1, prod_y * -2.0, &grads);
  }
  return Checked(std::move(grads));
}

// Returns gelu''(x).
//   none: gelu' = Phi(x) + x phi(x), gelu'' = phi(x) * (2 - x^2)
//   tanh: gelu = x/2 (1 + tanh(u)), u = k (x + a x^3), t = tanh(u),
//         u' = k (1 + 3 a x^2), gelu'' = (1 - t^2) (u' - x t u'^2 + 3 k a x^2)
absl::StatusOr<Tensor> GeluSecondDerivative(const GradContext& ctx, const Tensor& x) {
  const std::string& approximate = ctx.attr("approximate").s();
  const Tensor x2 = x * x;
  if (approximate == "none") {
    const Tensor half_x2 = x2 * -0.5;
    const Tensor e = half_x2.exp();
    const Tensor pdf = e * kInvSqrt2Pi;
    const Tensor factor = 2.0 - x2;
    return pdf * factor;
  }
  if (approximate == "tanh") {
    const double k = kSqrt2OverPi, a = kGeluCubic;
    const Tensor x3 = x2 * x;
    const Tensor cubic = x3 * a;
    const Tensor inner = x + cubic;
    const Tensor u = inner * k;
    const Tensor t = u.tanh();
    const Tensor x2_3a = x2 * (3.0 * a);
    const Tensor du_over_k = x2_3a + 1.0;
    const Tensor du = du_over_k * k;
    const Tensor t2 = t * t;
    const Tensor sech2 = 1.0 - t2;
    const Tensor du2 = du * du;
    const Tensor xt = x * t;
    const Tensor xt_du2 = xt * du2;
    const Tensor b1 = du - xt_du2;
    const Tensor b2 = x2 * (3.0 * k * a);
    const Tensor bracket = b1 + b2;
    return sech2 * bracket;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(ctx.op().name(), ": approximate must be \"none\" or \"tanh\", got \"", approximate, "\""));
}

// gelu_backward(grad_output, self, approximate) = grad_output * gelu'(x):
//   d/d grad_output = gelu_backward(gg, x),  d/dx = gg * grad_output * gelu''(x).
GradResult GeluBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& x = ctx.input(1);
  if (ctx.needs_input_grad(0)) {
    SetGrad(ctx, 0, CallOp1(OpKind::kGeluBackward, {gg, x}, ForwardAttrs(ctx, {"approximate"})), &grads);
  }
  if (ctx.needs_input_grad(1)) {
    absl::StatusOr<Tensor> d2 = GeluSecondDerivative(ctx, x);
    if (!d2.ok()) return d2.status();
    const Tensor prod = gg * dy;
    SetGrad(ctx, 1, prod * *d2, &grads);
  }
  return Checked(std::move(grads));
}

// silu_backward(grad_output, self) = grad_output * s (1 + x (1 - s)),
// s = sigmoid(x):
//   d/d grad_output = silu_backward(gg, x)
//   d/dx = gg * grad_output * s (1 - s) (2 + x (1 - 2 s)).
GradResult SiluBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& x = ctx.input(1);
  if (ctx.needs_input_grad(0)) SetGrad(ctx, 0, CallOp1(OpKind::kSiluBackward, {gg, x}), &grads);
  if (ctx.needs_input_grad(1)) {
    const Tensor s = x.sigmoid();
    const Tensor one_minus_s = 1.0 - s;
    const Tensor ds = s * one_minus_s;
    const Tensor twice_s = s * 2.0;
    const Tensor q = 1.0 - twice_s;
    const Tensor xq = x * q;
    const Tensor bracket = xq + 2.0;
    const Tensor d2 = ds * bracket;
    const Tensor prod = gg * dy;
    SetGrad(ctx, 1, prod * d2, &grads);
  }
  return Checked(std::move(grads));
}

// softmax_backward(grad_output, y, dim) = y * (grad_output - s), s =
// sum(grad_output * y, dim). Its Jacobian in grad_output, diag(y) - y y^T,
// is symmetric:
//   d/d grad_output = softmax_backward(gg, y)
//   d/dy = gg * (grad_output - s) - grad_output * sum(gg * y, dim)
GradResult SoftmaxBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& y = ctx.input(1);
  const int64_t dim = ctx.attr("dim").i();
  if (ctx.needs_input_grad(0)) {
    SetGrad(ctx, 0, CallOp1(OpKind::kSoftmaxBackward, {gg, y}, {{"dim", dim}}), &grads);
  }
  if (ctx.needs_input_grad(1)) {
    const Tensor dy_y = dy * y;
    const Tensor s = dy_y.sum({dim}, /*keepdim=*/true);
    const Tensor centered = dy - s;
    const Tensor first = gg * centered;
    const Tensor gg_y = gg * y;
    const Tensor t = gg_y.sum({dim}, /*keepdim=*/true);
    const Tensor second = dy * t;
    SetGrad(ctx, 1, first - second, &grads);
  }
  return Checked(std::move(grads));
}

// log_softmax_backward(grad_output, y, dim) = grad_output - exp(y) *
// sum(grad_output, dim). Its Jacobian in grad_output, I - exp(y) 1^T, is not
// symmetric:
//   d/d grad_output = gg - sum(gg * exp(y), dim)
//   d/dy = -gg * exp(y) * sum(grad_output, dim)
GradResult LogSoftmaxBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0)) return grads;
  const Tensor& gg = ctx.grad(0);
  const Tensor& dy = ctx.input(0);
  const Tensor& y = ctx.input(1);
  const int64_t dim = ctx.attr("dim").i();
  if (!ctx.needs_input_grad(0) && !ctx.needs_input_grad(1)) return grads;
  const Tensor p = y.exp();
  const Tensor gg_p = gg * p;
  if (ctx.needs_input_grad(0)) {
    const Tensor t = gg_p.sum({dim}, /*keepdim=*/true);
    SetGrad(ctx, 0, gg - t, &grads);
  }
  if (ctx.needs_input_grad(1)) {
    const Tensor s = dy.sum({dim}, /*keepdim=*/true);
    const Tensor prod = gg_p * s;
    SetGrad(ctx, 1, prod.neg(), &grads);
  }
  return Checked(std::move(grads));
}

// --- Shape backward ops ---------------------------------------------------------

// select_backward(grad_output, input_sizes, dim, index) scatters into zeros:
// d/d grad_output = select(gg, dim, index).
GradResult SelectBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0, ctx.grad(0).select(ctx.attr("dim").i(), ctx.attr("index").i()), &grads);
  return Checked(std::move(grads));
}

// slice_backward(grad_output, input_sizes, dim, start, end, step):
// d/d grad_output = slice(gg, dim, start, end, step).
GradResult SliceBackwardGrad(const GradContext& ctx) {
  Grads grads = NoGrads(ctx);
  if (!ctx.has_grad(0) || !ctx.needs_input_grad(0)) return grads;
  SetGrad(ctx, 0,
          slice(ctx.grad(0), ctx.attr("dim").i(), ctx.attr("start").i(), ctx.attr("end").i(), ctx.attr("step").i()),
          &grads);
  return Checked(std::move(grads));
}

}  // namespace

AOT_REGISTER_DERIVATIVE(kSoftmax, SoftmaxGrad);
AOT_REGISTER_DERIVATIVE(kLogSoftmax, LogSoftmaxGrad);
AOT_REGISTER_DERIVATIVE(kLayerNorm, LayerNormGrad);
AOT_REGISTER_DERIVATIVE(kBatchNorm, BatchNormGrad);
AOT_REGISTER_DERIVATIVE(kConv2d, Conv2dGrad);
AOT_REGISTER_DERIVATIVE(kMaxPool2dWithIndices, MaxPool2dWithIndicesGrad);
AOT_REGISTER_DERIVATIVE(kAvgPool2d, AvgPool2dGrad);
AOT_REGISTER_DERIVATIVE(kAdaptiveAvgPool2d, AdaptiveAvgPool2dGrad);
AOT_REGISTER_DERIVATIVE(kEmbedding, EmbeddingGrad);
AOT_REGISTER_DERIVATIVE(kDropout, DropoutGrad);
AOT_REGISTER_DERIVATIVE(kNllLoss, NllLossGrad);
AOT_REGISTER_DERIVATIVE(kCrossEntropy, CrossEntropyGrad);
AOT_REGISTER_DERIVATIVE(kMseLoss, MseLossGrad);

AOT_REGISTER_DERIVATIVE(kThresholdBackward, ThresholdBackwardGrad);
AOT_REGISTER_DERIVATIVE(kSigmoidBackward, SigmoidBackwardGrad);
AOT_REGISTER_DERIVATIVE(kTanhBackward, TanhBackwardGrad);
AOT_REGISTER_DERIVATIVE(kGeluBackward, GeluBackwardGrad);
AOT_REGISTER_DERIVATIVE(kSiluBackward, SiluBackwardGrad);
AOT_REGISTER_DERIVATIVE(kSoftmaxBackward, SoftmaxBackwardGrad);
AOT_REGISTER_DERIVATIVE(kLogSoftmaxBackward, LogSoftmaxBackwardGrad);
AOT_REGISTER_DERIVATIVE(kConv2dBackwardInput, Conv2dBackwardInputGrad);
AOT_REGISTER_DERIVATIVE(kConv2dBackwardWeight, Conv2dBackwardWeightGrad);
AOT_REGISTER_DERIVATIVE(kMaxPool2dWithIndicesBackward, MaxPool2dWithIndicesBackwardGrad);
AOT_REGISTER_DERIVATIVE(kAvgPool2dBackward, AvgPool2dBackwardGrad);
AOT_REGISTER_DERIVATIVE(kAdaptiveAvgPool2dBackward, AdaptiveAvgPool2dBackwardGrad);
AOT_REGISTER_DERIVATIVE(kEmbeddingBackward, EmbeddingBackwardGrad);
AOT_REGISTER_DERIVATIVE(kNllLossBackward, NllLossBackwardGrad);
AOT_REGISTER_DERIVATIVE(kMseLossBackward, MseLossBackwardGrad);
AOT_REGISTER_DERIVATIVE(kSelectBackward, SelectBackwardGrad);
AOT_REGISTER_DERIVATIVE(kSliceBackward, SliceBackwardGrad);

}  // namespace aot::autodiff
