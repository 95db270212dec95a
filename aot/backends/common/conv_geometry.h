// The shape arithmetic and argument checks of 2-D convolution (and the
// pooling output size) that every backend shares: reading stride/padding/dilation/groups from an OpCall,
// checking them against the input and weight sizes, and the output size
// (PyTorch's floor mode).
#ifndef AOT_BACKENDS_COMMON_CONV_GEOMETRY_H_
#define AOT_BACKENDS_COMMON_CONV_GEOMETRY_H_

#include <cstdint>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/tensor.h"

namespace aot::backends {

// Everything that determines a convolution's shapes.
struct ConvGeometry {
  int64_t n = 0, c = 0, h = 0, w = 0;  // Input.
  int64_t oc = 0, kh = 0, kw = 0;      // Weight: [oc, c / groups, kh, kw].
  int64_t oh = 0, ow = 0;              // Output.
  int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;

  int64_t cg() const { return c / groups; }    // Input channels per group.
  int64_t ocg() const { return oc / groups; }  // Output channels per group.
  int64_t kdim() const { return cg() * kh * kw; }
  int64_t opix() const { return oh * ow; }
  auto Key() const { return std::make_tuple(n, c, h, w, oc, kh, kw, sh, sw, ph, pw, dh, dw, groups); }
};

// The output size along one dimension (floor mode; 0 if the kernel does not
// fit).
int64_t ConvOutSize(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d);

// An int[] attribute of one or two elements as a pair (empty: `if_empty`);
// InvalidArgument naming the op otherwise.
absl::StatusOr<std::pair<int64_t, int64_t>> AttrPair(const OpCall& call, const char* name,
                                                     std::pair<int64_t, int64_t> if_empty);
inline absl::StatusOr<std::pair<int64_t, int64_t>> AttrPair(const OpCall& call, const char* name, int64_t dflt) {
  return AttrPair(call, name, std::make_pair(dflt, dflt));
}

// PyTorch's pooling output size along one dimension: floor or ceil mode,
// where the last window must start inside the input or the left padding.
int64_t PoolOutputSize(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode);

// Reads stride, padding, dilation and groups of `call` and checks them with
// `input` (NCHW) and `weight` (OIHW) sizes; computes the output size.
// InvalidArgument naming the op and the mismatch.
absl::StatusOr<ConvGeometry> ConvGeometryOf(const OpCall& call, absl::Span<const int64_t> input,
                                            absl::Span<const int64_t> weight);

// The geometry of conv2d_backward_input (operands grad, weight; attribute
// input_size) and of conv2d_backward_weight (operands grad, input;
// attribute weight_size), with their operands checked: a floating pair,
// the sizes as in ConvGeometryOf, grad of the output's shape.
absl::StatusOr<ConvGeometry> ConvBackwardInputGeometry(const OpCall& call);
absl::StatusOr<ConvGeometry> ConvBackwardWeightGeometry(const OpCall& call);

// InvalidArgument unless `grad` has the convolution's output shape.
absl::Status CheckConvGradOutput(const OpCall& call, const Tensor& grad, const ConvGeometry& g);

// InvalidArgument unless `a` and `b` share one floating dtype.
absl::Status CheckFloatPair(const OpCall& call, const Tensor& a, const Tensor& b);

}  // namespace aot::backends

#endif  // AOT_BACKENDS_COMMON_CONV_GEOMETRY_H_
