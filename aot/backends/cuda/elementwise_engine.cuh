// The elementwise engine of the CUDA backend: applies a functor to every
// element of operands that broadcast to one output shape, with any strides.
//
//   struct AddF {
//     __device__ float operator()(float x, float y) const { return x + y; }
//   };
//   return Map<2, float, float>(args, AddF{});   // out[i] = in0[i] + in1[i]
//
// Two paths (see Note [Elementwise paths]). Functors are called with the
// input values and return the output value; operands that are scalars
// (Operand::data == nullptr) read their value from the launch parameters.
#ifndef AOT_BACKENDS_CUDA_ELEMENTWISE_ENGINE_CUH_
#define AOT_BACKENDS_CUDA_ELEMENTWISE_ENGINE_CUH_

#include <cstdint>

#include "aot/backends/cuda/device_common.cuh"

namespace aot::cuda {

// Note [Elementwise paths]
// Contiguous: every array operand is dense over the same linear index and
// suitably aligned. Each thread then moves kVec consecutive elements per
// operand with one vector access (16 bytes for float), in a grid-stride loop
// sized to fill the GPU; a tail of fewer than kVec elements goes element by
// element. Strided: one element per thread per step; the offset of each
// operand comes from the linear index by division over the (coalesced)
// sizes. The host side (MakeElemArgs, cuda_utils.cc) coalesces dimensions and
// decides which path applies.
inline constexpr int kVec = 4;
inline constexpr int kThreads = 256;

template <typename T, int V>
struct alignas(sizeof(T) * V) VecOf {
  T v[V];
};

template <typename T>
__device__ __forceinline__ T LoadAt(const Operand& o, int64_t off) {
  return o.data != nullptr ? static_cast<const T*>(o.data)[off] : FromBits<T>(o.scalar);
}

// Offsets of the output and N inputs for linear index i.
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
__global__ void __launch_bounds__(kThreads) MapVecKernel(ElemArgs a, F f) {
  const int64_t nvec = a.numel / kVec;
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t tid = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  Out* out = static_cast<Out*>(a.out.data);
  for (int64_t v = tid; v < nvec; v += step) {
    VecOf<In, kVec> in[N > 0 ? N : 1];
#pragma unroll
    for (int k = 0; k < N; ++k) {
      if (a.in[k].data != nullptr) {
        in[k] = reinterpret_cast<const VecOf<In, kVec>*>(a.in[k].data)[v];
      } else {
        const In s = FromBits<In>(a.in[k].scalar);
#pragma unroll
        for (int j = 0; j < kVec; ++j) in[k].v[j] = s;
      }
    }
    VecOf<Out, kVec> o;
#pragma unroll
    for (int j = 0; j < kVec; ++j) {
      In x[N];
#pragma unroll
      for (int k = 0; k < N; ++k) x[k] = in[k].v[j];
      o.v[j] = Apply<N, In>(f, x);
    }
    reinterpret_cast<VecOf<Out, kVec>*>(out)[v] = o;
  }
  // The tail: fewer than kVec elements.
  const int64_t i = nvec * kVec + tid;
  if (i < a.numel) {
    In x[N];
#pragma unroll
    for (int k = 0; k < N; ++k) x[k] = LoadAt<In>(a.in[k], i);
    out[i] = Apply<N, In>(f, x);
  }
}

template <typename T>
__host__ inline bool AlignedFor(const Operand& o) {
  return o.data == nullptr || reinterpret_cast<uintptr_t>(o.data) % (sizeof(T) * kVec) == 0;
}

// out (type Out) = f(in[0], ..., in[N-1]) (type In each) over `a`.
template <int N, typename Out, typename In, typename F>
__host__ cudaError_t Map(const ElemArgs& a, const F& f) {
  if (a.numel == 0) return cudaSuccess;
  bool vec = a.contiguous && AlignedFor<Out>(a.out);
  for (int k = 0; k < N; ++k) vec = vec && AlignedFor<In>(a.in[k]);
  if (vec) {
    MapVecKernel<N, Out, In, F><<<GridFor(a.numel, kThreads, kVec), kThreads>>>(a, f);
  } else {
    MapStridedKernel<N, Out, In, F><<<GridFor(a.numel, kThreads), kThreads>>>(a, f);
  }
  return LastError();
}

// For operands of mixed types: f(a, off) reads and writes through the
// offsets itself (off[0] is the output's). Strided path only.
template <int N, typename F>
__global__ void __launch_bounds__(kThreads) MapAnyKernel(ElemArgs a, F f) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < a.numel; i += step) {
    int64_t off[N + 1];
    if (a.contiguous) {
#pragma unroll
      for (int k = 0; k <= N; ++k) off[k] = i;
    } else {
      OffsetsOf<N>(a, i, off);
    }
    f(a, off);
  }
}

template <int N, typename F>
__host__ cudaError_t MapAny(const ElemArgs& a, const F& f) {
  if (a.numel == 0) return cudaSuccess;
  MapAnyKernel<N, F><<<GridFor(a.numel, kThreads), kThreads>>>(a, f);
  return LastError();
}

}  // namespace aot::cuda

#endif  // AOT_BACKENDS_CUDA_ELEMENTWISE_ENGINE_CUH_
