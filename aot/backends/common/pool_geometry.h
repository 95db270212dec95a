// The window arithmetic and argument checks of 2-D pooling that every
// backend shares: reading kernel_size/stride/padding/dilation/ceil_mode of
// max_pool2d and avg_pool2d from an OpCall and checking them against the
// input, the output size of adaptive pooling, and the checks of the
// backward ops' grad_output. Inputs are [C, H, W] or [N, C, H, W]; every
// (n, c) plane is pooled alike.
#ifndef AOT_BACKENDS_COMMON_POOL_GEOMETRY_H_
#define AOT_BACKENDS_COMMON_POOL_GEOMETRY_H_

#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/tensor.h"

namespace aot::backends {

// Everything that determines a pooling's shapes.
struct PoolWindow {
  int64_t planes = 0, h = 0, w = 0, oh = 0, ow = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  bool ceil_mode = false;

  int64_t in_plane() const { return h * w; }
  int64_t out_plane() const { return oh * ow; }
};

// InvalidArgument naming the op unless `self` is 3-D or 4-D.
absl::Status CheckPoolInput(const OpCall& call, const Tensor& self);

// The planes and plane size of `self` (3-D or 4-D); the window is 1x1 and
// the output size 0.
PoolWindow PoolPlanes(const Tensor& self);

// The window of max_pool2d (`dilation`: read its dilation) or avg_pool2d
// (dilation 1) over `self`, with the output size (PyTorch's floor or ceil
// mode). InvalidArgument naming the op: a rank other than 3 or 4, a
// non-positive kernel size, stride or dilation, padding negative or more
// than half the kernel, an input smaller than the window.
absl::StatusOr<PoolWindow> PoolWindowOf(const OpCall& call, const Tensor& self, bool dilation);

// InvalidArgument unless `grad` has the pooling output's shape over `self`
// and self's dtype.
absl::Status CheckPoolGradOutput(const OpCall& call, const Tensor& grad, const Tensor& self, const PoolWindow& w);

// adaptive_avg_pool2d's output_size as (oh, ow); InvalidArgument unless
// both are positive.
absl::StatusOr<std::pair<int64_t, int64_t>> AdaptiveOutputSize(const OpCall& call);

// InvalidArgument unless `grad` is a non-empty adaptive pooling output of
// `self`: self's rank, dtype and leading sizes.
absl::Status CheckAdaptiveGradOutput(const OpCall& call, const Tensor& grad, const Tensor& self);

}  // namespace aot::backends

#endif  // AOT_BACKENDS_COMMON_POOL_GEOMETRY_H_
