#include "aot/ir/attr.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aot::ir {
namespace {

std::string FloatLiteral(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  // Shortest of %.{1..17}g that reads back exactly, always with a '.' or an
  // exponent so that it is not taken for an int.
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string out = buf;
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace

const char* AttrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kInt:
      return "int";
    case AttrType::kFloat:
      return "float";
    case AttrType::kBool:
      return "bool";
    case AttrType::kString:
      return "str";
    case AttrType::kIntList:
      return "int[]";
    case AttrType::kFloatList:
      return "float[]";
    case AttrType::kDType:
      return "ScalarType";
    case AttrType::kScalar:
      return "Scalar";
    case AttrType::kDevice:
      return "Device";
  }
  return "?";
}

double AttrValue::scalar() const {
  if (is_int()) return static_cast<double>(i());
  if (is_bool()) return b() ? 1.0 : 0.0;
  return f();
}

bool AttrValue::Matches(AttrType type, bool optional) const {
  if (is_none()) return optional;
  switch (type) {
    case AttrType::kInt:
      return is_int();
    case AttrType::kFloat:
      return is_float() || is_int();
    case AttrType::kBool:
      return is_bool();
    case AttrType::kString:
      return is_string();
    case AttrType::kIntList:
      return is_int_list();
    case AttrType::kFloatList:
      return is_float_list();
    case AttrType::kDType:
      return is_dtype();
    case AttrType::kScalar:
      return is_int() || is_float() || is_bool();
    case AttrType::kDevice:
      return is_device();
  }
  return false;
}

std::string AttrValue::ToString() const {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "None";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return absl::StrCat(v);
        } else if constexpr (std::is_same_v<T, double>) {
          return FloatLiteral(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return Quote(v);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          return absl::StrCat("[", absl::StrJoin(v, ","), "]");
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          return absl::StrCat("[", absl::StrJoin(v, ",", [](std::string* out, double d) {
                                absl::StrAppend(out, FloatLiteral(d));
                              }),
                              "]");
        } else if constexpr (std::is_same_v<T, DType>) {
          return std::string(DTypeName(v));
        } else {
          return v.ToString();
        }
      },
      v_);
}

std::ostream& operator<<(std::ostream& os, const AttrValue& v) { return os << v.ToString(); }

}  // namespace aot::ir
