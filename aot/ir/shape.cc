#include "aot/ir/shape.h"

#include <memory>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/check.h"

namespace aot::ir {
namespace {

// The interned symbols: names by index and indices by name. Never freed, so
// symbol() can return a view.
struct SymbolTable {
  std::mutex mu;
  std::vector<std::unique_ptr<std::string>> names;
  absl::flat_hash_map<std::string, int64_t> index;
};

SymbolTable& Symbols() {
  static SymbolTable* const table = new SymbolTable;
  return *table;
}

}  // namespace

Dim Dim::Symbol(absl::string_view name) {
  SymbolTable& t = Symbols();
  std::lock_guard<std::mutex> lock(t.mu);
  auto [it, inserted] = t.index.try_emplace(name, static_cast<int64_t>(t.names.size()));
  if (inserted) {
    AOT_CHECK(it->second < kMinConcrete - std::numeric_limits<int64_t>::min()) << "too many symbols";
    t.names.push_back(std::make_unique<std::string>(name));
  }
  Dim d;
  d.bits_ = std::numeric_limits<int64_t>::min() + it->second;
  return d;
}

absl::string_view Dim::symbol() const {
  if (!is_symbolic()) return "";
  SymbolTable& t = Symbols();
  std::lock_guard<std::mutex> lock(t.mu);
  return *t.names[bits_ - std::numeric_limits<int64_t>::min()];
}

std::string Dim::ToString() const { return is_symbolic() ? std::string(symbol()) : absl::StrCat(bits_); }

Shape::Shape(std::initializer_list<int64_t> sizes) {
  for (int64_t s : sizes) dims_.push_back(Dim(s));
}

Shape::Shape(absl::Span<const int64_t> sizes) {
  for (int64_t s : sizes) dims_.push_back(Dim(s));
}

bool Shape::is_concrete() const {
  for (const Dim& d : dims_) {
    if (d.is_symbolic()) return false;
  }
  return true;
}

std::optional<std::vector<int64_t>> Shape::concrete_sizes() const {
  std::vector<int64_t> out;
  out.reserve(dims_.size());
  for (const Dim& d : dims_) {
    if (d.is_symbolic()) return std::nullopt;
    out.push_back(d.value());
  }
  return out;
}

std::optional<int64_t> Shape::numel() const {
  int64_t n = 1;
  for (const Dim& d : dims_) {
    if (d.is_symbolic()) return std::nullopt;
    n *= d.value();
  }
  return n;
}

std::vector<int64_t> Shape::ContiguousStrides() const {
  std::vector<int64_t> strides(dims_.size());
  int64_t s = 1;
  for (int i = rank() - 1; i >= 0; --i) {
    strides[i] = s;
    s *= std::max<int64_t>(dims_[i].value(), 1);
  }
  return strides;
}

std::string Shape::ToString() const {
  return absl::StrCat("[", absl::StrJoin(dims_, ",", [](std::string* out, const Dim& d) {
                        absl::StrAppend(out, d.ToString());
                      }),
                      "]");
}

std::optional<int64_t> TensorMeta::bytes() const {
  std::optional<int64_t> n = shape.numel();
  if (!n) return std::nullopt;
  return *n * DTypeSize(dtype);
}

bool TensorMeta::is_contiguous() const {
  return strides.empty() || (shape.is_concrete() && strides == shape.ContiguousStrides());
}

std::string TensorMeta::ToString() const {
  std::string out = absl::StrCat(DTypeName(dtype), shape.ToString());
  if (!is_contiguous()) absl::StrAppend(&out, "{", absl::StrJoin(strides, ","), "}");
  if (!device.is_cpu()) absl::StrAppend(&out, "@", device.ToString());
  if (requires_grad) absl::StrAppend(&out, " requires_grad");
  return out;
}

std::ostream& operator<<(std::ostream& os, const Dim& d) { return os << d.ToString(); }
std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.ToString(); }
std::ostream& operator<<(std::ostream& os, const TensorMeta& m) { return os << m.ToString(); }

}  // namespace aot::ir
