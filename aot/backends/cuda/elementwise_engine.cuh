// The elementwise engine of the CUDA backend: applies a functor to every
// element of operands that broadcast to one output shape, with any strides.
//
//   struct AddF {
//     __device__ float operator()(float x, float y) const { return x + y; }
//   };
//   return Map<2, float, float>(args, AddF{});   // out[i] = in0[i] + in1[i]
//
// Four paths (see Note [Elementwise paths]). Functors are called with the
// input values and return the output value; operands that are scalars
// (Operand::data == nullptr) read their value from the launch parameters.
#ifndef AOT_BACKENDS_CUDA_ELEMENTWISE_ENGINE_CUH_
#define AOT_BACKENDS_CUDA_ELEMENTWISE_ENGINE_CUH_

#include <cstdint>

#include "aot/backends/cuda/device_common.cuh"

namespace aot::cuda {

// Note [Elementwise paths]
// Map picks the first that applies:
// - Contiguous: every array operand is dense over the same linear index and
//   16-byte aligned. Each thread moves kVecOf<Out, In> consecutive elements
//   per operand with one 16-byte access of the wider type (4 floats, 8
//   bf16), in a grid-stride loop sized to fill the GPU; a tail of fewer goes
//   element by element.
// - Tiled (one input): the input's unit-stride dimension A differs from the
//   output's, B (a transposing copy or conversion, any rank), both spanning
//   at least 8 elements. A 64 x 64 tile of (A, B) goes through shared memory:
//   read with threads along A, written with threads along B, so both sides
//   are coalesced (16 elements per thread in flight); the other dimensions
//   index the tiles. Where sizes, strides and pointers allow, each thread
//   reads and writes 16-byte vectors (MapTileVecKernel): on an H100 an
//   8192^2 f32 transpose kernel took 0.19 ms that way against 0.23 ms with
//   scalar accesses (a device-to-device copy: 0.185 ms).
// - Inner-vector: the output and every array input step by 1 (or 0, a
//   broadcast) along the innermost dimension, whose size is a multiple of the
//   vector width, and every row start is aligned: each thread moves one
//   vector per operand (a broadcast one is read once and splatted), with the
//   row offsets from the linear index by fast division (FastDiv). Covers
//   x[rows, cols] + b[cols] and other broadcasts over outer dimensions.
// - Strided: one element per thread per step; the offset of each operand
//   comes from the linear index by division over the (coalesced) sizes, by
//   multiply-and-shift (FastDiv) below 2^31 elements.
// The host side (MakeElemArgs, cuda_utils.cc) coalesces dimensions; Map
// decides which path applies.
inline constexpr int kThreads = 256;

// Elements per 16-byte access of the wider of two element types.
template <typename Out, typename In>
inline constexpr int kVecOf = 16 / (sizeof(Out) > sizeof(In) ? sizeof(Out) : sizeof(In));

// Division of 32-bit unsigned values by a fixed divisor d >= 1, as a
// multiply-high and a shift (Granlund and Montgomery; PyTorch's IntDivider).
// Exact for dividends below 2^31.
struct FastDiv {
  uint32_t d = 1;
  uint32_t m = 1;
  uint32_t s = 0;
  __host__ static FastDiv Of(uint32_t d) {
    FastDiv f;
    f.d = d;
    while ((uint64_t{1} << f.s) < d) ++f.s;
    f.m = static_cast<uint32_t>(((uint64_t{1} << 32) * ((uint64_t{1} << f.s) - d)) / d + 1);
    return f;
  }
  __device__ __forceinline__ uint32_t Div(uint32_t n) const { return (__umulhi(n, m) + n) >> s; }
};

// Fast dividers of an ElemArgs' sizes (used where numel < 2^31).
struct Divs {
  FastDiv d[kMaxDims];
};

__host__ inline bool FitsFastDiv(int64_t n) { return n < (int64_t{1} << 31); }

__host__ inline Divs MakeDivs(const ElemArgs& a) {
  Divs v;
  for (int d = 0; d < a.rank; ++d) v.d[d] = FastDiv::Of(static_cast<uint32_t>(a.sizes[d]));
  return v;
}

template <typename T>
__device__ __forceinline__ T LoadAt(const Operand& o, int64_t off) {
  return o.data != nullptr ? static_cast<const T*>(o.data)[off] : FromBits<T>(o.scalar);
}

// Offsets of the output and N inputs for linear index i (64-bit division).
template <int N>
__device__ __forceinline__ void OffsetsOf(const ElemArgs& a, int64_t i, int64_t (&off)[N + 1]) {
#pragma unroll
  for (int k = 0; k <= N; ++k) off[k] = 0;
#pragma unroll
  for (int d = kMaxDims - 1; d >= 0; --d) {
    if (d < a.rank) {
      const int64_t size = a.sizes[d];
      const int64_t q = i / size;
      const int64_t idx = i - q * size;
      i = q;
      off[0] += idx * a.out.strides[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k + 1] += idx * a.in[k].strides[d];
    }
  }
}

// As OffsetsOf for i < 2^31, dividing by multiply-and-shift; the outermost
// index needs no division.
template <int N>
__device__ __forceinline__ void OffsetsOf32(const ElemArgs& a, const Divs& dv, uint32_t i, int64_t (&off)[N + 1]) {
#pragma unroll
  for (int k = 0; k <= N; ++k) off[k] = 0;
#pragma unroll
  for (int d = kMaxDims - 1; d >= 1; --d) {
    if (d < a.rank) {
      const uint32_t q = dv.d[d].Div(i);
      const int64_t idx = static_cast<int64_t>(i - q * dv.d[d].d);
      i = q;
      off[0] += idx * a.out.strides[d];
#pragma unroll
      for (int k = 0; k < N; ++k) off[k + 1] += idx * a.in[k].strides[d];
    }
  }
  off[0] += static_cast<int64_t>(i) * a.out.strides[0];
#pragma unroll
  for (int k = 0; k < N; ++k) off[k + 1] += static_cast<int64_t>(i) * a.in[k].strides[0];
}

template <int N, typename In, typename F>
__device__ __forceinline__ auto Apply(const F& f, const In (&x)[N > 0 ? N : 1]) {
  if constexpr (N == 1) {
    return f(x[0]);
  } else if constexpr (N == 2) {
    return f(x[0], x[1]);
  } else {
    return f(x[0], x[1], x[2]);
  }
}

template <int N, typename Out, typename In, typename F>
__global__ void __launch_bounds__(kThreads) MapStridedKernel(ElemArgs a, F f) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < a.numel; i += step) {
    int64_t off[N + 1];
    OffsetsOf<N>(a, i, off);
    In x[N];
#pragma unroll
    for (int k = 0; k < N; ++k) x[k] = LoadAt<In>(a.in[k], off[k + 1]);
    static_cast<Out*>(a.out.data)[off[0]] = Apply<N, In>(f, x);
  }
}

template <int N, typename Out, typename In, typename F>
__global__ void __launch_bounds__(kThreads) MapStrided32Kernel(ElemArgs a, Divs dv, F f) {
  const uint32_t n = static_cast<uint32_t>(a.numel);
  const uint32_t step = gridDim.x * blockDim.x;
  for (uint32_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
    int64_t off[N + 1];
    OffsetsOf32<N>(a, dv, i, off);
    In x[N];
#pragma unroll
    for (int k = 0; k < N; ++k) x[k] = LoadAt<In>(a.in[k], off[k + 1]);
    static_cast<Out*>(a.out.data)[off[0]] = Apply<N, In>(f, x);
  }
}

template <int N, typename Out, typename In, typename F>
__global__ void __launch_bounds__(kThreads) MapVecKernel(ElemArgs a, F f) {
  constexpr int V = kVecOf<Out, In>;
  const int64_t nvec = a.numel / V;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t tid = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  Out* out = static_cast<Out*>(a.out.data);
  for (int64_t v = tid; v < nvec; v += step) {
    VecOf<In, V> in[N > 0 ? N : 1];
#pragma unroll
    for (int k = 0; k < N; ++k) {
      if (a.in[k].data != nullptr) {
        in[k] = reinterpret_cast<const VecOf<In, V>*>(a.in[k].data)[v];
      } else {
        const In s = FromBits<In>(a.in[k].scalar);
#pragma unroll
        for (int j = 0; j < V; ++j) in[k].v[j] = s;
      }
    }
    VecOf<Out, V> o;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      In x[N];
#pragma unroll
      for (int k = 0; k < N; ++k) x[k] = in[k].v[j];
      o.v[j] = Apply<N, In>(f, x);
    }
    reinterpret_cast<VecOf<Out, V>*>(out)[v] = o;
  }
  // The tail: fewer than V elements.
  const int64_t i = nvec * V + tid;
  if (i < a.numel) {
    In x[N];
#pragma unroll
    for (int k = 0; k < N; ++k) x[k] = LoadAt<In>(a.in[k], i);
    out[i] = Apply<N, In>(f, x);
  }
}

// The inner-vector path: a.sizes[rank - 1] % V == 0, the output's innermost
// stride is 1, each array input's is 1 or 0, and vectors are aligned.
template <int N, typename Out, typename In, typename F>
__global__ void __launch_bounds__(kThreads) MapInnerVecKernel(ElemArgs a, Divs dv, F f) {
  constexpr int V = kVecOf<Out, In>;
  const int last = a.rank - 1;
  const uint32_t nvec = static_cast<uint32_t>(a.numel / V);
  const uint32_t step = gridDim.x * blockDim.x;
  for (uint32_t v = blockIdx.x * blockDim.x + threadIdx.x; v < nvec; v += step) {
    int64_t off[N + 1];
    OffsetsOf32<N>(a, dv, v * V, off);
    VecOf<In, V> in[N > 0 ? N : 1];
#pragma unroll
    for (int k = 0; k < N; ++k) {
      const In* p = static_cast<const In*>(a.in[k].data);
      if (p != nullptr && a.in[k].strides[last] != 0) {
        in[k] = *reinterpret_cast<const VecOf<In, V>*>(p + off[k + 1]);
      } else {
        const In s = p != nullptr ? p[off[k + 1]] : FromBits<In>(a.in[k].scalar);
#pragma unroll
        for (int j = 0; j < V; ++j) in[k].v[j] = s;
      }
    }
    VecOf<Out, V> o;
#pragma unroll
    for (int j = 0; j < V; ++j) {
      In x[N];
#pragma unroll
      for (int k = 0; k < N; ++k) x[k] = in[k].v[j];
      o.v[j] = Apply<N, In>(f, x);
    }
    *reinterpret_cast<VecOf<Out, V>*>(static_cast<Out*>(a.out.data) + off[0]) = o;
  }
}

// The tiled path: see Note [Elementwise paths]. Dimension A (the input's
// unit stride) and B (the output's) span a tile; the others, `nb` of them,
// index the tiles with the tile coordinates (B fastest).
inline constexpr int kTile = 64;

struct TileArgs {
  int64_t na = 0, nbs = 0;        // Sizes along A and B.
  int64_t out_sa = 0, out_sb = 0;  // Output strides along A and B.
  int64_t in_sa = 0, in_sb = 0;    // Input strides along A and B.
  uint32_t tiles_a = 0, tiles_b = 0, ntiles = 0;
  int nb = 0;                      // Other dimensions, innermost last.
  uint32_t bsize[kMaxDims] = {};
  int64_t bout[kMaxDims] = {}, bin[kMaxDims] = {};
};

// Where tile `tix` starts: the offsets of its slice of the other dimensions
// in the output (*bo) and the input (*bi), and its first index along A and B.
__device__ __forceinline__ void TileOrigin(const TileArgs& t, uint32_t tix, int64_t* bo, int64_t* bi, int64_t* a0,
                                           int64_t* b0) {
  uint32_t r = tix;
  const uint32_t tb = r % t.tiles_b;
  r /= t.tiles_b;
  const uint32_t ta = r % t.tiles_a;
  r /= t.tiles_a;
  *bo = 0;
  *bi = 0;
#pragma unroll
  for (int d = kMaxDims - 1; d >= 0; --d) {
    if (d < t.nb) {
      const uint32_t q = r / t.bsize[d];
      const int64_t idx = r - q * t.bsize[d];
      r = q;
      *bo += idx * t.bout[d];
      *bi += idx * t.bin[d];
    }
  }
  *a0 = static_cast<int64_t>(ta) * kTile;
  *b0 = static_cast<int64_t>(tb) * kTile;
}

template <typename Out, typename In, typename F>
__global__ void __launch_bounds__(kThreads) MapTileKernel(const In* __restrict__ in, Out* __restrict__ out, TileArgs t,
                                                          F f) {
  __shared__ Out tile[kTile][kTile + 1];
  const int tx = threadIdx.x & (kTile - 1), ty = threadIdx.x / kTile;
  constexpr int kRows = kThreads / kTile;
  for (uint32_t tix = blockIdx.x; tix < t.ntiles; tix += gridDim.x) {
    int64_t bo, bi, a0, b0;
    TileOrigin(t, tix, &bo, &bi, &a0, &b0);
    // The tile's extent (kTile but at the edges), and each thread's first
    // element on either side: offsets advance by pointer steps, with 32-bit
    // bounds checks.
    const int ra = t.na - a0 < kTile ? static_cast<int>(t.na - a0) : kTile;
    const int rb = t.nbs - b0 < kTile ? static_cast<int>(t.nbs - b0) : kTile;
    // Read: consecutive threads along A (the input's unit stride).
    const In* p = in + bi + a0 + tx + (b0 + ty) * t.in_sb;
    const int64_t pstep = kRows * t.in_sb;
    if (ra == kTile && rb == kTile) {
#pragma unroll
      for (int k = ty; k < kTile; k += kRows, p += pstep) tile[k][tx] = f(*p);
    } else if (tx < ra) {
#pragma unroll
      for (int k = ty; k < kTile; k += kRows, p += pstep) {
        if (k < rb) tile[k][tx] = f(*p);
      }
    }
    __syncthreads();
    // Write: consecutive threads along B (the output's unit stride).
    Out* q = out + bo + b0 + tx + (a0 + ty) * t.out_sa;
    const int64_t qstep = kRows * t.out_sa;
    if (ra == kTile && rb == kTile) {
#pragma unroll
      for (int k = ty; k < kTile; k += kRows, q += qstep) *q = tile[tx][k];
    } else if (tx < rb) {
#pragma unroll
      for (int k = ty; k < kTile; k += kRows, q += qstep) {
        if (k < ra) *q = tile[tx][k];
      }
    }
    __syncthreads();
  }
}

// The tiled path with 16-byte accesses on both sides (see Note [Elementwise
// paths]): V = kVecOf<Out, In> elements per access; both extents, the row
// strides and the pointers are multiples of V (VecTileApplies), so partial
// tiles hold whole vectors. 64 / V threads cover a tile row; the shared tile
// is written and read element by element (Out, converted on the way in).
template <typename Out, typename In, typename F>
__global__ void __launch_bounds__(kThreads) MapTileVecKernel(const In* __restrict__ in, Out* __restrict__ out,
                                                             TileArgs t, F f) {
  constexpr int V = kVecOf<Out, In>;
  constexpr int kPerRow = kTile / V;           // Threads per tile row.
  constexpr int kRowsPerPass = kThreads / kPerRow;
  __shared__ Out tile[kTile][kTile + 1];
  const int tx = threadIdx.x % kPerRow, ty = threadIdx.x / kPerRow;
  for (uint32_t tix = blockIdx.x; tix < t.ntiles; tix += gridDim.x) {
    int64_t bo, bi, a0, b0;
    TileOrigin(t, tix, &bo, &bi, &a0, &b0);
    const int ra = t.na - a0 < kTile ? static_cast<int>(t.na - a0) : kTile;
    const int rb = t.nbs - b0 < kTile ? static_cast<int>(t.nbs - b0) : kTile;
    // Read: a vector along A per thread, rows along B.
    VecOf<In, V> v[kTile / kRowsPerPass];
    const In* p = in + bi + a0 + tx * V + (b0 + ty) * t.in_sb;
    const int64_t pstep = kRowsPerPass * t.in_sb;
    const bool col_ok = tx * V < ra;
#pragma unroll
    for (int i = 0; i < kTile / kRowsPerPass; ++i, p += pstep) {
      if (col_ok && ty + i * kRowsPerPass < rb) v[i] = *reinterpret_cast<const VecOf<In, V>*>(p);
    }
#pragma unroll
    for (int i = 0; i < kTile / kRowsPerPass; ++i) {
      if (col_ok && ty + i * kRowsPerPass < rb) {
#pragma unroll
        for (int j = 0; j < V; ++j) tile[ty + i * kRowsPerPass][tx * V + j] = f(v[i].v[j]);
      }
    }
    __syncthreads();
    // Write: a vector along B per thread, rows along A.
    Out* q = out + bo + b0 + tx * V + (a0 + ty) * t.out_sa;
    const int64_t qstep = kRowsPerPass * t.out_sa;
    const bool b_ok = tx * V < rb;
#pragma unroll
    for (int i = 0; i < kTile / kRowsPerPass; ++i, q += qstep) {
      const int a = ty + i * kRowsPerPass;
      if (b_ok && a < ra) {
        VecOf<Out, V> o;
#pragma unroll
        for (int j = 0; j < V; ++j) o.v[j] = tile[tx * V + j][a];
        *reinterpret_cast<VecOf<Out, V>*>(q) = o;
      }
    }
    __syncthreads();
  }
}

template <int V, typename T>
__host__ inline bool AlignedFor(const Operand& o) {
  return o.data == nullptr || reinterpret_cast<uintptr_t>(o.data) % (sizeof(T) * V) == 0;
}

// Plans the tiled path for one input: true (and `t`) if the input's and the
// output's unit-stride dimensions differ and both span at least 2 elements.
__host__ inline bool PlanTile(const ElemArgs& a, TileArgs* t) {
  if (a.rank < 2 || a.in[0].data == nullptr || a.numel < kTile * kTile) return false;
  int da = -1, db = -1;
  for (int d = 0; d < a.rank; ++d) {
    if (a.in[0].strides[d] == 1 && da < 0) da = d;
    if (a.out.strides[d] == 1 && db < 0) db = d;
  }
  if (da < 0 || db < 0 || da == db) return false;
  // Not for a broadcast along B (the strided path reads it from cache), nor
  // for thin tiles (mostly idle threads).
  const int64_t in_sb = a.in[0].strides[db];
  if (in_sb == 0 || a.sizes[da] < 8 || a.sizes[db] < 8) return false;
  t->na = a.sizes[da];
  t->nbs = a.sizes[db];
  t->out_sa = a.out.strides[da];
  t->out_sb = 1;
  t->in_sa = 1;
  t->in_sb = in_sb;
  const int64_t tiles_a = (t->na + kTile - 1) / kTile, tiles_b = (t->nbs + kTile - 1) / kTile;
  const int64_t tiles = tiles_a * tiles_b * (a.numel / (t->na * t->nbs));
  if (!FitsFastDiv(tiles)) return false;
  t->tiles_a = static_cast<uint32_t>(tiles_a);
  t->tiles_b = static_cast<uint32_t>(tiles_b);
  t->ntiles = static_cast<uint32_t>(tiles);
  t->nb = 0;
  for (int d = 0; d < a.rank; ++d) {
    if (d == da || d == db) continue;
    t->bsize[t->nb] = static_cast<uint32_t>(a.sizes[d]);
    t->bout[t->nb] = a.out.strides[d];
    t->bin[t->nb] = a.in[0].strides[d];
    ++t->nb;
  }
  return true;
}

// True if MapTileVecKernel applies to the plan `t` of `a` with vectors of V.
template <int V, typename Out, typename In>
__host__ bool VecTileApplies(const ElemArgs& a, const TileArgs& t) {
  if (!AlignedFor<V, Out>(a.out) || !AlignedFor<V, In>(a.in[0])) return false;
  if (t.na % V != 0 || t.nbs % V != 0 || t.in_sb % V != 0 || t.out_sa % V != 0) return false;
  for (int d = 0; d < t.nb; ++d) {
    if (t.bin[d] % V != 0 || t.bout[d] % V != 0) return false;
  }
  return true;
}

// True if the inner-vector path applies with vectors of V elements.
template <int N, int V, typename Out, typename In>
__host__ bool InnerVecApplies(const ElemArgs& a) {
  const int last = a.rank - 1;
  if (a.rank < 2 || a.sizes[last] % V != 0 || a.out.strides[last] != 1 || !AlignedFor<V, Out>(a.out)) return false;
  for (int d = 0; d < last; ++d) {
    if (a.out.strides[d] % V != 0) return false;
  }
  for (int k = 0; k < N; ++k) {
    const Operand& o = a.in[k];
    if (o.data == nullptr || o.strides[last] == 0) continue;
    if (o.strides[last] != 1 || !AlignedFor<V, In>(o)) return false;
    for (int d = 0; d < last; ++d) {
      if (o.strides[d] % V != 0) return false;
    }
  }
  return true;
}

// A block per tile (ntiles < 2^31): 3% faster than a grid-stride loop over
// 16 blocks per SM for the 8192^2 f32 transpose on an H100.
__host__ inline unsigned TileGrid(uint32_t ntiles) { return ntiles > 0 ? ntiles : 1; }

// out (type Out) = f(in[0], ..., in[N-1]) (type In each) over `a`.
template <int N, typename Out, typename In, typename F>
__host__ cudaError_t Map(const ElemArgs& a, const F& f) {
  if (a.numel == 0) return cudaSuccess;
  constexpr int V = kVecOf<Out, In>;
  bool vec = a.contiguous && AlignedFor<V, Out>(a.out);
  for (int k = 0; k < N; ++k) vec = vec && AlignedFor<V, In>(a.in[k]);
  if (vec) {
    MapVecKernel<N, Out, In, F><<<GridFor(a.numel, kThreads, V), kThreads>>>(a, f);
    return LastError();
  }
  if constexpr (N == 1) {
    TileArgs t;
    if (PlanTile(a, &t)) {
      if (VecTileApplies<V, Out, In>(a, t)) {
        MapTileVecKernel<Out, In, F><<<TileGrid(t.ntiles), kThreads>>>(static_cast<const In*>(a.in[0].data),
                                                                       static_cast<Out*>(a.out.data), t, f);
      } else {
        MapTileKernel<Out, In, F><<<TileGrid(t.ntiles), kThreads>>>(static_cast<const In*>(a.in[0].data),
                                                                    static_cast<Out*>(a.out.data), t, f);
      }
      return LastError();
    }
  }
  if (FitsFastDiv(a.numel)) {
    const Divs dv = MakeDivs(a);
    if (InnerVecApplies<N, V, Out, In>(a)) {
      MapInnerVecKernel<N, Out, In, F><<<GridFor(a.numel, kThreads, V), kThreads>>>(a, dv, f);
    } else {
      MapStrided32Kernel<N, Out, In, F><<<GridFor(a.numel, kThreads), kThreads>>>(a, dv, f);
    }
  } else {
    MapStridedKernel<N, Out, In, F><<<GridFor(a.numel, kThreads), kThreads>>>(a, f);
  }
  return LastError();
}

// For operands of mixed types: f(a, off) reads and writes through the
// offsets itself (off[0] is the output's). Strided path only.
template <int N, typename F>
__global__ void __launch_bounds__(kThreads) MapAnyKernel(ElemArgs a, Divs dv, bool fast, F f) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < a.numel; i += step) {
    int64_t off[N + 1];
    if (a.contiguous) {
#pragma unroll
      for (int k = 0; k <= N; ++k) off[k] = i;
    } else if (fast) {
      OffsetsOf32<N>(a, dv, static_cast<uint32_t>(i), off);
    } else {
      OffsetsOf<N>(a, i, off);
    }
    f(a, off);
  }
}

template <int N, typename F>
__host__ cudaError_t MapAny(const ElemArgs& a, const F& f) {
  if (a.numel == 0) return cudaSuccess;
  const bool fast = FitsFastDiv(a.numel);
  const Divs dv = fast ? MakeDivs(a) : Divs{};
  MapAnyKernel<N, F><<<GridFor(a.numel, kThreads), kThreads>>>(a, dv, fast, f);
  return LastError();
}

}  // namespace aot::cuda

#endif  // AOT_BACKENDS_CUDA_ELEMENTWISE_ENGINE_CUH_
