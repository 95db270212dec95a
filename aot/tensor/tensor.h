// aot::Tensor: an n-dimensional array on a device, and the eager API over it.
//
//   aot::Tensor x = aot::randn({4, 3}, /*seed=*/0);
//   aot::Tensor y = (x.cos().cos() * 2.0 + x).sum({1}, /*keepdim=*/true);
//   if (!y.ok()) return y.status();          // See Note [Error tensors].
//   std::cout << y << "\n";
//
// A Tensor is a cheap handle (shared ownership of a TensorImpl). Views (view,
// permute, transpose, expand, slice, select, ...) share the storage of their
// base with their own sizes, strides and offset. Every op goes through the
// dispatcher (dispatcher.h), so the same code runs eagerly, is traced and is
// differentiated.
//
// Note [Error tensors]
// Ops return Tensors, not StatusOr, so that expressions compose
// (`x.cos().cos()`). When an op fails (wrong shape, dtype, a missing
// kernel), it returns an *error tensor* that carries the absl::Status, and
// every op given an error tensor returns that same error. Check `ok()` /
// `status()` once at the end, or use `Checked()` with AOT_ASSIGN_OR_RETURN.
// Reading data from an error tensor (item(), ToVector()) returns its status;
// metadata accessors of an error tensor return empty/zero values.
#ifndef AOT_TENSOR_TENSOR_H_
#define AOT_TENSOR_TENSOR_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/ir/shape.h"
#include "aot/tensor/allocator.h"
#include "aot/tensor/scalar_types.h"

namespace aot {

using ir::DType;
using SizeVec = absl::InlinedVector<int64_t, 6>;

class Tensor;

// Autograd state of a tensor. The autograd engine (aot/autodiff) derives
// from it to add the node that produced the tensor; this layer only knows
// requires_grad and the accumulated gradient.
class AutogradMeta {
 public:
  virtual ~AutogradMeta() = default;
  bool requires_grad = false;
  std::shared_ptr<class TensorImpl> grad;
};

// What aot/autodiff installs at start-up (the seam of Note [Autograd hooks]
// in tensor.cc): how to make a tensor's AutogradMeta, and Tensor::backward.
struct AutogradHooks {
  std::unique_ptr<AutogradMeta> (*make_meta)() = nullptr;
  absl::Status (*backward)(const Tensor& root, const Tensor& gradient, bool retain_graph,
                           bool create_graph) = nullptr;
};
void SetAutogradHooks(const AutogradHooks& hooks);

// The shared state behind Tensor handles.
class TensorImpl {
 public:
  std::shared_ptr<Storage> storage;  // Null for a fake (metadata-only) tensor.
  int64_t offset = 0;                // In elements.
  SizeVec sizes;
  SizeVec strides;                   // In elements.
  DType dtype = DType::kFloat32;
  Device device = Device::Cpu();
  absl::Status error;                // Not OK: an error tensor.
  std::unique_ptr<AutogradMeta> autograd;
  uint64_t id = 0;                   // Unique per impl, for maps keyed by tensor.
  uint32_t version = 0;              // Bumped by every in-place write.
};

// Returns the row-major strides (in elements) of a contiguous tensor of
// `sizes`; dimensions of size 0 or 1 count as 1.
SizeVec ContiguousStrides(absl::Span<const int64_t> sizes);

// Returns a new TensorImpl with a fresh id. Every impl is made through it.
std::shared_ptr<TensorImpl> NewTensorImpl();

// Options of factory functions.
struct TensorOptions {
  DType dtype = DType::kFloat32;
  Device device = Device::Cpu();
  bool requires_grad = false;
};

class Tensor {
 public:
  // An undefined tensor (no impl). ok() is false.
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // Returns an error tensor carrying `status` (not OK).
  static Tensor Error(absl::Status status);
  // Returns a tensor with fresh storage (uninitialised) of the given metadata,
  // or an error tensor (out of memory, no allocator for the device).
  static Tensor Empty(absl::Span<const int64_t> sizes, DType dtype, Device device = Device::Cpu());
  // Returns a fake tensor: metadata only, no storage (tracing, Meta).
  static Tensor Fake(absl::Span<const int64_t> sizes, DType dtype, Device device = Device::Cpu(),
                     absl::Span<const int64_t> strides = {});
  // A contiguous fake with `meta`'s sizes, dtype and device (meta.strides is
  // not used); an error tensor (Unimplemented) if the shape is symbolic.
  static Tensor FakeOf(const ir::TensorMeta& meta);
  // Copies `values` into a new CPU tensor of shape `sizes` (numel must match).
  template <typename T>
  static Tensor FromVector(const std::vector<T>& values, absl::Span<const int64_t> sizes);
  // Wraps caller-owned memory without copying; `deleter` (may be empty) runs
  // when the last tensor viewing it goes away.
  static Tensor FromBlob(void* data, absl::Span<const int64_t> sizes, DType dtype, Device device = Device::Cpu(),
                         std::function<void(void*)> deleter = nullptr);

  // --- State ---
  bool defined() const { return impl_ != nullptr; }
  // True for a defined tensor that is not an error tensor.
  bool ok() const { return impl_ != nullptr && impl_->error.ok(); }
  // OK, the error of an error tensor, or FailedPrecondition for undefined.
  absl::Status status() const;
  // Returns *this, or the status if not ok().
  absl::StatusOr<Tensor> Checked() const;
  bool is_fake() const { return ok() && impl_->storage == nullptr; }

  // --- Metadata ---
  absl::Span<const int64_t> sizes() const;
  absl::Span<const int64_t> strides() const;
  int dim() const { return static_cast<int>(sizes().size()); }
  // Size of dimension `d` (negative counts from the end); AOT_CHECKs range.
  int64_t size(int d) const;
  int64_t numel() const;
  DType dtype() const { return ok() ? impl_->dtype : DType::kFloat32; }
  Device device() const { return ok() ? impl_->device : Device::Cpu(); }
  int64_t storage_offset() const { return ok() ? impl_->offset : 0; }
  bool is_contiguous() const;
  // The IR metadata: shape, dtype, device, strides (empty if contiguous),
  // requires_grad.
  ir::TensorMeta meta() const;
  uint64_t id() const { return impl_ ? impl_->id : 0; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& shared_impl() const { return impl_; }
  // True if both share one storage (views of each other or of a common base).
  bool shares_storage_with(const Tensor& other) const;

  // --- Data (CPU tensors) ---
  // Typed pointer to element 0 (offset applied). AOT_CHECKs the dtype.
  template <typename T>
  T* data_ptr() const;
  void* raw_data() const;
  // The single element as a double. InvalidArgument if numel() != 1;
  // FailedPrecondition for a fake tensor (e.g. reading data while tracing)
  // or a non-CPU tensor.
  absl::StatusOr<double> item() const;
  // All elements in row-major order, converted to T.
  template <typename T>
  absl::StatusOr<std::vector<T>> ToVector() const;
  // Element at a multi-index, as a double (tests). AOT_CHECKs the index.
  double at(std::initializer_list<int64_t> index) const;

  // "tensor([[1., 2.], [3., 4.]], dtype=f32)", abbreviated past 1000 elements.
  std::string ToString() const;

  // --- Autograd ---
  bool requires_grad() const { return ok() && impl_->autograd && impl_->autograd->requires_grad; }
  // Marks a leaf tensor as needing a gradient. Returns *this.
  Tensor& set_requires_grad(bool requires_grad);
  // The accumulated gradient (undefined until backward() reaches it).
  Tensor grad() const;
  void set_grad(const Tensor& grad);
  AutogradMeta* autograd_meta() const { return impl_ ? impl_->autograd.get() : nullptr; }
  void set_autograd_meta(std::unique_ptr<AutogradMeta> meta);
  // Accumulates the gradient of this tensor (times `gradient`; empty means
  // 1 for a scalar) into the .grad of the leaves it was computed from. Needs
  // //aot/autodiff:engine linked (FailedPrecondition otherwise); see
  // aot/autodiff/engine.h for the errors.
  absl::Status backward(const Tensor& gradient = Tensor(), bool retain_graph = false,
                        bool create_graph = false) const;

  // --- Conversions ---
  Tensor contiguous() const;
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;
  Tensor clone() const;
  Tensor detach() const;

  // --- Ops as methods (see ops.h for the free functions) ---
  Tensor neg() const;
  Tensor abs() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor log1p() const;
  Tensor expm1() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor reciprocal() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor tanh() const;
  Tensor sigmoid() const;
  Tensor relu() const;
  Tensor erf() const;
  Tensor sign() const;
  Tensor pow(double exponent) const;
  Tensor pow(const Tensor& exponent) const;
  Tensor sum(std::vector<int64_t> dims = {}, bool keepdim = false) const;
  Tensor mean(std::vector<int64_t> dims = {}, bool keepdim = false) const;
  Tensor amax(std::vector<int64_t> dims = {}, bool keepdim = false) const;
  Tensor amin(std::vector<int64_t> dims = {}, bool keepdim = false) const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor reshape(std::vector<int64_t> shape) const;
  Tensor view(std::vector<int64_t> shape) const;
  Tensor permute(std::vector<int64_t> dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const { return transpose(0, 1); }
  Tensor expand(std::vector<int64_t> sizes) const;
  Tensor squeeze(std::vector<int64_t> dims) const;
  Tensor squeeze() const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor matmul(const Tensor& other) const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;
  Tensor masked_fill(const Tensor& mask, double value) const;

  // In-place; return *this (or an error tensor).
  Tensor& add_(const Tensor& other, double alpha = 1);
  Tensor& add_(double other);
  Tensor& sub_(const Tensor& other, double alpha = 1);
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double other);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double other);
  Tensor& copy_(const Tensor& src);
  Tensor& fill_(double value);
  Tensor& zero_();
  Tensor& relu_();

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Arithmetic operators, with broadcasting and type promotion.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, double b);
Tensor operator-(const Tensor& a, double b);
Tensor operator*(const Tensor& a, double b);
Tensor operator/(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator-(const Tensor& a);

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Returns the first non-OK status among `tensors`, or OK.
absl::Status FirstError(absl::Span<const Tensor> tensors);

// --- Grad mode (thread-local) ---
bool GradModeEnabled();
// Sets grad mode to `enabled` in its scope (torch.set_grad_enabled).
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled);
  ~GradModeGuard();
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};
// Disables gradient recording in its scope, like torch.no_grad().
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// ---------------------------------------------------------------------------
// Template definitions.

template <typename T>
Tensor Tensor::FromVector(const std::vector<T>& values, absl::Span<const int64_t> sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  if (n != static_cast<int64_t>(values.size())) {
    return Error(absl::InvalidArgumentError("FromVector: " + std::to_string(values.size()) +
                                            " values do not fill the requested shape"));
  }
  Tensor t = Empty(sizes, DTypeOf<T>::value);
  if (!t.ok()) return t;
  T* p = t.data_ptr<T>();
  for (int64_t i = 0; i < n; ++i) p[i] = values[i];
  return t;
}

template <typename T>
T* Tensor::data_ptr() const {
  return static_cast<T*>(raw_data());
}

template <typename T>
absl::StatusOr<std::vector<T>> Tensor::ToVector() const {
  if (!ok()) return status();
  if (is_fake()) return absl::FailedPreconditionError("ToVector: a fake tensor has no data");
  if (!device().is_cpu()) return to(Device::Cpu()).ToVector<T>();
  // Walks the elements in row-major order through the strides, so views need
  // no kernel.
  std::vector<T> out;
  out.reserve(static_cast<size_t>(numel()));
  if (numel() == 0) return out;
  const int rank = dim();
  SizeVec index(rank, 0);
  VisitDType(dtype(), [&]<typename S>() {
    const S* base = data_ptr<S>();
    for (int64_t n = numel(); n > 0; --n) {
      int64_t off = 0;
      for (int d = 0; d < rank; ++d) off += index[d] * impl_->strides[d];
      out.push_back(static_cast<T>(static_cast<ComputeType<S>>(base[off])));
      for (int d = rank - 1; d >= 0; --d) {
        if (++index[d] < impl_->sizes[d]) break;
        index[d] = 0;
      }
    }
  });
  return out;
}

}  // namespace aot

#endif  // AOT_TENSOR_TENSOR_H_
