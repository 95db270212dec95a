#include "aot/tensor/tensor.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/check.h"
#include "aot/tensor/dispatcher.h"

namespace aot {
namespace {

using ir::OpKind;

thread_local bool tls_grad_enabled = true;

int64_t Numel(absl::Span<const int64_t> sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

}  // namespace

SizeVec ContiguousStrides(absl::Span<const int64_t> sizes) {
  SizeVec strides(sizes.size());
  int64_t s = 1;
  for (int i = static_cast<int>(sizes.size()) - 1; i >= 0; --i) {
    strides[i] = s;
    s *= std::max<int64_t>(sizes[i], 1);
  }
  return strides;
}

std::shared_ptr<TensorImpl> NewTensorImpl() {
  static std::atomic<uint64_t> next_id{1};
  auto impl = std::make_shared<TensorImpl>();
  impl->id = next_id.fetch_add(1, std::memory_order_relaxed);
  return impl;
}

bool GradModeEnabled() { return tls_grad_enabled; }
NoGradGuard::NoGradGuard() : prev_(tls_grad_enabled) { tls_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { tls_grad_enabled = prev_; }
GradModeGuard::GradModeGuard(bool enabled) : prev_(tls_grad_enabled) { tls_grad_enabled = enabled; }
GradModeGuard::~GradModeGuard() { tls_grad_enabled = prev_; }

Tensor Tensor::Error(absl::Status status) {
  AOT_CHECK(!status.ok()) << "Tensor::Error needs an error status";
  auto impl = NewTensorImpl();
  impl->error = std::move(status);
  return Tensor(std::move(impl));
}

Tensor Tensor::Empty(absl::Span<const int64_t> sizes, DType dtype, Device device) {
  for (int64_t s : sizes) {
    if (s < 0) return Error(absl::InvalidArgumentError(absl::StrCat("negative size in [", absl::StrJoin(sizes, ","), "]")));
  }
  size_t bytes = static_cast<size_t>(Numel(sizes)) * static_cast<size_t>(ir::DTypeSize(dtype));
  absl::StatusOr<std::shared_ptr<Storage>> storage = Storage::Allocate(bytes, device);
  if (!storage.ok()) return Error(storage.status());
  auto impl = NewTensorImpl();
  impl->storage = *std::move(storage);
  impl->sizes.assign(sizes.begin(), sizes.end());
  impl->strides = ContiguousStrides(sizes);
  impl->dtype = dtype;
  impl->device = device;
  return Tensor(std::move(impl));
}

Tensor Tensor::Fake(absl::Span<const int64_t> sizes, DType dtype, Device device, absl::Span<const int64_t> strides) {
  auto impl = NewTensorImpl();
  impl->sizes.assign(sizes.begin(), sizes.end());
  if (strides.empty()) {
    impl->strides = ContiguousStrides(sizes);
  } else {
    impl->strides.assign(strides.begin(), strides.end());
  }
  impl->dtype = dtype;
  impl->device = device;
  return Tensor(std::move(impl));
}

Tensor Tensor::FakeOf(const ir::TensorMeta& meta) {
  SizeVec sizes;
  sizes.reserve(meta.shape.rank());
  for (const ir::Dim& d : meta.shape.dims()) {
    if (d.is_symbolic()) {
      return Error(absl::UnimplementedError(
          absl::StrCat("a fake tensor of symbolic shape ", meta.ToString(), ": dynamic shapes are not supported yet")));
    }
    sizes.push_back(d.value());
  }
  return Fake(sizes, meta.dtype, meta.device);
}

Tensor Tensor::FromBlob(void* data, absl::Span<const int64_t> sizes, DType dtype, Device device,
                        std::function<void(void*)> deleter) {
  size_t bytes = static_cast<size_t>(Numel(sizes)) * static_cast<size_t>(ir::DTypeSize(dtype));
  auto impl = NewTensorImpl();
  impl->storage = Storage::FromBlob(data, bytes, device, std::move(deleter));
  impl->sizes.assign(sizes.begin(), sizes.end());
  impl->strides = ContiguousStrides(sizes);
  impl->dtype = dtype;
  impl->device = device;
  return Tensor(std::move(impl));
}

absl::Status Tensor::status() const {
  if (!impl_) return absl::FailedPreconditionError("undefined tensor");
  return impl_->error;
}

absl::StatusOr<Tensor> Tensor::Checked() const {
  if (!ok()) return status();
  return *this;
}

absl::Span<const int64_t> Tensor::sizes() const {
  if (!ok()) return {};
  return impl_->sizes;
}

absl::Span<const int64_t> Tensor::strides() const {
  if (!ok()) return {};
  return impl_->strides;
}

int64_t Tensor::size(int d) const {
  int n = dim();
  if (d < 0) d += n;
  AOT_CHECK(d >= 0 && d < n) << "dimension " << d << " out of range for rank " << n;
  return impl_->sizes[d];
}

int64_t Tensor::numel() const { return Numel(sizes()); }

bool Tensor::is_contiguous() const {
  if (!ok()) return false;
  int64_t expected = 1;
  for (int i = dim() - 1; i >= 0; --i) {
    if (impl_->sizes[i] != 1 && impl_->strides[i] != expected) return false;
    expected *= impl_->sizes[i];
  }
  return true;
}

ir::TensorMeta Tensor::meta() const {
  ir::TensorMeta m(ir::Shape(sizes()), dtype(), device());
  if (!is_contiguous() && ok()) m.strides.assign(impl_->strides.begin(), impl_->strides.end());
  m.requires_grad = requires_grad();
  return m;
}

bool Tensor::shares_storage_with(const Tensor& other) const {
  return ok() && other.ok() && impl_->storage != nullptr && impl_->storage == other.impl_->storage;
}

void* Tensor::raw_data() const {
  AOT_CHECK(ok() && impl_->storage != nullptr) << "raw_data of a tensor without data";
  return static_cast<char*>(impl_->storage->data()) + impl_->offset * ir::DTypeSize(impl_->dtype);
}

absl::StatusOr<double> Tensor::item() const {
  if (!ok()) return status();
  if (numel() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("item() needs a tensor with one element, got ", meta().ToString()));
  }
  if (is_fake()) {
    return absl::FailedPreconditionError(
        "item() reads data, but this tensor is fake (metadata only): data-dependent control flow cannot be "
        "traced; make the value an input or compute it outside the traced function");
  }
  if (!device().is_cpu()) return to(Device::Cpu()).item();
  return VisitDType(dtype(), [&]<typename T>() {
    return static_cast<double>(static_cast<ComputeType<T>>(*data_ptr<T>()));
  });
}

double Tensor::at(std::initializer_list<int64_t> index) const {
  AOT_CHECK(ok() && !is_fake() && device().is_cpu()) << "at() needs a CPU tensor with data";
  AOT_CHECK_EQ(static_cast<int>(index.size()), dim());
  int64_t off = 0;
  int d = 0;
  for (int64_t i : index) {
    AOT_CHECK(i >= 0 && i < impl_->sizes[d]) << "index " << i << " out of range in dimension " << d;
    off += i * impl_->strides[d++];
  }
  return VisitDType(dtype(), [&]<typename T>() {
    return static_cast<double>(static_cast<ComputeType<T>>(data_ptr<T>()[off]));
  });
}

std::string Tensor::ToString() const {
  if (!defined()) return "tensor(undefined)";
  if (!ok()) return absl::StrCat("tensor(error: ", status().ToString(), ")");
  std::string suffix = absl::StrCat("dtype=", ir::DTypeName(dtype()));
  if (!device().is_cpu()) absl::StrAppend(&suffix, ", device=", device().ToString());
  if (requires_grad()) absl::StrAppend(&suffix, ", requires_grad=true");
  if (is_fake()) return absl::StrCat("tensor(<fake ", meta().ToString(), ">, ", suffix, ")");
  absl::StatusOr<std::vector<double>> values = ToVector<double>();
  if (!values.ok()) return absl::StrCat("tensor(<", values.status().ToString(), ">)");
  bool floating = ir::IsFloating(dtype());
  auto fmt = [&](double v) -> std::string {
    if (dtype() == DType::kBool) return v != 0 ? "True" : "False";
    if (!floating) return absl::StrCat(static_cast<int64_t>(v));
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.4g", v);
    std::string s = buf;
    if (s.find_first_of(".e") == std::string::npos) s += ".";
    return s;
  };
  const int64_t n = static_cast<int64_t>(values->size());
  const bool abbreviate = n > 1000;
  std::string out = "tensor(";
  // Recursive print over dimensions with row-major indices.
  std::function<void(int, int64_t)> rec = [&](int d, int64_t base) {
    if (d == dim()) {
      absl::StrAppend(&out, fmt((*values)[base]));
      return;
    }
    int64_t size = impl_->sizes[d];
    int64_t inner = 1;
    for (int k = d + 1; k < dim(); ++k) inner *= impl_->sizes[k];
    out += "[";
    for (int64_t i = 0; i < size; ++i) {
      if (abbreviate && size > 6 && i == 3) {
        out += "..., ";
        i = size - 3;
      }
      rec(d + 1, base + i * inner);
      if (i + 1 < size) out += d + 1 == dim() ? ", " : ",\n" + std::string(7 + d + 1, ' ');
    }
    out += "]";
  };
  rec(0, 0);
  absl::StrAppend(&out, ", ", suffix, ")");
  return out;
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.ToString(); }

absl::Status FirstError(absl::Span<const Tensor> tensors) {
  for (const Tensor& t : tensors) {
    if (t.defined() && !t.ok()) return t.status();
  }
  return absl::OkStatus();
}

namespace {

// Note [Autograd hooks]
// aot/tensor knows a tensor's autograd state only through AutogradMeta;
// aot/autodiff derives from it (adding the node that made the tensor) and
// installs the hooks when linked, as c10's AutogradMetaInterface does. Without
// it, requires_grad is a flag that no op records and backward() is an error.
AutogradHooks& Hooks() {
  static AutogradHooks hooks;
  return hooks;
}

std::unique_ptr<AutogradMeta> MakeAutogradMeta() {
  return Hooks().make_meta != nullptr ? Hooks().make_meta() : std::make_unique<AutogradMeta>();
}

}  // namespace

void SetAutogradHooks(const AutogradHooks& hooks) { Hooks() = hooks; }

Tensor& Tensor::set_requires_grad(bool requires_grad) {
  if (!ok()) return *this;
  if (!impl_->autograd) impl_->autograd = MakeAutogradMeta();
  impl_->autograd->requires_grad = requires_grad;
  return *this;
}

absl::Status Tensor::backward(const Tensor& gradient, bool retain_graph, bool create_graph) const {
  if (Hooks().backward == nullptr) {
    return absl::FailedPreconditionError("backward(): no autograd engine is linked; depend on //aot/autodiff:engine");
  }
  return Hooks().backward(*this, gradient, retain_graph, create_graph);
}

Tensor Tensor::grad() const {
  if (!ok() || !impl_->autograd || !impl_->autograd->grad) return Tensor();
  return Tensor(impl_->autograd->grad);
}

void Tensor::set_grad(const Tensor& grad) {
  if (!ok()) return;
  if (!impl_->autograd) impl_->autograd = MakeAutogradMeta();
  impl_->autograd->grad = grad.shared_impl();
}

void Tensor::set_autograd_meta(std::unique_ptr<AutogradMeta> meta) {
  if (impl_) impl_->autograd = std::move(meta);
}

Tensor Tensor::contiguous() const {
  if (!ok() || is_contiguous()) return *this;
  return CallOp1(OpKind::kClone, {*this});
}

Tensor Tensor::to(DType dtype) const {
  if (!ok() || dtype == this->dtype()) return *this;
  return CallOp1(OpKind::kToCopy, {*this}, {{"dtype", dtype}});
}

Tensor Tensor::to(Device device) const {
  if (!ok() || device == this->device()) return *this;
  return CallOp1(OpKind::kToCopy, {*this}, {{"device", device}});
}

Tensor Tensor::clone() const { return CallOp1(OpKind::kClone, {*this}); }
Tensor Tensor::detach() const { return CallOp1(OpKind::kDetach, {*this}); }

}  // namespace aot
