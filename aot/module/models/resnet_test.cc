#include "aot/module/models/resnet.h"

#include <cmath>
#include <string>
#include <vector>

#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "aot/tensor/testing/values.h"
#include "gtest/gtest.h"

namespace aot::models {
namespace {

using op_testing::Values;
TEST(ResNetTest, ResNet18HasTorchvisionsParameters) {
  std::shared_ptr<ResNet> net = ResNet18(/*num_classes=*/1000);
  EXPECT_EQ(net->NumParameters(), 11689512);
  NamedTensors params = net->NamedParameters();
  ASSERT_EQ(params.size(), 62u);  // 20 convolutions, 20 batch norms, fc.
  EXPECT_EQ(params[0].first, "conv1.weight");
  EXPECT_EQ(params[0].second.sizes(), (std::vector<int64_t>{64, 3, 7, 7}));
  EXPECT_EQ(params[3].first, "layer1.0.conv1.weight");
  EXPECT_EQ(params.back().first, "fc.bias");
  bool has_downsample = false;
  for (const auto& [name, t] : params) {
    if (name == "layer2.0.downsample.0.weight") {
      has_downsample = true;
      EXPECT_EQ(t.sizes(), (std::vector<int64_t>{128, 64, 1, 1}));
    }
  }
  EXPECT_TRUE(has_downsample);
  EXPECT_EQ(net->NamedBuffers().size(), 40u);
  EXPECT_EQ(net->NamedBuffers()[0].first, "bn1.running_mean");
  EXPECT_TRUE(net->status().ok());
}

TEST(ResNetTest, InitialisationFollowsTorchvision) {
  std::shared_ptr<ResNet> a = ResNet18(10, /*seed=*/3), b = ResNet18(10, /*seed=*/3);
  const std::vector<double> wa = Values(a->Parameters()[0]);
  EXPECT_EQ(wa, Values(b->Parameters()[0]));
  EXPECT_EQ(Values(a->Parameters().back()), Values(b->Parameters().back())) << "fc.bias";
  EXPECT_NE(Values(a->Parameters()[3]), Values(a->Parameters()[6])) << "layers get distinct seeds";
  // kaiming_normal_(fan_out, relu): std = sqrt(2 / (64 * 7 * 7)).
  double sum_sq = 0;
  for (double w : wa) sum_sq += w * w;
  const double std = std::sqrt(sum_sq / static_cast<double>(wa.size()));
  EXPECT_NEAR(std, std::sqrt(2.0 / (64 * 49)), 0.05 * std::sqrt(2.0 / (64 * 49)));
  EXPECT_EQ(Values(a->Parameters()[1]), std::vector<double>(64, 1.0)) << "bn1.weight";
}

TEST(ResNetTest, EvalForwardShape) {
  std::shared_ptr<ResNet> net = ResNet18(/*num_classes=*/10, /*seed=*/1);
  net->Eval();
  const Tensor y = (*net)(randn({1, 3, 32, 32}, /*seed=*/2));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{1, 10}));
  for (double v : Values(y)) EXPECT_TRUE(std::isfinite(v));
}

TEST(ResNetTest, TrainingStepRunsBackwardAndUpdatesRunningStats) {
  std::shared_ptr<ResNet> net = ResNet18(/*num_classes=*/10, /*seed=*/1);
  net->Train();
  // 16x16 keeps it fast: layer3 and layer4 see 1x1 maps, 2 values per channel.
  const Tensor x = randn({2, 3, 16, 16}, /*seed=*/2);
  const Tensor logits = (*net)(x);
  ASSERT_TRUE(logits.ok()) << logits.status();
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 10}));
  const Tensor loss = cross_entropy(logits, from_vector<int64_t>({3, 7}, {2}));
  ASSERT_TRUE(loss.backward().ok());
  for (const auto& [name, p] : net->NamedParameters()) {
    const Tensor g = p.grad();
    ASSERT_TRUE(g.ok()) << name;
    // A NaN or infinity anywhere makes the squared norm non-finite. (Reduced
    // with ops: reading 11M elements one by one is slow in debug builds.)
    const double norm = *(g * g).sum().item();
    EXPECT_TRUE(std::isfinite(norm)) << name;
    EXPECT_GT(norm, 0) << name;
  }
  EXPECT_NE(Values(net->NamedBuffers()[0].second), std::vector<double>(64, 0.0)) << "bn1.running_mean";
}

}  // namespace
}  // namespace aot::models
