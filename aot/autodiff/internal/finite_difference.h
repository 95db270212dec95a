// Central finite differences for checking derivative rules in tests.
//
//   auto fn = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0].sin() * in[1]}; };
//   AOT_ASSIGN_OR_RETURN(std::vector<Tensor> numeric,
//                        NumericalVjp(fn, {x, y}, {cotangent}, /*eps=*/1e-6));
//   // numeric[0] ~ d/dx sum(sin(x) * y * cotangent), numeric[1] likewise.
//   AOT_RETURN_IF_ERROR(CheckClose(rule_grad_x, numeric[0], /*atol=*/1e-6, /*rtol=*/1e-5, "d/dx"));
//
// These read tensor data, so they run on real (CPU) tensors only; they are
// for tests and gradient checks, not for rules.
#ifndef AOT_AUTODIFF_INTERNAL_FINITE_DIFFERENCE_H_
#define AOT_AUTODIFF_INTERNAL_FINITE_DIFFERENCE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff::internal {

using VjpFunction = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// Returns, for each input, the gradient of
//   L(inputs) = sum_i <fn(inputs)_i, cotangents_i>
// by central differences (L(x + eps) - L(x - eps)) / (2 eps), one element at
// a time. Outputs whose cotangent is undefined do not count; `cotangents`
// may be shorter than the outputs (missing ones count as undefined).
//
// Each gradient has its input's shape and dtype; it is undefined for an
// undefined input and for integer or bool inputs. Perturbed inputs are fresh
// contiguous tensors of the input's dtype (so use float64 inputs for tight
// tolerances). `fn` runs under NoGradGuard. Errors: the status of an error
// tensor among the inputs or outputs of `fn`, InvalidArgument when an output
// and its cotangent differ in element count or `eps` is not positive.
absl::StatusOr<std::vector<Tensor>> NumericalVjp(const VjpFunction& fn, const std::vector<Tensor>& inputs,
                                                 const std::vector<Tensor>& cotangents, double eps);

// Returns OK if `actual` and `expected` have the same shape and every element
// satisfies |a - e| <= atol + rtol * |e| (NaNs must match). Otherwise
// InvalidArgument naming `what`, the shapes or the worst element (its flat
// index and both values). Both undefined is OK; one undefined is an error.
absl::Status CheckClose(const Tensor& actual, const Tensor& expected, double atol, double rtol,
                        absl::string_view what = "");

}  // namespace aot::autodiff::internal

#endif  // AOT_AUTODIFF_INTERNAL_FINITE_DIFFERENCE_H_
