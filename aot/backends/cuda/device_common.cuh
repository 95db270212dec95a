// Device-side helpers shared by the .cu files of the CUDA backend: element
// types and their compute types, conversions that match the CPU backend,
// dtype dispatch, launch geometry, warp reductions and Welford moments.
// Included only by nvcc-compiled files.
#ifndef AOT_BACKENDS_CUDA_DEVICE_COMMON_CUH_
#define AOT_BACKENDS_CUDA_DEVICE_COMMON_CUH_

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "aot/backends/cuda/device_kernels.h"

namespace aot::cuda {

using half = __half;
using bf16 = __nv_bfloat16;

// The type arithmetic is done in: float for the 16-bit floats, T otherwise
// (as aot::ComputeType).
template <typename T>
struct ComputeOf {
  using type = T;
};
template <>
struct ComputeOf<half> {
  using type = float;
};
template <>
struct ComputeOf<bf16> {
  using type = float;
};
template <typename T>
using Compute = typename ComputeOf<T>::type;

template <typename T>
inline constexpr bool kIsFloat = std::is_same_v<T, float> || std::is_same_v<T, double> ||
                                 std::is_same_v<T, half> || std::is_same_v<T, bf16>;

// To and from the compute type.
template <typename T>
__host__ __device__ __forceinline__ Compute<T> ToC(T v) {
  if constexpr (std::is_same_v<T, half>) {
    return __half2float(v);
  } else if constexpr (std::is_same_v<T, bf16>) {
    return __bfloat162float(v);
  } else {
    return v;
  }
}
template <typename T, typename C>
__host__ __device__ __forceinline__ T FromC(C v) {
  if constexpr (std::is_same_v<T, half>) {
    return __float2half_rn(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, bf16>) {
    return __float2bfloat16_rn(static_cast<float>(v));
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != C(0);
  } else {
    return static_cast<T>(v);
  }
}

// Converts as the CPU backend's Cast: through both compute types; to bool
// is "nonzero".
template <typename Dst, typename Src>
__device__ __forceinline__ Dst CastTo(Src v) {
  if constexpr (std::is_same_v<Dst, bool>) {
    return ToC(v) != Compute<Src>(0);
  } else {
    return FromC<Dst>(static_cast<Compute<Dst>>(ToC(v)));
  }
}

// Reads a T from the low bytes of `bits` (scalar operands).
template <typename T>
__host__ __device__ __forceinline__ T FromBits(uint64_t bits) {
  T v;
  memcpy(&v, &bits, sizeof(T));
  return v;
}

// Calls f.template operator()<T>() with T the device type of `dt`.
template <typename F>
__host__ decltype(auto) VisitDT(DT dt, F&& f) {
  switch (dt) {
    case DT::kF32:
      return f.template operator()<float>();
    case DT::kF64:
      return f.template operator()<double>();
    case DT::kF16:
      return f.template operator()<half>();
    case DT::kBF16:
      return f.template operator()<bf16>();
    case DT::kI32:
      return f.template operator()<int32_t>();
    case DT::kI64:
      return f.template operator()<int64_t>();
    case DT::kBool:
      return f.template operator()<bool>();
    case DT::kU8:
      return f.template operator()<uint8_t>();
  }
  return f.template operator()<float>();
}

// As VisitDT for the floating dtypes; others return cudaErrorInvalidValue.
template <typename F>
__host__ cudaError_t VisitFloatDT(DT dt, F&& f) {
  switch (dt) {
    case DT::kF32:
      return f.template operator()<float>();
    case DT::kF64:
      return f.template operator()<double>();
    case DT::kF16:
      return f.template operator()<half>();
    case DT::kBF16:
      return f.template operator()<bf16>();
    default:
      return cudaErrorInvalidValue;
  }
}

// V elements of T accessed as one (a 16-byte access for V * sizeof(T) == 16).
template <typename T, int V>
struct alignas(sizeof(T) * V) VecOf {
  T v[V];
};

// Loads 16 bytes through the read-only cache; `p` is 16-byte aligned.
template <typename T, int V>
__device__ __forceinline__ VecOf<T, V> LoadVec16(const VecOf<T, V>* p) {
  static_assert(sizeof(VecOf<T, V>) == 16);
  const uint4 raw = __ldg(reinterpret_cast<const uint4*>(p));
  VecOf<T, V> v;
  memcpy(&v, &raw, 16);
  return v;
}

// Multiprocessors of the current device (cached per device).
__host__ inline int NumSms() {
  static int cached[64] = {};
  int dev = 0;
  cudaGetDevice(&dev);
  if (dev < 0 || dev >= 64) return 132;
  if (cached[dev] == 0) {
    int n = 0;
    if (cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess || n <= 0) n = 132;
    cached[dev] = n;
  }
  return cached[dev];
}

// Blocks for n work items of `threads` each, capped so that a grid-stride
// loop covers the rest (enough blocks to fill every SM several times).
__host__ inline unsigned GridFor(int64_t n, int threads, int64_t per_thread = 1) {
  int64_t items = (n + per_thread - 1) / per_thread;
  int64_t blocks = (items + threads - 1) / threads;
  int64_t cap = static_cast<int64_t>(NumSms()) * 32;
  if (blocks > cap) blocks = cap;
  if (blocks < 1) blocks = 1;
  return static_cast<unsigned>(blocks);
}

// Returns the launch error (and clears it).
__host__ inline cudaError_t LastError() { return cudaGetLastError(); }

// Shuffles any trivially copyable value down the warp, word by word.
template <typename A>
__device__ __forceinline__ A ShflDown(const A& a, int offset) {
  constexpr int kWords = (sizeof(A) + 3) / 4;
  unsigned w[kWords] = {};
  memcpy(w, &a, sizeof(A));
#pragma unroll
  for (int i = 0; i < kWords; ++i) w[i] = __shfl_down_sync(0xffffffffu, w[i], offset);
  A out;
  memcpy(&out, w, sizeof(A));
  return out;
}

// Combines `a` across the warp with op.Combine; lane 0 holds the result.
template <typename A, typename Op>
__device__ __forceinline__ A WarpReduce(A a, const Op& op) {
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) a = op.Combine(a, ShflDown(a, off));
  return a;
}

// Combines `a` across the block (blockDim.x a multiple of 32, at most 1024)
// with op.Combine; thread 0 holds the result. `scratch` holds 32 values.
template <typename A, typename Op>
__device__ __forceinline__ A BlockReduce(A a, const Op& op, A* scratch) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  a = WarpReduce(a, op);
  __syncthreads();
  if (lane == 0) scratch[warp] = a;
  __syncthreads();
  const int nwarps = blockDim.x >> 5;
  if (warp == 0) {
    a = lane < nwarps ? scratch[lane] : op.Init();
    a = WarpReduce(a, op);
  }
  return a;
}

// Count, mean and sum of squared deviations of some values (Welford),
// merged as Chan et al.: the statistics of batch_norm and layer_norm.
template <typename C>
struct Moments {
  C n;
  C mean;
  C m2;
};

template <typename C>
__device__ __forceinline__ Moments<C> MergeMoments(Moments<C> a, Moments<C> b) {
  if (a.n == C(0)) return b;
  if (b.n == C(0)) return a;
  const C n = a.n + b.n;
  const C d = b.mean - a.mean;
  const C fb = b.n / n;
  return {n, a.mean + d * fb, a.m2 + b.m2 + d * d * a.n * fb};
}

// The moments of the V values of one vector (two passes over registers:
// the mean, then the squared deviations from it).
template <typename T, int V>
__device__ __forceinline__ Moments<Compute<T>> VecMoments(const VecOf<T, V>& v) {
  using C = Compute<T>;
  C s = C(0);
#pragma unroll
  for (int j = 0; j < V; ++j) s += ToC(v.v[j]);
  const C mu = s * (C(1) / C(V));
  C q = C(0);
#pragma unroll
  for (int j = 0; j < V; ++j) {
    const C d = ToC(v.v[j]) - mu;
    q += d * d;
  }
  return {C(V), mu, q};
}

// MergeMoments as a reduction op (WarpReduce, BlockReduce).
template <typename C>
struct MomentsOp {
  __device__ Moments<C> Init() const { return {C(0), C(0), C(0)}; }
  __device__ Moments<C> Combine(Moments<C> a, Moments<C> b) const { return MergeMoments(a, b); }
};

// Philox4x32-10 exactly as aot/tensor/philox.h.
__device__ __forceinline__ uint4 Philox4x32(uint64_t seed, uint64_t counter) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma unroll
  for (int round = 0; round < 10; ++round) {
    const uint32_t lo0 = 0xD2511F53u * c0, hi0 = __umulhi(0xD2511F53u, c0);
    const uint32_t lo1 = 0xCD9E8D57u * c2, hi1 = __umulhi(0xCD9E8D57u, c2);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return make_uint4(c0, c1, c2, c3);
}

__device__ __forceinline__ uint32_t Word(const uint4& r, int i) {
  return i == 0 ? r.x : i == 1 ? r.y : i == 2 ? r.z : r.w;
}

__device__ __forceinline__ float UniformFromBits(uint32_t bits) {
  return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f);
}

// Element i of the uniform stream (seed, offset): bit-identical to
// PhiloxUniform.
__device__ __forceinline__ float PhiloxUniform(uint64_t seed, uint64_t offset, uint64_t i) {
  const uint4 r = Philox4x32(seed, (offset + i) / 4);
  return UniformFromBits(Word(r, static_cast<int>((offset + i) % 4)));
}

// Element i of the normal stream, as PhiloxNormal. Every float operation
// is an explicit round-to-nearest intrinsic (no contraction, no constant
// folding in other precision), and log and cos are taken in double and
// rounded to float, i.e. correctly rounded; glibc's logf/cosf are too for
// all but about 1% of arguments, so the values equal the CPU's bit for bit
// almost always and within an ulp otherwise.
__device__ __forceinline__ float PhiloxNormal(uint64_t seed, uint64_t offset, uint64_t i) {
  const uint4 r = Philox4x32(seed, (offset + i) / 2);
  const int pair = static_cast<int>((offset + i) % 2);
  // (bits + 1) / 2^24 as the CPU's (bits + 1.0f) * (1.0f / 16777217.0f),
  // whose constant rounds to 2^-24 in float.
  const float u1 = __fmul_rn(__fadd_rn(static_cast<float>(Word(r, 2 * pair) >> 8), 1.0f), 0x1p-24f);
  const float u2 = UniformFromBits(Word(r, 2 * pair + 1));
  const float lg = __double2float_rn(log(static_cast<double>(u1)));
  const float c = __double2float_rn(cos(static_cast<double>(__fmul_rn(6.2831853071795864f, u2))));
  return __fmul_rn(__fsqrt_rn(__fmul_rn(-2.0f, lg)), c);
}

}  // namespace aot::cuda

#endif  // AOT_BACKENDS_CUDA_DEVICE_COMMON_CUH_
