#include "aot/module/aot_module.h"

#include <memory>
#include <vector>

#include "aot/module/layers.h"
#include "aot/module/optimizers.h"
#include "aot/tensor/ops.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using Tensors = std::vector<Tensor>;

std::shared_ptr<Sequential> SmallNet() {
  auto net = std::make_shared<Sequential>();
  net->Add(std::make_shared<Conv2d>(3, 4, 3, Conv2dOptions{.padding = 1, .seed = 1}));
  net->Add(std::make_shared<BatchNorm2d>(4));
  net->Add(std::make_shared<ReLU>());
  net->Add(std::make_shared<Flatten>());
  net->Add(std::make_shared<Linear>(4 * 5 * 5, 3, /*bias=*/true, /*seed=*/2));
  return net;
}

void ExpectClose(const Tensor& a, const Tensor& b, double tol = 1e-4) {
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a.sizes(), b.sizes());
  std::vector<double> x = *a.ToVector<double>();
  std::vector<double> y = *b.ToVector<double>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol * (1 + std::abs(y[i]))) << "element " << i;
}

// Two SGD steps compiled and eagerly on identical nets: same losses, same
// gradients, same running statistics, same weights.
TEST(AotModuleTest, TrainingStepsMatchEager) {
  auto eager = SmallNet();
  auto compiled_net = SmallNet();
  absl::StatusOr<AotModule> compiled = aot_module(compiled_net, {.partition_fn = MinCutPartitionFn()});
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  SGD opt_e(eager->Parameters(), {.lr = 0.1, .momentum = 0.9});
  SGD opt_c(compiled_net->Parameters(), {.lr = 0.1, .momentum = 0.9});
  Tensor target = from_vector<int64_t>({0, 2}, {2});
  for (int step = 0; step < 2; ++step) {
    Tensor x = randn({2, 3, 5, 5}, 10 + step);
    Tensor loss_e = cross_entropy((*eager)(x), target);
    ASSERT_TRUE(loss_e.backward().ok());
    absl::StatusOr<Tensor> logits = compiled->Forward(x);
    ASSERT_TRUE(logits.ok()) << logits.status();
    Tensor loss_c = cross_entropy(*logits, target);
    ASSERT_TRUE(loss_c.backward().ok());
    ExpectClose(loss_c, loss_e);
    NamedTensors pe = eager->NamedParameters();
    NamedTensors pc = compiled_net->NamedParameters();
    for (size_t i = 0; i < pe.size(); ++i) {
      SCOPED_TRACE(pe[i].first);
      ExpectClose(pc[i].second.grad(), pe[i].second.grad());
    }
    NamedTensors be = eager->NamedBuffers();
    NamedTensors bc = compiled_net->NamedBuffers();
    ASSERT_EQ(be.size(), 2u);
    for (size_t i = 0; i < be.size(); ++i) {
      SCOPED_TRACE(be[i].first);
      ExpectClose(bc[i].second, be[i].second);
    }
    ASSERT_TRUE(opt_e.Step().ok());
    ASSERT_TRUE(opt_c.Step().ok());
    opt_e.ZeroGrad();
    opt_c.ZeroGrad();
  }
  EXPECT_EQ(compiled->num_compilations(), 1);
  // Eval mode compiles its own graph: running statistics, no update.
  compiled_net->Eval();
  eager->Eval();
  Tensor x = randn({2, 3, 5, 5}, 20);
  absl::StatusOr<Tensor> y = compiled->Forward(x);
  ASSERT_TRUE(y.ok()) << y.status();
  ExpectClose(*y, (*eager)(x));
  EXPECT_EQ(compiled->num_compilations(), 2);
}

TEST(AotModuleTest, ChangedParameterSetIsAnError) {
  auto net = SmallNet();
  absl::StatusOr<AotModule> compiled = aot_module(net);
  ASSERT_TRUE(compiled.ok());
  net->Add(std::make_shared<Linear>(3, 2, /*bias=*/true, /*seed=*/3));
  absl::StatusOr<Tensor> y = compiled->Forward(randn({2, 3, 5, 5}, 1));
  EXPECT_EQ(y.status().code(), absl::StatusCode::kFailedPrecondition) << y.status();
}

TEST(AotModuleTest, NullModuleIsAnError) {
  EXPECT_EQ(aot_module(nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aot
