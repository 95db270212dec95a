// ResNet with basic blocks (ResNet-18 and ResNet-34), the architecture of
// torchvision.models.resnet18/34: a 7x7 stride-2 convolution, batch norm,
// ReLU and 3x3 max pooling, four stages of BasicBlocks with 64, 128, 256 and
// 512 channels (stages 2-4 start with stride 2 and a 1x1 downsampling
// shortcut), global average pooling and a fully connected classifier.
// Parameter names match torchvision's ("layer2.0.downsample.0.weight").
//
//   std::shared_ptr<ResNet> net = ResNet18(/*num_classes=*/10, /*seed=*/0);
//   net->Eval();
//   Tensor logits = (*net)(images);            // images: f32[N, 3, H, W]
//
// Initialisation follows torchvision: convolutions kaiming-normal (fan_out,
// ReLU gain), batch norms weight 1 and bias 0, the classifier Linear's
// default; all drawn deterministically from `seed`. Torchvision's
// BatchNorm2d also has a num_batches_tracked buffer; ours does not.
#ifndef AOT_MODULE_MODELS_RESNET_H_
#define AOT_MODULE_MODELS_RESNET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aot/module/layers.h"
#include "aot/module/module.h"
#include "aot/tensor/tensor.h"

namespace aot::models {

// Two 3x3 convolutions with batch norm and a residual connection:
// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), where the shortcut is
// `downsample` (a 1x1 convolution and batch norm) when given, else x.
class BasicBlock : public Module {
 public:
  BasicBlock(int64_t in_planes, int64_t planes, int64_t stride, std::shared_ptr<Sequential> downsample,
             SeedSequence& seeds);
  std::string name() const override { return "BasicBlock"; }
  Tensor Forward(const Tensor& x) override;

 private:
  std::shared_ptr<Conv2d> conv1_;
  std::shared_ptr<BatchNorm2d> bn1_;
  std::shared_ptr<ReLU> relu_;
  std::shared_ptr<Conv2d> conv2_;
  std::shared_ptr<BatchNorm2d> bn2_;
  std::shared_ptr<Sequential> downsample_;  // May be null.
};

class ResNet : public Module {
 public:
  // `blocks` holds the number of BasicBlocks of each of the four stages
  // ({2, 2, 2, 2} for ResNet-18).
  ResNet(std::vector<int64_t> blocks, int64_t num_classes = 1000, uint64_t seed = 0);
  std::string name() const override { return "ResNet"; }
  // Maps f32[N, 3, H, W] images to f32[N, num_classes] logits.
  Tensor Forward(const Tensor& x) override;

 private:
  std::shared_ptr<Sequential> MakeStage(int64_t planes, int64_t blocks, int64_t stride, SeedSequence& seeds);

  int64_t in_planes_ = 64;
  std::shared_ptr<Conv2d> conv1_;
  std::shared_ptr<BatchNorm2d> bn1_;
  std::shared_ptr<ReLU> relu_;
  std::shared_ptr<MaxPool2d> maxpool_;
  std::vector<std::shared_ptr<Sequential>> stages_;
  std::shared_ptr<AdaptiveAvgPool2d> avgpool_;
  std::shared_ptr<Flatten> flatten_;
  std::shared_ptr<Linear> fc_;
};

// torchvision's resnet18 (11,689,512 parameters with 1000 classes).
std::shared_ptr<ResNet> ResNet18(int64_t num_classes = 1000, uint64_t seed = 0);
// torchvision's resnet34.
std::shared_ptr<ResNet> ResNet34(int64_t num_classes = 1000, uint64_t seed = 0);

}  // namespace aot::models

#endif  // AOT_MODULE_MODELS_RESNET_H_
