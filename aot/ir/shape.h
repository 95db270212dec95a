// Shapes whose dimensions are concrete sizes or named symbols, and the
// metadata of a tensor value (TensorMeta).
#ifndef AOT_IR_SHAPE_H_
#define AOT_IR_SHAPE_H_

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "aot/ir/device.h"
#include "aot/ir/dtype.h"

namespace aot::ir {

// One dimension: a concrete size (>= 0) or a named symbol such as a batch
// size. Symbols are interned: two Dims with the same name are equal.
// Arithmetic on symbols is not implemented yet; shape rules that need a
// concrete size ask `concrete()` and report symbolic inputs as unsupported.
class Dim {
 public:
  constexpr Dim() = default;
  // A concrete size. Sizes below kMinConcrete (far below any valid size,
  // which is >= 0) are not representable: they would read as symbols.
  constexpr Dim(int64_t size) : bits_(size) {}  // NOLINT: implicit by design.
  // Returns the symbolic dimension `name` (an identifier, not a number).
  static Dim Symbol(absl::string_view name);

  bool is_symbolic() const { return bits_ < kMinConcrete; }
  // Returns the size, or nullopt for a symbol.
  std::optional<int64_t> concrete() const {
    if (is_symbolic()) return std::nullopt;
    return bits_;
  }
  // Returns the size (0 for a symbol); the caller has checked !is_symbolic().
  int64_t value() const { return is_symbolic() ? 0 : bits_; }
  // Returns the symbol's name ("" for a concrete Dim).
  absl::string_view symbol() const;
  std::string ToString() const;

  friend bool operator==(const Dim& a, const Dim& b) { return a.bits_ == b.bits_; }
  friend bool operator!=(const Dim& a, const Dim& b) { return !(a == b); }
  template <typename H>
  friend H AbslHashValue(H h, const Dim& d) {
    return H::combine(std::move(h), d.bits_);
  }

  // The lowest concrete size a Dim holds.
  static constexpr int64_t kMinConcrete = std::numeric_limits<int64_t>::min() + (int64_t{1} << 32);

 private:
  // A concrete size, or for the symbol interned i-th (Dim::Symbol) the
  // number int64 min + i: 8 bytes where a size and a symbol pointer took 16,
  // and every TensorMeta holds four inline.
  int64_t bits_ = 0;
};

// A shape's dimensions: inline up to rank 4 (nearly every tensor of a
// model), on the heap beyond. Every TensorMeta holds one (a graph keeps one
// TensorMeta per distinct metadata: Note [Interned metadata] in graph.cc).
using DimVec = absl::InlinedVector<Dim, 4>;

// The dimensions of a tensor. Rank 0 is a scalar.
class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> sizes);
  explicit Shape(absl::Span<const int64_t> sizes);
  explicit Shape(DimVec dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  const Dim& dim(int i) const { return dims_[i]; }
  Dim& dim(int i) { return dims_[i]; }
  absl::Span<const Dim> dims() const { return dims_; }
  void push_back(Dim d) { dims_.push_back(d); }
  void insert(int at, Dim d) { dims_.insert(dims_.begin() + at, d); }
  void erase(int at) { dims_.erase(dims_.begin() + at); }

  bool is_concrete() const;
  // Returns the sizes if every dimension is concrete.
  std::optional<std::vector<int64_t>> concrete_sizes() const;
  // Returns the number of elements, or nullopt if any dimension is symbolic.
  std::optional<int64_t> numel() const;
  // Returns the row-major (contiguous) strides; requires a concrete shape.
  std::vector<int64_t> ContiguousStrides() const;

  // "[4,3]", "[B,3]", "[]".
  std::string ToString() const;

  friend bool operator==(const Shape& a, const Shape& b) { return a.dims_ == b.dims_; }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }
  template <typename H>
  friend H AbslHashValue(H h, const Shape& s) {
    return H::combine(std::move(h), s.dims_);
  }

 private:
  DimVec dims_;
};

// Everything the IR knows about a tensor value without its data.
struct TensorMeta {
  Shape shape;
  DType dtype = DType::kFloat32;
  Device device = Device::Cpu();
  // Empty means contiguous (row-major) strides.
  std::vector<int64_t> strides;
  bool requires_grad = false;

  TensorMeta() = default;
  TensorMeta(Shape s, DType d, Device dev = Device::Cpu())
      : shape(std::move(s)), dtype(d), device(dev) {}

  // Returns the number of bytes the elements occupy (numel * element size),
  // or nullopt for a symbolic shape.
  std::optional<int64_t> bytes() const;
  bool is_contiguous() const;

  // "f32[4,3]", with "@cuda:0" for a non-CPU device, "{s0,s1}" for
  // non-contiguous strides and " requires_grad" when set.
  std::string ToString() const;

  friend bool operator==(const TensorMeta& a, const TensorMeta& b) {
    return a.shape == b.shape && a.dtype == b.dtype && a.device == b.device &&
           a.is_contiguous() == b.is_contiguous() &&
           (a.is_contiguous() || a.strides == b.strides) && a.requires_grad == b.requires_grad;
  }
  friend bool operator!=(const TensorMeta& a, const TensorMeta& b) { return !(a == b); }
};

std::ostream& operator<<(std::ostream& os, const Dim& d);
std::ostream& operator<<(std::ostream& os, const Shape& s);
std::ostream& operator<<(std::ostream& os, const TensorMeta& m);

}  // namespace aot::ir

#endif  // AOT_IR_SHAPE_H_
