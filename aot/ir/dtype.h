// Element types of tensors.
#ifndef AOT_IR_DTYPE_H_
#define AOT_IR_DTYPE_H_

#include <cstdint>
#include <optional>
#include <ostream>

#include "absl/strings/string_view.h"

namespace aot::ir {

// The element type of a tensor. The order is the serialized order: append
// only.
enum class DType : uint8_t {
  kFloat32,
  kFloat64,
  kFloat16,
  kBFloat16,
  kInt32,
  kInt64,
  kBool,
  kUInt8,
};

inline constexpr int kNumDTypes = 8;

// Returns the short name used in printed graphs: "f32", "f64", "f16", "bf16",
// "i32", "i64", "bool", "u8".
absl::string_view DTypeName(DType dtype);

// Parses a short name (as DTypeName prints it) or the long PyTorch-style name
// ("float32", "float", "int64", "long", ...). Returns nullopt if unknown.
std::optional<DType> ParseDType(absl::string_view name);

// Returns the size of one element in bytes.
int64_t DTypeSize(DType dtype);

inline bool IsFloating(DType d) {
  return d == DType::kFloat32 || d == DType::kFloat64 || d == DType::kFloat16 ||
         d == DType::kBFloat16;
}
inline bool IsIntegral(DType d) {
  return d == DType::kInt32 || d == DType::kInt64 || d == DType::kUInt8;
}

// Returns the type both operands are converted to by a binary op, following
// PyTorch's promotion lattice: bool < integers < floating; within a category
// the wider type wins; f16 with bf16 gives f32; u8 with a signed integer
// gives the signed one (i64 if it is i64, else i32).
DType PromoteTypes(DType a, DType b);

// Returns the dtype a float-only op (exp, sin, ...) computes in for an input
// of type `d`: `d` if floating, else the default float (f32).
inline DType ToFloating(DType d) { return IsFloating(d) ? d : DType::kFloat32; }

std::ostream& operator<<(std::ostream& os, DType dtype);

}  // namespace aot::ir

#endif  // AOT_IR_DTYPE_H_
