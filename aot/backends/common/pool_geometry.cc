#include "aot/backends/common/pool_geometry.h"

#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/backends/common/conv_geometry.h"
#include "aot/base/status_macros.h"

namespace aot::backends {

absl::Status CheckPoolInput(const OpCall& call, const Tensor& self) {
  if (self.dim() != 3 && self.dim() != 4) {
    return absl::InvalidArgumentError(
        absl::StrCat(call.op->name(), ": expected a 3-D or 4-D input, got ", self.meta().ToString()));
  }
  return absl::OkStatus();
}

PoolWindow PoolPlanes(const Tensor& self) {
  PoolWindow g;
  const int r = self.dim();
  g.h = self.size(r - 2);
  g.w = self.size(r - 1);
  g.planes = self.size(0) * (r == 4 ? self.size(1) : 1);
  return g;
}

absl::StatusOr<PoolWindow> PoolWindowOf(const OpCall& call, const Tensor& self, bool dilation) {
  const std::string& op = call.op->name();
  AOT_RETURN_IF_ERROR(CheckPoolInput(call, self));
  PoolWindow g = PoolPlanes(self);
  AOT_ASSIGN_OR_RETURN(auto k, AttrPair(call, "kernel_size", {0, 0}));
  AOT_ASSIGN_OR_RETURN(auto s, AttrPair(call, "stride", k));
  AOT_ASSIGN_OR_RETURN(auto p, AttrPair(call, "padding", {0, 0}));
  std::pair<int64_t, int64_t> d{1, 1};
  if (dilation) {
    AOT_ASSIGN_OR_RETURN(d, AttrPair(call, "dilation", {1, 1}));
  }
  std::tie(g.kh, g.kw) = k;
  std::tie(g.sh, g.sw) = s;
  std::tie(g.ph, g.pw) = p;
  std::tie(g.dh, g.dw) = d;
  g.ceil_mode = call.attr("ceil_mode").b();
  if (g.kh <= 0 || g.kw <= 0 || g.sh <= 0 || g.sw <= 0 || g.dh <= 0 || g.dw <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": kernel_size, stride and dilation must be positive"));
  }
  if (g.ph < 0 || g.pw < 0 || 2 * g.ph > g.kh || 2 * g.pw > g.kw) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": padding must be non-negative and at most half the kernel size"));
  }
  g.oh = PoolOutputSize(g.h, g.kh, g.sh, g.ph, g.dh, g.ceil_mode);
  g.ow = PoolOutputSize(g.w, g.kw, g.sw, g.pw, g.dw, g.ceil_mode);
  if (g.oh <= 0 || g.ow <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": input ", self.meta().ToString(), " is smaller than the kernel"));
  }
  return g;
}

absl::Status CheckPoolGradOutput(const OpCall& call, const Tensor& grad, const Tensor& self, const PoolWindow& w) {
  std::vector<int64_t> want(self.sizes().begin(), self.sizes().end());
  want[want.size() - 2] = w.oh;
  want[want.size() - 1] = w.ow;
  if (std::vector<int64_t>(grad.sizes().begin(), grad.sizes().end()) != want || grad.dtype() != self.dtype()) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": grad_output ", grad.meta().ToString(),
                                                   " must have the pooling output shape [", absl::StrJoin(want, ","),
                                                   "] and the dtype of self ", self.meta().ToString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::pair<int64_t, int64_t>> AdaptiveOutputSize(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(auto o, AttrPair(call, "output_size", {0, 0}));
  if (o.first <= 0 || o.second <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": output_size must be positive"));
  }
  return o;
}

absl::Status CheckAdaptiveGradOutput(const OpCall& call, const Tensor& grad, const Tensor& self) {
  const int r = self.dim();
  bool ok = grad.dim() == r && grad.dtype() == self.dtype();
  for (int d = 0; ok && d < r - 2; ++d) ok = grad.size(d) == self.size(d);
  if (ok) ok = grad.size(r - 2) > 0 && grad.size(r - 1) > 0;
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": grad_output ", grad.meta().ToString(),
                                                   " does not match self ", self.meta().ToString()));
  }
  return absl::OkStatus();
}

}  // namespace aot::backends
