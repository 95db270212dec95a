#include "aot/backends/common/conv_geometry.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/status_macros.h"

namespace aot::backends {

int64_t ConvOutSize(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) {
  int64_t numer = in + 2 * p - d * (k - 1) - 1;
  return numer < 0 ? 0 : numer / s + 1;
}

int64_t PoolOutputSize(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t numer = in + 2 * p - d * (k - 1) - 1;
  if (ceil_mode) numer += s - 1;
  int64_t out = (numer >= 0 ? numer / s : -((-numer + s - 1) / s)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

absl::StatusOr<std::pair<int64_t, int64_t>> AttrPair(const OpCall& call, const char* name,
                                                     std::pair<int64_t, int64_t> if_empty) {
  const std::vector<int64_t>& v = call.attr(name).ints();
  if (v.empty()) return if_empty;
  if (v.size() == 1) return std::make_pair(v[0], v[0]);
  if (v.size() == 2) return std::make_pair(v[0], v[1]);
  return absl::InvalidArgumentError(
      absl::StrCat(call.op->name(), ": '", name, "' must have 1 or 2 elements, got [", absl::StrJoin(v, ","), "]"));
}

absl::StatusOr<ConvGeometry> ConvGeometryOf(const OpCall& call, absl::Span<const int64_t> input,
                                            absl::Span<const int64_t> weight) {
  const std::string& op = call.op->name();
  if (input.size() != 4 || weight.size() != 4) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": input [", absl::StrJoin(input, ","), "] and weight [",
                                                   absl::StrJoin(weight, ","), "] must have 4 dimensions"));
  }
  ConvGeometry g;
  g.n = input[0], g.c = input[1], g.h = input[2], g.w = input[3];
  g.oc = weight[0], g.kh = weight[2], g.kw = weight[3];
  AOT_ASSIGN_OR_RETURN(auto stride, AttrPair(call, "stride", 1));
  AOT_ASSIGN_OR_RETURN(auto pad, AttrPair(call, "padding", 0));
  AOT_ASSIGN_OR_RETURN(auto dil, AttrPair(call, "dilation", 1));
  std::tie(g.sh, g.sw) = stride;
  std::tie(g.ph, g.pw) = pad;
  std::tie(g.dh, g.dw) = dil;
  g.groups = call.attr("groups").i();
  for (int64_t s : input) {
    if (s < 0) return absl::InvalidArgumentError(absl::StrCat(op, ": negative size in [", absl::StrJoin(input, ","), "]"));
  }
  for (int64_t s : weight) {
    if (s < 0) return absl::InvalidArgumentError(absl::StrCat(op, ": negative size in [", absl::StrJoin(weight, ","), "]"));
  }
  if (g.sh <= 0 || g.sw <= 0 || g.dh <= 0 || g.dw <= 0 || g.ph < 0 || g.pw < 0) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": stride and dilation must be positive, padding non-negative"));
  }
  if (g.groups <= 0 || g.c % g.groups != 0 || g.oc % g.groups != 0 || weight[1] * g.groups != g.c) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": input with ", g.c, " channels and weight [",
                                                   absl::StrJoin(weight, ","), "] do not match groups=", g.groups));
  }
  g.oh = ConvOutSize(g.h, g.kh, g.sh, g.ph, g.dh);
  g.ow = ConvOutSize(g.w, g.kw, g.sw, g.pw, g.dw);
  if (g.oh <= 0 || g.ow <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(op, ": kernel [", absl::StrJoin(weight, ","),
                                                   "] is larger than the padded input [", absl::StrJoin(input, ","),
                                                   "]"));
  }
  return g;
}

absl::Status CheckConvGradOutput(const OpCall& call, const Tensor& grad, const ConvGeometry& g) {
  std::vector<int64_t> want = {g.n, g.oc, g.oh, g.ow};
  if (std::vector<int64_t>(grad.sizes().begin(), grad.sizes().end()) != want) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": grad_output ", grad.meta().ToString(),
                                                   " must have the convolution's output shape [",
                                                   absl::StrJoin(want, ","), "]"));
  }
  return absl::OkStatus();
}

absl::Status CheckFloatPair(const OpCall& call, const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || !ir::IsFloating(a.dtype())) {
    return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": expected two tensors of one floating dtype, got ",
                                                   a.meta().ToString(), " and ", b.meta().ToString()));
  }
  return absl::OkStatus();
}

absl::StatusOr<ConvGeometry> ConvBackwardInputGeometry(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& weight = call.input(1);
  AOT_RETURN_IF_ERROR(CheckFloatPair(call, grad, weight));
  AOT_ASSIGN_OR_RETURN(ConvGeometry g, ConvGeometryOf(call, call.attr("input_size").ints(), weight.sizes()));
  AOT_RETURN_IF_ERROR(CheckConvGradOutput(call, grad, g));
  return g;
}

absl::StatusOr<ConvGeometry> ConvBackwardWeightGeometry(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& input = call.input(1);
  AOT_RETURN_IF_ERROR(CheckFloatPair(call, grad, input));
  AOT_ASSIGN_OR_RETURN(ConvGeometry g, ConvGeometryOf(call, input.sizes(), call.attr("weight_size").ints()));
  AOT_RETURN_IF_ERROR(CheckConvGradOutput(call, grad, g));
  return g;
}

}  // namespace aot::backends
