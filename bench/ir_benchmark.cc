// Costs of the graph IR per node: building, printing, parsing, verifying,
// protobuf save/load, DCE and CSE, on chains of (sin, mul, add) blocks with
// 1k to 100k nodes. Linear cost shows as a flat ns_per_node across sizes.
//
//   bazel run --config=opt //bench:ir_benchmark -- --benchmark_repetitions=10
//     --benchmark_report_aggregates_only=true
#include <memory>
#include <string>

#include "aot/base/status_macros.h"
#include "aot/ir/graph.h"
#include "aot/ir/graph_proto.h"
#include "aot/ir/parser.h"
#include "aot/ir/passes/cse.h"
#include "aot/ir/passes/dce.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "benchmark/benchmark.h"

namespace aot::ir {
namespace {

// A chain v <- add(mul(sin(v), x), v), three nodes a block, plus `dup`
// duplicated sin nodes for CSE and a dead node per block for DCE when asked.
std::unique_ptr<Graph> BuildChain(int64_t nodes, bool redundant = false) {
  auto g = std::make_unique<Graph>("chain");
  Value* x = g->AddInput("x", TensorMeta(Shape{64, 64}, DType::kFloat32));
  Value* v = x;
  for (int64_t i = 0; i < nodes / 3; ++i) {
    Value* s = (*g->Create(OpKind::kSin, {v}))->result();
    if (redundant) {
      Value* s2 = (*g->Create(OpKind::kSin, {v}))->result();
      (void)*g->Create(OpKind::kCos, {s2});  // Dead once CSE merged s2.
    }
    Value* m = (*g->Create(OpKind::kMul, {s, x}))->result();
    v = (*g->Create(OpKind::kAdd, {m, v}))->result();
  }
  g->SetOutputs({v});
  return g;
}

void SetPerNode(benchmark::State& state, int64_t nodes) {
  state.SetItemsProcessed(state.iterations() * nodes);
  state.counters["ns_per_node"] = benchmark::Counter(
      static_cast<double>(nodes) * 1e-9, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Ir_Build(benchmark::State& state) {
  for (auto _ : state) {
    std::unique_ptr<Graph> g = BuildChain(state.range(0));
    benchmark::DoNotOptimize(g.get());
  }
  SetPerNode(state, state.range(0));
}

void BM_Ir_Print(benchmark::State& state) {
  std::unique_ptr<Graph> g = BuildChain(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(PrintGraph(*g));
  SetPerNode(state, g->num_nodes());
}

void BM_Ir_Parse(benchmark::State& state) {
  std::string text = PrintGraph(*BuildChain(state.range(0)));
  AOT_CHECK_OK(ParseGraph(text));
  for (auto _ : state) benchmark::DoNotOptimize(ParseGraph(text));
  SetPerNode(state, state.range(0) / 3 * 3);
}

void BM_Ir_Verify(benchmark::State& state) {
  std::unique_ptr<Graph> g = BuildChain(state.range(0));
  AOT_CHECK_OK(VerifyGraph(*g));
  for (auto _ : state) benchmark::DoNotOptimize(VerifyGraph(*g));
  SetPerNode(state, g->num_nodes());
}

void BM_Ir_ProtoSave(benchmark::State& state) {
  std::unique_ptr<Graph> g = BuildChain(state.range(0));
  for (auto _ : state) benchmark::DoNotOptimize(SerializeGraph(*g));
  SetPerNode(state, g->num_nodes());
}

void BM_Ir_ProtoLoad(benchmark::State& state) {
  std::string bytes = SerializeGraph(*BuildChain(state.range(0)));
  AOT_CHECK_OK(DeserializeGraph(bytes));
  for (auto _ : state) benchmark::DoNotOptimize(DeserializeGraph(bytes));
  SetPerNode(state, state.range(0) / 3 * 3);
}

void BM_Ir_CseDce(benchmark::State& state) {
  int64_t nodes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<Graph> g = BuildChain(state.range(0), /*redundant=*/true);
    nodes = g->num_nodes();
    state.ResumeTiming();
    benchmark::DoNotOptimize(CommonSubexpressionElimination().Run(g.get()));
    benchmark::DoNotOptimize(DeadCodeElimination().Run(g.get()));
    state.PauseTiming();
    g.reset();
    state.ResumeTiming();
  }
  SetPerNode(state, nodes);
}

#define AOT_IR_SIZES ->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond)
BENCHMARK(BM_Ir_Build) AOT_IR_SIZES;
BENCHMARK(BM_Ir_Print) AOT_IR_SIZES;
BENCHMARK(BM_Ir_Parse) AOT_IR_SIZES;
BENCHMARK(BM_Ir_Verify) AOT_IR_SIZES;
BENCHMARK(BM_Ir_ProtoSave) AOT_IR_SIZES;
BENCHMARK(BM_Ir_ProtoLoad) AOT_IR_SIZES;
BENCHMARK(BM_Ir_CseDce) AOT_IR_SIZES;

}  // namespace
}  // namespace aot::ir

BENCHMARK_MAIN();
