// Compile latency of aot_function: AotFunction::Precompile, which traces,
// builds the joint graph, partitions it with the min-cut partitioner and
// compiles both halves with the nop compiler, for a chain of N blocks of
// (sin, mul, add). Freeing the compiled function is not timed.
// BM_FirstCall_Aot times the first call instead (compile, then run the
// forward once on a 16-element input). The stages are also timed alone. The reference is PyTorch's
// aot_function with nop compilers on the same chain: 0.5 s for N=100 and
// 7.0 s for N=1000 on this machine (issue 10); the target is N=1000 in under
// 20 ms. BM_EagerForwardBackward is the same chain run eagerly, forward and
// backward, on the same input, measured in the same run.
//
//   bazel run --config=opt //bench:compile_latency -- --benchmark_repetitions=10
//     --benchmark_report_aggregates_only=true
//
// bench/instruction_counts.py counts the instructions of one compile per N
// under valgrind, the machine-independent check that the work is linear.
//
// Note [The benchmark's heap]
// A compile at N=10000 mallocs and frees some 100 MB. glibc returns the top
// of its heap to the system when more than a threshold is free there, and
// sets that threshold from the largest mmapped block freed so far (twice
// its size), so whether each iteration hands memory back and faults it in
// again (some 7500 page faults, 30 MB, per compile at N=10000, about 6 us
// each on this VM) depended on which of the compile's vectors happened to
// be largest: changing the size of one (MaxFlow's arcs, 12.8 -> 9.6 MB)
// moved N=10000 by a quarter with no change in the work. main() therefore
// fixes glibc's thresholds (keep freed memory, mmap only past 32 MB) before
// the benchmarks run, so that every iteration measures the compile on
// memory already faulted in, as a process that compiles repeatedly sees
// once warm. AOT_BENCH_GLIBC_DEFAULT_HEAP=1 in the environment keeps glibc's
// defaults instead.
#include <malloc.h>

#include <cstdlib>
#include <vector>

#include "aot/autodiff/engine.h"
#include "aot/autodiff/joint_graph.h"
#include "aot/base/status_macros.h"
#include "aot/module/aot_function.h"
#include "aot/partition/partition.h"
#include "aot/tensor/ops.h"
#include "aot/trace/make_graph.h"
#include "benchmark/benchmark.h"

namespace aot {
namespace {

std::vector<Tensor> Chain(const std::vector<Tensor>& in, int64_t blocks) {
  Tensor x = in[0];
  Tensor v = in[0];
  for (int64_t i = 0; i < blocks; ++i) {
    Tensor s = sin(v);
    Tensor m = s * x;
    v = m + v;
  }
  return {v};
}

TensorFn ChainFn(int64_t blocks) {
  return [blocks](const std::vector<Tensor>& in) { return Chain(in, blocks); };
}

void SetPerBlock(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_CompileLatency_Aot(benchmark::State& state) {
  const int64_t blocks = state.range(0);
  Tensor x = randn({16}, 0).set_requires_grad(true);
  for (auto _ : state) {
    absl::StatusOr<AotFunction> f = aot_function(ChainFn(blocks), {.partition_fn = MinCutPartitionFn()});
    AOT_CHECK_OK(f.status());
    AOT_CHECK_OK(f->Precompile({x}));
    state.PauseTiming();
    f = absl::UnknownError("freed");
    state.ResumeTiming();
  }
  SetPerBlock(state);
}

void BM_FirstCall_Aot(benchmark::State& state) {
  const int64_t blocks = state.range(0);
  Tensor x = randn({16}, 0).set_requires_grad(true);
  for (auto _ : state) {
    absl::StatusOr<AotFunction> f = aot_function(ChainFn(blocks), {.partition_fn = MinCutPartitionFn()});
    AOT_CHECK_OK(f.status());
    absl::StatusOr<std::vector<Tensor>> out = (*f)({x});
    AOT_CHECK_OK(out.status());
    benchmark::DoNotOptimize(out);
  }
  SetPerBlock(state);
}

void BM_Stage_Trace(benchmark::State& state) {
  Tensor x = randn({16}, 0);
  TensorFn fn = ChainFn(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(trace::MakeGraph(fn, {x}));
  SetPerBlock(state);
}

void BM_Stage_JointGraph(benchmark::State& state) {
  Tensor x = randn({16}, 0);
  absl::StatusOr<trace::TracedGraph> fwd = trace::MakeGraph(ChainFn(state.range(0)), {x});
  AOT_CHECK_OK(fwd.status());
  for (auto _ : state) benchmark::DoNotOptimize(autodiff::BuildJointGraph(*fwd->graph, {true}));
  SetPerBlock(state);
}

void BM_Stage_MinCutPartition(benchmark::State& state) {
  Tensor x = randn({16}, 0);
  absl::StatusOr<trace::TracedGraph> fwd = trace::MakeGraph(ChainFn(state.range(0)), {x});
  AOT_CHECK_OK(fwd.status());
  absl::StatusOr<autodiff::JointGraph> joint = autodiff::BuildJointGraph(*fwd->graph, {true});
  AOT_CHECK_OK(joint.status());
  partition::JointInfo info{.num_primals = joint->num_primals, .num_fwd_outputs = joint->num_fwd_outputs};
  for (auto _ : state) benchmark::DoNotOptimize(partition::MinCutPartition(*joint->graph, info));
  SetPerBlock(state);
}

// The reference in this run: the chain computed eagerly, forward and
// backward, on the same input.
void BM_EagerForwardBackward(benchmark::State& state) {
  const int64_t blocks = state.range(0);
  for (auto _ : state) {
    Tensor x = randn({16}, 0).set_requires_grad(true);
    Tensor y = Chain({x}, blocks)[0].sum();
    AOT_CHECK_OK(y.backward());
    benchmark::DoNotOptimize(x.grad());
  }
  SetPerBlock(state);
}

BENCHMARK(BM_CompileLatency_Aot)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FirstCall_Aot)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Stage_Trace)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Stage_JointGraph)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Stage_MinCutPartition)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_EagerForwardBackward)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aot

int main(int argc, char** argv) {
  // See Note [The benchmark's heap].
  const char* default_heap = std::getenv("AOT_BENCH_GLIBC_DEFAULT_HEAP");
  if (default_heap == nullptr || default_heap[0] == '\0' || default_heap[0] == '0') {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
