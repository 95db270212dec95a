// Device code of 2-D pooling (max with indices, average, adaptive average)
// and batch_norm, with their backward ops. The windows and edge rules are
// those of aot/backends/cpu/pool_kernels.cc, the formulas those of
// aot/backends/cpu/nn_kernels.cc; arithmetic is in float for 16-bit floats
// and f32, in double for f64.
//
// Pooling: a thread per output element (forward; max pooling two
// neighbouring outputs, see Note [Max pooling pairs], or four for 3x3
// windows of stride 2, Note [Max pooling quads]) or per input element
// (backward: it gathers from the outputs whose window covers it, in output
// order, so the sums are deterministic and need no atomics).
// batch_norm: in training, one cooperative kernel computes the statistics
// and applies them (Note [Fused batch_norm]); otherwise blocks per
// (channel, chunk) compute the statistics, then an elementwise pass applies
// them.
#include <cooperative_groups.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <type_traits>

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

// Note [Max pooling pairs]
// max_pool2d's forward gives each thread two horizontally neighbouring
// outputs of one plane (ox even): 32-bit index arithmetic inside the plane,
// a grid of (pairs of the plane, planes) so no thread divides by the plane
// size, windows unrolled for 2x2 and 3x3 kernels, and the two values and
// two int64 indices stored as 8- and 16-byte vectors where the output rows
// have even length. The inputs (loads through the read-only cache) are read
// from DRAM about once: the overlap of neighbouring windows is served by L1.
// On an H100, [32, 64, 112, 112] f32 with 3x3 windows, stride 2, padding 1,
// timed alone, moved (input + values + indices) at 51% of the
// device-to-device copy's bandwidth with a thread per output and 64-bit
// index arithmetic, 67-69% with 32-bit arithmetic, 84% with pairs, 88% with
// vector stores in 128-thread blocks (77% with the window size read at run
// time); 80% through //bench:cuda_ops (76 us, dispatch included). Staging
// the input rows of a block's outputs in shared memory ran at 64-66%. The
// scan order in a window (row-major, NaN wins, the first of equal maxima)
// is MaxPoolKernel's. 3x3 windows of stride 2 over f32 rows of a multiple
// of 8 take four outputs a thread instead (Note [Max pooling quads]).
constexpr int kPairThreads = 128;

// Whether the plane geometry fits the 32-bit arithmetic of MaxPoolPairs.
__host__ inline bool PairsFit(const PoolArgs& a) {
  const int64_t lim = INT_MAX / 4;
  return a.h * a.w < lim && a.oh * a.ow < lim && a.oh * a.sh + a.kh * a.dh < lim &&
         a.ow * a.sw + a.kw * a.dw + 2 < lim;
}

// K > 0: a K x K window (kh == kw == K); 0: the window read from `a`.
// kVecStore: ow is even and y, ind are aligned for 2-element vectors.
template <typename T, int K, bool kVecStore>
__global__ void __launch_bounds__(kPairThreads) MaxPoolPairs(const T* __restrict__ x, T* __restrict__ y,
                                                             int64_t* __restrict__ ind, PoolArgs a64) {
  using C = Compute<T>;
  const int h = static_cast<int>(a64.h), w = static_cast<int>(a64.w);
  const int oh = static_cast<int>(a64.oh), ow = static_cast<int>(a64.ow);
  const int kh = K > 0 ? K : static_cast<int>(a64.kh), kw = K > 0 ? K : static_cast<int>(a64.kw);
  const int sh = static_cast<int>(a64.sh), sw = static_cast<int>(a64.sw);
  const int ph = static_cast<int>(a64.ph), pw = static_cast<int>(a64.pw);
  const int dh = static_cast<int>(a64.dh), dw = static_cast<int>(a64.dw);
  const int pairs_per_row = (ow + 1) / 2;
  const int q = blockIdx.x * blockDim.x + threadIdx.x;
  if (q >= oh * pairs_per_row) return;
  const int oy = q / pairs_per_row, ox = 2 * (q - oy * pairs_per_row);
  const int64_t pl = static_cast<int64_t>(blockIdx.z) * gridDim.y + blockIdx.y;
  if (pl >= a64.planes) return;
  const int y0 = oy * sh - ph;
  const int ky0 = y0 < 0 ? (-y0 + dh - 1) / dh : 0;
  const T* in = x + pl * a64.h * a64.w;
  int best[2];
  C best_val[2];
#pragma unroll
  for (int t = 0; t < 2; ++t) {
    const int x0 = (ox + t) * sw - pw;
    const int kx0 = x0 < 0 ? (-x0 + dw - 1) / dw : 0;
    best[t] = (y0 + ky0 * dh) * w + (x0 + kx0 * dw);
    best_val[t] = C(-INFINITY);
  }
#pragma unroll
  for (int ky = 0; ky < kh; ++ky) {
    const int iy = y0 + ky * dh;
    if (iy < 0 || iy >= h) continue;
#pragma unroll
    for (int t = 0; t < 2; ++t) {
      const int x0 = (ox + t) * sw - pw;
#pragma unroll
      for (int kx = 0; kx < kw; ++kx) {
        const int ix = x0 + kx * dw;
        if (ix < 0 || ix >= w) continue;
        const int i = iy * w + ix;
        const C v = ToC(__ldg(in + i));
        if (v > best_val[t] || isnan(v)) {
          best_val[t] = v;
          best[t] = i;
        }
      }
    }
  }
  const int64_t o = pl * a64.oh * a64.ow + static_cast<int64_t>(oy) * ow + ox;
  if constexpr (kVecStore) {
    VecOf<T, 2> v2;
    v2.v[0] = FromC<T>(best_val[0]);
    v2.v[1] = FromC<T>(best_val[1]);
    *reinterpret_cast<VecOf<T, 2>*>(y + o) = v2;
    *reinterpret_cast<longlong2*>(ind + o) = make_longlong2(best[0], best[1]);
  } else {
    y[o] = FromC<T>(best_val[0]);
    ind[o] = best[0];
    if (ox + 1 < ow) {
      y[o + 1] = FromC<T>(best_val[1]);
      ind[o + 1] = best[1];
    }
  }
}

// Note [Max pooling quads]
// The commonest max pooling, 3x3 windows with stride 2 and padding 1 over
// f32 rows of a multiple of 8 (so ow = w / 2 and output rows are whole
// quads), gives each thread four neighbouring outputs of a row: their
// windows span input columns 8q - 1 .. 8q + 7, read per input row as two
// 16-byte vectors and one scalar (9 loads for 4 outputs, against 15 for a
// pair of MaxPoolPairs), a flat grid over all planes, and the four values
// and indices stored as one and two 16-byte vectors. The scan order in a
// window is MaxPoolKernel's. On an H100, [32, 64, 112, 112] through
// //bench:cuda_ops (2026-12-06, one run): 72.0 us a call (86% of the
// copy's bandwidth, events around each call), 65.1 us back to back (92%),
// against 79.4 us a call (77%) for MaxPoolPairs in the same session.
constexpr int kQuadThreads = 256;

__host__ inline bool QuadsFit(const PoolArgs& a) {
  return a.kh == 3 && a.kw == 3 && a.sh == 2 && a.sw == 2 && a.ph == 1 && a.pw == 1 && a.dh == 1 && a.dw == 1 &&
         a.w % 8 == 0 && a.ow * 2 == a.w && a.h < INT_MAX / 4 && a.h * a.w < INT_MAX / 4 &&
         a.planes * a.oh * (a.ow / 4) < INT_MAX / 2;
}

__global__ void __launch_bounds__(kQuadThreads) MaxPoolQuads(const float* __restrict__ x, float* __restrict__ y,
                                                              int64_t* __restrict__ ind, int h, int w, int oh,
                                                              int quads) {
  const int q = blockIdx.x * kQuadThreads + threadIdx.x;
  if (q >= quads) return;
  const int per_row = w / 8, per_plane = oh * per_row;
  const int pl = q / per_plane, r = q - pl * per_plane;
  const int oy = r / per_row, c0 = 8 * (r - oy * per_row);
  const float* in = x + static_cast<int64_t>(pl) * h * w;
  const int y0 = 2 * oy - 1;
  const int first_row = y0 < 0 ? 0 : y0;
  float best[4];
  int bi[4];
#pragma unroll
  for (int t = 0; t < 4; ++t) {
    const int x0 = c0 + 2 * t - 1;
    best[t] = -INFINITY;
    bi[t] = first_row * w + (x0 < 0 ? 0 : x0);
  }
#pragma unroll
  for (int ky = 0; ky < 3; ++ky) {
    const int iy = y0 + ky;
    if (iy < 0 || iy >= h) continue;
    const float* row = in + iy * w;
    const float4 a = __ldg(reinterpret_cast<const float4*>(row + c0));
    const float4 b = __ldg(reinterpret_cast<const float4*>(row + c0 + 4));
    const float v[9] = {c0 > 0 ? __ldg(row + c0 - 1) : -INFINITY, a.x, a.y, a.z, a.w, b.x, b.y, b.z, b.w};
#pragma unroll
    for (int t = 0; t < 4; ++t) {
#pragma unroll
      for (int kx = 0; kx < 3; ++kx) {
        const int col = c0 + 2 * t - 1 + kx;
        if (t == 0 && kx == 0 && c0 == 0) continue;  // The left padding.
        const float val = v[2 * t + kx];
        if (val > best[t] || isnan(val)) {
          best[t] = val;
          bi[t] = iy * w + col;
        }
      }
    }
  }
  const int64_t o = static_cast<int64_t>(q) * 4;  // Output rows are whole quads.
  *reinterpret_cast<float4*>(y + o) = make_float4(best[0], best[1], best[2], best[3]);
  *reinterpret_cast<longlong2*>(ind + o) = make_longlong2(bi[0], bi[1]);
  *reinterpret_cast<longlong2*>(ind + o + 2) = make_longlong2(bi[2], bi[3]);
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

// Note [Fused batch_norm]
// batch_norm in training is one cooperative kernel (all its blocks resident,
// so they can wait for each other): the n * s values of each channel are cut
// into `splits` units, a block per unit computes the unit's count, mean and
// squared deviations (Welford per vector of V values, merged as Chan et al.
// per thread and across the block) and stores them; the grid synchronises;
// then each block combines the `splits` partials of its unit's channel
// with a warp (in double), the unit's first block writes the saved and
// running statistics, and the block normalises its unit, walking it in
// reverse so that the values it read last, still in L1, are read first.
// The grid is at most two resident blocks an SM (splits = blocks / c), so
// every SM reduces and then normalises the same slice of x. x is read twice
// and y written once: the statistics must be complete before any output is
// written. Vectors are 16 bytes where s is a multiple of V and x and y are
// aligned, else single elements.
//
// On an H100, [32, 64, 56, 56] f32 (25.7 MB; counting 3 passes over it)
// timed alone moved 32% of the device-to-device copy's bandwidth with the
// three kernels below (statistics per (channel, chunk) with 64-bit division
// per element, finalize, apply); 82% as two vectorized kernels (statistics,
// then finalize-and-apply); 80% as this kernel walking forward, 87% in
// reverse; 79% through //bench:cuda_ops (33 us, dispatch included). An
// empty kernel timed the same way takes about 5 us. [256, 64, 56, 56]:
// 36%, 93% and 94%.
constexpr int kFusedThreads = 256;
constexpr int kFusedUnroll = 4;

struct BnFusedArgs {
  int c = 0;
  int splits = 1;
  unsigned sv = 0;    // Vectors per (sample, channel) plane: s / V.
  unsigned nv = 0;    // Vectors per channel: n * sv.
  unsigned per = 0;   // Vectors per unit.
  int64_t count = 0;  // Values per channel: n * s.
  double eps = 0, momentum = 0;
};

template <typename T, int V>
__device__ __forceinline__ VecOf<T, V> LoadVecOf(const VecOf<T, V>* p) {
  if constexpr (sizeof(VecOf<T, V>) == 16) {
    return LoadVec16(p);
  } else {
    return *p;
  }
}

// Offset (in vectors) of vector i of channel ch.
__device__ __forceinline__ int64_t FusedOffset(unsigned i, int ch, const BnFusedArgs& f) {
  const unsigned ni = i / f.sv, j = i - ni * f.sv;
  return (static_cast<int64_t>(ni) * f.c + ch) * f.sv + j;
}

template <typename T, int V>
__global__ void __launch_bounds__(kFusedThreads)
    BnForwardFused(const T* __restrict__ x, const Compute<T>* w, const Compute<T>* b, const Compute<T>* rm,
                   const Compute<T>* rv, T* __restrict__ y, Compute<T>* save_mean, Compute<T>* save_invstd,
                   Compute<T>* new_rm, Compute<T>* new_rv, BnFusedArgs f, double* partial) {
  using C = Compute<T>;
  using Vec = VecOf<T, V>;
  constexpr int kU = kFusedUnroll;
  const Vec* xv = reinterpret_cast<const Vec*>(x);
  Vec* yv = reinterpret_cast<Vec*>(y);
  const int units = f.c * f.splits;
  __shared__ Moments<C> scratch[32];
  for (int u = blockIdx.x; u < units; u += gridDim.x) {
    const int ch = u / f.splits, sp = u - ch * f.splits;
    const unsigned v0 = min(f.nv, sp * f.per), v1 = min(f.nv, v0 + f.per);
    Moments<C> acc{C(0), C(0), C(0)};
    for (unsigned base = v0 + threadIdx.x; base < v1; base += kU * kFusedThreads) {
      Vec buf[kU];
#pragma unroll
      for (int k = 0; k < kU; ++k) {
        const unsigned i = base + k * kFusedThreads;
        if (i < v1) buf[k] = LoadVecOf(xv + FusedOffset(i, ch, f));
      }
#pragma unroll
      for (int k = 0; k < kU; ++k) {
        if (base + k * kFusedThreads < v1) acc = MergeMoments(acc, VecMoments<T, V>(buf[k]));
      }
    }
    acc = BlockReduce(acc, MomentsOp<C>(), scratch);
    if (threadIdx.x == 0) {
      double* p = partial + 3 * static_cast<int64_t>(u);
      p[0] = static_cast<double>(v1 - v0) * V;
      p[1] = static_cast<double>(acc.mean);
      p[2] = static_cast<double>(acc.m2);
    }
  }
  cooperative_groups::this_grid().sync();
  __shared__ C stats[2];
  const int first = blockIdx.x, nmine = first < units ? (units - 1 - first) / gridDim.x + 1 : 0;
  for (int r = nmine - 1; r >= 0; --r) {
    const int u = first + r * gridDim.x;
    const int ch = u / f.splits, sp = u - ch * f.splits;
    __syncthreads();  // stats of the previous unit are read.
    if (threadIdx.x < 32) {
      Moments<double> mo{0, 0, 0};
      for (int k = threadIdx.x; k < f.splits; k += 32) {
        const double* p = partial + 3 * (static_cast<int64_t>(ch) * f.splits + k);
        mo = MergeMoments(mo, Moments<double>{p[0], p[1], p[2]});
      }
#pragma unroll
      for (int off = 16; off > 0; off >>= 1) {
        const Moments<double> o{__shfl_xor_sync(0xffffffffu, mo.n, off), __shfl_xor_sync(0xffffffffu, mo.mean, off),
                                __shfl_xor_sync(0xffffffffu, mo.m2, off)};
        mo = MergeMoments(mo, o);
      }
      if (threadIdx.x == 0) {
        const C mu = static_cast<C>(mo.mean);
        const C inv = static_cast<C>(1.0 / sqrt(mo.m2 / static_cast<double>(f.count) + f.eps));
        stats[0] = mu;
        stats[1] = inv;
        if (sp == 0) {
          save_mean[ch] = mu;
          save_invstd[ch] = inv;
          if (new_rm != nullptr) {
            const double unbiased = mo.m2 / static_cast<double>(f.count - 1), m = f.momentum;
            new_rm[ch] =
                static_cast<C>(rm != nullptr ? (1 - m) * static_cast<double>(rm[ch]) + m * mo.mean : mo.mean);
            new_rv[ch] =
                static_cast<C>(rv != nullptr ? (1 - m) * static_cast<double>(rv[ch]) + m * unbiased : unbiased);
          }
        }
      }
    }
    __syncthreads();
    const C mu = stats[0];
    const C scale = stats[1] * (w != nullptr ? w[ch] : C(1));
    const C shift = b != nullptr ? b[ch] : C(0);
    const unsigned v0 = min(f.nv, sp * f.per), v1 = min(f.nv, v0 + f.per);
    constexpr unsigned kStep = kU * kFusedThreads;
    const int steps = static_cast<int>((v1 - v0 + kStep - 1) / kStep);
    for (int it = steps - 1; it >= 0; --it) {
      const unsigned base = v0 + it * kStep + threadIdx.x;
      Vec buf[kU];
      int64_t off[kU];
#pragma unroll
      for (int k = 0; k < kU; ++k) {
        const unsigned i = base + k * kFusedThreads;
        if (i < v1) {
          off[k] = FusedOffset(i, ch, f);
          buf[k] = LoadVecOf(xv + off[k]);
        }
      }
#pragma unroll
      for (int k = 0; k < kU; ++k) {
        if (base + k * kFusedThreads < v1) {
          Vec o;
#pragma unroll
          for (int j = 0; j < V; ++j) o.v[j] = FromC<T>((ToC(buf[k].v[j]) - mu) * scale + shift);
          yv[off[k]] = o;
        }
      }
    }
  }
}

// Resident blocks per SM of BnForwardFused<T, V> on the current device
// (cached per device; 0 if it cannot run).
template <typename T, int V>
__host__ int FusedBlocksPerSm() {
  static int cached[64] = {};
  int dev = 0;
  cudaGetDevice(&dev);
  if (dev >= 0 && dev < 64 && cached[dev] != 0) return cached[dev] < 0 ? 0 : cached[dev];
  int coop = 0, occ = 0;
  if (cudaDeviceGetAttribute(&coop, cudaDevAttrCooperativeLaunch, dev) != cudaSuccess || coop == 0 ||
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&occ, BnForwardFused<T, V>, kFusedThreads, 0) != cudaSuccess) {
    cudaGetLastError();
    occ = 0;
  }
  if (dev >= 0 && dev < 64) cached[dev] = occ > 0 ? occ : -1;
  return occ;
}

// The most partials (3 doubles each) BnForwardFused stores: units =
// c * splits <= max(c, resident blocks), and at most 2048 / kFusedThreads
// blocks fit an SM.
__host__ int64_t FusedPartials(int64_t c) {
  const int64_t most_blocks = static_cast<int64_t>(2048 / kFusedThreads) * NumSms();
  return c > most_blocks ? c : most_blocks;
}

// Runs batch_norm's training forward as BnForwardFused if it applies here
// (Note [Fused batch_norm]); returns false, having launched nothing, if not.
template <typename T, int V>
__host__ bool TryBnForwardFused(const T* x, const Compute<T>* w, const Compute<T>* b, const Compute<T>* rm,
                                const Compute<T>* rv, T* y, Compute<T>* save_mean, Compute<T>* save_invstd,
                                Compute<T>* new_rm, Compute<T>* new_rv, const BatchNormArgs& a, double* partial) {
  const int64_t nv = a.n * (a.s / V);
  // 32-bit vector indices with room for the last step, and float counts
  // exact per thread.
  if (a.c > INT_MAX || nv > (int64_t{1} << 29) || a.s / V > UINT_MAX) return false;
  const int occ = FusedBlocksPerSm<T, V>();
  if (occ <= 0) return false;
  // At most two blocks an SM: larger units keep more of each SM's slice in
  // L1 for the second walk (87% of the copy vs 83% with four an SM).
  const int64_t resident = static_cast<int64_t>(occ < 2 ? occ : 2) * NumSms();
  int64_t splits = resident / a.c;
  splits = Min64Host(splits, (nv + kFusedUnroll * kFusedThreads - 1) / (kFusedUnroll * kFusedThreads));
  if (splits < 1) splits = 1;
  if (a.c * splits > INT_MAX) return false;
  BnFusedArgs f;
  f.c = static_cast<int>(a.c);
  f.splits = static_cast<int>(splits);
  f.sv = static_cast<unsigned>(a.s / V);
  f.nv = static_cast<unsigned>(nv);
  f.per = static_cast<unsigned>((nv + splits - 1) / splits);
  f.count = a.n * a.s;
  f.eps = a.eps;
  f.momentum = a.momentum;
  const unsigned grid = static_cast<unsigned>(Min64Host(resident, a.c * splits));
  void* args[] = {&x, &w, &b, &rm, &rv, &y, &save_mean, &save_invstd, &new_rm, &new_rv, &f, &partial};
  if (cudaLaunchCooperativeKernel(reinterpret_cast<const void*>(BnForwardFused<T, V>), grid, kFusedThreads, args, 0,
                                  nullptr) != cudaSuccess) {
    cudaGetLastError();  // E.g. too large where another context holds SMs: use the kernels below.
    return false;
  }
  return true;
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
    const T* xp = static_cast<const T*>(x);
    T* yp = static_cast<T*>(y);
    if constexpr (std::is_same_v<T, float>) {
      // See Note [Max pooling quads].
      if (QuadsFit(a) && reinterpret_cast<uintptr_t>(xp) % 16 == 0 && reinterpret_cast<uintptr_t>(yp) % 16 == 0 &&
          reinterpret_cast<uintptr_t>(ind) % 16 == 0) {
        const int quads = static_cast<int>(total / 4);
        MaxPoolQuads<<<(quads + kQuadThreads - 1) / kQuadThreads, kQuadThreads>>>(
            xp, yp, ind, static_cast<int>(a.h), static_cast<int>(a.w), static_cast<int>(a.oh), quads);
        return LastError();
      }
    }
    if (!PairsFit(a)) {
      MaxPoolKernel<T><<<GridFor(total, kThreads), kThreads>>>(xp, yp, ind, a, total);
      return LastError();
    }
    // See Note [Max pooling pairs].
    const int64_t pairs = a.oh * ((a.ow + 1) / 2);
    const int64_t gy = Min64Host(a.planes, 65535);
    const dim3 grid(static_cast<unsigned>((pairs + kPairThreads - 1) / kPairThreads), static_cast<unsigned>(gy),
                    static_cast<unsigned>((a.planes + gy - 1) / gy));
    const bool vec = a.ow % 2 == 0 && reinterpret_cast<uintptr_t>(yp) % (2 * sizeof(T)) == 0 &&
                     reinterpret_cast<uintptr_t>(ind) % 16 == 0;
    auto launch = [&]<int K>() {
      if (vec) {
        MaxPoolPairs<T, K, true><<<grid, kPairThreads>>>(xp, yp, ind, a);
      } else {
        MaxPoolPairs<T, K, false><<<grid, kPairThreads>>>(xp, yp, ind, a);
      }
    };
    if (a.kh == 3 && a.kw == 3) {
      launch.template operator()<3>();
    } else if (a.kh == 2 && a.kw == 2) {
      launch.template operator()<2>();
    } else {
      launch.template operator()<0>();
    }
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
  // Partials (3 doubles per chunk, or per unit of the fused kernel), then 6
  // per-channel arrays of doubles (coefficients and recomputed statistics;
  // wide enough for any dtype).
  const int64_t chunks = a.c * BnSplits(a);
  const int64_t units = a.training && a.c > 0 ? FusedPartials(a.c) : 0;
  return (3 * (chunks > units ? chunks : units) + 6 * a.c) * static_cast<int64_t>(sizeof(double));
}

cudaError_t LaunchBatchNorm(DT dtype, const void* x, const void* w, const void* b, const void* running_mean,
                            const void* running_var, void* y, void* save_mean, void* save_invstd, void* new_rm,
                            void* new_rv, const BatchNormArgs& a, void* workspace) {
  if (a.c == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    const int64_t splits = BnSplits(a);
    auto* partial = static_cast<double*>(workspace);
    if (a.training && a.n * a.s > 0) {
      // See Note [Fused batch_norm].
      constexpr int V = 16 / sizeof(T);
      const bool vec = a.s % V == 0 && reinterpret_cast<uintptr_t>(x) % 16 == 0 &&
                       reinterpret_cast<uintptr_t>(y) % 16 == 0;
      auto* xp = static_cast<const T*>(x);
      auto* yp = static_cast<T*>(y);
      auto* wp = static_cast<CPtr<T>>(w);
      auto* bp = static_cast<CPtr<T>>(b);
      auto* rmp = static_cast<CPtr<T>>(running_mean);
      auto* rvp = static_cast<CPtr<T>>(running_var);
      auto* smp = static_cast<MPtr<T>>(save_mean);
      auto* sip = static_cast<MPtr<T>>(save_invstd);
      auto* nmp = static_cast<MPtr<T>>(new_rm);
      auto* nvp = static_cast<MPtr<T>>(new_rv);
      if (vec ? TryBnForwardFused<T, V>(xp, wp, bp, rmp, rvp, yp, smp, sip, nmp, nvp, a, partial)
              : TryBnForwardFused<T, 1>(xp, wp, bp, rmp, rvp, yp, smp, sip, nmp, nvp, a, partial)) {
        return LastError();
      }
    }
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
