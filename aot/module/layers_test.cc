#include "aot/module/layers.h"

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "aot/tensor/testing/values.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using op_testing::Values;
void ExpectClose(const Tensor& actual, const Tensor& expected, double tol = 1e-5) {
  ASSERT_TRUE(actual.ok()) << actual.status();
  ASSERT_TRUE(expected.ok()) << expected.status();
  ASSERT_EQ(actual.sizes(), expected.sizes());
  std::vector<double> a = Values(actual), e = Values(expected);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], e[i], tol) << "element " << i;
}

TEST(LayersTest, LinearMatchesTheOp) {
  Linear lin(4, 3, /*bias=*/true, /*seed=*/5);
  EXPECT_EQ(lin.weight().sizes(), (std::vector<int64_t>{3, 4}));
  ASSERT_NE(lin.bias(), nullptr);
  const Tensor x = randn({2, 4}, /*seed=*/1);
  const Tensor expected = x.matmul(lin.weight().t()) + *lin.bias();
  ExpectClose(lin(x), expected);
  // PyTorch's default bounds: +-1/sqrt(in_features) = 0.5.
  for (double w : Values(lin.weight())) EXPECT_LE(std::abs(w), 0.5);
  Linear no_bias(4, 3, /*bias=*/false);
  EXPECT_EQ(no_bias.bias(), nullptr);
  EXPECT_EQ(no_bias.NamedParameters().size(), 1u);
}

TEST(LayersTest, InitialisationIsDeterministic) {
  Linear a(8, 8, true, /*seed=*/3), b(8, 8, true, /*seed=*/3), c(8, 8, true, /*seed=*/4);
  EXPECT_EQ(Values(a.weight()), Values(b.weight()));
  EXPECT_EQ(Values(*a.bias()), Values(*b.bias()));
  EXPECT_NE(Values(a.weight()), Values(c.weight()));
  // The bias is not a copy of the weight's first row.
  std::vector<double> w = Values(a.weight()), bias = Values(*a.bias());
  EXPECT_NE(std::vector<double>(w.begin(), w.begin() + 8), bias);
}

TEST(LayersTest, Conv2dMatchesTheOp) {
  Conv2d conv(4, 6, {3, 2}, {.stride = {2, 1}, .padding = 1, .dilation = 1, .groups = 2, .seed = 9});
  EXPECT_EQ(conv.weight().sizes(), (std::vector<int64_t>{6, 2, 3, 2}));
  const double bound = 1 / std::sqrt(2.0 * 3 * 2);
  for (double w : Values(conv.weight())) EXPECT_LE(std::abs(w), bound);
  const Tensor x = randn({2, 4, 5, 5}, /*seed=*/2);
  const Tensor expected = conv2d(x, conv.weight(), *conv.bias(), {2, 1}, {1, 1}, {1, 1}, 2);
  ExpectClose(conv(x), expected);
}

TEST(LayersTest, BatchNorm2dTrainUsesBatchStatsAndUpdatesRunningStats) {
  BatchNorm2d bn(2, /*eps=*/1e-5, /*momentum=*/0.1);
  const Tensor x = randn({3, 2, 2, 2}, /*seed=*/4) * 2.0 + 1.0;
  const Tensor running_mean = bn.running_mean();  // Handles share the buffers.
  ASSERT_TRUE(bn.is_training());
  const Tensor y = bn(x);

  const Tensor mean = x.mean({0, 2, 3}, /*keepdim=*/true);
  const Tensor biased = var(x, {0, 2, 3}, /*correction=*/0, /*keepdim=*/true);
  const Tensor unbiased = var(x, {0, 2, 3}, /*correction=*/1);
  const Tensor expected = (x - mean) / (biased + 1e-5).sqrt();
  ExpectClose(y, expected, 1e-4);
  ExpectClose(bn.running_mean(), mean.reshape({2}) * 0.1);
  ExpectClose(bn.running_var(), unbiased * 0.1 + 0.9);
  EXPECT_EQ(running_mean.id(), bn.running_mean().id()) << "updated in place";
  EXPECT_EQ(Values(running_mean), Values(bn.running_mean()));
}

TEST(LayersTest, BatchNorm2dEvalUsesRunningStats) {
  BatchNorm2d bn(2);
  const Tensor x = randn({3, 2, 2, 2}, /*seed=*/4);
  ASSERT_TRUE(bn(x).ok());  // One training step.
  bn.Eval();
  const std::vector<double> rm = Values(bn.running_mean()), rv = Values(bn.running_var());
  const Tensor mean = from_vector<float>({static_cast<float>(rm[0]), static_cast<float>(rm[1])}, {1, 2, 1, 1});
  const Tensor variance = from_vector<float>({static_cast<float>(rv[0]), static_cast<float>(rv[1])}, {1, 2, 1, 1});
  const Tensor expected = (x - mean) / (variance + 1e-5).sqrt();
  ExpectClose(bn(x), expected, 1e-4);
  EXPECT_EQ(Values(bn.running_mean()), rm) << "eval leaves the running stats";
  EXPECT_EQ(Values(bn.running_var()), rv);
  EXPECT_FALSE(bn(zeros({2, 2})).ok()) << "BatchNorm2d takes 4-d input";
}

TEST(LayersTest, LayerNormMatchesTheFormula) {
  LayerNorm ln({4}, /*eps=*/1e-5);
  const Tensor x = randn({2, 3, 4}, /*seed=*/6);
  const Tensor mean = x.mean({-1}, true);
  const Tensor variance = var(x, {-1}, /*correction=*/0, /*keepdim=*/true);
  ExpectClose(ln(x), (x - mean) / (variance + 1e-5).sqrt(), 1e-4);
  LayerNorm plain({4}, 1e-5, /*elementwise_affine=*/false);
  EXPECT_TRUE(plain.NamedParameters().empty());
  ExpectClose(plain(x), (x - mean) / (variance + 1e-5).sqrt(), 1e-4);
}

TEST(LayersTest, EmbeddingLooksUpRows) {
  Embedding emb(5, 3, /*seed=*/2);
  const Tensor idx = from_vector<int64_t>({4, 0, 4}, {3});
  const Tensor y = emb(idx);
  ASSERT_EQ(y.sizes(), (std::vector<int64_t>{3, 3}));
  ExpectClose(y.select(0, 0), emb.weight().select(0, 4));
  ExpectClose(y.select(0, 1), emb.weight().select(0, 0));
}

TEST(LayersTest, DropoutIsIdentityInEvalAndScalesInTraining) {
  Dropout drop(0.5);
  const Tensor x = ones({1000});
  drop.Eval();
  EXPECT_EQ(drop(x).id(), x.id());
  drop.Train();
  std::vector<double> y = Values(drop(x));
  int zeros_seen = 0;
  for (double v : y) {
    EXPECT_TRUE(v == 0 || v == 2) << v;
    zeros_seen += v == 0;
  }
  EXPECT_GT(zeros_seen, 400);
  EXPECT_LT(zeros_seen, 600);
  Dropout none(0.0);
  EXPECT_EQ(Values(none(x)), Values(x));
  Dropout invalid(1.5);
  EXPECT_FALSE(invalid(x).ok());
}

TEST(LayersTest, ActivationsPoolingAndFlatten) {
  const Tensor x = randn({2, 3, 6, 6}, /*seed=*/8);
  ExpectClose(ReLU()(x), relu(x));
  ExpectClose(GELU()(x), gelu(x));
  ExpectClose(GELU("tanh")(x), gelu(x, "tanh"));
  ExpectClose(MaxPool2d(3, 2, 1)(x), std::get<0>(max_pool2d_with_indices(x, {3, 3}, {2, 2}, {1, 1})));
  EXPECT_EQ(MaxPool2d(2)(x).sizes(), (std::vector<int64_t>{2, 3, 3, 3}));
  ExpectClose(AdaptiveAvgPool2d(1)(x), x.mean({2, 3}, /*keepdim=*/true));
  EXPECT_EQ(AdaptiveAvgPool2d({2, 3})(x).sizes(), (std::vector<int64_t>{2, 3, 2, 3}));
  EXPECT_EQ(Flatten()(x).sizes(), (std::vector<int64_t>{2, 108}));
  EXPECT_EQ(Flatten(0, 1)(x).sizes(), (std::vector<int64_t>{6, 6, 6}));
  EXPECT_EQ(Flatten(-2)(x).sizes(), (std::vector<int64_t>{2, 3, 36}));
  EXPECT_FALSE(Flatten(3, 1)(x).ok());
}

TEST(LayersTest, SequentialChainsAndNamesChildren) {
  auto l1 = std::make_shared<Linear>(3, 4, true, 1);
  auto l2 = std::make_shared<Linear>(4, 2, true, 2);
  Sequential seq{l1, std::make_shared<ReLU>()};
  seq.Add(l2);
  EXPECT_EQ(seq.size(), 3);
  const Tensor x = randn({5, 3}, /*seed=*/3);
  ExpectClose(seq(x), (*l2)((*l1)(x).relu()));
  ASSERT_EQ(seq.NamedParameters().size(), 4u);
  EXPECT_EQ(seq.NamedParameters()[2].first, "2.weight");
  EXPECT_EQ(Sequential()(x).id(), x.id());
}

// Runs backward through `layer` on `input` and expects finite gradients,
// nonzero for the parameters (and for the input, when it requires grad).
void ExpectBackwardWorks(Module& layer, Tensor input) {
  SCOPED_TRACE(layer.name());
  const bool input_grad = ir::IsFloating(input.dtype());
  if (input_grad) input.set_requires_grad(true);
  const Tensor y = layer(input);
  ASSERT_TRUE(y.ok()) << y.status();
  // A random projection, so that normalising layers get a nonzero gradient.
  const Tensor w = randn(std::vector<int64_t>(y.sizes().begin(), y.sizes().end()), /*seed=*/99);
  const Tensor loss = (y * w).sum();
  const absl::Status s = loss.backward();
  ASSERT_TRUE(s.ok()) << s;
  std::vector<Tensor> grads;
  if (input_grad) grads.push_back(input.grad());
  for (const Tensor& p : layer.Parameters()) grads.push_back(p.grad());
  for (const Tensor& g : grads) {
    ASSERT_TRUE(g.ok()) << g.status();
    double norm = 0;
    for (double v : Values(g)) {
      EXPECT_TRUE(std::isfinite(v));
      norm += v * v;
    }
    EXPECT_GT(norm, 0);
  }
}

TEST(LayersTest, BackwardRunsThroughEveryLayer) {
  const Tensor image = randn({2, 4, 6, 6}, /*seed=*/1);
  Linear lin(6, 3, true, 1);
  ExpectBackwardWorks(lin, image);
  Conv2d conv(4, 4, 3, {.padding = 1, .groups = 2, .seed = 2});
  ExpectBackwardWorks(conv, image);
  BatchNorm2d bn(4);
  ExpectBackwardWorks(bn, image);
  bn.Eval();
  ExpectBackwardWorks(bn, image);
  LayerNorm ln({6, 6});
  ExpectBackwardWorks(ln, image);
  Embedding emb(10, 4, 3);
  ExpectBackwardWorks(emb, from_vector<int64_t>({1, 7, 7, 2}, {2, 2}));
  Dropout drop(0.25);
  ExpectBackwardWorks(drop, image);
  ReLU relu_layer;
  ExpectBackwardWorks(relu_layer, image);
  GELU gelu_layer("tanh");
  ExpectBackwardWorks(gelu_layer, image);
  MaxPool2d pool(2);
  ExpectBackwardWorks(pool, image);
  AdaptiveAvgPool2d avg({2, 2});
  ExpectBackwardWorks(avg, image);
  Flatten flat;
  ExpectBackwardWorks(flat, image);
  Sequential seq{std::make_shared<Conv2d>(4, 3, 3, Conv2dOptions{.seed = 4}), std::make_shared<BatchNorm2d>(3),
                 std::make_shared<ReLU>(), std::make_shared<Flatten>(), std::make_shared<Linear>(48, 2, true, 5)};
  ExpectBackwardWorks(seq, image);
}

}  // namespace
}  // namespace aot
