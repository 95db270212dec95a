#include "aot/backends/cpu/cpu_utils.h"

#include <omp.h>

namespace aot::cpu {

Tensor EmptyResult(const OpCall& call, int i) {
  const ir::TensorMeta& m = call.result_metas[i];
  return Tensor::Empty(ResultSizes(call, i), m.dtype, Device::Cpu());
}

std::vector<int64_t> ResultSizes(const OpCall& call, int i) {
  return call.result_metas[i].shape.concrete_sizes().value_or(std::vector<int64_t>{});
}

int NumThreads() { return std::max(1, omp_get_max_threads()); }

}  // namespace aot::cpu
