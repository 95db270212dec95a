#include "aot/autodiff/engine.h"

#include <cmath>
#include <vector>

#include "aot/autodiff/derivatives.h"
#include "aot/tensor/ops.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::autodiff {
namespace {

using ::testing::HasSubstr;

Tensor F64(std::vector<double> v, std::vector<int64_t> shape) { return Tensor::FromVector<double>(v, shape); }

void ExpectValues(const Tensor& t, const std::vector<double>& want, double tol = 1e-12) {
  ASSERT_TRUE(t.ok()) << t.status();
  std::vector<double> got = *t.ToVector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

TEST(EngineTest, BackwardAccumulatesIntoLeaves) {
  Tensor x = F64({0.5, -1.0, 2.0}, {3}).set_requires_grad(true);
  Tensor y = x.cos().cos().sum();
  ASSERT_TRUE(y.requires_grad());
  EXPECT_FALSE(IsLeaf(y));
  EXPECT_TRUE(IsLeaf(x));
  ASSERT_TRUE(y.backward().ok());
  std::vector<double> want;
  for (double v : {0.5, -1.0, 2.0}) want.push_back(std::sin(std::cos(v)) * std::sin(v));
  ExpectValues(x.grad(), want);
  // A second graph adds to .grad.
  ASSERT_TRUE((x * 2.0).sum().backward().ok());
  for (double& w : want) w += 2;
  ExpectValues(x.grad(), want);
}

TEST(EngineTest, GradientsOfAValueUsedTwiceAreSummed) {
  Tensor x = F64({1, 2}, {2}).set_requires_grad(true);
  Tensor y = (x * x + x).sum();
  ASSERT_TRUE(y.backward().ok());
  ExpectValues(x.grad(), {3, 5});
}

TEST(EngineTest, BroadcastOperandGetsItsShapeBack) {
  Tensor a = F64({1, 2, 3, 4, 5, 6}, {2, 3}).set_requires_grad(true);
  Tensor b = F64({10, 20, 30}, {3}).set_requires_grad(true);
  ASSERT_TRUE((a * b).sum().backward().ok());
  ExpectValues(a.grad(), {10, 20, 30, 10, 20, 30});
  ExpectValues(b.grad(), {5, 7, 9});
}

TEST(EngineTest, SecondBackwardNeedsRetainGraph) {
  Tensor x = F64({1, 2}, {2}).set_requires_grad(true);
  Tensor y = x.sin().sum();
  ASSERT_TRUE(Backward({y}, {}, {.retain_graph = true}).ok());
  ASSERT_TRUE(y.backward().ok());
  ExpectValues(x.grad(), {2 * std::cos(1.0), 2 * std::cos(2.0)});
  absl::Status s = y.backward();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("second time"));
}

TEST(EngineTest, GradReturnsGradientsWithoutTouchingDotGrad) {
  Tensor x = F64({0.3, 0.7}, {2}).set_requires_grad(true);
  Tensor h = x.exp();
  Tensor y = (h * 3.0).sum();
  absl::StatusOr<std::vector<Tensor>> g = Grad({y}, {x, h});
  ASSERT_TRUE(g.ok()) << g.status();
  ExpectValues((*g)[0], {3 * std::exp(0.3), 3 * std::exp(0.7)});
  ExpectValues((*g)[1], {3, 3});
  EXPECT_FALSE(x.grad().defined());
}

TEST(EngineTest, UnusedInputIsAnErrorUnlessAllowed) {
  Tensor x = F64({1}, {1}).set_requires_grad(true);
  Tensor z = F64({1}, {1}).set_requires_grad(true);
  Tensor y = (x * 2.0).sum();
  absl::StatusOr<std::vector<Tensor>> g = Grad({y}, {x, z}, {}, {.retain_graph = true});
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(g.status().message(), HasSubstr("not used"));
  g = Grad({y}, {x, z}, {}, {.retain_graph = true, .allow_unused = true});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_FALSE((*g)[1].defined());
  g = Grad({y}, {x, z}, {}, {.materialize_unused = true});
  ASSERT_TRUE(g.ok()) << g.status();
  ExpectValues((*g)[1], {0});
}

TEST(EngineTest, NoGradGuardRecordsNothing) {
  Tensor x = F64({1, 2}, {2}).set_requires_grad(true);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = x.cos();
  }
  EXPECT_FALSE(y.requires_grad());
  absl::Status s = y.sum().backward();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("does not require grad"));
}

TEST(EngineTest, NonScalarOutputNeedsAGradient) {
  Tensor x = F64({1, 2}, {2}).set_requires_grad(true);
  Tensor y = x * 2.0;
  EXPECT_EQ(y.backward().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(y.backward(F64({1, 2, 3}, {3})).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(y.backward(F64({1, -1}, {2})).ok());
  ExpectValues(x.grad(), {2, -2});
}

TEST(EngineTest, MissingRuleIsAnErrorNamingTheOp) {
  // layer_norm_backward has no rule of its own (see derivatives_test).
  ASSERT_EQ(FindDerivative(OpKind::kLayerNormBackward), nullptr);
  Tensor x = F64({1, 2, 3, 4}, {2, 2}).set_requires_grad(true);
  auto [out, mean, rstd] = layer_norm(x, {2});
  std::vector<Tensor> g =
      CallOp(OpKind::kLayerNormBackward, {out, x, mean, rstd, Tensor(), Tensor()}, {{"normalized_shape", std::vector<int64_t>{2}}});
  ASSERT_TRUE(g[0].ok()) << g[0].status();
  absl::Status s = g[0].sum().backward();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(s.message(), HasSubstr("layer_norm_backward"));
}

TEST(EngineTest, SecondOrderWithCreateGraph) {
  Tensor x = F64({0.4, 1.3}, {2}).set_requires_grad(true);
  Tensor y = x.sin().sum();
  absl::StatusOr<std::vector<Tensor>> g = Grad({y}, {x}, {}, {.create_graph = true});
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE((*g)[0].requires_grad());
  ASSERT_TRUE((*g)[0].sum().backward().ok());
  ExpectValues(x.grad(), {-std::sin(0.4), -std::sin(1.3)});
}

// exp's rule reads its result (grad * exp(x)): under create_graph that
// result must carry exp's history, or the second derivative comes out zero
// (Note [Saved results under create_graph]).
TEST(EngineTest, SecondOrderThroughASavedResult) {
  Tensor x = F64({0.4, -1.3}, {2}).set_requires_grad(true);
  Tensor y = x.exp().sum();
  absl::StatusOr<std::vector<Tensor>> g = Grad({y}, {x}, {}, {.retain_graph = true, .create_graph = true});
  ASSERT_TRUE(g.ok()) << g.status();
  ExpectValues((*g)[0], {std::exp(0.4), std::exp(-1.3)});
  ASSERT_TRUE((*g)[0].requires_grad());
  absl::StatusOr<std::vector<Tensor>> gg = Grad({(*g)[0].sum()}, {x});
  ASSERT_TRUE(gg.ok()) << gg.status();
  ExpectValues((*gg)[0], {std::exp(0.4), std::exp(-1.3)});
}

TEST(EngineTest, InplaceOnNonLeafIsDifferentiated) {
  Tensor x = F64({1, 2}, {2}).set_requires_grad(true);
  Tensor y = x * 3.0;
  y.mul_(x);  // y = 3x^2
  ASSERT_TRUE(y.ok()) << y.status();
  y.relu_();
  absl::Status s = y.sum().backward();
  ASSERT_TRUE(s.ok()) << s;
  ExpectValues(x.grad(), {6, 12});
  // As in PyTorch, y.mul_(y) saves y as the other operand and then writes
  // it: the backward reports it.
  Tensor z = x * 3.0;
  z.mul_(z);
  EXPECT_EQ(z.sum().backward().code(), absl::StatusCode::kFailedPrecondition);
}

// y.mul_(y) makes y's node save y: that must not keep y and its tape alive
// once the caller drops y (Note [In-place ops under autograd]).
TEST(EngineTest, InplaceWithSelfAsOperandFreesItsTape) {
  std::weak_ptr<TensorImpl> z_impl;
  std::weak_ptr<Node> node;
  {
    Tensor x = F64({1, 2}, {2}).set_requires_grad(true);
    Tensor z = x * 3.0;
    z.mul_(z);
    ASSERT_TRUE(z.ok()) << z.status();
    z_impl = z.shared_impl();
    node = GradFn(z);
    ASSERT_NE(node.lock(), nullptr);
  }
  EXPECT_TRUE(z_impl.expired());
  EXPECT_TRUE(node.expired());
}

TEST(EngineTest, InplaceOnLeafThatRequiresGradIsAnError) {
  Tensor x = F64({1, 2}, {2}).set_requires_grad(true);
  x.add_(1.0);
  EXPECT_EQ(x.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(EngineTest, WritingASavedTensorIsDetected) {
  Tensor x = F64({1, 2}, {2}).set_requires_grad(true);
  Tensor y = x * 1.0;
  Tensor z = y.sin();  // Saves y.
  {
    NoGradGuard no_grad;
    y.add_(1.0);
  }
  absl::Status s = z.sum().backward();
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("modified by an in-place operation"));
}

TEST(EngineTest, CustomFunctionIsOneNode) {
  CustomFunction square;
  square.name = "Square";
  square.forward = [](FunctionContext& ctx, const std::vector<Tensor>& in) -> absl::StatusOr<std::vector<Tensor>> {
    ctx.SaveForBackward({in[0]});
    return std::vector<Tensor>{in[0] * in[0]};
  };
  square.backward = [](FunctionContext& ctx, const std::vector<Tensor>& g) -> absl::StatusOr<std::vector<Tensor>> {
    absl::StatusOr<std::vector<Tensor>> saved = ctx.saved();
    if (!saved.ok()) return saved.status();
    return std::vector<Tensor>{g[0] * (*saved)[0] * 2.0};
  };
  Tensor x = F64({1, -3}, {2}).set_requires_grad(true);
  absl::StatusOr<std::vector<Tensor>> y = ApplyFunction(square, {x.sin()});
  ASSERT_TRUE(y.ok()) << y.status();
  ASSERT_EQ(GradFn((*y)[0])->name(), "SquareBackward");
  ASSERT_TRUE(((*y)[0] + 1.0).sum().backward().ok());
  ExpectValues(x.grad(), {2 * std::sin(1.0) * std::cos(1.0), 2 * std::sin(-3.0) * std::cos(-3.0)});
}

TEST(EngineTest, IntegerResultsDoNotRequireGrad) {
  Tensor x = F64({1, 5, 2}, {3}).set_requires_grad(true);
  EXPECT_FALSE(x.argmax(0).requires_grad());
  EXPECT_FALSE(gt(x, x).requires_grad());
}

TEST(EngineTest, LongChainDoesNotOverflowTheStack) {
  Tensor x = F64({0.1}, {1}).set_requires_grad(true);
  Tensor y = x;
  for (int i = 0; i < 20000; ++i) y = y * 1.0;
  ASSERT_TRUE(y.sum().backward().ok());
  ExpectValues(x.grad(), {1});
}

}  // namespace
}  // namespace aot::autodiff
