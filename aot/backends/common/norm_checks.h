// The shape arithmetic and argument checks of layer_norm that every backend
// shares.
#ifndef AOT_BACKENDS_COMMON_NORM_CHECKS_H_
#define AOT_BACKENDS_COMMON_NORM_CHECKS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/tensor.h"

namespace aot::backends {

// The number of elements in one normalized row: the product of the call's
// normalized_shape.
int64_t NormalizedNumel(const OpCall& call);

// InvalidArgument unless layer_norm_backward's saved `mean` and `rstd` have
// one value per normalized row of `x` (rows of `n` elements) and `weight`,
// when defined, `n` values.
absl::Status CheckLayerNormBackwardStats(const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                         const Tensor& weight, int64_t n);

}  // namespace aot::backends

#endif  // AOT_BACKENDS_COMMON_NORM_CHECKS_H_
