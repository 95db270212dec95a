// Device code of conversions and copies (every dtype pair, any strides),
// where, masked_fill, arange and the random ops. Semantics follow
// aot/backends/cpu/elementwise_kernels.cc and creation_kernels.cc; random
// numbers come from the same Philox streams (device_common.cuh).
#include <cstdint>

#include "aot/backends/cuda/device_common.cuh"
#include "aot/backends/cuda/device_kernels.h"
#include "aot/backends/cuda/elementwise_engine.cuh"

namespace aot::cuda {
namespace {

template <typename Dst, typename Src>
struct CastF {
  __device__ Dst operator()(Src v) const { return CastTo<Dst>(v); }
};

template <typename T>
struct WhereF {
  __device__ void operator()(const ElemArgs& a, const int64_t (&off)[4]) const {
    const bool c = LoadAt<bool>(a.in[0], off[1]);
    static_cast<T*>(a.out.data)[off[0]] = c ? LoadAt<T>(a.in[1], off[2]) : LoadAt<T>(a.in[2], off[3]);
  }
};

template <typename T>
struct MaskedFillF {
  __device__ void operator()(const ElemArgs& a, const int64_t (&off)[3]) const {
    const bool m = LoadAt<bool>(a.in[1], off[2]);
    static_cast<T*>(a.out.data)[off[0]] = m ? FromBits<T>(a.in[2].scalar) : LoadAt<T>(a.in[0], off[1]);
  }
};

template <typename T>
__global__ void ArangeKernel(T* out, int64_t n, double start, double step, bool exact) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      if (exact) {
        out[i] = static_cast<T>(static_cast<int64_t>(start) + i * static_cast<int64_t>(step));
        continue;
      }
    }
    out[i] = CastTo<T>(start + static_cast<double>(i) * step);
  }
}

// One element per thread and step: Philox is ten rounds of integer
// multiplies, cheap next to the store on this GPU.
template <typename T, bool kNormal>
__global__ void RandomKernel(T* out, int64_t n, uint64_t seed, uint64_t offset) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    float v;
    if constexpr (kNormal) {
      v = PhiloxNormal(seed, offset, static_cast<uint64_t>(i));
    } else {
      v = PhiloxUniform(seed, offset, static_cast<uint64_t>(i));
    }
    out[i] = CastTo<T>(v);
  }
}

template <typename T>
__global__ void DropoutKernel(const T* x, T* out, bool* mask, int64_t n, double p, uint64_t seed,
                              uint64_t offset) {
  using C = Compute<T>;
  const C scale = static_cast<C>(1.0 / (1.0 - p));
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    const float u = PhiloxUniform(seed, offset, static_cast<uint64_t>(i));
    const bool keep = static_cast<double>(u) >= p;
    mask[i] = keep;
    out[i] = FromC<T>(static_cast<C>(ToC(x[i]) * (keep ? scale : C(0))));
  }
}

}  // namespace

cudaError_t LaunchCast(DT out, DT in, const ElemArgs& a) {
  return VisitDT(out, [&]<typename D>() {
    return VisitDT(in, [&]<typename S>() { return Map<1, D, S>(a, CastF<D, S>{}); });
  });
}

cudaError_t LaunchWhere(DT dtype, const ElemArgs& a) {
  return VisitDT(dtype, [&]<typename T>() { return MapAny<3>(a, WhereF<T>{}); });
}

cudaError_t LaunchMaskedFill(DT dtype, const ElemArgs& a) {
  return VisitDT(dtype, [&]<typename T>() { return MapAny<2>(a, MaskedFillF<T>{}); });
}

cudaError_t LaunchArange(DT dtype, void* out, int64_t n, double start, double step, bool exact) {
  if (n == 0) return cudaSuccess;
  return VisitDT(dtype, [&]<typename T>() {
    ArangeKernel<T><<<GridFor(n, 256), 256>>>(static_cast<T*>(out), n, start, step, exact);
    return LastError();
  });
}

cudaError_t LaunchRandom(bool normal, DT dtype, void* out, int64_t n, uint64_t seed, uint64_t offset) {
  if (n == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    if (normal) {
      RandomKernel<T, true><<<GridFor(n, 256), 256>>>(static_cast<T*>(out), n, seed, offset);
    } else {
      RandomKernel<T, false><<<GridFor(n, 256), 256>>>(static_cast<T*>(out), n, seed, offset);
    }
    return LastError();
  });
}

cudaError_t LaunchDropout(DT dtype, const void* x, void* out, bool* mask, int64_t n, double p, uint64_t seed,
                          uint64_t offset) {
  if (n == 0) return cudaSuccess;
  return VisitFloatDT(dtype, [&]<typename T>() {
    DropoutKernel<T><<<GridFor(n, 256), 256>>>(static_cast<const T*>(x), static_cast<T*>(out), mask, n, p, seed,
                                               offset);
    return LastError();
  });
}

}  // namespace aot::cuda
