// Derivative rules of the linear-algebra ops: matmul (vectors, matrices,
// broadcast batches), mm, bmm, addmm and linear.
//
// For C = A B: dA = dC B^T and dB = A^T dC; batch dimensions that
// broadcasting added or expanded are summed back (SumToSize).
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/internal/rule_helpers.h"
#include "aot/ir/attr.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff {
namespace {

using internal::Finish;
using internal::MulScalar;
using internal::ReduceToOperand;
using internal::ToVector;
using internal::Wants;

// Returns the product of every size but the last (the rows of `t` viewed as
// a matrix).
int64_t LeadingRows(const Tensor& t) {
  int64_t rows = 1;
  for (int d = 0; d + 1 < t.dim(); ++d) rows *= t.size(d);
  return rows;
}

AOT_REGISTER_DERIVATIVE(kMm, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  if (Wants(ctx, 0)) {
    Tensor b_t = ctx.input(1).t();
    grads[0] = mm(g, b_t);
  }
  if (Wants(ctx, 1)) {
    Tensor a_t = ctx.input(0).t();
    grads[1] = mm(a_t, g);
  }
  return Finish(ctx, std::move(grads));
});

AOT_REGISTER_DERIVATIVE(kBmm, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  if (Wants(ctx, 0)) {
    Tensor b_t = ctx.input(1).transpose(1, 2);
    grads[0] = bmm(g, b_t);
  }
  if (Wants(ctx, 1)) {
    Tensor a_t = ctx.input(0).transpose(1, 2);
    grads[1] = bmm(a_t, g);
  }
  return Finish(ctx, std::move(grads));
});

// matmul(a, b) with PyTorch's rules: a 1-D a is a row vector [1, k] and a
// 1-D b a column vector [k, 1] (the added dimension is dropped from the
// result); batch dimensions broadcast.
AOT_REGISTER_DERIVATIVE(kMatmul, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dim() == 0 || b.dim() == 0) {
    return absl::InvalidArgumentError(absl::StrCat("derivative of ", ctx.op().name(),
                                                   ": operands need at least one dimension, got ranks ", a.dim(),
                                                   " and ", b.dim()));
  }
  const Tensor& g = ctx.grad(0);
  // Dot product: the gradient is a scalar.
  if (a.dim() == 1 && b.dim() == 1) {
    if (Wants(ctx, 0)) grads[0] = g * b;
    if (Wants(ctx, 1)) grads[1] = g * a;
    return Finish(ctx, std::move(grads));
  }
  // Restore the dimensions a vector operand dropped from the gradient, so
  // that it is [batch..., m, n].
  Tensor g_mat = g;
  if (a.dim() == 1) g_mat = g_mat.unsqueeze(-2);
  if (b.dim() == 1) g_mat = g_mat.unsqueeze(-1);
  if (Wants(ctx, 0)) {
    // [batch..., m, n] x [..., n, k]: an [k] b becomes [1, k] here.
    Tensor b_mat = b.dim() == 1 ? b.unsqueeze(0) : b.transpose(-1, -2);
    Tensor grad_a = g_mat.matmul(b_mat);
    // A 1-D a was [1, k]: summing to [k] also sums the unit row.
    grads[0] = ReduceToOperand(grad_a, a);
  }
  if (Wants(ctx, 1)) {
    Tensor grad_b;
    if (b.dim() == 2 && a.dim() >= 3) {
      // Fold a's batch into rows: one [k, rows] x [rows, n] product instead
      // of a batched product and a sum.
      const int64_t k = a.size(-1);
      const int64_t n = g_mat.size(-1);
      const int64_t rows = LeadingRows(a);
      Tensor a_rows = a.reshape({rows, k});
      Tensor g_rows = g_mat.reshape({rows, n});
      Tensor a_rows_t = a_rows.t();
      grad_b = mm(a_rows_t, g_rows);
    } else {
      Tensor a_mat = a.dim() == 1 ? a.unsqueeze(-1) : a.transpose(-1, -2);
      grad_b = a_mat.matmul(g_mat);
      // A 1-D b was [k, 1].
      if (b.dim() == 1) grad_b = grad_b.squeeze({-1});
    }
    grads[1] = ReduceToOperand(grad_b, b);
  }
  return Finish(ctx, std::move(grads));
});

// addmm(self, mat1, mat2, beta, alpha) = beta * self + alpha * mat1 mat2.
AOT_REGISTER_DERIVATIVE(kAddmm, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  if (Wants(ctx, 0)) {
    Tensor scaled = MulScalar(g, ctx.attr("beta"));
    grads[0] = ReduceToOperand(scaled, ctx.input(0));
  }
  const ir::AttrValue& alpha = ctx.attr("alpha");
  if (Wants(ctx, 1)) {
    Tensor m2_t = ctx.input(2).t();
    Tensor product = mm(g, m2_t);
    grads[1] = MulScalar(product, alpha);
  }
  if (Wants(ctx, 2)) {
    Tensor m1_t = ctx.input(1).t();
    Tensor product = mm(m1_t, g);
    grads[2] = MulScalar(product, alpha);
  }
  return Finish(ctx, std::move(grads));
});

// linear(input, weight, bias) = input weight^T + bias, input [..., in],
// weight [out, in], bias [out] (optional: then there are two operands).
AOT_REGISTER_DERIVATIVE(kLinear, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  const Tensor& input = ctx.input(0);
  const Tensor& weight = ctx.input(1);
  if (Wants(ctx, 0)) grads[0] = g.matmul(weight);
  if (Wants(ctx, 1)) {
    const int64_t in = weight.size(1);
    const int64_t out = weight.size(0);
    const int64_t rows = LeadingRows(input);
    Tensor g_rows = g.dim() == 2 ? g : g.reshape({rows, out});
    Tensor x_rows = input.dim() == 2 ? input : input.reshape({rows, in});
    Tensor g_rows_t = g_rows.t();
    grads[1] = mm(g_rows_t, x_rows);
  }
  if (ctx.optional_input(2) != nullptr) {
    const int bias = ctx.call().group_start(2);
    if (Wants(ctx, bias)) {
      std::vector<int64_t> batch_dims;
      for (int d = 0; d + 1 < g.dim(); ++d) batch_dims.push_back(d);
      grads[bias] = batch_dims.empty() ? g : sum(g, batch_dims);
    }
  }
  return Finish(ctx, std::move(grads));
});

}  // namespace
}  // namespace aot::autodiff
