// CUDA backend benchmarks: elementwise, reductions, softmax, layer_norm,
// matmul, convolution, pooling and batch_norm through aot's ops, beside
// references measured in the same run: a device-to-device copy (the memory
// bandwidth ceiling) and cuBLAS called directly on the same buffers (the
// matmul ceiling); and one training step (forward + backward) of a GPT-2
// block in eager mode. Times are GPU times between CUDA events around one
// eager op or step (launch and dispatch included), reported as manual time,
// with the counters host_us and b2b_us (see TimeGpu: the host's time per
// call, and the GPU time per call of calls enqueued back to back); bytes
// count each input read once and each output written once, except where a
// case says what else the op must move (batch_norm).
// bench/compare_torch.py times the same workloads in PyTorch.
//
//   bazel build --config=opt //bench:cuda_ops
//   bazel-bin/bench/cuda_ops --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "aot/autodiff/engine.h"
#include "aot/backends/cuda/cuda.h"
#include "aot/backends/cuda/cuda_status.h"
#include "aot/module/layers.h"
#include "aot/module/models/gpt.h"
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

// Times fn() with CUDA events, one call per iteration: the manual time is
// the GPU time between an event recorded before the call and one after it,
// so it includes the host's dispatch of the call (the GPU idles meanwhile)
// and the launch latency. Two counters say where that time goes:
// `host_us`, the host's wall time inside fn() per call (dispatch, allocation
// and launch, not waiting for the GPU), and `b2b_us`, the GPU time per call
// of a batch of calls enqueued back to back after the timed loop (one event
// pair around the batch, so the host's dispatch of a call overlaps the GPU
// work of the previous one: the kernels' own time plus any gaps between
// them).
template <typename F>
void TimeGpu(benchmark::State& state, const F& fn) {
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  fn();  // Warm up (caching allocator, cuBLAS handle, module load).
  cudaDeviceSynchronize();
  double host_s = 0, gpu_s = 0;
  for (auto _ : state) {
    cudaEventRecord(start);
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    host_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    state.SetIterationTime(ms / 1e3);
    gpu_s += ms / 1e3;
  }
  const int64_t iters = state.iterations();
  if (iters > 0) {
    // About 2 ms of back-to-back calls, 1 to 100 of them.
    const double per_call = gpu_s / static_cast<double>(iters);
    const int batch = static_cast<int>(std::clamp(2e-3 / std::max(per_call, 1e-9), 1.0, 100.0));
    cudaDeviceSynchronize();
    cudaEventRecord(start);
    for (int i = 0; i < batch; ++i) fn();
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    state.counters["host_us"] = 1e6 * host_s / static_cast<double>(iters);
    state.counters["b2b_us"] = 1e3 * ms / batch;
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

// conv2d forward, 3x3, padding 1, [n, c, hw, hw] -> [n, c, hw, hw].
void BM_Conv2d(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t n = state.range(0), c = state.range(1), hw = state.range(2);
  const DType dt = DTypeArg(state.range(3));
  Tensor x = Rand({n, c, hw, hw}, dt), w = Rand({c, c, 3, 3}, dt);
  Tensor y = conv2d(x, w, Tensor(), {1, 1}, {1, 1});
  if (!y.ok()) {
    state.SkipWithError(y.status().ToString().c_str());
    return;
  }
  TimeGpu(state, [&] { benchmark::DoNotOptimize(conv2d(x, w, Tensor(), {1, 1}, {1, 1})); });
  const double flops = 2.0 * n * c * hw * hw * c * 9;
  state.counters["TFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * flops / 1e12, benchmark::Counter::kIsRate);
}

// batch_norm (training) and max_pool2d 3x3 stride 2 over [n, c, hw, hw].
void BM_BatchNorm(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t n = state.range(0), c = state.range(1), hw = state.range(2);
  Tensor x = Rand({n, c, hw, hw}, DType::kFloat32), w = Rand({c}, DType::kFloat32), b = Rand({c}, DType::kFloat32);
  TimeGpu(state, [&] {
    benchmark::DoNotOptimize(CallOp(ir::OpKind::kBatchNorm, {x, w, b, Tensor(), Tensor()},
                                    {{"training", true}, {"momentum", 0.1}, {"eps", 1e-5}}));
  });
  // The fewest bytes a kernel must move in general: x read twice (the
  // statistics must be complete before the first output is written) and y
  // written once; the per-channel arrays are negligible.
  state.SetBytesProcessed(state.iterations() * n * c * hw * hw * 3 * 4);
}

void BM_MaxPool2d(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t n = state.range(0), c = state.range(1), hw = state.range(2);
  Tensor x = Rand({n, c, hw, hw}, DType::kFloat32);
  TimeGpu(state, [&] {
    benchmark::DoNotOptimize(CallOp(ir::OpKind::kMaxPool2dWithIndices, {x},
                                    {{"kernel_size", std::vector<int64_t>{3, 3}},
                                     {"stride", std::vector<int64_t>{2, 2}},
                                     {"padding", std::vector<int64_t>{1, 1}}}));
  });
  // x read once (neighbouring windows overlap in cache, not in DRAM), the
  // values written as float and the indices as int64.
  const int64_t out = (hw + 2 - 3) / 2 + 1;
  state.SetBytesProcessed(state.iterations() * n * c * (hw * hw * 4 + out * out * (4 + 8)));
}

// One GPT-2 block (d = 768, 12 heads, GELU tanh, dropout 0), float32, on
// [B, T, d]: forward, y.sum(), backward into the parameters and x, grads
// cleared (set undefined, as PyTorch's zero_grad) every step.
void BM_Gpt2Block(benchmark::State& state) {
  AOT_NEED_GPU_(state);
  const int64_t b = state.range(0), t = state.range(1);
  models::GPTConfig config{.vocab_size = 50257, .block_size = 1024, .n_layer = 12, .n_head = 12, .n_embd = 768};
  SeedSequence seeds(0);
  auto block = std::make_shared<models::Block>(config, seeds);
  if (absl::Status s = block->To(kGpu); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  block->Train();
  Tensor x = Rand({b, t, config.n_embd}, DType::kFloat32).set_requires_grad(true);
  auto step = [&] {
    Tensor y = (*block)(x);
    absl::Status s = y.sum().backward();
    block->ZeroGrad();
    x.set_grad(Tensor());
    return s;
  };
  if (absl::Status s = step(); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  TimeGpu(state, [&] { benchmark::DoNotOptimize(step()); });
  // 6 * params * tokens for the dense layers, plus the attention products.
  const double params = 12.0 * config.n_embd * config.n_embd;
  const double flops = 6.0 * params * b * t + 3.0 * 4.0 * b * t * t * config.n_embd;
  state.counters["TFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * flops / 1e12, benchmark::Counter::kIsRate);
}

constexpr int64_t kN = 1 << 26;  // 64M elements: 256 MB of float.

BENCHMARK(BM_Copy_Reference)->Arg(kN)->UseManualTime();
// {1, 0}: one element, the floor of an eager op's per-call time.
BENCHMARK(BM_Elementwise_Add)->Args({kN, 0})->Args({kN, 1})->Args({1, 0})->UseManualTime();
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
BENCHMARK(BM_Conv2d)->Args({32, 64, 56, 0})->Args({32, 64, 56, 1})->UseManualTime();
BENCHMARK(BM_BatchNorm)->Args({32, 64, 56})->UseManualTime();
BENCHMARK(BM_MaxPool2d)->Args({32, 64, 112})->UseManualTime();
BENCHMARK(BM_Gpt2Block)->Args({8, 1024})->UseManualTime()->Iterations(20);

}  // namespace
}  // namespace aot

BENCHMARK_MAIN();
