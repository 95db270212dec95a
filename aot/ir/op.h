// The op set: every op `aot` knows, declared once in op_list.h with its
// schema, flags and shape/dtype rule.
//
//   const OpDef& add = GetOpDef(OpKind::kAdd);
//   add.schema().ToString();   // "add(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor"
//   add.is_elementwise();      // true
//   const OpDef* op = FindOp("mul.Scalar");
//
// Kernels, derivative rules and decompositions are per-op tables indexed by
// OpKind; each is static_asserted against kNumOps so a new op cannot be
// forgotten silently.
#ifndef AOT_IR_OP_H_
#define AOT_IR_OP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "aot/ir/attr.h"
#include "aot/ir/op_list.h"
#include "aot/ir/op_schema.h"
#include "aot/ir/shape.h"

namespace aot::ir {

enum class OpKind : uint16_t {
#define AOT_OP_ENUM_(Name, schema, flags, rule) k##Name,
  AOT_FOR_EACH_OP(AOT_OP_ENUM_)
#undef AOT_OP_ENUM_
};

inline constexpr int kNumOps = 0
#define AOT_OP_COUNT_(Name, schema, flags, rule) +1
    AOT_FOR_EACH_OP(AOT_OP_COUNT_)
#undef AOT_OP_COUNT_
    ;

// Properties the rest of the system asks about an op.
enum OpFlag : uint32_t {
  kNoFlags = 0,
  kElementwise = 1 << 0,       // Output element i depends on input element i only.
  kReduction = 1 << 1,         // Reduces dimensions.
  kView = 1 << 2,              // A result aliases an input (from the schema).
  kInplace = 1 << 3,           // Writes an input (from the schema).
  kRandom = 1 << 4,            // Draws random numbers.
  kComputeIntensive = 1 << 5,  // Matmul, conv: never worth recomputing.
  kCreation = 1 << 6,          // Makes a tensor from attributes only.
  kNonDifferentiable = 1 << 7, // Integer/bool results or piecewise constant.
  kBackward = 1 << 8,          // Exists to express derivatives of other ops.
  kShapeOnly = 1 << 9,         // Moves or reshapes data, computes nothing.
};

class ShapeContext;
// Computes the result metadata of a node from its operands and attributes,
// or returns InvalidArgument naming the op and the mismatch.
using ShapeFn = absl::StatusOr<std::vector<TensorMeta>> (*)(const ShapeContext& ctx);

// One op: its schema, flags and shape rule. Immutable, one per OpKind.
class OpDef {
 public:
  OpDef(OpKind kind, OpSchema schema, uint32_t flags, ShapeFn shape_fn);

  OpKind kind() const { return kind_; }
  const OpSchema& schema() const { return schema_; }
  // "add", "mul.Scalar": the name printed in graphs.
  const std::string& name() const { return schema_.full_name(); }
  uint32_t flags() const { return flags_; }
  bool has(OpFlag f) const { return (flags_ & f) != 0; }
  bool is_elementwise() const { return has(kElementwise); }
  bool is_reduction() const { return has(kReduction); }
  bool is_view() const { return has(kView); }
  bool is_inplace() const { return has(kInplace); }
  bool is_random() const { return has(kRandom); }
  bool is_compute_intensive() const { return has(kComputeIntensive); }
  ShapeFn shape_fn() const { return shape_fn_; }

  // For an in-place op (add_), its functional form (add); for a functional op,
  // its in-place form if one exists. Found by the trailing '_' of the name.
  const OpDef* functional_form() const { return functional_; }
  const OpDef* inplace_form() const { return inplace_; }

 private:
  friend class OpRegistry;
  OpKind kind_;
  OpSchema schema_;
  uint32_t flags_;
  ShapeFn shape_fn_;
  const OpDef* functional_ = nullptr;
  const OpDef* inplace_ = nullptr;
};

// Returns the definition of `kind`.
const OpDef& GetOpDef(OpKind kind);
// Returns the op named `name` ("add", "mul.Scalar"), or nullptr.
const OpDef* FindOp(absl::string_view name);
// Returns every op, in OpKind order.
absl::Span<const OpDef* const> AllOps();

// Named attributes given to a node or an op call; names not given take the
// schema's default.
using AttrList = std::vector<std::pair<std::string, AttrValue>>;

// Resolves `attrs` against `op`'s schema into one value per attribute, in
// attr_args() order: defaults filled in, ints given for float attributes
// converted. InvalidArgument for an unknown, repeated, missing or ill-typed
// attribute, naming the op and the attribute.
absl::Status ResolveAttrs(const OpDef& op, const AttrList& attrs, std::vector<AttrValue>* out);

// Checks `value` against attribute `index` (in attr_args() order) of `op`,
// converting an int given for a float attribute. InvalidArgument names the
// op, the attribute, the expected type and the value.
absl::Status CheckAttrValue(const OpDef& op, int index, AttrValue* value);

// What a shape rule sees: the node's operand metadata grouped by the schema's
// tensor arguments, and its attributes (defaults filled in).
class ShapeContext {
 public:
  // `operands` holds the operand metadata flattened over the schema's tensor
  // arguments: argument i has `group_sizes[i]` of them (one; none for an
  // absent optional; any number for a list). `attrs` follows attr_args().
  ShapeContext(const OpDef& op, absl::Span<const TensorMeta* const> operands, absl::Span<const int> group_sizes,
               absl::Span<const AttrValue> attrs)
      : op_(op), operands_(operands), attrs_(attrs) {
    starts_.reserve(group_sizes.size() + 1);
    int start = 0;
    for (int n : group_sizes) {
      starts_.push_back(start);
      start += n;
    }
    starts_.push_back(start);
  }

  const OpDef& op() const { return op_; }
  // The single operand of tensor argument `i` (schema tensor-argument order).
  const TensorMeta& input(int i) const { return *operands_[starts_[i]]; }
  // The operand of optional tensor argument `i`, or nullptr if absent.
  const TensorMeta* optional_input(int i) const {
    return starts_[i + 1] == starts_[i] ? nullptr : operands_[starts_[i]];
  }
  absl::Span<const TensorMeta* const> input_list(int i) const {
    return operands_.subspan(starts_[i], starts_[i + 1] - starts_[i]);
  }
  int num_groups() const { return static_cast<int>(starts_.size()) - 1; }

  // Attribute `name` (AOT_CHECKs that the schema has it).
  const AttrValue& attr(absl::string_view name) const;
  int64_t Int(absl::string_view name) const { return attr(name).i(); }
  double Float(absl::string_view name) const { return attr(name).f(); }
  bool Bool(absl::string_view name) const { return attr(name).b(); }
  const std::vector<int64_t>& Ints(absl::string_view name) const { return attr(name).ints(); }
  std::optional<DType> OptionalDType(absl::string_view name) const;

  // Returns InvalidArgument "OP: MESSAGE".
  absl::Status Error(absl::string_view message) const;

 private:
  const OpDef& op_;
  absl::Span<const TensorMeta* const> operands_;
  // Group i's operands are operands_[starts_[i], starts_[i + 1]).
  absl::InlinedVector<int, 8> starts_;
  absl::Span<const AttrValue> attrs_;
};

}  // namespace aot::ir

#endif  // AOT_IR_OP_H_
