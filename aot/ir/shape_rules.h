// Shape and dtype rules of the op set (see op_list.h). Each computes the
// result metadata of one node or returns InvalidArgument naming the op, the
// operand and both sides of the mismatch.
#ifndef AOT_IR_SHAPE_RULES_H_
#define AOT_IR_SHAPE_RULES_H_

#include <vector>

#include "absl/status/statusor.h"
#include "aot/ir/op.h"

namespace aot::ir::rules {

#define AOT_DECLARE_RULE_(Name, schema, flags, rule) \
  absl::StatusOr<std::vector<TensorMeta>> rule(const ShapeContext& ctx);
AOT_FOR_EACH_OP(AOT_DECLARE_RULE_)
#undef AOT_DECLARE_RULE_

// Returns the broadcast of two shapes (NumPy rules; equal symbols broadcast,
// a symbol against 1 gives the symbol), or InvalidArgument naming both.
absl::StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b);

// Returns `dim` wrapped into [0, rank) (negative counts from the end), or
// InvalidArgument naming the op.
absl::StatusOr<int> NormalizeDim(const ShapeContext& ctx, int64_t dim, int rank);

}  // namespace aot::ir::rules

#endif  // AOT_IR_SHAPE_RULES_H_
