#include "aot/decomp/core_decompositions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/base/status_macros.h"
#include "aot/decomp/core_ops.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"

namespace aot {
namespace {

using ir::AttrValue;
using K = ir::OpKind;
using Ints = std::vector<int64_t>;
using Tensors = std::vector<Tensor>;
using Result = absl::StatusOr<Tensors>;

// Note [Writing a decomposition]
//  - Call each op in its own statement: C++ leaves the order in which the
//    operands of one call are evaluated unspecified, and the traced graph
//    records ops in the order they run, so `f(a(x), b(x))` could trace
//    differently from one compiler to the next.
//  - Compute 16-bit floats in f32 (Upcast) and let Finish cast the results to
//    the dtypes the shape rule declared (call.result_metas), as the CPU
//    kernels do.
//  - Read sizes from the operands and the declared results, never values:
//    under the tracer the operands are fake tensors.
//  - Never return an operand itself: results must be new tensors, as the
//    kernel's are (clone when the value is an operand's). Decompositions of
//    view ops (transpose, split, chunk) return views made by view ops, so
//    the tracer tracks them as views of the operand as it would the op's.

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kGeluTanhCubic = 0.044715;
constexpr double kInf = std::numeric_limits<double>::infinity();

// --- Helpers --------------------------------------------------------------------

Ints SizesOf(const Tensor& t) { return Ints(t.sizes().begin(), t.sizes().end()); }

// The sizes the op's shape rule declared for result `i`.
Ints ResultSizes(const OpCall& call, int i = 0) {
  return call.result_metas[i].shape.concrete_sizes().value_or(Ints{});
}

// Normalizes a possibly negative dim of a rank-`rank` tensor; a scalar counts
// as rank 1, as in PyTorch.
int64_t WrapDim(int64_t dim, int64_t rank) {
  if (rank <= 0) rank = 1;
  return dim < 0 ? dim + rank : dim;
}

int64_t Product(const Ints& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

// The number of elements reduced into each output by reducing `dims` of `x`
// (all dims when empty).
int64_t ReducedCount(const Tensor& x, const Ints& dims) {
  if (dims.empty()) return x.numel();
  int64_t n = 1;
  for (int64_t d : dims) n *= x.size(static_cast<int>(WrapDim(d, x.dim())));
  return n;
}

// An optional `dim` attribute as a list (empty: every dim).
Ints OptionalDims(const OpCall& call) {
  const AttrValue& d = call.attr("dim");
  return d.is_none() ? Ints{} : d.ints();
}

// The dtype the CPU kernels compute in: f64 for f64, f32 otherwise.
DType ComputeDType(DType d) { return d == DType::kFloat64 ? DType::kFloat64 : DType::kFloat32; }

Tensor Upcast(const Tensor& t) { return t.to(ComputeDType(t.dtype())); }

// The upcast operand of optional argument `g`, or an undefined tensor.
Tensor OptionalUpcast(const OpCall& call, int g) {
  const Tensor* t = call.optional_input(g);
  return t == nullptr ? Tensor() : Upcast(*t);
}

// Casts each result to the dtype the shape rule declared and returns them,
// or the first error among them.
Result Finish(const OpCall& call, Tensors results) {
  if (results.size() != call.result_metas.size()) {
    return absl::InternalError(absl::StrCat(call.op->name(), " (decomposition): ", results.size(),
                                            " results for ", call.result_metas.size(), " declared"));
  }
  for (size_t i = 0; i < results.size(); ++i) results[i] = results[i].to(call.result_metas[i].dtype);
  AOT_RETURN_IF_ERROR(FirstError(results));
  return results;
}

// A tensor of `sizes` filled with `value`.
Tensor Filled(Ints sizes, const AttrValue& value, DType dtype, Device device) {
  return CallOp1(K::kFull, {},
                 {{"size", std::move(sizes)}, {"fill_value", value}, {"dtype", dtype}, {"device", device}});
}

// A rank-0 tensor holding `value` with the dtype and device of `like`.
Tensor ScalarLike(const AttrValue& value, const Tensor& like) {
  return Filled(Ints{}, value, like.dtype(), like.device());
}

// A `constant` node holding `values` (row-major) of shape `shape`.
Tensor Constant(std::vector<double> values, Ints shape, DType dtype, Device device) {
  return CallOp1(K::kConstant, {},
                 {{"values", std::move(values)}, {"shape", std::move(shape)}, {"dtype", dtype}, {"device", device}});
}

// Indices as i64 (the index ops' native type).
Tensor AsIndex(const Tensor& t) { return t.to(DType::kInt64); }

// A per-channel [C] tensor viewed as [1, C, 1, ...] to broadcast against an
// [N, C, ...] tensor of rank `rank`.
Tensor PerChannel(const Tensor& t, int rank) {
  Ints shape(rank, 1);
  shape[1] = t.numel();
  return reshape(t, shape);
}

// Dims [first, last) of a tensor.
Ints DimRange(int64_t first, int64_t last) {
  Ints dims;
  for (int64_t d = first; d < last; ++d) dims.push_back(d);
  return dims;
}

// Every dim but the channels (1) of a rank-`rank` tensor.
Ints AllButChannels(int rank) {
  Ints dims = {0};
  for (int d = 2; d < rank; ++d) dims.push_back(d);
  return dims;
}

// A 1- or 2-element pooling attribute as a pair; `if_empty` when empty.
absl::StatusOr<std::pair<int64_t, int64_t>> Pair(const OpCall& call, const char* name,
                                                 std::pair<int64_t, int64_t> if_empty) {
  const Ints& v = call.attr(name).ints();
  if (v.empty()) return if_empty;
  if (v.size() == 1) return std::make_pair(v[0], v[0]);
  if (v.size() == 2) return std::make_pair(v[0], v[1]);
  return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": '", name, "' must have 1 or 2 elements"));
}

absl::Status RequirePoolRank(const OpCall& call, const Tensor& self) {
  if (self.dim() == 3 || self.dim() == 4) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(call.op->name(), ": expected a 3-D or 4-D input, got ", self.meta().ToString()));
}

// The number of (n, c) planes of a [C, H, W] or [N, C, H, W] tensor.
int64_t Planes(const Tensor& self) {
  int64_t p = 1;
  for (int d = 0; d < self.dim() - 2; ++d) p *= self.size(d);
  return p;
}

// --- Elementwise -------------------------------------------------------------------

// gelu(x) = x/2 * (1 + erf(x/sqrt(2))), or with tanh:
// x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
Result Gelu(const OpCall& call) {
  const Tensor x = Upcast(call.input(0));
  Tensor half_x = x * 0.5;
  Tensor inner;
  if (call.attr("approximate").s() == "tanh") {
    Tensor x2 = x * x;
    Tensor x3 = x2 * x;
    Tensor cubic = x3 * kGeluTanhCubic;
    Tensor poly = x + cubic;
    Tensor arg = poly * kSqrt2OverPi;
    inner = tanh(arg);
  } else {
    Tensor arg = x * kSqrt1_2;
    inner = erf(arg);
  }
  Tensor one_plus = inner + 1.0;
  return Finish(call, {half_x * one_plus});
}

// silu(x) = x * sigmoid(x).
Result Silu(const OpCall& call) {
  const Tensor x = Upcast(call.input(0));
  Tensor s = sigmoid(x);
  return Finish(call, {x * s});
}

// rsub.Scalar(x, other, alpha) = other - alpha * x = (-alpha * x) + other.
Result RsubScalar(const OpCall& call) {
  const Tensor& x = call.input(0);
  const AttrValue& alpha = call.attr("alpha");
  Tensor scaled;
  if (alpha.scalar() == 1) {
    scaled = neg(x);
  } else {
    AttrValue minus_alpha = alpha.is_int() ? AttrValue(-alpha.i()) : AttrValue(-alpha.scalar());
    scaled = CallOp1(K::kMulScalar, {x}, {{"other", minus_alpha}});
  }
  return Finish(call, {CallOp1(K::kAddScalar, {scaled}, {{"other", call.attr("other")}})});
}

// masked_fill(x, mask, v) = where(mask, v, x).
Result MaskedFill(const OpCall& call) {
  const Tensor& x = call.input(0);
  Tensor value = ScalarLike(call.attr("value"), x);
  return Finish(call, {where(call.input(1), value, x)});
}

// --- Reductions -------------------------------------------------------------------

// mean = sum / count, the sum taken in the compute dtype.
Result Mean(const OpCall& call) {
  const Tensor& x = call.input(0);
  const Ints dims = OptionalDims(call);
  const DType out = call.result_metas[0].dtype;
  Tensor s = sum(x, dims, call.attr("keepdim").b(), ComputeDType(out));
  return Finish(call, {s / static_cast<double>(ReducedCount(x, dims))});
}

// var, std and var_mean: two passes (the mean, then squared deviations
// from it), as the kernels; divides by max(0, count - correction).
struct VarianceParts {
  Tensor var;
  Tensor mean;  // With the result's shape (keepdim or not).
};

VarianceParts Variance(const OpCall& call) {
  const Tensor x = Upcast(call.input(0));
  const Ints dims = OptionalDims(call);
  const bool keepdim = call.attr("keepdim").b();
  Tensor m = mean(x, dims, /*keepdim=*/true);
  Tensor centered = x - m;
  Tensor sq = centered * centered;
  Tensor m2 = sum(sq, dims, keepdim);
  const double count = static_cast<double>(ReducedCount(x, dims));
  const double divisor = std::max(0.0, count - static_cast<double>(call.attr("correction").i()));
  VarianceParts parts;
  parts.var = m2 / divisor;
  parts.mean = keepdim ? m : reshape(m, ResultSizes(call));
  return parts;
}

Result Var(const OpCall& call) { return Finish(call, {Variance(call).var}); }

Result Std(const OpCall& call) {
  VarianceParts parts = Variance(call);
  return Finish(call, {sqrt(parts.var)});
}

Result VarMean(const OpCall& call) {
  VarianceParts parts = Variance(call);
  return Finish(call, {parts.var, parts.mean});
}

// logsumexp = log(sum(exp(x - m))) + m with m the max, or 0 where the max is
// infinite (so all -inf gives -inf and +inf gives +inf), as the kernel.
Result Logsumexp(const OpCall& call) {
  const Tensor x = Upcast(call.input(0));
  const Ints dims = call.attr("dim").ints();
  const bool keepdim = call.attr("keepdim").b();
  if (x.numel() == 0) return Finish(call, {Filled(ResultSizes(call), -kInf, x.dtype(), x.device())});
  Tensor m = amax(x, dims, /*keepdim=*/true);
  Tensor abs_m = abs(m);
  Tensor infinite = CallOp1(K::kEqScalar, {abs_m}, {{"other", kInf}});
  Tensor zero = ScalarLike(0.0, m);
  Tensor shift = where(infinite, zero, m);
  Tensor shifted = x - shift;
  Tensor e = exp(shifted);
  Tensor s = sum(e, dims, /*keepdim=*/true);
  Tensor log_s = log(s);
  Tensor r = log_s + shift;
  return Finish(call, {keepdim ? r : reshape(r, ResultSizes(call))});
}

// --- Shapes -------------------------------------------------------------------------

// transpose(x, a, b) = permute(x, dims with a and b swapped).
Result Transpose(const OpCall& call) {
  const Tensor& x = call.input(0);
  Ints perm(x.dim());
  std::iota(perm.begin(), perm.end(), 0);
  if (x.dim() > 0) {
    std::swap(perm[WrapDim(call.attr("dim0").i(), x.dim())], perm[WrapDim(call.attr("dim1").i(), x.dim())]);
  }
  return Finish(call, {permute(x, perm)});
}

// split and chunk: one slice per piece the shape rule declared.
Result Pieces(const OpCall& call) {
  const Tensor& x = call.input(0);
  const int64_t d = WrapDim(call.attr("dim").i(), x.dim());
  Tensors pieces;
  int64_t start = 0;
  for (size_t i = 0; i < call.result_metas.size(); ++i) {
    const int64_t len = ResultSizes(call, static_cast<int>(i))[d];
    pieces.push_back(slice(x, d, start, start + len));
    start += len;
  }
  return Finish(call, std::move(pieces));
}

Result Split(const OpCall& call) { return Pieces(call); }
Result Chunk(const OpCall& call) { return Pieces(call); }

// stack(ts, d) = cat(unsqueeze(t, d) for t in ts, d).
Result Stack(const OpCall& call) {
  const Tensors list = call.input_list(0);
  const int64_t d = WrapDim(call.attr("dim").i(), list[0].dim() + 1);
  Tensors parts;
  for (const Tensor& t : list) parts.push_back(unsqueeze(t, d));
  return Finish(call, {cat(parts, d)});
}

// triu/tril: where(column - row >= diagonal (or <=), x, 0).
Result Triangular(const OpCall& call, bool upper) {
  const Tensor& x = call.input(0);
  Tensor rows = arange(0, static_cast<double>(x.size(-2)), 1, DType::kInt64, x.device());
  Tensor row = unsqueeze(rows, 1);
  Tensor col = arange(0, static_cast<double>(x.size(-1)), 1, DType::kInt64, x.device());
  Tensor diff = col - row;
  Tensor keep = CallOp1(upper ? K::kGeScalar : K::kLeScalar, {diff}, {{"other", call.attr("diagonal")}});
  Tensor zero = ScalarLike(int64_t{0}, x);
  return Finish(call, {where(keep, x, zero)});
}

Result Triu(const OpCall& call) { return Triangular(call, /*upper=*/true); }
Result Tril(const OpCall& call) { return Triangular(call, /*upper=*/false); }

// --- Linear algebra -------------------------------------------------------------------

// The broadcast of two batch shapes (validated by the shape rule).
Ints BroadcastSizes(const Ints& a, const Ints& b) {
  const size_t n = std::max(a.size(), b.size());
  Ints out(n, 1);
  for (size_t i = 0; i < n; ++i) {
    const int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    out[i] = x == 1 ? y : x;
  }
  return out;
}

// matmul by its ranks: vectors become matrices, 2-D operands use mm, a
// batched left operand with a matrix folds its batch into the rows (one mm),
// otherwise both operands are broadcast to one batch and use bmm.
Result Matmul(const OpCall& call) {
  Tensor a = call.input(0);
  Tensor b = call.input(1);
  const Ints out_sizes = ResultSizes(call);
  if (a.dim() <= 2 && b.dim() <= 2) {
    if (a.dim() == 1) a = unsqueeze(a, 0);
    if (b.dim() == 1) b = unsqueeze(b, 1);
    Tensor p = mm(a, b);
    return Finish(call, {SizesOf(p) == out_sizes ? p : reshape(p, out_sizes)});
  }
  if (a.dim() == 1) a = unsqueeze(a, 0);
  if (b.dim() == 1) b = unsqueeze(b, 1);
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  const Ints batch_a(a.sizes().begin(), a.sizes().end() - 2);
  const Ints batch_b(b.sizes().begin(), b.sizes().end() - 2);
  Tensor p;
  if (batch_b.empty()) {
    Tensor rows = reshape(a, {Product(batch_a) * m, k});
    p = mm(rows, b);
  } else {
    const Ints batch = BroadcastSizes(batch_a, batch_b);
    const int64_t nb = Product(batch);
    Ints a_sizes = batch, b_sizes = batch;
    a_sizes.insert(a_sizes.end(), {m, k});
    b_sizes.insert(b_sizes.end(), {k, n});
    Tensor ae = SizesOf(a) == a_sizes ? a : expand(a, a_sizes);
    Tensor a3 = reshape(ae, {nb, m, k});
    Tensor be = SizesOf(b) == b_sizes ? b : expand(b, b_sizes);
    Tensor b3 = reshape(be, {nb, k, n});
    p = bmm(a3, b3);
  }
  return Finish(call, {reshape(p, out_sizes)});
}

// addmm = beta * self + alpha * (mat1 @ mat2); beta = 0 ignores self (NaN in
// it does not propagate), as the kernel.
Result Addmm(const OpCall& call) {
  const double alpha = call.attr("alpha").scalar();
  const double beta = call.attr("beta").scalar();
  Tensor p = mm(call.input(1), call.input(2));
  if (alpha != 1) p = p * alpha;
  if (beta == 0) return Finish(call, {p});
  Tensor self = call.input(0);
  if (beta != 1) self = self * beta;
  return Finish(call, {self + p});
}

// linear(x, w, b) = x @ w^T + b.
Result Linear(const OpCall& call) {
  Tensor wt = transpose(call.input(1), 0, 1);
  Tensor y = matmul(call.input(0), wt);
  if (const Tensor* bias = call.optional_input(2)) y = y + *bias;
  return Finish(call, {y});
}

// --- Softmax family ---------------------------------------------------------------------

// softmax = exp(x - max) / sum(exp(x - max)).
Result Softmax(const OpCall& call) {
  const Tensor x = Upcast(call.input(0));
  if (x.dim() == 0) return Finish(call, {full_like(x, 1.0)});
  if (x.numel() == 0) return Finish(call, {x.clone()});
  const int64_t dim = call.attr("dim").i();
  Tensor m = amax(x, {dim}, /*keepdim=*/true);
  Tensor shifted = x - m;
  Tensor e = exp(shifted);
  Tensor s = sum(e, {dim}, /*keepdim=*/true);
  return Finish(call, {e / s});
}

// log_softmax = (x - max) - log(sum(exp(x - max))): the exact shift first,
// as the kernel.
Result LogSoftmax(const OpCall& call) {
  const Tensor x = Upcast(call.input(0));
  if (x.dim() == 0) return Finish(call, {full_like(x, 0.0)});
  if (x.numel() == 0) return Finish(call, {x.clone()});
  const int64_t dim = call.attr("dim").i();
  Tensor m = amax(x, {dim}, /*keepdim=*/true);
  Tensor shifted = x - m;
  Tensor e = exp(shifted);
  Tensor s = sum(e, {dim}, /*keepdim=*/true);
  Tensor log_s = log(s);
  return Finish(call, {shifted - log_s});
}

// --- Normalization ------------------------------------------------------------------------

// layer_norm over the last dims: mean, biased variance of the centered
// input, rstd = 1/sqrt(var + eps); y = (x - mean) * rstd * weight + bias.
Result LayerNorm(const OpCall& call) {
  const Tensor x = Upcast(call.input(0));
  const Tensor w = OptionalUpcast(call, 1);
  const Tensor b = OptionalUpcast(call, 2);
  const int64_t n = static_cast<int64_t>(call.attr("normalized_shape").ints().size());
  const Ints dims = DimRange(x.dim() - n, x.dim());
  Tensor mu = mean(x, dims, /*keepdim=*/true);
  Tensor centered = x - mu;
  Tensor sq = centered * centered;
  Tensor var = mean(sq, dims, /*keepdim=*/true);
  Tensor var_eps = var + call.attr("eps").f();
  Tensor rstd = rsqrt(var_eps);
  Tensor y = centered * rstd;
  if (w.defined()) y = y * w;
  if (b.defined()) y = y + b;
  return Finish(call, {y, mu, rstd});
}

// With xhat = (x - mean) * rstd and gw = grad * weight:
//   grad_input  = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)),
//   grad_weight = sum over rows of grad * xhat, grad_bias = sum of grad.
// Means over the normalized dims, sums over the others; computed even
// without a weight, which then counts as 1.
Result LayerNormBackward(const OpCall& call) {
  const Tensor g = Upcast(call.input(0));
  const Tensor x = Upcast(call.input(1));
  const Tensor mu = Upcast(call.input(2));
  const Tensor rstd = Upcast(call.input(3));
  const Tensor w = OptionalUpcast(call, 4);
  const Ints& normalized = call.attr("normalized_shape").ints();
  const int64_t n = static_cast<int64_t>(normalized.size());
  const Ints dims = DimRange(x.dim() - n, x.dim());
  const Ints rows = DimRange(0, x.dim() - n);
  Tensor centered = x - mu;
  Tensor xhat = centered * rstd;
  Tensor gw = w.defined() ? g * w : g;
  Tensor mean_gw = mean(gw, dims, /*keepdim=*/true);
  Tensor gw_xhat = gw * xhat;
  Tensor mean_gw_xhat = mean(gw_xhat, dims, /*keepdim=*/true);
  Tensor t1 = gw - mean_gw;
  Tensor t2 = xhat * mean_gw_xhat;
  Tensor t3 = t1 - t2;
  Tensor grad_input = rstd * t3;
  Tensor g_xhat = g * xhat;
  Tensor grad_weight = rows.empty() ? g_xhat : sum(g_xhat, rows);
  Tensor grad_bias = rows.empty() ? g.clone() : sum(g, rows);
  Tensor gw_out = reshape(grad_weight, normalized);
  Tensor gb_out = reshape(grad_bias, normalized);
  return Finish(call, {grad_input, gw_out, gb_out});
}

// The running statistic after a training step: (1 - momentum) * running +
// momentum * batch, or the batch statistic without running stats.
Tensor RunningUpdate(const Tensor& running, const Tensor& batch, double momentum) {
  if (!running.defined()) return batch.clone();
  Tensor kept = running * (1 - momentum);
  Tensor added = batch * momentum;
  return kept + added;
}

// batch_norm over every dim but the channels (1). Training: the batch mean
// and biased variance normalise, the running stats move towards the batch
// mean and unbiased variance. Inference: the running stats normalise and are
// returned unchanged. y = (x - mean) * (invstd * weight) + bias, as the
// kernel groups it.
Result BatchNorm(const OpCall& call) {
  const Tensor x = Upcast(call.input(0));
  const Tensor w = OptionalUpcast(call, 1);
  const Tensor b = OptionalUpcast(call, 2);
  const Tensor rm = OptionalUpcast(call, 3);
  const Tensor rv = OptionalUpcast(call, 4);
  const bool training = call.attr("training").b();
  const double momentum = call.attr("momentum").f();
  const double eps = call.attr("eps").f();
  const int rank = x.dim();
  const int64_t channels = x.size(1);
  const int64_t count = channels == 0 ? 0 : x.numel() / channels;
  const Ints dims = AllButChannels(rank);
  if (training && count == 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch_norm(): expected more than 1 value per channel when training, got input ", x.meta().ToString()));
  }
  if (training && count == 0) {
    // Nothing to normalise: the kernel's NaN statistics, running stats kept.
    Tensor nans = Filled({channels}, std::nan(""), x.dtype(), x.device());
    Tensor new_rm = rm.defined() ? rm.clone() : Filled({channels}, 0.0, x.dtype(), x.device());
    Tensor new_rv = rv.defined() ? rv.clone() : Filled({channels}, 1.0, x.dtype(), x.device());
    Tensor invstd = nans.clone();
    return Finish(call, {x.clone(), nans, invstd, new_rm, new_rv});
  }
  Tensor mu, invstd, new_rm, new_rv, centered;
  if (training) {
    mu = mean(x, dims);
    Tensor mu_b = PerChannel(mu, rank);
    centered = x - mu_b;
    Tensor sq = centered * centered;
    Tensor m2 = sum(sq, dims);
    Tensor var = m2 / static_cast<double>(count);
    Tensor unbiased = m2 / static_cast<double>(count - 1);
    Tensor var_eps = var + eps;
    invstd = rsqrt(var_eps);
    new_rm = RunningUpdate(rm, mu, momentum);
    new_rv = RunningUpdate(rv, unbiased, momentum);
  } else {
    mu = rm.clone();
    Tensor mu_b = PerChannel(rm, rank);
    centered = x - mu_b;
    Tensor var_eps = rv + eps;
    invstd = rsqrt(var_eps);
    new_rm = rm.clone();
    new_rv = rv.clone();
  }
  Tensor scale = w.defined() ? invstd * w : invstd;
  Tensor scale_b = PerChannel(scale, rank);
  Tensor y = centered * scale_b;
  if (b.defined()) {
    Tensor shift_b = PerChannel(b, rank);
    y = y + shift_b;
  }
  return Finish(call, {y, mu, invstd, new_rm, new_rv});
}

// The statistics that normalised the input are the saved batch stats when
// training (recomputed when absent) and the running stats otherwise (the
// saved ones when absent), as the kernel. With a = weight * invstd, per
// channel sums sg = sum(grad) and sgx = sum(grad * (x - mean)):
//   training:  grad_input = a * (grad - sg/count - (x - mean) * invstd^2 * sgx/count)
//   inference: grad_input = a * grad
// grad_weight = sgx * invstd, grad_bias = sg.
Result BatchNormBackward(const OpCall& call) {
  const Tensor g = Upcast(call.input(0));
  const Tensor x = Upcast(call.input(1));
  const Tensor w = OptionalUpcast(call, 2);
  const Tensor rm = OptionalUpcast(call, 3);
  const Tensor rv = OptionalUpcast(call, 4);
  const Tensor sm = OptionalUpcast(call, 5);
  const Tensor si = OptionalUpcast(call, 6);
  const bool training = call.attr("training").b();
  const double eps = call.attr("eps").f();
  const int rank = x.dim();
  const int64_t channels = x.size(1);
  const int64_t count = channels == 0 ? 0 : x.numel() / channels;
  const Ints dims = AllButChannels(rank);
  const bool has_saved = sm.defined() && si.defined();
  const bool use_saved = training ? has_saved : !(rm.defined() && rv.defined());
  if (!training && use_saved && !has_saved) {
    return absl::InvalidArgumentError(
        "batch_norm_backward(): inference (training=false) needs running_mean and running_var, or save_mean "
        "and save_invstd");
  }
  Tensor mu, invstd;
  if (use_saved) {
    mu = sm;
    invstd = si;
  } else if (!training) {
    mu = rm;
    Tensor var_eps = rv + eps;
    invstd = rsqrt(var_eps);
  } else {
    mu = mean(x, dims);
    Tensor mu_b = PerChannel(mu, rank);
    Tensor c = x - mu_b;
    Tensor sq = c * c;
    Tensor var = mean(sq, dims);
    Tensor var_eps = var + eps;
    invstd = rsqrt(var_eps);
  }
  Tensor mu_b = PerChannel(mu, rank);
  Tensor centered = x - mu_b;
  Tensor sg = sum(g, dims);
  Tensor g_centered = g * centered;
  Tensor sgx = sum(g_centered, dims);
  Tensor grad_weight = sgx * invstd;
  Tensor a = w.defined() ? w * invstd : invstd;
  Tensor a_b = PerChannel(a, rank);
  Tensor grad_input;
  if (training && count > 0) {
    Tensor mean_g = sg / static_cast<double>(count);
    Tensor invstd2 = invstd * invstd;
    Tensor q_sum = invstd2 * sgx;
    Tensor q = q_sum / static_cast<double>(count);
    Tensor mean_g_b = PerChannel(mean_g, rank);
    Tensor q_b = PerChannel(q, rank);
    Tensor t1 = g - mean_g_b;
    Tensor t2 = centered * q_b;
    Tensor t3 = t1 - t2;
    grad_input = a_b * t3;
  } else {
    grad_input = a_b * g;
  }
  return Finish(call, {grad_input, grad_weight, sg});
}

// --- Pooling backward -----------------------------------------------------------------

// Each output's gradient goes to the input element its index names:
// scatter_add over planes of h*w elements.
Result MaxPool2dWithIndicesBackward(const OpCall& call) {
  const Tensor g = Upcast(call.input(0));
  const Tensor& self = call.input(1);
  AOT_RETURN_IF_ERROR(RequirePoolRank(call, self));
  const int64_t planes = Planes(self);
  const int64_t in_plane = self.size(-2) * self.size(-1);
  const int64_t out_plane = g.size(-2) * g.size(-1);
  Tensor zeros_flat = Filled({planes, in_plane}, 0.0, g.dtype(), g.device());
  Tensor index = reshape(call.input(2), {planes, out_plane});
  Tensor src = reshape(g, {planes, out_plane});
  Tensor gi = scatter_add(zeros_flat, 1, index, src);
  return Finish(call, {reshape(gi, SizesOf(self))});
}

// avg_pool2d's gradient is a transposed convolution: divide each output's
// gradient by its window's divisor, then spread it over the window with
// conv2d_backward_input and a kernel of ones. Ceil mode's last window may
// overhang the input: the convolution then runs on an input grown to hold
// it and the overhang is sliced off.
Result AvgPool2dBackward(const OpCall& call) {
  const Tensor g = Upcast(call.input(0));
  const Tensor& self = call.input(1);
  AOT_RETURN_IF_ERROR(RequirePoolRank(call, self));
  AOT_ASSIGN_OR_RETURN(auto k, Pair(call, "kernel_size", {0, 0}));
  AOT_ASSIGN_OR_RETURN(auto s, Pair(call, "stride", k));
  AOT_ASSIGN_OR_RETURN(auto p, Pair(call, "padding", {0, 0}));
  const auto [kh, kw] = k;
  const auto [sh, sw] = s;
  const auto [ph, pw] = p;
  const bool count_include_pad = call.attr("count_include_pad").b();
  const AttrValue& override_attr = call.attr("divisor_override");
  const int64_t divisor_override = override_attr.is_none() ? 0 : override_attr.i();
  const int64_t h = self.size(-2), w = self.size(-1), oh = g.size(-2), ow = g.size(-1);
  // The kernel's window rule (clipped to the padded input for
  // count_include_pad, to the input otherwise).
  std::vector<double> divisors;
  divisors.reserve(static_cast<size_t>(oh * ow));
  for (int64_t oy = 0; oy < oh; ++oy) {
    for (int64_t ox = 0; ox < ow; ++ox) {
      const int64_t y0 = oy * sh - ph, x0 = ox * sw - pw;
      const int64_t y1 = std::min(y0 + kh, h + ph), x1 = std::min(x0 + kw, w + pw);
      const int64_t pool_size = (y1 - y0) * (x1 - x0);
      const int64_t clipped =
          (std::min(y1, h) - std::max<int64_t>(y0, 0)) * (std::min(x1, w) - std::max<int64_t>(x0, 0));
      int64_t divisor = divisor_override > 0 ? divisor_override : count_include_pad ? pool_size : clipped;
      divisors.push_back(static_cast<double>(divisor > 0 ? divisor : 1));
    }
  }
  const int64_t planes = Planes(self);
  Tensor divisor = Constant(std::move(divisors), {oh, ow}, g.dtype(), g.device());
  Tensor g4 = reshape(g, {planes, 1, oh, ow});
  Tensor scaled = g4 / divisor;
  const int64_t grown_h = std::max(h, (oh - 1) * sh + kh - 2 * ph);
  const int64_t grown_w = std::max(w, (ow - 1) * sw + kw - 2 * pw);
  Tensor ones_kernel = Filled({1, 1, kh, kw}, 1.0, g.dtype(), g.device());
  Tensor gi = CallOp1(K::kConv2dBackwardInput, {scaled, ones_kernel},
                      {{"input_size", Ints{planes, 1, grown_h, grown_w}},
                       {"stride", Ints{sh, sw}},
                       {"padding", Ints{ph, pw}}});
  if (grown_h > h) gi = slice(gi, 2, 0, h);
  if (grown_w > w) gi = slice(gi, 3, 0, w);
  return Finish(call, {reshape(gi, SizesOf(self))});
}

// Input rows [AdaptiveStart, AdaptiveEnd) feed output row o (as the kernel).
int64_t AdaptiveStart(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }
int64_t AdaptiveEnd(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

// [out, in]: 1 where input index i is in output o's window.
std::vector<double> AdaptiveWindows(int64_t out, int64_t in) {
  std::vector<double> m(static_cast<size_t>(out * in), 0.0);
  for (int64_t o = 0; o < out; ++o) {
    for (int64_t i = AdaptiveStart(o, out, in); i < AdaptiveEnd(o, out, in); ++i) m[o * in + i] = 1.0;
  }
  return m;
}

// When the output divides the input the windows are avg_pool2d's with
// kernel = stride = in / out. Otherwise divide each gradient by its window
// size and spread it with two 0/1 window matrices:
// grad_input = Wh^T @ (grad / size) @ Ww, as matmuls over the last two dims.
Result AdaptiveAvgPool2dBackward(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& self = call.input(1);
  AOT_RETURN_IF_ERROR(RequirePoolRank(call, self));
  const int64_t h = self.size(-2), w = self.size(-1), oh = grad.size(-2), ow = grad.size(-1);
  if (h > 0 && w > 0 && oh > 0 && ow > 0 && h % oh == 0 && w % ow == 0) {
    return Finish(call, {CallOp1(K::kAvgPool2dBackward, {grad, self}, {{"kernel_size", Ints{h / oh, w / ow}}})});
  }
  const Tensor g = Upcast(grad);
  std::vector<double> sizes;
  sizes.reserve(static_cast<size_t>(oh * ow));
  for (int64_t oy = 0; oy < oh; ++oy) {
    for (int64_t ox = 0; ox < ow; ++ox) {
      const int64_t rows = AdaptiveEnd(oy, oh, h) - AdaptiveStart(oy, oh, h);
      const int64_t cols = AdaptiveEnd(ox, ow, w) - AdaptiveStart(ox, ow, w);
      sizes.push_back(static_cast<double>(std::max<int64_t>(rows * cols, 1)));
    }
  }
  Tensor size = Constant(std::move(sizes), {oh, ow}, g.dtype(), g.device());
  Tensor scaled = g / size;
  Tensor col_windows = Constant(AdaptiveWindows(ow, w), {ow, w}, g.dtype(), g.device());
  Tensor row_windows = Constant(AdaptiveWindows(oh, h), {oh, h}, g.dtype(), g.device());
  Tensor spread_cols = matmul(scaled, col_windows);           // [..., oh, w]
  Tensor by_col = transpose(spread_cols, -1, -2);              // [..., w, oh]
  Tensor spread_rows = matmul(by_col, row_windows);            // [..., w, h]
  Tensor gi = transpose(spread_rows, -1, -2);                  // [..., h, w]
  return Finish(call, {gi});
}

// --- Embedding -----------------------------------------------------------------------

// embedding(weight, indices) = index_select(weight, 0, indices.flat) shaped
// as indices + [dim]. Rows of padding_idx (when >= 0) are detached: the
// values are the same, and a gradient through the decomposition skips them
// as embedding_backward does.
Result Embedding(const OpCall& call) {
  const Tensor& indices = call.input(1);
  const int64_t padding_idx = call.attr("padding_idx").i();
  Tensor flat = reshape(AsIndex(indices), {indices.numel()});
  Tensor rows = index_select(call.input(0), 0, flat);
  if (padding_idx >= 0) {
    Tensor keep = CallOp1(K::kNeScalar, {flat}, {{"other", padding_idx}});
    Tensor keep_rows = unsqueeze(keep, 1);
    Tensor frozen = rows.detach();
    rows = where(keep_rows, rows, frozen);
  }
  return Finish(call, {reshape(rows, ResultSizes(call))});
}

// Gradient rows summed into num_weights rows with index_add; rows of
// padding_idx (when >= 0) get nothing.
Result EmbeddingBackward(const OpCall& call) {
  const Tensor g = Upcast(call.input(0));
  const Tensor& indices = call.input(1);
  const int64_t num_weights = call.attr("num_weights").i();
  const int64_t padding_idx = call.attr("padding_idx").i();
  const int64_t n = indices.numel();
  const int64_t dim = g.size(-1);
  Tensor flat = reshape(AsIndex(indices), {n});
  Tensor rows = reshape(g, {n, dim});
  if (padding_idx >= 0) {
    Tensor keep = CallOp1(K::kNeScalar, {flat}, {{"other", padding_idx}});
    Tensor keep_rows = unsqueeze(keep, 1);
    Tensor zero = ScalarLike(0.0, rows);
    rows = where(keep_rows, rows, zero);
  }
  Tensor zeros_out = Filled({num_weights, dim}, 0.0, g.dtype(), g.device());
  return Finish(call, {index_add(zeros_out, 0, flat, rows)});
}

// --- Dropout ------------------------------------------------------------------------------

// mask = u >= p with u the uniform stream (compared in f64: rand's f32
// values widen exactly, as the kernel compares double(u) >= p); output =
// x * (mask ? 1/(1-p) : 0). The stream is the seed operand's, or a `rand`
// without one: eagerly the global generator's next values (what the kernel
// draws), under the tracer a seed input. Without training: a copy and an
// all-true mask, nothing drawn.
Result Dropout(const OpCall& call) {
  const Tensor x = Upcast(call.input(0));
  const double p = call.attr("p").f();
  if (!call.attr("train").b()) {
    Tensor mask = CallOp1(K::kFullLike, {x}, {{"fill_value", true}, {"dtype", DType::kBool}});
    return Finish(call, {x.clone(), mask});
  }
  const Tensor* seed = call.optional_input(1);
  Tensor u = CallOp1(K::kRand, {seed != nullptr ? *seed : Tensor()},
                     {{"size", SizesOf(x)}, {"dtype", DType::kFloat64}, {"device", x.device()}});
  Tensor keep = CallOp1(K::kGeScalar, {u}, {{"other", p}});
  if (p >= 1) {
    // Zeros (not x * 0, NaN for an infinite x) that still depend on x, so
    // the gradient (zeros) flows as through the op.
    Tensor zero = ScalarLike(0.0, x);
    return Finish(call, {where(keep, x, zero), keep});
  }
  Tensor keep_f = keep.to(x.dtype());
  Tensor scale = keep_f * (1.0 / (1.0 - p));
  return Finish(call, {x * scale, keep});
}

// --- Losses ----------------------------------------------------------------------------------

// nll_loss and cross_entropy operands as rows: [N, C] log-probabilities,
// targets with ignored entries replaced by 0 (safe to index with), which
// rows count, and each row's class weight (0 for ignored rows).
struct ClassRows {
  Tensor x;       // [N, C], upcast.
  Tensor target;  // [N] i64, ignore_index replaced by 0.
  Tensor valid;   // [N] bool: target != ignore_index.
  Tensor weight;  // [N]: weight[target], 0 where ignored.
  bool single = false;  // The op's input was a single [C] row.
};

ClassRows MakeClassRows(const Tensor& input, const Tensor& target_in, const Tensor* weight, int64_t ignore_index) {
  ClassRows r;
  r.single = input.dim() == 1;
  Tensor x = Upcast(input);
  r.x = r.single ? unsqueeze(x, 0) : x;
  const int64_t n = r.x.size(0);
  Tensor target = reshape(AsIndex(target_in), {n});
  r.valid = CallOp1(K::kNeScalar, {target}, {{"other", ignore_index}});
  Tensor zero_index = ScalarLike(int64_t{0}, target);
  r.target = where(r.valid, target, zero_index);
  Tensor zero = ScalarLike(0.0, r.x);
  Tensor w;
  if (weight != nullptr) {
    Tensor wc = Upcast(*weight);
    w = index_select(wc, 0, r.target);
  } else {
    w = Filled({n}, 1.0, r.x.dtype(), r.x.device());
  }
  r.weight = where(r.valid, w, zero);
  return r;
}

// Reduces per-row losses: none (rows, or a scalar for a single row), mean
// (divided by the summed weights of the counted rows) or sum.
Tensor ReduceLoss(const Tensor& rows, const ClassRows& r, int64_t reduction) {
  if (reduction == 0) return r.single ? reshape(rows, {}) : rows;
  Tensor total = sum(rows);
  if (reduction == 2) return total;
  Tensor weight_sum = sum(r.weight);
  return total / weight_sum;
}

absl::Status CheckReduction(const OpCall& call) {
  const int64_t reduction = call.attr("reduction").i();
  if (reduction >= 0 && reduction <= 2) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      call.op->name(), "(): reduction must be 0 (none), 1 (mean) or 2 (sum), got ", reduction));
}

// nll_loss: row i loses -weight[t_i] * x[i, t_i]; ignored rows lose 0.
Tensor NllRows(const ClassRows& r) {
  Tensor index = unsqueeze(r.target, 1);
  Tensor picked = gather(r.x, 1, index);
  Tensor picked_rows = reshape(picked, {r.x.size(0)});
  Tensor minus_w = neg(r.weight);
  Tensor loss = minus_w * picked_rows;
  Tensor zero = ScalarLike(0.0, loss);
  return where(r.valid, loss, zero);
}

Result NllLoss(const OpCall& call) {
  AOT_RETURN_IF_ERROR(CheckReduction(call));
  ClassRows r = MakeClassRows(call.input(0), call.input(1), call.optional_input(2),
                              call.attr("ignore_index").i());
  Tensor rows = NllRows(r);
  return Finish(call, {ReduceLoss(rows, r, call.attr("reduction").i())});
}

// cross_entropy = nll_loss(log_softmax(x)); with label smoothing eps, row i
// loses (1 - eps) * nll_i + eps / C * smooth_i, smooth_i = -sum_c w_c
// log p_ic (0 for ignored rows), as the kernel.
Result CrossEntropy(const OpCall& call) {
  AOT_RETURN_IF_ERROR(CheckReduction(call));
  const double smoothing = call.attr("label_smoothing").f();
  if (!(smoothing >= 0.0 && smoothing <= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cross_entropy(): label_smoothing must be between 0.0 and 1.0, got ", smoothing));
  }
  const Tensor x = Upcast(call.input(0));
  Tensor log_p = log_softmax(x, -1);
  const Tensor* weight = call.optional_input(2);
  const int64_t reduction = call.attr("reduction").i();
  const int64_t ignore_index = call.attr("ignore_index").i();
  if (smoothing == 0) {
    Tensor w = weight != nullptr ? Upcast(*weight) : Tensor();
    return Finish(call, {nll_loss(log_p, call.input(1), w, reduction, ignore_index)});
  }
  ClassRows r = MakeClassRows(log_p, call.input(1), weight, ignore_index);
  Tensor nll = NllRows(r);
  Tensor weighted = r.x;
  if (weight != nullptr) {
    Tensor wc = Upcast(*weight);
    weighted = r.x * wc;
  }
  Tensor class_sum = sum(weighted, {1});
  Tensor smooth = neg(class_sum);
  Tensor zero = ScalarLike(0.0, smooth);
  Tensor smooth_rows = where(r.valid, smooth, zero);
  const double classes = static_cast<double>(r.x.size(1));
  Tensor nll_part = nll * (1 - smoothing);
  Tensor smooth_part = smooth_rows * (smoothing / classes);
  Tensor rows = nll_part + smooth_part;
  return Finish(call, {ReduceLoss(rows, r, reduction)});
}

// mse_loss: (x - t)^2, reduced.
Result MseLoss(const OpCall& call) {
  AOT_RETURN_IF_ERROR(CheckReduction(call));
  const Tensor x = Upcast(call.input(0));
  const Tensor t = Upcast(call.input(1));
  Tensor d = x - t;
  Tensor sq = d * d;
  const int64_t reduction = call.attr("reduction").i();
  if (reduction == 0) return Finish(call, {sq});
  return Finish(call, {reduction == 1 ? mean(sq) : sum(sq)});
}

// The row gradient is -weight[t_i] * g_i (g_i: grad_output per row for
// reduction none, grad_output / summed weights for mean, grad_output for
// sum) at column t_i, 0 elsewhere and in ignored rows.
Result NllLossBackward(const OpCall& call) {
  AOT_RETURN_IF_ERROR(CheckReduction(call));
  const Tensor g = Upcast(call.input(0));
  const Tensor& self = call.input(1);
  if (self.dim() < 1 || self.dim() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("nll_loss_backward(): self must have rank 1 or 2, got ", self.meta().ToString()));
  }
  ClassRows r = MakeClassRows(self, call.input(2), call.optional_input(3), call.attr("ignore_index").i());
  const int64_t reduction = call.attr("reduction").i();
  const int64_t n = r.x.size(0), classes = r.x.size(1);
  Tensor grad_rows;
  if (reduction == 0) {
    grad_rows = reshape(g, {n});
  } else if (reduction == 1) {
    Tensor weight_sum = sum(r.weight);
    grad_rows = g / weight_sum;
  } else {
    grad_rows = g;
  }
  Tensor minus_w = neg(r.weight);
  Tensor coef = minus_w * grad_rows;
  Tensor zero = ScalarLike(0.0, coef);
  Tensor coef_valid = where(r.valid, coef, zero);
  Tensor coef_col = unsqueeze(coef_valid, 1);
  Tensor class_ids = arange(0, static_cast<double>(classes), 1, DType::kInt64, r.x.device());
  Tensor target_col = unsqueeze(r.target, 1);
  Tensor hit = eq(class_ids, target_col);
  Tensor gi = where(hit, coef_col, zero);
  return Finish(call, {reshape(gi, SizesOf(self))});
}

// d/dx mean((x - t)^2) = 2 (x - t) * g / count (no division for sum; g
// per element for none).
Result MseLossBackward(const OpCall& call) {
  AOT_RETURN_IF_ERROR(CheckReduction(call));
  const Tensor g = Upcast(call.input(0));
  const Tensor x = Upcast(call.input(1));
  const Tensor t = Upcast(call.input(2));
  const int64_t reduction = call.attr("reduction").i();
  Tensor d = x - t;
  if (reduction == 0) {
    Tensor twice = d * 2.0;
    return Finish(call, {twice * g});
  }
  const double factor = reduction == 1 ? 2.0 / static_cast<double>(x.numel()) : 2.0;
  Tensor scale = g * factor;
  return Finish(call, {d * scale});
}

// --- Elementwise backward -----------------------------------------------------------------

// The (grad, operand) pair of an elementwise backward op in the compute
// dtype of its result.
std::pair<Tensor, Tensor> GradOperands(const OpCall& call) {
  const DType compute = ComputeDType(call.result_metas[0].dtype);
  Tensor grad = call.input(0).to(compute);
  Tensor operand = call.input(1).to(compute);
  return {grad, operand};
}

// grad where self > threshold, else 0.
Result ThresholdBackward(const OpCall& call) {
  auto [g, x] = GradOperands(call);
  Tensor below = CallOp1(K::kLeScalar, {x}, {{"other", call.attr("threshold")}});
  Tensor zero = ScalarLike(0.0, g);
  return Finish(call, {where(below, zero, g)});
}

// grad * y * (1 - y) with y = sigmoid(x).
Result SigmoidBackward(const OpCall& call) {
  auto [g, y] = GradOperands(call);
  Tensor gy = g * y;
  Tensor one_minus = 1.0 - y;
  return Finish(call, {gy * one_minus});
}

// grad * (1 - y^2) with y = tanh(x).
Result TanhBackward(const OpCall& call) {
  auto [g, y] = GradOperands(call);
  Tensor y2 = y * y;
  Tensor one_minus = 1.0 - y2;
  return Finish(call, {g * one_minus});
}

// grad * (cdf(x) + x * pdf(x)); with tanh, the derivative of the tanh form.
Result GeluBackward(const OpCall& call) {
  auto [g, x] = GradOperands(call);
  Tensor x2 = x * x;
  Tensor d;
  if (call.attr("approximate").s() == "tanh") {
    Tensor x3 = x2 * x;
    Tensor cubic = x3 * kGeluTanhCubic;
    Tensor poly = x + cubic;
    Tensor arg = poly * kSqrt2OverPi;
    Tensor t = tanh(arg);
    Tensor dpoly = x2 * (3 * kGeluTanhCubic);
    Tensor dpoly1 = dpoly + 1.0;
    Tensor darg = dpoly1 * kSqrt2OverPi;
    Tensor t1 = t + 1.0;
    Tensor left = t1 * 0.5;
    Tensor t2 = t * t;
    Tensor sech2 = 1.0 - t2;
    Tensor half_x = x * 0.5;
    Tensor right = half_x * sech2;
    Tensor right_d = right * darg;
    d = left + right_d;
  } else {
    Tensor arg = x * kSqrt1_2;
    Tensor e = erf(arg);
    Tensor e1 = e + 1.0;
    Tensor cdf = e1 * 0.5;
    Tensor minus_half_x2 = x2 * -0.5;
    Tensor ex = exp(minus_half_x2);
    Tensor pdf = ex * kInvSqrt2Pi;
    Tensor x_pdf = x * pdf;
    d = cdf + x_pdf;
  }
  return Finish(call, {g * d});
}

// grad * s * (1 + x * (1 - s)) with s = sigmoid(x).
Result SiluBackward(const OpCall& call) {
  auto [g, x] = GradOperands(call);
  Tensor s = sigmoid(x);
  Tensor one_minus = 1.0 - s;
  Tensor x_one_minus = x * one_minus;
  Tensor factor = x_one_minus + 1.0;
  Tensor gs = g * s;
  return Finish(call, {gs * factor});
}

// y * (grad - sum(grad * y)) over dim.
Result SoftmaxBackward(const OpCall& call) {
  auto [g, y] = GradOperands(call);
  const int64_t dim = call.attr("dim").i();
  Tensor gy = g * y;
  Tensor s = sum(gy, {dim}, /*keepdim=*/true);
  Tensor diff = g - s;
  return Finish(call, {y * diff});
}

// grad - exp(y) * sum(grad) over dim.
Result LogSoftmaxBackward(const OpCall& call) {
  auto [g, y] = GradOperands(call);
  const int64_t dim = call.attr("dim").i();
  Tensor s = sum(g, {dim}, /*keepdim=*/true);
  Tensor p = exp(y);
  Tensor ps = p * s;
  return Finish(call, {g - ps});
}

// --- Shape backward -------------------------------------------------------------------------

Tensor ZerosFor(Ints sizes, const Tensor& like) { return Filled(std::move(sizes), 0.0, like.dtype(), like.device()); }

// The gradient in the selected slot, zeros around it: cat along dim.
Result SelectBackward(const OpCall& call) {
  const Tensor& g = call.input(0);
  const Ints& sizes = call.attr("input_sizes").ints();
  const int64_t rank = static_cast<int64_t>(sizes.size());
  if (rank == 0) return absl::InvalidArgumentError("select_backward(): input_sizes must not be empty");
  const int64_t d = WrapDim(call.attr("dim").i(), rank);
  int64_t index = call.attr("index").i();
  if (index < 0) index += sizes[d];
  Tensors parts;
  if (index > 0) {
    Ints before = sizes;
    before[d] = index;
    parts.push_back(ZerosFor(before, g));
  }
  parts.push_back(unsqueeze(g, d));
  if (sizes[d] - index - 1 > 0) {
    Ints after = sizes;
    after[d] = sizes[d] - index - 1;
    parts.push_back(ZerosFor(after, g));
  }
  return Finish(call, {cat(parts, d)});
}

// Step 1: the gradient with zeros before and after it (cat). Larger steps:
// index_add at positions start, start + step, ...
Result SliceBackward(const OpCall& call) {
  const Tensor& g = call.input(0);
  const Ints& sizes = call.attr("input_sizes").ints();
  const int64_t rank = static_cast<int64_t>(sizes.size());
  if (rank == 0) return absl::InvalidArgumentError("slice_backward(): input_sizes must not be empty");
  const int64_t d = WrapDim(call.attr("dim").i(), rank);
  const int64_t size = sizes[d];
  const int64_t step = call.attr("step").i();
  if (step <= 0) return absl::InvalidArgumentError(absl::StrCat("slice_backward(): step must be positive, got ", step));
  auto clamp = [size](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + size : v, 0, size); };
  const int64_t start = clamp(call.attr("start").i()), end = clamp(call.attr("end").i());
  const int64_t len = end > start ? (end - start + step - 1) / step : 0;
  if (len == 0) return Finish(call, {ZerosFor(sizes, g)});
  if (step == 1) {
    Tensors parts;
    if (start > 0) {
      Ints before = sizes;
      before[d] = start;
      parts.push_back(ZerosFor(before, g));
    }
    parts.push_back(g);
    if (size - start - len > 0) {
      Ints after = sizes;
      after[d] = size - start - len;
      parts.push_back(ZerosFor(after, g));
    }
    return Finish(call, {cat(parts, d)});
  }
  Tensor positions = arange(static_cast<double>(start), static_cast<double>(start + len * step),
                            static_cast<double>(step), DType::kInt64, g.device());
  Tensor zeros_in = ZerosFor(sizes, g);
  return Finish(call, {index_add(zeros_in, d, positions, g)});
}

// --- Creation -------------------------------------------------------------------------------

// zeros/ones = full; zeros_like/ones_like = full_like.
Result FullOf(const OpCall& call, int64_t value) {
  return Finish(call, {CallOp1(K::kFull, {},
                               {{"size", call.attr("size")},
                                {"fill_value", value},
                                {"dtype", call.attr("dtype")},
                                {"device", call.attr("device")}})});
}

Result FullLikeOf(const OpCall& call, int64_t value) {
  return Finish(call, {CallOp1(K::kFullLike, {call.input(0)}, {{"fill_value", value}, {"dtype", call.attr("dtype")}})});
}

Result Zeros(const OpCall& call) { return FullOf(call, 0); }
Result Ones(const OpCall& call) { return FullOf(call, 1); }
Result ZerosLike(const OpCall& call) { return FullLikeOf(call, 0); }
Result OnesLike(const OpCall& call) { return FullLikeOf(call, 1); }

// --- The table ------------------------------------------------------------------------------

struct Entry {
  K op;
  Result (*fn)(const OpCall&);
};

constexpr Entry kCoreEntries[] = {
    {K::kGelu, Gelu},
    {K::kSilu, Silu},
    {K::kRsubScalar, RsubScalar},
    {K::kMaskedFill, MaskedFill},
    {K::kMean, Mean},
    {K::kVar, Var},
    {K::kStd, Std},
    {K::kVarMean, VarMean},
    {K::kLogsumexp, Logsumexp},
    {K::kTranspose, Transpose},
    {K::kSplit, Split},
    {K::kChunk, Chunk},
    {K::kStack, Stack},
    {K::kTriu, Triu},
    {K::kTril, Tril},
    {K::kMatmul, Matmul},
    {K::kAddmm, Addmm},
    {K::kLinear, Linear},
    {K::kSoftmax, Softmax},
    {K::kLogSoftmax, LogSoftmax},
    {K::kLayerNorm, LayerNorm},
    {K::kBatchNorm, BatchNorm},
    {K::kEmbedding, Embedding},
    {K::kDropout, Dropout},
    {K::kNllLoss, NllLoss},
    {K::kCrossEntropy, CrossEntropy},
    {K::kMseLoss, MseLoss},
    {K::kZeros, Zeros},
    {K::kOnes, Ones},
    {K::kZerosLike, ZerosLike},
    {K::kOnesLike, OnesLike},
    {K::kThresholdBackward, ThresholdBackward},
    {K::kSigmoidBackward, SigmoidBackward},
    {K::kTanhBackward, TanhBackward},
    {K::kGeluBackward, GeluBackward},
    {K::kSiluBackward, SiluBackward},
    {K::kSoftmaxBackward, SoftmaxBackward},
    {K::kLogSoftmaxBackward, LogSoftmaxBackward},
    {K::kLayerNormBackward, LayerNormBackward},
    {K::kBatchNormBackward, BatchNormBackward},
    {K::kMaxPool2dWithIndicesBackward, MaxPool2dWithIndicesBackward},
    {K::kAvgPool2dBackward, AvgPool2dBackward},
    {K::kAdaptiveAvgPool2dBackward, AdaptiveAvgPool2dBackward},
    {K::kEmbeddingBackward, EmbeddingBackward},
    {K::kNllLossBackward, NllLossBackward},
    {K::kMseLossBackward, MseLossBackward},
    {K::kSelectBackward, SelectBackward},
    {K::kSliceBackward, SliceBackward},
};

DecompositionTable BuildCoreTable() {
  DecompositionTable table;
  for (const Entry& e : kCoreEntries) {
    AOT_CHECK(!IsCoreOp(e.op)) << ir::GetOpDef(e.op).name() << " is a core op and must not be decomposed";
    absl::Status s = table.Register(e.op, e.fn);
    AOT_CHECK(s.ok()) << s;
  }
  return table;
}

}  // namespace

const DecompositionTable& CoreDecompositionTable() {
  static const DecompositionTable* table = new DecompositionTable(BuildCoreTable());
  return *table;
}

DecompositionTable MakeCoreDecompositionTable() { return CoreDecompositionTable(); }

absl::StatusOr<DecompositionTable> CoreDecompositionsFor(absl::Span<const ir::OpKind> ops) {
  const DecompositionTable& core = CoreDecompositionTable();
  DecompositionTable out;
  for (ir::OpKind op : ops) {
    const DecompositionFn* fn = core.Find(op);
    if (fn == nullptr) {
      const ir::OpDef& def = ir::GetOpDef(op);
      return absl::NotFoundError(absl::StrCat(
          "no core decomposition of ", def.name(),
          IsCoreOp(op) ? " (a core op)" : def.is_inplace() ? " (an in-place op: functionalization removes it)" : ""));
    }
    out.Set(op, *fn);
  }
  return out;
}

}  // namespace aot
