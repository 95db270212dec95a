#include "aot/ir/parser.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "aot/base/status_macros.h"
#include "aot/ir/graph.h"
#include "aot/ir/printer.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

TensorMeta Meta(std::initializer_list<int64_t> dims, DType dtype = DType::kFloat32,
                Device device = Device::Cpu()) {
  return TensorMeta(Shape(dims), dtype, device);
}

Value* MustCreate(Graph& g, OpKind kind, std::vector<Value*> operands, const AttrList& attrs = {},
                  int result = 0) {
  absl::StatusOr<Node*> n = g.Create(kind, operands, attrs);
  AOT_CHECK_OK(n);
  return (*n)->result(result);
}

Value* MustCreateWithGroups(Graph& g, OpKind kind, std::vector<std::vector<Value*>> groups,
                            const AttrList& attrs = {}) {
  absl::StatusOr<Node*> n = g.CreateWithGroups(kind, std::move(groups), attrs);
  AOT_CHECK_OK(n);
  return (*n)->result();
}

std::unique_ptr<Graph> MustParse(absl::string_view text) {
  absl::StatusOr<std::unique_ptr<Graph>> g = ParseGraph(text);
  AOT_CHECK_OK(g);
  return *std::move(g);
}

// Parses `text` and expects it to print back exactly as `want`.
void ExpectPrintsAs(absl::string_view text, absl::string_view want) {
  absl::StatusOr<std::unique_ptr<Graph>> g = ParseGraph(text);
  ASSERT_TRUE(g.ok()) << g.status() << "\n" << text;
  EXPECT_EQ(PrintGraph(**g), want);
}

// Prints `g`, parses the text and expects the same text back.
void ExpectRoundTrip(const Graph& g) {
  const std::string text = PrintGraph(g);
  absl::StatusOr<std::unique_ptr<Graph>> parsed = ParseGraph(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  EXPECT_EQ(PrintGraph(**parsed), text);
  EXPECT_EQ((*parsed)->num_inputs(), g.num_inputs());
  EXPECT_EQ((*parsed)->num_nodes(), g.num_nodes());
  EXPECT_EQ((*parsed)->num_outputs(), g.num_outputs());
}

// Expects ParseGraph(text) to fail with InvalidArgument, a "line L, column C:"
// prefix and `fragment` in the message.
void ExpectError(absl::string_view text, absl::string_view fragment) {
  absl::StatusOr<std::unique_ptr<Graph>> g = ParseGraph(text);
  ASSERT_FALSE(g.ok()) << "parsed:\n" << text;
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << g.status();
  EXPECT_TRUE(absl::StartsWith(g.status().message(), "line ")) << g.status();
  EXPECT_TRUE(absl::StrContains(g.status().message(), fragment))
      << "message: " << g.status().message() << "\nwanted: " << fragment;
}

constexpr absl::string_view kSeedForward =
    "graph forward(primals_1: f32[3]) {\n"
    "  cos: f32[3] = cos(primals_1)\n"
    "  cos_1: f32[3] = cos(cos)\n"
    "  return (cos_1, cos, primals_1)\n"
    "}\n";

// A graph using most ops, built through the Graph API.
std::unique_ptr<Graph> BuildManyOpsGraph() {
  auto owned = std::make_unique<Graph>("many_ops");
  Graph& g = *owned;
  Value* x = g.AddInput("x", Meta({4, 3}));
  Value* y = g.AddInput("y", Meta({4, 3}));
  TensorMeta wm = Meta({5, 3});
  wm.requires_grad = true;
  Value* w = g.AddInput("w", wm);
  Value* b = g.AddInput("b", Meta({5}));
  Value* gamma = g.AddInput("gamma", Meta({3}));
  Value* img = g.AddInput("img", Meta({2, 3, 8, 8}));
  Value* kernel = g.AddInput("kernel", Meta({4, 3, 3, 3}));
  Value* idx = g.AddInput("idx", Meta({4}, DType::kInt64));
  Value* target = g.AddInput("target", Meta({4}, DType::kInt64));
  Value* seed = g.AddInput("seed", Meta({2}, DType::kInt64));
  Value* emb = g.AddInput("emb", Meta({10, 6}));
  Value* cx = g.AddInput("cx", Meta({2, 3}, DType::kFloat16, Device::Cuda(1)));
  TensorMeta sm(Shape(DimVec{Dim::Symbol("batch"), Dim(3)}), DType::kFloat32);
  Value* sx = g.AddInput("sx", sm);
  TensorMeta strided = Meta({4, 3});
  strided.strides = {1, 4};
  Value* tx = g.AddInput("tx", strided);

  // Elementwise.
  Value* e = MustCreate(g, OpKind::kExp, {x});
  Value* r = MustCreate(g, OpKind::kRelu, {e});
  MustCreate(g, OpKind::kGelu, {r}, {{"approximate", "tanh"}});
  MustCreate(g, OpKind::kClamp, {x}, {{"min", -1.5}, {"max", std::numeric_limits<double>::infinity()}});
  MustCreate(g, OpKind::kClamp, {x}, {{"min", 0}});
  Value* s = MustCreate(g, OpKind::kAdd, {x, y}, {{"alpha", 2}});
  MustCreate(g, OpKind::kSubScalar, {s}, {{"other", -3}, {"alpha", 0.5}});
  MustCreate(g, OpKind::kRsubScalar, {s}, {{"other", 1e-05}});
  MustCreate(g, OpKind::kMulScalar, {s}, {{"other", 1e+300}});
  MustCreate(g, OpKind::kDivScalar, {s}, {{"other", std::numeric_limits<double>::quiet_NaN()}});
  MustCreate(g, OpKind::kPowScalar, {s}, {{"exponent", true}});
  Value* lt = MustCreate(g, OpKind::kLt, {x, y});
  MustCreate(g, OpKind::kWhere, {lt, x, y});
  MustCreate(g, OpKind::kMaskedFill, {x, lt}, {{"value", -std::numeric_limits<double>::infinity()}});
  MustCreate(g, OpKind::kGeScalar, {x}, {{"other", 0.25}});
  MustCreate(g, OpKind::kNeg, {sx});
  MustCreate(g, OpKind::kNeg, {tx});
  MustCreate(g, OpKind::kSigmoid, {cx});
  // Reductions.
  MustCreate(g, OpKind::kSum, {x}, {{"dim", std::vector<int64_t>{1}}, {"keepdim", true}});
  MustCreate(g, OpKind::kSum, {x}, {{"dtype", DType::kFloat64}});
  MustCreate(g, OpKind::kMean, {x}, {{"dim", std::vector<int64_t>{}}});
  MustCreate(g, OpKind::kAmax, {x}, {{"dim", std::vector<int64_t>{0}}});
  MustCreate(g, OpKind::kArgmax, {x}, {{"dim", -1}});
  MustCreate(g, OpKind::kVarMean, {x}, {{"dim", std::vector<int64_t>{1}}, {"correction", 0}}, 1);
  MustCreate(g, OpKind::kLogsumexp, {x}, {{"dim", std::vector<int64_t>{1}}});
  // Shapes and views.
  MustCreate(g, OpKind::kReshape, {x}, {{"shape", std::vector<int64_t>{3, -1}}});
  Value* t = MustCreate(g, OpKind::kTranspose, {x}, {{"dim0", 0}, {"dim1", 1}});
  MustCreate(g, OpKind::kPermute, {x}, {{"dims", std::vector<int64_t>{1, 0}}});
  Value* u = MustCreate(g, OpKind::kUnsqueeze, {x}, {{"dim", 0}});
  MustCreate(g, OpKind::kExpand, {u}, {{"size", std::vector<int64_t>{2, -1, -1}}});
  MustCreate(g, OpKind::kSqueeze, {u});
  MustCreate(g, OpKind::kSlice, {x}, {{"dim", 1}, {"start", 1}, {"step", 2}});
  MustCreate(g, OpKind::kSelect, {x}, {{"dim", 0}, {"index", -1}});
  Value* sp = MustCreate(g, OpKind::kSplit, {x}, {{"split_size", 3}}, 1);
  MustCreate(g, OpKind::kChunk, {x}, {{"chunks", 3}, {"dim", 1}});
  MustCreateWithGroups(g, OpKind::kCat, {{x, y, x}}, {{"dim", -2}});
  MustCreateWithGroups(g, OpKind::kStack, {{x, y}});
  MustCreate(g, OpKind::kTriu, {x}, {{"diagonal", -1}});
  MustCreate(g, OpKind::kIndexSelect, {x, idx}, {{"dim", 0}});
  // Linear algebra.
  MustCreate(g, OpKind::kMm, {x, t});
  MustCreate(g, OpKind::kMatmul, {x, t});
  MustCreate(g, OpKind::kLinear, {x, w, b});
  MustCreate(g, OpKind::kLinear, {x, w, nullptr});
  Value* wt = MustCreate(g, OpKind::kTranspose, {w}, {{"dim0", 1}, {"dim1", 0}});
  MustCreate(g, OpKind::kAddmm, {b, y, wt}, {{"beta", 0.5}});
  // Neural-network ops.
  Value* ls = MustCreate(g, OpKind::kLogSoftmax, {x}, {{"dim", 1}});
  MustCreate(g, OpKind::kLayerNorm, {x, nullptr, nullptr}, {{"normalized_shape", std::vector<int64_t>{3}}});
  MustCreate(g, OpKind::kLayerNorm, {x, gamma, nullptr},
             {{"normalized_shape", std::vector<int64_t>{3}}, {"eps", 1e-12}});
  MustCreate(g, OpKind::kBatchNorm, {img, nullptr, nullptr, nullptr, nullptr},
             {{"training", true}, {"momentum", 0.2}});
  MustCreate(g, OpKind::kConv2d, {img, kernel, nullptr}, {{"padding", std::vector<int64_t>{1, 1}}});
  MustCreate(g, OpKind::kMaxPool2dWithIndices, {img}, {{"kernel_size", std::vector<int64_t>{2, 2}}}, 1);
  MustCreate(g, OpKind::kAvgPool2d, {img},
             {{"kernel_size", std::vector<int64_t>{2}}, {"divisor_override", 3}, {"ceil_mode", true}});
  MustCreate(g, OpKind::kAdaptiveAvgPool2d, {img}, {{"output_size", std::vector<int64_t>{1, 1}}});
  MustCreate(g, OpKind::kEmbedding, {emb, idx}, {{"padding_idx", 0}});
  Value* drop = MustCreate(g, OpKind::kDropout, {x, seed}, {{"p", 0.1}});
  MustCreate(g, OpKind::kDropout, {x, nullptr}, {{"train", false}}, 1);
  MustCreate(g, OpKind::kNllLoss, {ls, target, nullptr}, {{"reduction", 0}, {"ignore_index", -1}});
  MustCreate(g, OpKind::kCrossEntropy, {x, target, nullptr}, {{"label_smoothing", 0.1}});
  MustCreate(g, OpKind::kMseLoss, {x, y}, {{"reduction", 2}});
  // Creation and conversion.
  MustCreate(g, OpKind::kFull, {}, {{"size", std::vector<int64_t>{2, 2}}, {"fill_value", false}});
  MustCreate(g, OpKind::kFull, {},
             {{"size", std::vector<int64_t>{2}}, {"fill_value", -7}, {"device", Device::Cuda(0)}});
  MustCreate(g, OpKind::kZeros, {}, {{"size", std::vector<int64_t>{3}}, {"dtype", DType::kBFloat16}});
  MustCreate(g, OpKind::kArange, {}, {{"start", 0}, {"end", 10}, {"step", 2}});
  MustCreate(g, OpKind::kRand, {seed}, {{"size", std::vector<int64_t>{2, 2}}});
  MustCreate(g, OpKind::kRandn, {nullptr}, {{"size", std::vector<int64_t>{}}, {"device", Device::Meta()}});
  MustCreate(g, OpKind::kZerosLike, {x}, {{"dtype", DType::kInt32}});
  MustCreate(g, OpKind::kToCopy, {x}, {{"dtype", DType::kFloat16}, {"device", Device::Cuda(0)}});
  Value* c = MustCreate(g, OpKind::kClone, {x});
  // In-place and backward ops.
  MustCreate(g, OpKind::kAdd_, {c, y}, {{"alpha", -2}});
  MustCreate(g, OpKind::kFill_, {c}, {{"value", 3.5}});
  MustCreate(g, OpKind::kThresholdBackward, {y, x}, {{"threshold", 0}});
  MustCreate(g, OpKind::kGeluBackward, {y, x}, {{"approximate", "tanh"}});
  MustCreate(g, OpKind::kSliceBackward, {sp},
             {{"input_sizes", std::vector<int64_t>{4, 3}}, {"dim", 0}, {"start", 3}, {"end", 4}, {"step", 1}});
  g.SetOutputs({drop, x, sp, c, x});
  return owned;
}

TEST(ParserTest, ReadsSeedForwardGraph) {
  std::unique_ptr<Graph> g = MustParse(kSeedForward);
  EXPECT_EQ(g->name(), "forward");
  ASSERT_EQ(g->num_inputs(), 1);
  ASSERT_EQ(g->num_nodes(), 2);
  ASSERT_EQ(g->num_outputs(), 3);
  std::vector<Node*> nodes = g->nodes();
  EXPECT_EQ(nodes[0]->kind(), OpKind::kCos);
  EXPECT_EQ(nodes[0]->operand(0), g->input(0));
  EXPECT_EQ(nodes[1]->operand(0), nodes[0]->result());
  EXPECT_EQ(g->output(0), nodes[1]->result());
  EXPECT_EQ(g->output(1), nodes[0]->result());
  EXPECT_EQ(g->output(2), g->input(0));
  EXPECT_EQ(nodes[1]->result()->meta(), Meta({3}));
  EXPECT_EQ(PrintGraph(*g), kSeedForward);
}

TEST(ParserTest, SeedGraphBuiltWithTheApiRoundTrips) {
  Graph g("forward");
  Value* x = g.AddInput("primals_1", Meta({3}));
  Value* c = MustCreate(g, OpKind::kCos, {x});
  Value* c1 = MustCreate(g, OpKind::kCos, {c});
  g.SetOutputs({c1, c, x});
  EXPECT_EQ(PrintGraph(g), kSeedForward);
  ExpectRoundTrip(g);
}

TEST(ParserTest, GoldenText) {
  constexpr absl::string_view kText = R"(graph forward(primals_1: f32[4,3], tangents_1: f32[4,3]) {
  cos: f32[4,3] = cos(primals_1)
  sum: f32[4] = sum(cos, dim=[1])
  max_pool2d_with_indices: f32[1,3,2,2], max_pool2d_with_indices_1: i64[1,3,2,2] = max_pool2d_with_indices(tangents_1, kernel_size=[2,2])
  cat: f32[8,3] = cat([cos, primals_1])
  linear: f32[4,4] = linear(cos, primals_1, None)
  mul: f32[4,3] = mul.Scalar(cos, other=2.0) {scope="block1"}
  split: f32[2,3], split_1: f32[2,3] = split(mul, split_size=2)
  return (mul, cos, primals_1)
}
)";
  ExpectPrintsAs(kText, kText);
  std::unique_ptr<Graph> g = MustParse(kText);
  std::vector<Node*> nodes = g->nodes();
  ASSERT_EQ(nodes.size(), 7u);
  EXPECT_EQ(nodes[1]->attr("dim").ints(), std::vector<int64_t>{1});
  EXPECT_FALSE(nodes[1]->attr("keepdim").b());
  EXPECT_TRUE(nodes[1]->attr("dtype").is_none());
  EXPECT_EQ(nodes[2]->num_results(), 2);
  EXPECT_EQ(nodes[2]->result(1)->meta().dtype, DType::kInt64);
  EXPECT_EQ(nodes[3]->group_size(0), 2);
  EXPECT_EQ(nodes[4]->num_operands(), 2);
  EXPECT_EQ(nodes[4]->group_size(2), 0);
  EXPECT_EQ(nodes[5]->kind(), OpKind::kMulScalar);
  EXPECT_EQ(nodes[5]->attr("other"), AttrValue(2.0));
  EXPECT_EQ(nodes[5]->annotation("scope"), "block1");
  EXPECT_EQ(nodes[6]->num_results(), 2);
}

TEST(ParserTest, NormalisesSpellingCommentsAndDefaults) {
  ExpectPrintsAs(R"(
# A comment before the graph.
graph   "g" ( x : float32 [ 2 , 3 ] @cpu ,y:f32[2,3]{3,1}) {   # trailing comment
  "z": f32[2,3] = add(x, "y", alpha=1)   # the default alpha is dropped
  w: f32[2,3] = clamp(z, min=None, max=2)
  s: f32[] = sum(w, dim=None, keepdim=False)
  return (s,
          z)
})",
                 "graph g(x: f32[2,3], y: f32[2,3]) {\n"
                 "  z: f32[2,3] = add(x, y)\n"
                 "  w: f32[2,3] = clamp(z, max=2)\n"
                 "  s: f32[] = sum(w)\n"
                 "  return (s, z)\n"
                 "}\n");
}

TEST(ParserTest, ReadsTypeDetails) {
  std::unique_ptr<Graph> g = MustParse(
      "graph types(a: bf16[B,3,\"n+1\"], b: f16[2,3]{1,2}@cuda:1 requires_grad, c: i64[]@meta, d: u8[0]) {\n"
      "  return (a, b)\n"
      "}\n");
  ASSERT_EQ(g->num_inputs(), 4);
  const TensorMeta& a = g->input(0)->meta();
  EXPECT_EQ(a.dtype, DType::kBFloat16);
  ASSERT_EQ(a.shape.rank(), 3);
  EXPECT_EQ(a.shape.dim(0), Dim::Symbol("B"));
  EXPECT_EQ(a.shape.dim(1), Dim(3));
  EXPECT_EQ(a.shape.dim(2).symbol(), "n+1");
  const TensorMeta& b = g->input(1)->meta();
  EXPECT_EQ(b.strides, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(b.device, Device::Cuda(1));
  EXPECT_TRUE(b.requires_grad);
  EXPECT_EQ(g->input(2)->meta().device, Device::Meta());
  EXPECT_EQ(g->input(2)->meta().shape.rank(), 0);
  EXPECT_EQ(g->input(3)->meta().dtype, DType::kUInt8);
  ExpectRoundTrip(*g);
}

TEST(ParserTest, ManyOpsGraphRoundTrips) {
  std::unique_ptr<Graph> g = BuildManyOpsGraph();
  ExpectRoundTrip(*g);
  // Every attribute reads back equal (NaN aside), and the operands match.
  std::unique_ptr<Graph> parsed = MustParse(PrintGraph(*g));
  std::vector<Node*> want = g->nodes();
  std::vector<Node*> got = parsed->nodes();
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(PrintNode(*want[i]));
    EXPECT_EQ(got[i]->kind(), want[i]->kind());
    ASSERT_EQ(got[i]->num_operands(), want[i]->num_operands());
    for (int k = 0; k < want[i]->num_operands(); ++k) {
      EXPECT_EQ(got[i]->operand(k)->name(), want[i]->operand(k)->name());
    }
    ASSERT_EQ(got[i]->attrs().size(), want[i]->attrs().size());
    for (size_t k = 0; k < want[i]->attrs().size(); ++k) {
      const AttrValue& wa = want[i]->attrs()[k];
      const AttrValue& ga = got[i]->attrs()[k];
      if (wa.is_float() && std::isnan(wa.f())) {
        EXPECT_TRUE(ga.is_float() && std::isnan(ga.f()));
      } else {
        EXPECT_EQ(ga, wa);
      }
    }
    ASSERT_EQ(got[i]->num_results(), want[i]->num_results());
    for (int k = 0; k < want[i]->num_results(); ++k) {
      EXPECT_EQ(got[i]->result(k)->name(), want[i]->result(k)->name());
      EXPECT_EQ(got[i]->result(k)->meta(), want[i]->result(k)->meta());
    }
  }
}

TEST(ParserTest, UnusualNamesAndStringsRoundTrip) {
  Graph g("name with \"quotes\"\n");
  Value* x = g.AddInput("x", Meta({2}));
  TensorMeta odd(Shape(DimVec{Dim::Symbol("2n"), Dim::Symbol("None")}), DType::kFloat32);
  Value* s = g.AddInput("s", odd);
  absl::StatusOr<Node*> a = g.CreateUnchecked(OpKind::kNeg, {{x}}, {}, {Meta({2})}, {"a.b"});
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<Node*> ret = g.CreateUnchecked(OpKind::kNeg, {{(*a)->result()}}, {}, {Meta({2})}, {"return"});
  ASSERT_TRUE(ret.ok()) << ret.status();
  absl::StatusOr<Node*> none =
      g.CreateUnchecked(OpKind::kLinear, {{x}, {(*ret)->result()}, {}}, {}, {Meta({2})}, {"None"});
  ASSERT_TRUE(none.ok()) << none.status();
  (*none)->set_annotation("scope", "say \"hi\"\n\tand \\ leave\x01");
  (*none)->set_annotation("odd key", "");
  Value* gelu = MustCreate(g, OpKind::kGelu, {x}, {{"approximate", "tanh"}});
  g.SetOutputs({(*none)->result(), s, x, gelu, (*a)->result()});
  ExpectRoundTrip(g);
  std::unique_ptr<Graph> parsed = MustParse(PrintGraph(g));
  EXPECT_EQ(parsed->name(), g.name());
  Node* n = parsed->FindValue("None")->producer();
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->annotation("scope"), "say \"hi\"\n\tand \\ leave\x01");
  EXPECT_EQ(n->group_size(2), 0);
  EXPECT_EQ(parsed->input(1)->meta().shape.dim(0).symbol(), "2n");
}

TEST(ParserTest, GraphOutputsMayBeInputsAndRepeat) {
  ExpectPrintsAs("graph g(x: f32[2], y: f32[2]) { return (y, x, y) }",
                 "graph g(x: f32[2], y: f32[2]) {\n  return (y, x, y)\n}\n");
}

TEST(ParserTest, AllowsTensorListResultsOfAnyCount) {
  ExpectPrintsAs(
      "graph g(x: f32[6]) {\n"
      "  c: f32[2], c_1: f32[2], c_2: f32[2] = chunk(x, chunks=3)\n"
      "  s: f32[6] = split(x, split_size=6)\n"
      "  return (c_2)\n"
      "}\n",
      "graph g(x: f32[6]) {\n"
      "  c: f32[2], c_1: f32[2], c_2: f32[2] = chunk(x, chunks=3)\n"
      "  s: f32[6] = split(x, split_size=6)\n"
      "  return (c_2)\n"
      "}\n");
}

TEST(ParserTest, ReportsSyntaxErrorsWithPosition) {
  ExpectError("", "line 1, column 1: expected 'graph'");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(x\n  return (y)\n}\n", "line 3, column 3: expected ')'");
  ExpectError("graph g(x: f32[3) {\n  return (x)\n}\n", "line 1, column 17: expected ']'");
  ExpectError("graph g(x: f32[3]) {\n  y f32[3] = neg(x)\n  return (y)\n}\n", "line 2, column 5: expected ':'");
  ExpectError("graph g(x: f32[3]) {\n  return (x)\n}\nextra", "line 4, column 1: unexpected text after the graph");
  ExpectError("graph g(x: f32[3.5]) {\n  return (x)\n}\n", "expected a dimension");
  ExpectError("graph g(x: f33[3]) {\n  return (x)\n}\n", "line 1, column 12: unknown dtype 'f33'");
  ExpectError("graph g(x: f32[3]@tpu) {\n  return (x)\n}\n", "line 1, column 19: unknown device 'tpu'");
  ExpectError("graph g(x: f32[3]@cuda:x) {\n  return (x)\n}\n", "expected a device index");
  ExpectError("graph g(x: f32[99999999999999999999]) {\n  return (x)\n}\n", "integer out of range");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(x) {a=\"open\n  return (y)\n}\n",
              "unterminated string literal");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(x) {a=1}\n  return (y)\n}\n", "expected a string literal");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(x) {}\n  return (y)\n}\n", "expected an annotation key");
  ExpectError("graph 3(x: f32[3]) {\n  return (x)\n}\n", "expected a graph name");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(,)\n  return (y)\n}\n", "expected an operand");
}

TEST(ParserTest, ReportsUnknownOp) {
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = frobnicate(x)\n  return (y)\n}\n",
              "line 2, column 15: unknown op 'frobnicate'");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = mul.Tensor(x, x)\n  return (y)\n}\n",
              "unknown op 'mul.Tensor'");
}

TEST(ParserTest, ReportsUndefinedValue) {
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(z)\n  return (y)\n}\n",
              "line 2, column 19: undefined value 'z'");
  // A use before the definition.
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(w)\n  w: f32[3] = neg(x)\n  return (y)\n}\n",
              "line 2, column 19: undefined value 'w'");
  ExpectError("graph g(x: f32[3]) {\n  return (x, q)\n}\n", "line 2, column 14: undefined value 'q'");
  ExpectError("graph g(x: f32[3]) {\n  c: f32[6] = cat([x, \"v w\"])\n  return (c)\n}\n",
              "line 2, column 23: undefined value 'v w'");
}

TEST(ParserTest, ReportsWrongOperands) {
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = mul(x)\n  return (y)\n}\n", "mul: expected 2 operands, got 1");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(x, x)\n  return (y)\n}\n",
              "line 2, column 22: neg: expected 1 operand, got more");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(None)\n  return (y)\n}\n",
              "neg: argument 'self' is not optional");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg([x])\n  return (y)\n}\n",
              "neg: argument 'self' is not a tensor list");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[6] = cat(x)\n  return (y)\n}\n",
              "cat: argument 'tensors' takes a list");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = softmax(dim=0, x)\n  return (y)\n}\n",
              "softmax: operand after attributes");
}

TEST(ParserTest, ReportsBadAttributes) {
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(x, alpha=2)\n  return (y)\n}\n",
              "line 2, column 22: neg: no attribute named 'alpha'");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = softmax(x, dim=1.5)\n  return (y)\n}\n",
              "expected an int (found '1.5'); in attribute 'dim' of softmax");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = softmax(x, dim=None)\n  return (y)\n}\n",
              "in attribute 'dim' of softmax");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = gelu(x, approximate=tanh)\n  return (y)\n}\n",
              "expected a string literal (found 'tanh'); in attribute 'approximate' of gelu");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = to_copy(x, dtype=f99)\n  return (y)\n}\n",
              "line 2, column 32: unknown dtype 'f99'");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = softmax(x, dim=0, dim=0)\n  return (y)\n}\n",
              "softmax: attribute 'dim' given twice");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = softmax(x)\n  return (y)\n}\n",
              "softmax: missing attribute 'dim'");
}

TEST(ParserTest, ReportsRedefinedNames) {
  ExpectError("graph g(x: f32[3], x: f32[3]) {\n  return (x)\n}\n", "line 1, column 20: redefinition of value 'x'");
  ExpectError("graph g(x: f32[3]) {\n  x: f32[3] = neg(x)\n  return (x)\n}\n",
              "line 2, column 3: redefinition of value 'x'");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(x)\n  y: f32[3] = neg(x)\n  return (y)\n}\n",
              "line 3, column 3: redefinition of value 'y'");
  ExpectError("graph g(x: f32[4]) {\n  a: f32[2], a: f32[2] = split(x, split_size=2)\n  return (a)\n}\n",
              "line 2, column 14: redefinition of value 'a'");
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3] = neg(x) {k=\"1\", k=\"2\"}\n  return (y)\n}\n",
              "annotation 'k' given twice");
  ExpectError("graph g(\"a b\": f32[3]) {\n  return ()\n}\n", "invalid input name 'a b'");
}

TEST(ParserTest, ReportsWrongResultCount) {
  ExpectError("graph g(x: f32[3]) {\n  y: f32[3], z: f32[3] = neg(x)\n  return (y)\n}\n",
              "line 2, column 26: neg: expected 1 result, got 2");
  ExpectError("graph g(x: f32[1,1,2,2]) {\n  y: f32[1,1,1,1] = max_pool2d_with_indices(x, kernel_size=[2,2])\n"
              "  return (y)\n}\n",
              "max_pool2d_with_indices: expected 2 results, got 1");
}

// Uses every feature of the text form in a few lines.
constexpr absl::string_view kRichText = R"(graph "rich graph"(x: f32[B,3]{1,4}@cuda:0 requires_grad, i: i64[2]) {
  a: f32[B,3], a_1: f32[B,1], a_2: f32[B,1] = layer_norm(x, None, None, normalized_shape=[3], eps=1e-12)
  c: f32[8,3] = cat([a, x], dim=-1) {scope="s\"q\n", "odd key"="v"}
  "d e": f16[2] = full(size=[2], fill_value=-inf, dtype=f16, device=cuda:1)
  m: f32[2] = mul.Scalar("d e", other=2.5)
  return (c, x, a_2, "d e")
}
)";

// Expects every proper prefix of `text` up to `end` (stepping by `step`) to
// fail cleanly.
void ExpectPrefixesFail(absl::string_view text, size_t end, size_t step) {
  for (size_t n = 0; n < end; n += step) {
    absl::StatusOr<std::unique_ptr<Graph>> parsed = ParseGraph(text.substr(0, n));
    ASSERT_FALSE(parsed.ok()) << "prefix of " << n << " characters parsed";
    ASSERT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << parsed.status();
    ASSERT_TRUE(absl::StartsWith(parsed.status().message(), "line ")) << parsed.status();
  }
}

TEST(ParserTest, TruncatedTextIsAnErrorAtEveryPrefix) {
  ASSERT_TRUE(ParseGraph(kRichText).ok()) << ParseGraph(kRichText).status();
  // Only the final newline may be dropped.
  ASSERT_TRUE(ParseGraph(kRichText.substr(0, kRichText.size() - 1)).ok());
  ExpectPrefixesFail(kRichText, kRichText.size() - 1, 1);

  std::unique_ptr<Graph> g = BuildManyOpsGraph();
  g->nodes()[3]->set_annotation("scope", "layer \"1\"");
  const std::string text = PrintGraph(*g);
  ASSERT_TRUE(ParseGraph(absl::string_view(text).substr(0, text.size() - 1)).ok());
  // Every prefix of the first lines, then a sample of the rest.
  const size_t head = std::min<size_t>(text.size() - 1, 1500);
  ExpectPrefixesFail(text, head, 1);
  ExpectPrefixesFail(text, text.size() - 1, 7);
  ExpectPrefixesFail(text.substr(text.size() - 300), 299, 1);
}

TEST(ParserTest, MutatedTextNeverCrashes) {
  const std::string text(kRichText);
  const std::string replacements = "()[]{},:=@\"#.-9xN\n";
  int parsed_ok = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    std::string deleted = text;
    deleted.erase(i, 1);
    std::vector<std::string> variants = {deleted};
    for (char c : replacements) {
      std::string replaced = text;
      replaced[i] = c;
      variants.push_back(replaced);
    }
    for (const std::string& v : variants) {
      absl::StatusOr<std::unique_ptr<Graph>> g = ParseGraph(v);
      if (!g.ok()) {
        EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << g.status();
        EXPECT_TRUE(absl::StartsWith(g.status().message(), "line ")) << g.status();
        continue;
      }
      ++parsed_ok;
      // Whatever parses prints to text that reads back the same.
      const std::string printed = PrintGraph(**g);
      absl::StatusOr<std::unique_ptr<Graph>> again = ParseGraph(printed);
      ASSERT_TRUE(again.ok()) << again.status() << "\n" << printed;
      EXPECT_EQ(PrintGraph(**again), printed);
    }
  }
  EXPECT_GT(parsed_ok, 0);
}

TEST(ParserTest, RichTextRoundTrips) {
  std::unique_ptr<Graph> g = MustParse(kRichText);
  EXPECT_EQ(PrintGraph(*g), kRichText);
  EXPECT_EQ(g->name(), "rich graph");
  Node* c = g->FindValue("c")->producer();
  EXPECT_EQ(c->annotation("scope"), "s\"q\n");
  EXPECT_EQ(c->annotation("odd key"), "v");
  EXPECT_TRUE(std::isinf(g->FindValue("d e")->producer()->attr("fill_value").f()));
}

TEST(ParserTest, ParsesLargeGraphs) {
  // A long chain, a wide list operand and a long line: linear time keeps
  // this well within the test's time limit.
  constexpr int kNodes = 50000;
  std::string text = "graph big(x: f32[2]) {\n";
  std::string prev = "x";
  for (int i = 0; i < kNodes; ++i) {
    std::string name = absl::StrCat("v", i);
    absl::StrAppend(&text, "  ", name, ": f32[2] = neg(", prev, ")\n");
    prev = name;
  }
  absl::StrAppend(&text, "  s: f32[", 2 * kNodes, "] = cat([");
  for (int i = 0; i < kNodes; ++i) absl::StrAppend(&text, i > 0 ? ", " : "", "v", i);
  absl::StrAppend(&text, "])\n  return (s, ", prev, ")\n}\n");
  std::unique_ptr<Graph> g = MustParse(text);
  EXPECT_EQ(g->num_nodes(), kNodes + 1);
  EXPECT_EQ(g->nodes().back()->num_operands(), kNodes);
  EXPECT_EQ(PrintGraph(*g), text);
}

}  // namespace
}  // namespace aot::ir
