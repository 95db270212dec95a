#include "aot/autodiff/joint_graph.h"

#include <cmath>
#include <vector>

#include "aot/autodiff/engine.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/ir/printer.h"
#include "aot/tensor/ops.h"
#include "aot/trace/make_graph.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::autodiff {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Tensors = std::vector<Tensor>;

std::unique_ptr<ir::Graph> Trace(const trace::TracedFn& fn, const Tensors& inputs) {
  absl::StatusOr<trace::TracedGraph> t = trace::MakeGraph(fn, inputs);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? std::move(t->graph) : nullptr;
}

void ExpectClose(const Tensor& a, const Tensor& b, double tol = 1e-10) {
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a.sizes(), b.sizes());
  std::vector<double> x = *a.ToVector<double>();
  std::vector<double> y = *b.ToVector<double>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol) << "element " << i;
}

// The seed example: PyTorch's joint graph of cos(cos(x)) has these ops,
// in this order, with these names (../shared/reference).
TEST(JointGraphTest, CosCosMatchesPyTorch) {
  auto fn = [](const Tensors& in) -> Tensors { return {in[0].cos().cos()}; };
  std::unique_ptr<ir::Graph> fwd = Trace(fn, {zeros({3})});
  absl::StatusOr<JointGraph> joint = BuildJointGraph(*fwd, {true});
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_EQ(ir::PrintGraph(*joint->graph),
            "graph joint(primals_1: f32[3], tangents_1: f32[3]) {\n"
            "  cos: f32[3] = cos(primals_1)\n"
            "  cos_1: f32[3] = cos(cos)\n"
            "  sin: f32[3] = sin(cos)\n"
            "  neg: f32[3] = neg(sin)\n"
            "  mul: f32[3] = mul(tangents_1, neg)\n"
            "  sin_1: f32[3] = sin(primals_1)\n"
            "  neg_1: f32[3] = neg(sin_1)\n"
            "  mul_1: f32[3] = mul(mul, neg_1)\n"
            "  return (cos_1, mul_1)\n"
            "}\n");
  EXPECT_EQ(joint->num_primals, 1);
  EXPECT_EQ(joint->num_fwd_outputs, 1);
  EXPECT_THAT(joint->tangent_outputs, ElementsAre(0));
  EXPECT_THAT(joint->grad_inputs, ElementsAre(0));
}

// Runs the joint graph and eager autograd on the same inputs and checks the
// forward outputs and gradients agree.
void ExpectJointMatchesEager(const trace::TracedFn& fn, const Tensors& inputs, const std::vector<bool>& needs) {
  std::unique_ptr<ir::Graph> fwd = Trace(fn, inputs);
  ASSERT_NE(fwd, nullptr);
  absl::StatusOr<JointGraph> joint = BuildJointGraph(*fwd, needs);
  ASSERT_TRUE(joint.ok()) << joint.status();
  // Eager.
  Tensors leaves;
  Tensors wrt;
  for (size_t i = 0; i < inputs.size(); ++i) {
    leaves.push_back(inputs[i].clone());
    if (needs[i]) {
      leaves.back().set_requires_grad(true);
      wrt.push_back(leaves.back());
    }
  }
  Tensors outs = fn(leaves);
  Tensors tangents;
  Tensors roots;
  for (size_t t = 0; t < joint->tangent_outputs.size(); ++t) {
    const Tensor& o = outs[joint->tangent_outputs[t]];
    tangents.push_back(randn(std::vector<int64_t>(o.sizes().begin(), o.sizes().end()), 100 + t, 0,
                             {.dtype = o.dtype()}));
    roots.push_back(o);
  }
  absl::StatusOr<Tensors> eager = Grad(roots, wrt, tangents, {.materialize_unused = true});
  ASSERT_TRUE(eager.ok()) << eager.status();
  // Joint.
  Tensors joint_in = inputs;
  for (const Tensor& t : tangents) joint_in.push_back(t);
  absl::StatusOr<Tensors> got = RunGraph(*joint->graph, joint_in);
  ASSERT_TRUE(got.ok()) << got.status() << "\n" << ir::PrintGraph(*joint->graph);
  ASSERT_EQ(got->size(), outs.size() + wrt.size());
  for (size_t o = 0; o < outs.size(); ++o) ExpectClose((*got)[o], outs[o].detach());
  for (size_t g = 0; g < wrt.size(); ++g) ExpectClose((*got)[outs.size() + g], (*eager)[g]);
}

TEST(JointGraphTest, BroadcastAndReuse) {
  auto fn = [](const Tensors& in) -> Tensors {
    Tensor h = in[0] * in[1];
    return {(h.exp() + h).sum({1}), h};
  };
  ExpectJointMatchesEager(fn, {randn({4, 3}, 1, 0, {.dtype = DType::kFloat64}), randn({3}, 2, 0, {.dtype = DType::kFloat64})},
                          {true, true});
}

TEST(JointGraphTest, OnlySomeInputsNeedGrad) {
  auto fn = [](const Tensors& in) -> Tensors { return {in[0].sin() * in[1]}; };
  ExpectJointMatchesEager(fn, {randn({5}, 1, 0, {.dtype = DType::kFloat64}), randn({5}, 2, 0, {.dtype = DType::kFloat64})},
                          {false, true});
}

TEST(JointGraphTest, IntegerOutputsGetNoTangent) {
  auto fn = [](const Tensors& in) -> Tensors { return {in[0].argmax(0), in[0].tanh(), in[1] + 1.0}; };
  std::unique_ptr<ir::Graph> fwd = Trace(fn, {randn({4}, 1), randn({4}, 2)});
  absl::StatusOr<JointGraph> joint = BuildJointGraph(*fwd, {true, false});
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_THAT(joint->tangent_outputs, ElementsAre(1));
  EXPECT_THAT(joint->grad_inputs, ElementsAre(0));
  EXPECT_EQ(joint->graph->num_inputs(), 3);
  EXPECT_EQ(joint->graph->num_outputs(), 4);
}

TEST(JointGraphTest, UnusedInputGetsZeros) {
  auto fn = [](const Tensors& in) -> Tensors { return {in[0].exp()}; };
  ExpectJointMatchesEager(fn, {randn({3}, 1, 0, {.dtype = DType::kFloat64}), randn({2}, 2, 0, {.dtype = DType::kFloat64})},
                          {true, true});
}

TEST(JointGraphTest, IntegerInputCannotNeedGrad) {
  auto fn = [](const Tensors& in) -> Tensors { return {in[0] * 2.0}; };
  std::unique_ptr<ir::Graph> fwd = Trace(fn, {arange(4)});
  absl::StatusOr<JointGraph> joint = BuildJointGraph(*fwd, {true});
  EXPECT_EQ(joint.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BuildJointGraph(*fwd, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(JointGraphTest, MissingRuleNamesTheOp) {
  auto fn = [](const Tensors& in) -> Tensors {
    return CallOp(OpKind::kLayerNormBackward, {in[0], in[1], in[2], in[3], Tensor(), Tensor()},
                  {{"normalized_shape", std::vector<int64_t>{3}}});
  };
  std::unique_ptr<ir::Graph> fwd = Trace(fn, {randn({2, 3}, 1), randn({2, 3}, 2), randn({2, 1}, 3), randn({2, 1}, 4)});
  ASSERT_NE(fwd, nullptr);
  absl::StatusOr<JointGraph> joint = BuildJointGraph(*fwd, {true, true, false, false});
  EXPECT_EQ(joint.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(joint.status().message(), HasSubstr("layer_norm_backward"));
}

// The joint graph of a joint graph: d/dx of (dy/dx . v) for y = sin(x) * x.
TEST(JointGraphTest, SecondOrder) {
  auto fn = [](const Tensors& in) -> Tensors { return {in[0].sin() * in[0]}; };
  Tensor x = randn({4}, 1, 0, {.dtype = DType::kFloat64});
  std::unique_ptr<ir::Graph> fwd = Trace(fn, {x});
  absl::StatusOr<JointGraph> joint = BuildJointGraph(*fwd, {true});
  ASSERT_TRUE(joint.ok()) << joint.status();
  absl::StatusOr<JointGraph> joint2 = BuildJointGraph(*joint->graph, {true, false});
  ASSERT_TRUE(joint2.ok()) << joint2.status();
  // Inputs: x, v (tangent of y), then tangents of (y, grad): (0, w).
  Tensor v = randn({4}, 2, 0, {.dtype = DType::kFloat64});
  Tensor w = randn({4}, 3, 0, {.dtype = DType::kFloat64});
  ASSERT_EQ(joint2->graph->num_inputs(), 4);
  absl::StatusOr<Tensors> got = RunGraph(*joint2->graph, {x, v, zeros_like(x), w});
  ASSERT_TRUE(got.ok()) << got.status();
  // d/dx <v * (cos(x) x + sin(x)), w> = v * w * (2 cos(x) - x sin(x)).
  Tensor want = v * w * (2.0 * x.cos() - x * x.sin());
  ExpectClose(got->back(), want);
}

}  // namespace
}  // namespace aot::autodiff
