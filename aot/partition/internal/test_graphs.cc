#include "aot/partition/internal/test_graphs.h"

#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/ir/parser.h"

namespace aot::partition::internal {
namespace {

using ir::OpKind;
using ir::Value;

std::vector<int64_t> Sizes(const Value* v) { return *v->meta().shape.concrete_sizes(); }

}  // namespace

JointBuilder::JointBuilder(std::string name) : name_(name), graph_(std::make_unique<ir::Graph>(std::move(name))) {}

Value* JointBuilder::Primal(std::vector<int64_t> shape) {
  Value* v = graph_->AddInput(absl::StrCat("primals_", primals_.size() + 1),
                              ir::TensorMeta(ir::Shape(absl::MakeConstSpan(shape)), ir::DType::kFloat32));
  primals_.push_back(v);
  return v;
}

Value* JointBuilder::Seed() {
  Value* v = graph_->AddInput(absl::StrCat("primals_", primals_.size() + 1),
                              ir::TensorMeta(ir::Shape{2}, ir::DType::kInt64));
  primals_.push_back(v);
  return v;
}

ir::Node* JointBuilder::CreateNode(OpKind kind, std::vector<Value*> operands, const ir::AttrList& attrs) {
  absl::StatusOr<ir::Node*> node = graph_->Create(kind, operands, attrs);
  AOT_CHECK(node.ok()) << node.status();
  return *node;
}

Value* JointBuilder::Create(OpKind kind, std::vector<Value*> operands, const ir::AttrList& attrs, int result) {
  ir::Node* node = CreateNode(kind, std::move(operands), attrs);
  tape_.push_back(node);
  return node->result(result);
}

Value* JointBuilder::Unary(OpKind kind, Value* x) { return Create(kind, {x}); }
Value* JointBuilder::Binary(OpKind kind, Value* a, Value* b) { return Create(kind, {a, b}); }
Value* JointBuilder::MulScalar(Value* x, double c) { return Create(OpKind::kMulScalar, {x}, {{"other", c}}); }
Value* JointBuilder::Mm(Value* a, Value* b) { return Create(OpKind::kMm, {a, b}); }
Value* JointBuilder::SumKeepdim(Value* x, int64_t dim) {
  return Create(OpKind::kSum, {x}, {{"dim", std::vector<int64_t>{dim}}, {"keepdim", true}});
}
Value* JointBuilder::Expand(Value* x, std::vector<int64_t> shape) {
  return Create(OpKind::kExpand, {x}, {{"size", std::move(shape)}});
}
Value* JointBuilder::Transpose(Value* x) { return Create(OpKind::kTranspose, {x}, {{"dim0", 0}, {"dim1", 1}}); }
Value* JointBuilder::Reshape(Value* x, std::vector<int64_t> shape) {
  return Create(OpKind::kReshape, {x}, {{"shape", std::move(shape)}});
}
Value* JointBuilder::Softmax(Value* x) { return Create(OpKind::kSoftmax, {x}, {{"dim", -1}}); }
Value* JointBuilder::LayerNorm(Value* x) {
  std::vector<int64_t> sizes = Sizes(x);
  return Create(OpKind::kLayerNorm, {x, nullptr, nullptr}, {{"normalized_shape", std::vector<int64_t>{sizes.back()}}});
}
Value* JointBuilder::Dropout(Value* x, Value* seed, double p) {
  return Create(OpKind::kDropout, {x, seed}, {{"p", p}});
}

void JointBuilder::Output(Value* v) { outputs_.push_back(v); }

JointGraph JointBuilder::Finish() {
  ir::Graph& g = *graph_;
  absl::flat_hash_map<const Value*, Value*> grads;
  auto accumulate = [&](Value* v, Value* grad) {
    if (grad == nullptr || !ir::IsFloating(v->meta().dtype)) return;
    auto [it, inserted] = grads.try_emplace(v, grad);
    if (!inserted) it->second = CreateNode(OpKind::kAdd, {it->second, grad})->result();
  };
  for (size_t i = 0; i < outputs_.size(); ++i) {
    Value* t = g.AddInput(absl::StrCat("tangents_", i + 1), outputs_[i]->meta());
    accumulate(outputs_[i], t);
  }
  auto make = [&](OpKind kind, std::vector<Value*> operands, const ir::AttrList& attrs = {}) {
    return CreateNode(kind, std::move(operands), attrs)->result();
  };
  for (auto it = tape_.rbegin(); it != tape_.rend(); ++it) {
    ir::Node* n = *it;
    auto found = grads.find(n->result());
    if (found == grads.end()) continue;
    Value* gr = found->second;
    Value* x = n->num_operands() > 0 ? n->operand(0) : nullptr;
    Value* y = n->result();
    switch (n->kind()) {
      case OpKind::kNeg:
        accumulate(x, make(OpKind::kNeg, {gr}));
        break;
      case OpKind::kSin:
        accumulate(x, make(OpKind::kMul, {gr, make(OpKind::kCos, {x})}));
        break;
      case OpKind::kCos:
        accumulate(x, make(OpKind::kMul, {gr, make(OpKind::kNeg, {make(OpKind::kSin, {x})})}));
        break;
      case OpKind::kExp:
        accumulate(x, make(OpKind::kMul, {gr, y}));
        break;
      case OpKind::kTanh:
        accumulate(x, make(OpKind::kTanhBackward, {gr, y}));
        break;
      case OpKind::kSigmoid:
        accumulate(x, make(OpKind::kSigmoidBackward, {gr, y}));
        break;
      case OpKind::kRelu:
        accumulate(x, make(OpKind::kThresholdBackward, {gr, y}, {{"threshold", 0}}));
        break;
      case OpKind::kGelu:
        accumulate(x, make(OpKind::kGeluBackward, {gr, x}));
        break;
      case OpKind::kSilu:
        accumulate(x, make(OpKind::kSiluBackward, {gr, x}));
        break;
      case OpKind::kAdd:
        accumulate(x, gr);
        accumulate(n->operand(1), gr);
        break;
      case OpKind::kSub:
        accumulate(x, gr);
        accumulate(n->operand(1), make(OpKind::kNeg, {gr}));
        break;
      case OpKind::kMul:
        accumulate(x, make(OpKind::kMul, {gr, n->operand(1)}));
        accumulate(n->operand(1), make(OpKind::kMul, {gr, x}));
        break;
      case OpKind::kMulScalar:
        accumulate(x, make(OpKind::kMulScalar, {gr}, {{"other", n->attr("other")}}));
        break;
      case OpKind::kMm: {
        Value* b = n->operand(1);
        accumulate(x, make(OpKind::kMm, {gr, make(OpKind::kTranspose, {b}, {{"dim0", 0}, {"dim1", 1}})}));
        accumulate(b, make(OpKind::kMm, {make(OpKind::kTranspose, {x}, {{"dim0", 0}, {"dim1", 1}}), gr}));
        break;
      }
      case OpKind::kSum:
        accumulate(x, make(OpKind::kExpand, {gr}, {{"size", Sizes(x)}}));
        break;
      case OpKind::kExpand: {
        std::vector<int64_t> in = Sizes(x), out = Sizes(y);
        std::vector<int64_t> dims;
        for (size_t d = 0; d < in.size(); ++d) {
          if (in[d] == 1 && out[d] != 1) dims.push_back(static_cast<int64_t>(d));
        }
        accumulate(x, dims.empty() ? gr : make(OpKind::kSum, {gr}, {{"dim", dims}, {"keepdim", true}}));
        break;
      }
      case OpKind::kTranspose:
        accumulate(x, make(OpKind::kTranspose, {gr}, {{"dim0", 0}, {"dim1", 1}}));
        break;
      case OpKind::kReshape:
        accumulate(x, make(OpKind::kReshape, {gr}, {{"shape", Sizes(x)}}));
        break;
      case OpKind::kSoftmax:
        accumulate(x, make(OpKind::kSoftmaxBackward, {gr, y}, {{"dim", -1}}));
        break;
      case OpKind::kLayerNorm: {
        ir::Node* back = CreateNode(OpKind::kLayerNormBackward, {gr, x, n->result(1), n->result(2), nullptr, nullptr},
                                    {{"normalized_shape", n->attr("normalized_shape")}});
        accumulate(x, back->result(0));
        break;
      }
      case OpKind::kDropout: {
        double p = n->attr("p").f();
        accumulate(x, make(OpKind::kMulScalar, {make(OpKind::kMul, {gr, n->result(1)})}, {{"other", 1 / (1 - p)}}));
        break;
      }
      default:
        AOT_CHECK(false) << "JointBuilder: no derivative for " << n->op().name();
    }
  }
  std::vector<Value*> outputs = outputs_;
  for (Value* p : primals_) {
    if (!ir::IsFloating(p->meta().dtype)) continue;
    auto found = grads.find(p);
    outputs.push_back(found != grads.end() ? found->second
                                           : make(OpKind::kZeros, {}, {{"size", Sizes(p)}}));
  }
  g.SetOutputs(outputs);
  JointGraph out;
  out.name = name_;
  out.info = {static_cast<int>(primals_.size()), static_cast<int>(outputs_.size())};
  out.graph = std::move(graph_);
  return out;
}

absl::string_view CosCosJointText() {
  return R"(graph joint(primals_1: f32[4,3], tangents_1: f32[4,3]) {
  cos: f32[4,3] = cos(primals_1)
  cos_1: f32[4,3] = cos(cos)
  sin: f32[4,3] = sin(cos)
  neg: f32[4,3] = neg(sin)
  mul: f32[4,3] = mul(tangents_1, neg)
  sin_1: f32[4,3] = sin(primals_1)
  neg_1: f32[4,3] = neg(sin_1)
  mul_1: f32[4,3] = mul(mul, neg_1)
  return (cos_1, mul_1)
}
)";
}

JointGraph CosCosJoint() {
  absl::StatusOr<std::unique_ptr<ir::Graph>> g = ir::ParseGraph(CosCosJointText());
  AOT_CHECK(g.ok()) << g.status();
  return {"cos_cos", *std::move(g), {1, 1}};
}

std::vector<JointGraph> ModelJoints() {
  std::vector<JointGraph> out;
  out.push_back(CosCosJoint());
  {
    // Two-layer MLP with a residual: relu(x @ w1) @ w2 + x.
    JointBuilder b("mlp");
    Value* x = b.Primal({8, 16});
    Value* w1 = b.Primal({16, 32});
    Value* w2 = b.Primal({32, 16});
    Value* h = b.Unary(OpKind::kRelu, b.Mm(x, w1));
    b.Output(b.Binary(OpKind::kAdd, b.Mm(h, w2), x));
    out.push_back(b.Finish());
  }
  {
    // Single-head attention with a residual and layer norm.
    JointBuilder b("attention");
    Value* x = b.Primal({6, 8});
    Value* wq = b.Primal({8, 8});
    Value* wk = b.Primal({8, 8});
    Value* wv = b.Primal({8, 8});
    Value* q = b.Mm(x, wq);
    Value* k = b.Mm(x, wk);
    Value* v = b.Mm(x, wv);
    Value* scores = b.MulScalar(b.Mm(q, b.Transpose(k)), 0.35);
    Value* attn = b.Mm(b.Softmax(scores), v);
    b.Output(b.LayerNorm(b.Binary(OpKind::kAdd, attn, x)));
    out.push_back(b.Finish());
  }
  {
    // An elementwise chain after the inputs.
    JointBuilder b("elementwise_chain");
    Value* x = b.Primal({5, 7});
    Value* y = b.Primal({5, 7});
    Value* v = b.Binary(OpKind::kMul, x, y);
    for (OpKind k : {OpKind::kSin, OpKind::kTanh, OpKind::kExp, OpKind::kSigmoid, OpKind::kCos, OpKind::kSilu}) {
      v = b.Unary(k, v);
    }
    b.Output(b.Binary(OpKind::kAdd, v, x));
    out.push_back(b.Finish());
  }
  {
    // mm, seeded dropout and gelu; a second dropout without a seed.
    JointBuilder b("dropout_block");
    Value* x = b.Primal({8, 12});
    Value* w = b.Primal({12, 12});
    Value* seed = b.Seed();
    Value* h = b.Dropout(b.Unary(OpKind::kGelu, b.Mm(x, w)), seed);
    Value* r = b.Binary(OpKind::kMul, h, b.Unary(OpKind::kSigmoid, x));
    b.Output(b.Dropout(r, nullptr, 0.5));
    out.push_back(b.Finish());
  }
  {
    // Pre-norm residual MLP with a mean-like reduction broadcast back.
    JointBuilder b("norm_mlp");
    Value* x = b.Primal({4, 16});
    Value* w1 = b.Primal({16, 64});
    Value* w2 = b.Primal({64, 16});
    Value* n = b.LayerNorm(x);
    Value* h = b.Unary(OpKind::kTanh, b.Mm(n, w1));
    Value* centered = b.Binary(OpKind::kSub, h, b.Expand(b.MulScalar(b.SumKeepdim(h, 1), 1.0 / 64), {4, 64}));
    Value* o = b.Mm(b.Unary(OpKind::kSilu, centered), w2);
    b.Output(b.Binary(OpKind::kAdd, o, x));
    b.Output(b.Reshape(b.Transpose(n), {64}));
    out.push_back(b.Finish());
  }
  return out;
}

JointGraph RandomJoint(uint32_t seed, int num_ops) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  const int64_t m = 2 + pick(3), n = 2 + pick(3);
  JointBuilder b(absl::StrCat("random_", seed));
  std::vector<Value*> pool = {b.Primal({m, n})};
  if (pick(2)) pool.push_back(b.Primal({m, n}));
  Value* w = pick(2) ? b.Primal({n, n}) : nullptr;
  Value* rseed = pick(2) ? b.Seed() : nullptr;
  const OpKind unary[] = {OpKind::kSin, OpKind::kCos,  OpKind::kExp,  OpKind::kTanh, OpKind::kSigmoid,
                          OpKind::kRelu, OpKind::kNeg, OpKind::kGelu, OpKind::kSilu};
  const OpKind binary[] = {OpKind::kAdd, OpKind::kSub, OpKind::kMul};
  auto any = [&] {
    // Prefer recent values, so the graphs are deep rather than wide.
    int k = static_cast<int>(pool.size());
    return pool[std::max(0, k - 1 - pick(std::min(k, 4)))];
  };
  for (int i = 0; i < num_ops; ++i) {
    Value* v = nullptr;
    switch (pick(10)) {
      case 0:
      case 1:
      case 2:
        v = b.Unary(unary[pick(9)], any());
        break;
      case 3:
      case 4:
        v = b.Binary(binary[pick(3)], any(), any());
        break;
      case 5:
        v = w != nullptr ? b.Mm(any(), w) : b.Unary(OpKind::kTanh, any());
        break;
      case 6:
        v = b.Expand(b.SumKeepdim(any(), 1), {m, n});
        break;
      case 7:
        v = b.Transpose(b.Unary(OpKind::kExp, b.Transpose(any())));
        break;
      case 8:
        v = b.Softmax(any());
        break;
      case 9:
        v = rseed != nullptr ? b.Dropout(any(), rseed) : b.MulScalar(any(), 1.5);
        break;
    }
    pool.push_back(v);
  }
  b.Output(pool.back());
  if (pick(2)) b.Output(pool[pool.size() / 2]);
  return b.Finish();
}

JointGraph BlockStackJoint(int64_t num_nodes, int64_t tokens, int64_t width) {
  JointBuilder b(absl::StrCat("block_stack_", num_nodes));
  Value* x = b.Primal({tokens, width});
  Value* seed = b.Seed();
  while (b.graph().num_nodes() * 3 < num_nodes) {  // The backward about doubles the forward.
    Value* w1 = b.Primal({width, width});
    Value* w2 = b.Primal({width, width});
    Value* h = b.Unary(OpKind::kGelu, b.Mm(b.LayerNorm(x), w1));
    x = b.Binary(OpKind::kAdd, x, b.Dropout(b.Mm(h, w2), seed, 0.1));
  }
  b.Output(x);
  return b.Finish();
}

}  // namespace aot::partition::internal
