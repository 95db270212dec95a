// Argument checks of the indexing kernels that every backend shares.
#ifndef AOT_BACKENDS_COMMON_INDEX_CHECKS_H_
#define AOT_BACKENDS_COMMON_INDEX_CHECKS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/tensor.h"

namespace aot::backends {

// InvalidArgument naming the op unless every element of `self` has memory
// of its own (no stride 0 over a dimension of more than one element), as an
// in-place kernel that writes each element once needs.
absl::Status CheckWritableInPlace(const OpCall& call, const Tensor& self);

// InvalidArgument unless embedding_backward's `grad` has the sizes of
// `indices` plus one embedding dimension and padding_idx < num_weights.
absl::Status CheckEmbeddingBackwardArgs(const OpCall& call, const Tensor& grad, const Tensor& indices,
                                        int64_t num_weights, int64_t padding_idx);

}  // namespace aot::backends

#endif  // AOT_BACKENDS_COMMON_INDEX_CHECKS_H_
