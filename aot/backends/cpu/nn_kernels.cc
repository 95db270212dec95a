// CPU kernels of the neural-network ops that reduce: softmax, log_softmax,
// layer_norm, batch_norm, nll_loss, cross_entropy, mse_loss and their
// backward ops.
//
// Every kernel computes in f64 for f64 data and in f32 otherwise (f16/bf16
// operands are converted to f32 and the results back), with sums
// accumulated in double. Softmax-like ops subtract the row max before exp.
//
// batch_norm (training=true) normalises with the batch mean and biased
// variance; save_invstd = 1/sqrt(var + eps); new_running_mean =
// (1 - momentum) * running_mean + momentum * mean and new_running_var
// likewise with the unbiased variance, as PyTorch. Without running stats
// (PyTorch would not track any) new_running_mean/var are the batch mean and
// unbiased variance, i.e. what the update with momentum 1 records. An empty
// batch leaves the running stats as they are (0 and 1 when absent), and
// save_mean/save_invstd are NaN. With training=false the running stats
// normalise; save_mean/save_invstd then hold running_mean and
// 1/sqrt(running_var + eps) (batch_norm_backward reads them in either
// mode), and new_running_* are copies of the running stats.
//
// layer_norm_backward and batch_norm_backward compute grad_weight and
// grad_bias even when weight (or bias) is absent, since the shape rule
// declares them; an absent weight means 1.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/backends/common/norm_checks.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/reduce_utils.h"
#include "aot/backends/cpu/row_avx512.h"
#include "aot/backends/cpu/strided.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"

namespace aot::cpu {
namespace {

DType ComputeDType(DType d) { return d == DType::kFloat64 ? DType::kFloat64 : DType::kFloat32; }

template <typename Fn>
decltype(auto) VisitCompute(DType d, Fn&& fn) {
  if (d == DType::kFloat64) return fn.template operator()<double>();
  return fn.template operator()<float>();
}

// A new dense tensor of the compute dtype.
absl::StatusOr<Tensor> NewDense(absl::Span<const int64_t> sizes, DType dtype) {
  Tensor t = Tensor::Empty(sizes, dtype);
  if (!t.ok()) return t.status();
  return t;
}

absl::StatusOr<Tensor> NewResult(const OpCall& call, int i, DType dtype) {
  return NewDense(ResultSizes(call, i), dtype);
}

// An optional operand made dense in `dtype`, or an undefined tensor.
absl::StatusOr<Tensor> OptionalDense(const Tensor* t, DType dtype) {
  if (t == nullptr) return Tensor();
  return Contiguous(*t, dtype).Checked();
}

template <typename C>
C* PtrOrNull(const Tensor& t) {
  return t.defined() && t.numel() > 0 ? t.data_ptr<C>() : nullptr;
}

// Converts computed results to the dtypes the shape rule declared.
KernelResult Finish(const OpCall& call, std::vector<Tensor> results) {
  for (size_t i = 0; i < results.size(); ++i) {
    AOT_ASSIGN_OR_RETURN(results[i], Contiguous(results[i], call.result_metas[i].dtype).Checked());
  }
  return results;
}

absl::Status RequireFloatResult(const OpCall& call) {
  if (IsFloating(call.result_metas[0].dtype)) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(call.op->name(), "(): expected floating operands, got ",
                                                 ir::DTypeName(call.result_metas[0].dtype)));
}

// Sizes before, at and after `dim` as (outer, size, inner).
std::tuple<int64_t, int64_t, int64_t> SplitAt(absl::Span<const int64_t> sizes, int dim) {
  int64_t outer = 1, inner = 1;
  if (sizes.empty()) return {1, 1, 1};
  for (int i = 0; i < dim; ++i) outer *= sizes[i];
  for (int i = dim + 1; i < static_cast<int>(sizes.size()); ++i) inner *= sizes[i];
  return {outer, sizes[dim], inner};
}

// Sum of a[i] * b[i] in double.
template <typename C>
double DotRow(const C* a, const C* b, int64_t n) {
  return LaneReduce<16, double>(n, 0.0, [a, b](int64_t i) { return static_cast<double>(a[i]) * b[i]; }, Plus());
}

// Reduces `op` over `layout` of a tensor with `numel` elements, or returns
// the identities when it is empty.
template <typename Op>
std::vector<typename Op::Acc> ReduceOrInit(int64_t numel, const ReduceLayout& layout, int64_t num_outputs,
                                           const Op& op) {
  if (numel == 0) return std::vector<typename Op::Acc>(num_outputs, op.Init());
  return Reduce(layout, op);
}

// --- softmax / log_softmax -------------------------------------------------------------

// The max of a row and the sum of exp(x - max) in double.
template <typename C>
struct MaxSum {
  C m = -std::numeric_limits<C>::infinity();
  double s = 0;
};

// Merges two (max, sum) pairs. A part whose max is -inf (all -inf, or
// empty) adds nothing; NaN propagates through the max.
template <typename C>
MaxSum<C> MergeMaxSum(const MaxSum<C>& a, const MaxSum<C>& b) {
  constexpr C kNegInf = -std::numeric_limits<C>::infinity();
  if (b.m == kNegInf) return a;
  if (a.m == kNegInf) return b;
  const C m = MaxNan()(a.m, b.m);
  return {m, a.s * std::exp(static_cast<double>(a.m) - m) + b.s * std::exp(static_cast<double>(b.m) - m)};
}

// (max, sum of exp(x - max)) of x[0, n), one pass over memory: two passes
// over each block of kBlock elements (in L1), merged.
template <typename C>
MaxSum<C> RowMaxSum(const C* x, int64_t n) {
  MaxSum<C> acc;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t len = std::min(kBlock, n - b);
    const C m = MaxRow(x + b, len);
    if (m == -std::numeric_limits<C>::infinity()) continue;
    acc = MergeMaxSum(acc, MaxSum<C>{m, ExpShiftSum<C>(x + b, m, nullptr, len)});
  }
  return acc;
}

// y[j] = exp(x[j] - m) * scale for j in [0, n), where m >= x[j] or NaN.
template <typename C>
void ExpScale(const C* x, C m, C scale, C* y, int64_t n) {
  if constexpr (std::is_same_v<C, float>) {
    ByIsa(&ExpScaleAvx512, &ExpScaleLoop<Avx2>, x, m, scale, y, n);
    return;
  }
  for (int64_t j = 0; j < n; ++j) y[j] = Exp<C>(x[j] - m) * scale;
}

// y[j] *= scale for j in [0, n).
template <typename C>
void ScaleRow(C* y, C scale, int64_t n) {
  if constexpr (std::is_same_v<C, float>) {
    ByIsa(&ScaleAvx512, &ScaleLoop<Avx2>, y, scale, n);
    return;
  }
  for (int64_t j = 0; j < n; ++j) y[j] *= scale;
}

// y[j] = (x[j] - m) - c for j in [0, n) (ShiftSubLoop for float, streaming
// y where `stream`: Note [Streaming stores], vec_math.h).
template <typename C>
void ShiftSubRow(const C* x, C m, C c, C* y, int64_t n, bool stream) {
  if constexpr (std::is_same_v<C, float>) {
    ByIsa(&ShiftSubAvx512, &ShiftSubLoop<Avx2>, x, m, c, y, n, stream);
    return;
  }
  for (int64_t j = 0; j < n; ++j) y[j] = (x[j] - m) - c;
}

// Softmax (kLog: log_softmax) of one row of d elements split across the
// threads: per-thread (max, sum) pairs merged in order, then the outputs.
// All -inf gives NaN, as the per-row path (exp(-inf - -inf)).
template <typename C, bool kLog>
void SoftmaxLongRow(const C* x, C* y, int64_t d) {
  const int64_t nblocks = (d + kBlock - 1) / kBlock;
  std::vector<MaxSum<C>> partial(NumThreads());
  const int tasks = ParallelChunks(nblocks, 4, [&](int t, int64_t b, int64_t e) {
    const int64_t begin = b * kBlock, end = std::min(d, e * kBlock);
    partial[t] = RowMaxSum(x + begin, end - begin);
  });
  MaxSum<C> total;
  bool all_neg_inf = true;
  for (int t = 0; t < tasks; ++t) {
    all_neg_inf = all_neg_inf && partial[t].m == -std::numeric_limits<C>::infinity();
    total = MergeMaxSum(total, partial[t]);
  }
  const C m = all_neg_inf ? std::numeric_limits<C>::quiet_NaN() : total.m;
  ParallelFor(d, kGrain, [&](int64_t b, int64_t e) {
    if constexpr (kLog) {
      ShiftSubRow<C>(x + b, m, static_cast<C>(std::log(total.s)), y + b, e - b, /*stream=*/false);
    } else {
      ExpScale<C>(x + b, m, static_cast<C>(1.0 / total.s), y + b, e - b);
    }
  });
}

template <typename C, bool kLog>
void SoftmaxForward(const C* x, C* y, int64_t outer, int64_t d, int64_t inner) {
  // log_softmax over rows streams a large output (Note [Streaming stores]):
  // 51.8-54.1 to 62.1-63.2 GB/s over [4096, 4096] in alternating two-thread
  // runs (docs/design/cpu_backend.md). Softmax's output pass rescales what
  // its exp pass stored (in the cache), and each way tried of streaming it
  // was slower: computing the exps again in the output pass (47-50 against
  // 57-58 GB/s), storing them in a scratch row and streaming their rescaled
  // values (44.6-50.8 against 53.1-60.9), and streaming the long single
  // row's output (28.6-29.3 against 31.3-39.7 GB/s).
  const bool stream = kLog && outer * d * inner * static_cast<int64_t>(sizeof(C)) >= kStreamingStoreBytes;
  if (inner == 1 && outer < NumThreads() && d >= 2 * kRowChunk) {
    for (int64_t o = 0; o < outer; ++o) SoftmaxLongRow<C, kLog>(x + o * d, y + o * d, d);
    return;
  }
  if (inner == 1) {
    ParallelFor(outer, std::max<int64_t>(1, kGrain / d), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const C* xr = x + o * d;
        C* yr = y + o * d;
        const C m = MaxRow(xr, d);
        if constexpr (kLog) {
          ShiftSubRow<C>(xr, m, static_cast<C>(std::log(ExpShiftSum<C>(xr, m, nullptr, d))), yr, d, stream);
        } else {
          ScaleRow<C>(yr, static_cast<C>(1.0 / ExpShiftSum<C>(xr, m, yr, d)), d);
        }
      }
    });
    return;
  }
  // Softmax over a non-innermost dim: blocks of columns, vectorised along
  // the inner dim.
  const int64_t nblocks = (inner + kColBlock - 1) / kColBlock;
  ParallelFor(outer * nblocks, std::max<int64_t>(1, kGrain / (d * std::min(inner, kColBlock))),
              [&](int64_t b, int64_t e) {
    std::vector<C> m(kColBlock);
    std::vector<double> s(kColBlock);
    std::vector<C> t(kColBlock);
    for (int64_t it = b; it < e; ++it) {
      const int64_t o = it / nblocks, j0 = (it % nblocks) * kColBlock;
      const int64_t len = std::min(kColBlock, inner - j0);
      const C* xb = x + o * d * inner + j0;
      C* yb = y + o * d * inner + j0;
      std::fill_n(m.begin(), len, -std::numeric_limits<C>::infinity());
      std::fill_n(s.begin(), len, 0.0);
      for (int64_t k = 0; k < d; ++k) {
        const C* p = xb + k * inner;
        for (int64_t j = 0; j < len; ++j) m[j] = MaxNan()(m[j], p[j]);
      }
      for (int64_t k = 0; k < d; ++k) {
        const C* p = xb + k * inner;
        C* q = yb + k * inner;
        for (int64_t j = 0; j < len; ++j) {
          C v = Exp<C>(p[j] - m[j]);
          if constexpr (!kLog) q[j] = v;
          s[j] += v;
        }
      }
      for (int64_t j = 0; j < len; ++j) {
        t[j] = kLog ? static_cast<C>(std::log(s[j])) : static_cast<C>(1.0 / s[j]);
      }
      for (int64_t k = 0; k < d; ++k) {
        const C* p = xb + k * inner;
        C* q = yb + k * inner;
        if constexpr (kLog) {
          for (int64_t j = 0; j < len; ++j) q[j] = (p[j] - m[j]) - t[j];
        } else {
          for (int64_t j = 0; j < len; ++j) q[j] *= t[j];
        }
      }
    }
  });
}

template <bool kLog>
KernelResult SoftmaxKernel(const OpCall& call) {
  const DType cd = ComputeDType(call.result_metas[0].dtype);
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(0), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor y, NewResult(call, 0, cd));
  if (x.numel() > 0) {
    auto [outer, d, inner] = SplitAt(x.sizes(), WrapDim(call.attr("dim").i(), x.dim()));
    VisitCompute(cd, [&]<typename C>() {
      SoftmaxForward<C, kLog>(x.data_ptr<C>(), y.data_ptr<C>(), outer, d, inner);
    });
  }
  return Finish(call, {y});
}

// softmax_backward: gi = y * (g - sum(g * y)); log_softmax_backward:
// gi = g - exp(y) * sum(g), sums over `dim`.
template <typename C, bool kLog>
void SoftmaxBackward(const C* g, const C* y, C* gi, int64_t outer, int64_t d, int64_t inner) {
  if (inner == 1) {
    ParallelFor(outer, std::max<int64_t>(1, kGrain / d), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const C* gr = g + o * d;
        const C* yr = y + o * d;
        C* out = gi + o * d;
        if constexpr (kLog) {
          const C s = static_cast<C>(SumRow(gr, d));
          for (int64_t j = 0; j < d; ++j) out[j] = gr[j] - Exp<C>(yr[j]) * s;
        } else {
          const C s = static_cast<C>(DotRow(gr, yr, d));
          for (int64_t j = 0; j < d; ++j) out[j] = yr[j] * (gr[j] - s);
        }
      }
    });
    return;
  }
  const int64_t nblocks = (inner + kColBlock - 1) / kColBlock;
  ParallelFor(outer * nblocks, std::max<int64_t>(1, kGrain / (d * std::min(inner, kColBlock))),
              [&](int64_t b, int64_t e) {
    std::vector<double> s(kColBlock);
    std::vector<C> t(kColBlock);
    for (int64_t it = b; it < e; ++it) {
      const int64_t o = it / nblocks, j0 = (it % nblocks) * kColBlock;
      const int64_t len = std::min(kColBlock, inner - j0);
      const int64_t base = o * d * inner + j0;
      std::fill_n(s.begin(), len, 0.0);
      for (int64_t k = 0; k < d; ++k) {
        const C* gr = g + base + k * inner;
        const C* yr = y + base + k * inner;
        if constexpr (kLog) {
          for (int64_t j = 0; j < len; ++j) s[j] += gr[j];
        } else {
          for (int64_t j = 0; j < len; ++j) s[j] += static_cast<double>(gr[j]) * yr[j];
        }
      }
      for (int64_t j = 0; j < len; ++j) t[j] = static_cast<C>(s[j]);
      for (int64_t k = 0; k < d; ++k) {
        const C* gr = g + base + k * inner;
        const C* yr = y + base + k * inner;
        C* out = gi + base + k * inner;
        if constexpr (kLog) {
          for (int64_t j = 0; j < len; ++j) out[j] = gr[j] - Exp<C>(yr[j]) * t[j];
        } else {
          for (int64_t j = 0; j < len; ++j) out[j] = yr[j] * (gr[j] - t[j]);
        }
      }
    }
  });
}

template <bool kLog>
KernelResult SoftmaxBackwardKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(RequireFloatResult(call));
  const DType cd = ComputeDType(call.result_metas[0].dtype);
  AOT_ASSIGN_OR_RETURN(Tensor g, Contiguous(call.input(0), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor y, Contiguous(call.input(1), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, cd));
  if (g.numel() > 0) {
    auto [outer, d, inner] = SplitAt(g.sizes(), WrapDim(call.attr("dim").i(), g.dim()));
    VisitCompute(cd, [&]<typename C>() {
      SoftmaxBackward<C, kLog>(g.data_ptr<C>(), y.data_ptr<C>(), gi.data_ptr<C>(), outer, d, inner);
    });
  }
  return Finish(call, {gi});
}

// --- layer_norm ---------------------------------------------------------------------------

using backends::NormalizedNumel;

KernelResult LayerNormKernel(const OpCall& call) {
  const DType cd = ComputeDType(call.input(0).dtype());
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(0), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(1), cd));
  AOT_ASSIGN_OR_RETURN(Tensor bias, OptionalDense(call.optional_input(2), cd));
  AOT_ASSIGN_OR_RETURN(Tensor y, NewResult(call, 0, cd));
  AOT_ASSIGN_OR_RETURN(Tensor mean, NewResult(call, 1, cd));
  AOT_ASSIGN_OR_RETURN(Tensor rstd, NewResult(call, 2, cd));
  const int64_t n = NormalizedNumel(call);
  const int64_t rows = mean.numel();
  const double eps = call.attr("eps").f();
  VisitCompute(cd, [&]<typename C>() {
    const C* xp = PtrOrNull<C>(x);
    const C* wp = PtrOrNull<C>(w);
    const C* bp = PtrOrNull<C>(bias);
    C* yp = PtrOrNull<C>(y);
    C* mp = PtrOrNull<C>(mean);
    C* rp = PtrOrNull<C>(rstd);
    const bool stream = y.numel() * static_cast<int64_t>(sizeof(C)) >= kStreamingStoreBytes;
    ParallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const C* xr = xp + i * n;
        C* yr = yp + i * n;
        const C m = static_cast<C>(SumRow(xr, n) / static_cast<double>(n));
        const double var = SqDevRow(xr, n, m) / static_cast<double>(n);
        const C r = static_cast<C>(1.0 / std::sqrt(var + eps));
        mp[i] = m;
        rp[i] = r;
        if constexpr (std::is_same_v<C, float>) {
          // Prefetching the next row's input and output (Notes [Prefetching the
          // next block] and [Prefetching the next row's output]), or
          // streaming a large output (Note [Streaming stores]).
          ByIsa(&NormalizeRowAvx512, &NormalizeRow<Avx2>, xr, m, r, wp, bp, yr, n, kExpPrefetch, stream);
        } else if (wp != nullptr && bp != nullptr) {
          for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - m) * r * wp[j] + bp[j];
        } else if (wp != nullptr) {
          for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - m) * r * wp[j];
        } else if (bp != nullptr) {
          for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - m) * r + bp[j];
        } else {
          for (int64_t j = 0; j < n; ++j) yr[j] = (xr[j] - m) * r;
        }
      }
    });
  });
  return Finish(call, {y, mean, rstd});
}

// Sum over rows of g * (x - mean[row]) * rstd[row], per column (grad_weight
// of layer_norm); rows have `n` elements.
template <typename C>
struct LayerNormWeightGradOp {
  using Acc = double;
  const C* g;
  const C* x;
  const C* mean;
  const C* rstd;
  int64_t n;
  double Init() const { return 0; }
  double Combine(double a, double b) const { return a + b; }
  double Row(int64_t base, int64_t len, int64_t) const {
    double total = 0;
    for (int64_t k = base; k < base + len; ++k) {
      const int64_t row = k / n;
      total += static_cast<double>(g[k]) * (x[k] - mean[row]) * rstd[row];
    }
    return total;
  }
  void Cols(double* acc, int64_t base, int64_t len, int64_t) const {
    const int64_t row = base / n;
    const C m = mean[row], r = rstd[row];
    const C* gp = g + base;
    const C* xp = x + base;
    for (int64_t j = 0; j < len; ++j) acc[j] += static_cast<double>(gp[j] * ((xp[j] - m) * r));
  }
};

KernelResult LayerNormBackwardKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(RequireFloatResult(call));
  const DType cd = ComputeDType(call.input(1).dtype());
  AOT_ASSIGN_OR_RETURN(Tensor g, Contiguous(call.input(0), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(1), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor mean, Contiguous(call.input(2), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor rstd, Contiguous(call.input(3), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(4), cd));
  const int64_t n = NormalizedNumel(call);
  AOT_RETURN_IF_ERROR(backends::CheckLayerNormBackwardStats(x, mean, rstd, w, n));
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, cd));
  AOT_ASSIGN_OR_RETURN(Tensor gw, NewResult(call, 1, cd));
  AOT_ASSIGN_OR_RETURN(Tensor gb, NewResult(call, 2, cd));
  VisitCompute(cd, [&]<typename C>() {
    const C* gp = PtrOrNull<C>(g);
    const C* xp = PtrOrNull<C>(x);
    const C* mp = PtrOrNull<C>(mean);
    const C* rp = PtrOrNull<C>(rstd);
    const C* wp = PtrOrNull<C>(w);
    C* out = PtrOrNull<C>(gi);
    // grad_input = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = g * w.
    ParallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const C* gr = gp + i * n;
        const C* xr = xp + i * n;
        C* o = out + i * n;
        const C m = mp[i], r = rp[i];
        double a, bsum;
        if (wp != nullptr) {
          a = LaneReduce<16, double>(n, 0.0, [&](int64_t j) { return static_cast<double>(gr[j] * wp[j]); }, Plus());
          bsum = LaneReduce<16, double>(n, 0.0, [&](int64_t j) {
            return static_cast<double>(gr[j] * wp[j] * ((xr[j] - m) * r));
          }, Plus());
        } else {
          a = SumRow(gr, n);
          bsum = LaneReduce<16, double>(n, 0.0, [&](int64_t j) {
            return static_cast<double>(gr[j] * ((xr[j] - m) * r));
          }, Plus());
        }
        const C am = static_cast<C>(a / n), bm = static_cast<C>(bsum / n);
        if (wp != nullptr) {
          for (int64_t j = 0; j < n; ++j) o[j] = r * (gr[j] * wp[j] - am - (xr[j] - m) * r * bm);
        } else {
          for (int64_t j = 0; j < n; ++j) o[j] = r * (gr[j] - am - (xr[j] - m) * r * bm);
        }
      }
    });
    // grad_weight and grad_bias: column sums over the rows.
    ReduceLayout layout;
    if (x.numel() > 0) layout = MakeReduceLayout({rows, n}, {true, false});
    std::vector<double> sw =
        ReduceOrInit(x.numel(), layout, n, LayerNormWeightGradOp<C>{gp, xp, mp, rp, n});
    std::vector<double> sb = ReduceOrInit(x.numel(), layout, n, SumOp<C, double>{gp});
    C* gwp = PtrOrNull<C>(gw);
    C* gbp = PtrOrNull<C>(gb);
    for (int64_t j = 0; j < n; ++j) {
      gwp[j] = static_cast<C>(sw[j]);
      gbp[j] = static_cast<C>(sb[j]);
    }
  });
  return Finish(call, {gi, gw, gb});
}

// --- batch_norm ------------------------------------------------------------------------------

// Sum of g * (x - mean[channel]) (the engine's output index is the channel).
template <typename C>
struct CenteredDotOp {
  using Acc = double;
  const C* g;
  const C* x;
  const double* mean;
  double Init() const { return 0; }
  double Combine(double a, double b) const { return a + b; }
  double Row(int64_t base, int64_t len, int64_t out) const {
    const C* gp = g + base;
    const C* xp = x + base;
    const double m = mean[out];
    return LaneReduce<16, double>(len, 0.0, [gp, xp, m](int64_t j) { return gp[j] * (xp[j] - m); }, Plus());
  }
  void Cols(double* acc, int64_t base, int64_t len, int64_t out0) const {
    const C* gp = g + base;
    const C* xp = x + base;
    const double* m = mean + out0;
    for (int64_t j = 0; j < len; ++j) acc[j] += gp[j] * (xp[j] - m[j]);
  }
};

// Reduces every dim of an [N, C, *] tensor but the channels.
ReduceLayout ChannelLayout(const Tensor& x) {
  std::vector<bool> mask(x.dim(), true);
  mask[1] = false;
  return MakeReduceLayout(x.sizes(), mask);
}

// Applies y = (x - mean[c]) * scale[c] + shift[c] over an [N, C, S] tensor.
template <typename C>
void ChannelAffine(const C* x, C* y, int64_t batch, int64_t channels, int64_t plane, const C* mean,
                   const C* scale, const C* shift) {
  if (plane == 1) {
    ParallelFor(batch, std::max<int64_t>(1, kGrain / std::max<int64_t>(channels, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const C* xr = x + i * channels;
        C* yr = y + i * channels;
        for (int64_t c = 0; c < channels; ++c) yr[c] = (xr[c] - mean[c]) * scale[c] + shift[c];
      }
    });
    return;
  }
  ParallelFor(batch * channels, std::max<int64_t>(1, kGrain / plane), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t c = i % channels;
      const C m = mean[c], s = scale[c], t = shift[c];
      const C* xr = x + i * plane;
      C* yr = y + i * plane;
      for (int64_t j = 0; j < plane; ++j) yr[j] = (xr[j] - m) * s + t;
    }
  });
}

KernelResult BatchNormKernel(const OpCall& call) {
  const DType cd = ComputeDType(call.input(0).dtype());
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(0), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(1), cd));
  AOT_ASSIGN_OR_RETURN(Tensor bias, OptionalDense(call.optional_input(2), cd));
  AOT_ASSIGN_OR_RETURN(Tensor rm, OptionalDense(call.optional_input(3), cd));
  AOT_ASSIGN_OR_RETURN(Tensor rv, OptionalDense(call.optional_input(4), cd));
  const bool training = call.attr("training").b();
  const double momentum = call.attr("momentum").f();
  const double eps = call.attr("eps").f();
  const int64_t batch = x.size(0), channels = x.size(1);
  const int64_t plane = batch * channels == 0 ? 0 : x.numel() / (batch * channels);
  const int64_t count = batch * plane;  // Values per channel.
  if (training && count == 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch_norm(): expected more than 1 value per channel when training, got input ", x.meta().ToString()));
  }
  std::vector<Tensor> r(5);
  for (int i = 0; i < 5; ++i) {
    AOT_ASSIGN_OR_RETURN(r[i], NewResult(call, i, cd));
  }
  VisitCompute(cd, [&]<typename C>() {
    const C* xp = PtrOrNull<C>(x);
    const C* wp = PtrOrNull<C>(w);
    const C* bp = PtrOrNull<C>(bias);
    const C* rmp = PtrOrNull<C>(rm);
    const C* rvp = PtrOrNull<C>(rv);
    C* save_mean = PtrOrNull<C>(r[1]);
    C* save_invstd = PtrOrNull<C>(r[2]);
    C* new_rm = PtrOrNull<C>(r[3]);
    C* new_rv = PtrOrNull<C>(r[4]);
    if (channels == 0) return;
    std::vector<C> mean(channels), scale(channels), shift(channels);
    if (training) {
      std::vector<double> mu(channels, 0.0), m2(channels, 0.0);
      if (count > 0) {
        ReduceLayout layout = ChannelLayout(x);
        mu = Reduce(layout, SumOp<C, double>{xp});
        for (double& v : mu) v /= static_cast<double>(count);
        m2 = Reduce(layout, SqDevOp<C>{xp, mu.data()});
      }
      for (int64_t c = 0; c < channels; ++c) {
        if (count == 0) {
          save_mean[c] = save_invstd[c] = std::numeric_limits<C>::quiet_NaN();
          new_rm[c] = rmp != nullptr ? rmp[c] : C(0);
          new_rv[c] = rvp != nullptr ? rvp[c] : C(1);
          continue;
        }
        const double var = m2[c] / static_cast<double>(count);
        const double unbiased = m2[c] / static_cast<double>(count - 1);
        mean[c] = save_mean[c] = static_cast<C>(mu[c]);
        save_invstd[c] = static_cast<C>(1.0 / std::sqrt(var + eps));
        new_rm[c] = static_cast<C>(rmp != nullptr ? (1 - momentum) * rmp[c] + momentum * mu[c] : mu[c]);
        new_rv[c] = static_cast<C>(rvp != nullptr ? (1 - momentum) * rvp[c] + momentum * unbiased : unbiased);
      }
    } else {
      for (int64_t c = 0; c < channels; ++c) {
        mean[c] = save_mean[c] = new_rm[c] = rmp[c];
        new_rv[c] = rvp[c];
        save_invstd[c] = static_cast<C>(1.0 / std::sqrt(static_cast<double>(rvp[c]) + eps));
      }
    }
    for (int64_t c = 0; c < channels; ++c) {
      scale[c] = save_invstd[c] * (wp != nullptr ? wp[c] : C(1));
      shift[c] = bp != nullptr ? bp[c] : C(0);
    }
    if (x.numel() > 0) {
      ChannelAffine<C>(xp, r[0].data_ptr<C>(), batch, channels, plane, mean.data(), scale.data(), shift.data());
    }
  });
  return Finish(call, std::move(r));
}

KernelResult BatchNormBackwardKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(RequireFloatResult(call));
  const DType cd = ComputeDType(call.input(1).dtype());
  AOT_ASSIGN_OR_RETURN(Tensor g, Contiguous(call.input(0), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(1), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(2), cd));
  AOT_ASSIGN_OR_RETURN(Tensor rm, OptionalDense(call.optional_input(3), cd));
  AOT_ASSIGN_OR_RETURN(Tensor rv, OptionalDense(call.optional_input(4), cd));
  AOT_ASSIGN_OR_RETURN(Tensor sm, OptionalDense(call.optional_input(5), cd));
  AOT_ASSIGN_OR_RETURN(Tensor si, OptionalDense(call.optional_input(6), cd));
  const bool training = call.attr("training").b();
  const double eps = call.attr("eps").f();
  const int64_t batch = x.size(0), channels = x.size(1);
  const int64_t plane = batch * channels == 0 ? 0 : x.numel() / (batch * channels);
  const int64_t count = batch * plane;
  for (const Tensor* t : {&w, &rm, &rv, &sm, &si}) {
    if (t->defined() && t->numel() != channels) {
      return absl::InvalidArgumentError(absl::StrCat("batch_norm_backward(): per-channel operand ",
                                                     t->meta().ToString(), " must have ", channels,
                                                     " values (the channels of input ", x.meta().ToString(), ")"));
    }
  }
  // The statistics that normalised the input: the saved batch stats when
  // training (recomputed if absent), the running stats otherwise (the saved
  // ones when absent).
  const bool use_saved = training ? sm.defined() && si.defined() : !(rm.defined() && rv.defined());
  if (!training && use_saved && !(sm.defined() && si.defined())) {
    return absl::InvalidArgumentError(
        "batch_norm_backward(): inference (training=false) needs running_mean and running_var, or save_mean "
        "and save_invstd");
  }
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, cd));
  AOT_ASSIGN_OR_RETURN(Tensor gw, NewResult(call, 1, cd));
  AOT_ASSIGN_OR_RETURN(Tensor gb, NewResult(call, 2, cd));
  VisitCompute(cd, [&]<typename C>() {
    if (channels == 0) return;
    const C* gp = PtrOrNull<C>(g);
    const C* xp = PtrOrNull<C>(x);
    const C* wp = PtrOrNull<C>(w);
    std::vector<double> mean(channels, 0.0), invstd(channels, 0.0);
    ReduceLayout layout;
    if (count > 0) layout = ChannelLayout(x);
    if (use_saved) {
      for (int64_t c = 0; c < channels; ++c) {
        mean[c] = sm.data_ptr<C>()[c];
        invstd[c] = si.data_ptr<C>()[c];
      }
    } else if (!training) {
      for (int64_t c = 0; c < channels; ++c) {
        mean[c] = rm.data_ptr<C>()[c];
        invstd[c] = 1.0 / std::sqrt(static_cast<double>(rv.data_ptr<C>()[c]) + eps);
      }
    } else if (count > 0) {
      mean = Reduce(layout, SumOp<C, double>{xp});
      for (double& v : mean) v /= static_cast<double>(count);
      std::vector<double> m2 = Reduce(layout, SqDevOp<C>{xp, mean.data()});
      for (int64_t c = 0; c < channels; ++c) invstd[c] = 1.0 / std::sqrt(m2[c] / count + eps);
    }
    std::vector<double> sg = ReduceOrInit(x.numel(), layout, channels, SumOp<C, double>{gp});
    std::vector<double> sgx = ReduceOrInit(x.numel(), layout, channels, CenteredDotOp<C>{gp, xp, mean.data()});
    C* gwp = gw.data_ptr<C>();
    C* gbp = gb.data_ptr<C>();
    // grad_input = a * (g - b - (x - mean) * q) per channel.
    std::vector<C> m(channels), a(channels), b(channels), q(channels);
    for (int64_t c = 0; c < channels; ++c) {
      gwp[c] = static_cast<C>(sgx[c] * invstd[c]);
      gbp[c] = static_cast<C>(sg[c]);
      const double wc = wp != nullptr ? wp[c] : 1.0;
      m[c] = static_cast<C>(mean[c]);
      a[c] = static_cast<C>(wc * invstd[c]);
      b[c] = training && count > 0 ? static_cast<C>(sg[c] / count) : C(0);
      q[c] = training && count > 0 ? static_cast<C>(invstd[c] * invstd[c] * sgx[c] / count) : C(0);
    }
    if (x.numel() == 0) return;
    C* out = gi.data_ptr<C>();
    ParallelFor(batch * channels, std::max<int64_t>(1, kGrain / plane), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        const int64_t c = i % channels;
        const C* gr = gp + i * plane;
        const C* xr = xp + i * plane;
        C* o = out + i * plane;
        const C mc = m[c], ac = a[c], bc = b[c], qc = q[c];
        for (int64_t j = 0; j < plane; ++j) o[j] = ac * (gr[j] - bc - (xr[j] - mc) * qc);
      }
    });
  });
  return Finish(call, {gi, gw, gb});
}

// --- Losses -----------------------------------------------------------------------------------

constexpr int64_t kReductionNone = 0, kReductionMean = 1;

// Targets of nll_loss/cross_entropy as i64, checked against the class count.
absl::StatusOr<Tensor> CheckedTargets(const OpCall& call, int64_t classes) {
  AOT_ASSIGN_OR_RETURN(Tensor target, Contiguous(call.input(1), DType::kInt64).Checked());
  const int64_t ignore = call.attr("ignore_index").i();
  const int64_t* t = PtrOrNull<int64_t>(target);
  for (int64_t i = 0; i < target.numel(); ++i) {
    if (t[i] != ignore && (t[i] < 0 || t[i] >= classes)) {
      return absl::InvalidArgumentError(absl::StrCat(call.op->name(), "(): target ", t[i], " at index ", i,
                                                     " is out of bounds for ", classes, " classes"));
    }
  }
  return target;
}

// nll_loss and cross_entropy (label smoothing as PyTorch:
// (1 - eps) * nll + eps / C * smooth, smooth_i = -sum_c w_c log p_ic, both
// divided by the summed target weights for 'mean').
template <bool kCrossEntropy>
KernelResult ClassLossKernel(const OpCall& call) {
  const DType cd = ComputeDType(call.input(0).dtype());
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(0), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(2), cd));
  const int64_t classes = x.size(-1);
  const int64_t rows = x.dim() == 2 ? x.size(0) : 1;
  AOT_ASSIGN_OR_RETURN(Tensor target, CheckedTargets(call, classes));
  const int64_t reduction = call.attr("reduction").i();
  const int64_t ignore = call.attr("ignore_index").i();
  double smoothing = 0;
  if constexpr (kCrossEntropy) {
    smoothing = call.attr("label_smoothing").f();
    if (!(smoothing >= 0.0 && smoothing <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cross_entropy(): label_smoothing must be between 0.0 and 1.0, got ", smoothing));
    }
  }
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, cd));
  VisitCompute(cd, [&]<typename C>() {
    const C* xp = PtrOrNull<C>(x);
    const C* wp = PtrOrNull<C>(w);
    const int64_t* tp = PtrOrNull<int64_t>(target);
    double wall = 0;  // Sum of all class weights (smoothing).
    if (smoothing > 0) wall = wp != nullptr ? SumRow(wp, classes) : static_cast<double>(classes);
    std::vector<double> loss(rows), weight(rows);
    ParallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(classes, 1)), [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t t = tp[i];
        if (t == ignore) {
          loss[i] = weight[i] = 0;
          continue;
        }
        const C* xr = xp + i * classes;
        const double wt = wp != nullptr ? wp[t] : 1.0;
        weight[i] = wt;
        if constexpr (!kCrossEntropy) {
          loss[i] = -wt * xr[t];
        } else {
          const C m = MaxRow(xr, classes);
          const double lse = m + std::log(ExpShiftSum<C>(xr, m, nullptr, classes));
          double l = -wt * (xr[t] - lse);
          if (smoothing > 0) {
            const double wx = wp != nullptr ? DotRow(wp, xr, classes) : SumRow(xr, classes);
            const double smooth = -(wx - lse * wall);
            l = (1 - smoothing) * l + smoothing / classes * smooth;
          }
          loss[i] = l;
        }
      }
    });
    C* op = out.data_ptr<C>();
    if (reduction == kReductionNone) {
      for (int64_t i = 0; i < rows; ++i) op[i] = static_cast<C>(loss[i]);
      return;
    }
    double total = 0, wsum = 0;
    for (int64_t i = 0; i < rows; ++i) {
      total += loss[i];
      wsum += weight[i];
    }
    op[0] = static_cast<C>(reduction == kReductionMean ? total / wsum : total);
  });
  return Finish(call, {out});
}

// The factor grad_output contributes to row i of a loss backward: per row
// for reduction none, the single value otherwise.
absl::StatusOr<Tensor> LossGrad(const OpCall& call, int64_t expected_none, DType cd) {
  const int64_t reduction = call.attr("reduction").i();
  if (reduction < 0 || reduction > 2) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(),
                                                   "(): reduction must be 0 (none), 1 (mean) or 2 (sum), got ",
                                                   reduction));
  }
  const Tensor& g = call.input(0);
  const int64_t want = reduction == kReductionNone ? expected_none : 1;
  if (g.numel() != want) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(), "(): grad_output ", g.meta().ToString(),
                                                   " must have ", want, " element(s) for reduction ", reduction));
  }
  return Contiguous(g, cd).Checked();
}

KernelResult NllLossBackwardKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(RequireFloatResult(call));
  const DType cd = ComputeDType(call.input(1).dtype());
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(1), cd).Checked());
  if (x.dim() < 1 || x.dim() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("nll_loss_backward(): self must have rank 1 or 2, got ", x.meta().ToString()));
  }
  const int64_t classes = x.size(-1);
  const int64_t rows = x.dim() == 2 ? x.size(0) : 1;
  AOT_ASSIGN_OR_RETURN(Tensor g, LossGrad(call, rows, cd));
  AOT_ASSIGN_OR_RETURN(Tensor w, OptionalDense(call.optional_input(3), cd));
  if (call.input(2).numel() != rows || (w.defined() && w.numel() != classes)) {
    return absl::InvalidArgumentError(absl::StrCat("nll_loss_backward(): target ", call.input(2).meta().ToString(),
                                                   " must have ", rows, " values and weight ", classes));
  }
  // CheckedTargets reads operand 1 as the target; here it is operand 2.
  AOT_ASSIGN_OR_RETURN(Tensor target, Contiguous(call.input(2), DType::kInt64).Checked());
  const int64_t ignore = call.attr("ignore_index").i();
  const int64_t reduction = call.attr("reduction").i();
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, cd));
  absl::Status status;
  VisitCompute(cd, [&]<typename C>() {
    const C* wp = PtrOrNull<C>(w);
    const C* gp = g.data_ptr<C>();
    const int64_t* tp = PtrOrNull<int64_t>(target);
    C* out = PtrOrNull<C>(gi);
    if (out != nullptr) std::memset(out, 0, sizeof(C) * gi.numel());
    double wsum = 0;
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t t = tp[i];
      if (t == ignore) continue;
      if (t < 0 || t >= classes) {
        status = absl::InvalidArgumentError(absl::StrCat("nll_loss_backward(): target ", t, " at index ", i,
                                                         " is out of bounds for ", classes, " classes"));
        return;
      }
      wsum += wp != nullptr ? wp[t] : 1.0;
    }
    for (int64_t i = 0; i < rows; ++i) {
      const int64_t t = tp[i];
      if (t == ignore) continue;
      const double wt = wp != nullptr ? wp[t] : 1.0;
      const double gv = reduction == kReductionNone ? gp[i] : (reduction == kReductionMean ? gp[0] / wsum : gp[0]);
      out[i * classes + t] = static_cast<C>(-wt * gv);
    }
  });
  AOT_RETURN_IF_ERROR(status);
  return Finish(call, {gi});
}

// Sum of (a - b)^2 in double.
template <typename C>
double SqDiffSum(const C* a, const C* b, int64_t n) {
  std::vector<double> partial(NumThreads(), 0.0);
  int tasks = ParallelChunks(n, kGrain, [&](int t, int64_t lo, int64_t hi) {
    double total = 0;
    for (int64_t s = lo; s < hi; s += kSumBlock) {
      const C* pa = a + s;
      const C* pb = b + s;
      const int64_t len = std::min(kSumBlock, hi - s);
      if constexpr (std::is_same_v<C, float>) {
        total += LaneReduce<32, float>(len, 0.0f, [pa, pb](int64_t i) {
          float d = pa[i] - pb[i];
          return d * d;
        }, Plus());
      } else {
        total += LaneReduce<16, double>(len, 0.0, [pa, pb](int64_t i) {
          double d = pa[i] - pb[i];
          return d * d;
        }, Plus());
      }
    }
    partial[t] = total;
  });
  double total = 0;
  for (int t = 0; t < tasks; ++t) total += partial[t];
  return total;
}

KernelResult MseLossKernel(const OpCall& call) {
  const DType cd = ComputeDType(call.result_metas[0].dtype);
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(0), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor t, Contiguous(call.input(1), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, cd));
  const int64_t reduction = call.attr("reduction").i();
  const int64_t n = x.numel();
  VisitCompute(cd, [&]<typename C>() {
    const C* xp = PtrOrNull<C>(x);
    const C* tp = PtrOrNull<C>(t);
    C* op = PtrOrNull<C>(out);
    if (reduction == kReductionNone) {
      ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          C d = xp[i] - tp[i];
          op[i] = d * d;
        }
      });
      return;
    }
    const double total = n > 0 ? SqDiffSum(xp, tp, n) : 0.0;
    op[0] = static_cast<C>(reduction == kReductionMean ? total / static_cast<double>(n) : total);
  });
  return Finish(call, {out});
}

KernelResult MseLossBackwardKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(RequireFloatResult(call));
  const DType cd = ComputeDType(call.result_metas[0].dtype);
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(1), cd).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor t, Contiguous(call.input(2), cd).Checked());
  if (x.sizes() != t.sizes()) {
    return absl::InvalidArgumentError(absl::StrCat("mse_loss_backward(): self ", x.meta().ToString(),
                                                   " and target ", t.meta().ToString(), " differ in shape"));
  }
  const int64_t n = x.numel();
  AOT_ASSIGN_OR_RETURN(Tensor g, LossGrad(call, n, cd));
  AOT_ASSIGN_OR_RETURN(Tensor gi, NewResult(call, 0, cd));
  const int64_t reduction = call.attr("reduction").i();
  VisitCompute(cd, [&]<typename C>() {
    const C* xp = PtrOrNull<C>(x);
    const C* tp = PtrOrNull<C>(t);
    const C* gp = PtrOrNull<C>(g);
    C* op = PtrOrNull<C>(gi);
    if (n == 0) return;
    if (reduction == kReductionNone) {
      ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) op[i] = C(2) * (xp[i] - tp[i]) * gp[i];
      });
      return;
    }
    const C scale = static_cast<C>(2.0 * gp[0] / (reduction == kReductionMean ? static_cast<double>(n) : 1.0));
    ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) op[i] = (xp[i] - tp[i]) * scale;
    });
  });
  return Finish(call, {gi});
}

}  // namespace

AOT_REGISTER_KERNEL(kSoftmax, kCPU, SoftmaxKernel<false>);
AOT_REGISTER_KERNEL(kLogSoftmax, kCPU, SoftmaxKernel<true>);
AOT_REGISTER_KERNEL(kSoftmaxBackward, kCPU, SoftmaxBackwardKernel<false>);
AOT_REGISTER_KERNEL(kLogSoftmaxBackward, kCPU, SoftmaxBackwardKernel<true>);
AOT_REGISTER_KERNEL(kLayerNorm, kCPU, LayerNormKernel);
AOT_REGISTER_KERNEL(kLayerNormBackward, kCPU, LayerNormBackwardKernel);
AOT_REGISTER_KERNEL(kBatchNorm, kCPU, BatchNormKernel);
AOT_REGISTER_KERNEL(kBatchNormBackward, kCPU, BatchNormBackwardKernel);
AOT_REGISTER_KERNEL(kNllLoss, kCPU, ClassLossKernel<false>);
AOT_REGISTER_KERNEL(kCrossEntropy, kCPU, ClassLossKernel<true>);
AOT_REGISTER_KERNEL(kNllLossBackward, kCPU, NllLossBackwardKernel);
AOT_REGISTER_KERNEL(kMseLoss, kCPU, MseLossKernel);
AOT_REGISTER_KERNEL(kMseLossBackward, kCPU, MseLossBackwardKernel);

}  // namespace aot::cpu
