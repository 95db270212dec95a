// Note [Paired copy]
// The CPU benchmarks' targets are ratios to "the memory bandwidth that a
// plain copy reaches in the same run" (issue 5), and on a shared machine the
// copy's bandwidth moves by 2x within minutes, so a copy case run before or
// after a kernel case says little about the bandwidth the kernel had.
// PairedWithCopy times the kernel and a plain copy alternately, each call
// alone, in the same loop: each iteration runs the kernel once, then copies
// 64 MiB with memcpy split over the OpenMP threads (as the copy reference
// cases). The kernel's time is the benchmark's (manual) time, so its
// bytes_per_second is the kernel's as before; the counters add the
// interleaved copy's bandwidth (copy_bytes_per_second, bytes read plus
// bytes written) and the ratio of the two (vs_copy). Register the cases
// with ->UseManualTime().
#ifndef AOT_BENCH_PAIRED_COPY_H_
#define AOT_BENCH_PAIRED_COPY_H_

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <vector>

#include "benchmark/benchmark.h"

namespace aot::bench {

// Copies src to dst (n floats) with memcpy split over the OpenMP threads.
inline void ParallelCopy(const float* src, float* dst, int64_t n) {
  const int threads = std::max(1, omp_get_max_threads());
  const int64_t chunk = (n + threads - 1) / threads;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    const int64_t b = t * chunk, e = std::min(n, b + chunk);
    if (b < e) std::memcpy(dst + b, src + b, (e - b) * sizeof(float));
  }
}

// Runs kernel() once per iteration, then the paired copy (Note [Paired
// copy]); `bytes` is what one kernel call reads plus writes.
template <typename Kernel>
void PairedWithCopy(benchmark::State& state, int64_t bytes, const Kernel& kernel) {
  constexpr int64_t kCopyFloats = int64_t{1} << 24;  // 64 MiB.
  static std::vector<float>* const src = new std::vector<float>(kCopyFloats, 1.0f);
  static std::vector<float>* const dst = new std::vector<float>(kCopyFloats, 0.0f);
  using Clock = std::chrono::steady_clock;
  double kernel_seconds = 0, copy_seconds = 0;
  for (auto _ : state) {
    const Clock::time_point t0 = Clock::now();
    kernel();
    const Clock::time_point t1 = Clock::now();
    ParallelCopy(src->data(), dst->data(), kCopyFloats);
    benchmark::DoNotOptimize(dst->data());
    benchmark::ClobberMemory();
    const Clock::time_point t2 = Clock::now();
    const double k = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(k);
    kernel_seconds += k;
    copy_seconds += std::chrono::duration<double>(t2 - t1).count();
  }
  const double n = static_cast<double>(state.iterations());
  state.SetBytesProcessed(state.iterations() * bytes);
  if (n == 0 || kernel_seconds <= 0 || copy_seconds <= 0) return;
  const double copy_rate = n * 2 * kCopyFloats * sizeof(float) / copy_seconds;
  // In the units Google Benchmark prints bytes_per_second in (1024-based).
  state.counters["copy_bytes_per_second"] =
      benchmark::Counter(copy_rate, benchmark::Counter::kDefaults, benchmark::Counter::OneK::kIs1024);
  state.counters["vs_copy"] = (n * static_cast<double>(bytes) / kernel_seconds) / copy_rate;
}

}  // namespace aot::bench

#endif  // AOT_BENCH_PAIRED_COPY_H_
