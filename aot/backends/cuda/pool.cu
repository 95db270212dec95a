// Device code of 2-D pooling (max with indices, average, adaptive average)
// and batch_norm, with their backward ops. The windows and edge rules are
// those of aot/backends/cpu/pool_kernels.cc, the formulas those of
// aot/backends/cpu/nn_kernels.cc; arithmetic is in float for 16-bit floats
// and f32, in double for f64.
//
// Pooling: a thread per output element (forward) or per input element
// (backward: it gathers from the outputs whose window covers it, in output
// order, so the sums are deterministic and need no atomics).
// batch_norm: blocks per (channel, chunk) compute the statistics (see
// below), then an elementwise pass applies them.
#include <cmath>
#include <cstdint>

#include "aot/backends/cuda/device_common.cuh"
#include "aot/backends/cuda/device_kernels.h"

namespace aot::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kStatThreads = 512;

template <typename C>
struct SumOp {
  __device__ C Init() const { return C(0); }
  __device__ C Combine(C a, C b) const { return a + b; }
};

template <typename C>
struct Pair {
  C a;
  C b;
};

template <typename C>
struct PairSumOp {
  __device__ Pair<C> Init() const { return {C(0), C(0)}; }
  __device__ Pair<C> Combine(Pair<C> x, Pair<C> y) const { return {x.a + y.a, x.b + y.b}; }
};

// Sums `v` over the block; every thread gets the result.
template <typename A, typename Op>
__device__ __forceinline__ A BlockAllReduce(A v, const Op& op) {
  __shared__ A scratch[33];
  v = BlockReduce(v, op, scratch);
  if (threadIdx.x == 0) scratch[32] = v;
  __syncthreads();
  const A r = scratch[32];
  __syncthreads();
  return r;
}

__device__ __forceinline__ int64_t Min64(int64_t a, int64_t b) { return a < b ? a : b; }
__host__ inline int64_t Min64Host(int64_t a, int64_t b) { return a < b ? a : b; }
__device__ __forceinline__ int64_t Max64(int64_t a, int64_t b) { return a > b ? a : b; }

// --- max_pool2d_with_indices ---------------------------------------------------------

template <typename T>
__global__ void MaxPoolKernel(const T* x, T* y, int64_t* ind, PoolArgs a, int64_t total) {
  using C = Compute<T>;
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < total;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t ox = q % a.ow, oy = (q / a.ow) % a.oh, pl = q / (a.ow * a.oh);
    const T* in = x + pl * a.h * a.w;
    int64_t y0 = oy * a.sh - a.ph;
    const int64_t y1 = Min64(y0 + (a.kh - 1) * a.dh + 1, a.h);
    while (y0 < 0) y0 += a.dh;
    int64_t x0 = ox * a.sw - a.pw;
    const int64_t x1 = Min64(x0 + (a.kw - 1) * a.dw + 1, a.w);
    while (x0 < 0) x0 += a.dw;
    int64_t best = y0 * a.w + x0;
    C best_val = C(-INFINITY);
    for (int64_t iy = y0; iy < y1; iy += a.dh) {
      for (int64_t ix = x0; ix < x1; ix += a.dw) {
        const int64_t i = iy * a.w + ix;
        const C v = ToC(in[i]);
        if (v > best_val || isnan(v)) {
          best_val = v;
          best = i;
        }
      }
    }
    y[q] = FromC<T>(best_val);
    ind[q] = best;
  }
}

// The first output (of `out` along one axis) whose max-pool window can
// cover input position p, and one past the last (PyTorch's
// max_pool_backward_nchw bounds).
__device__ __forceinline__ void MaxCover(int64_t p, int64_t k, int64_t s, int64_t pad, int64_t d, int64_t out,
                                         int64_t* lo, int64_t* hi) {
  const int64_t span = (k - 1) * d + 1;
  *lo = p + pad < span ? 0 : (p + pad - span) / s + 1;
  *hi = Min64((p + pad) / s + 1, out);
}

template <typename T>
__global__ void MaxPoolBackwardKernel(const T* g, const int64_t* ind, T* gi, PoolArgs a, int64_t total) {
  using C = Compute<T>;
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < total;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t ix = q % a.w, iy = (q / a.w) % a.h, pl = q / (a.w * a.h);
    const int64_t i = iy * a.w + ix;
    int64_t ylo, yhi, xlo, xhi;
    MaxCover(iy, a.kh, a.sh, a.ph, a.dh, a.oh, &ylo, &yhi);
    MaxCover(ix, a.kw, a.sw, a.pw, a.dw, a.ow, &xlo, &xhi);
    const int64_t base = pl * a.oh * a.ow;
    C acc = C(0);
    for (int64_t oy = ylo; oy < yhi; ++oy) {
      for (int64_t ox = xlo; ox < xhi; ++ox) {
        const int64_t o = base + oy * a.ow + ox;
        if (ind[o] == i) acc += ToC(g[o]);
      }
    }
    gi[q] = FromC<T>(acc);
  }
}

// --- avg_pool2d ------------------------------------------------------------------------

struct AvgWindow {
  int64_t y0, y1, x0, x1, divisor;  // divisor 0: an empty window.
};

__device__ __forceinline__ AvgWindow AvgWindowAt(const PoolArgs& a, int64_t oy, int64_t ox) {
  AvgWindow win;
  win.y0 = oy * a.sh - a.ph;
  win.x0 = ox * a.sw - a.pw;
  win.y1 = Min64(win.y0 + a.kh, a.h + a.ph);
  win.x1 = Min64(win.x0 + a.kw, a.w + a.pw);
  const int64_t pool_size = (win.y1 - win.y0) * (win.x1 - win.x0);
  win.y0 = Max64(win.y0, 0);
  win.x0 = Max64(win.x0, 0);
  win.y1 = Min64(win.y1, a.h);
  win.x1 = Min64(win.x1, a.w);
  if (win.y0 >= win.y1 || win.x0 >= win.x1) {
    win.divisor = 0;
  } else if (a.divisor_override > 0) {
    win.divisor = a.divisor_override;
  } else {
    win.divisor = a.count_include_pad ? pool_size : (win.y1 - win.y0) * (win.x1 - win.x0);
  }
  return win;
}

template <typename T>
__global__ void AvgPoolKernel(const T* x, T* y, PoolArgs a, int64_t total) {
  using C = Compute<T>;
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < total;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t ox = q % a.ow, oy = (q / a.ow) % a.oh, pl = q / (a.ow * a.oh);
    const T* in = x + pl * a.h * a.w;
    const AvgWindow win = AvgWindowAt(a, oy, ox);
    C sum = C(0);
    for (int64_t iy = win.y0; iy < win.y1; ++iy) {
      for (int64_t ix = win.x0; ix < win.x1; ++ix) sum += ToC(in[iy * a.w + ix]);
    }
    y[q] = FromC<T>(win.divisor == 0 ? C(0) : sum / static_cast<C>(win.divisor));
  }
}

template <typename T>
__global__ void AvgPoolBackwardKernel(const T* g, T* gi, PoolArgs a, int64_t total) {
  using C = Compute<T>;
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < total;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t ix = q % a.w, iy = (q / a.w) % a.h, pl = q / (a.w * a.h);
    // Outputs o with o * s - p <= i < o * s - p + k.
    const int64_t ylo = Max64(0, (iy + a.ph - a.kh + a.sh) / a.sh), yhi = Min64(a.oh, (iy + a.ph) / a.sh + 1);
    const int64_t xlo = Max64(0, (ix + a.pw - a.kw + a.sw) / a.sw), xhi = Min64(a.ow, (ix + a.pw) / a.sw + 1);
    const T* src = g + pl * a.oh * a.ow;
    C acc = C(0);
    for (int64_t oy = ylo; oy < yhi; ++oy) {
      for (int64_t ox = xlo; ox < xhi; ++ox) {
        const AvgWindow win = AvgWindowAt(a, oy, ox);
        if (win.divisor == 0 || iy < win.y0 || iy >= win.y1 || ix < win.x0 || ix >= win.x1) continue;
        acc += ToC(src[oy * a.ow + ox]) / static_cast<C>(win.divisor);
      }
    }
    gi[q] = FromC<T>(acc);
  }
}

// --- adaptive_avg_pool2d ---------------------------------------------------------------

__device__ __forceinline__ int64_t AdaptiveStart(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }
__device__ __forceinline__ int64_t AdaptiveEnd(int64_t o, int64_t out, int64_t in) {
  return ((o + 1) * in + out - 1) / out;
}

template <typename T>
__global__ void AdaptiveAvgPoolKernel(const T* x, T* y, PoolArgs a, int64_t total) {
  using C = Compute<T>;
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < total;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t ox = q % a.ow, oy = (q / a.ow) % a.oh, pl = q / (a.ow * a.oh);
    const T* in = x + pl * a.h * a.w;
    const int64_t y0 = AdaptiveStart(oy, a.oh, a.h), y1 = AdaptiveEnd(oy, a.oh, a.h);
    const int64_t x0 = AdaptiveStart(ox, a.ow, a.w), x1 = AdaptiveEnd(ox, a.ow, a.w);
    C sum = C(0);
    for (int64_t iy = y0; iy < y1; ++iy) {
      for (int64_t ix = x0; ix < x1; ++ix) sum += ToC(in[iy * a.w + ix]);
    }
    y[q] = FromC<T>(sum / static_cast<C>((y1 - y0) * (x1 - x0)));
  }
}

// The outputs [lo, hi) (of `out`) whose adaptive window covers input p.
__device__ __forceinline__ void AdaptiveCover(int64_t p, int64_t out, int64_t in, int64_t* lo, int64_t* hi) {
  int64_t l = (p * out) / in;
  while (l > 0 && AdaptiveEnd(l - 1, out, in) > p) --l;
  int64_t h = (p * out) / in;
  while (h < out && AdaptiveStart(h, out, in) <= p) ++h;
  *lo = l;
  *hi = h;
}

template <typename T>
__global__ void AdaptiveAvgPoolBackwardKernel(const T* g, T* gi, PoolArgs a, int64_t total) {
  using C = Compute<T>;
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < total;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t ix = q % a.w, iy = (q / a.w) % a.h, pl = q / (a.w * a.h);
    int64_t ylo, yhi, xlo, xhi;
    AdaptiveCover(iy, a.oh, a.h, &ylo, &yhi);
    AdaptiveCover(ix, a.ow, a.w, &xlo, &xhi);
    const T* src = g + pl * a.oh * a.ow;
    C acc = C(0);
    for (int64_t oy = ylo; oy < yhi; ++oy) {
      const int64_t wy = AdaptiveEnd(oy, a.oh, a.h) - AdaptiveStart(oy, a.oh, a.h);
      for (int64_t ox = xlo; ox < xhi; ++ox) {
        const int64_t wx = AdaptiveEnd(ox, a.ow, a.w) - AdaptiveStart(ox, a.ow, a.w);
        acc += ToC(src[oy * a.ow + ox]) / static_cast<C>(wy * wx);
      }
    }
    gi[q] = FromC<T>(acc);
  }
}

// --- batch_norm --------------------------------------------------------------------------
//
// Statistics: the n * s values of a channel are cut into `splits` chunks, a
// block per (channel, chunk) computes the chunk's count, mean and squared
// deviations (two passes over the chunk, the second from cache), and a
// thread per channel combines the chunks (Chan et al., in double). The
// backward's per-channel sums go the same way.

// Chunks per channel: enough blocks to fill the GPU, at least 2048 values a
// chunk.
__host__ int64_t BnSplits(const BatchNormArgs& a) {
  const int64_t count = a.n * a.s;
  if (a.c == 0 || count == 0) return 1;
  int64_t splits = (4 * static_cast<int64_t>(NumSms()) + a.c - 1) / a.c;
  splits = Min64Host(splits, (count + 2047) / 2048);
  return splits < 1 ? 1 : splits;
}

// Element k (of n * s) of channel ch in an [n, c, s] array.
__device__ __forceinline__ int64_t ChannelElem(int64_t k, int64_t ch, const BatchNormArgs& a) {
  const int64_t ni = k / a.s;
  return (ni * a.c + ch) * a.s + (k - ni * a.s);
}

// The chunk [k0, k1) of block (channel, split).
__device__ __forceinline__ void Chunk(const BatchNormArgs& a, int64_t splits, int64_t* k0, int64_t* k1) {
  const int64_t count = a.n * a.s;
  const int64_t per = (count + splits - 1) / splits;
  *k0 = Min64(count, blockIdx.y * per);
  *k1 = Min64(count, *k0 + per);
}

// Per (channel, split): count, mean and m2 of the chunk, as doubles.
template <typename T>
__global__ void __launch_bounds__(kStatThreads) BnMomentsPartial(const T* x, BatchNormArgs a, int64_t splits,
                                                                 double* partial) {
  using C = Compute<T>;
  const int64_t ch = blockIdx.x;
  int64_t k0, k1;
  Chunk(a, splits, &k0, &k1);
  C s = C(0);
  for (int64_t k = k0 + threadIdx.x; k < k1; k += blockDim.x) s += ToC(x[ChannelElem(k, ch, a)]);
  const int64_t cnt = k1 - k0;
  const C total = BlockAllReduce(s, SumOp<C>());
  const C mu = cnt > 0 ? total / static_cast<C>(cnt) : C(0);
  C d2 = C(0);
  for (int64_t k = k0 + threadIdx.x; k < k1; k += blockDim.x) {
    const C d = ToC(x[ChannelElem(k, ch, a)]) - mu;
    d2 += d * d;
  }
  d2 = BlockAllReduce(d2, SumOp<C>());
  if (threadIdx.x == 0) {
    double* p = partial + 3 * (ch * splits + blockIdx.y);
    p[0] = static_cast<double>(cnt);
    p[1] = static_cast<double>(mu);
    p[2] = static_cast<double>(d2);
  }
}

// Combines a channel's chunks: its mean and m2.
__device__ __forceinline__ void CombineMoments(const double* partial, int64_t ch, int64_t splits, double* mean,
                                               double* m2) {
  double n = 0, mu = 0, q = 0;
  for (int64_t sp = 0; sp < splits; ++sp) {
    const double* p = partial + 3 * (ch * splits + sp);
    if (p[0] == 0) continue;
    const double nb = p[0], total = n + nb, d = p[1] - mu;
    mu += d * nb / total;
    q += p[2] + d * d * n * nb / total;
    n = total;
  }
  *mean = mu;
  *m2 = q;
}

// A thread per channel: the saved and running statistics (new_rm and new_rv
// may be null: the backward's recomputation).
template <typename T>
__global__ void BnFinalize(const double* partial, int64_t splits, const Compute<T>* rm, const Compute<T>* rv,
                           Compute<T>* save_mean, Compute<T>* save_invstd, Compute<T>* new_rm, Compute<T>* new_rv,
                           BatchNormArgs a) {
  using C = Compute<T>;
  const int64_t ch = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (ch >= a.c) return;
  const int64_t count = a.n * a.s;
  if (!a.training) {
    save_mean[ch] = rm[ch];
    save_invstd[ch] = static_cast<C>(1.0 / sqrt(static_cast<double>(rv[ch]) + a.eps));
    if (new_rm != nullptr) {
      new_rm[ch] = rm[ch];
      new_rv[ch] = rv[ch];
    }
    return;
  }
  if (count == 0) {
    save_mean[ch] = save_invstd[ch] = C(NAN);
    if (new_rm != nullptr) {
      new_rm[ch] = rm != nullptr ? rm[ch] : C(0);
      new_rv[ch] = rv != nullptr ? rv[ch] : C(1);
    }
    return;
  }
  double mu, m2;
  CombineMoments(partial, ch, splits, &mu, &m2);
  const double var = m2 / static_cast<double>(count);
  const double unbiased = m2 / static_cast<double>(count - 1);
  const double m = a.momentum;
  save_mean[ch] = static_cast<C>(mu);
  save_invstd[ch] = static_cast<C>(1.0 / sqrt(var + a.eps));
  if (new_rm != nullptr) {
    new_rm[ch] = static_cast<C>(rm != nullptr ? (1 - m) * static_cast<double>(rm[ch]) + m * mu : mu);
    new_rv[ch] = static_cast<C>(rv != nullptr ? (1 - m) * static_cast<double>(rv[ch]) + m * unbiased : unbiased);
  }
}

// y = (x - mean[ch]) * (invstd[ch] * w[ch]) + b[ch].
template <typename T>
__global__ void BatchNormApply(const T* x, const Compute<T>* w, const Compute<T>* b, const Compute<T>* mean,
                               const Compute<T>* invstd, T* y, BatchNormArgs a, int64_t total) {
  using C = Compute<T>;
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < total;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t ch = (q / a.s) % a.c;
    const C scale = invstd[ch] * (w != nullptr ? w[ch] : C(1));
    const C shift = b != nullptr ? b[ch] : C(0);
    y[q] = FromC<T>((ToC(x[q]) - mean[ch]) * scale + shift);
  }
}

// The mean and invstd of channel ch that normalised x in the forward.
template <typename C>
__device__ __forceinline__ void BnStatsOf(BnStats stats, const C* stat_mean, const C* stat_b, int64_t ch, double eps,
                                          C* mean, C* invstd) {
  *mean = stat_mean[ch];
  *invstd = stats == BnStats::kRunning ? static_cast<C>(1.0 / sqrt(static_cast<double>(stat_b[ch]) + eps))
                                       : stat_b[ch];
}

// Per (channel, split): sum of g and of g * (x - mean).
template <typename T>
__global__ void __launch_bounds__(kStatThreads)
    BnBackwardPartial(const T* g, const T* x, BnStats stats, const Compute<T>* stat_mean, const Compute<T>* stat_b,
                      BatchNormArgs a, int64_t splits, double* partial) {
  using C = Compute<T>;
  const int64_t ch = blockIdx.x;
  C mean, invstd;
  BnStatsOf(stats, stat_mean, stat_b, ch, a.eps, &mean, &invstd);
  int64_t k0, k1;
  Chunk(a, splits, &k0, &k1);
  Pair<C> p{C(0), C(0)};
  for (int64_t k = k0 + threadIdx.x; k < k1; k += blockDim.x) {
    const int64_t i = ChannelElem(k, ch, a);
    const C gv = ToC(g[i]);
    p.a += gv;
    p.b += gv * (ToC(x[i]) - mean);
  }
  p = BlockAllReduce(p, PairSumOp<C>());
  if (threadIdx.x == 0) {
    partial[2 * (ch * splits + blockIdx.y)] = static_cast<double>(p.a);
    partial[2 * (ch * splits + blockIdx.y) + 1] = static_cast<double>(p.b);
  }
}

// A thread per channel: gw, gb and the coefficients of
// gi = a * (g - b - (x - m) * q), stored in `coef` as [m, a, b, q] x c.
template <typename T>
__global__ void BnBackwardFinalize(const double* partial, int64_t splits, const Compute<T>* w, BnStats stats,
                                   const Compute<T>* stat_mean, const Compute<T>* stat_b, Compute<T>* gw,
                                   Compute<T>* gb, Compute<T>* coef, BatchNormArgs a) {
  using C = Compute<T>;
  const int64_t ch = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (ch >= a.c) return;
  const int64_t count = a.n * a.s;
  C mean, invstd;
  BnStatsOf(stats, stat_mean, stat_b, ch, a.eps, &mean, &invstd);
  double sgd = 0, sgxd = 0;
  for (int64_t sp = 0; sp < splits; ++sp) {
    sgd += partial[2 * (ch * splits + sp)];
    sgxd += partial[2 * (ch * splits + sp) + 1];
  }
  const C sg = static_cast<C>(sgd), sgx = static_cast<C>(sgxd);
  gw[ch] = sgx * invstd;
  gb[ch] = sg;
  const C wc = w != nullptr ? w[ch] : C(1);
  const bool batch = a.training && count > 0;
  coef[ch] = mean;
  coef[a.c + ch] = wc * invstd;
  coef[2 * a.c + ch] = batch ? sg / static_cast<C>(count) : C(0);
  coef[3 * a.c + ch] = batch ? invstd * invstd * sgx / static_cast<C>(count) : C(0);
}

template <typename T>
__global__ void BatchNormBackwardApply(const T* g, const T* x, const Compute<T>* coef, T* gi, BatchNormArgs a,
                                       int64_t total) {
  using C = Compute<T>;
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < total;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t ch = (q / a.s) % a.c;
    const C m = coef[ch], ac = coef[a.c + ch], bc = coef[2 * a.c + ch], qc = coef[3 * a.c + ch];
    gi[q] = FromC<T>(ac * (ToC(g[q]) - bc - (ToC(x[q]) - m) * qc));
  }
}

template <typename T>
using CPtr = const Compute<T>*;
template <typename T>
using MPtr = Compute<T>*;

}  // namespace

cudaError_t LaunchMaxPool2d(DT dtype, const void* x, void* y, int64_t* ind, const PoolArgs& a) {
  const int64_t total = a.planes * a.oh * a.ow;
  if (total == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    MaxPoolKernel<T><<<GridFor(total, kThreads), kThreads>>>(static_cast<const T*>(x), static_cast<T*>(y), ind, a,
                                                            total);
    return LastError();
  });
}

cudaError_t LaunchMaxPool2dBackward(DT dtype, const void* g, const int64_t* ind, void* gi, const PoolArgs& a) {
  const int64_t total = a.planes * a.h * a.w;
  if (total == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    MaxPoolBackwardKernel<T><<<GridFor(total, kThreads), kThreads>>>(static_cast<const T*>(g), ind,
                                                                    static_cast<T*>(gi), a, total);
    return LastError();
  });
}

cudaError_t LaunchAvgPool2d(DT dtype, const void* x, void* y, const PoolArgs& a) {
  const int64_t total = a.planes * a.oh * a.ow;
  if (total == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    AvgPoolKernel<T><<<GridFor(total, kThreads), kThreads>>>(static_cast<const T*>(x), static_cast<T*>(y), a, total);
    return LastError();
  });
}

cudaError_t LaunchAvgPool2dBackward(DT dtype, const void* g, void* gi, const PoolArgs& a) {
  const int64_t total = a.planes * a.h * a.w;
  if (total == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    AvgPoolBackwardKernel<T><<<GridFor(total, kThreads), kThreads>>>(static_cast<const T*>(g), static_cast<T*>(gi),
                                                                    a, total);
    return LastError();
  });
}

cudaError_t LaunchAdaptiveAvgPool2d(DT dtype, const void* x, void* y, const PoolArgs& a) {
  const int64_t total = a.planes * a.oh * a.ow;
  if (total == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    AdaptiveAvgPoolKernel<T><<<GridFor(total, kThreads), kThreads>>>(static_cast<const T*>(x), static_cast<T*>(y), a,
                                                                    total);
    return LastError();
  });
}

cudaError_t LaunchAdaptiveAvgPool2dBackward(DT dtype, const void* g, void* gi, const PoolArgs& a) {
  const int64_t total = a.planes * a.h * a.w;
  if (total == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    AdaptiveAvgPoolBackwardKernel<T><<<GridFor(total, kThreads), kThreads>>>(static_cast<const T*>(g),
                                                                            static_cast<T*>(gi), a, total);
    return LastError();
  });
}

int64_t BatchNormWorkspaceBytes(DT dtype, const BatchNormArgs& a) {
  (void)dtype;
  // Partials (3 doubles per chunk), then 6 per-channel arrays of doubles
  // (coefficients and recomputed statistics; wide enough for any dtype).
  return (3 * a.c * BnSplits(a) + 6 * a.c) * static_cast<int64_t>(sizeof(double));
}

cudaError_t LaunchBatchNorm(DT dtype, const void* x, const void* w, const void* b, const void* running_mean,
                            const void* running_var, void* y, void* save_mean, void* save_invstd, void* new_rm,
                            void* new_rv, const BatchNormArgs& a, void* workspace) {
  if (a.c == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    const int64_t splits = BnSplits(a);
    auto* partial = static_cast<double*>(workspace);
    if (a.training && a.n * a.s > 0) {
      BnMomentsPartial<T><<<dim3(static_cast<unsigned>(a.c), static_cast<unsigned>(splits)), kStatThreads>>>(
          static_cast<const T*>(x), a, splits, partial);
    }
    BnFinalize<T><<<static_cast<unsigned>((a.c + kThreads - 1) / kThreads), kThreads>>>(
        partial, splits, static_cast<CPtr<T>>(running_mean), static_cast<CPtr<T>>(running_var),
        static_cast<MPtr<T>>(save_mean), static_cast<MPtr<T>>(save_invstd), static_cast<MPtr<T>>(new_rm),
        static_cast<MPtr<T>>(new_rv), a);
    const int64_t total = a.n * a.c * a.s;
    if (total > 0) {
      BatchNormApply<T><<<GridFor(total, kThreads), kThreads>>>(
          static_cast<const T*>(x), static_cast<CPtr<T>>(w), static_cast<CPtr<T>>(b),
          static_cast<CPtr<T>>(save_mean), static_cast<CPtr<T>>(save_invstd), static_cast<T*>(y), a, total);
    }
    return LastError();
  });
}

cudaError_t LaunchBatchNormBackward(DT dtype, const void* g, const void* x, const void* w, BnStats stats,
                                    const void* stat_mean, const void* stat_b, void* gi, void* gw, void* gb,
                                    const BatchNormArgs& a, void* workspace) {
  if (a.c == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    using C = Compute<T>;
    const int64_t splits = BnSplits(a);
    auto* partial = static_cast<double*>(workspace);
    // Per-channel arrays after the partials, each a.c doubles wide.
    auto* base = reinterpret_cast<C*>(partial + 3 * a.c * splits);
    C* coef = base;                          // 4 arrays.
    C* mean = reinterpret_cast<C*>(partial + 3 * a.c * splits + 4 * a.c);
    C* invstd = reinterpret_cast<C*>(partial + 3 * a.c * splits + 5 * a.c);
    const unsigned cblocks = static_cast<unsigned>((a.c + kThreads - 1) / kThreads);
    const dim3 grid(static_cast<unsigned>(a.c), static_cast<unsigned>(splits));
    auto* mp = static_cast<CPtr<T>>(stat_mean);
    auto* bp = static_cast<CPtr<T>>(stat_b);
    if (stats == BnStats::kRecompute) {
      // The batch statistics, as the forward computes them; then as saved.
      if (a.n * a.s > 0) BnMomentsPartial<T><<<grid, kStatThreads>>>(static_cast<const T*>(x), a, splits, partial);
      BnFinalize<T><<<cblocks, kThreads>>>(partial, splits, nullptr, nullptr, mean, invstd, nullptr, nullptr, a);
      if (a.n * a.s == 0) {
        // No values: mean and invstd are 0, as the CPU kernel leaves them.
        cudaMemsetAsync(mean, 0, 2 * a.c * sizeof(double));
      }
      stats = BnStats::kSaved;
      mp = mean;
      bp = invstd;
    }
    if (a.n * a.s > 0) {
      BnBackwardPartial<T><<<grid, kStatThreads>>>(static_cast<const T*>(g), static_cast<const T*>(x), stats, mp, bp,
                                                   a, splits, partial);
    } else {
      cudaMemsetAsync(partial, 0, 2 * a.c * splits * sizeof(double));
    }
    BnBackwardFinalize<T><<<cblocks, kThreads>>>(partial, splits, static_cast<CPtr<T>>(w), stats, mp, bp,
                                                 static_cast<MPtr<T>>(gw), static_cast<MPtr<T>>(gb), coef, a);
    const int64_t total = a.n * a.c * a.s;
    if (total > 0) {
      BatchNormBackwardApply<T><<<GridFor(total, kThreads), kThreads>>>(
          static_cast<const T*>(g), static_cast<const T*>(x), coef, static_cast<T*>(gi), a, total);
    }
    return LastError();
  });
}

}  // namespace aot::cuda
