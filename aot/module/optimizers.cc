#include "aot/module/optimizers.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "aot/base/status_macros.h"
#include "aot/ir/dtype.h"
#include "aot/tensor/ops.h"

namespace aot {

// Note [Updating in place]
// The updates call in-place ops on a local copy of the handle: a failing
// in-place op turns the handle it is called on into an error tensor
// (Note [Error tensors] in tensor.h), and the optimizer's own list, like the
// module's slots, must keep the parameter itself.

void Optimizer::ZeroGrad() {
  for (Tensor& p : parameters_) {
    if (p.grad().defined()) p.set_grad(Tensor());
  }
}

absl::StatusOr<Tensor> Optimizer::GradOf(size_t i) const {
  const Tensor& p = parameters_[i];
  if (!p.ok() || !ir::IsFloating(p.dtype())) {
    return absl::InvalidArgumentError(absl::StrCat(name(), ": parameter ", i, " is not a floating-point tensor: ",
                                                   p.ok() ? p.meta().ToString() : p.status().ToString()));
  }
  Tensor g = p.grad();
  if (!g.defined()) return Tensor();
  if (!g.ok()) return g.status();
  if (g.sizes() != p.sizes()) {
    return absl::InvalidArgumentError(absl::StrCat(name(), ": the gradient of parameter ", i, " is ",
                                                   g.meta().ToString(), ", expected the shape of ",
                                                   p.meta().ToString()));
  }
  return g.detach();
}

// --- SGD -------------------------------------------------------------------------------------

SGD::SGD(std::vector<Tensor> parameters, SGDOptions options)
    : Optimizer(std::move(parameters)), options_(options), momentum_buffers_(parameters_.size()) {}

absl::Status SGD::Step() {
  NoGradGuard no_grad;
  const SGDOptions& o = options_;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    AOT_ASSIGN_OR_RETURN(Tensor g, GradOf(i));
    if (!g.defined()) continue;
    Tensor p = parameters_[i];  // See Note [Updating in place].
    if (o.weight_decay != 0) {
      const Tensor decay = p * o.weight_decay;
      g = g + decay;
    }
    if (o.momentum != 0) {
      Tensor& buf = momentum_buffers_[i];
      if (!buf.defined()) {
        buf = g.clone();
        AOT_RETURN_IF_ERROR(buf.status());
      } else {
        Tensor b = buf;
        b.mul_(o.momentum);
        b.add_(g, 1 - o.dampening);
        AOT_RETURN_IF_ERROR(b.status());
      }
      if (o.nesterov) {
        const Tensor look_ahead = buf * o.momentum;
        g = g + look_ahead;
      } else {
        g = buf;
      }
    }
    p.add_(g, -o.lr);
    AOT_RETURN_IF_ERROR(p.status());
  }
  return absl::OkStatus();
}

// --- Adam and AdamW --------------------------------------------------------------------------

Adam::Adam(std::vector<Tensor> parameters, AdamOptions options) : Adam(std::move(parameters), options, false) {}

Adam::Adam(std::vector<Tensor> parameters, AdamOptions options, bool decoupled)
    : Optimizer(std::move(parameters)), options_(options), decoupled_(decoupled), state_(parameters_.size()) {}

absl::Status Adam::Step() {
  NoGradGuard no_grad;
  const AdamOptions& o = options_;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    AOT_ASSIGN_OR_RETURN(Tensor g, GradOf(i));
    if (!g.defined()) continue;
    Tensor p = parameters_[i];  // See Note [Updating in place].
    State& s = state_[i];
    if (!s.exp_avg.defined()) {
      s.exp_avg = zeros_like(p);
      s.exp_avg_sq = zeros_like(p);
      if (o.amsgrad) s.max_exp_avg_sq = zeros_like(p);
      AOT_RETURN_IF_ERROR(FirstError({s.exp_avg, s.exp_avg_sq}));
    }
    ++s.step;
    if (o.weight_decay != 0) {
      if (decoupled_) {
        p.mul_(1 - o.lr * o.weight_decay);
        AOT_RETURN_IF_ERROR(p.status());
      } else {
        const Tensor decay = p * o.weight_decay;
        g = g + decay;
      }
    }
    Tensor m = s.exp_avg;
    m.mul_(o.beta1);
    m.add_(g, 1 - o.beta1);
    AOT_RETURN_IF_ERROR(m.status());
    const Tensor g2 = g * g;
    Tensor v = s.exp_avg_sq;
    v.mul_(o.beta2);
    v.add_(g2, 1 - o.beta2);
    AOT_RETURN_IF_ERROR(v.status());
    const double bias_correction1 = 1 - std::pow(o.beta1, static_cast<double>(s.step));
    const double bias_correction2 = 1 - std::pow(o.beta2, static_cast<double>(s.step));
    const double step_size = o.lr / bias_correction1;
    Tensor second = s.exp_avg_sq;
    if (o.amsgrad) {
      const Tensor larger = maximum(s.max_exp_avg_sq, s.exp_avg_sq);
      Tensor mx = s.max_exp_avg_sq;
      mx.copy_(larger);
      AOT_RETURN_IF_ERROR(mx.status());
      second = s.max_exp_avg_sq;
    }
    const Tensor root = second.sqrt();
    const Tensor scaled = root / std::sqrt(bias_correction2);
    const Tensor denom = scaled + o.eps;
    const Tensor update = s.exp_avg / denom;
    p.add_(update, -step_size);
    AOT_RETURN_IF_ERROR(p.status());
  }
  return absl::OkStatus();
}

}  // namespace aot
