#include "aot/module/layers.h"

#include <cmath>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "aot/tensor/ops.h"

namespace aot {

namespace {

Tensor InvalidConfig(const std::string& layer, const std::string& what) {
  return Tensor::Error(absl::InvalidArgumentError(absl::StrCat(layer, ": ", what)));
}

// 1/sqrt(fan_in), PyTorch's bound for kaiming_uniform_(a=sqrt(5)) and for
// the bias of Linear and Conv2d; 0 for an empty fan-in.
double DefaultBound(int64_t fan_in) { return fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0; }

int64_t Numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

}  // namespace

Tensor UniformInit(std::vector<int64_t> shape, double bound, uint64_t seed, uint64_t offset) {
  NoGradGuard no_grad;
  const Tensor u = rand(std::move(shape), seed, offset);
  const Tensor scaled = u * (2 * bound);
  return scaled - bound;
}

Tensor NormalInit(std::vector<int64_t> shape, double stddev, uint64_t seed, uint64_t offset) {
  NoGradGuard no_grad;
  return randn(std::move(shape), seed, offset) * stddev;
}

uint64_t SeedSequence::Next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

absl::Status InitInPlace(Tensor& slot, const Tensor& values) {
  if (!values.ok()) return values.status();
  if (!slot.ok()) return slot.status();
  if (values.sizes() != slot.sizes()) {
    return absl::InvalidArgumentError(absl::StrCat("InitInPlace: values ", values.meta().ToString(),
                                                   " do not match the slot ", slot.meta().ToString()));
  }
  NoGradGuard no_grad;
  Tensor target = slot;  // A failed copy_ turns its handle into an error tensor; keep the slot's.
  target.copy_(values.to(slot.device()));
  return target.status();
}

// --- Linear ----------------------------------------------------------------------------------

Linear::Linear(int64_t in_features, int64_t out_features, bool bias, uint64_t seed) {
  const double bound = DefaultBound(in_features);
  if (in_features < 0 || out_features < 0) {
    weight_ = &RegisterParameter(
        "weight", InvalidConfig(name(), absl::StrCat("negative size (in_features=", in_features,
                                                     ", out_features=", out_features, ")")));
    return;
  }
  weight_ = &RegisterParameter("weight", UniformInit({out_features, in_features}, bound, seed));
  if (bias) {
    bias_ = &RegisterParameter("bias", UniformInit({out_features}, bound, seed,
                                                   /*offset=*/static_cast<uint64_t>(out_features * in_features)));
  }
}

Tensor Linear::Forward(const Tensor& x) { return linear(x, *weight_, bias_ != nullptr ? *bias_ : Tensor()); }

// --- Conv2d ----------------------------------------------------------------------------------

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Conv2dOptions options)
    : options_(options) {
  const int64_t groups = options.groups;
  std::string error;
  if (in_channels < 0 || out_channels < 0 || kernel_size.h <= 0 || kernel_size.w <= 0) {
    error = absl::StrCat("invalid sizes (in_channels=", in_channels, ", out_channels=", out_channels,
                         ", kernel_size=[", kernel_size.h, ",", kernel_size.w, "])");
  } else if (groups <= 0 || in_channels % groups != 0 || out_channels % groups != 0) {
    error = absl::StrCat("in_channels ", in_channels, " and out_channels ", out_channels,
                         " must be divisible by groups ", groups);
  }
  if (!error.empty()) {
    weight_ = &RegisterParameter("weight", InvalidConfig(name(), error));
    return;
  }
  const std::vector<int64_t> shape = {out_channels, in_channels / groups, kernel_size.h, kernel_size.w};
  const double bound = DefaultBound(in_channels / groups * kernel_size.h * kernel_size.w);
  weight_ = &RegisterParameter("weight", UniformInit(shape, bound, options.seed));
  if (options.bias) {
    bias_ = &RegisterParameter(
        "bias", UniformInit({out_channels}, bound, options.seed, /*offset=*/static_cast<uint64_t>(Numel(shape))));
  }
}

Tensor Conv2d::Forward(const Tensor& x) {
  return conv2d(x, *weight_, bias_ != nullptr ? *bias_ : Tensor(), options_.stride.vec(), options_.padding.vec(),
                options_.dilation.vec(), options_.groups);
}

// --- BatchNorm2d ---------------------------------------------------------------------------

BatchNorm2d::BatchNorm2d(int64_t num_features, double eps, double momentum) : eps_(eps), momentum_(momentum) {
  weight_ = &RegisterParameter("weight", ones({num_features}));
  bias_ = &RegisterParameter("bias", zeros({num_features}));
  running_mean_ = &RegisterBuffer("running_mean", zeros({num_features}));
  running_var_ = &RegisterBuffer("running_var", ones({num_features}));
}

// Note [Running statistics]
// In training, BatchNorm2d calls batch_norm without running statistics, so
// that its new_running_mean/var results are the batch mean and unbiased
// variance, and then writes running = (1 - momentum) * running + momentum *
// batch into the buffers in place (copy_ under NoGradGuard), the update
// batch_norm itself computes when given the buffers. Passing the buffers
// would make the autograd node save them, and the in-place update would then
// fail its backward ("modified by an in-place operation"); PyTorch avoids
// that only because its batch_norm writes the buffers before saving them.
// The in-place write is what a trace records as a mutation of the buffer
// input (See Note [Parameter slots] in module.h).
Tensor BatchNorm2d::Forward(const Tensor& x) {
  if (x.ok() && x.dim() != 4) {
    return InvalidConfig(name(), absl::StrCat("expected a 4-d input [N, C, H, W], got ", x.meta().ToString()));
  }
  if (!is_training()) {
    std::vector<Tensor> r =
        batch_norm(x, *weight_, *bias_, *running_mean_, *running_var_, /*training=*/false, momentum_, eps_);
    return r[0];
  }
  std::vector<Tensor> r =
      batch_norm(x, *weight_, *bias_, Tensor(), Tensor(), /*training=*/true, momentum_, eps_);
  if (!r[0].ok()) return r[0];
  NoGradGuard no_grad;
  const Tensor kept_mean = *running_mean_ * (1 - momentum_);
  const Tensor new_mean = r[3] * momentum_;
  const Tensor kept_var = *running_var_ * (1 - momentum_);
  const Tensor new_var = r[4] * momentum_;
  const Tensor mean = kept_mean + new_mean;
  const Tensor var = kept_var + new_var;
  Tensor mean_slot = *running_mean_;  // Local handles: see InitInPlace.
  Tensor var_slot = *running_var_;
  mean_slot.copy_(mean);
  if (!mean_slot.ok()) return mean_slot;
  var_slot.copy_(var);
  if (!var_slot.ok()) return var_slot;
  return r[0];
}

// --- LayerNorm -------------------------------------------------------------------------------

LayerNorm::LayerNorm(std::vector<int64_t> normalized_shape, double eps, bool elementwise_affine)
    : normalized_shape_(std::move(normalized_shape)), eps_(eps) {
  if (elementwise_affine) {
    weight_ = &RegisterParameter("weight", ones(normalized_shape_));
    bias_ = &RegisterParameter("bias", zeros(normalized_shape_));
  }
}

Tensor LayerNorm::Forward(const Tensor& x) {
  return std::get<0>(layer_norm(x, normalized_shape_, weight_ != nullptr ? *weight_ : Tensor(),
                                bias_ != nullptr ? *bias_ : Tensor(), eps_));
}

// --- Embedding -------------------------------------------------------------------------------

Embedding::Embedding(int64_t num_embeddings, int64_t embedding_dim, uint64_t seed) {
  weight_ = &RegisterParameter("weight", NormalInit({num_embeddings, embedding_dim}, /*stddev=*/1.0, seed));
}

Tensor Embedding::Forward(const Tensor& indices) { return embedding(*weight_, indices); }

// --- Activations and dropout ---------------------------------------------------------------

Tensor Dropout::Forward(const Tensor& x) {
  if (!(p_ >= 0 && p_ <= 1)) return InvalidConfig(name(), absl::StrCat("p must be in [0, 1], got ", p_));
  if (!is_training() || p_ == 0) return x;
  return std::get<0>(dropout(x, p_, /*train=*/true));
}

Tensor ReLU::Forward(const Tensor& x) { return relu(x); }

Tensor GELU::Forward(const Tensor& x) { return gelu(x, approximate_); }

// --- Pooling and reshaping -------------------------------------------------------------------

MaxPool2d::MaxPool2d(Size2 kernel_size, std::optional<Size2> stride, Size2 padding, Size2 dilation)
    : kernel_size_(kernel_size), stride_(stride.value_or(kernel_size)), padding_(padding), dilation_(dilation) {}

Tensor MaxPool2d::Forward(const Tensor& x) {
  return std::get<0>(
      max_pool2d_with_indices(x, kernel_size_.vec(), stride_.vec(), padding_.vec(), dilation_.vec()));
}

Tensor AdaptiveAvgPool2d::Forward(const Tensor& x) { return adaptive_avg_pool2d(x, output_size_.vec()); }

Tensor Flatten::Forward(const Tensor& x) {
  if (!x.ok()) return x;
  const int64_t rank = x.dim();
  if (rank == 0) return x.reshape({1});
  const int64_t start = start_dim_ < 0 ? start_dim_ + rank : start_dim_;
  const int64_t end = end_dim_ < 0 ? end_dim_ + rank : end_dim_;
  if (start < 0 || end >= rank || start > end) {
    return InvalidConfig(name(), absl::StrCat("dims ", start_dim_, "..", end_dim_, " are out of range for ",
                                              x.meta().ToString()));
  }
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + start);
  int64_t merged = 1;
  for (int64_t d = start; d <= end; ++d) merged *= x.size(static_cast<int>(d));
  shape.push_back(merged);
  shape.insert(shape.end(), x.sizes().begin() + end + 1, x.sizes().end());
  return x.reshape(std::move(shape));
}

// --- Sequential ------------------------------------------------------------------------------

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const std::shared_ptr<Module>& m : modules) Add(m);
}

Tensor Sequential::Forward(const Tensor& x) {
  Tensor h = x;
  for (const std::shared_ptr<Module>& m : modules_) h = m->Forward(h);
  return h;
}

}  // namespace aot
