// Attribute values of nodes: the non-tensor arguments of an op.
#ifndef AOT_IR_ATTR_H_
#define AOT_IR_ATTR_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "aot/ir/device.h"
#include "aot/ir/dtype.h"

namespace aot::ir {

// The declared type of an attribute in an op schema.
enum class AttrType : uint8_t {
  kInt,        // int64
  kFloat,      // double
  kBool,
  kString,
  kIntList,    // int[]
  kFloatList,  // float[]
  kDType,      // ScalarType
  kScalar,     // a number: int64, double or bool, kept as given
  kDevice,
};

// Returns the schema spelling: "int", "float", "bool", "str", "int[]",
// "float[]", "ScalarType", "Scalar", "Device".
const char* AttrTypeName(AttrType type);

// A value of an attribute. `None` (monostate) is allowed for optional
// attributes only.
class AttrValue {
 public:
  using Storage = std::variant<std::monostate, int64_t, double, bool, std::string,
                               std::vector<int64_t>, std::vector<double>, DType, Device>;

  AttrValue() = default;
  AttrValue(int v) : v_(static_cast<int64_t>(v)) {}  // NOLINT: implicit on purpose
  AttrValue(int64_t v) : v_(v) {}                     // NOLINT
  AttrValue(double v) : v_(v) {}                      // NOLINT
  AttrValue(bool v) : v_(v) {}                        // NOLINT
  AttrValue(std::string v) : v_(std::move(v)) {}      // NOLINT
  AttrValue(const char* v) : v_(std::string(v)) {}    // NOLINT
  AttrValue(std::vector<int64_t> v) : v_(std::move(v)) {}  // NOLINT
  AttrValue(std::vector<double> v) : v_(std::move(v)) {}   // NOLINT
  AttrValue(DType v) : v_(v) {}                            // NOLINT
  AttrValue(Device v) : v_(v) {}                           // NOLINT

  static AttrValue None() { return AttrValue(); }

  bool is_none() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_float() const { return std::holds_alternative<double>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_int_list() const { return std::holds_alternative<std::vector<int64_t>>(v_); }
  bool is_float_list() const { return std::holds_alternative<std::vector<double>>(v_); }
  bool is_dtype() const { return std::holds_alternative<DType>(v_); }
  bool is_device() const { return std::holds_alternative<Device>(v_); }

  // Accessors; the caller has checked the kind (the verifier checks every
  // attribute against its schema, so shape rules and kernels may rely on it).
  int64_t i() const { return std::get<int64_t>(v_); }
  double f() const { return std::get<double>(v_); }
  bool b() const { return std::get<bool>(v_); }
  const std::string& s() const { return std::get<std::string>(v_); }
  const std::vector<int64_t>& ints() const { return std::get<std::vector<int64_t>>(v_); }
  const std::vector<double>& floats() const { return std::get<std::vector<double>>(v_); }
  DType dtype() const { return std::get<DType>(v_); }
  Device device() const { return std::get<Device>(v_); }
  // Returns a Scalar (int, float or bool) as a double.
  double scalar() const;

  // Returns true if this value may be stored in an attribute of `type`
  // (None only if `optional`).
  bool Matches(AttrType type, bool optional) const;

  // The literal as printed in graph text: 3, 2.5, true, "s", [1,2], f32,
  // cuda:0, None. Floats print so that parsing gives back the same double.
  std::string ToString() const;

  const Storage& storage() const { return v_; }
  friend bool operator==(const AttrValue& a, const AttrValue& b) { return a.v_ == b.v_; }
  friend bool operator!=(const AttrValue& a, const AttrValue& b) { return !(a == b); }
  template <typename H>
  friend H AbslHashValue(H h, const AttrValue& a) {
    h = H::combine(std::move(h), a.v_.index());
    return std::visit(
        [&h](const auto& v) -> H {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            return std::move(h);
          } else if constexpr (std::is_same_v<T, std::vector<double>>) {
            return H::combine_contiguous(std::move(h), v.data(), v.size());
          } else {
            return H::combine(std::move(h), v);
          }
        },
        a.v_);
  }

 private:
  Storage v_;
};

std::ostream& operator<<(std::ostream& os, const AttrValue& v);

}  // namespace aot::ir

#endif  // AOT_IR_ATTR_H_
