// Tracing cost per op: make_graph over a function of N ops (blocks of sin,
// mul, add), against running the same function eagerly on fake tensors
// (dispatch + shape rules only, no recording) as the reference.
//
//   bazel run --config=opt //bench:trace_benchmark -- --benchmark_repetitions=10
//     --benchmark_report_aggregates_only=true
#include <vector>

#include "aot/base/status_macros.h"
#include "aot/tensor/ops.h"
#include "aot/trace/make_graph.h"
#include "benchmark/benchmark.h"

namespace aot {
namespace {

std::vector<Tensor> Chain(const std::vector<Tensor>& in, int64_t ops) {
  Tensor x = in[0], v = in[0];
  for (int64_t i = 0; i < ops / 3; ++i) v = sin(v) * x + v;
  return {v};
}

void SetPerOp(benchmark::State& state, int64_t ops) {
  state.SetItemsProcessed(state.iterations() * ops);
  state.counters["us_per_op"] = benchmark::Counter(static_cast<double>(ops) * 1e-6,
                                                   benchmark::Counter::kIsIterationInvariantRate |
                                                       benchmark::Counter::kInvert);
}

void BM_Trace_MakeGraph(benchmark::State& state) {
  const int64_t ops = state.range(0);
  Tensor x = Tensor::Fake({64, 64}, DType::kFloat32);
  trace::TracedFn fn = [ops](const std::vector<Tensor>& in) { return Chain(in, ops); };
  AOT_CHECK_OK(trace::MakeGraph(fn, {x}).status());
  for (auto _ : state) benchmark::DoNotOptimize(trace::MakeGraph(fn, {x}));
  SetPerOp(state, ops / 3 * 3);
}

void BM_Trace_FakeEagerReference(benchmark::State& state) {
  const int64_t ops = state.range(0);
  Tensor x = Tensor::Fake({64, 64}, DType::kFloat32);
  for (auto _ : state) benchmark::DoNotOptimize(Chain({x}, ops));
  SetPerOp(state, ops / 3 * 3);
}

BENCHMARK(BM_Trace_MakeGraph)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Trace_FakeEagerReference)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aot

BENCHMARK_MAIN();
