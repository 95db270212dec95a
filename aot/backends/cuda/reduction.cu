// Device code of the reductions: sum, mean, amax, amin, argmax, var, std,
// var_mean and logsumexp over the middle dimension of a contiguous
// [outer, r, inner] array (the host side permutes other layouts into it).
//
// Note [Reduction geometry]
// Rows (inner < 16): a warp per output when rows are short (r < 1024), else
// a block of 256 threads per output (reading with stride `inner`, so a few
// columns are rows too). Columns (inner >= 16): a thread per output,
// walking r with stride `inner`, so a warp reads consecutive elements. When
// that leaves the GPU under-filled (few long rows, or few columns of a long
// r), r is split into S chunks (gridDim.y): each (output, chunk) writes a
// partial accumulator to the workspace and a second kernel combines the S
// partials per output (a block per output when there are many partials).
// So one long row uses every SM, and many short rows cost one pass.
// Accumulators are combined in a fixed order: results are deterministic.
//
// Note [Vectorized rows]
// Rows of a contiguous [outer, r] array (inner == 1, which includes every
// full reduction) are read with 16-byte loads, four per thread in flight:
// each row segment has a scalar head up to the first 16-byte boundary, a
// vector body and a scalar tail, so any offset and length works. A vector of
// V elements becomes one accumulator through the op's Chunk when it has one
// (a sum; Welford's count, mean and centred sum of squares of the V values,
// merged into the running one with one division per vector) or by folding
// Load and Combine otherwise. Long rows split over 8 blocks per SM, enough
// to keep every SM's memory pipeline full.
//
// Note [Vectorized few columns]
// A reduction over r of [outer, r, inner] with a few columns (inner of 2, 4
// or 8 dividing the vector width V = 16 / sizeof(T), r >= 1024: the sum
// over dim 0 of [16M, 4], say) reads each [r, inner] slab as contiguous
// 16-byte vectors: a vector holds V / inner consecutive rows of all inner
// columns, and each thread keeps inner accumulators (element j of a vector
// goes to column j % inner). A block of 256 threads per slab chunk, split
// over r as vectorized rows are (chunks of a multiple of 64 rows keep every
// split 16-byte aligned); the inner accumulators are combined across the
// block one column at a time. Reading a column with a stride, as row mode
// does, moves each 32-byte sector to the SM once per column (79% of the
// copy for [16M, 4] f32). It needs x 16-byte aligned and, when outer > 1,
// each slab too (r * inner a multiple of V); otherwise row mode runs.
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>

#include "aot/backends/cuda/device_common.cuh"
#include "aot/backends/cuda/device_kernels.h"

namespace aot::cuda {
namespace {

constexpr int kBlock = 256;

// The accumulator of sums: float for 16-bit floats and f32, double for f64,
// int64 for integers and bool.
template <typename T>
using SumAcc = std::conditional_t<std::is_same_v<T, double>, double,
                                  std::conditional_t<kIsFloat<T>, float, int64_t>>;

template <typename T>
struct SumOp {
  using Acc = SumAcc<T>;
  __device__ Acc Init() const { return Acc(0); }
  __device__ Acc Load(T x, int64_t, int64_t) const { return static_cast<Acc>(ToC(x)); }
  __device__ Acc Combine(Acc a, Acc b) const { return a + b; }
  template <int V>
  __device__ Acc Chunk(const VecOf<T, V>& v, int64_t, int64_t) const {
    Acc a = static_cast<Acc>(ToC(v.v[0]));
#pragma unroll
    for (int j = 1; j < V; ++j) a += static_cast<Acc>(ToC(v.v[j]));
    return a;
  }
};

// sum(exp(x - shift[out])) for logsumexp (shift from a max pass).
template <typename T>
struct SumExpOp {
  using C = Compute<T>;
  using Acc = C;
  const C* shift;
  __device__ Acc Init() const { return C(0); }
  __device__ Acc Load(T x, int64_t, int64_t out) const { return exp(ToC(x) - shift[out]); }
  __device__ Acc Combine(Acc a, Acc b) const { return a + b; }
};

template <typename T, bool kMax>
struct MinMaxOp {
  using C = Compute<T>;
  using Acc = C;
  __device__ Acc Init() const {
    if constexpr (kIsFloat<T>) {
      return kMax ? C(-INFINITY) : C(INFINITY);
    } else {
      return kMax ? std::numeric_limits<C>::lowest() : std::numeric_limits<C>::max();
    }
  }
  __device__ Acc Load(T x, int64_t, int64_t) const { return ToC(x); }
  __device__ Acc Combine(Acc a, Acc b) const {
    if constexpr (kIsFloat<T>) {
      if (isnan(a)) return a;
      if (isnan(b)) return b;
    }
    if constexpr (kMax) {
      return a > b ? a : b;
    } else {
      return a < b ? a : b;
    }
  }
};

template <typename C>
struct ValueIndex {
  C value;
  int64_t index;
};

// The first index of the max; the first NaN if there is one (as PyTorch).
template <typename T>
struct ArgmaxOp {
  using C = Compute<T>;
  using Acc = ValueIndex<C>;
  __device__ Acc Init() const { return {MinMaxOp<T, true>().Init(), std::numeric_limits<int64_t>::max()}; }
  __device__ Acc Load(T x, int64_t k, int64_t) const { return {ToC(x), k}; }
  __device__ Acc Combine(Acc a, Acc b) const {
    if constexpr (kIsFloat<T>) {
      const bool na = isnan(a.value), nb = isnan(b.value);
      if (na || nb) {
        if (na && nb) return a.index < b.index ? a : b;
        return na ? a : b;
      }
    }
    if (a.value > b.value) return a;
    if (b.value > a.value) return b;
    return a.index < b.index ? a : b;
  }
};

template <typename C>
struct Welford {
  int64_t n;
  C mean;
  C m2;
};

// Count, mean and sum of squared deviations, merged as Chan et al.
template <typename T>
struct WelfordOp {
  using C = Compute<T>;
  using Acc = Welford<C>;
  __device__ Acc Init() const { return {0, C(0), C(0)}; }
  __device__ Acc Load(T x, int64_t, int64_t) const { return {1, ToC(x), C(0)}; }
  __device__ Acc Combine(Acc a, Acc b) const {
    if (a.n == 0) return b;
    if (b.n == 0) return a;
    const int64_t n = a.n + b.n;
    const C d = b.mean - a.mean;
    const C fb = static_cast<C>(b.n) / static_cast<C>(n);
    return {n, a.mean + d * fb, a.m2 + b.m2 + d * d * static_cast<C>(a.n) * fb};
  }
  // The V values' own statistics (VecMoments).
  template <int V>
  __device__ Acc Chunk(const VecOf<T, V>& v, int64_t, int64_t) const {
    const Moments<C> m = VecMoments<T, V>(v);
    return {V, m.mean, m.m2};
  }
};

// One accumulator from V consecutive elements starting at index k0.
template <typename Op, typename T, int V>
__device__ __forceinline__ typename Op::Acc FoldVec(const Op& op, const VecOf<T, V>& v, int64_t k0, int64_t out) {
  if constexpr (requires { op.template Chunk<V>(v, k0, out); }) {
    return op.template Chunk<V>(v, k0, out);
  } else {
    typename Op::Acc a = op.Load(v.v[0], k0, out);
#pragma unroll
    for (int j = 1; j < V; ++j) a = op.Combine(a, op.Load(v.v[j], k0 + j, out));
    return a;
  }
}

// --- Writers: what becomes of each output's accumulator ------------------------

template <typename T, typename Acc>
struct WriteValue {
  T* out;
  double scale;  // Multiplies floating results (1 / count for mean).
  __device__ void operator()(int64_t q, Acc a) const {
    if constexpr (kIsFloat<T>) {
      out[q] = FromC<T>(static_cast<Compute<T>>(static_cast<double>(a) * scale));
    } else {
      out[q] = FromC<T>(a);
    }
  }
};

template <typename C>
struct WriteIndex {
  int64_t* out;
  __device__ void operator()(int64_t q, ValueIndex<C> a) const { out[q] = a.index; }
};

template <typename T>
struct WriteVar {
  using C = Compute<T>;
  T* var;
  T* mean;  // May be null.
  double divisor;
  bool take_sqrt;
  __device__ void operator()(int64_t q, Welford<C> a) const {
    double v = static_cast<double>(a.m2) / divisor;
    if (take_sqrt) v = sqrt(v);
    var[q] = FromC<T>(static_cast<C>(v));
    if (mean != nullptr) mean[q] = FromC<T>(a.n == 0 ? C(NAN) : a.mean);
  }
};

// shift[q] = max, or 0 where the max is infinite (logsumexp).
template <typename C>
struct WriteShift {
  C* shift;
  __device__ void operator()(int64_t q, C m) const { shift[q] = isinf(m) ? C(0) : m; }
};

template <typename T>
struct WriteLogSumExp {
  using C = Compute<T>;
  T* out;
  const C* shift;
  __device__ void operator()(int64_t q, C s) const { out[q] = FromC<T>(static_cast<C>(log(s) + shift[q])); }
};

// --- Kernels -----------------------------------------------------------------------

// The end of both row kernels: reduces the threads' accumulators over the
// row's threads (its warp, or the block) and writes the row's result, or the
// partial of block y of a split row.
template <bool kWarpRows, typename Acc, typename Op, typename W>
__device__ __forceinline__ void FinishRow(Acc acc, const Op& op, Acc* scratch, int64_t nout, int64_t row, W& w,
                                          Acc* partial) {
  if constexpr (kWarpRows) {
    acc = WarpReduce(acc, op);
    if ((threadIdx.x & 31) != 0) return;
  } else {
    acc = BlockReduce(acc, op, scratch);
    if (threadIdx.x != 0) return;
  }
  if (partial != nullptr) {
    partial[blockIdx.y * nout + row] = acc;
  } else {
    w(row, acc);
  }
}

// Row mode; see Note [Reduction geometry]. kWarpRows: a warp per row.
template <typename T, typename Op, typename W, bool kWarpRows>
__global__ void __launch_bounds__(kBlock) RowKernel(const T* x, int64_t nout, int64_t r, int64_t inner,
                                                    int64_t chunk, Op op, W w, typename Op::Acc* partial) {
  using Acc = typename Op::Acc;
  __shared__ Acc scratch[32];
  const int64_t begin = blockIdx.y * chunk;
  const int64_t end = min(r, begin + chunk);
  const int lane = threadIdx.x & 31;
  int64_t row;
  int64_t start, stride;
  if constexpr (kWarpRows) {
    row = blockIdx.x * static_cast<int64_t>(kBlock / 32) + (threadIdx.x >> 5);
    start = begin + lane;
    stride = 32;
    if (row >= nout) return;
  } else {
    row = blockIdx.x;
    start = begin + threadIdx.x;
    stride = kBlock;
  }
  // Output `row` reads x[o, k, j] with o = row / inner, j = row % inner.
  const int64_t o = row / inner;
  const T* p = x + o * r * inner + (row - o * inner);
  Acc acc = op.Init();
#pragma unroll 4
  for (int64_t k = start; k < end; k += stride) acc = op.Combine(acc, op.Load(p[k * inner], k, row));
  FinishRow<kWarpRows>(acc, op, scratch, nout, row, w, partial);
}

// Row mode over contiguous rows (inner == 1): see Note [Vectorized rows].
template <typename T, typename Op, typename W, bool kWarpRows>
__global__ void __launch_bounds__(kBlock) RowVecKernel(const T* __restrict__ x, int64_t nout, int64_t r,
                                                       int64_t chunk, Op op, W w, typename Op::Acc* partial) {
  using Acc = typename Op::Acc;
  constexpr int V = 16 / sizeof(T);
  constexpr int kUnroll = 4;
  using Vec = VecOf<T, V>;
  __shared__ Acc scratch[32];
  const int64_t begin = blockIdx.y * chunk;
  const int64_t end = min(r, begin + chunk);
  int64_t row;
  int tid, nthreads;
  if constexpr (kWarpRows) {
    row = blockIdx.x * static_cast<int64_t>(kBlock / 32) + (threadIdx.x >> 5);
    tid = threadIdx.x & 31;
    nthreads = 32;
    if (row >= nout) return;
  } else {
    row = blockIdx.x;
    tid = threadIdx.x;
    nthreads = kBlock;
  }
  const T* p = x + row * r;
  Acc acc = op.Init();
  if (begin < end) {
    // Head: the elements before the first 16-byte boundary (fewer than V).
    const uintptr_t addr = reinterpret_cast<uintptr_t>(p + begin);
    const int64_t head = min(static_cast<int64_t>(((16 - addr % 16) % 16) / sizeof(T)), end - begin);
    if (tid < head) acc = op.Combine(acc, op.Load(p[begin + tid], begin + tid, row));
    const int64_t vbegin = begin + head;
    const int64_t nvec = (end - vbegin) / V;
    const Vec* pv = reinterpret_cast<const Vec*>(p + vbegin);
    int64_t v = tid;
    for (; v + (kUnroll - 1) * nthreads < nvec; v += kUnroll * nthreads) {
      Vec b[kUnroll];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) b[u] = LoadVec16(pv + v + u * nthreads);
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) acc = op.Combine(acc, FoldVec(op, b[u], vbegin + (v + u * nthreads) * V, row));
    }
    for (; v < nvec; v += nthreads) acc = op.Combine(acc, FoldVec(op, LoadVec16(pv + v), vbegin + v * V, row));
    // Tail: fewer than V elements.
    const int64_t t = vbegin + nvec * V + tid;
    if (t < end) acc = op.Combine(acc, op.Load(p[t], t, row));
  }
  FinishRow<kWarpRows>(acc, op, scratch, nout, row, w, partial);
}

// Few columns: see Note [Vectorized few columns]. Output o * kInner + c.
template <typename T, typename Op, typename W, int kInner>
__global__ void __launch_bounds__(kBlock) FewColsVecKernel(const T* __restrict__ x, int64_t outer, int64_t r,
                                                           int64_t chunk, Op op, W w, typename Op::Acc* partial) {
  using Acc = typename Op::Acc;
  constexpr int V = 16 / sizeof(T);
  static_assert(V % kInner == 0);
  constexpr int kUnroll = 4;
  using Vec = VecOf<T, V>;
  __shared__ Acc scratch[32];
  const int64_t o = blockIdx.x;
  const int64_t nout = outer * kInner;
  const int64_t q0 = o * kInner;
  const int64_t begin = blockIdx.y * chunk;
  const int64_t end = min(r, begin + chunk);
  const T* p = x + o * r * kInner;
  Acc acc[kInner];
#pragma unroll
  for (int c = 0; c < kInner; ++c) acc[c] = op.Init();
  // Element e of the slab is row e / kInner of column e % kInner; the
  // chunk's first element begin * kInner is a multiple of V.
  const int64_t e0 = begin * kInner, e1 = end * kInner;
  const int64_t nvec = e0 < e1 ? (e1 - e0) / V : 0;
  const Vec* pv = reinterpret_cast<const Vec*>(p + e0);
  auto fold = [&](const Vec& b, int64_t k0) {
#pragma unroll
    for (int j = 0; j < V; ++j) acc[j % kInner] = op.Combine(acc[j % kInner], op.Load(b.v[j], k0 + j / kInner, q0 + j % kInner));
  };
  int64_t v = threadIdx.x;
  for (; v + (kUnroll - 1) * kBlock < nvec; v += kUnroll * kBlock) {
    Vec b[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) b[u] = LoadVec16(pv + v + u * kBlock);
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) fold(b[u], begin + (v + u * kBlock) * (V / kInner));
  }
  for (; v < nvec; v += kBlock) fold(LoadVec16(pv + v), begin + v * (V / kInner));
  // Tail: fewer than V elements, whole rows.
  const int64_t t = e0 + nvec * V + threadIdx.x;
  if (t < e1) {
    const int col = static_cast<int>(t % kInner);
#pragma unroll
    for (int c = 0; c < kInner; ++c) {
      if (c == col) acc[c] = op.Combine(acc[c], op.Load(p[t], t / kInner, q0 + c));
    }
  }
#pragma unroll
  for (int c = 0; c < kInner; ++c) {
    const Acc a = BlockReduce(acc[c], op, scratch);
    if (threadIdx.x != 0) continue;
    if (partial != nullptr) {
      partial[blockIdx.y * nout + q0 + c] = a;
    } else {
      w(q0 + c, a);
    }
  }
}

// Column mode: a thread per output (o, j).
template <typename T, typename Op, typename W>
__global__ void __launch_bounds__(kBlock) ColKernel(const T* x, int64_t outer, int64_t r, int64_t inner,
                                                    int64_t chunk, Op op, W w, typename Op::Acc* partial) {
  using Acc = typename Op::Acc;
  const int64_t nout = outer * inner;
  const int64_t q = blockIdx.x * static_cast<int64_t>(kBlock) + threadIdx.x;
  if (q >= nout) return;
  const int64_t o = q / inner, j = q - o * inner;
  const int64_t begin = blockIdx.y * chunk;
  const int64_t end = min(r, begin + chunk);
  const T* p = x + o * r * inner + j;
  Acc acc = op.Init();
#pragma unroll 4
  for (int64_t k = begin; k < end; ++k) acc = op.Combine(acc, op.Load(p[k * inner], k, q));
  if (partial != nullptr) {
    partial[blockIdx.y * nout + q] = acc;
  } else {
    w(q, acc);
  }
}

template <typename Op, typename W>
__global__ void FinalizeKernel(const typename Op::Acc* partial, int64_t splits, int64_t nout, Op op, W w) {
  const int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (q >= nout) return;
  typename Op::Acc acc = op.Init();
  for (int64_t s = 0; s < splits; ++s) acc = op.Combine(acc, partial[s * nout + q]);
  w(q, acc);
}

// Combines many partials per output: a block per output.
template <typename Op, typename W>
__global__ void __launch_bounds__(kBlock) FinalizeBlockKernel(const typename Op::Acc* partial, int64_t splits,
                                                              int64_t nout, Op op, W w) {
  using Acc = typename Op::Acc;
  __shared__ Acc scratch[32];
  const int64_t q = blockIdx.x;
  Acc acc = op.Init();
  for (int64_t s = threadIdx.x; s < splits; s += kBlock) acc = op.Combine(acc, partial[s * nout + q]);
  acc = BlockReduce(acc, op, scratch);
  if (threadIdx.x == 0) w(q, acc);
}

struct Geometry {
  bool rows = true;      // Row mode (inner < 16).
  bool vec = false;      // Contiguous rows (inner == 1): RowVecKernel.
  bool few_cols = false; // FewColsVecKernel (Note [Vectorized few columns]).
  bool warp_rows = false;
  int64_t blocks = 1;    // gridDim.x
  int64_t splits = 1;    // gridDim.y
  int64_t chunk = 0;     // Elements of r per split.
};

// x and elem_size (sizeof(T)) choose the vectorized few-columns kernel.
Geometry PlanGeometry(int64_t outer, int64_t r, int64_t inner, const void* x, int elem_size) {
  Geometry g;
  g.vec = inner == 1;
  const int64_t vw = 16 / elem_size;
  g.few_cols = (inner == 2 || inner == 4 || inner == 8) && vw % inner == 0 && r >= 1024 &&
               reinterpret_cast<uintptr_t>(x) % 16 == 0 && (outer == 1 || (r * inner) % vw == 0);
  // Blocks to aim for: 8 per SM (full occupancy) for vectorized rows, 4
  // otherwise.
  const int64_t target = (g.vec || g.few_cols ? 8 : 4) * static_cast<int64_t>(NumSms());
  // Few columns (inner < 16): a warp or block per output, reading with
  // stride `inner`, beats a thread per output.
  g.rows = inner < 16;
  const int64_t nout = outer * inner;
  int64_t min_chunk;
  if (g.few_cols) {
    g.blocks = outer;
    min_chunk = 4096;
  } else if (g.rows) {
    g.warp_rows = r < 1024;
    g.blocks = g.warp_rows ? (nout + kBlock / 32 - 1) / (kBlock / 32) : nout;
    min_chunk = 4096;
  } else {
    g.blocks = (outer * inner + kBlock - 1) / kBlock;
    min_chunk = 64;
  }
  if (g.blocks < target / 2 && r >= 2 * min_chunk) {
    g.splits = std::min<int64_t>((target + g.blocks - 1) / g.blocks, r / min_chunk);
    g.splits = std::min<int64_t>(g.splits, 65535);
  }
  g.chunk = (r + g.splits - 1) / g.splits;
  if ((g.vec || g.few_cols) && g.splits > 1) g.chunk = (g.chunk + 63) / 64 * 64;  // Keeps splits 16-byte aligned.
  if (g.chunk == 0) g.chunk = 1;
  g.splits = (r + g.chunk - 1) / g.chunk;
  if (g.splits < 1) g.splits = 1;
  return g;
}

template <typename Acc>
int64_t PartialBytes(const Geometry& g, int64_t nout) {
  return g.splits > 1 ? g.splits * nout * static_cast<int64_t>(sizeof(Acc)) : 0;
}

// Runs op over x and hands each output's accumulator to w.
template <typename T, typename Op, typename W>
cudaError_t RunReduce(const T* x, int64_t outer, int64_t r, int64_t inner, const Op& op, const W& w,
                      void* workspace) {
  using Acc = typename Op::Acc;
  const int64_t nout = outer * inner;
  if (nout == 0) return cudaSuccess;
  const Geometry g = PlanGeometry(outer, r, inner, x, static_cast<int>(sizeof(T)));
  Acc* partial = g.splits > 1 ? static_cast<Acc*>(workspace) : nullptr;
  const dim3 grid(static_cast<unsigned>(g.blocks), static_cast<unsigned>(g.splits));
  if (g.blocks > 0x7fffffff) return cudaErrorInvalidConfiguration;
  if (g.few_cols) {
    constexpr int V = 16 / sizeof(T);
    if constexpr (V % 2 == 0) {
      if (inner == 2) FewColsVecKernel<T, Op, W, 2><<<grid, kBlock>>>(x, outer, r, g.chunk, op, w, partial);
    }
    if constexpr (V % 4 == 0) {
      if (inner == 4) FewColsVecKernel<T, Op, W, 4><<<grid, kBlock>>>(x, outer, r, g.chunk, op, w, partial);
    }
    if constexpr (V % 8 == 0) {
      if (inner == 8) FewColsVecKernel<T, Op, W, 8><<<grid, kBlock>>>(x, outer, r, g.chunk, op, w, partial);
    }
  } else if (!g.rows) {
    ColKernel<T, Op, W><<<grid, kBlock>>>(x, outer, r, inner, g.chunk, op, w, partial);
  } else if (g.vec && g.warp_rows) {
    RowVecKernel<T, Op, W, true><<<grid, kBlock>>>(x, nout, r, g.chunk, op, w, partial);
  } else if (g.vec) {
    RowVecKernel<T, Op, W, false><<<grid, kBlock>>>(x, nout, r, g.chunk, op, w, partial);
  } else if (g.warp_rows) {
    RowKernel<T, Op, W, true><<<grid, kBlock>>>(x, nout, r, inner, g.chunk, op, w, partial);
  } else {
    RowKernel<T, Op, W, false><<<grid, kBlock>>>(x, nout, r, inner, g.chunk, op, w, partial);
  }
  if (cudaError_t e = LastError(); e != cudaSuccess) return e;
  if (partial != nullptr) {
    if (g.splits >= 64 && nout <= 65535) {
      FinalizeBlockKernel<Op, W><<<static_cast<unsigned>(nout), kBlock>>>(partial, g.splits, nout, op, w);
    } else {
      FinalizeKernel<Op, W><<<static_cast<unsigned>((nout + 255) / 256), 256>>>(partial, g.splits, nout, op, w);
    }
    return LastError();
  }
  return cudaSuccess;
}

template <typename T>
int64_t WorkspaceFor(ReduceOp op, const ReduceArgs& a) {
  const int64_t nout = a.outer * a.inner;
  const Geometry g = PlanGeometry(a.outer, a.r, a.inner, a.x, static_cast<int>(sizeof(T)));
  using C = Compute<T>;
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kMean:
      return PartialBytes<SumAcc<T>>(g, nout);
    case ReduceOp::kMax:
    case ReduceOp::kMin:
      return PartialBytes<C>(g, nout);
    case ReduceOp::kArgmax:
      return PartialBytes<ValueIndex<C>>(g, nout);
    case ReduceOp::kVar:
    case ReduceOp::kStd:
    case ReduceOp::kVarMean:
      return PartialBytes<Welford<C>>(g, nout);
    case ReduceOp::kLogsumexp:
      // The shifts, 16-byte aligned, then the partials.
      return (nout * static_cast<int64_t>(sizeof(C)) + 15) / 16 * 16 + PartialBytes<C>(g, nout);
  }
  return 0;
}

template <typename T>
cudaError_t Reduce(ReduceOp op, const ReduceArgs& a, void* workspace) {
  const T* x = static_cast<const T*>(a.x);
  using C = Compute<T>;
  switch (op) {
    case ReduceOp::kSum:
      return RunReduce(x, a.outer, a.r, a.inner, SumOp<T>{},
                       WriteValue<T, SumAcc<T>>{static_cast<T*>(a.out), 1.0}, workspace);
    case ReduceOp::kMean:
      if constexpr (kIsFloat<T>) {
        return RunReduce(x, a.outer, a.r, a.inner, SumOp<T>{},
                         WriteValue<T, SumAcc<T>>{static_cast<T*>(a.out), 1.0 / a.divisor}, workspace);
      }
      return cudaErrorInvalidValue;
    case ReduceOp::kMax:
      return RunReduce(x, a.outer, a.r, a.inner, MinMaxOp<T, true>{}, WriteValue<T, C>{static_cast<T*>(a.out), 1.0},
                       workspace);
    case ReduceOp::kMin:
      return RunReduce(x, a.outer, a.r, a.inner, MinMaxOp<T, false>{},
                       WriteValue<T, C>{static_cast<T*>(a.out), 1.0}, workspace);
    case ReduceOp::kArgmax:
      return RunReduce(x, a.outer, a.r, a.inner, ArgmaxOp<T>{}, WriteIndex<C>{static_cast<int64_t*>(a.out)},
                       workspace);
    case ReduceOp::kVar:
    case ReduceOp::kStd:
    case ReduceOp::kVarMean:
      if constexpr (kIsFloat<T>) {
        return RunReduce(x, a.outer, a.r, a.inner, WelfordOp<T>{},
                         WriteVar<T>{static_cast<T*>(a.out), static_cast<T*>(a.out2), a.divisor, op == ReduceOp::kStd},
                         workspace);
      }
      return cudaErrorInvalidValue;
    case ReduceOp::kLogsumexp:
      if constexpr (kIsFloat<T>) {
        const int64_t nout = a.outer * a.inner;
        C* shift = static_cast<C*>(workspace);
        void* rest = static_cast<char*>(workspace) + (nout * static_cast<int64_t>(sizeof(C)) + 15) / 16 * 16;
        cudaError_t e = RunReduce(x, a.outer, a.r, a.inner, MinMaxOp<T, true>{}, WriteShift<C>{shift}, rest);
        if (e != cudaSuccess) return e;
        return RunReduce(x, a.outer, a.r, a.inner, SumExpOp<T>{shift},
                         WriteLogSumExp<T>{static_cast<T*>(a.out), shift}, rest);
      }
      return cudaErrorInvalidValue;
  }
  return cudaErrorInvalidValue;
}

}  // namespace

int64_t ReduceWorkspaceBytes(ReduceOp op, DT dtype, const ReduceArgs& a) {
  return VisitDT(dtype, [&]<typename T>() { return WorkspaceFor<T>(op, a); });
}

cudaError_t LaunchReduce(ReduceOp op, DT dtype, const ReduceArgs& a, void* workspace) {
  return VisitDT(dtype, [&]<typename T>() { return Reduce<T>(op, a, workspace); });
}

}  // namespace aot::cuda
