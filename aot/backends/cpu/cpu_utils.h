// Helpers shared by the CPU kernels: result allocation, parallel loops
// (OpenMP) and registration shorthands. Dense copies: strided.h.
#ifndef AOT_BACKENDS_CPU_CPU_UTILS_H_
#define AOT_BACKENDS_CPU_CPU_UTILS_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/scalar_types.h"
#include "aot/tensor/tensor.h"

namespace aot::cpu {

using KernelResult = absl::StatusOr<std::vector<Tensor>>;

// Allocates result `i` of `call` on the CPU with the shape rule's metadata.
// Returns an error tensor when out of memory (check .ok()).
Tensor EmptyResult(const OpCall& call, int i = 0);

// Number of threads kernels use (OpenMP's, at least 1).
int NumThreads();

// Calls f(begin, end) on disjoint chunks covering [0, n), in parallel when
// n >= grain (elements per task), serially otherwise.
template <typename F>
void ParallelFor(int64_t n, int64_t grain, const F& f) {
  if (n <= 0) return;
  int threads = NumThreads();
  if (n < grain * 2 || threads <= 1) {
    f(int64_t{0}, n);
    return;
  }
  int64_t tasks = std::min<int64_t>(threads, (n + grain - 1) / grain);
  int64_t chunk = (n + tasks - 1) / tasks;
#pragma omp parallel for num_threads(static_cast<int>(tasks)) schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    int64_t b = t * chunk;
    int64_t e = std::min(n, b + chunk);
    if (b < e) f(b, e);
  }
}

// Default grain for memory-bound loops (elements per parallel task).
inline constexpr int64_t kGrain = 32768;

// Sizes of a result meta as a vector (concrete: the CPU backend never sees
// symbolic shapes).
std::vector<int64_t> ResultSizes(const OpCall& call, int i = 0);

}  // namespace aot::cpu

#endif  // AOT_BACKENDS_CPU_CPU_UTILS_H_
