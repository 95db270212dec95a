// Optimizers over a list of parameters, with PyTorch's update formulas:
// SGD (momentum, dampening, Nesterov, weight decay), Adam and AdamW.
//
//   SGD opt(model.Parameters(), {.lr = 0.1, .momentum = 0.9});
//   for (...) {
//     opt.ZeroGrad();
//     Tensor loss = cross_entropy(model(x), y);
//     AOT_RETURN_IF_ERROR(loss.backward());
//     AOT_RETURN_IF_ERROR(opt.Step());
//   }
//
// An optimizer holds handles to the parameter tensors themselves and updates
// them in place (add_, mul_, copy_ under NoGradGuard), so the module, the
// optimizer and any compiled function keep seeing the same tensors. A
// parameter without a gradient is skipped, as in PyTorch. Per-parameter
// state (momentum buffers, moment estimates) is created at the first step
// that updates the parameter.
#ifndef AOT_MODULE_OPTIMIZERS_H_
#define AOT_MODULE_OPTIMIZERS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aot/tensor/tensor.h"

namespace aot {

// The base of the optimizers: the parameter list and ZeroGrad.
class Optimizer {
 public:
  explicit Optimizer(std::vector<Tensor> parameters) : parameters_(std::move(parameters)) {}
  virtual ~Optimizer() = default;

  virtual std::string name() const = 0;
  // Updates every parameter that has a gradient. InvalidArgument for a
  // parameter that is not a valid floating-point tensor, or whose gradient
  // has another shape; an error of an update op is returned as is (the
  // parameters already updated in this step stay updated).
  virtual absl::Status Step() = 0;
  // Resets the gradient of every parameter to undefined.
  void ZeroGrad();

  const std::vector<Tensor>& parameters() const { return parameters_; }

 protected:
  // Returns the gradient of parameter i, undefined if it has none, or an
  // InvalidArgument error naming the parameter.
  absl::StatusOr<Tensor> GradOf(size_t i) const;

  std::vector<Tensor> parameters_;
};

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

// Stochastic gradient descent, as torch.optim.SGD:
//   g = grad + weight_decay * p
//   b = g (first step) or momentum * b + (1 - dampening) * g
//   g = g + momentum * b (Nesterov) or b        (when momentum != 0)
//   p = p - lr * g
class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> parameters, SGDOptions options);
  std::string name() const override { return "SGD"; }
  absl::Status Step() override;

  SGDOptions& options() { return options_; }

 private:
  SGDOptions options_;
  std::vector<Tensor> momentum_buffers_;  // Undefined until first used.
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  bool amsgrad = false;
};

// Adam, as torch.optim.Adam (t counts the steps of each parameter):
//   g = grad + weight_decay * p
//   m = beta1 * m + (1 - beta1) * g
//   v = beta2 * v + (1 - beta2) * g * g
//   v_hat = max(v_hat, v) with amsgrad, else v
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v_hat) / sqrt(1 - beta2^t) + eps)
class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> parameters, AdamOptions options);
  std::string name() const override { return decoupled_ ? "AdamW" : "Adam"; }
  absl::Status Step() override;

  AdamOptions& options() { return options_; }

 protected:
  // AdamW: weight decay multiplies p by (1 - lr * weight_decay) before the
  // update instead of adding to the gradient.
  Adam(std::vector<Tensor> parameters, AdamOptions options, bool decoupled);

 private:
  struct State {
    int64_t step = 0;
    Tensor exp_avg;
    Tensor exp_avg_sq;
    Tensor max_exp_avg_sq;
  };
  AdamOptions options_;
  bool decoupled_;
  std::vector<State> state_;
};

// AdamOptions with AdamW's default weight decay (PyTorch's 0.01).
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
};

// AdamW, as torch.optim.AdamW: Adam with decoupled weight decay
// (p = p * (1 - lr * weight_decay), then the Adam update without decay).
class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> parameters, AdamWOptions options)
      : Adam(std::move(parameters),
             AdamOptions{.lr = options.lr,
                         .beta1 = options.beta1,
                         .beta2 = options.beta2,
                         .eps = options.eps,
                         .weight_decay = options.weight_decay,
                         .amsgrad = options.amsgrad},
             /*decoupled=*/true) {}
};

}  // namespace aot

#endif  // AOT_MODULE_OPTIMIZERS_H_
