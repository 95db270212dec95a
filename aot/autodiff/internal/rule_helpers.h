// Helpers shared by the basic derivative rules (elementwise, reduction,
// shape, linear algebra). Header-only and private to :basic_derivatives.
//
// Like the rules, these only dispatch ops and read metadata, never tensor
// data, so they run eagerly and under the tracer alike.
#ifndef AOT_AUTODIFF_INTERNAL_RULE_HELPERS_H_
#define AOT_AUTODIFF_INTERNAL_RULE_HELPERS_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "aot/autodiff/derivatives.h"
#include "aot/ir/attr.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff::internal {

// True if flattened operand `i` needs a gradient and can carry one
// (floating point).
inline bool Wants(const GradContext& ctx, int i) {
  return ctx.needs_grad(i) && ctx.operand(i).defined() && ir::IsFloating(ctx.operand(i).dtype());
}

// True if any result has a gradient flowing into it.
inline bool AnyGrad(const GradContext& ctx) {
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    if (ctx.has_grad(i)) return true;
  }
  return false;
}

// Returns `t` converted to the dtype and device of `like` (no op when they
// already match).
inline Tensor CastLike(const Tensor& t, const Tensor& like) {
  if (!t.ok() || (t.dtype() == like.dtype() && t.device() == like.device())) return t;
  ir::AttrList attrs;
  if (t.dtype() != like.dtype()) attrs.emplace_back("dtype", like.dtype());
  if (t.device() != like.device()) attrs.emplace_back("device", like.device());
  return CallOp1(OpKind::kToCopy, {t}, attrs);
}

// Sums a broadcast gradient back to `operand`'s shape and casts it to the
// operand's dtype and device.
inline Tensor ReduceToOperand(const Tensor& grad, const Tensor& operand) {
  Tensor summed = SumToSize(grad, operand.sizes());
  return CastLike(summed, operand);
}

// Returns `t * scalar` with the scalar attribute kept as given (int, float);
// `t` itself when the scalar is 1.
inline Tensor MulScalar(const Tensor& t, const ir::AttrValue& scalar) {
  if (scalar.scalar() == 1) return t;
  return CallOp1(OpKind::kMulScalar, {t}, {{"other", scalar}});
}

// Returns -scalar, keeping int scalars int.
inline ir::AttrValue NegateScalar(const ir::AttrValue& scalar) {
  if (scalar.is_int()) return ir::AttrValue(-scalar.i());
  return ir::AttrValue(-scalar.scalar());
}

// Returns `t` with the elements where `mask` is true set to zero.
inline Tensor ZeroWhere(const Tensor& t, const Tensor& mask) {
  return CallOp1(OpKind::kMaskedFill, {t, mask}, {{"value", 0.0}});
}

// Returns dims normalized to [0, rank) and sorted; empty `dims` means every
// dimension. A rank-0 tensor has no dimension to restore, so the result is
// empty. InvalidArgument naming `op` for a dim out of range.
inline absl::StatusOr<std::vector<int64_t>> NormalizeReduceDims(const ir::OpDef& op, std::vector<int64_t> dims,
                                                                int rank) {
  if (rank == 0) return std::vector<int64_t>{};
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int d = 0; d < rank; ++d) out.push_back(d);
    return out;
  }
  for (int64_t d : dims) {
    if (d < -rank || d >= rank) {
      return absl::InvalidArgumentError(
          absl::StrCat("derivative of ", op.name(), ": dim ", d, " is out of range for rank ", rank));
    }
    out.push_back(d < 0 ? d + rank : d);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Normalizes one dim against `rank` (a rank-0 tensor accepts 0 and -1).
inline absl::StatusOr<int64_t> NormalizeDim(const ir::OpDef& op, int64_t dim, int rank) {
  const int r = std::max(rank, 1);
  if (dim < -r || dim >= r) {
    return absl::InvalidArgumentError(
        absl::StrCat("derivative of ", op.name(), ": dim ", dim, " is out of range for rank ", rank));
  }
  return dim < 0 ? dim + r : dim;
}

// Gives back the dimensions a reduction without keepdim removed (size 1), so
// that the result broadcasts against the input. `dims` as from
// NormalizeReduceDims.
inline Tensor RestoreReducedDims(const Tensor& t, absl::Span<const int64_t> dims, bool keepdim) {
  if (keepdim) return t;
  Tensor out = t;
  for (int64_t d : dims) out = out.unsqueeze(d);
  return out;
}

inline std::vector<int64_t> ToVector(absl::Span<const int64_t> s) { return std::vector<int64_t>(s.begin(), s.end()); }

// Checks the rule's gradients: one per flattened operand, none an error
// tensor (a failed op inside the rule becomes the returned status, prefixed
// with the op being differentiated).
inline GradResult Finish(const GradContext& ctx, Grads grads) {
  if (static_cast<int>(grads.size()) != ctx.num_operands()) {
    return absl::InternalError(absl::StrCat("derivative of ", ctx.op().name(), " returned ", grads.size(),
                                            " gradients for ", ctx.num_operands(), " operands"));
  }
  for (const Tensor& g : grads) {
    if (g.defined() && !g.ok()) {
      const absl::Status& s = g.status();
      return absl::Status(s.code(), absl::StrCat("derivative of ", ctx.op().name(), ": ", s.message()));
    }
  }
  return grads;
}

// The error for a case a rule does not handle.
inline absl::Status UnsupportedDerivative(const GradContext& ctx, absl::string_view what) {
  return absl::UnimplementedError(absl::StrCat("derivative of ", ctx.op().name(), ": ", what, " is not supported"));
}

}  // namespace aot::autodiff::internal

#endif  // AOT_AUTODIFF_INTERNAL_RULE_HELPERS_H_
