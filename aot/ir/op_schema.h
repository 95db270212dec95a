// Op schemas: the typed signature of an op, parsed from PyTorch-style text.
//
//   add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor
//   max_pool2d_with_indices(Tensor self, int[] kernel_size, ...) -> (Tensor, Tensor)
//   add_.Tensor(Tensor(a!) self, Tensor other) -> Tensor(a!)
//
// Tensor arguments become a node's operands, in schema order; every other
// argument becomes an attribute. `Tensor?` is an optional operand, `Tensor[]`
// a variadic list. `(a!)` marks an argument the op writes to and `(a)` one its
// result aliases (a view).
#ifndef AOT_IR_OP_SCHEMA_H_
#define AOT_IR_OP_SCHEMA_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/attr.h"

namespace aot::ir {

struct SchemaArg {
  enum class Kind : uint8_t { kTensor, kOptionalTensor, kTensorList, kAttr };

  std::string name;
  Kind kind = Kind::kTensor;
  AttrType attr_type = AttrType::kInt;  // For kAttr.
  bool optional = false;                // For kAttr: accepts None.
  std::optional<AttrValue> default_value;
  bool keyword_only = false;
  bool mutated = false;  // `Tensor(a!)`
  char alias_set = 0;    // 'a' in `Tensor(a)` / `Tensor(a!)`, 0 if none.

  bool is_tensor() const { return kind != Kind::kAttr; }
};

struct SchemaResult {
  std::string name;    // Optional result name.
  char alias_set = 0;  // The result aliases the argument with this set.
  bool mutated = false;
};

class OpSchema {
 public:
  // Parses schema text; the error names the position and what was expected.
  static absl::StatusOr<OpSchema> Parse(absl::string_view text);

  const std::string& name() const { return name_; }
  const std::string& overload() const { return overload_; }
  // "name" or "name.overload".
  const std::string& full_name() const { return full_name_; }

  const std::vector<SchemaArg>& args() const { return args_; }
  // The declared results. When variadic_results() (`-> Tensor[]`), results()
  // holds one entry and the shape rule decides how many a node has.
  const std::vector<SchemaResult>& results() const { return results_; }
  int num_results() const { return static_cast<int>(results_.size()); }
  bool variadic_results() const { return variadic_results_; }

  // Indices into args() of the tensor arguments (operand groups) and of the
  // attributes, in schema order.
  const std::vector<int>& tensor_args() const { return tensor_args_; }
  const std::vector<int>& attr_args() const { return attr_args_; }
  int num_attrs() const { return static_cast<int>(attr_args_.size()); }
  // Returns the position of attribute `name` among attr_args(), or -1.
  int AttrIndex(absl::string_view name) const;
  // Returns the position of tensor argument `name` among tensor_args(), or -1.
  int TensorArgIndex(absl::string_view name) const;
  // Returns true if any argument is written to (an in-place op).
  bool mutates() const;
  // Returns true if a result aliases an argument (a view op).
  bool is_alias() const;

  // The text form, normalised (as Parse reads it).
  std::string ToString() const;

 private:
  std::string name_, overload_, full_name_;
  std::vector<SchemaArg> args_;
  std::vector<SchemaResult> results_;
  bool variadic_results_ = false;
  std::vector<int> tensor_args_, attr_args_;
};

}  // namespace aot::ir

#endif  // AOT_IR_OP_SCHEMA_H_
