// Checks each core decomposition against the op's CPU kernel, in float32
// and float64: run eagerly (a dispatch mode applies the table, recursively,
// to real tensors) and traced with the table through MakeGraph, then run by
// the interpreter. Also checks the table API: copies, trimming, merging.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/decomp/core_decompositions.h"
#include "aot/decomp/core_ops.h"
#include "aot/decomp/decomposition_table.h"
#include "aot/decomp/decomposition_test_cases.h"
#include "aot/ir/op.h"
#include "aot/ir/printer.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/testing/expect_close.h"
#include "aot/tensor/testing/op_cases.h"
#include "aot/trace/make_graph.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using decomp_test::DecompCase;
using op_testing::F;
using op_testing::Tensors;
using K = ir::OpKind;

// Runs ops through `table` eagerly: an op with an entry runs its
// decomposition (whose ops are looked up in turn), the others their kernel.
// Records the ops it decomposed.
class DecomposeMode : public DispatchMode {
 public:
  explicit DecomposeMode(const DecompositionTable& table) : table_(table) {}

  absl::StatusOr<std::vector<Tensor>> Handle(const OpCall& call) override {
    if (const DecompositionFn* fn = table_.Find(call.kind())) {
      decomposed.insert(call.kind());
      DispatchModeGuard again(this);
      return (*fn)(call);
    }
    return Redispatch(call);
  }

  std::set<K> decomposed;

 private:
  const DecompositionTable& table_;
};

void ExpectAllClose(const Tensors& got, const Tensors& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("result ", i));
    op_testing::ExpectClose(got[i], want[i], tol, "decomposed", "kernel");
  }
}

Tensors Clones(const Tensors& ts) {
  Tensors out;
  for (const Tensor& t : ts) out.push_back(t.clone());
  return out;
}

constexpr uint64_t kGlobalSeed = 2024;

// Runs `c.fn` directly (the kernels), with the global generator reset for a
// case that draws from it.
Tensors RunDirect(const DecompCase& c, const Tensors& inputs) {
  if (c.global_random) SetGlobalSeed(kGlobalSeed);
  return c.fn(Clones(inputs));
}

// Runs the traced graph with the interpreter, extra inputs filled as the
// runtime would fill them.
absl::StatusOr<Tensors> RunTraced(const trace::TracedGraph& t, Tensors inputs, bool global_random) {
  if (global_random) SetGlobalSeed(kGlobalSeed);
  for (const trace::ExtraInput& e : t.extra_inputs) {
    inputs.push_back(e.kind == trace::ExtraInput::Kind::kLifted ? e.value : NextSeedTensor(e.seed_numel));
  }
  return RunGraph(*t.graph, inputs);
}

void CheckCase(const DecompCase& c, DType dtype, uint64_t seed) {
  const double tol = dtype == DType::kFloat64 ? c.tol_f64 : c.tol_f32;
  Tensors example, real;
  for (const op_testing::InputSpec& in : c.inputs) {
    example.push_back(op_testing::MakeInput(in, dtype, seed++));
    real.push_back(op_testing::MakeInput(in, dtype, seed++));
    ASSERT_TRUE(real.back().ok()) << real.back().status();
  }
  const DecompositionTable& table = CoreDecompositionTable();
  const Tensors want = RunDirect(c, real);
  ASSERT_TRUE(FirstError(want).ok()) << FirstError(want);

  {
    SCOPED_TRACE("eager");
    DecomposeMode mode(table);
    if (c.global_random) SetGlobalSeed(kGlobalSeed);
    Tensors got;
    {
      DispatchModeGuard guard(&mode);
      got = c.fn(Clones(real));
    }
    EXPECT_TRUE(mode.decomposed.count(c.op)) << "the table did not decompose " << ir::GetOpDef(c.op).name();
    ExpectAllClose(got, want, tol);
  }

  {
    SCOPED_TRACE("traced");
    trace::TraceOptions options;
    options.decompositions = &table;
    absl::StatusOr<trace::TracedGraph> t = trace::MakeGraph(c.fn, example, options);
    ASSERT_TRUE(t.ok()) << t.status();
    SCOPED_TRACE(ir::PrintGraph(*t->graph));
    for (ir::Node* n : t->graph->node_range()) {
      EXPECT_NE(n->kind(), c.op) << "the graph still calls " << n->op().name();
    }
    absl::StatusOr<Tensors> got = RunTraced(*t, Clones(real), c.global_random);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectAllClose(*got, want, tol);
  }
}

class CoreDecompositionsTest : public ::testing::TestWithParam<DType> {};

TEST_P(CoreDecompositionsTest, MatchesTheKernel) {
  uint64_t seed = 1;
  for (const DecompCase& c : decomp_test::DecompositionCases()) {
    SCOPED_TRACE(decomp_test::CaseName(c));
    CheckCase(c, GetParam(), seed);
    seed += 2 * c.inputs.size();
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, CoreDecompositionsTest, ::testing::Values(DType::kFloat32, DType::kFloat64),
                         [](const ::testing::TestParamInfo<DType>& info) {
                           return std::string(ir::DTypeName(info.param));
                         });

TEST(CoreDecompositionsTest, EveryDecompositionHasACase) {
  std::set<K> covered;
  for (const DecompCase& c : decomp_test::DecompositionCases()) covered.insert(c.op);
  for (K op : CoreDecompositionTable().ops()) {
    EXPECT_TRUE(covered.count(op)) << "no case for " << ir::GetOpDef(op).name();
  }
}

// 16-bit floats compute in f32 as the kernels do: one rounding at the end.
TEST(CoreDecompositionsTest, HalfPrecisionComputesInFloat) {
  for (K op : {K::kSoftmax, K::kGelu}) {
    SCOPED_TRACE(ir::GetOpDef(op).name());
    Tensor x = op_testing::MakeInput(F({4, 8}, -3, 3), DType::kFloat16, 7);
    ir::AttrList attrs;
    if (op == K::kSoftmax) attrs = {{"dim", -1}};
    Tensor want = CallOp1(op, {x}, attrs);
    DecomposeMode mode(CoreDecompositionTable());
    Tensor got;
    {
      DispatchModeGuard guard(&mode);
      got = CallOp1(op, {x}, attrs);
    }
    op_testing::ExpectClose(got, want, 1e-3, "decomposed", "kernel");
  }
}

// --- The table API ---------------------------------------------------------------

// Traces gelu(x) + silu(x) with `table` and returns the graph's op names.
std::multiset<std::string> TracedOps(const DecompositionTable& table) {
  trace::TraceOptions options;
  options.decompositions = &table;
  absl::StatusOr<trace::TracedGraph> t = trace::MakeGraph(
      [](const Tensors& in) -> Tensors {
        Tensor a = gelu(in[0]);
        Tensor b = silu(in[0]);
        return {a + b};
      },
      {zeros({3})}, options);
  std::multiset<std::string> ops;
  if (!t.ok()) {
    ADD_FAILURE() << t.status();
    return ops;
  }
  for (ir::Node* n : t->graph->node_range()) ops.insert(n->op().name());
  return ops;
}

TEST(CoreDecompositionTableTest, CopiesCanBeTrimmed) {
  DecompositionTable table = MakeCoreDecompositionTable();
  table.Remove(K::kGelu);
  EXPECT_FALSE(table.Contains(K::kGelu));
  EXPECT_TRUE(CoreDecompositionTable().Contains(K::kGelu)) << "the core table changed with its copy";
  std::multiset<std::string> ops = TracedOps(table);
  EXPECT_EQ(ops.count("gelu"), 1u);
  EXPECT_EQ(ops.count("silu"), 0u);
  EXPECT_EQ(ops.count("sigmoid"), 1u);
}

TEST(CoreDecompositionTableTest, DecompositionsForSomeOps) {
  absl::StatusOr<DecompositionTable> table = CoreDecompositionsFor({K::kSilu});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 1);
  std::multiset<std::string> ops = TracedOps(*table);
  EXPECT_EQ(ops.count("gelu"), 1u);
  EXPECT_EQ(ops.count("silu"), 0u);
}

TEST(CoreDecompositionTableTest, DecompositionsForACoreOrInplaceOpIsNotFound) {
  absl::StatusOr<DecompositionTable> core = CoreDecompositionsFor({K::kGelu, K::kAdd});
  EXPECT_EQ(core.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(core.status().message().find("no core decomposition of add (a core op)"), std::string::npos)
      << core.status();
  absl::StatusOr<DecompositionTable> inplace = CoreDecompositionsFor({K::kAdd_});
  EXPECT_EQ(inplace.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(inplace.status().message().find("add_ (an in-place op"), std::string::npos) << inplace.status();
}

// A user table merged over the core table wins where both have an entry.
TEST(CoreDecompositionTableTest, UserTablesMergeOverTheCoreTable) {
  DecompositionTable mine;
  ASSERT_TRUE(mine.Register(K::kSilu, [](const OpCall& call) -> absl::StatusOr<std::vector<Tensor>> {
                    const Tensor& x = call.input(0);
                    Tensor s = sigmoid(x);
                    Tensor y = x * s;
                    return std::vector<Tensor>{y * 1.0};
                  })
                  .ok());
  DecompositionTable merged = CoreDecompositionTable().Merge(mine);
  std::multiset<std::string> ops = TracedOps(merged);
  EXPECT_EQ(ops.count("silu"), 0u);
  EXPECT_EQ(ops.count("gelu"), 0u);
  EXPECT_EQ(ops.count("mul.Scalar"), 3u);  // gelu: x * 0.5, x / sqrt(2); the user: y * 1.0.
}

// A decomposition's error names the op it decomposes.
TEST(CoreDecompositionTableTest, ErrorsNameTheDecomposedOp) {
  trace::TraceOptions options;
  options.decompositions = &CoreDecompositionTable();
  absl::StatusOr<trace::TracedGraph> t = trace::MakeGraph(
      [](const Tensors& in) -> Tensors {
        return CallOp(K::kBatchNorm, {in[0], Tensor(), Tensor(), Tensor(), Tensor()}, {{"training", true}});
      },
      {zeros({1, 3})}, options);
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << t.status();
  EXPECT_NE(t.status().message().find("batch_norm (decomposition): batch_norm(): expected more than 1 value per "
                                      "channel when training"),
            std::string::npos)
      << t.status();
}

}  // namespace
}  // namespace aot
