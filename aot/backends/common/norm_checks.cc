#include "aot/backends/common/norm_checks.h"

#include "absl/strings/str_cat.h"

namespace aot::backends {

int64_t NormalizedNumel(const OpCall& call) {
  int64_t n = 1;
  for (int64_t s : call.attr("normalized_shape").ints()) n *= s;
  return n;
}

absl::Status CheckLayerNormBackwardStats(const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                         const Tensor& weight, int64_t n) {
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  if (mean.numel() != rows || rstd.numel() != rows || (weight.defined() && weight.numel() != n)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "layer_norm_backward(): mean ", mean.meta().ToString(), " and rstd ", rstd.meta().ToString(),
        " must have one value per normalized row of input ", x.meta().ToString(), " (", rows, ")",
        weight.defined() ? absl::StrCat(", and weight ", weight.meta().ToString(), " ", n, " values") : ""));
  }
  return absl::OkStatus();
}

}  // namespace aot::backends
