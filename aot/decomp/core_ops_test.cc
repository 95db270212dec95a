// Checks the core op set against the core decomposition table: every op
// outside the core set leaves a traced graph, either through its
// decomposition (recursively, down to core ops) or, for in-place ops,
// through functionalization, so a backend that implements the core ops runs
// any graph traced with the core table.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/decomp/core_decompositions.h"
#include "aot/decomp/core_ops.h"
#include "aot/decomp/decomposition_test_cases.h"
#include "aot/ir/op.h"
#include "aot/ir/printer.h"
#include "aot/tensor/testing/op_cases.h"
#include "aot/trace/make_graph.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using decomp_test::DecompCase;
using op_testing::Tensors;
using K = ir::OpKind;

// Non-core ops that may stay in a graph traced with the core table. Empty:
// every non-core op that is not in-place has a core decomposition. An op
// goes here only if it has no expression in core ops at all (none does
// today), with the reason next to it.
const std::set<K>& AllowedNonCoreOps() {
  static const auto* ops = new std::set<K>{};
  return *ops;
}

// One call of each in-place op, on a clone and on an input itself.
std::vector<DecompCase> InplaceCases() {
  std::vector<DecompCase> cases;
  for (const op_testing::InplaceCall& o : op_testing::InplaceCalls()) {
    cases.push_back({o.op, "on a clone", op_testing::OnClone(o.op, o.attrs), o.inputs});
    cases.push_back({o.op, "on an input", op_testing::OnInput(o.op, o.attrs), o.inputs});
  }
  return cases;
}

std::vector<DecompCase> AllCases() {
  std::vector<DecompCase> all = decomp_test::DecompositionCases();
  for (DecompCase& c : InplaceCases()) all.push_back(std::move(c));
  return all;
}

TEST(CoreOpsTest, CoreOpsAreThoseIsCoreOpAccepts) {
  std::vector<K> core = CoreOps();
  std::set<K> core_set(core.begin(), core.end());
  for (const ir::OpDef* op : ir::AllOps()) EXPECT_EQ(IsCoreOp(op->kind()), core_set.count(op->kind()) == 1);
  // Spot checks of Note [Choosing the core op set].
  EXPECT_TRUE(IsCoreOp(K::kAdd));
  EXPECT_TRUE(IsCoreOp(K::kMm));
  EXPECT_TRUE(IsCoreOp(K::kConv2dBackwardInput));
  EXPECT_TRUE(IsCoreOp(K::kFull));
  EXPECT_FALSE(IsCoreOp(K::kSoftmax));
  EXPECT_FALSE(IsCoreOp(K::kMatmul));
  EXPECT_FALSE(IsCoreOp(K::kAdd_));
}

// The table holds exactly the non-core ops that are not in-place: none of
// the core ops (which would then never reach a backend), none of the
// in-place ops (functionalization turns those into functional ops first).
TEST(CoreOpsTest, CoreTableDecomposesExactlyTheNonCoreOps) {
  const DecompositionTable& table = CoreDecompositionTable();
  std::vector<std::string> missing, extra;
  for (const ir::OpDef* op : ir::AllOps()) {
    const bool should = !IsCoreOp(op->kind()) && !op->is_inplace() && !AllowedNonCoreOps().count(op->kind());
    if (should && !table.Contains(op->kind())) missing.push_back(op->name());
    if (!should && table.Contains(op->kind())) extra.push_back(op->name());
  }
  EXPECT_TRUE(missing.empty()) << "non-core ops without a core decomposition: " << absl::StrJoin(missing, ", ");
  EXPECT_TRUE(extra.empty()) << "core, in-place or allowed ops in the core table: " << absl::StrJoin(extra, ", ");
}

TEST(CoreOpsTest, EveryNonCoreOpHasACase) {
  std::set<K> covered;
  for (const DecompCase& c : AllCases()) covered.insert(c.op);
  std::vector<std::string> missing;
  for (const ir::OpDef* op : ir::AllOps()) {
    if (!IsCoreOp(op->kind()) && !covered.count(op->kind())) missing.push_back(op->name());
  }
  EXPECT_TRUE(missing.empty()) << "non-core ops without a case: " << absl::StrJoin(missing, ", ");
}

// Traces each call with the core table: only core ops (and allowed ones)
// remain.
TEST(CoreOpsTest, TracingWithTheCoreTableLeavesOnlyCoreOps) {
  trace::TraceOptions options;
  options.decompositions = &CoreDecompositionTable();
  uint64_t seed = 1;
  for (const DecompCase& c : AllCases()) {
    SCOPED_TRACE(decomp_test::CaseName(c));
    Tensors example;
    for (const op_testing::InputSpec& in : c.inputs) {
      example.push_back(op_testing::MakeInput(in, DType::kFloat32, seed++));
    }
    absl::StatusOr<trace::TracedGraph> t = trace::MakeGraph(c.fn, example, options);
    ASSERT_TRUE(t.ok()) << t.status();
    std::vector<std::string> non_core;
    for (ir::Node* n : t->graph->node_range()) {
      if (!IsCoreOp(n->kind()) && !AllowedNonCoreOps().count(n->kind())) non_core.push_back(n->op().name());
    }
    EXPECT_TRUE(non_core.empty()) << "non-core ops in the graph: " << absl::StrJoin(non_core, ", ") << "\n"
                                  << ir::PrintGraph(*t->graph);
  }
}

}  // namespace
}  // namespace aot
