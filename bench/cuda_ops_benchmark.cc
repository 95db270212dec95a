// CUDA backend benchmarks: elementwise, reductions, softmax, layer_norm and
// matmul through aot's ops, beside references measured in the same run: a
// device-to-device copy (the memory bandwidth ceiling) and cuBLAS called
// directly on the same buffers (the matmul ceiling). Times are GPU times
// between CUDA events around one eager op (launch and dispatch included),
// reported as manual time; bytes count each input read once and each output
// written once.
//
//   bazel build --config=opt //bench:cuda_ops
//   bazel-bin/bench/cuda_ops --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "aot/backends/cuda/cuda.h"
#include "aot/backends/cuda/cuda_status.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "benchmark/benchmark.h"
#include "cublas_v2.h"
#include "cuda_runtime_api.h"

namespace aot {
namespace {

const Device kGpu = Device::Cuda(0);

bool HaveGpu() {
  static const bool ok = cuda::DeviceCount().ok();
  return ok;
}

Tensor Rand(std::vector<int64_t> size, DType dtype) { return randn(std::move(size), TensorOptions{dtype, kGpu}); }

// Times fn() with CUDA events, one call per iteration.
template <typename F>
void TimeGpu(benchmark::State& state, const F& fn) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  fn();  // Warm up (caching allocator, cuBLAS handle, module load).
  cudaDeviceSynchronize();
  for (auto _ : state) {
    cudaEventRecord(start);
    fn();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    state.SetIterationTime(ms / 1e3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
}

#define AOT_NEED_GPU_(state)                      \
  if (!HaveGpu()) {                               \
    state.SkipWithError("no CUDA GPU");           \
    return;                                       \
  }

DType DTypeArg(int64_t v) { return v == 0 ? DType::kFloat32 : DType::kBFloat16; }

void BM_Copy_Reference(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t n = state.range(0);
  Tensor a = Rand({n}, DType::kFloat32), b = Rand({n}, DType::kFloat32);
  TimeGpu(state, [&] { cudaMemcpyAsync(b.raw_data(), a.raw_data(), n * 4, cudaMemcpyDeviceToDevice); });
  state.SetBytesProcessed(state.iterations() * n * 8);
}

void BM_Elementwise_Add(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t n = state.range(0);
  const DType dt = DTypeArg(state.range(1));
  Tensor a = Rand({n}, dt), b = Rand({n}, dt);
  Tensor c = a + b;
  if (!c.ok()) {
    state.SkipWithError(c.status().ToString().c_str());
    return;
  }
  TimeGpu(state, [&] { benchmark::DoNotOptimize(a + b); });
  state.SetBytesProcessed(state.iterations() * n * 3 * ir::DTypeSize(dt));
}

void BM_Elementwise_Gelu(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t n = state.range(0);
  const DType dt = DTypeArg(state.range(1));
  Tensor a = Rand({n}, dt);
  TimeGpu(state, [&] { benchmark::DoNotOptimize(gelu(a)); });
  state.SetBytesProcessed(state.iterations() * n * 2 * ir::DTypeSize(dt));
}

void BM_Elementwise_AddBroadcast(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t rows = state.range(0), cols = state.range(1);
  Tensor a = Rand({rows, cols}, DType::kFloat32), b = Rand({cols}, DType::kFloat32);
  TimeGpu(state, [&] { benchmark::DoNotOptimize(a + b); });
  state.SetBytesProcessed(state.iterations() * rows * cols * 2 * 4);
}

void BM_Elementwise_TransposeCopy(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t n = state.range(0);
  Tensor a = Rand({n, n}, DType::kFloat32);
  TimeGpu(state, [&] { benchmark::DoNotOptimize(a.t().contiguous()); });
  state.SetBytesProcessed(state.iterations() * n * n * 2 * 4);
}

// Sums [rows, cols] over dim `state.range(2)` (0: columns, 1: rows).
void BM_Reduction_Sum(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t rows = state.range(0), cols = state.range(1), dim = state.range(2);
  Tensor a = Rand({rows, cols}, DType::kFloat32);
  TimeGpu(state, [&] { benchmark::DoNotOptimize(a.sum({dim})); });
  state.SetBytesProcessed(state.iterations() * rows * cols * 4);
}

void BM_Reduction_Var(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t rows = state.range(0), cols = state.range(1);
  Tensor a = Rand({rows, cols}, DType::kFloat32);
  TimeGpu(state, [&] { benchmark::DoNotOptimize(var(a, {1})); });
  state.SetBytesProcessed(state.iterations() * rows * cols * 4);
}

void BM_Softmax(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t rows = state.range(0), cols = state.range(1);
  const DType dt = DTypeArg(state.range(2));
  Tensor a = Rand({rows, cols}, dt);
  TimeGpu(state, [&] { benchmark::DoNotOptimize(a.softmax(-1)); });
  state.SetBytesProcessed(state.iterations() * rows * cols * 2 * ir::DTypeSize(dt));
}

void BM_LayerNorm(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t rows = state.range(0), cols = state.range(1);
  const DType dt = DTypeArg(state.range(2));
  Tensor a = Rand({rows, cols}, dt), w = Rand({cols}, dt), b = Rand({cols}, dt);
  TimeGpu(state, [&] {
    benchmark::DoNotOptimize(CallOp(ir::OpKind::kLayerNorm, {a, w, b}, {{"normalized_shape", std::vector<int64_t>{cols}}}));
  });
  state.SetBytesProcessed(state.iterations() * rows * cols * 2 * ir::DTypeSize(dt));
}

void BM_Matmul_Aot(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t n = state.range(0);
  const DType dt = DTypeArg(state.range(1));
  Tensor a = Rand({n, n}, dt), b = Rand({n, n}, dt);
  TimeGpu(state, [&] { benchmark::DoNotOptimize(a.matmul(b)); });
  state.SetItemsProcessed(state.iterations() * 2 * n * n * n);
  state.counters["TFLOP/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 2 * n * n * n / 1e12,
                                                 benchmark::Counter::kIsRate);
}

// cuBLAS directly on the same shapes: C^T = B^T A^T in column-major.
void BM_Matmul_Reference(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t n = state.range(0);
  const DType dt = DTypeArg(state.range(1));
  Tensor a = Rand({n, n}, dt), b = Rand({n, n}, dt), c = Rand({n, n}, dt);
  cublasHandle_t h;
  cublasCreate(&h);
  const cudaDataType_t t = dt == DType::kFloat32 ? CUDA_R_32F : CUDA_R_16BF;
  const float alpha = 1, beta = 0;
  const int in = static_cast<int>(n);
  TimeGpu(state, [&] {
    cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, in, in, in, &alpha, b.raw_data(), t, in, a.raw_data(), t, in, &beta,
                 c.raw_data(), t, in, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
  });
  cublasDestroy(h);
  state.SetItemsProcessed(state.iterations() * 2 * n * n * n);
  state.counters["TFLOP/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * 2 * n * n * n / 1e12,
                                                 benchmark::Counter::kIsRate);
}

constexpr int64_t kN = 1 << 26;  // 64M elements: 256 MB of float.

BENCHMARK(BM_Copy_Reference)->Arg(kN)->UseManualTime();
BENCHMARK(BM_Elementwise_Add)->Args({kN, 0})->Args({kN, 1})->UseManualTime();
BENCHMARK(BM_Elementwise_Gelu)->Args({kN, 0})->Args({kN, 1})->UseManualTime();
BENCHMARK(BM_Elementwise_AddBroadcast)->Args({16384, 4096})->UseManualTime();
BENCHMARK(BM_Elementwise_TransposeCopy)->Arg(8192)->UseManualTime();
BENCHMARK(BM_Reduction_Sum)
    ->Args({1, kN, 1})
    ->Args({16384, 4096, 1})
    ->Args({262144, 256, 1})
    ->Args({4096, 16384, 0})
    ->Args({kN / 4, 4, 0})
    ->UseManualTime();
BENCHMARK(BM_Reduction_Var)->Args({16384, 4096})->UseManualTime();
BENCHMARK(BM_Softmax)->Args({65536, 1024, 0})->Args({65536, 1024, 1})->Args({2048, 32768, 0})->UseManualTime();
BENCHMARK(BM_LayerNorm)->Args({65536, 1024, 0})->Args({65536, 1024, 1})->UseManualTime();
BENCHMARK(BM_Matmul_Aot)->Args({4096, 0})->Args({8192, 1})->UseManualTime();
BENCHMARK(BM_Matmul_Reference)->Args({4096, 0})->Args({8192, 1})->UseManualTime();

}  // namespace
}  // namespace aot

BENCHMARK_MAIN();
