// Partitioning cost on joint graphs of 1k to 100k nodes: the min-cut and
// memory-budget partitioners against the default partitioner (no cut) as the
// reference, on two families of joint graphs:
//  - blocks: a stack of transformer-MLP-like blocks (layer_norm, mm, gelu,
//    mm, seeded dropout, residual add) and their backward;
//  - random: a long random DAG of elementwise ops, mm, reductions,
//    softmax and seeded dropout, and its backward.
// Each iteration analyses the joint graph, solves its cut(s) and builds both
// graphs. Linear cost shows as a flat ns_per_node across sizes.
//
//   bazel run --config=opt //bench:partition_benchmark -- --benchmark_repetitions=10
//     --benchmark_report_aggregates_only=true
#include <cstdint>
#include <map>
#include <memory>
#include <utility>

#include "aot/base/check.h"
#include "aot/base/status_macros.h"
#include "aot/partition/internal/test_graphs.h"
#include "aot/partition/memory_budget.h"
#include "aot/partition/partition.h"
#include "benchmark/benchmark.h"

namespace aot::partition {
namespace {

using internal::JointGraph;

enum Family : int64_t { kBlocks = 0, kRandom = 1 };

// Joint graphs are built once per (family, size).
const JointGraph& Joint(int64_t family, int64_t nodes) {
  static auto* cache = new std::map<std::pair<int64_t, int64_t>, JointGraph>;
  auto [it, inserted] = cache->try_emplace({family, nodes});
  if (inserted) {
    it->second = family == kBlocks ? internal::BlockStackJoint(nodes)
                                   : internal::RandomJoint(/*seed=*/42, static_cast<int>(nodes / 2));
  }
  return it->second;
}

void SetCounters(benchmark::State& state, const JointGraph& j, const Partition& p) {
  const int64_t nodes = j.graph->num_nodes();
  state.SetItemsProcessed(state.iterations() * nodes);
  state.counters["nodes"] = static_cast<double>(nodes);
  state.counters["saved_MB"] = static_cast<double>(p.summary.saved_bytes) / 1e6;
  state.counters["ns_per_node"] = benchmark::Counter(
      static_cast<double>(nodes) * 1e-9, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Partition_Default(benchmark::State& state) {
  const JointGraph& j = Joint(state.range(1), state.range(0));
  absl::StatusOr<Partition> check = DefaultPartition(*j.graph, j.info);
  AOT_CHECK_OK(check);
  for (auto _ : state) benchmark::DoNotOptimize(DefaultPartition(*j.graph, j.info));
  SetCounters(state, j, *check);
}

void BM_Partition_MinCut(benchmark::State& state) {
  const JointGraph& j = Joint(state.range(1), state.range(0));
  absl::StatusOr<Partition> check = MinCutPartition(*j.graph, j.info);
  AOT_CHECK_OK(check);
  absl::StatusOr<Partition> reference = DefaultPartition(*j.graph, j.info);
  AOT_CHECK_OK(reference);
  AOT_CHECK(check->summary.saved_bytes <= reference->summary.saved_bytes);
  for (auto _ : state) benchmark::DoNotOptimize(MinCutPartition(*j.graph, j.info));
  SetCounters(state, j, *check);
  state.counters["saved_vs_default"] =
      static_cast<double>(check->summary.saved_bytes) / static_cast<double>(reference->summary.saved_bytes);
}

// Planning (all candidate cuts) plus building the partition for budget 0.5.
void BM_Partition_MemoryBudget(benchmark::State& state) {
  const JointGraph& j = Joint(state.range(1), state.range(0));
  absl::StatusOr<Partition> check = MemoryBudgetPartition(*j.graph, j.info, 0.5);
  AOT_CHECK_OK(check);
  for (auto _ : state) benchmark::DoNotOptimize(MemoryBudgetPartition(*j.graph, j.info, 0.5));
  SetCounters(state, j, *check);
}

#define AOT_PARTITION_SIZES(family)                                                                   \
  ->Args({1000, family})->Args({10000, family})->Args({100000, family})->ArgNames({"nodes", "random"}) \
      ->Unit(benchmark::kMillisecond)
BENCHMARK(BM_Partition_Default) AOT_PARTITION_SIZES(kBlocks);
BENCHMARK(BM_Partition_MinCut) AOT_PARTITION_SIZES(kBlocks);
BENCHMARK(BM_Partition_Default) AOT_PARTITION_SIZES(kRandom);
BENCHMARK(BM_Partition_MinCut) AOT_PARTITION_SIZES(kRandom);
BENCHMARK(BM_Partition_MemoryBudget) AOT_PARTITION_SIZES(kBlocks);

}  // namespace
}  // namespace aot::partition

BENCHMARK_MAIN();
