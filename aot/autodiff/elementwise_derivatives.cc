// Derivative rules of the elementwise ops: unary math, binary arithmetic
// with broadcasting, selection (where, masked_fill) and conversions.
//
// Formulas follow PyTorch's tools/autograd/derivatives.yaml. Each op call of
// a formula is its own statement so that the order of the traced nodes does
// not depend on the unspecified evaluation order of C++ operands.
#include <string>

#include "absl/status/status.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/internal/rule_helpers.h"
#include "aot/ir/attr.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff {
namespace {

using internal::CastLike;
using internal::Finish;
using internal::MulScalar;
using internal::NegateScalar;
using internal::ReduceToOperand;
using internal::Wants;
using internal::ZeroWhere;

// A unary rule: `formula(ctx)` gives the gradient of operand 0 (the engine
// only asks when it needs one). Undefined when no gradient flows.
template <typename F>
DerivativeFn Unary(F formula) {
  return [formula](const GradContext& ctx) -> GradResult {
    Grads grads(ctx.num_operands());
    if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
    Tensor g = formula(ctx);
    grads[0] = CastLike(g, ctx.input(0));
    return Finish(ctx, std::move(grads));
  };
}

// --- Unary ----------------------------------------------------------------------

AOT_REGISTER_DERIVATIVE(kNeg, Unary([](const GradContext& ctx) { return ctx.grad(0).neg(); }));

AOT_REGISTER_DERIVATIVE(kAbs, Unary([](const GradContext& ctx) {
                          Tensor sign = ctx.input(0).sign();
                          return ctx.grad(0) * sign;
                        }));

AOT_REGISTER_DERIVATIVE(kExp, Unary([](const GradContext& ctx) { return ctx.grad(0) * ctx.output(0); }));

AOT_REGISTER_DERIVATIVE(kLog, Unary([](const GradContext& ctx) { return ctx.grad(0) / ctx.input(0); }));

AOT_REGISTER_DERIVATIVE(kLog1p, Unary([](const GradContext& ctx) {
                          Tensor shifted = ctx.input(0) + 1.0;
                          return ctx.grad(0) / shifted;
                        }));

AOT_REGISTER_DERIVATIVE(kExpm1, Unary([](const GradContext& ctx) {
                          Tensor shifted = ctx.output(0) + 1.0;
                          return ctx.grad(0) * shifted;
                        }));

// d/dx sqrt(x) = 1 / (2 sqrt(x)), from the result.
AOT_REGISTER_DERIVATIVE(kSqrt, Unary([](const GradContext& ctx) {
                          Tensor twice = ctx.output(0) * 2.0;
                          return ctx.grad(0) / twice;
                        }));

// d/dx x^(-1/2) = -1/2 x^(-3/2) = -1/2 rsqrt(x)^3.
AOT_REGISTER_DERIVATIVE(kRsqrt, Unary([](const GradContext& ctx) {
                          Tensor cube = ctx.output(0).pow(3.0);
                          Tensor scaled = ctx.grad(0) * cube;
                          return scaled * -0.5;
                        }));

// d/dx 1/x = -(1/x)^2.
AOT_REGISTER_DERIVATIVE(kReciprocal, Unary([](const GradContext& ctx) {
                          Tensor square = ctx.output(0) * ctx.output(0);
                          Tensor scaled = ctx.grad(0) * square;
                          return scaled.neg();
                        }));

AOT_REGISTER_DERIVATIVE(kSin, Unary([](const GradContext& ctx) {
                          Tensor cos = ctx.input(0).cos();
                          return ctx.grad(0) * cos;
                        }));

// Pinned against PyTorch's graph: sin, neg, then mul(grad, neg).
AOT_REGISTER_DERIVATIVE(kCos, Unary([](const GradContext& ctx) { return ctx.grad(0) * ctx.input(0).sin().neg(); }));

AOT_REGISTER_DERIVATIVE(kTanh, Unary([](const GradContext& ctx) {
                          return CallOp1(OpKind::kTanhBackward, {ctx.grad(0), ctx.output(0)});
                        }));

AOT_REGISTER_DERIVATIVE(kSigmoid, Unary([](const GradContext& ctx) {
                          return CallOp1(OpKind::kSigmoidBackward, {ctx.grad(0), ctx.output(0)});
                        }));

AOT_REGISTER_DERIVATIVE(
    kRelu, Unary([](const GradContext& ctx) {
      return CallOp1(OpKind::kThresholdBackward, {ctx.grad(0), ctx.input(0)}, {{"threshold", int64_t{0}}});
    }));

// d/dx erf(x) = 2/sqrt(pi) exp(-x^2).
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;
AOT_REGISTER_DERIVATIVE(kErf, Unary([](const GradContext& ctx) {
                          Tensor square = ctx.input(0).pow(2.0);
                          Tensor negated = square.neg();
                          Tensor e = negated.exp();
                          Tensor scaled = e * kTwoOverSqrtPi;
                          return ctx.grad(0) * scaled;
                        }));

AOT_REGISTER_DERIVATIVE(
    kGelu, Unary([](const GradContext& ctx) {
      return CallOp1(OpKind::kGeluBackward, {ctx.grad(0), ctx.input(0)}, {{"approximate", ctx.attr("approximate")}});
    }));

AOT_REGISTER_DERIVATIVE(kSilu, Unary([](const GradContext& ctx) {
                          return CallOp1(OpKind::kSiluBackward, {ctx.grad(0), ctx.input(0)});
                        }));

// The gradient passes where min <= x <= max (bounds included, as in
// PyTorch's clamp_backward) and is zero elsewhere.
AOT_REGISTER_DERIVATIVE(kClamp, Unary([](const GradContext& ctx) {
                          Tensor g = ctx.grad(0);
                          const ir::AttrValue& min = ctx.attr("min");
                          const ir::AttrValue& max = ctx.attr("max");
                          if (!min.is_none()) {
                            Tensor below = CallOp1(OpKind::kLtScalar, {ctx.input(0)}, {{"other", min}});
                            g = ZeroWhere(g, below);
                          }
                          if (!max.is_none()) {
                            Tensor above = CallOp1(OpKind::kGtScalar, {ctx.input(0)}, {{"other", max}});
                            g = ZeroWhere(g, above);
                          }
                          return g;
                        }));

// --- Binary -------------------------------------------------------------------------

// add(self, other, alpha) = self + alpha * other.
AOT_REGISTER_DERIVATIVE(kAdd, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  if (Wants(ctx, 0)) grads[0] = ReduceToOperand(g, ctx.input(0));
  if (Wants(ctx, 1)) {
    Tensor scaled = MulScalar(g, ctx.attr("alpha"));
    grads[1] = ReduceToOperand(scaled, ctx.input(1));
  }
  return Finish(ctx, std::move(grads));
});

// The `.Scalar` forms whose gradient to self is the incoming gradient.
GradResult ScalarPassThrough(const GradContext& ctx) {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
  grads[0] = CastLike(ctx.grad(0), ctx.input(0));
  return Finish(ctx, std::move(grads));
}
AOT_REGISTER_DERIVATIVE(kAddScalar, ScalarPassThrough);
AOT_REGISTER_DERIVATIVE(kSubScalar, ScalarPassThrough);

// sub(self, other, alpha) = self - alpha * other.
AOT_REGISTER_DERIVATIVE(kSub, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  if (Wants(ctx, 0)) grads[0] = ReduceToOperand(g, ctx.input(0));
  if (Wants(ctx, 1)) {
    const ir::AttrValue& alpha = ctx.attr("alpha");
    Tensor scaled = alpha.scalar() == 1 ? g.neg() : MulScalar(g, NegateScalar(alpha));
    grads[1] = ReduceToOperand(scaled, ctx.input(1));
  }
  return Finish(ctx, std::move(grads));
});

// rsub(self, other, alpha) = other - alpha * self.
AOT_REGISTER_DERIVATIVE(kRsubScalar, Unary([](const GradContext& ctx) {
                          const ir::AttrValue& alpha = ctx.attr("alpha");
                          return alpha.scalar() == 1 ? ctx.grad(0).neg() : MulScalar(ctx.grad(0), NegateScalar(alpha));
                        }));

AOT_REGISTER_DERIVATIVE(kMul, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  if (Wants(ctx, 0)) {
    Tensor product = g * ctx.input(1);
    grads[0] = ReduceToOperand(product, ctx.input(0));
  }
  if (Wants(ctx, 1)) {
    Tensor product = g * ctx.input(0);
    grads[1] = ReduceToOperand(product, ctx.input(1));
  }
  return Finish(ctx, std::move(grads));
});

AOT_REGISTER_DERIVATIVE(kMulScalar, Unary([](const GradContext& ctx) {
                          return CallOp1(OpKind::kMulScalar, {ctx.grad(0)}, {{"other", ctx.attr("other")}});
                        }));

// d/da a/b = 1/b; d/db a/b = -(a/b)/b.
AOT_REGISTER_DERIVATIVE(kDiv, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (Wants(ctx, 0)) {
    Tensor quotient = g / b;
    grads[0] = ReduceToOperand(quotient, a);
  }
  if (Wants(ctx, 1)) {
    Tensor q = a / b;
    Tensor q2 = q / b;
    Tensor product = g * q2;
    Tensor negated = product.neg();
    grads[1] = ReduceToOperand(negated, b);
  }
  return Finish(ctx, std::move(grads));
});

AOT_REGISTER_DERIVATIVE(kDivScalar, Unary([](const GradContext& ctx) {
                          return CallOp1(OpKind::kDivScalar, {ctx.grad(0)}, {{"other", ctx.attr("other")}});
                        }));

// d/da a^b = b a^(b-1) (zero where b == 0); d/db a^b = a^b log(a) (zero
// where a == 0 and b >= 0), as PyTorch's pow_backward_self/_exponent.
AOT_REGISTER_DERIVATIVE(kPow, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (Wants(ctx, 0)) {
    Tensor b_minus_one = b - 1.0;
    Tensor power = a.pow(b_minus_one);
    Tensor derivative = b * power;
    Tensor product = g * derivative;
    Tensor b_is_zero = CallOp1(OpKind::kEqScalar, {b}, {{"other", int64_t{0}}});
    Tensor masked = ZeroWhere(product, b_is_zero);
    grads[0] = ReduceToOperand(masked, a);
  }
  if (Wants(ctx, 1)) {
    Tensor log_a = a.log();
    Tensor derivative = ctx.output(0) * log_a;
    Tensor a_is_zero = CallOp1(OpKind::kEqScalar, {a}, {{"other", int64_t{0}}});
    Tensor zeroed = ZeroWhere(derivative, a_is_zero);
    Tensor b_nonnegative = CallOp1(OpKind::kGeScalar, {b}, {{"other", int64_t{0}}});
    Tensor selected = where(b_nonnegative, zeroed, derivative);
    Tensor product = g * selected;
    grads[1] = ReduceToOperand(product, b);
  }
  return Finish(ctx, std::move(grads));
});

// d/dx x^e = e x^(e-1); zero for e == 0.
AOT_REGISTER_DERIVATIVE(kPowScalar, Unary([](const GradContext& ctx) {
                          const ir::AttrValue& e = ctx.attr("exponent");
                          if (e.scalar() == 0) return zeros_like(ctx.input(0));
                          ir::AttrValue e_minus_one =
                              e.is_int() ? ir::AttrValue(e.i() - 1) : ir::AttrValue(e.scalar() - 1);
                          Tensor power = CallOp1(OpKind::kPowScalar, {ctx.input(0)}, {{"exponent", e_minus_one}});
                          Tensor derivative = CallOp1(OpKind::kMulScalar, {power}, {{"other", e}});
                          return ctx.grad(0) * derivative;
                        }));

// maximum/minimum: the gradient goes to the selected operand; ties split it
// evenly, as in PyTorch.
DerivativeFn MaxMin(bool is_max) {
  return [is_max](const GradContext& ctx) -> GradResult {
    Grads grads(ctx.num_operands());
    if (!ctx.has_grad(0)) return grads;
    const Tensor& g = ctx.grad(0);
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    Tensor tie = eq(a, b);
    Tensor half = g / 2.0;
    Tensor shared = where(tie, half, g);
    if (Wants(ctx, 0)) {
      Tensor loses = is_max ? lt(a, b) : gt(a, b);
      Tensor masked = ZeroWhere(shared, loses);
      grads[0] = ReduceToOperand(masked, a);
    }
    if (Wants(ctx, 1)) {
      Tensor loses = is_max ? gt(a, b) : lt(a, b);
      Tensor masked = ZeroWhere(shared, loses);
      grads[1] = ReduceToOperand(masked, b);
    }
    return Finish(ctx, std::move(grads));
  };
}
AOT_REGISTER_DERIVATIVE(kMaximum, MaxMin(/*is_max=*/true));
AOT_REGISTER_DERIVATIVE(kMinimum, MaxMin(/*is_max=*/false));

// where(condition, self, other): the condition gets no gradient.
AOT_REGISTER_DERIVATIVE(kWhere, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  const Tensor& condition = ctx.input(0);
  if (Wants(ctx, 1)) {
    Tensor not_condition = CallOp1(OpKind::kEqScalar, {condition}, {{"other", false}});
    Tensor masked = ZeroWhere(g, not_condition);
    grads[1] = ReduceToOperand(masked, ctx.input(1));
  }
  if (Wants(ctx, 2)) {
    Tensor masked = ZeroWhere(g, condition);
    grads[2] = ReduceToOperand(masked, ctx.input(2));
  }
  return Finish(ctx, std::move(grads));
});

// masked_fill(self, mask, value): filled elements get no gradient.
AOT_REGISTER_DERIVATIVE(kMaskedFill, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
  Tensor masked = ZeroWhere(ctx.grad(0), ctx.input(1));
  grads[0] = ReduceToOperand(masked, ctx.input(0));
  return Finish(ctx, std::move(grads));
});

// --- Conversions ------------------------------------------------------------------------

// to_copy: the gradient goes back to the input's dtype and device.
AOT_REGISTER_DERIVATIVE(kToCopy, Unary([](const GradContext& ctx) { return ctx.grad(0); }));

AOT_REGISTER_DERIVATIVE(kClone, Unary([](const GradContext& ctx) { return ctx.grad(0); }));

// copy(self, src): the result holds src's values in self's shape and dtype,
// so self gets no gradient and src the gradient summed to its shape.
AOT_REGISTER_DERIVATIVE(kCopy, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || !Wants(ctx, 1)) return grads;
  grads[1] = ReduceToOperand(ctx.grad(0), ctx.input(1));
  return Finish(ctx, std::move(grads));
});

}  // namespace
}  // namespace aot::autodiff
