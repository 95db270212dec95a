// Reduction and normalisation CPU kernels against a plain copy of the same
// bytes, measured in the same run. Bytes processed = bytes read + bytes
// written, so the GB/s of every row compare with the copies' (one thread:
// memcpy; all threads: memcpy split over the OpenMP threads the kernels use).
// Each kernel case also times that all-thread copy between its own calls and
// reports the ratio as vs_copy (Note [Paired copy], paired_copy.h).
//
//   bazel run --config=opt //bench:cpu_reduction_benchmark --
//     --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (one command line).
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "aot/base/check.h"
#include "aot/tensor/ops.h"
#include "benchmark/benchmark.h"
#include "bench/paired_copy.h"

namespace aot {
namespace {

constexpr int64_t kN = int64_t{1} << 24;  // 16M floats, 64 MiB: well past the caches.
constexpr int64_t kRows = 4096, kCols = 4096;
constexpr int64_t kBytes = kN * 4;

// A tensor of uniform [-4, 4) floats, filled directly (no kernels needed).
Tensor Input(std::vector<int64_t> sizes) {
  Tensor t = Tensor::Empty(sizes, DType::kFloat32);
  AOT_CHECK(t.ok()) << t.status();
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-4.0f, 4.0f);
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

void Check(const Tensor& t) { AOT_CHECK(t.ok()) << t.status(); }

// The references: copy 16M floats into a preallocated buffer.
void BM_Copy_Reference(benchmark::State& state) {
  std::vector<float> src(kN, 1.0f), dst(kN);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kBytes);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kBytes * 2);
}

void BM_CopyParallel_Reference(benchmark::State& state) {
  std::vector<float> src(kN, 1.0f), dst(kN);
  const int threads = std::max(1, omp_get_max_threads());
  for (auto _ : state) {
    bench::ParallelCopy(src.data(), dst.data(), kN);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kBytes * 2);
  state.counters["threads"] = threads;
}

void BM_Sum_Aot_AllDims(benchmark::State& state) {
  Tensor x = Input({kN});
  Check(sum(x));
  bench::PairedWithCopy(state, kBytes + 4, [&] { benchmark::DoNotOptimize(sum(x)); });
}

void BM_Sum_Aot_LastDim(benchmark::State& state) {
  Tensor x = Input({kRows, kCols});
  Check(sum(x, {1}));
  bench::PairedWithCopy(state, kBytes + kRows * 4, [&] { benchmark::DoNotOptimize(sum(x, {1})); });
}

// Over the outer dim: rows are added as vectors (column mode).
void BM_Sum_Aot_FirstDim(benchmark::State& state) {
  Tensor x = Input({kRows, kCols});
  Check(sum(x, {0}));
  bench::PairedWithCopy(state, kBytes + kCols * 4, [&] { benchmark::DoNotOptimize(sum(x, {0})); });
}

void BM_Mean_Aot_LastDim(benchmark::State& state) {
  Tensor x = Input({kRows, kCols});
  Check(mean(x, {1}));
  bench::PairedWithCopy(state, kBytes + kRows * 4, [&] { benchmark::DoNotOptimize(mean(x, {1})); });
}

void BM_Amax_Aot_AllDims(benchmark::State& state) {
  Tensor x = Input({kN});
  Check(amax(x));
  bench::PairedWithCopy(state, kBytes + 4, [&] { benchmark::DoNotOptimize(amax(x)); });
}

void BM_Amax_Aot_LastDim(benchmark::State& state) {
  Tensor x = Input({kRows, kCols});
  Check(amax(x, {1}));
  bench::PairedWithCopy(state, kBytes + kRows * 4, [&] { benchmark::DoNotOptimize(amax(x, {1})); });
}

// Two passes (mean, squared deviations) over the input.
void BM_Var_Aot_LastDim(benchmark::State& state) {
  Tensor x = Input({kRows, kCols});
  Check(var(x, {1}));
  bench::PairedWithCopy(state, kBytes + kRows * 4, [&] { benchmark::DoNotOptimize(var(x, {1})); });
}

void BM_Logsumexp_Aot_LastDim(benchmark::State& state) {
  Tensor x = Input({kRows, kCols});
  Check(logsumexp(x, {1}));
  bench::PairedWithCopy(state, kBytes + kRows * 4, [&] { benchmark::DoNotOptimize(logsumexp(x, {1})); });
}

void BM_Softmax_Aot(benchmark::State& state) {
  Tensor x = Input({kRows, kCols});
  Check(softmax(x, -1));
  bench::PairedWithCopy(state, kBytes * 2, [&] { benchmark::DoNotOptimize(softmax(x, -1)); });
}

void BM_LogSoftmax_Aot(benchmark::State& state) {
  Tensor x = Input({kRows, kCols});
  Check(log_softmax(x, -1));
  bench::PairedWithCopy(state, kBytes * 2, [&] { benchmark::DoNotOptimize(log_softmax(x, -1)); });
}

// One row of 16M: split across the threads within the row.
void BM_Softmax_Aot_OneRow(benchmark::State& state) {
  Tensor x = Input({1, kN});
  Check(softmax(x, -1));
  bench::PairedWithCopy(state, kBytes * 2, [&] { benchmark::DoNotOptimize(softmax(x, -1)); });
}

void BM_Logsumexp_Aot_OneRow(benchmark::State& state) {
  Tensor x = Input({1, kN});
  Check(logsumexp(x, {1}));
  bench::PairedWithCopy(state, kBytes + 4, [&] { benchmark::DoNotOptimize(logsumexp(x, {1})); });
}

void BM_LayerNorm_Aot(benchmark::State& state) {
  Tensor x = Input({kRows, kCols});
  Tensor w = Input({kCols}), b = Input({kCols});
  Check(std::get<0>(layer_norm(x, {kCols}, w, b)));
  // Reads x, weight, bias; writes y, mean, rstd.
  bench::PairedWithCopy(state, kBytes * 2 + kCols * 8 + kRows * 8,
                        [&] { benchmark::DoNotOptimize(layer_norm(x, {kCols}, w, b)); });
}

BENCHMARK(BM_Copy_Reference)->UseRealTime();
BENCHMARK(BM_CopyParallel_Reference)->UseRealTime();
BENCHMARK(BM_Sum_Aot_AllDims)->UseManualTime();
BENCHMARK(BM_Sum_Aot_LastDim)->UseManualTime();
BENCHMARK(BM_Sum_Aot_FirstDim)->UseManualTime();
BENCHMARK(BM_Mean_Aot_LastDim)->UseManualTime();
BENCHMARK(BM_Amax_Aot_AllDims)->UseManualTime();
BENCHMARK(BM_Amax_Aot_LastDim)->UseManualTime();
BENCHMARK(BM_Var_Aot_LastDim)->UseManualTime();
BENCHMARK(BM_Logsumexp_Aot_LastDim)->UseManualTime();
BENCHMARK(BM_Softmax_Aot)->UseManualTime();
BENCHMARK(BM_LogSoftmax_Aot)->UseManualTime();
BENCHMARK(BM_Softmax_Aot_OneRow)->UseManualTime();
BENCHMARK(BM_Logsumexp_Aot_OneRow)->UseManualTime();
BENCHMARK(BM_LayerNorm_Aot)->UseManualTime();

}  // namespace
}  // namespace aot

BENCHMARK_MAIN();
