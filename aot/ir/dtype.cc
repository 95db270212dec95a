#include "aot/ir/dtype.h"

#include <array>

namespace aot::ir {
namespace {

struct DTypeInfo {
  absl::string_view name;
  absl::string_view long_name;
  int64_t size;
};

constexpr std::array<DTypeInfo, kNumDTypes> kInfo = {{
    {"f32", "float32", 4},
    {"f64", "float64", 8},
    {"f16", "float16", 2},
    {"bf16", "bfloat16", 2},
    {"i32", "int32", 4},
    {"i64", "int64", 8},
    {"bool", "bool", 1},
    {"u8", "uint8", 1},
}};

// Rank inside a category, for "the wider type wins".
int Category(DType d) {
  if (d == DType::kBool) return 0;
  if (IsIntegral(d)) return 1;
  return 2;
}

}  // namespace

absl::string_view DTypeName(DType dtype) { return kInfo[static_cast<int>(dtype)].name; }

int64_t DTypeSize(DType dtype) { return kInfo[static_cast<int>(dtype)].size; }

std::optional<DType> ParseDType(absl::string_view name) {
  for (int i = 0; i < kNumDTypes; ++i) {
    if (kInfo[i].name == name || kInfo[i].long_name == name) return static_cast<DType>(i);
  }
  if (name == "float") return DType::kFloat32;
  if (name == "double") return DType::kFloat64;
  if (name == "half") return DType::kFloat16;
  if (name == "int") return DType::kInt32;
  if (name == "long") return DType::kInt64;
  return std::nullopt;
}

DType PromoteTypes(DType a, DType b) {
  if (a == b) return a;
  int ca = Category(a), cb = Category(b);
  if (ca != cb) return ca > cb ? a : b;
  if (ca == 2) {
    if (a == DType::kFloat64 || b == DType::kFloat64) return DType::kFloat64;
    if (a == DType::kFloat32 || b == DType::kFloat32) return DType::kFloat32;
    return DType::kFloat32;  // f16 with bf16
  }
  // Integers: i64 > i32 > u8.
  if (a == DType::kInt64 || b == DType::kInt64) return DType::kInt64;
  return DType::kInt32;
}

std::ostream& operator<<(std::ostream& os, DType dtype) { return os << DTypeName(dtype); }

}  // namespace aot::ir
