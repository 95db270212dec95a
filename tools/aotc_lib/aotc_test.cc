#include "tools/aotc_lib/aotc.h"

#include <cstdlib>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aot/ir/graph.h"
#include "aot/ir/parser.h"
#include "aot/partition/internal/test_graphs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/aotc_lib/args.h"
#include "tools/aotc_lib/graph_file.h"

namespace aot::aotc {
namespace {

using ::testing::HasSubstr;

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

std::string TmpDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// Runs aotc with relative paths taken from TmpDir().
Result Aotc(const std::vector<std::string>& args, Env env = {}) {
  env.working_dir = TmpDir();
  std::ostringstream out, err;
  Result r;
  r.status = RunAotc(args, out, err, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

void Write(const std::string& name, const std::string& contents) {
  ASSERT_TRUE(WriteFile(absl::StrCat(TmpDir(), "/", name), contents).ok());
}

std::string Read(const std::string& name) {
  absl::StatusOr<std::string> s = ReadFile(absl::StrCat(TmpDir(), "/", name));
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? *s : "";
}

constexpr char kForward[] = R"(# f(x) = cos(cos(x))
graph forward(x: f32[4,3]) {
  cos: f32[4,3] = cos(x)
  cos_1: f32[4,3] = cos(cos)
  return (cos_1)
}
)";

// The joint graph of kForward, with the header `aotc partition` reads.
std::string JointFile() {
  return absl::StrCat("# joint num_primals=1 num_fwd_outputs=1\n", partition::internal::CosCosJointText());
}

class AotcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write("forward.txt", kForward);
    Write("joint.txt", JointFile());
  }
};

// --- Usage ---------------------------------------------------------------------

TEST_F(AotcTest, NoArgumentsPrintsUsageAndFails) {
  Result r = Aotc({});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(absl::StartsWith(r.err, "usage: aotc COMMAND GRAPH [flags]\n")) << r.err;
  EXPECT_THAT(r.err, HasSubstr("  minify     Shrink a graph on which a compiler fails to a small reproducer.\n"));
}

TEST_F(AotcTest, EveryCommandHasHelp) {
  for (const char* cmd : {"print", "verify", "joint", "partition", "run", "draw", "minify"}) {
    Result r = Aotc({cmd, "--help"});
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_TRUE(absl::StartsWith(r.out, absl::StrCat("usage: aotc ", cmd, " GRAPH"))) << r.out;
    EXPECT_THAT(r.out, HasSubstr("  -h, --help                show this help\n"));
  }
  Result r = Aotc({"help", "draw"});
  EXPECT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("  -o, --out=FILE            write to FILE (.dot, .svg or .png)\n"));
}

TEST_F(AotcTest, RejectsUnknownCommandsAndFlags) {
  Result r = Aotc({"frobnicate", "forward.txt"});
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(absl::StartsWith(r.err, "aotc: error: unknown command 'frobnicate'\n")) << r.err;

  r = Aotc({"print", "forward.txt", "--colour"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "aotc print: error: unknown flag --colour\nRun 'aotc print --help' for usage.\n");

  r = Aotc({"print"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "aotc print: error: missing GRAPH (usage: aotc print GRAPH [flags])\n"
            "Run 'aotc print --help' for usage.\n");

  r = Aotc({"verify", "forward.txt", "joint.txt"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("unexpected argument 'joint.txt'"));

  r = Aotc({"run", "forward.txt", "--seed=-3"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "aotc run: error: --seed must be an integer >= 0, got '-3'\nRun 'aotc run --help' for usage.\n");

  r = Aotc({"run", "forward.txt", "--inputs"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("flag --inputs needs a value (--inputs=random|FILE)"));

  r = Aotc({"verify", "forward.txt", "--no_metadata=1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("flag --no_metadata takes no value"));
}

// --- Bad files -----------------------------------------------------------------

TEST_F(AotcTest, ReportsUnreadableAndMalformedFiles) {
  Result r = Aotc({"verify", "missing.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "aotc verify: error: missing.txt: cannot read the file\n");

  Write("garbage.txt", "graph g(x: f32[2]) {\n  y: f32[2] = frob(x)\n  return (y)\n}\n");
  r = Aotc({"print", "garbage.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "aotc print: error: garbage.txt: line 2, column 15: unknown op 'frob'\n");

  Write("binary.txt", std::string("\x0a\x05hello\x99\x01", 9));
  r = Aotc({"print", "binary.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(absl::StartsWith(r.err, "aotc print: error: binary.txt: not a graph (binary, read as protobuf): "))
      << r.err;

  Write("empty.txt", "\n  \n");
  r = Aotc({"run", "empty.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "aotc run: error: empty.txt: empty file, expected a graph\n");

  Write("header.txt", absl::StrCat("# joint num_primals=one\n", kForward));
  r = Aotc({"partition", "header.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "aotc partition: error: header.txt: line 1: malformed joint header, expected \"# joint "
            "num_primals=P num_fwd_outputs=F\"\n");
}

// --- print, verify ------------------------------------------------------------

TEST_F(AotcTest, PrintsTextAndProtobufFilesAlike) {
  Result r = Aotc({"print", "forward.txt"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "graph forward(x: f32[4,3]) {\n"
            "  cos: f32[4,3] = cos(x)\n"
            "  cos_1: f32[4,3] = cos(cos)\n"
            "  return (cos_1)\n"
            "}\n");
  // Saved as protobuf under a .txt name: the content decides.
  r = Aotc({"print", "forward.txt", "--out=forward_pb.txt", "--format=proto"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "wrote forward_pb.txt (proto, graph forward, 2 nodes)\n");
  EXPECT_EQ(DetectFormat(Read("forward_pb.txt")), GraphFormat::kProto);
  Result again = Aotc({"print", "forward_pb.txt"});
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(again.out, Aotc({"print", "forward.txt"}).out);
  // The joint header survives printing.
  r = Aotc({"print", "joint.txt"});
  EXPECT_TRUE(absl::StartsWith(r.out, "# joint num_primals=1 num_fwd_outputs=1\ngraph joint(")) << r.out;
}

TEST_F(AotcTest, Verifies) {
  Result r = Aotc({"verify", "joint.txt"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "joint.txt: OK: graph joint (text), 2 inputs, 8 nodes, 2 outputs; joint with 1 primal and 1 forward "
            "output\n");

  Write("bad_meta.txt", "graph bad(x: f32[4,3]) {\n  cos: f32[4] = cos(x)\n  return (cos)\n}\n");
  r = Aotc({"verify", "bad_meta.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(absl::StartsWith(r.err, "aotc verify: error: bad_meta.txt does not verify: node cos (cos): ")) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(Aotc({"verify", "bad_meta.txt", "--no_metadata"}).status, 0);
}

// --- joint, partition ----------------------------------------------------------

TEST_F(AotcTest, BuildsTheJointGraph) {
  Result r = Aotc({"joint", "forward.txt"});
  EXPECT_EQ(r.status, 0) << r.err;
  // The same graph as joint.txt, with the header partition reads.
  const std::string expected = JointFile();
  EXPECT_EQ(r.out, expected);

  r = Aotc({"joint", "forward.txt", "-o", "out_joint.txt"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "wrote out_joint.txt: joint graph with 1 primal, 1 tangent, 1 forward output, 1 gradient, 8 nodes\n");
  EXPECT_EQ(Read("out_joint.txt"), expected);

  r = Aotc({"joint", "forward.txt", "--needs_grad=0"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "# joint num_primals=1 num_fwd_outputs=1\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("return (cos_1)\n"));

  r = Aotc({"joint", "forward.txt", "--needs_grad=1,1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--needs_grad has 2 entries, the graph has 1 input"));
}

TEST_F(AotcTest, PartitionsAJointGraphByItsHeader) {
  Result r = Aotc({"partition", "joint.txt", "--partitioner=mincut"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "graph forward(primals_1: f32[4,3]) {\n"
            "  cos: f32[4,3] = cos(primals_1)\n"
            "  cos_1: f32[4,3] = cos(cos)\n"
            "  return (cos_1, primals_1)\n"
            "}\n"
            "\n"
            "graph backward(primals_1: f32[4,3], tangents_1: f32[4,3]) {\n"
            "  cos: f32[4,3] = cos(primals_1)\n"
            "  sin: f32[4,3] = sin(cos)\n"
            "  neg: f32[4,3] = neg(sin)\n"
            "  mul: f32[4,3] = mul(tangents_1, neg)\n"
            "  sin_1: f32[4,3] = sin(primals_1)\n"
            "  neg_1: f32[4,3] = neg(sin_1)\n"
            "  mul_1: f32[4,3] = mul(mul, neg_1)\n"
            "  return (mul_1)\n"
            "}\n"
            "\n"
            "min_cut: forward 2 nodes, backward 7 nodes\n"
            "  saved 1 value, 48 bytes: primals_1\n"
            "  recomputed 1 node, est. 4.8 ns: cos\n");

  r = Aotc({"partition", "joint.txt"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("default: forward 2 nodes, backward 6 nodes\n  saved 2 values, 96 bytes: cos, primals_1\n"));

  r = Aotc({"partition", "joint.txt", "--partitioner=budget=0.5", "--fw_out=fw.txt", "--bw_out=bw.txt"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("memory_budget: forward 2 nodes, backward 7 nodes, budget 48 bytes\n"));
  EXPECT_TRUE(absl::StartsWith(Read("fw.txt"), "graph forward(primals_1: f32[4,3]) {\n"));
  EXPECT_TRUE(absl::StartsWith(Read("bw.txt"), "graph backward(primals_1: f32[4,3], tangents_1: f32[4,3]) {\n"));
}

TEST_F(AotcTest, PartitionsAForwardGraphThroughItsJointGraph) {
  Result r = Aotc({"partition", "forward.txt", "--partitioner=mincut"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out,
                               "# forward.txt has no joint header and no tangents_ inputs: partitioning its joint "
                               "graph (8 nodes, built as `aotc joint` does)\n"
                               "graph forward(primals_1: f32[4,3]) {\n"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("min_cut: forward 2 nodes, backward 7 nodes\n"));
}

TEST_F(AotcTest, PartitionNeedsToKnowHowToSplit) {
  // A joint graph without its header.
  Write("headless.txt", std::string(partition::internal::CosCosJointText()));
  Result r = Aotc({"partition", "headless.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "aotc partition: error: headless.txt has tangents_ inputs (a joint graph?) but no \"# joint "
            "num_primals=P num_fwd_outputs=F\" header: pass --num_primals and --num_fwd_outputs\n");
  r = Aotc({"partition", "headless.txt", "--num_primals=1", "--num_fwd_outputs=1", "--partitioner=mincut"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("saved 1 value, 48 bytes: primals_1\n"));

  r = Aotc({"partition", "headless.txt", "--num_primals=1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--num_primals and --num_fwd_outputs go together"));
  r = Aotc({"partition", "headless.txt", "--num_primals=3", "--num_fwd_outputs=1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(absl::StartsWith(r.err, "aotc partition: error: partitioning headless.txt: ")) << r.err;

  r = Aotc({"partition", "joint.txt", "--partitioner=greedy"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown partitioner 'greedy': expected default, mincut or budget=B (B in [0, 1])"));
  r = Aotc({"partition", "joint.txt", "--partitioner=budget=1.5"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--partitioner: partitioner 'budget=1.5': the budget must be a number in [0, 1]"));
}

// --- run ----------------------------------------------------------------------

TEST_F(AotcTest, RunsWithAnInputsFile) {
  Write("mul.txt", R"(graph f(x: f32[2,3], n: i64[2]) {
  mul: f32[2,3] = mul.Scalar(x, other=2.0)
  sum: f32[3] = sum(mul, dim=[0])
  return (sum, n)
}
)");
  Write("inputs.txt", "# x then n\nx: f32[2,3] 1 2 3 4 5 6.5\ni64[2] 7 8  # indices\n");
  Result r = Aotc({"run", "mul.txt", "--inputs=inputs.txt"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "inputs: inputs.txt\n"
            "  input 0 x: f32[2,3] = [1, 2, 3, 4, 5, 6.5]\n"
            "  input 1 n: i64[2] = [7, 8]\n"
            "outputs:\n"
            "  output 0 sum: f32[3] = [10, 14, 19]\n"
            "  output 1 n: i64[2] = [7, 8]\n"
            "peak memory: 36 bytes of node results (2 nodes run; graph inputs not counted)\n");

  r = Aotc({"run", "mul.txt", "--inputs=inputs.txt", "--max_values=2"});
  EXPECT_THAT(r.out, HasSubstr("  input 0 x: f32[2,3] = [1, 2, ...] (6 values)\n"));

  r = Aotc({"run", "mul.txt"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("inputs: random (seed 0)\n"));
  EXPECT_THAT(r.out, HasSubstr("  input 1 n: i64[2] = [0, 0]\n"));
}

TEST_F(AotcTest, ReportsBadInputsFiles) {
  Write("mul.txt", R"(graph f(x: f32[2,3], n: i64[2]) {
  mul: f32[2,3] = mul.Scalar(x, other=2.0)
  return (mul, n)
}
)");
  auto run_with = [&](const std::string& inputs) {
    Write("in.txt", inputs);
    return Aotc({"run", "mul.txt", "--inputs=in.txt"});
  };
  Result r = run_with("f32[2,3] 1 2 3\n");
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "aotc run: error: in.txt: line 1: f32[2,3] needs 6 values, got 3\n");
  r = run_with("f32[3,2] random\n");
  EXPECT_EQ(r.err, "aotc run: error: in.txt: line 1: input 0 (x) is f32[2,3], not f32[3,2]\n");
  r = run_with("y: f32[2,3] zeros\n");
  EXPECT_EQ(r.err, "aotc run: error: in.txt: line 1: input 0 is named x, not y\n");
  r = run_with("f32[2,3] ones\ni64[2] 1 two\n");
  EXPECT_EQ(r.err, "aotc run: error: in.txt: line 2: bad integer 'two'\n");
  r = run_with("f32[2,3] ones\n");
  EXPECT_EQ(r.err, "aotc run: error: in.txt: graph f takes 2 inputs, the file has 1\n");
  r = run_with("f32[2,3] ones\ni64[2] zeros\nf32[1] 0\n");
  EXPECT_EQ(r.err, "aotc run: error: in.txt: line 3: graph f takes 2 inputs, the file has more\n");
  r = run_with("q8[2,3] ones\n");
  EXPECT_EQ(r.err, "aotc run: error: in.txt: line 1: unknown dtype 'q8'\n");
  r = Aotc({"run", "mul.txt", "--inputs=nothere.txt"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "aotc run: error: nothere.txt: cannot read the inputs file\n");
}

// --- draw ---------------------------------------------------------------------

bool HaveGraphviz() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

TEST_F(AotcTest, DrawsDot) {
  Result r = Aotc({"draw", "forward.txt"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "digraph \"forward\" {\n")) << r.out;

  r = Aotc({"draw", "forward.txt", "-o", "forward.dot"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "wrote forward.dot (dot, graph forward, 2 nodes)\n");
  EXPECT_EQ(Read("forward.dot"), Aotc({"draw", "forward.txt"}).out);

  r = Aotc({"draw", "joint.txt", "--partitioner=mincut"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("  subgraph cluster_forward {\n"));
  EXPECT_THAT(r.out, HasSubstr("  label=\"min_cut: forward 2 nodes, backward 7 nodes\\n  saved 1 value"));
  EXPECT_THAT(r.out, HasSubstr("    bw_n0 [shape=box, label=\"cos = cos\\nf32[4,3]\", style=dashed];\n"));
  EXPECT_THAT(r.out, HasSubstr("  fw_in0 -> bw_in0 [style=dashed, color=orange, constraint=false];\n"));

  r = Aotc({"draw", "forward.txt", "-o", "forward.jpg"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot tell the format of forward.jpg from its name: give --format=dot|svg|png"));
  r = Aotc({"draw", "forward.txt", "--clusters=layers"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--clusters must be auto, none, scope or prefix, got 'layers'"));
}

TEST_F(AotcTest, DrawSvgNeedsGraphviz) {
  Env env;
  env.dot_program = "/nonexistent/dot";
  Result r = Aotc({"draw", "forward.txt", "-o", "forward.svg"}, env);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err,
            "aotc draw: error: writing forward.svg (svg) needs Graphviz's `/nonexistent/dot` program, which is not "
            "on the PATH: install Graphviz (e.g. apt-get install graphviz) or write DOT (-o FILE.dot)\n");
  if (!HaveGraphviz()) GTEST_SKIP() << "Graphviz is not installed";
  r = Aotc({"draw", "joint.txt", "--partitioner=mincut", "-o", "joint.svg"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "wrote joint.svg (svg, forward 2 nodes and backward 7 nodes, 1 saved value)\n");
  EXPECT_THAT(Read("joint.svg"), HasSubstr("<svg"));
  r = Aotc({"draw", "forward.txt", "-o", "forward.png"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(Read("forward.png"), "\x89PNG"));
}

// --- minify -------------------------------------------------------------------

// A chain of `n` nodes (cos, tanh, mul, add, relu) with one sin in the middle.
std::string ChainGraph(int n) {
  std::string text = "graph chain(x: f32[4,3], y: f32[4,3]) {\n";
  std::string prev = "x";
  const char* ops[] = {"cos(%s)", "tanh(%s)", "mul(%s, x)", "add(%s, y)", "relu(%s)"};
  for (int i = 0; i < n; ++i) {
    std::string v = absl::StrCat("v", i);
    std::string call = i == n / 2 ? "sin(%s)" : ops[i % 5];
    call.replace(call.find("%s"), 2, prev);
    absl::StrAppend(&text, "  ", v, ": f32[4,3] = ", call, "\n");
    prev = v;
  }
  // The chain contracts: a change at the sin has faded out at its end.
  absl::StrAppend(&text, "  return (", prev, ", v10, v", n / 2 + 3, ")\n}\n");
  return text;
}

TEST_F(AotcTest, MinifiesAPlantedMiscompile) {
  Write("chain.txt", ChainGraph(300));
  Result r = Aotc({"minify", "chain.txt", "--compiler=miscompile:sin", "--out=repro.txt", "--test_out=repro_test.cc"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "# the input graph fails (mismatch): output 2 (v153): ")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("# minified 300 nodes to 1 node in "));
  EXPECT_THAT(r.out, HasSubstr("# wrote repro.txt\n# wrote repro_test.cc\n"));
  const std::string repro = Read("repro.txt");
  EXPECT_THAT(repro, HasSubstr("graph chain(v149: f32[4,3]) {\n  v150: f32[4,3] = sin(v149)\n  return (v150)\n}\n"));
  // The reproducer is a graph file that still fails.
  Result again = Aotc({"minify", "repro.txt", "--compiler=miscompile:sin"});
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("# minified 1 node to 1 node in "));
  EXPECT_THAT(
      Read("repro_test.cc"),
      HasSubstr("aot::Compiler CompilerUnderTest() { return *aot::minifier::MakeTestCompiler(\"miscompile:sin\"); }"));
}

TEST_F(AotcTest, MinifyPrintsTheReproducerAndHandlesPassingCompilers) {
  Write("chain.txt", ChainGraph(120));
  Result r = Aotc({"minify", "chain.txt", "--compiler=error:sin"});
  EXPECT_EQ(r.status, 0) << r.err;
  // Progress lines are comments: stdout is a graph file.
  EXPECT_TRUE(ir::ParseGraph(r.out).ok()) << r.out;
  EXPECT_THAT(
      r.out,
      HasSubstr("# Failure (compile error): UNIMPLEMENTED: error:sin compiler: cannot compile node v60 (sin)\n"));

  r = Aotc({"minify", "chain.txt", "--compiler=nop"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "compiler nop passes on chain.txt (120 nodes): nothing to minify\n");

  r = Aotc({"minify", "chain.txt"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--compiler is required"));
  r = Aotc({"minify", "chain.txt", "--compiler=fast"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown compiler 'fast': expected nop, miscompile:OP, error:OP or crash:OP"));
}

TEST_F(AotcTest, MinifiesACompilerThatCrashes) {
  Write("chain.txt", ChainGraph(200));
  Result r = Aotc({"minify", "chain.txt", "--compiler=crash:sin", "--test_out=repro_test.cc"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out,
                               "# the input graph fails (crash): killed by SIGABRT (Aborted); its output ends:\n"
                               "#   crash:sin compiler: aborting on node v100 (sin)\n"))
      << r.out;
  EXPECT_THAT(r.out, HasSubstr("# minified 200 nodes to 1 node in "));
  // Every progress line is a comment: stdout is a graph file.
  EXPECT_TRUE(ir::ParseGraph(r.out).ok()) << r.out;
  EXPECT_THAT(r.out, HasSubstr("graph chain(v99: f32[4,3]) {\n  v100: f32[4,3] = sin(v99)\n  return (v100)\n}\n"));
  EXPECT_THAT(Read("repro_test.cc"), HasSubstr("// Crashes while the compiler crashes on this graph.\n"));

  r = Aotc({"minify", "--help"});
  EXPECT_THAT(r.out, HasSubstr("crash:OP (aborts on graphs with OP)"));
  EXPECT_THAT(r.out, HasSubstr("--in_process"));
}

// --- Pieces -------------------------------------------------------------------

TEST(ArgsTest, AcceptsEveryFlagForm) {
  CommandSpec spec{.name = "draw",
                   .args = "GRAPH",
                   .flags = {{.name = "out", .short_name = 'o', .value = "FILE"}, {.name = "collapse"}}};
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"g", "--out=a.svg"}, {"g", "--out", "a.svg"}, {"-o", "a.svg", "g"}, {"g", "-oa.svg"}, {"g", "-o=a.svg"}}) {
    absl::StatusOr<ParsedArgs> p = ParseArgs(spec, args);
    ASSERT_TRUE(p.ok()) << p.status();
    EXPECT_EQ(p->positional, std::vector<std::string>{"g"});
    EXPECT_EQ(p->Get("out"), "a.svg");
    EXPECT_FALSE(p->Has("collapse"));
  }
  absl::StatusOr<ParsedArgs> p = ParseArgs(spec, {"--collapse", "--", "--weird-name"});
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_TRUE(p->Has("collapse"));
  EXPECT_EQ(p->positional, std::vector<std::string>{"--weird-name"});
  EXPECT_EQ(ParseArgs(spec, {"g", "-x"}).status().message(), "unknown flag -x");
}

TEST(GraphFileTest, FindsTheJointHeaderBeforeTheGraph) {
  absl::StatusOr<std::optional<JointHeader>> h =
      FindJointHeader("# dumped by aot_function\n\n# joint num_primals=3 num_fwd_outputs=2\ngraph g() {\n");
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_TRUE(h->has_value());
  EXPECT_EQ((*h)->num_primals, 3);
  EXPECT_EQ((*h)->num_fwd_outputs, 2);
  h = FindJointHeader("graph g() {\n# joint num_primals=3 num_fwd_outputs=2\n");
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->has_value());
  EXPECT_EQ(JointHeaderLine({3, 2}), "# joint num_primals=3 num_fwd_outputs=2\n");
}

}  // namespace
}  // namespace aot::aotc
