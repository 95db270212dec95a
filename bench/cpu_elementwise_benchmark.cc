// Elementwise CPU kernels against a plain copy of the same bytes, measured in
// the same run. Bytes processed = bytes read + bytes written, so the GB/s of
// every row compare with the copy's. Each kernel case also times a copy
// split over the OpenMP threads between its own calls and reports the ratio
// as vs_copy (Note [Paired copy], paired_copy.h).
//
//   bazel run --config=opt //bench:cpu_elementwise_benchmark --
//     --benchmark_repetitions=10 --benchmark_report_aggregates_only=true
#include <cstring>
#include <vector>

#include "aot/base/status_macros.h"
#include "aot/tensor/ops.h"
#include "benchmark/benchmark.h"
#include "bench/paired_copy.h"

namespace aot {
namespace {

constexpr int64_t kN = int64_t{1} << 24;  // 16M floats, 64 MiB: well past the caches.

// The reference: copy n floats into a preallocated buffer.
void BM_Copy_Reference(benchmark::State& state) {
  std::vector<float> src(kN, 1.0f), dst(kN);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), kN * sizeof(float));
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kN * 4 * 2);
}

// The reference with every core: each OpenMP thread copies its share
// (ParallelCopy, the copy the kernel cases pair with).
void BM_CopyParallel_Reference(benchmark::State& state) {
  std::vector<float> src(kN, 1.0f), dst(kN);
  for (auto _ : state) {
    bench::ParallelCopy(src.data(), dst.data(), kN);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * kN * 4 * 2);
}

// As users call it: a + b allocates its result.
void BM_Add_Aot(benchmark::State& state) {
  Tensor a = rand({kN}, 1), b = rand({kN}, 2);
  AOT_CHECK_OK((a + b).status());
  bench::PairedWithCopy(state, kN * 4 * 3, [&] { benchmark::DoNotOptimize(a + b); });
}

void BM_AddInplace_Aot(benchmark::State& state) {
  Tensor a = rand({kN}, 1), b = rand({kN}, 2);
  bench::PairedWithCopy(state, kN * 4 * 3, [&] { benchmark::DoNotOptimize(a.add_(b)); });
}

void BM_MulScalar_Aot(benchmark::State& state) {
  Tensor a = rand({kN}, 1);
  bench::PairedWithCopy(state, kN * 4 * 2, [&] { benchmark::DoNotOptimize(a * 3.0); });
}

// Row broadcast: [4096, 4096] + [4096].
void BM_AddBroadcast_Aot(benchmark::State& state) {
  Tensor a = rand({4096, 4096}, 1), b = rand({4096}, 2);
  bench::PairedWithCopy(state, kN * 4 * 2, [&] { benchmark::DoNotOptimize(a + b); });
}

void BM_Relu_Aot(benchmark::State& state) {
  Tensor a = randn({kN}, 1);
  bench::PairedWithCopy(state, kN * 4 * 2, [&] { benchmark::DoNotOptimize(relu(a)); });
}

void BM_Exp_Aot(benchmark::State& state) {
  Tensor a = randn({kN}, 1);
  bench::PairedWithCopy(state, kN * 4 * 2, [&] { benchmark::DoNotOptimize(exp(a)); });
}

void BM_Cos_Aot(benchmark::State& state) {
  Tensor a = randn({kN}, 1);
  bench::PairedWithCopy(state, kN * 4 * 2, [&] { benchmark::DoNotOptimize(cos(a)); });
}

void BM_Gelu_Aot(benchmark::State& state) {
  Tensor a = randn({kN}, 1);
  bench::PairedWithCopy(state, kN * 4 * 2, [&] { benchmark::DoNotOptimize(gelu(a)); });
}

// A transposed (strided) input.
void BM_AddTransposed_Aot(benchmark::State& state) {
  Tensor a = rand({4096, 4096}, 1), b = rand({4096, 4096}, 2);
  Tensor at = a.transpose(0, 1);
  bench::PairedWithCopy(state, kN * 4 * 3, [&] { benchmark::DoNotOptimize(at + b); });
}

// A rank-3 permutation: [256, 256, 256].permute({2, 0, 1}) + b.
void BM_AddPermuted3d_Aot(benchmark::State& state) {
  Tensor a = rand({256, 256, 256}, 1), b = rand({256, 256, 256}, 2);
  Tensor ap = a.permute({2, 0, 1});
  bench::PairedWithCopy(state, kN * 4 * 3, [&] { benchmark::DoNotOptimize(ap + b); });
}

BENCHMARK(BM_Copy_Reference)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CopyParallel_Reference)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Add_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_AddInplace_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_MulScalar_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_AddBroadcast_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_Relu_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_Exp_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_Cos_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_Gelu_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_AddTransposed_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();
BENCHMARK(BM_AddPermuted3d_Aot)->Unit(benchmark::kMillisecond)->UseManualTime();

}  // namespace
}  // namespace aot

BENCHMARK_MAIN();
