// The CPU backend's matrix products against the library it calls:
// BM_Matmul_Aot runs aot::matmul (dispatcher, shape rule, allocation, Gemm)
// and BM_Matmul_Reference calls oneDNN's sgemm (the float32 choice of
// docs/design/cpu_backend.md) directly on the same buffers, so their GFLOP/s
// ratio is the backend's overhead (target: >= 80%).
// BM_Matmul16_Aot is matmul of float16 and bfloat16 matrices,
// BM_MatmulInt_Aot of int32 and int64 ones.
// BM_Linear_Aot is the MLP layer x @ w.T + b; BM_Conv2d_Aot runs conv2d
// (oneDNN) on ResNet shapes, BM_Conv2dBackward_Aot its gradients.
//
//   bazel run --config=opt //bench:cpu_matmul_benchmark --
//     --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (one command line).
#include <cstdint>
#include <random>
#include <vector>

#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "benchmark/benchmark.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace aot {
namespace {

Tensor Random(std::vector<int64_t> sizes, uint32_t seed) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(gen);
  return Tensor::FromVector<float>(v, sizes);
}

void SetGflops(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Times aot::matmul(a, b) of an [m, k] and a [k, n] matrix.
void TimeMatmul(benchmark::State& state, const Tensor& a, const Tensor& b) {
  for (auto _ : state) {
    Tensor c = matmul(a, b);
    if (!c.ok()) {
      state.SkipWithError(c.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(c.raw_data());
  }
  SetGflops(state, 2.0 * a.size(0) * b.size(1) * a.size(1));
}

// Args: M, N, K.
void BM_Matmul_Aot(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  TimeMatmul(state, Random({m, k}, 1), Random({k, n}, 2));
}

void BM_Matmul_Reference(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  Tensor a = Random({m, k}, 1), b = Random({k, n}, 2);
  std::vector<float> c(static_cast<size_t>(m * n));
  for (auto _ : state) {
    dnnl::sgemm('N', 'N', m, n, k, 1.f, a.data_ptr<float>(), k, b.data_ptr<float>(), n, 0.f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  SetGflops(state, 2.0 * m * n * k);
}

void MatmulArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "N", "K"});
  for (int64_t s : {256, 512, 1024, 2048}) b->Args({s, s, s});
  b->Args({128, 256, 784});  // MNIST MLP, batch 128: 784 -> 256.
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Matmul_Aot)->Apply(MatmulArgs);
BENCHMARK(BM_Matmul_Reference)->Apply(MatmulArgs);

// 16-bit operands (float16, bfloat16): widened to float for oneDNN's sgemm
// and rounded back (blas.h), against BM_Matmul_Reference's sgemm of the same
// size. Args: M = N = K, dtype (0: float16, 1: bfloat16).
void BM_Matmul16_Aot(benchmark::State& state) {
  const int64_t s = state.range(0);
  const DType dtype = state.range(1) == 0 ? DType::kFloat16 : DType::kBFloat16;
  TimeMatmul(state, Random({s, s}, 1).to(dtype), Random({s, s}, 2).to(dtype));
}
BENCHMARK(BM_Matmul16_Aot)
    ->ArgNames({"MNK", "bf16"})
    ->ArgsProduct({{512, 1024, 2048}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Integer operands (Eigen's general matrix product, blas.h), against
// BM_Matmul_Reference's float sgemm of the same size (GFLOP/s counts integer
// multiply-adds the same way). Args: M = N = K, dtype (0: int32, 1: int64).
void BM_MatmulInt_Aot(benchmark::State& state) {
  const int64_t s = state.range(0);
  const DType dtype = state.range(1) == 0 ? DType::kInt32 : DType::kInt64;
  TimeMatmul(state, (Random({s, s}, 1) * 100.0).to(dtype), (Random({s, s}, 2) * 100.0).to(dtype));
}
BENCHMARK(BM_MatmulInt_Aot)
    ->ArgNames({"MNK", "i64"})
    ->ArgsProduct({{256, 512, 1024}, {0, 1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: batch, in features, out features.
void BM_Linear_Aot(benchmark::State& state) {
  const int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  Tensor x = Random({m, k}, 1), w = Random({n, k}, 2), bias = Random({n}, 3);
  for (auto _ : state) {
    Tensor y = linear(x, w, bias);
    if (!y.ok()) {
      state.SkipWithError(y.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(y.raw_data());
  }
  SetGflops(state, 2.0 * m * n * k);
}
BENCHMARK(BM_Linear_Aot)
    ->ArgNames({"B", "In", "Out"})
    ->Args({128, 784, 256})
    ->Args({128, 256, 10})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Args: N, C, HW, OC, K, stride, padding.
void BM_Conv2d_Aot(benchmark::State& state) {
  const int64_t n = state.range(0), c = state.range(1), hw = state.range(2), oc = state.range(3), k = state.range(4),
                s = state.range(5), p = state.range(6);
  Tensor x = Random({n, c, hw, hw}, 1), w = Random({oc, c, k, k}, 2);
  const int64_t o = (hw + 2 * p - k) / s + 1;
  for (auto _ : state) {
    Tensor y = conv2d(x, w, Tensor(), {s, s}, {p, p});
    if (!y.ok()) {
      state.SkipWithError(y.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(y.raw_data());
  }
  SetGflops(state, 2.0 * n * oc * o * o * c * k * k);
}
BENCHMARK(BM_Conv2d_Aot)
    ->ArgNames({"N", "C", "HW", "OC", "K", "S", "P"})
    ->Args({8, 64, 56, 64, 3, 1, 1})  // ResNet layer1 3x3.
    ->Args({8, 3, 224, 64, 7, 2, 3})  // ResNet stem.
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The backward ops of the ResNet 3x3 layer. Args: 0 input gradient, 1 weight
// gradient.
void BM_Conv2dBackward_Aot(benchmark::State& state) {
  const int64_t n = 8, c = 64, hw = 56, oc = 64, k = 3;
  Tensor x = Random({n, c, hw, hw}, 1), w = Random({oc, c, k, k}, 2), dy = Random({n, oc, hw, hw}, 3);
  const bool input_grad = state.range(0) == 0;
  ir::AttrList attrs = {{"stride", std::vector<int64_t>{1, 1}}, {"padding", std::vector<int64_t>{1, 1}}};
  if (input_grad) {
    attrs.push_back({"input_size", std::vector<int64_t>{n, c, hw, hw}});
  } else {
    attrs.push_back({"weight_size", std::vector<int64_t>{oc, c, k, k}});
  }
  for (auto _ : state) {
    Tensor g = input_grad ? CallOp1(OpKind::kConv2dBackwardInput, {dy, w}, attrs)
                          : CallOp1(OpKind::kConv2dBackwardWeight, {dy, x}, attrs);
    if (!g.ok()) {
      state.SkipWithError(g.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(g.raw_data());
  }
  SetGflops(state, 2.0 * n * oc * hw * hw * c * k * k);
}
BENCHMARK(BM_Conv2dBackward_Aot)->ArgName("weight_grad")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace aot

BENCHMARK_MAIN();
