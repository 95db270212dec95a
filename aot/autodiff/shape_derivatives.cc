// Derivative rules of the shape and view ops and of the indexing ops
// (index_select, gather, scatter_add, index_add).
//
// A view's gradient is the inverse movement of the incoming gradient; ops
// that drop elements (slice, select) place the gradient into zeros with
// their backward ops. Multi-result ops (split, chunk) treat a missing result
// gradient as zeros.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/internal/rule_helpers.h"
#include "aot/base/status_macros.h"
#include "aot/ir/attr.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"

namespace aot::autodiff {
namespace {

using internal::CastLike;
using internal::Finish;
using internal::MulScalar;
using internal::NormalizeDim;
using internal::ToVector;
using internal::Wants;

// A rule for a single-input op with one result whose gradient is
// `formula(ctx)` (which may fail).
template <typename F>
DerivativeFn SelfOnly(F formula) {
  return [formula](const GradContext& ctx) -> GradResult {
    Grads grads(ctx.num_operands());
    if (!ctx.has_grad(0) || !Wants(ctx, 0)) return grads;
    absl::StatusOr<Tensor> g = formula(ctx);
    if (!g.ok()) return g.status();
    grads[0] = CastLike(*g, ctx.input(0));
    return Finish(ctx, std::move(grads));
  };
}

// Returns zeros of `sizes` with `like`'s dtype and device. A creation op
// (attributes only), so the traced graph does not keep `like` alive.
Tensor ZerosOf(std::vector<int64_t> sizes, const Tensor& like) {
  return zeros(std::move(sizes), TensorOptions{like.dtype(), like.device(), /*requires_grad=*/false});
}

// --- Views ------------------------------------------------------------------------

absl::StatusOr<Tensor> ReshapeBack(const GradContext& ctx) {
  return ctx.grad(0).reshape(ToVector(ctx.input(0).sizes()));
}
AOT_REGISTER_DERIVATIVE(kReshape, SelfOnly(ReshapeBack));
AOT_REGISTER_DERIVATIVE(kView, SelfOnly(ReshapeBack));

AOT_REGISTER_DERIVATIVE(kPermute, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          const std::vector<int64_t>& dims = ctx.attr("dims").ints();
                          const int rank = ctx.input(0).dim();
                          std::vector<int64_t> inverse(dims.size(), 0);
                          for (size_t i = 0; i < dims.size(); ++i) {
                            AOT_ASSIGN_OR_RETURN(int64_t d, NormalizeDim(ctx.op(), dims[i], rank));
                            if (d >= static_cast<int64_t>(inverse.size())) {
                              return absl::InvalidArgumentError(
                                  absl::StrCat("derivative of ", ctx.op().name(), ": dims do not match rank ", rank));
                            }
                            inverse[d] = static_cast<int64_t>(i);
                          }
                          return ctx.grad(0).permute(inverse);
                        }));

AOT_REGISTER_DERIVATIVE(kTranspose, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          return ctx.grad(0).transpose(ctx.attr("dim0").i(), ctx.attr("dim1").i());
                        }));

AOT_REGISTER_DERIVATIVE(kExpand, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          return SumToSize(ctx.grad(0), ctx.input(0).sizes());
                        }));

// squeeze: unsqueeze the dropped (size-1) dimensions back, in ascending
// order.
AOT_REGISTER_DERIVATIVE(kSqueeze, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          const Tensor& input = ctx.input(0);
                          const int rank = input.dim();
                          std::vector<bool> dropped(rank, false);
                          const ir::AttrValue& dim = ctx.attr("dim");
                          if (dim.is_none()) {
                            for (int d = 0; d < rank; ++d) dropped[d] = input.size(d) == 1;
                          } else {
                            for (int64_t x : dim.ints()) {
                              AOT_ASSIGN_OR_RETURN(int64_t d, NormalizeDim(ctx.op(), x, rank));
                              if (rank > 0) dropped[d] = input.size(static_cast<int>(d)) == 1;
                            }
                          }
                          Tensor g = ctx.grad(0);
                          for (int d = 0; d < rank; ++d) {
                            if (dropped[d]) g = g.unsqueeze(d);
                          }
                          return g;
                        }));

AOT_REGISTER_DERIVATIVE(kUnsqueeze, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          AOT_ASSIGN_OR_RETURN(int64_t d,
                                               NormalizeDim(ctx.op(), ctx.attr("dim").i(), ctx.input(0).dim() + 1));
                          return ctx.grad(0).squeeze({d});
                        }));

// slice: start and end normalized as the shape rule does (negative counts
// from the end, clamped to [0, size]).
AOT_REGISTER_DERIVATIVE(kSlice, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          const Tensor& input = ctx.input(0);
                          if (input.dim() == 0) {
                            return absl::InvalidArgumentError(
                                absl::StrCat("derivative of ", ctx.op().name(), ": cannot slice a scalar"));
                          }
                          AOT_ASSIGN_OR_RETURN(int64_t d, NormalizeDim(ctx.op(), ctx.attr("dim").i(), input.dim()));
                          const int64_t size = input.size(static_cast<int>(d));
                          auto clamp = [size](const ir::AttrValue& v, int64_t dflt) {
                            if (v.is_none()) return dflt;
                            int64_t x = v.i();
                            if (x < 0) x += size;
                            return std::clamp<int64_t>(x, 0, size);
                          };
                          const int64_t start = clamp(ctx.attr("start"), 0);
                          const int64_t end = clamp(ctx.attr("end"), size);
                          return CallOp1(OpKind::kSliceBackward, {ctx.grad(0)},
                                         {{"input_sizes", ToVector(input.sizes())},
                                          {"dim", d},
                                          {"start", start},
                                          {"end", std::max(start, end)},
                                          {"step", ctx.attr("step").i()}});
                        }));

AOT_REGISTER_DERIVATIVE(kSelect, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          const Tensor& input = ctx.input(0);
                          if (input.dim() == 0) {
                            return absl::InvalidArgumentError(
                                absl::StrCat("derivative of ", ctx.op().name(), ": cannot select from a scalar"));
                          }
                          AOT_ASSIGN_OR_RETURN(int64_t d, NormalizeDim(ctx.op(), ctx.attr("dim").i(), input.dim()));
                          int64_t index = ctx.attr("index").i();
                          if (index < 0) index += input.size(static_cast<int>(d));
                          return CallOp1(OpKind::kSelectBackward, {ctx.grad(0)},
                                         {{"input_sizes", ToVector(input.sizes())}, {"dim", d}, {"index", index}});
                        }));

// split/chunk: concatenates the pieces' gradients, zeros for the missing
// ones; undefined when none flows.
GradResult SplitBackward(const GradContext& ctx) {
  Grads grads(ctx.num_operands());
  if (!Wants(ctx, 0)) return grads;
  const Tensor* first = nullptr;
  for (int i = 0; i < ctx.num_outputs(); ++i) {
    if (ctx.has_grad(i)) {
      first = &ctx.grad(i);
      break;
    }
  }
  if (first == nullptr) return grads;
  const Tensor& input = ctx.input(0);
  AOT_ASSIGN_OR_RETURN(int64_t d, NormalizeDim(ctx.op(), ctx.attr("dim").i(), input.dim()));
  Tensor g;
  if (ctx.num_outputs() == 1) {
    g = *first;
  } else {
    std::vector<Tensor> pieces;
    pieces.reserve(ctx.num_outputs());
    for (int i = 0; i < ctx.num_outputs(); ++i) {
      pieces.push_back(ctx.has_grad(i) ? ctx.grad(i) : ZerosOf(ToVector(ctx.output(i).sizes()), *first));
    }
    g = cat(pieces, d);
  }
  grads[0] = CastLike(g, input);
  return Finish(ctx, std::move(grads));
}
AOT_REGISTER_DERIVATIVE(kSplit, SplitBackward);
AOT_REGISTER_DERIVATIVE(kChunk, SplitBackward);

// --- Concatenation ------------------------------------------------------------------

AOT_REGISTER_DERIVATIVE(kCat, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || ctx.num_operands() == 0) return grads;
  AOT_ASSIGN_OR_RETURN(int64_t d, NormalizeDim(ctx.op(), ctx.attr("dim").i(), ctx.operand(0).dim()));
  int64_t offset = 0;
  for (int i = 0; i < ctx.num_operands(); ++i) {
    const Tensor& t = ctx.operand(i);
    const int64_t n = t.size(static_cast<int>(d));
    if (Wants(ctx, i)) {
      Tensor piece = ctx.grad(0).slice(d, offset, offset + n);
      grads[i] = CastLike(piece, t);
    }
    offset += n;
  }
  return Finish(ctx, std::move(grads));
});

AOT_REGISTER_DERIVATIVE(kStack, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0) || ctx.num_operands() == 0) return grads;
  AOT_ASSIGN_OR_RETURN(int64_t d, NormalizeDim(ctx.op(), ctx.attr("dim").i(), ctx.operand(0).dim() + 1));
  for (int i = 0; i < ctx.num_operands(); ++i) {
    if (!Wants(ctx, i)) continue;
    Tensor piece = ctx.grad(0).select(d, i);
    grads[i] = CastLike(piece, ctx.operand(i));
  }
  return Finish(ctx, std::move(grads));
});

AOT_REGISTER_DERIVATIVE(kTriu, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          return triu(ctx.grad(0), ctx.attr("diagonal").i());
                        }));
AOT_REGISTER_DERIVATIVE(kTril, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          return tril(ctx.grad(0), ctx.attr("diagonal").i());
                        }));

// --- Indexing ------------------------------------------------------------------------

// index_select(self, dim, index): the gradient is added back at the selected
// rows (repeated indices accumulate).
AOT_REGISTER_DERIVATIVE(kIndexSelect, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          Tensor zero = ZerosOf(ToVector(ctx.input(0).sizes()), ctx.grad(0));
                          return index_add(zero, ctx.attr("dim").i(), ctx.input(1), ctx.grad(0));
                        }));

// gather(self, dim, index): the gradient is scattered back (repeated indices
// accumulate).
AOT_REGISTER_DERIVATIVE(kGather, SelfOnly([](const GradContext& ctx) -> absl::StatusOr<Tensor> {
                          Tensor zero = ZerosOf(ToVector(ctx.input(0).sizes()), ctx.grad(0));
                          return scatter_add(zero, ctx.attr("dim").i(), ctx.input(1), ctx.grad(0));
                        }));

// scatter_add(self, dim, index, src): self gets the gradient, src the
// gradient at the positions it was added to. Elements of src beyond index's
// extent are not read and get zeros.
AOT_REGISTER_DERIVATIVE(kScatterAdd, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  if (Wants(ctx, 0)) grads[0] = CastLike(g, ctx.input(0));
  if (Wants(ctx, 2)) {
    const Tensor& index = ctx.input(1);
    const Tensor& src = ctx.input(2);
    Tensor gathered = gather(g, ctx.attr("dim").i(), index);
    if (index.sizes() != src.sizes()) {
      if (index.dim() != src.dim()) {
        return absl::InvalidArgumentError(absl::StrCat("derivative of ", ctx.op().name(), ": index rank ", index.dim(),
                                                       " differs from src rank ", src.dim()));
      }
      // Pads `gathered` with zeros up to src's shape, one dimension at a time.
      std::vector<int64_t> sizes = ToVector(index.sizes());
      for (int d = 0; d < src.dim(); ++d) {
        if (sizes[d] == src.size(d)) continue;
        const int64_t extent = sizes[d];
        sizes[d] = src.size(d);
        gathered = CallOp1(OpKind::kSliceBackward, {gathered},
                           {{"input_sizes", sizes},
                            {"dim", int64_t{d}},
                            {"start", int64_t{0}},
                            {"end", extent},
                            {"step", int64_t{1}}});
      }
    }
    grads[2] = CastLike(gathered, src);
  }
  return Finish(ctx, std::move(grads));
});

// index_add(self, dim, index, source, alpha): self gets the gradient, source
// alpha times the gradient at the rows it was added to.
AOT_REGISTER_DERIVATIVE(kIndexAdd, [](const GradContext& ctx) -> GradResult {
  Grads grads(ctx.num_operands());
  if (!ctx.has_grad(0)) return grads;
  const Tensor& g = ctx.grad(0);
  if (Wants(ctx, 0)) grads[0] = CastLike(g, ctx.input(0));
  if (Wants(ctx, 2)) {
    const Tensor& source = ctx.input(2);
    Tensor selected = index_select(g, ctx.attr("dim").i(), ctx.input(1));
    if (selected.ok() && selected.sizes() != source.sizes()) {
      selected = selected.reshape(ToVector(source.sizes()));
    }
    Tensor scaled = MulScalar(selected, ctx.attr("alpha"));
    grads[2] = CastLike(scaled, source);
  }
  return Finish(ctx, std::move(grads));
});

}  // namespace
}  // namespace aot::autodiff
