#include "aot/ir/graph.h"

#include <memory>

#include "aot/base/status_macros.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

TensorMeta F32(std::initializer_list<int64_t> dims) { return TensorMeta(Shape(dims), DType::kFloat32); }

Node* MustCreate(Graph& g, OpKind kind, std::vector<Value*> operands, const AttrList& attrs = {}) {
  absl::StatusOr<Node*> n = g.Create(kind, operands, attrs);
  AOT_CHECK_OK(n);
  return *n;
}

std::vector<std::string> NodeNames(const Graph& g) {
  std::vector<std::string> out;
  for (Node* n : g.node_range()) out.push_back(n->name());
  return out;
}

TEST(GraphTest, BuildsSeedGraphWithFxStyleNames) {
  Graph g("forward");
  Value* x = g.AddInput("primals_1", F32({3}));
  Node* c = MustCreate(g, OpKind::kCos, {x});
  Node* c1 = MustCreate(g, OpKind::kCos, {c->result()});
  g.SetOutputs({c1->result(), c->result(), x});
  EXPECT_EQ(NodeNames(g), (std::vector<std::string>{"cos", "cos_1"}));
  EXPECT_EQ(c1->result()->meta().ToString(), "f32[3]");
  EXPECT_EQ(g.num_outputs(), 3);
  EXPECT_TRUE(x->is_output());
  EXPECT_EQ(c->result()->num_uses(), 2);  // cos_1 and the output.
  EXPECT_EQ(c->result()->users(), std::vector<Node*>{c1});
  EXPECT_EQ(g.FindValue("cos_1"), c1->result());
}

TEST(GraphTest, UseListsFollowEditsAndReplaceAllUses) {
  Graph g;
  Value* x = g.AddInput("x", F32({2, 2}));
  Value* y = g.AddInput("y", F32({2, 2}));
  Node* a = MustCreate(g, OpKind::kAdd, {x, x});
  Node* m = MustCreate(g, OpKind::kMul, {a->result(), x});
  g.SetOutputs({m->result()});
  EXPECT_EQ(x->num_uses(), 3);
  x->ReplaceAllUsesWith(y);
  EXPECT_FALSE(x->has_uses());
  EXPECT_EQ(y->num_uses(), 3);
  EXPECT_EQ(a->operand(0), y);
  EXPECT_EQ(m->operand(1), y);
  m->set_operand(1, a->result());
  EXPECT_EQ(y->num_uses(), 2);
  EXPECT_EQ(a->result()->num_uses(), 2);
}

TEST(GraphTest, EraseRequiresNoUses) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* s = MustCreate(g, OpKind::kSin, {x});
  Node* e = MustCreate(g, OpKind::kExp, {s->result()});
  g.SetOutputs({e->result()});
  absl::Status st = g.EraseNode(s);
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("sin is still used by node exp"), absl::string_view::npos) << st;
  g.set_output(0, x);
  ASSERT_TRUE(g.EraseNode(e).ok());
  ASSERT_TRUE(g.EraseNode(s).ok());
  EXPECT_EQ(g.num_nodes(), 0);
  EXPECT_EQ(x->num_uses(), 1);
  // The name is free again.
  EXPECT_EQ(MustCreate(g, OpKind::kSin, {x})->name(), "sin");
  EXPECT_EQ(g.EraseInput(x).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(GraphTest, CreateChecksOperandsAndAttributes) {
  Graph g;
  Value* x = g.AddInput("x", F32({4, 3}));
  Value* y = g.AddInput("y", F32({5}));
  absl::StatusOr<Node*> bad = g.Create(OpKind::kAdd, {x, y});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("add: 'self' is f32[4,3], 'other' is f32[5]"), absl::string_view::npos)
      << bad.status();
  EXPECT_EQ(g.num_nodes(), 0);
  EXPECT_FALSE(x->has_uses());

  absl::StatusOr<Node*> count = g.Create(OpKind::kAdd, {x});
  EXPECT_NE(count.status().message().find("expected 2 operands, got 1"), absl::string_view::npos) << count.status();
  absl::StatusOr<Node*> unknown = g.Create(OpKind::kSum, {x}, {{"dims", std::vector<int64_t>{0}}});
  EXPECT_NE(unknown.status().message().find("no attribute named 'dims'"), absl::string_view::npos);
  absl::StatusOr<Node*> typed = g.Create(OpKind::kSum, {x}, {{"keepdim", 1}});
  EXPECT_NE(typed.status().message().find("attribute 'keepdim' expects bool, got 1"), absl::string_view::npos);
  absl::StatusOr<Node*> missing = g.Create(OpKind::kTranspose, {x}, {{"dim0", 0}});
  EXPECT_NE(missing.status().message().find("missing required attribute 'dim1'"), absl::string_view::npos);

  Graph other;
  Value* z = other.AddInput("z", F32({4, 3}));
  absl::StatusOr<Node*> foreign = g.Create(OpKind::kAdd, {x, z});
  EXPECT_NE(foreign.status().message().find("belongs to another graph"), absl::string_view::npos);
}

TEST(GraphTest, FillsDefaultsAndConvertsIntToFloatAttributes) {
  Graph g;
  Value* x = g.AddInput("x", F32({2, 8}));
  Node* ln = MustCreate(g, OpKind::kLayerNorm, {x, nullptr, nullptr},
                        {{"normalized_shape", std::vector<int64_t>{8}}, {"eps", 1}});
  EXPECT_EQ(ln->attr("eps"), AttrValue(1.0));
  EXPECT_EQ(ln->num_results(), 3);
  EXPECT_EQ(ln->group_size(1), 0);
  EXPECT_EQ(ln->result(1)->meta().ToString(), "f32[2,1]");
  EXPECT_EQ(ln->result(1)->name(), "layer_norm_1");
  Node* s = MustCreate(g, OpKind::kSum, {x});
  EXPECT_TRUE(s->attr("dim").is_none());
  EXPECT_EQ(s->attr("keepdim"), AttrValue(false));
  EXPECT_TRUE(s->set_attr("keepdim", true).ok());
  EXPECT_EQ(s->set_attr("keepdim", 3).code(), absl::StatusCode::kInvalidArgument);
}

TEST(GraphTest, ListOperandsAndVariadicResults) {
  Graph g;
  Value* a = g.AddInput("a", F32({2, 3}));
  Value* b = g.AddInput("b", F32({4, 3}));
  absl::StatusOr<Node*> cat = g.CreateWithGroups(OpKind::kCat, {{a, b, a}}, {{"dim", 0}});
  ASSERT_TRUE(cat.ok()) << cat.status();
  EXPECT_EQ((*cat)->num_operands(), 3);
  EXPECT_EQ((*cat)->group(0), (std::vector<Value*>{a, b, a}));
  EXPECT_EQ((*cat)->result()->meta().ToString(), "f32[8,3]");
  EXPECT_EQ(a->num_uses(), 2);
  Node* split = MustCreate(g, OpKind::kSplit, {(*cat)->result()}, {{"split_size", 3}});
  ASSERT_EQ(split->num_results(), 3);
  EXPECT_EQ(split->result(2)->meta().ToString(), "f32[2,3]");
  EXPECT_EQ(split->result(2)->name(), "split_2");
}

TEST(GraphTest, NamesAreSanitizedAndUnique) {
  Graph g;
  EXPECT_EQ(g.AddInput("x", F32({1}))->name(), "x");
  EXPECT_EQ(g.AddInput("x", F32({1}))->name(), "x_1");
  EXPECT_EQ(g.AddInput("layer1.weight", F32({1}))->name(), "layer1_weight");
  EXPECT_EQ(g.AddInput("0", F32({1}))->name(), "_0");
  EXPECT_EQ(g.AddInput("return", F32({1}))->name(), "return_");
  EXPECT_EQ(g.AddInput("x_1", F32({1}))->name(), "x_1_1");
}

TEST(GraphTest, NameIndexFindsRefusesAndReleasesNames) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  // Enough values to grow the index several times.
  std::vector<Value*> values;
  Value* v = x;
  for (int i = 0; i < 300; ++i) {
    v = MustCreate(g, OpKind::kCos, {v})->result();
    values.push_back(v);
  }
  EXPECT_EQ(g.FindValue("x"), x);
  for (Value* w : values) EXPECT_EQ(g.FindValue(w->name()), w) << w->name();
  EXPECT_EQ(g.FindValue("cos_300"), nullptr);
  // A name taken, or given twice in one call, is refused.
  const TensorMeta m = F32({4});
  absl::StatusOr<Node*> taken =
      g.CreateUncheckedResolved(OpKind::kCos, {x}, {1}, {}, {m}, {std::string("cos_7")});
  EXPECT_EQ(taken.status().code(), absl::StatusCode::kInvalidArgument);
  const TensorMeta half = F32({2});
  absl::StatusOr<Node*> twice =
      g.CreateUncheckedResolved(OpKind::kSplit, {x}, {1}, {AttrValue(int64_t{2}), AttrValue(int64_t{0})},
                                {half, half}, {std::string("piece"), std::string("piece")});
  EXPECT_EQ(twice.status().code(), absl::StatusCode::kInvalidArgument) << twice.status();
  EXPECT_NE(twice.status().message().find("'piece' is already defined"), absl::string_view::npos);
  EXPECT_EQ(g.FindValue("piece"), nullptr);
  // Erasing the last node frees its name.
  Node* last = values.back()->producer();
  const std::string name = values.back()->name();
  ASSERT_TRUE(g.EraseNode(last).ok());
  EXPECT_EQ(g.FindValue(name), nullptr);
  absl::StatusOr<Node*> again = g.Create(OpKind::kSin, {x}, {}, {.name = name});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->result()->name(), name);
  EXPECT_EQ(g.FindValue(name), (*again)->result());
}

TEST(GraphTest, SortTopologicallyRestoresDefinitionOrder) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* a = MustCreate(g, OpKind::kSin, {x});
  Node* b = MustCreate(g, OpKind::kCos, {a->result()});
  Node* c = MustCreate(g, OpKind::kExp, {b->result()});
  Node* d = MustCreate(g, OpKind::kNeg, {x});
  g.MoveBefore(c, a);
  g.MoveBefore(b, c);
  EXPECT_EQ(NodeNames(g), (std::vector<std::string>{"cos", "exp", "sin", "neg"}));
  EXPECT_GT(g.OrderOf(b), -1);
  ASSERT_TRUE(g.SortTopologically().ok());
  EXPECT_EQ(NodeNames(g), (std::vector<std::string>{"sin", "cos", "exp", "neg"}));
  EXPECT_LT(g.OrderOf(a), g.OrderOf(b));
  EXPECT_LT(g.OrderOf(c), g.OrderOf(d));
}

TEST(GraphTest, CloneIsDeepAndIndependent) {
  Graph g("f");
  Value* x = g.AddInput("x", F32({4}));
  Node* a = MustCreate(g, OpKind::kSin, {x});
  a->set_annotation("scope", "block1");
  Node* b = MustCreate(g, OpKind::kMulScalar, {a->result()}, {{"other", 2.5}});
  g.SetOutputs({b->result(), x});
  std::unique_ptr<Graph> h = g.Clone();
  EXPECT_EQ(h->name(), "f");
  EXPECT_EQ(NodeNames(*h), NodeNames(g));
  Node* hb = h->nodes()[1];
  EXPECT_NE(hb, b);
  EXPECT_EQ(hb->attr("other"), AttrValue(2.5));
  EXPECT_EQ(h->nodes()[0]->annotation("scope"), "block1");
  EXPECT_EQ(hb->operand(0), h->nodes()[0]->result());
  EXPECT_EQ(h->output(1), h->input(0));
  // New names continue after the copied ones.
  EXPECT_EQ(MustCreate(*h, OpKind::kSin, {h->input(0)})->name(), "sin_1");
  EXPECT_EQ(g.num_nodes(), 2);
}

TEST(GraphTest, ValuesShareInternedMetadataAndReadBackWhatTheyWereGiven) {
  Graph g("f");
  Value* x = g.AddInput("x", F32({4}));
  Value* y = g.AddInput("y", F32({4, 2}));
  TensorMeta strided = F32({4, 2});
  strided.strides = {2, 1};  // Contiguous, but given explicitly.
  Value* z = g.AddInput("z", strided);
  Node* s = MustCreate(g, OpKind::kSin, {x});
  Node* c = MustCreate(g, OpKind::kCos, {y});
  // Equal metadata: one object; different metadata: each its own.
  EXPECT_EQ(&s->result()->meta(), &x->meta());
  EXPECT_EQ(&c->result()->meta(), &y->meta());
  EXPECT_NE(&x->meta(), &y->meta());
  // Explicit strides are kept, not replaced by an equal meta without them.
  EXPECT_NE(&z->meta(), &y->meta());
  EXPECT_EQ(z->meta().strides, (std::vector<int64_t>{2, 1}));
  EXPECT_TRUE(y->meta().strides.empty());
  // set_meta changes one value only.
  TensorMeta grad = F32({4});
  grad.requires_grad = true;
  s->result()->set_meta(grad);
  EXPECT_TRUE(s->result()->meta().requires_grad);
  EXPECT_FALSE(x->meta().requires_grad);
  EXPECT_EQ(s->result()->meta().ToString(), "f32[4] requires_grad");
  // A clone's values point into the clone's own table.
  g.SetOutputs({s->result(), c->result()});
  std::unique_ptr<Graph> h = g.Clone();
  EXPECT_NE(&h->input(0)->meta(), &x->meta());
  EXPECT_EQ(&h->nodes()[1]->result()->meta(), &h->input(1)->meta());
  EXPECT_EQ(h->input(2)->meta().strides, (std::vector<int64_t>{2, 1}));
  EXPECT_TRUE(h->nodes()[0]->result()->meta().requires_grad);
}

// The walks over a big graph read every node and value (Note [Interned
// metadata], Note [The size of a graph node]); a regression here costs every
// pass over a graph that no longer fits in cache.
TEST(GraphTest, NodesAndValuesStaySmall) {
  if (sizeof(void*) != 8) GTEST_SKIP() << "sizes measured on LP64";
  EXPECT_LE(sizeof(Node), 96u);
  EXPECT_LE(sizeof(Value), 72u);
  EXPECT_LE(sizeof(Use), 40u);
}

TEST(GraphTest, InsertBeforeAndOrderOf) {
  Graph g;
  Value* x = g.AddInput("x", F32({4}));
  Node* a = MustCreate(g, OpKind::kSin, {x});
  absl::StatusOr<Node*> b = g.Create(OpKind::kCos, {x}, {}, {.name = "early", .insert_before = a});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(NodeNames(g), (std::vector<std::string>{"early", "sin"}));
  EXPECT_EQ(g.OrderOf(*b), 0);
  EXPECT_EQ(g.OrderOf(a), 1);
  Node* c = MustCreate(g, OpKind::kExp, {x});
  EXPECT_EQ(g.OrderOf(c), 2);
}

}  // namespace
}  // namespace aot::ir
