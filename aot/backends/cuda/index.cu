// Device code of the indexing ops: triu/tril, index_select, index_add,
// gather and scatter_add (contiguous operands, int64 indices). Bad indices
// never fault: the kernel skips them and raises a device flag that the host
// reads back and turns into InvalidArgument. Adds are atomic, so their order
// (and the last bits of floating sums) may vary between runs.
#include <cstdint>

#include "aot/backends/cuda/device_common.cuh"
#include "aot/backends/cuda/device_kernels.h"

namespace aot::cuda {
namespace {

constexpr int kBlock = 256;

#define AOT_GRID_STRIDE_(i, n)                                                                       \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(gridDim.x) * blockDim.x)

template <typename T>
__global__ void TriangularKernel(const T* x, T* out, int64_t n, int64_t rows, int64_t cols, int64_t diagonal,
                                 bool upper) {
  AOT_GRID_STRIDE_(i, n) {
    const int64_t c = i % cols;
    const int64_t r = (i / cols) % rows;
    const bool keep = upper ? c - r >= diagonal : c - r <= diagonal;
    out[i] = keep ? x[i] : FromC<T>(Compute<T>(0));
  }
}

__device__ __forceinline__ bool FixIndex(int64_t* idx, int64_t size) {
  int64_t v = *idx;
  if (v < 0) v += size;
  if (v < 0 || v >= size) return false;
  *idx = v;
  return true;
}

template <typename T>
__global__ void IndexSelectKernel(const T* x, const int64_t* index, T* out, int64_t outer, int64_t size,
                                  int64_t inner, int64_t n_index, int* bad) {
  const int64_t n = outer * n_index * inner;
  AOT_GRID_STRIDE_(i, n) {
    const int64_t k = i % inner;
    const int64_t j = (i / inner) % n_index;
    const int64_t o = i / (inner * n_index);
    int64_t idx = index[j];
    if (!FixIndex(&idx, size)) {
      *bad = 1;
      out[i] = FromC<T>(Compute<T>(0));
      continue;
    }
    out[i] = x[(o * size + idx) * inner + k];
  }
}

template <typename T>
__device__ __forceinline__ void AtomicAddT(T* p, T v) {
  if constexpr (std::is_same_v<T, int64_t>) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
  } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, uint8_t>) {
    *p = static_cast<T>(*p + v);  // Not reached: the host rejects these dtypes.
  } else {
    atomicAdd(p, v);
  }
}

template <typename T>
__global__ void IndexAddKernel(T* out, const int64_t* index, const T* src, int64_t outer, int64_t size,
                               int64_t inner, int64_t n_index, double alpha, int* bad) {
  const int64_t n = outer * n_index * inner;
  using C = Compute<T>;
  AOT_GRID_STRIDE_(i, n) {
    const int64_t k = i % inner;
    const int64_t j = (i / inner) % n_index;
    const int64_t o = i / (inner * n_index);
    int64_t idx = index[j];
    if (!FixIndex(&idx, size)) {
      *bad = 1;
      continue;
    }
    const T v = alpha == 1 ? src[i] : FromC<T>(static_cast<C>(ToC(src[i]) * static_cast<C>(alpha)));
    AtomicAddT(out + (o * size + idx) * inner + k, v);
  }
}

// Offset in a contiguous array of `sizes` of the index's element i, with the
// coordinate along `dim` replaced by `value`; also the strided src offset.
__device__ __forceinline__ void GatherOffsets(const GatherArgs& a, int64_t i, int64_t value, int64_t* x_off,
                                              int64_t* src_off) {
  int64_t xo = 0, so = 0, xs = 1;
  for (int d = a.rank - 1; d >= 0; --d) {
    const int64_t c = i % a.sizes[d];
    i /= a.sizes[d];
    xo += (d == a.dim ? value : c) * xs;
    so += c * a.src_strides[d];
    xs *= a.x_sizes[d];
  }
  *x_off = xo;
  *src_off = so;
}

template <typename T>
__global__ void GatherKernel(const T* x, const int64_t* index, T* out, GatherArgs a, int* bad) {
  AOT_GRID_STRIDE_(i, a.numel) {
    int64_t idx = index[i];
    if (!FixIndex(&idx, a.x_sizes[a.dim])) {
      *bad = 1;
      out[i] = FromC<T>(Compute<T>(0));
      continue;
    }
    int64_t xo, so;
    GatherOffsets(a, i, idx, &xo, &so);
    out[i] = x[xo];
  }
}

template <typename T>
__global__ void ScatterAddKernel(T* out, const int64_t* index, const T* src, GatherArgs a, int* bad) {
  AOT_GRID_STRIDE_(i, a.numel) {
    int64_t idx = index[i];
    if (!FixIndex(&idx, a.x_sizes[a.dim])) {
      *bad = 1;
      continue;
    }
    int64_t xo, so;
    GatherOffsets(a, i, idx, &xo, &so);
    AtomicAddT(out + xo, src[so]);
  }
}

#undef AOT_GRID_STRIDE_

}  // namespace

cudaError_t LaunchTriangular(DT dtype, const void* x, void* out, int64_t batch, int64_t rows, int64_t cols,
                             int64_t diagonal, bool upper) {
  const int64_t n = batch * rows * cols;
  if (n == 0) return cudaSuccess;
  return VisitDT(dtype, [&]<typename T>() {
    TriangularKernel<T><<<GridFor(n, kBlock), kBlock>>>(static_cast<const T*>(x), static_cast<T*>(out), n, rows, cols,
                                                        diagonal, upper);
    return LastError();
  });
}

cudaError_t LaunchIndexSelect(DT dtype, const void* x, const int64_t* index, void* out, int64_t outer, int64_t size,
                              int64_t inner, int64_t n_index, int* bad) {
  const int64_t n = outer * n_index * inner;
  if (n == 0) return cudaSuccess;
  return VisitDT(dtype, [&]<typename T>() {
    IndexSelectKernel<T><<<GridFor(n, kBlock), kBlock>>>(static_cast<const T*>(x), index, static_cast<T*>(out), outer,
                                                         size, inner, n_index, bad);
    return LastError();
  });
}

cudaError_t LaunchIndexAdd(DT dtype, void* out, const int64_t* index, const void* src, int64_t outer, int64_t size,
                           int64_t inner, int64_t n_index, double alpha, int* bad) {
  const int64_t n = outer * n_index * inner;
  if (n == 0) return cudaSuccess;
  if (!HasAtomicAdd(dtype)) return cudaErrorInvalidValue;
  return VisitDT(dtype, [&]<typename T>() {
    IndexAddKernel<T><<<GridFor(n, kBlock), kBlock>>>(static_cast<T*>(out), index, static_cast<const T*>(src), outer,
                                                      size, inner, n_index, alpha, bad);
    return LastError();
  });
}

cudaError_t LaunchGather(DT dtype, const void* x, const int64_t* index, void* out, const GatherArgs& a, int* bad) {
  if (a.numel == 0) return cudaSuccess;
  return VisitDT(dtype, [&]<typename T>() {
    GatherKernel<T><<<GridFor(a.numel, kBlock), kBlock>>>(static_cast<const T*>(x), index, static_cast<T*>(out), a,
                                                          bad);
    return LastError();
  });
}

cudaError_t LaunchScatterAdd(DT dtype, void* out, const int64_t* index, const void* src, const GatherArgs& a,
                             int* bad) {
  if (a.numel == 0) return cudaSuccess;
  if (!HasAtomicAdd(dtype)) return cudaErrorInvalidValue;
  return VisitDT(dtype, [&]<typename T>() {
    ScatterAddKernel<T><<<GridFor(a.numel, kBlock), kBlock>>>(static_cast<T*>(out), index,
                                                              static_cast<const T*>(src), a, bad);
    return LastError();
  });
}

}  // namespace aot::cuda
