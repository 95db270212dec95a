#include "aot/autodiff/internal/finite_difference.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/scalar_types.h"

namespace aot::autodiff::internal {
namespace {

std::string SizesString(absl::Span<const int64_t> sizes) { return absl::StrCat("[", absl::StrJoin(sizes, ","), "]"); }

// Returns sum_i <outputs_i, cotangents_i> over the defined cotangents.
absl::StatusOr<double> Contract(const std::vector<Tensor>& outputs, const std::vector<Tensor>& cotangents) {
  double total = 0;
  for (size_t i = 0; i < cotangents.size(); ++i) {
    if (!cotangents[i].defined()) continue;
    if (i >= outputs.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("NumericalVjp: cotangent ", i, " given but the function has ", outputs.size(), " outputs"));
    }
    absl::StatusOr<std::vector<double>> out = outputs[i].ToVector<double>();
    if (!out.ok()) return out.status();
    absl::StatusOr<std::vector<double>> cot = cotangents[i].ToVector<double>();
    if (!cot.ok()) return cot.status();
    if (out->size() != cot->size()) {
      return absl::InvalidArgumentError(absl::StrCat("NumericalVjp: output ", i, " has shape ",
                                                     SizesString(outputs[i].sizes()), " but its cotangent has ",
                                                     SizesString(cotangents[i].sizes())));
    }
    for (size_t k = 0; k < out->size(); ++k) total += (*out)[k] * (*cot)[k];
  }
  return total;
}

// Writes `value` (converted to the element type) into flat element `k` of the
// contiguous CPU tensor `t` and returns the value actually stored.
double SetElement(const Tensor& t, int64_t k, double value) {
  return VisitDType(t.dtype(), [&]<typename T>() -> double {
    T* p = t.data_ptr<T>();
    p[k] = static_cast<T>(static_cast<ComputeType<T>>(value));
    return static_cast<double>(static_cast<ComputeType<T>>(p[k]));
  });
}

}  // namespace

absl::StatusOr<std::vector<Tensor>> NumericalVjp(const VjpFunction& fn, const std::vector<Tensor>& inputs,
                                                 const std::vector<Tensor>& cotangents, double eps) {
  if (!(eps > 0)) return absl::InvalidArgumentError(absl::StrCat("NumericalVjp: eps must be positive, got ", eps));
  for (const Tensor& t : inputs) {
    if (t.defined() && !t.ok()) return t.status();
  }
  NoGradGuard no_grad;
  std::vector<Tensor> grads(inputs.size());
  std::vector<Tensor> args = inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.defined() || !ir::IsFloating(x.dtype())) continue;
    absl::StatusOr<std::vector<double>> base = x.ToVector<double>();
    if (!base.ok()) return base.status();
    // A private contiguous copy that the loop perturbs in place.
    Tensor work = Tensor::Empty(x.sizes(), x.dtype());
    if (!work.ok()) return work.status();
    for (int64_t k = 0; k < static_cast<int64_t>(base->size()); ++k) SetElement(work, k, (*base)[k]);
    args[i] = work;
    std::vector<double> grad(base->size(), 0.0);
    for (int64_t k = 0; k < static_cast<int64_t>(base->size()); ++k) {
      const double v = (*base)[k];
      const double hi = SetElement(work, k, v + eps);
      absl::StatusOr<double> f_hi = Contract(fn(args), cotangents);
      if (!f_hi.ok()) return f_hi.status();
      const double lo = SetElement(work, k, v - eps);
      absl::StatusOr<double> f_lo = Contract(fn(args), cotangents);
      if (!f_lo.ok()) return f_lo.status();
      SetElement(work, k, v);
      grad[k] = (*f_hi - *f_lo) / (hi - lo);
    }
    args[i] = x;
    Tensor g = Tensor::FromVector<double>(grad, x.sizes()).to(x.dtype());
    if (!g.ok()) return g.status();
    grads[i] = g;
  }
  return grads;
}

absl::Status CheckClose(const Tensor& actual, const Tensor& expected, double atol, double rtol,
                        absl::string_view what) {
  const std::string prefix = what.empty() ? std::string() : absl::StrCat(what, ": ");
  if (!actual.defined() && !expected.defined()) return absl::OkStatus();
  if (!actual.defined() || !expected.defined()) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, actual.defined() ? "expected" : "actual", " is undefined but the other is not"));
  }
  if (!actual.ok()) return actual.status();
  if (!expected.ok()) return expected.status();
  if (actual.sizes() != expected.sizes()) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "shape ", SizesString(actual.sizes()), " != expected ", SizesString(expected.sizes())));
  }
  absl::StatusOr<std::vector<double>> a = actual.ToVector<double>();
  if (!a.ok()) return a.status();
  absl::StatusOr<std::vector<double>> e = expected.ToVector<double>();
  if (!e.ok()) return e.status();
  int64_t worst = -1;
  double worst_excess = 0;
  for (size_t k = 0; k < a->size(); ++k) {
    const double x = (*a)[k], y = (*e)[k];
    if (std::isnan(x) || std::isnan(y)) {
      if (std::isnan(x) && std::isnan(y)) continue;
      worst = static_cast<int64_t>(k);
      break;
    }
    const double excess = std::abs(x - y) - (atol + rtol * std::abs(y));
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = static_cast<int64_t>(k);
    }
  }
  if (worst < 0) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(prefix, "element ", worst, " is ", (*a)[worst], ", expected ",
                                                 (*e)[worst], " (atol ", atol, ", rtol ", rtol, ", shape ",
                                                 SizesString(actual.sizes()), ")\nactual:   ", actual.ToString(),
                                                 "\nexpected: ", expected.ToString()));
}

}  // namespace aot::autodiff::internal
