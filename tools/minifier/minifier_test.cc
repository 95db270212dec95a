#include "tools/minifier/minifier.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/base/check.h"
#include "aot/ir/graph.h"
#include "aot/ir/parser.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "aot/module/compiler.h"
#include "aot/tensor/ops.h"
#include "gtest/gtest.h"
#include "tools/minifier/random_inputs.h"
#include "tools/minifier/test_compilers.h"

namespace aot::minifier {
namespace {

using ir::OpKind;

std::unique_ptr<ir::Graph> Parse(const std::string& text) {
  absl::StatusOr<std::unique_ptr<ir::Graph>> g = ir::ParseGraph(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *std::move(g) : nullptr;
}

// A graph of `n` elementwise nodes over x and y (cos, tanh, mul, add, relu,
// exp of a scaled value...) with one `planted` node of op `planted_kind` at
// position n / 2, returning every 40th value and the last.
std::unique_ptr<ir::Graph> LargeGraph(int n, OpKind planted_kind) {
  auto g = std::make_unique<ir::Graph>("large");
  ir::Value* x = g->AddInput("x", ir::TensorMeta(ir::Shape{4, 3}, ir::DType::kFloat32));
  ir::Value* y = g->AddInput("y", ir::TensorMeta(ir::Shape{4, 3}, ir::DType::kFloat32));
  ir::Value* v = x;
  std::vector<ir::Value*> outputs;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<ir::Node*> node;
    if (i == n / 2) {
      node = g->Create(planted_kind, {v});
    } else {
      switch (i % 5) {
        case 0:
          node = g->Create(OpKind::kCos, {v});
          break;
        case 1:
          node = g->Create(OpKind::kMul, {v, x});
          break;
        case 2:
          node = g->Create(OpKind::kTanh, {v});
          break;
        case 3:
          node = g->Create(OpKind::kAdd, {v, y});
          break;
        default:
          node = g->Create(OpKind::kRelu, {v});
          break;
      }
    }
    EXPECT_TRUE(node.ok()) << node.status();
    v = (*node)->result();
    if (i % 40 == 39) outputs.push_back(v);
  }
  outputs.push_back(v);
  g->SetOutputs(outputs);
  EXPECT_TRUE(ir::VerifyGraph(*g).ok());
  return g;
}

Check TestCompilerCheck(const std::string& spec) {
  absl::StatusOr<Compiler> compiler = MakeTestCompiler(spec);
  EXPECT_TRUE(compiler.ok()) << compiler.status();
  return CompilerCheck(*compiler);
}

TEST(MinifierTest, ShrinksAPlantedMiscompileInALargeGraphToOneNode) {
  std::unique_ptr<ir::Graph> g = LargeGraph(400, OpKind::kSin);
  ASSERT_EQ(g->num_nodes(), 400);
  Check check = TestCompilerCheck("miscompile:sin");
  std::vector<std::string> log;
  absl::StatusOr<MinifyResult> r = Minify(*g, check, {.log = [&](absl::string_view line) { log.emplace_back(line); }});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->failed);
  EXPECT_EQ(r->original.kind, "mismatch");
  EXPECT_EQ(r->minified.kind, "mismatch");
  EXPECT_EQ(r->original_nodes, 400);
  EXPECT_LT(r->num_checks, 200);
  EXPECT_EQ(ir::PrintGraph(*r->graph),
            "graph large(relu_39: f32[4,3]) {\n"
            "  sin: f32[4,3] = sin(relu_39)\n"
            "  return (sin)\n"
            "}\n");
  // Still fails, and passes with a correct compiler.
  EXPECT_TRUE(check(*r->graph).fails());
  EXPECT_FALSE(CompilerCheck(NopCompiler())(*r->graph).fails());
  ASSERT_FALSE(log.empty());
  EXPECT_TRUE(absl::StartsWith(log.back(), "minified 400 nodes to 1 node in ")) << log.back();
}

TEST(MinifierTest, ShrinksAPerturbedOpWithoutSwapPartner) {
  // exp has no swap partner: the miscompiler adds 0.5 to its result.
  std::unique_ptr<ir::Graph> g = LargeGraph(200, OpKind::kExp);
  absl::StatusOr<MinifyResult> r = Minify(*g, TestCompilerCheck("miscompile:exp"));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->failed);
  ASSERT_EQ(r->graph->num_nodes(), 1);
  EXPECT_EQ(r->graph->nodes()[0]->op().name(), "exp");
}

TEST(MinifierTest, ShrinksACompileErrorToTheOffendingNode) {
  std::unique_ptr<ir::Graph> g = LargeGraph(300, OpKind::kSigmoid);
  Check check = TestCompilerCheck("error:sigmoid");
  absl::StatusOr<MinifyResult> r = Minify(*g, check);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->failed);
  EXPECT_EQ(r->original.kind, "compile error");
  EXPECT_EQ(r->minified.message, "UNIMPLEMENTED: error:sigmoid compiler: cannot compile node sigmoid (sigmoid)");
  ASSERT_EQ(r->graph->num_nodes(), 1);
  EXPECT_EQ(r->graph->nodes()[0]->op().name(), "sigmoid");
}

TEST(MinifierTest, ShrinksAPlantedCrashInALargeGraphToOneNode) {
  if (!kCanIsolateCrashes) GTEST_SKIP() << "no crash isolation on this platform";
  std::unique_ptr<ir::Graph> g = LargeGraph(300, OpKind::kSin);
  Check check = TestCompilerCheck("crash:sin");
  absl::StatusOr<MinifyResult> r = Minify(*g, check);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->failed);
  EXPECT_EQ(r->original.kind, "crash");
  EXPECT_EQ(r->original.message,
            "killed by SIGABRT (Aborted); its output ends:\n"
            "  crash:sin compiler: aborting on node sin (sin)");
  EXPECT_EQ(r->minified.kind, "crash");
  EXPECT_LT(r->num_checks, 200);
  EXPECT_EQ(ir::PrintGraph(*r->graph),
            "graph large(relu_29: f32[4,3]) {\n"
            "  sin: f32[4,3] = sin(relu_29)\n"
            "  return (sin)\n"
            "}\n");
  // Still crashes, and passes with a correct compiler.
  EXPECT_EQ(IsolateCrashes(check)(*r->graph).kind, "crash");
  EXPECT_FALSE(CompilerCheck(NopCompiler())(*r->graph).fails());
  EXPECT_TRUE(absl::StartsWith(ReproducerText(*r),
                               "# Reproducer written by the aot minifier (tools/minifier, `aotc minify`).\n"
                               "# Failure (crash): killed by SIGABRT (Aborted); its output ends:\n"
                               "#   crash:sin compiler: aborting on node sin (sin)\n"))
      << ReproducerText(*r);
  EXPECT_TRUE(absl::StrContains(ReproducerTest(*r, {}), "// Crashes while the compiler crashes on this graph.\n"));
}

TEST(MinifierTest, KeepsACrashFromTurningIntoAnError) {
  if (!kCanIsolateCrashes) GTEST_SKIP() << "no crash isolation on this platform";
  // The check segfaults on sin and cos together and reports a compile
  // error on one of them: the minifier must keep both.
  std::unique_ptr<ir::Graph> g = Parse(R"(graph two(x: f32[4,3]) {
  sin: f32[4,3] = sin(x)
  cos: f32[4,3] = cos(x)
  mul: f32[4,3] = mul(sin, cos)
  return (mul)
}
)");
  Check check = [](const ir::Graph& graph) {
    bool has_sin = false, has_cos = false;
    for (const ir::Node* n : graph.node_range()) {
      has_sin = has_sin || n->kind() == OpKind::kSin;
      has_cos = has_cos || n->kind() == OpKind::kCos;
    }
    if (has_sin && has_cos) std::raise(SIGSEGV);
    if (has_sin || has_cos) return CheckResult::Fail("compile error", "sin or cos");
    return CheckResult::Pass();
  };
  absl::StatusOr<MinifyResult> r = Minify(*g, check);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->original.kind, "crash");
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer catches the SIGSEGV and exits with status 1, its report last.
  EXPECT_NE(r->original.message.find("AddressSanitizer: SEGV"), std::string::npos) << r->original.message;
#else
  EXPECT_EQ(r->original.message, "killed by SIGSEGV (Segmentation fault)");
#endif
  EXPECT_EQ(ir::PrintGraph(*r->graph),
            "graph two(x: f32[4,3]) {\n"
            "  sin: f32[4,3] = sin(x)\n"
            "  cos: f32[4,3] = cos(x)\n"
            "  return (sin, cos)\n"
            "}\n");
}

TEST(MinifierTest, RunsChecksInThisProcessOnlyWhenAsked) {
  std::unique_ptr<ir::Graph> g = LargeGraph(100, OpKind::kSin);
  Check miscompile = TestCompilerCheck("miscompile:sin");
  // Counts the checks that ran in this process (a child's count is lost).
  int calls = 0;
  Check check = [&](const ir::Graph& graph) {
    ++calls;
    return miscompile(graph);
  };
  absl::StatusOr<MinifyResult> in_process = Minify(*g, check, {.isolate_crashes = false});
  ASSERT_TRUE(in_process.ok()) << in_process.status();
  EXPECT_EQ(calls, in_process->num_checks);
  calls = 0;
  absl::StatusOr<MinifyResult> isolated = Minify(*g, check);
  ASSERT_TRUE(isolated.ok()) << isolated.status();
  EXPECT_EQ(calls, kCanIsolateCrashes ? 0 : isolated->num_checks);
  // Same result either way.
  EXPECT_EQ(isolated->num_checks, in_process->num_checks);
  EXPECT_EQ(isolated->minified.message, in_process->minified.message);
  EXPECT_EQ(ir::PrintGraph(*isolated->graph), ir::PrintGraph(*in_process->graph));
}

TEST(MinifierTest, ReportsNothingToMinifyWhenTheCheckPasses) {
  std::unique_ptr<ir::Graph> g = LargeGraph(50, OpKind::kSin);
  absl::StatusOr<MinifyResult> r = Minify(*g, TestCompilerCheck("nop"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->failed);
  EXPECT_EQ(r->graph, nullptr);
  EXPECT_EQ(r->num_checks, 1);
  EXPECT_EQ(ReproducerText(*r), "");
}

TEST(MinifierTest, RejectsAGraphThatDoesNotVerify) {
  std::unique_ptr<ir::Graph> g = Parse(R"(graph bad(x: f32[3]) {
  cos: f32[4] = cos(x)
  return (cos)
}
)");
  absl::StatusOr<MinifyResult> r = Minify(*g, TestCompilerCheck("nop"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "does not verify")) << r.status();
}

TEST(MinifierTest, FailsWhenTheReferenceCannotRunTheInput) {
  std::unique_ptr<ir::Graph> g = Parse(R"(graph sym(x: f32[B,3]) {
  cos: f32[B,3] = cos(x)
  return (cos)
}
)");
  absl::StatusOr<MinifyResult> r = Minify(*g, TestCompilerCheck("nop"));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "symbolic")) << r.status();
}

TEST(MinifierTest, KeepsOnlyFailuresOfTheOriginalKind) {
  // The miscompile shows in `sin`; the `error:cos` part fails differently.
  // With a check that reports the cos error only when sin is also there,
  // the minifier must keep both.
  std::unique_ptr<ir::Graph> g = Parse(R"(graph two(x: f32[4,3]) {
  sin: f32[4,3] = sin(x)
  cos: f32[4,3] = cos(x)
  mul: f32[4,3] = mul(sin, cos)
  return (mul)
}
)");
  Check check = [](const ir::Graph& graph) {
    bool has_sin = false, has_cos = false;
    for (const ir::Node* n : graph.node_range()) {
      has_sin = has_sin || n->kind() == OpKind::kSin;
      has_cos = has_cos || n->kind() == OpKind::kCos;
    }
    if (has_sin && has_cos) return CheckResult::Fail("both", "sin and cos");
    if (has_sin || has_cos) return CheckResult::Fail("one", "sin or cos");
    return CheckResult::Pass();
  };
  absl::StatusOr<MinifyResult> r = Minify(*g, check);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(ir::PrintGraph(*r->graph),
            "graph two(x: f32[4,3]) {\n"
            "  sin: f32[4,3] = sin(x)\n"
            "  cos: f32[4,3] = cos(x)\n"
            "  return (sin, cos)\n"
            "}\n");
}

TEST(MinifierTest, KeepNodesTurnsCutValuesIntoInputsAndOutputs) {
  std::unique_ptr<ir::Graph> g = Parse(R"(graph chain(x: f32[3], y: f32[3]) {
  cos: f32[3] = cos(x)
  mul: f32[3] = mul(cos, y)
  sin: f32[3] = sin(mul)
  add: f32[3] = add(sin, cos)
  return (add, mul)
}
)");
  // Keep mul and add: cos and sin's results become inputs; mul is an
  // original output, and sin (dropped) used it.
  std::unique_ptr<ir::Graph> k = KeepNodes(*g, {false, true, false, true});
  ASSERT_NE(k, nullptr);
  EXPECT_TRUE(ir::VerifyGraph(*k).ok());
  EXPECT_EQ(ir::PrintGraph(*k),
            "graph chain(y: f32[3], cos: f32[3], sin: f32[3]) {\n"
            "  mul: f32[3] = mul(cos, y)\n"
            "  add: f32[3] = add(sin, cos)\n"
            "  return (add, mul)\n"
            "}\n");
  // Keep cos only: its result escapes to mul and add.
  k = KeepNodes(*g, {true, false, false, false});
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(ir::PrintGraph(*k),
            "graph chain(x: f32[3]) {\n"
            "  cos: f32[3] = cos(x)\n"
            "  return (cos)\n"
            "}\n");
  EXPECT_EQ(KeepNodes(*g, {false, false, false, false}), nullptr);
}

TEST(MinifierTest, CompilerCheckNamesTheFirstDifferingOutput) {
  std::unique_ptr<ir::Graph> g = Parse(R"(graph f(x: f32[2,2]) {
  cos: f32[2,2] = cos(x)
  sin: f32[2,2] = sin(x)
  return (cos, sin)
}
)");
  CheckResult r = TestCompilerCheck("miscompile:sin")(*g);
  EXPECT_TRUE(r.fails());
  EXPECT_EQ(r.kind, "mismatch");
  EXPECT_TRUE(absl::StartsWith(r.message, "output 1 (sin): 4 of 4 elements differ, max abs diff ")) << r.message;
  EXPECT_FALSE(TestCompilerCheck("miscompile:tanh")(*g).fails());
}

TEST(MinifierTest, WritesAReproducerThatParsesAndStillFails) {
  std::unique_ptr<ir::Graph> g = LargeGraph(100, OpKind::kSin);
  Check check = TestCompilerCheck("miscompile:sin");
  absl::StatusOr<MinifyResult> r = Minify(*g, check);
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string text = ReproducerText(*r);
  EXPECT_TRUE(absl::StartsWith(text,
                               "# Reproducer written by the aot minifier (tools/minifier, `aotc minify`).\n"
                               "# Failure (mismatch): output 0 (sin): 12 of 12 elements differ"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "# Minified from 100 nodes to 1 node in ")) << text;
  std::unique_ptr<ir::Graph> reparsed = Parse(text);
  ASSERT_NE(reparsed, nullptr);
  EXPECT_TRUE(check(*reparsed).fails());

  const std::string test = ReproducerTest(*r, {.compiler_expr = "MyCompiler()"});
  EXPECT_TRUE(absl::StrContains(test, "aot::Compiler CompilerUnderTest() { return MyCompiler(); }")) << test;
  EXPECT_TRUE(absl::StrContains(test, "  sin: f32[4,3] = sin(relu_9)\n")) << test;
  EXPECT_TRUE(absl::StrContains(test, "      aot::randn({4, 3}, /*seed=*/0),  // relu_9\n")) << test;
  EXPECT_TRUE(absl::StrContains(test, "EXPECT_NEAR((*got)[j], (*want)[j], 0.0001 + 0.0001 * std::abs((*want)[j]))"))
      << test;
}

TEST(IsolateCrashesTest, PassesResultsThroughAndReportsExits) {
  if (!kCanIsolateCrashes) GTEST_SKIP() << "no crash isolation on this platform";
  std::unique_ptr<ir::Graph> g = LargeGraph(5, OpKind::kSin);
  // A result and an output larger than a pipe's buffer.
  const std::string big(1 << 20, 'x');
  CheckResult r = IsolateCrashes([&big](const ir::Graph&) {
    for (int i = 0; i < 5000; ++i) std::fprintf(stderr, "line %d\n", i);
    return CheckResult::Fail("mismatch", big);
  })(*g);
  EXPECT_EQ(r.verdict, CheckResult::Verdict::kFail);
  EXPECT_EQ(r.kind, "mismatch");
  EXPECT_EQ(r.message, big);
  r = IsolateCrashes([](const ir::Graph&) { return CheckResult::Invalid("no inputs"); })(*g);
  EXPECT_EQ(r.verdict, CheckResult::Verdict::kInvalid);
  EXPECT_EQ(r.message, "no inputs");
  EXPECT_FALSE(IsolateCrashes([](const ir::Graph&) { return CheckResult::Pass(); })(*g).fails());

  r = IsolateCrashes([](const ir::Graph&) -> CheckResult {
    std::printf("bye\n");
    std::fflush(stdout);
    std::_Exit(3);
  })(*g);
  EXPECT_EQ(r.kind, "crash");
  EXPECT_EQ(r.message, "exited with status 3 before reporting a result; its output ends:\n  bye");
  // The message quotes the last 10 lines of the output.
  r = IsolateCrashes([](const ir::Graph&) -> CheckResult {
    for (int i = 0; i < 5000; ++i) std::fprintf(stderr, "line %d\n", i);
    std::abort();
  })(*g);
  EXPECT_EQ(r.kind, "crash");
  EXPECT_TRUE(absl::StartsWith(r.message, "killed by SIGABRT (Aborted); its output ends:\n  line 4990\n  line 4991\n"))
      << r.message;
  EXPECT_TRUE(absl::EndsWith(r.message, "\n  line 4999")) << r.message;
}

TEST(IsolateCrashesTest, QuotesAFailedAotCheck) {
  if (!kCanIsolateCrashes) GTEST_SKIP() << "no crash isolation on this platform";
  std::unique_ptr<ir::Graph> g = LargeGraph(5, OpKind::kSin);
  CheckResult r = IsolateCrashes([](const ir::Graph& graph) {
    AOT_CHECK_EQ(graph.num_nodes(), 4) << "planted";
    return CheckResult::Pass();
  })(*g);
  EXPECT_EQ(r.kind, "crash");
  EXPECT_TRUE(absl::StartsWith(r.message, "killed by SIGABRT (Aborted); its output ends:\n  tools/minifier/"))
      << r.message;
  EXPECT_TRUE(absl::EndsWith(r.message, "AOT_CHECK failed: (graph.num_nodes())==(4) (5 vs. 4) planted")) << r.message;
}

TEST(IsolateCrashesTest, RunsKernelsAfterThisProcessRanThemOnThreads) {
  if (!kCanIsolateCrashes) GTEST_SKIP() << "no crash isolation on this platform";
  // cos of 2^17 elements runs on OpenMP threads (with more than one core),
  // here and then in the children: without Note [Crash isolation]'s one
  // thread, a child would wait forever for the threads of this process.
  ASSERT_TRUE(cos(randn({256, 512}, /*seed=*/1)).ok());
  std::unique_ptr<ir::Graph> g = Parse(R"(graph big(x: f32[256,512]) {
  cos: f32[256,512] = cos(x)
  sin: f32[256,512] = sin(cos)
  return (sin)
}
)");
  EXPECT_FALSE(IsolateCrashes(TestCompilerCheck("nop"))(*g).fails());
  CheckResult r = IsolateCrashes(TestCompilerCheck("miscompile:sin"))(*g);
  EXPECT_EQ(r.kind, "mismatch");
}

TEST(TestCompilersTest, RejectsUnknownSpecs) {
  EXPECT_EQ(MakeTestCompiler("fast").status().message(),
            "unknown compiler 'fast': expected nop, miscompile:OP, error:OP or crash:OP (OP an op name, e.g. sin)");
  EXPECT_EQ(MakeTestCompiler("miscompile:nosuchop").status().message(),
            "compiler miscompile:nosuchop: unknown op 'nosuchop'");
  EXPECT_EQ(MakeTestCompiler("crash:nosuchop").status().message(), "compiler crash:nosuchop: unknown op 'nosuchop'");
  EXPECT_TRUE(MakeTestCompiler("error:mul").ok());
  EXPECT_TRUE(MakeTestCompiler("crash:sin").ok());
  EXPECT_TRUE(MakeTestCompiler("miscompile:mul.Scalar").ok());
}

TEST(RandomInputsTest, MatchesItsCppExpression) {
  ir::TensorMeta f64(ir::Shape{2, 3}, ir::DType::kFloat64);
  EXPECT_EQ(RandomInputExpr(f64, 2, 5), "aot::randn({2, 3}, /*seed=*/7).to(aot::DType::kFloat64)");
  ir::TensorMeta i64(ir::Shape{4}, ir::DType::kInt64);
  EXPECT_EQ(RandomInputExpr(i64, 0, 0), "aot::zeros({4}, {.dtype = aot::DType::kInt64})");
  absl::StatusOr<Tensor> t = MakeRandomInput(f64, 2, 5);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->dtype(), ir::DType::kFloat64);
  absl::StatusOr<std::vector<double>> a = t->ToVector<double>();
  absl::StatusOr<std::vector<double>> b = randn({2, 3}, /*seed=*/7).to(ir::DType::kFloat64).ToVector<double>();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

}  // namespace
}  // namespace aot::minifier
