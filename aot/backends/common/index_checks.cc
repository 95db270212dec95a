#include "aot/backends/common/index_checks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"

namespace aot::backends {

absl::Status CheckWritableInPlace(const OpCall& call, const Tensor& self) {
  for (int k = 0; k < self.dim(); ++k) {
    if (self.size(k) > 1 && self.strides()[k] == 0) {
      return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": self ", self.meta().ToString(),
                                                     " has elements that share memory (stride 0 in dimension ", k,
                                                     "); write to a copy instead"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckEmbeddingBackwardArgs(const OpCall& call, const Tensor& grad, const Tensor& indices,
                                        int64_t num_weights, int64_t padding_idx) {
  absl::Span<const int64_t> gs = grad.sizes(), is = indices.sizes();
  if (gs.empty() || !std::equal(is.begin(), is.end(), gs.begin(), gs.end() - 1)) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": grad_output [", absl::StrJoin(gs, ","),
                                                   "] must be indices [", absl::StrJoin(is, ","),
                                                   "] plus one embedding dimension"));
  }
  if (padding_idx >= num_weights) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": padding_idx ", padding_idx,
                                                   " is out of range for ", num_weights, " weights"));
  }
  return absl::OkStatus();
}

}  // namespace aot::backends
