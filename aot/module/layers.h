// The standard layers, like torch.nn's: Linear, Conv2d, BatchNorm2d,
// LayerNorm, Embedding, Dropout, ReLU, GELU, MaxPool2d, AdaptiveAvgPool2d,
// Flatten and Sequential. Each is a Module (module.h) whose Forward calls
// the eager ops of aot/tensor/ops.h on the tensors in its slots, so the same
// layer runs eagerly, under autograd and while aot_module traces it.
//
//   auto net = std::make_shared<Sequential>();
//   net->Add(std::make_shared<Conv2d>(3, 16, 3, Conv2dOptions{.padding = 1, .seed = 1}));
//   net->Add(std::make_shared<BatchNorm2d>(16));
//   net->Add(std::make_shared<ReLU>());
//   net->Add(std::make_shared<AdaptiveAvgPool2d>(1));
//   net->Add(std::make_shared<Flatten>());
//   net->Add(std::make_shared<Linear>(16, 10, /*bias=*/true, /*seed=*/2));
//   Tensor logits = (*net)(images);            // [N, 10]
//
// Initialisation follows PyTorch's defaults and is deterministic: each layer
// with weights takes a `seed` and draws from the counter-based generator
// (ops.h: rand/randn with an explicit seed), so the same seed gives the same
// weights on every run and device. Layers with several random tensors use
// one seed at distinct generator offsets.
//
// Invalid configurations (in_channels not divisible by groups, a negative
// size) do not abort: the affected parameter is an error tensor, which
// Module::status() reports and Forward returns.
#ifndef AOT_MODULE_LAYERS_H_
#define AOT_MODULE_LAYERS_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "aot/module/module.h"
#include "aot/tensor/tensor.h"

namespace aot {

// A (height, width) pair; one integer means the same for both.
struct Size2 {
  Size2(int64_t both) : h(both), w(both) {}  // NOLINT: implicit, like PyTorch's int-or-tuple.
  Size2(int64_t h, int64_t w) : h(h), w(w) {}
  std::vector<int64_t> vec() const { return {h, w}; }
  int64_t h;
  int64_t w;
};

// Returns `shape` filled with values uniform in [-bound, bound) drawn with
// `seed` from generator offset `offset` (kaiming_uniform_ and friends).
Tensor UniformInit(std::vector<int64_t> shape, double bound, uint64_t seed, uint64_t offset = 0);
// Returns `shape` filled with normal values of mean 0 and standard deviation
// `stddev` drawn with `seed` from generator offset `offset`.
Tensor NormalInit(std::vector<int64_t> shape, double stddev, uint64_t seed, uint64_t offset = 0);
// Hands out distinct, deterministic seeds for the layers of a model
// (splitmix64 over the model's seed): the same model seed gives the same
// sequence.
class SeedSequence {
 public:
  explicit SeedSequence(uint64_t seed) : state_(seed) {}
  uint64_t Next();

 private:
  uint64_t state_;
};

// Overwrites `slot`'s values in place with `values` (same shape), without
// recording autograd; for re-initialising a layer's weights.
absl::Status InitInPlace(Tensor& slot, const Tensor& values);

// y = x @ weight.T + bias. weight: [out, in], bias: [out]. Both uniform in
// +-1/sqrt(in) (PyTorch's kaiming_uniform_(a=sqrt(5)) and bias init).
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, uint64_t seed = 0);
  std::string name() const override { return "Linear"; }
  Tensor Forward(const Tensor& x) override;

  Tensor& weight() { return *weight_; }
  // Null without bias.
  Tensor* bias() { return bias_; }

 private:
  Tensor* weight_;
  Tensor* bias_ = nullptr;
};

struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  uint64_t seed = 0;
};

// 2-d convolution over [N, C, H, W]. weight: [out, in / groups, kh, kw],
// bias: [out]; both uniform in +-1/sqrt(fan_in), fan_in = in / groups * kh * kw.
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Conv2dOptions options = {});
  std::string name() const override { return "Conv2d"; }
  Tensor Forward(const Tensor& x) override;

  Tensor& weight() { return *weight_; }
  Tensor* bias() { return bias_; }
  const Conv2dOptions& options() const { return options_; }

 private:
  Conv2dOptions options_;
  Tensor* weight_;
  Tensor* bias_ = nullptr;
};

// Batch normalisation over the channels of [N, C, H, W]. Parameters weight
// (ones) and bias (zeros), buffers running_mean (zeros) and running_var
// (ones). Training normalises with the batch statistics and updates the
// running ones in place (see Note [Running statistics] in layers.cc); eval normalises with
// the running statistics.
class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, double momentum = 0.1);
  std::string name() const override { return "BatchNorm2d"; }
  Tensor Forward(const Tensor& x) override;

  Tensor& weight() { return *weight_; }
  Tensor& bias() { return *bias_; }
  Tensor& running_mean() { return *running_mean_; }
  Tensor& running_var() { return *running_var_; }

 private:
  double eps_;
  double momentum_;
  Tensor* weight_;
  Tensor* bias_;
  Tensor* running_mean_;
  Tensor* running_var_;
};

// Layer normalisation over the trailing `normalized_shape` dimensions, with
// an elementwise weight (ones) and bias (zeros) unless elementwise_affine is
// false.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::vector<int64_t> normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  std::string name() const override { return "LayerNorm"; }
  Tensor Forward(const Tensor& x) override;

  Tensor* weight() { return weight_; }
  Tensor* bias() { return bias_; }

 private:
  std::vector<int64_t> normalized_shape_;
  double eps_;
  Tensor* weight_ = nullptr;
  Tensor* bias_ = nullptr;
};

// A lookup table: Forward(indices) (integer, any shape) returns the rows of
// weight [num_embeddings, embedding_dim], initialised standard normal.
class Embedding : public Module {
 public:
  Embedding(int64_t num_embeddings, int64_t embedding_dim, uint64_t seed = 0);
  std::string name() const override { return "Embedding"; }
  Tensor Forward(const Tensor& indices) override;

  Tensor& weight() { return *weight_; }

 private:
  Tensor* weight_;
};

// In training, zeroes each element with probability p and scales the others
// by 1 / (1 - p), drawing from the global generator (SetGlobalSeed); the
// identity in eval mode or for p = 0.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5) : p_(p) {}
  std::string name() const override { return "Dropout"; }
  Tensor Forward(const Tensor& x) override;

 private:
  double p_;
};

class ReLU : public Module {
 public:
  std::string name() const override { return "ReLU"; }
  Tensor Forward(const Tensor& x) override;
};

// approximate: "none" (erf) or "tanh".
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none") : approximate_(std::move(approximate)) {}
  std::string name() const override { return "GELU"; }
  Tensor Forward(const Tensor& x) override;

 private:
  std::string approximate_;
};

// Max pooling over [N, C, H, W]; stride defaults to the kernel size.
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel_size, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                     Size2 dilation = 1);
  std::string name() const override { return "MaxPool2d"; }
  Tensor Forward(const Tensor& x) override;

 private:
  Size2 kernel_size_;
  Size2 stride_;
  Size2 padding_;
  Size2 dilation_;
};

// Average pooling of [N, C, H, W] to [N, C, output_size].
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size) : output_size_(output_size) {}
  std::string name() const override { return "AdaptiveAvgPool2d"; }
  Tensor Forward(const Tensor& x) override;

 private:
  Size2 output_size_;
};

// Merges dimensions start_dim..end_dim (negative counts from the end) into
// one: [N, C, H, W] -> [N, C * H * W] by default.
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_dim_(start_dim), end_dim_(end_dim) {}
  std::string name() const override { return "Flatten"; }
  Tensor Forward(const Tensor& x) override;

 private:
  int64_t start_dim_;
  int64_t end_dim_;
};

// Runs its children in order, each on the previous one's output. Children
// are named "0", "1", ...
class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  std::string name() const override { return "Sequential"; }
  Tensor Forward(const Tensor& x) override;

  // Appends `module` (named by its position) and returns it.
  template <typename M>
  std::shared_ptr<M> Add(std::shared_ptr<M> module) {
    modules_.push_back(module);
    return RegisterModule(std::to_string(modules_.size() - 1), std::move(module));
  }
  int64_t size() const { return static_cast<int64_t>(modules_.size()); }
  const std::shared_ptr<Module>& operator[](int64_t i) const { return modules_[i]; }

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace aot

#endif  // AOT_MODULE_LAYERS_H_
