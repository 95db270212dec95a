// Device code of softmax, log_softmax, layer_norm and their backward ops, each
// one fused kernel (layer_norm's grad_weight/grad_bias add a column pass).
// Arithmetic is in float for 16-bit floats and f32, in double for f64, as
// aot/backends/cpu/nn_kernels.cc.
//
// Rows over the last dim of softmax, log_softmax, layer_norm and
// layer_norm_backward: see Note [Rows in registers]. Other rows (the softmax
// backward ops, rows too long for registers): a warp per row when rows have
// at most 1024 elements, else a block of 256 threads per row; each thread
// walks the row with a stride, the row's statistics are combined across the
// warp/block, and a second walk writes the output (the row is then in
// L1/L2). Softmax over another dim: a thread per column, so a warp reads
// consecutive elements.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "aot/backends/cuda/device_common.cuh"
#include "aot/backends/cuda/device_kernels.h"

namespace aot::cuda {
namespace {

constexpr int kBlock = 256;

// Running max and sum of exp(x - max): softmax's statistics in one pass.
template <typename C>
struct MaxSum {
  C m;
  C s;
};

template <typename C>
struct MaxSumOp {
  __device__ MaxSum<C> Init() const { return {C(-INFINITY), C(0)}; }
  __device__ MaxSum<C> Combine(MaxSum<C> a, MaxSum<C> b) const {
    if (isnan(a.m) || isnan(b.m)) return {C(NAN), C(NAN)};
    const C m = a.m > b.m ? a.m : b.m;
    if (m == C(-INFINITY)) return {m, C(0)};
    return {m, a.s * exp(a.m - m) + b.s * exp(b.m - m)};
  }
  __device__ MaxSum<C> Add(MaxSum<C> a, C x) const { return Combine(a, MaxSum<C>{x, C(1)}); }
};

template <typename C>
struct SumOp {
  __device__ C Init() const { return C(0); }
  __device__ C Combine(C a, C b) const { return a + b; }
};

template <typename C>
struct MaxOp {
  __device__ C Init() const { return C(-INFINITY); }
  __device__ C Combine(C a, C b) const { return max(a, b); }
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

// Combines `v` across the threads that share a row (a warp, or the block)
// and returns the result to all of them.
template <bool kWarp, typename A, typename Op>
__device__ __forceinline__ A RowAllReduce(A v, const Op& op) {
  if constexpr (kWarp) {
#pragma unroll
    for (int off = 16; off > 0; off >>= 1) {
      constexpr int kWords = (sizeof(A) + 3) / 4;
      unsigned w[kWords];
      memcpy(w, &v, sizeof(A));
#pragma unroll
      for (int i = 0; i < kWords; ++i) w[i] = __shfl_xor_sync(0xffffffffu, w[i], off);
      A o;
      memcpy(&o, w, sizeof(A));
      v = op.Combine(v, o);
    }
    return v;
  } else {
    __shared__ A scratch[33];
    v = BlockReduce(v, op, scratch);
    if (threadIdx.x == 0) scratch[32] = v;
    __syncthreads();
    return scratch[32];
  }
}

// The row handled by this thread group, its first element and the stride.
template <bool kWarp>
__device__ __forceinline__ bool RowOf(int64_t rows, int64_t* row, int* start, int* stride) {
  if constexpr (kWarp) {
    *row = blockIdx.x * static_cast<int64_t>(kBlock / 32) + (threadIdx.x >> 5);
    *start = threadIdx.x & 31;
    *stride = 32;
  } else {
    *row = blockIdx.x;
    *start = threadIdx.x;
    *stride = kBlock;
  }
  return *row < rows;
}

template <typename T, bool kLog, bool kWarp>
__global__ void __launch_bounds__(kBlock) SoftmaxRows(const T* x, T* y, int64_t rows, int64_t d) {
  using C = Compute<T>;
  int64_t row;
  int start, stride;
  if (!RowOf<kWarp>(rows, &row, &start, &stride)) return;
  const T* xr = x + row * d;
  T* yr = y + row * d;
  MaxSumOp<C> op;
  MaxSum<C> st = op.Init();
  for (int64_t j = start; j < d; j += stride) st = op.Add(st, ToC(xr[j]));
  st = RowAllReduce<kWarp>(st, op);
  const C log_s = log(st.s), inv = C(1) / st.s;
  for (int64_t j = start; j < d; j += stride) {
    const C v = ToC(xr[j]);
    yr[j] = FromC<T>(kLog ? (v - st.m) - log_s : exp(v - st.m) * inv);
  }
}

unsigned RowBlocks(int64_t rows, bool warp);

// Note [Rows in registers]
// Softmax, log_softmax and layer_norm (forward and backward) over rows of up
// to 1024 * 8 vectors of 16 bytes hold each row in registers. A row of up
// to 32 * 8 vectors (1024 f32, 2048 f16/bf16, 512 f64) is held by one warp,
// a longer one by a block of 64 to 1024 threads: each thread keeps kChunks
// vectors of the raw elements (vector c of thread t is vector
// c * threads + t of the row, so each load is coalesced). The row is read
// once with 16-byte loads, its statistics are combined across the warp or
// block, and the output is written once with 16-byte stores: 2 * sizeof(T)
// bytes moved per element. Rows whose start is not 16-byte aligned (a
// misaligned pointer, or d * sizeof(T) not a multiple of 16) use the same
// layout with scalar accesses.
//
// Elements past the row's end are loaded as a neutral value (-inf for
// softmax's max and sum of exp, 0 for sums), so the statistics passes need
// no bounds checks; only the variance and the backward sums, where a pad
// could meet an infinite mean or rstd, check the index in the last
// partial vector.
//
// The element count per thread, not the bytes, sets the arithmetic: a bf16
// row of 1024 is 32 elements per lane as an f32 row is, with half the bytes
// to hide them behind. bf16 softmax at 60% of the copy computed exp twice
// per element (for the sum, then for the output) and checked bounds per
// element. So softmax keeps exp(x - max) in registers (at most 32 elements
// per thread: 4 vectors of 16-bit types, 8 of f32 or f64; longer rows take
// a block rather than more vectors, which also keeps block rows under the
// 64 registers that 1024 threads leave), computes each exp once, with the
// hardware's approximation for 16-bit types (a few ulp of float, far below
// their rounding), and converts to bf16/f16 two at a time. layer_norm's
// backward holds g and x: at most 16 elements of each per thread. As the
// CPU, a NaN anywhere gives a NaN softmax row, and a row of -inf gives NaN.
template <typename T>
inline constexpr int kRowVec = 16 / sizeof(T);

template <typename T>
using RowVec = VecOf<T, kRowVec<T>>;

// Loads the vector of row `p` (d elements) that starts at element e; elements
// at or past d read as `pad`. `vec`: p is 16-byte aligned and d a multiple
// of the vector width.
template <typename T>
__device__ __forceinline__ RowVec<T> LoadRowVec(const T* __restrict__ p, int e, int d, bool vec, T pad) {
  constexpr int V = kRowVec<T>;
  RowVec<T> out;
  if (vec && e < d) {
    out = LoadVec16(reinterpret_cast<const RowVec<T>*>(p + e));
  } else {
#pragma unroll
    for (int j = 0; j < V; ++j) out.v[j] = e + j < d ? p[e + j] : pad;
  }
  return out;
}

// Stores the elements of `o` that lie before d at element e of row `p`.
template <typename T>
__device__ __forceinline__ void StoreRowVec(T* __restrict__ p, int e, int d, bool vec, const RowVec<T>& o) {
  if (vec) {
    if (e < d) *reinterpret_cast<RowVec<T>*>(p + e) = o;
  } else {
#pragma unroll
    for (int j = 0; j < kRowVec<T>; ++j) {
      if (e + j < d) p[e + j] = o.v[j];
    }
  }
}

// Rounds V compute-type values to T, two at a time for the 16-bit floats.
template <typename T, int V>
__device__ __forceinline__ VecOf<T, V> FromCVec(const Compute<T> (&f)[V]) {
  VecOf<T, V> o;
  if constexpr (std::is_same_v<T, bf16> && V % 2 == 0) {
#pragma unroll
    for (int j = 0; j < V; j += 2) reinterpret_cast<__nv_bfloat162*>(o.v)[j / 2] = __floats2bfloat162_rn(f[j], f[j + 1]);
  } else if constexpr (std::is_same_v<T, half> && V % 2 == 0) {
#pragma unroll
    for (int j = 0; j < V; j += 2) reinterpret_cast<__half2*>(o.v)[j / 2] = __floats2half2_rn(f[j], f[j + 1]);
  } else {
#pragma unroll
    for (int j = 0; j < V; ++j) o.v[j] = FromC<T>(f[j]);
  }
  return o;
}

// Loads 16 bytes read once (a row of x): through the read-only path
// without allocating in L1, which keeps layer_norm's w and b there. See
// Note [layer_norm warp rows].
__device__ __forceinline__ uint4 LoadOnce16(const void* p) {
  uint4 r;
  asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
               : "=r"(r.x), "=r"(r.y), "=r"(r.z), "=r"(r.w)
               : "l"(p));
  return r;
}

// Stores 16 bytes not read again by this kernel (a row of y) with the
// streaming hint (st.global.cs: evict first).
__device__ __forceinline__ void StoreStreaming16(void* p, uint4 v) { __stcs(static_cast<uint4*>(p), v); }

// Element j of a vector of bf16 or f16 as float. The conversion is volatile
// asm, redone at each use: with ToC the compiler converts once and keeps
// the floats live across the row reductions (twice the registers of the
// raw elements), which spilled layer_norm's bf16 kernel under its
// 48-register bound. See Note [layer_norm warp rows].
template <typename T>
__device__ __forceinline__ float ElemAtUse(const RowVec<T>& v, int j) {
  static_assert(sizeof(T) == 2);
  const unsigned w = reinterpret_cast<const unsigned*>(v.v)[j / 2];
  float f;
  if constexpr (std::is_same_v<T, bf16>) {
    if (j % 2 == 0) {
      asm volatile("shl.b32 %0, %1, 16;" : "=f"(f) : "r"(w));
    } else {
      asm volatile("and.b32 %0, %1, 0xffff0000;" : "=f"(f) : "r"(w));
    }
  } else {
    if (j % 2 == 0) {
      asm volatile("{ .reg .b16 l, h; mov.b32 {l, h}, %1; cvt.f32.f16 %0, l; }" : "=f"(f) : "r"(w));
    } else {
      asm volatile("{ .reg .b16 l, h; mov.b32 {l, h}, %1; cvt.f32.f16 %0, h; }" : "=f"(f) : "r"(w));
    }
  }
  return f;
}

// Note [layer_norm warp rows]
// layer_norm's rows of up to 32 * 4 vectors of 16-bit types or 32 * 8 of
// f32 and f64 (1024 elements) run a warp per row in blocks of 128 threads
// (4 rows), limited by __launch_bounds__ to 48 registers for 16-bit types
// (10 blocks, 40 warps an SM) and 64 for f32 (8 blocks, as 256-thread
// blocks of 64 registers had). With w and b both given, the output loop
// reads them as vectors without per-element null checks (those cost the
// bf16 kernel 16 more registers). On an H100, [65536, 1024] bf16 kernels
// timed alone moved 76% of the device-to-device copy's bandwidth with
// 256-thread blocks, 62 registers and the row also held as 32 floats; 83%
// without the floats (56 registers); 88% in 128-thread blocks; 90% with the
// 48-register bound (87% through //bench:cuda_ops, whose times include
// dispatch). Two rows per warp (more bytes in flight, w and b read once for
// both) took 99-109 registers, or spilled under a bound, and ran at 51-63%;
// a persistent warp that loads its next row before reducing the current one
// took 100 registers and ran at 63%.
//
// That 48-register kernel spilled (32 bytes): the compiler merged the
// per-use conversions of the raw bf16 elements into one and kept the 32
// floats live across the reductions. Converting through volatile asm at
// each use (ElemAtUse) fits in 48 registers without a spill. 16-bit rows of
// x are also read with ld.global.nc.L1::no_allocate (meant to keep the 80
// KB of rows in flight an SM from evicting w and b, which every row reads
// again, from L1; hit rates were not measured) and y is stored with
// st.global.cs. Through //bench:cuda_ops on an H100 ([65536, 1024] bf16,
// per call / back to back, % of the copy in the same run): 81.5% / 84.6%
// before; conversion at use 86.6% / 89.9%; plus the no-allocate loads
// 91.5% / 93.7%; plus the streaming stores instead 86.4% / 89.5%; all
// three 92% / 96.5%. The two hints are for 16-bit types only: on the f32
// kernel (64 registers, 96-97%) they cost 1% (the streaming store adds a
// 16-byte spill). Measured with the conversion at use, at 81-82% per call,
// and not kept: half a warp per row (two rows a warp, 8 vectors a lane, 64
// registers, no spill), 256-thread blocks, a one-pass shifted variance, and
// persistent warps that prefetch their next 1-3 rows into shared memory
// with cp.async (56-63 registers, 24-32 warps an SM). With the two hints,
// half a warp per row ran at 91.5% / 96.9%, no better than a warp per row.
constexpr int kLnWarpBlock = 128;

template <typename T>
constexpr int LnMinBlocks(bool warp) {
  if (!warp) return 1;
  return sizeof(T) == 2 ? 10 : sizeof(T) == 4 ? 8 : 1;
}

// The row, thread index and thread count of a register-rows kernel.
template <bool kWarp>
__device__ __forceinline__ bool RegRowOf(int64_t rows, int64_t* row, int* tid, int* nthreads) {
  if constexpr (kWarp) {
    *row = blockIdx.x * static_cast<int64_t>(blockDim.x >> 5) + (threadIdx.x >> 5);
    *tid = threadIdx.x & 31;
    *nthreads = 32;
  } else {
    *row = blockIdx.x;
    *tid = threadIdx.x;
    *nthreads = blockDim.x;
  }
  return *row < rows;
}

// exp in the compute type; for 16-bit element types the hardware's
// approximation (see Note [Rows in registers]).
template <typename T, typename C>
__device__ __forceinline__ C RowExp(C v) {
  if constexpr (std::is_same_v<T, half> || std::is_same_v<T, bf16>) {
    return __expf(v);
  } else {
    return exp(v);
  }
}

template <typename T, bool kLog, bool kWarp, int kChunks>
__global__ void __launch_bounds__(kWarp ? kBlock : 1024) SoftmaxRowsReg(const T* __restrict__ x, T* __restrict__ y,
                                                                       int64_t rows, int d, bool vec) {
  using C = Compute<T>;
  constexpr int V = kRowVec<T>;
  // Keep exp(x - max) (softmax) rather than recompute it for the output:
  // SoftmaxInRegisters plans at most 32 elements per thread.
  constexpr bool kKeepExp = !kLog && kChunks * V <= 32;
  int64_t row;
  int tid, nthreads;
  if (!RegRowOf<kWarp>(rows, &row, &tid, &nthreads)) return;
  const T* xr = x + row * d;
  T* yr = y + row * d;
  const T pad = FromC<T>(C(-INFINITY));
  RowVec<T> buf[kChunks];
#pragma unroll
  for (int c = 0; c < kChunks; ++c) buf[c] = LoadRowVec(xr, (c * nthreads + tid) * V, d, vec, pad);
  C m = C(-INFINITY);
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
#pragma unroll
    for (int j = 0; j < V; ++j) m = max(m, ToC(buf[c].v[j]));
  }
  m = RowAllReduce<kWarp>(m, MaxOp<C>());
  C ex[kKeepExp ? kChunks * V : 1];
  C s = C(0);
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const C t = RowExp<T>(ToC(buf[c].v[j]) - m);
      if constexpr (kKeepExp) ex[c * V + j] = t;
      s += t;
    }
  }
  s = RowAllReduce<kWarp>(s, SumOp<C>());
  const C log_s = log(s), inv = C(1) / s;
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int e = (c * nthreads + tid) * V;
    if (e >= d) continue;
    C o[V];
#pragma unroll
    for (int j = 0; j < V; ++j) {
      if constexpr (kKeepExp) {
        o[j] = ex[c * V + j] * inv;
      } else {
        const C v = ToC(buf[c].v[j]);
        o[j] = kLog ? (v - m) - log_s : RowExp<T>(v - m) * inv;
      }
    }
    StoreRowVec(yr, e, d, vec, FromCVec<T, V>(o));
  }
}

// The launch of a register-rows kernel (Note [Rows in registers]) for rows
// of d elements in vectors of vec_width, with at most max_warp_chunks
// vectors per thread when a warp holds a row and max_block_chunks when a
// block does (powers of two up to 8); fits == false when a row needs more
// than 1024 threads.
struct RegRowsPlan {
  bool fits = false;
  bool warp = false;
  int chunks = 1;
  unsigned blocks = 0;
  unsigned threads = 0;
};

RegRowsPlan PlanRegRows(int64_t rows, int64_t d, int vec_width, int max_warp_chunks, int max_block_chunks) {
  RegRowsPlan p;
  const int64_t vecs = (d + vec_width - 1) / vec_width;
  if (vecs <= 32 * max_warp_chunks) {
    p.fits = true;
    p.warp = true;
    while (32 * p.chunks < vecs) p.chunks *= 2;
    p.blocks = RowBlocks(rows, true);
    p.threads = kBlock;
    return p;
  }
  if (vecs > 1024 * max_block_chunks) return p;
  p.fits = true;
  // A block per row: the fewest chunks that need at most 512 threads (1024
  // for the longest rows), and threads a multiple of 32 (at least 64).
  while (p.chunks < max_block_chunks && (vecs + p.chunks - 1) / p.chunks > 512) p.chunks *= 2;
  int64_t threads = (vecs + p.chunks - 1) / p.chunks;
  threads = std::max<int64_t>(64, (threads + 31) / 32 * 32);
  p.blocks = static_cast<unsigned>(rows);
  p.threads = static_cast<unsigned>(threads);
  return p;
}

// Calls f.template operator()<kWarp, kChunks>() for the plan's geometry;
// instantiates kChunks up to kMaxWarp (warp rows) and kMaxBlock (block rows).
template <int kMaxWarp, int kMaxBlock, typename F>
void WithRegRows(const RegRowsPlan& p, F&& f) {
  auto pick = [&]<bool kWarp, int kMax>() {
    if constexpr (kMax >= 8) {
      if (p.chunks >= 8) return f.template operator()<kWarp, 8>();
    }
    if constexpr (kMax >= 4) {
      if (p.chunks >= 4) return f.template operator()<kWarp, 4>();
    }
    if constexpr (kMax >= 2) {
      if (p.chunks >= 2) return f.template operator()<kWarp, 2>();
    }
    return f.template operator()<kWarp, 1>();
  };
  if (p.warp) {
    pick.template operator()<true, kMaxWarp>();
  } else {
    pick.template operator()<false, kMaxBlock>();
  }
}

// The most vectors per thread that keep `elems` elements of T per thread
// (a power of two from 1 to `cap`).
template <typename T>
constexpr int MaxChunks(int elems, int cap) {
  int c = 1;
  while (2 * c <= cap && 2 * c * kRowVec<T> <= elems) c *= 2;
  return c;
}

// Whether every non-null pointer is 16-byte aligned and rows of n elements
// of T keep the next row's start aligned.
template <typename T>
bool RowsVectorizable(int64_t n, std::initializer_list<const void*> ptrs) {
  if ((n * static_cast<int64_t>(sizeof(T))) % 16 != 0) return false;
  for (const void* p : ptrs) {
    if (p != nullptr && reinterpret_cast<uintptr_t>(p) % 16 != 0) return false;
  }
  return true;
}

// Runs softmax over rows of d elements in registers if they fit (returns
// false otherwise).
template <typename T, bool kLog>
bool SoftmaxInRegisters(const T* x, T* y, int64_t rows, int64_t d) {
  // 32 elements per thread (exp kept in 32 registers of float or 64 of double).
  constexpr int kMax = MaxChunks<T>(32, 8);
  const RegRowsPlan p = PlanRegRows(rows, d, kRowVec<T>, kMax, kMax);
  if (!p.fits) return false;
  const bool vec = RowsVectorizable<T>(d, {x, y});
  const int di = static_cast<int>(d);
  WithRegRows<kMax, kMax>(p, [&]<bool kWarp, int kChunks>() {
    SoftmaxRowsReg<T, kLog, kWarp, kChunks><<<p.blocks, p.threads>>>(x, y, rows, di, vec);
  });
  return true;
}

template <typename T, bool kLog>
__global__ void SoftmaxCols(const T* x, T* y, int64_t outer, int64_t d, int64_t inner) {
  using C = Compute<T>;
  const int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (q >= outer * inner) return;
  const int64_t o = q / inner, j = q - o * inner;
  const T* xc = x + o * d * inner + j;
  T* yc = y + o * d * inner + j;
  MaxSumOp<C> op;
  MaxSum<C> st = op.Init();
  for (int64_t k = 0; k < d; ++k) st = op.Add(st, ToC(xc[k * inner]));
  if constexpr (kLog) {
    const C log_s = log(st.s);
    for (int64_t k = 0; k < d; ++k) yc[k * inner] = FromC<T>((ToC(xc[k * inner]) - st.m) - log_s);
  } else {
    const C inv = C(1) / st.s;
    for (int64_t k = 0; k < d; ++k) yc[k * inner] = FromC<T>(exp(ToC(xc[k * inner]) - st.m) * inv);
  }
}

template <typename T, bool kLog, bool kWarp>
__global__ void __launch_bounds__(kBlock) SoftmaxBackwardRows(const T* g, const T* y, T* gi, int64_t rows,
                                                              int64_t d) {
  using C = Compute<T>;
  int64_t row;
  int start, stride;
  if (!RowOf<kWarp>(rows, &row, &start, &stride)) return;
  const T* gr = g + row * d;
  const T* yr = y + row * d;
  T* out = gi + row * d;
  C s = C(0);
  for (int64_t j = start; j < d; j += stride) s += kLog ? ToC(gr[j]) : ToC(gr[j]) * ToC(yr[j]);
  s = RowAllReduce<kWarp>(s, SumOp<C>());
  for (int64_t j = start; j < d; j += stride) {
    const C gv = ToC(gr[j]), yv = ToC(yr[j]);
    out[j] = FromC<T>(kLog ? gv - exp(yv) * s : yv * (gv - s));
  }
}

template <typename T, bool kLog>
__global__ void SoftmaxBackwardCols(const T* g, const T* y, T* gi, int64_t outer, int64_t d, int64_t inner) {
  using C = Compute<T>;
  const int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (q >= outer * inner) return;
  const int64_t o = q / inner, j = q - o * inner;
  const int64_t base = o * d * inner + j;
  C s = C(0);
  for (int64_t k = 0; k < d; ++k) {
    const int64_t i = base + k * inner;
    s += kLog ? ToC(g[i]) : ToC(g[i]) * ToC(y[i]);
  }
  for (int64_t k = 0; k < d; ++k) {
    const int64_t i = base + k * inner;
    const C gv = ToC(g[i]), yv = ToC(y[i]);
    gi[i] = FromC<T>(kLog ? gv - exp(yv) * s : yv * (gv - s));
  }
}

template <typename T, bool kWarp>
__global__ void __launch_bounds__(kBlock) LayerNormRows(const T* x, const T* w, const T* b, T* y, T* mean, T* rstd,
                                                        int64_t rows, int64_t n, double eps) {
  using C = Compute<T>;
  int64_t row;
  int start, stride;
  if (!RowOf<kWarp>(rows, &row, &start, &stride)) return;
  const T* xr = x + row * n;
  T* yr = y + row * n;
  MomentsOp<C> op;
  Moments<C> mo = op.Init();
  for (int64_t j = start; j < n; j += stride) mo = op.Combine(mo, Moments<C>{C(1), ToC(xr[j]), C(0)});
  mo = RowAllReduce<kWarp>(mo, op);
  const C m = mo.mean;
  const C r = static_cast<C>(1.0 / sqrt(static_cast<double>(mo.m2) / static_cast<double>(n) + eps));
  if (start == 0) {
    mean[row] = FromC<T>(m);
    rstd[row] = FromC<T>(r);
  }
  for (int64_t j = start; j < n; j += stride) {
    C v = (ToC(xr[j]) - m) * r;
    if (w != nullptr) v *= ToC(w[j]);
    if (b != nullptr) v += ToC(b[j]);
    yr[j] = FromC<T>(v);
  }
}

// grad_input = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = g * w.
template <typename T, bool kWarp>
__global__ void __launch_bounds__(kBlock) LayerNormBackwardRows(const T* g, const T* x, const T* mean,
                                                                const T* rstd, const T* w, T* gi, int64_t rows,
                                                                int64_t n) {
  using C = Compute<T>;
  int64_t row;
  int start, stride;
  if (!RowOf<kWarp>(rows, &row, &start, &stride)) return;
  const T* gr = g + row * n;
  const T* xr = x + row * n;
  T* out = gi + row * n;
  const C m = ToC(mean[row]), r = ToC(rstd[row]);
  Pair<C> s{C(0), C(0)};
  for (int64_t j = start; j < n; j += stride) {
    const C gw = ToC(gr[j]) * (w != nullptr ? ToC(w[j]) : C(1));
    s.a += gw;
    s.b += gw * ((ToC(xr[j]) - m) * r);
  }
  s = RowAllReduce<kWarp>(s, PairSumOp<C>());
  const C am = s.a / static_cast<C>(n), bm = s.b / static_cast<C>(n);
  for (int64_t j = start; j < n; j += stride) {
    const C gw = ToC(gr[j]) * (w != nullptr ? ToC(w[j]) : C(1));
    out[j] = FromC<T>(r * (gw - am - (ToC(xr[j]) - m) * r * bm));
  }
}

// Partial column sums of g * xhat and g over a chunk of rows: partial[s][j].
template <typename T>
__global__ void LayerNormParamGrad(const T* g, const T* x, const T* mean, const T* rstd, int64_t rows, int64_t n,
                                   int64_t chunk, double2* partial) {
  using C = Compute<T>;
  const int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (j >= n) return;
  const int64_t begin = blockIdx.y * chunk, end = min(rows, begin + chunk);
  C sw = C(0), sb = C(0);
  for (int64_t i = begin; i < end; ++i) {
    const C gv = ToC(g[i * n + j]);
    sw += gv * ((ToC(x[i * n + j]) - ToC(mean[i])) * ToC(rstd[i]));
    sb += gv;
  }
  partial[blockIdx.y * n + j] = make_double2(static_cast<double>(sw), static_cast<double>(sb));
}

template <typename T>
__global__ void LayerNormParamFinalize(const double2* partial, int64_t splits, int64_t n, T* gw, T* gb) {
  const int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (j >= n) return;
  double sw = 0, sb = 0;
  for (int64_t s = 0; s < splits; ++s) {
    sw += partial[s * n + j].x;
    sb += partial[s * n + j].y;
  }
  gw[j] = FromC<T>(static_cast<Compute<T>>(sw));
  gb[j] = FromC<T>(static_cast<Compute<T>>(sb));
}

// layer_norm rows held in registers (Note [Rows in registers]): the mean,
// then the variance from the centred values, then the output, with w and b
// read as 16-byte vectors beside the row's (they stay in L1/L2). See Note
// [layer_norm warp rows] for the launch of rows held by a warp.
// kVec: rows are vectorizable (RowsVectorizable); a template parameter here
// so that the scalar path costs the vector kernels no registers.
template <typename T, bool kWarp, int kChunks, bool kVec>
__global__ void __launch_bounds__(kWarp ? kLnWarpBlock : 1024, LnMinBlocks<T>(kWarp))
    LayerNormRowsReg(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ b, T* __restrict__ y,
                     T* __restrict__ mean, T* __restrict__ rstd, int64_t rows, int n, double eps) {
  using C = Compute<T>;
  constexpr bool vec = kVec;
  constexpr int V = kRowVec<T>;
  constexpr bool k16 = sizeof(T) == 2;
  int64_t row;
  int tid, nthreads;
  if (!RegRowOf<kWarp>(rows, &row, &tid, &nthreads)) return;
  const T* xr = x + row * n;
  T* yr = y + row * n;
  const T zero = FromC<T>(C(0));
  // 16-bit rows: x read without L1 allocation, y stored streaming (Note
  // [layer_norm warp rows]).
  RowVec<T> buf[kChunks];
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int e = (c * nthreads + tid) * V;
    if (vec && k16 && e < n) {
      const uint4 raw = LoadOnce16(xr + e);
      memcpy(&buf[c], &raw, 16);
    } else {
      buf[c] = LoadRowVec(xr, e, n, vec, zero);
    }
  }
  // The raw elements are converted at each use (for 16-bit types through
  // ElemAtUse: a shift or a mask for bf16): holding 32 floats as well cost
  // registers and occupancy.
  auto val = [&](int c, int j) -> C {
    if constexpr (k16) {
      return ElemAtUse<T>(buf[c], j);
    } else {
      return ToC(buf[c].v[j]);
    }
  };
  C s = C(0);
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
#pragma unroll
    for (int j = 0; j < V; ++j) s += val(c, j);
  }
  const C m = RowAllReduce<kWarp>(s, SumOp<C>()) / static_cast<C>(n);
  C d2 = C(0);
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int e = (c * nthreads + tid) * V;
    const bool whole = e + V <= n;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const C d = whole || e + j < n ? val(c, j) - m : C(0);
      d2 += d * d;
    }
  }
  d2 = RowAllReduce<kWarp>(d2, SumOp<C>());
  // rstd in double for f32/f64 (as the CPU); in float for 16-bit types,
  // whose result rounds to 8 or 11 bits.
  C r;
  if constexpr (k16) {
    r = 1.0f / sqrtf(d2 / static_cast<float>(n) + static_cast<float>(eps));
  } else {
    r = static_cast<C>(1.0 / sqrt(static_cast<double>(d2) / static_cast<double>(n) + eps));
  }
  if (tid == 0) {
    mean[row] = FromC<T>(m);
    rstd[row] = FromC<T>(r);
  }
  // 16-bit outputs: x * r - m * r and then * w + b, two FMAs (float rounding
  // of these is far below bf16/f16's).
  const C mr = -m * r;
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int e = (c * nthreads + tid) * V;
    if (e >= n) continue;
    C o[V];
    if (w != nullptr && b != nullptr) {
      const RowVec<T> wv = LoadRowVec(w, e, n, vec, zero), bv = LoadRowVec(b, e, n, vec, zero);
#pragma unroll
      for (int j = 0; j < V; ++j) {
        const C v = k16 ? fma(val(c, j), r, mr) : (val(c, j) - m) * r;
        o[j] = v * ToC(wv.v[j]) + ToC(bv.v[j]);
      }
    } else {
#pragma unroll
      for (int j = 0; j < V; ++j) {
        C v = k16 ? fma(val(c, j), r, mr) : (val(c, j) - m) * r;
        if (e + j < n) {
          if (w != nullptr) v *= ToC(w[e + j]);
          if (b != nullptr) v += ToC(b[e + j]);
        }
        o[j] = v;
      }
    }
    const RowVec<T> ov = FromCVec<T, V>(o);
    if (vec && k16) {
      uint4 raw;
      memcpy(&raw, &ov, 16);
      StoreStreaming16(yr + e, raw);
    } else {
      StoreRowVec(yr, e, n, vec, ov);
    }
  }
}

// layer_norm_backward's grad_input (as LayerNormBackwardRows) with g and x
// held in registers: one read of each.
template <typename T, bool kWarp, int kChunks>
__global__ void __launch_bounds__(kWarp ? kBlock : 1024)
    LayerNormBackwardRowsReg(const T* __restrict__ g, const T* __restrict__ x, const T* __restrict__ mean,
                             const T* __restrict__ rstd, const T* __restrict__ w, T* __restrict__ gi, int64_t rows,
                             int n, bool vec) {
  using C = Compute<T>;
  constexpr int V = kRowVec<T>;
  int64_t row;
  int tid, nthreads;
  if (!RegRowOf<kWarp>(rows, &row, &tid, &nthreads)) return;
  const T* gr = g + row * n;
  const T* xr = x + row * n;
  T* out = gi + row * n;
  const T zero = FromC<T>(C(0));
  RowVec<T> gbuf[kChunks], xbuf[kChunks];
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int e = (c * nthreads + tid) * V;
    gbuf[c] = LoadRowVec(gr, e, n, vec, zero);
    xbuf[c] = LoadRowVec(xr, e, n, vec, zero);
  }
  const C m = ToC(mean[row]), r = ToC(rstd[row]);
  Pair<C> s{C(0), C(0)};
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int e = (c * nthreads + tid) * V;
    if (e >= n) continue;
    RowVec<T> wv;
    if (w != nullptr) wv = LoadRowVec(w, e, n, vec, zero);
    const bool whole = e + V <= n;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      if (whole || e + j < n) {
        const C gw = ToC(gbuf[c].v[j]) * (w != nullptr ? ToC(wv.v[j]) : C(1));
        s.a += gw;
        s.b += gw * ((ToC(xbuf[c].v[j]) - m) * r);
      }
    }
  }
  s = RowAllReduce<kWarp>(s, PairSumOp<C>());
  const C am = s.a / static_cast<C>(n), bm = s.b / static_cast<C>(n);
#pragma unroll
  for (int c = 0; c < kChunks; ++c) {
    const int e = (c * nthreads + tid) * V;
    if (e >= n) continue;
    RowVec<T> wv;
    if (w != nullptr) wv = LoadRowVec(w, e, n, vec, zero);
    C o[V];
#pragma unroll
    for (int j = 0; j < V; ++j) {
      const C gw = ToC(gbuf[c].v[j]) * (w != nullptr ? ToC(wv.v[j]) : C(1));
      o[j] = r * (gw - am - (ToC(xbuf[c].v[j]) - m) * r * bm);
    }
    StoreRowVec(out, e, n, vec, FromCVec<T, V>(o));
  }
}

unsigned RowBlocks(int64_t rows, bool warp) {
  return static_cast<unsigned>(warp ? (rows + kBlock / 32 - 1) / (kBlock / 32) : rows);
}

int64_t ParamGradSplits(int64_t rows, int64_t n) {
  const int64_t col_blocks = (n + kBlock - 1) / kBlock;
  const int64_t target = 4 * static_cast<int64_t>(NumSms());
  int64_t splits = (target + col_blocks - 1) / col_blocks;
  splits = std::min<int64_t>(splits, std::max<int64_t>(rows / 32, 1));
  return std::max<int64_t>(std::min<int64_t>(splits, 65535), 1);
}

}  // namespace

cudaError_t LaunchSoftmax(bool log, DT dtype, const void* x, void* y, int64_t outer, int64_t d, int64_t inner) {
  if (outer * d * inner == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    const T* xp = static_cast<const T*>(x);
    T* yp = static_cast<T*>(y);
    if (inner == 1 && (log ? SoftmaxInRegisters<T, true>(xp, yp, outer, d)
                           : SoftmaxInRegisters<T, false>(xp, yp, outer, d))) {
      return LastError();
    }
    if (inner == 1) {
      const bool warp = d <= 1024;
      const unsigned blocks = RowBlocks(outer, warp);
      if (warp && log) SoftmaxRows<T, true, true><<<blocks, kBlock>>>(xp, yp, outer, d);
      if (warp && !log) SoftmaxRows<T, false, true><<<blocks, kBlock>>>(xp, yp, outer, d);
      if (!warp && log) SoftmaxRows<T, true, false><<<blocks, kBlock>>>(xp, yp, outer, d);
      if (!warp && !log) SoftmaxRows<T, false, false><<<blocks, kBlock>>>(xp, yp, outer, d);
    } else {
      const unsigned blocks = static_cast<unsigned>((outer * inner + kBlock - 1) / kBlock);
      if (log) {
        SoftmaxCols<T, true><<<blocks, kBlock>>>(xp, yp, outer, d, inner);
      } else {
        SoftmaxCols<T, false><<<blocks, kBlock>>>(xp, yp, outer, d, inner);
      }
    }
    return LastError();
  });
}

cudaError_t LaunchSoftmaxBackward(bool log, DT dtype, const void* g, const void* y, void* gi, int64_t outer,
                                  int64_t d, int64_t inner) {
  if (outer * d * inner == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    const T* gp = static_cast<const T*>(g);
    const T* yp = static_cast<const T*>(y);
    T* op = static_cast<T*>(gi);
    if (inner == 1) {
      const bool warp = d <= 1024;
      const unsigned blocks = RowBlocks(outer, warp);
      if (warp && log) SoftmaxBackwardRows<T, true, true><<<blocks, kBlock>>>(gp, yp, op, outer, d);
      if (warp && !log) SoftmaxBackwardRows<T, false, true><<<blocks, kBlock>>>(gp, yp, op, outer, d);
      if (!warp && log) SoftmaxBackwardRows<T, true, false><<<blocks, kBlock>>>(gp, yp, op, outer, d);
      if (!warp && !log) SoftmaxBackwardRows<T, false, false><<<blocks, kBlock>>>(gp, yp, op, outer, d);
    } else {
      const unsigned blocks = static_cast<unsigned>((outer * inner + kBlock - 1) / kBlock);
      if (log) {
        SoftmaxBackwardCols<T, true><<<blocks, kBlock>>>(gp, yp, op, outer, d, inner);
      } else {
        SoftmaxBackwardCols<T, false><<<blocks, kBlock>>>(gp, yp, op, outer, d, inner);
      }
    }
    return LastError();
  });
}

cudaError_t LaunchLayerNorm(DT dtype, const void* x, const void* w, const void* b, void* y, void* mean, void* rstd,
                            int64_t rows, int64_t n, double eps) {
  if (rows == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    auto* xp = static_cast<const T*>(x);
    auto* wp = static_cast<const T*>(w);
    auto* bp = static_cast<const T*>(b);
    auto* yp = static_cast<T*>(y);
    auto* mp = static_cast<T*>(mean);
    auto* rp = static_cast<T*>(rstd);
    // Block rows take at most 4 vectors per thread (1024 threads leave 64
    // registers each).
    constexpr int kMaxWarp = MaxChunks<T>(32, 8), kMaxBlock = MaxChunks<T>(32, 4);
    const RegRowsPlan p = PlanRegRows(rows, n, kRowVec<T>, kMaxWarp, kMaxBlock);
    if (p.fits) {
      const bool vec = RowsVectorizable<T>(n, {xp, wp, bp, yp});
      const int ni = static_cast<int>(n);
      // Warp rows: blocks of kLnWarpBlock (Note [layer_norm warp rows]).
      constexpr int kRowsPerBlock = kLnWarpBlock / 32;
      const unsigned blocks =
          p.warp ? static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock) : p.blocks;
      const unsigned threads = p.warp ? kLnWarpBlock : p.threads;
      WithRegRows<kMaxWarp, kMaxBlock>(p, [&]<bool kWarp, int kChunks>() {
        if (vec) {
          LayerNormRowsReg<T, kWarp, kChunks, true><<<blocks, threads>>>(xp, wp, bp, yp, mp, rp, rows, ni, eps);
        } else {
          LayerNormRowsReg<T, kWarp, kChunks, false><<<blocks, threads>>>(xp, wp, bp, yp, mp, rp, rows, ni, eps);
        }
      });
    } else {
      LayerNormRows<T, false><<<RowBlocks(rows, false), kBlock>>>(xp, wp, bp, yp, mp, rp, rows, n, eps);
    }
    return LastError();
  });
}

int64_t LayerNormBackwardWorkspaceBytes(int64_t rows, int64_t n) {
  return ParamGradSplits(rows, n) * n * static_cast<int64_t>(sizeof(double2));
}

cudaError_t LaunchLayerNormBackward(DT dtype, const void* g, const void* x, const void* mean, const void* rstd,
                                    const void* w, void* gi, void* gw, void* gb, int64_t rows, int64_t n,
                                    void* workspace) {
  return VisitFloatDT(dtype, [&]<typename T>() -> cudaError_t {
    auto* gp = static_cast<const T*>(g);
    auto* xp = static_cast<const T*>(x);
    auto* mp = static_cast<const T*>(mean);
    auto* rp = static_cast<const T*>(rstd);
    if (rows > 0 && n > 0) {
      auto* wp = static_cast<const T*>(w);
      auto* op = static_cast<T*>(gi);
      // g and x both held: 16 elements per thread, at most 4 vectors.
      constexpr int kMax = MaxChunks<T>(16, 4);
      const RegRowsPlan p = PlanRegRows(rows, n, kRowVec<T>, kMax, kMax);
      if (p.fits) {
        const bool vec = RowsVectorizable<T>(n, {gp, xp, wp, op});
        const int ni = static_cast<int>(n);
        WithRegRows<kMax, kMax>(p, [&]<bool kWarp, int kChunks>() {
          LayerNormBackwardRowsReg<T, kWarp, kChunks><<<p.blocks, p.threads>>>(gp, xp, mp, rp, wp, op, rows, ni, vec);
        });
      } else {
        LayerNormBackwardRows<T, false><<<RowBlocks(rows, false), kBlock>>>(
            gp, xp, mp, rp, static_cast<const T*>(w), static_cast<T*>(gi), rows, n);
      }
      if (cudaError_t e = LastError(); e != cudaSuccess) return e;
    }
    if (n == 0) return cudaSuccess;
    const int64_t splits = ParamGradSplits(rows, n);
    const int64_t chunk = std::max<int64_t>((rows + splits - 1) / splits, 1);
    auto* partial = static_cast<double2*>(workspace);
    const dim3 grid(static_cast<unsigned>((n + kBlock - 1) / kBlock), static_cast<unsigned>(splits));
    LayerNormParamGrad<T><<<grid, kBlock>>>(gp, xp, mp, rp, rows, n, chunk, partial);
    if (cudaError_t e = LastError(); e != cudaSuccess) return e;
    LayerNormParamFinalize<T><<<static_cast<unsigned>((n + kBlock - 1) / kBlock), kBlock>>>(
        partial, splits, n, static_cast<T*>(gw), static_cast<T*>(gb));
    return LastError();
  });
}

}  // namespace aot::cuda
