#include "aot/module/models/resnet.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/base/status_macros.h"

namespace aot::models {

namespace {

// A bias-free convolution re-initialised as torchvision does:
// kaiming_normal_(mode="fan_out", nonlinearity="relu"), i.e. normal with
// standard deviation sqrt(2 / (out_channels * kh * kw)).
std::shared_ptr<Conv2d> KaimingConv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                                    SeedSequence& seeds) {
  const uint64_t seed = seeds.Next();
  auto conv = std::make_shared<Conv2d>(in, out, kernel,
                                       Conv2dOptions{.stride = stride, .padding = padding, .bias = false, .seed = seed});
  const double stddev = std::sqrt(2.0 / static_cast<double>(out * kernel * kernel));
  const Tensor values = NormalInit({out, in, kernel, kernel}, stddev, seed);
  AOT_CHECK_OK(InitInPlace(conv->weight(), values));
  return conv;
}

}  // namespace

BasicBlock::BasicBlock(int64_t in_planes, int64_t planes, int64_t stride, std::shared_ptr<Sequential> downsample,
                       SeedSequence& seeds) {
  conv1_ = RegisterModule("conv1", KaimingConv(in_planes, planes, 3, stride, 1, seeds));
  bn1_ = RegisterModule("bn1", std::make_shared<BatchNorm2d>(planes));
  relu_ = RegisterModule("relu", std::make_shared<ReLU>());
  conv2_ = RegisterModule("conv2", KaimingConv(planes, planes, 3, 1, 1, seeds));
  bn2_ = RegisterModule("bn2", std::make_shared<BatchNorm2d>(planes));
  if (downsample != nullptr) downsample_ = RegisterModule("downsample", std::move(downsample));
}

Tensor BasicBlock::Forward(const Tensor& x) {
  Tensor out = (*conv1_)(x);
  out = (*bn1_)(out);
  out = (*relu_)(out);
  out = (*conv2_)(out);
  out = (*bn2_)(out);
  const Tensor identity = downsample_ != nullptr ? (*downsample_)(x) : x;
  out = out + identity;
  return (*relu_)(out);
}

ResNet::ResNet(std::vector<int64_t> blocks, int64_t num_classes, uint64_t seed) {
  AOT_CHECK(blocks.size() == 4) << "ResNet: expected 4 stages, got " << blocks.size();
  SeedSequence seeds(seed);
  conv1_ = RegisterModule("conv1", KaimingConv(3, 64, 7, 2, 3, seeds));
  bn1_ = RegisterModule("bn1", std::make_shared<BatchNorm2d>(64));
  relu_ = RegisterModule("relu", std::make_shared<ReLU>());
  maxpool_ = RegisterModule("maxpool", std::make_shared<MaxPool2d>(3, 2, 1));
  const int64_t planes[4] = {64, 128, 256, 512};
  for (int i = 0; i < 4; ++i) {
    std::shared_ptr<Sequential> stage = MakeStage(planes[i], blocks[i], i == 0 ? 1 : 2, seeds);
    stages_.push_back(RegisterModule(absl::StrCat("layer", i + 1), std::move(stage)));
  }
  avgpool_ = RegisterModule("avgpool", std::make_shared<AdaptiveAvgPool2d>(1));
  flatten_ = std::make_shared<Flatten>();  // torch.flatten in torchvision's forward: not a child.
  fc_ = RegisterModule("fc", std::make_shared<Linear>(512, num_classes, /*bias=*/true, seeds.Next()));
}

std::shared_ptr<Sequential> ResNet::MakeStage(int64_t planes, int64_t blocks, int64_t stride, SeedSequence& seeds) {
  auto stage = std::make_shared<Sequential>();
  std::shared_ptr<Sequential> downsample;
  if (stride != 1 || in_planes_ != planes) {
    downsample = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
        KaimingConv(in_planes_, planes, 1, stride, 0, seeds), std::make_shared<BatchNorm2d>(planes)});
  }
  stage->Add(std::make_shared<BasicBlock>(in_planes_, planes, stride, std::move(downsample), seeds));
  in_planes_ = planes;
  for (int64_t b = 1; b < blocks; ++b) {
    stage->Add(std::make_shared<BasicBlock>(in_planes_, planes, 1, nullptr, seeds));
  }
  return stage;
}

Tensor ResNet::Forward(const Tensor& x) {
  Tensor h = (*conv1_)(x);
  h = (*bn1_)(h);
  h = (*relu_)(h);
  h = (*maxpool_)(h);
  for (const std::shared_ptr<Sequential>& stage : stages_) h = (*stage)(h);
  h = (*avgpool_)(h);
  h = (*flatten_)(h);
  return (*fc_)(h);
}

std::shared_ptr<ResNet> ResNet18(int64_t num_classes, uint64_t seed) {
  return std::make_shared<ResNet>(std::vector<int64_t>{2, 2, 2, 2}, num_classes, seed);
}

std::shared_ptr<ResNet> ResNet34(int64_t num_classes, uint64_t seed) {
  return std::make_shared<ResNet>(std::vector<int64_t>{3, 4, 6, 3}, num_classes, seed);
}

}  // namespace aot::models
