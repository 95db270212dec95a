#include "aot/ir/printer.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/base/status_macros.h"
#include "aot/ir/graph.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

TensorMeta Meta(std::initializer_list<int64_t> dims, DType dtype = DType::kFloat32,
                Device device = Device::Cpu()) {
  return TensorMeta(Shape(dims), dtype, device);
}

Node* MustCreate(Graph& g, OpKind kind, std::vector<Value*> operands, const AttrList& attrs = {}) {
  absl::StatusOr<Node*> n = g.Create(kind, operands, attrs);
  AOT_CHECK_OK(n);
  return *n;
}

Node* MustCreateWithGroups(Graph& g, OpKind kind, std::vector<std::vector<Value*>> groups,
                           const AttrList& attrs = {}) {
  absl::StatusOr<Node*> n = g.CreateWithGroups(kind, std::move(groups), attrs);
  AOT_CHECK_OK(n);
  return *n;
}

TEST(PrinterTest, PrintsSeedForwardGraph) {
  // f(x) = cos(cos(x)), forward graph saving cos for the backward pass.
  Graph g("forward");
  Value* x = g.AddInput("primals_1", Meta({3}));
  Node* c = MustCreate(g, OpKind::kCos, {x});
  Node* c1 = MustCreate(g, OpKind::kCos, {c->result()});
  g.SetOutputs({c1->result(), c->result(), x});
  EXPECT_EQ(PrintGraph(g),
            "graph forward(primals_1: f32[3]) {\n"
            "  cos: f32[3] = cos(primals_1)\n"
            "  cos_1: f32[3] = cos(cos)\n"
            "  return (cos_1, cos, primals_1)\n"
            "}\n");
}

TEST(PrinterTest, PrintsEmptyGraphAndSingleOutput) {
  Graph empty("empty");
  EXPECT_EQ(PrintGraph(empty), "graph empty() {\n  return ()\n}\n");

  Graph g("identity");
  Value* x = g.AddInput("x", Meta({}));
  g.SetOutputs({x});
  EXPECT_EQ(PrintGraph(g), "graph identity(x: f32[]) {\n  return (x)\n}\n");
}

TEST(PrinterTest, PrintsAttributesThatDifferFromTheDefault) {
  Graph g;
  Value* x = g.AddInput("x", Meta({4, 3}));
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kSum, {x}, {{"dim", std::vector<int64_t>{1}}})),
            "sum: f32[4] = sum(x, dim=[1])");
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kAdd, {x, x})), "add: f32[4,3] = add(x, x)");
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kAdd, {x, x}, {{"alpha", 1}})), "add_1: f32[4,3] = add(x, x)");
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kAdd, {x, x}, {{"alpha", 2}})),
            "add_2: f32[4,3] = add(x, x, alpha=2)");
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kMulScalar, {x}, {{"other", 2.0}})),
            "mul: f32[4,3] = mul.Scalar(x, other=2.0)");
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kSubScalar, {x}, {{"other", -3}})),
            "sub: f32[4,3] = sub.Scalar(x, other=-3)");
  // A required attribute without a default is always printed.
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kSoftmax, {x}, {{"dim", -1}})),
            "softmax: f32[4,3] = softmax(x, dim=-1)");
  // Optional attributes default to None.
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kClamp, {x}, {{"max", 0.5}})),
            "clamp: f32[4,3] = clamp(x, max=0.5)");
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kGelu, {x}, {{"approximate", "tanh"}})),
            "gelu: f32[4,3] = gelu(x, approximate=\"tanh\")");
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kToCopy, {x},
                                  {{"dtype", DType::kFloat16}, {"device", Device::Cuda(0)}})),
            "to_copy: f16[4,3]@cuda:0 = to_copy(x, dtype=f16, device=cuda:0)");
  // No operands: the attributes come first.
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kFull, {}, {{"size", std::vector<int64_t>{2}}, {"fill_value", 1.5}})),
            "full: f32[2] = full(size=[2], fill_value=1.5)");
}

TEST(PrinterTest, PrintsFloatLiteralsThatReadBack) {
  Graph g;
  Value* x = g.AddInput("x", Meta({2, 3}));
  Node* ln = MustCreate(g, OpKind::kLayerNorm, {x, nullptr, nullptr},
                        {{"normalized_shape", std::vector<int64_t>{3}}});
  // eps=1e-05 is the default.
  EXPECT_EQ(PrintNode(*ln),
            "layer_norm: f32[2,3], layer_norm_1: f32[2,1], layer_norm_2: f32[2,1] = "
            "layer_norm(x, None, None, normalized_shape=[3])");
  Node* ln2 = MustCreate(g, OpKind::kLayerNorm, {x, nullptr, nullptr},
                         {{"normalized_shape", std::vector<int64_t>{3}}, {"eps", 1e-12}});
  EXPECT_NE(PrintNode(*ln2).find("eps=1e-12)"), std::string::npos) << PrintNode(*ln2);
  Node* m = MustCreate(g, OpKind::kMulScalar, {x}, {{"other", 0.1}});
  EXPECT_EQ(PrintNode(*m), "mul: f32[2,3] = mul.Scalar(x, other=0.1)");
}

TEST(PrinterTest, PrintsListOptionalAndMultiResultNodes) {
  Graph g;
  Value* img = g.AddInput("img", Meta({1, 3, 4, 4}));
  Value* a = g.AddInput("a", Meta({4, 3}));
  Value* b = g.AddInput("b", Meta({4, 3}));
  Value* w = g.AddInput("w", Meta({5, 3}));
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kMaxPool2dWithIndices, {img},
                                  {{"kernel_size", std::vector<int64_t>{2, 2}}})),
            "max_pool2d_with_indices: f32[1,3,2,2], max_pool2d_with_indices_1: i64[1,3,2,2] = "
            "max_pool2d_with_indices(img, kernel_size=[2,2])");
  EXPECT_EQ(PrintNode(*MustCreateWithGroups(g, OpKind::kCat, {{a, b}})), "cat: f32[8,3] = cat([a, b])");
  EXPECT_EQ(PrintNode(*MustCreateWithGroups(g, OpKind::kStack, {{a}}, {{"dim", 1}})),
            "stack: f32[4,1,3] = stack([a], dim=1)");
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kLinear, {a, w, nullptr})), "linear: f32[4,5] = linear(a, w, None)");
  EXPECT_EQ(PrintNode(*MustCreate(g, OpKind::kSplit, {a}, {{"split_size", 2}})),
            "split: f32[2,3], split_1: f32[2,3] = split(a, split_size=2)");
}

TEST(PrinterTest, PrintsTypeDetails) {
  Graph g("types");
  TensorMeta sym(Shape(DimVec{Dim::Symbol("B"), Dim(3)}), DType::kBFloat16);
  TensorMeta strided = Meta({2, 3}, DType::kFloat16, Device::Cuda(0));
  strided.strides = {1, 2};
  strided.requires_grad = true;
  TensorMeta contiguous = Meta({2, 3}, DType::kInt64, Device::Meta());
  contiguous.strides = {3, 1};  // Contiguous strides are not printed.
  g.AddInput("s", sym);
  g.AddInput("t", strided);
  g.AddInput("u", contiguous);
  g.AddInput("v", Meta({}, DType::kBool));
  EXPECT_EQ(PrintGraph(g),
            "graph types(s: bf16[B,3], t: f16[2,3]{1,2}@cuda:0 requires_grad, u: i64[2,3]@meta, "
            "v: bool[]) {\n  return ()\n}\n");
  // The types are spelled as TensorMeta::ToString spells them.
  EXPECT_EQ(strided.ToString(), "f16[2,3]{1,2}@cuda:0 requires_grad");
}

TEST(PrinterTest, PrintsAnnotationsEscaped) {
  Graph g;
  Value* x = g.AddInput("x", Meta({2}));
  Node* n = MustCreate(g, OpKind::kNeg, {x});
  n->set_annotation("scope", "block1");
  n->set_annotation("note", "say \"hi\"\\\nbye");
  EXPECT_EQ(PrintNode(*n), "neg: f32[2] = neg(x) {scope=\"block1\", note=\"say \\\"hi\\\"\\\\\\nbye\"}");
}

TEST(PrinterTest, QuotesNamesThatAreNotIdentifiers) {
  Graph g("my graph");
  Value* x = g.AddInput("x", Meta({2}));
  absl::StatusOr<Node*> a = g.CreateUnchecked(OpKind::kNeg, {{x}}, {}, {Meta({2})}, {"a b"});
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<Node*> none = g.CreateUnchecked(OpKind::kNeg, {{(*a)->result()}}, {}, {Meta({2})}, {"None"});
  ASSERT_TRUE(none.ok()) << none.status();
  (*none)->set_annotation("key with space", "v");
  g.SetOutputs({(*none)->result()});
  EXPECT_EQ(PrintGraph(g),
            "graph \"my graph\"(x: f32[2]) {\n"
            "  \"a b\": f32[2] = neg(x)\n"
            "  \"None\": f32[2] = neg(\"a b\") {\"key with space\"=\"v\"}\n"
            "  return (\"None\")\n"
            "}\n");
}

TEST(PrinterTest, PrintsLongChains) {
  Graph g("chain");
  Value* v = g.AddInput("x", Meta({8}));
  constexpr int kNodes = 20000;
  for (int i = 0; i < kNodes; ++i) v = MustCreate(g, OpKind::kNeg, {v})->result();
  g.SetOutputs({v});
  std::string text = PrintGraph(g);
  EXPECT_EQ(text.rfind("  return (neg_19999)\n}\n"), text.size() - 23);
  int lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_EQ(lines, kNodes + 3);
}

}  // namespace
}  // namespace aot::ir
