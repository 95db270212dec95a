// CUDA kernels of the indexing and shape ops (cat, stack, triu, tril,
// index_select, gather, scatter_add, index_add(_), embedding and the
// backward ops that place a gradient into zeros) and of the losses
// (nll_loss, cross_entropy, mse_loss and their backward ops).
//
// Copies into slices (cat, stack, select/slice_backward) are views of the
// result written by copy_; the losses are compositions of CUDA ops (gather,
// log_softmax, reductions) computed in float32 for 16-bit inputs, as the CPU
// kernels do. Semantics follow aot/backends/cpu/index_kernels.cc and
// nn_kernels.cc; out-of-range indices are InvalidArgument (read back from a
// device flag, so these ops synchronize once).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/backends/common/index_checks.h"
#include "aot/backends/cuda/cuda_status.h"
#include "aot/backends/cuda/cuda_utils.h"
#include "aot/backends/cuda/device_kernels.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"

namespace aot::cuda {
namespace {

const std::string& Name(const OpCall& call) { return call.op->name(); }
int WrapDim(int64_t dim, int rank) { return static_cast<int>(dim < 0 ? dim + std::max(rank, 1) : dim); }
std::string SizesString(absl::Span<const int64_t> s) { return absl::StrCat("[", absl::StrJoin(s, ","), "]"); }

int64_t Product(absl::Span<const int64_t> s, int b, int e) {
  int64_t p = 1;
  for (int i = b; i < e; ++i) p *= s[i];
  return p;
}

std::vector<int64_t> AtLeast1d(absl::Span<const int64_t> s) {
  std::vector<int64_t> v(s.begin(), s.end());
  if (v.empty()) v.push_back(1);
  return v;
}

// A device flag that kernels raise on a bad index.
class BadFlag {
 public:
  static absl::StatusOr<BadFlag> Make(Device dev) {
    BadFlag f;
    AOT_ASSIGN_OR_RETURN(f.t_, Tensor::Empty({1}, DType::kInt32, dev).Checked());
    AOT_RETURN_IF_ERROR(CudaStatus(cudaMemsetAsync(f.t_.raw_data(), 0, sizeof(int)), "index flag"));
    return f;
  }
  int* ptr() const { return static_cast<int*>(t_.raw_data()); }
  // Reads the flag (synchronizes); InvalidArgument naming the op if raised.
  absl::Status Check(const OpCall& call, int dim, int64_t size) const {
    int v = 0;
    AOT_RETURN_IF_ERROR(CudaStatus(cudaMemcpy(&v, ptr(), sizeof(int), cudaMemcpyDeviceToHost), Name(call)));
    if (v == 0) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(Name(call), ": an index is out of range for dimension ", dim,
                                                   " of size ", size, " (valid range [", -size, ", ", size, "))"));
  }

 private:
  Tensor t_;
};

absl::Status Copy(const Tensor& dst, const Tensor& src) {
  Tensor d = dst;
  return d.copy_(src).status();
}

// --- cat, stack, triu, tril ------------------------------------------------------------

KernelResult CatLike(const OpCall& call, bool stack) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  const int d = WrapDim(call.attr("dim").i(), out.dim());
  int64_t start = 0;
  for (const Tensor& t : call.input_list(0)) {
    Tensor piece = stack ? t.unsqueeze(d) : t;
    AOT_RETURN_IF_ERROR(piece.status());
    // cat skips legacy empty 1-D inputs (shape [0]) of another rank.
    if (!stack && piece.dim() != out.dim()) continue;
    const int64_t len = piece.size(d);
    if (len == 0) continue;
    AOT_RETURN_IF_ERROR(Copy(out.slice(d, start, start + len), piece));
    start += len;
  }
  return std::vector<Tensor>{out};
}

template <bool kUpper>
KernelResult TriangularKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(call.input(0)));
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  if (x.numel() == 0) return std::vector<Tensor>{out};
  const int64_t rows = x.size(-2), cols = x.size(-1);
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchTriangular(ToDT(x.dtype()), x.raw_data(), out.raw_data(),
                                                   x.numel() / (rows * cols), rows, cols,
                                                   call.attr("diagonal").i(), kUpper),
                                  Name(call)));
  return std::vector<Tensor>{out};
}

// --- index_select, embedding, gather, scatter_add, index_add -----------------------------

KernelResult IndexSelectKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(Tensor idx, Dense(call.input(1), DType::kInt64));
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
  std::vector<int64_t> sizes = AtLeast1d(self.sizes());
  const int rank = static_cast<int>(sizes.size());
  const int d = WrapDim(call.attr("dim").i(), self.dim());
  const int64_t outer = Product(sizes, 0, d), size = sizes[d], inner = Product(sizes, d + 1, rank);
  const int64_t n = idx.numel();
  if (self.dim() == 0 && n != 1) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), ": selecting from a scalar needs one index, got ", n));
  }
  if (out.numel() == 0) return std::vector<Tensor>{out};
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(self));
  AOT_ASSIGN_OR_RETURN(BadFlag bad, BadFlag::Make(dev));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchIndexSelect(ToDT(x.dtype()), x.raw_data(), idx.data_ptr<int64_t>(),
                                                    out.raw_data(), outer, size, inner, n, bad.ptr()),
                                  Name(call)));
  AOT_RETURN_IF_ERROR(bad.Check(call, d, size));
  return std::vector<Tensor>{out};
}

KernelResult EmbeddingKernel(const OpCall& call) {
  const Tensor& weight = call.input(0);
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(Tensor idx, Dense(call.input(1), DType::kInt64));
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
  if (out.numel() == 0) return std::vector<Tensor>{out};
  const int64_t num = weight.size(0), dim = weight.size(1);
  AOT_ASSIGN_OR_RETURN(Tensor w, Dense(weight));
  AOT_ASSIGN_OR_RETURN(BadFlag bad, BadFlag::Make(dev));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchIndexSelect(ToDT(w.dtype()), w.raw_data(), idx.data_ptr<int64_t>(),
                                                    out.raw_data(), 1, num, dim, idx.numel(), bad.ptr()),
                                  Name(call)));
  AOT_RETURN_IF_ERROR(bad.Check(call, 0, num));
  return std::vector<Tensor>{out};
}

absl::StatusOr<GatherArgs> MakeGatherArgs(const OpCall& call, absl::Span<const int64_t> index_sizes,
                                          absl::Span<const int64_t> x_sizes, int d) {
  GatherArgs a;
  std::vector<int64_t> is = AtLeast1d(index_sizes), xs = AtLeast1d(x_sizes);
  a.rank = static_cast<int>(is.size());
  if (a.rank > kMaxDims) return absl::InvalidArgumentError(absl::StrCat(Name(call), ": rank ", a.rank, " too large"));
  a.dim = d;
  a.numel = 1;
  for (int k = 0; k < a.rank; ++k) {
    a.sizes[k] = is[k];
    a.x_sizes[k] = xs[k];
    a.numel *= is[k];
  }
  return a;
}

KernelResult GatherKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  const Device dev = CallDevice(call);
  std::vector<int64_t> xs = AtLeast1d(self.sizes()), is = AtLeast1d(index.sizes());
  const int d = WrapDim(call.attr("dim").i(), self.dim());
  for (int k = 0; k < static_cast<int>(xs.size()); ++k) {
    if (k != d && is[k] > xs[k]) {
      return absl::InvalidArgumentError(absl::StrCat(Name(call), ": index ", SizesString(index.sizes()),
                                                     " is larger than self ", SizesString(self.sizes()),
                                                     " in dimension ", k));
    }
  }
  AOT_ASSIGN_OR_RETURN(Tensor idx, Dense(index, DType::kInt64));
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
  if (out.numel() == 0) return std::vector<Tensor>{out};
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(self));
  AOT_ASSIGN_OR_RETURN(GatherArgs a, MakeGatherArgs(call, index.sizes(), self.sizes(), d));
  AOT_ASSIGN_OR_RETURN(BadFlag bad, BadFlag::Make(dev));
  AOT_RETURN_IF_ERROR(CheckLaunch(
      LaunchGather(ToDT(x.dtype()), x.raw_data(), idx.data_ptr<int64_t>(), out.raw_data(), a, bad.ptr()), Name(call)));
  AOT_RETURN_IF_ERROR(bad.Check(call, d, xs[d]));
  return std::vector<Tensor>{out};
}

absl::Status RequireAtomics(const OpCall& call, DType dtype) {
  if (HasAtomicAdd(ToDT(dtype))) return absl::OkStatus();
  return absl::UnimplementedError(
      absl::StrCat(Name(call), ": ", ir::DTypeName(dtype), " has no CUDA kernel (no atomic add for the type)"));
}

KernelResult ScatterAddKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  const Tensor& source = call.input(2);
  const Device dev = CallDevice(call);
  std::vector<int64_t> ss = AtLeast1d(self.sizes()), is = AtLeast1d(index.sizes()), rs = AtLeast1d(source.sizes());
  const int d = WrapDim(call.attr("dim").i(), self.dim());
  for (int k = 0; k < static_cast<int>(ss.size()); ++k) {
    if (is[k] > rs[k] || (k != d && is[k] > ss[k])) {
      return absl::InvalidArgumentError(absl::StrCat(Name(call), ": index ", SizesString(index.sizes()),
                                                     " must be no larger than src ", SizesString(source.sizes()),
                                                     " in every dimension and than self ", SizesString(self.sizes()),
                                                     " in every dimension but ", d, "; dimension ", k, " is not"));
    }
  }
  const DType dt = call.result_metas[0].dtype;
  AOT_RETURN_IF_ERROR(RequireAtomics(call, dt));
  AOT_ASSIGN_OR_RETURN(Tensor idx, Dense(index, DType::kInt64));
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
  AOT_RETURN_IF_ERROR(Copy(out, self));
  if (idx.numel() == 0) return std::vector<Tensor>{out};
  AOT_ASSIGN_OR_RETURN(Tensor src, Dense(source, dt));
  AOT_ASSIGN_OR_RETURN(GatherArgs a, MakeGatherArgs(call, index.sizes(), self.sizes(), d));
  SizeVec src_strides = ContiguousStrides(rs);
  for (int k = 0; k < a.rank; ++k) a.src_strides[k] = src_strides[k];
  AOT_ASSIGN_OR_RETURN(BadFlag bad, BadFlag::Make(dev));
  AOT_RETURN_IF_ERROR(CheckLaunch(
      LaunchScatterAdd(ToDT(dt), out.raw_data(), idx.data_ptr<int64_t>(), src.raw_data(), a, bad.ptr()), Name(call)));
  AOT_RETURN_IF_ERROR(bad.Check(call, d, ss[d]));
  return std::vector<Tensor>{out};
}

// Adds source rows into `out` (contiguous, self's shape) at the indices.
absl::Status IndexAddInto(const OpCall& call, const Tensor& self, const Tensor& out) {
  const Tensor& index = call.input(1);
  const Tensor& source = call.input(2);
  AOT_RETURN_IF_ERROR(RequireAtomics(call, self.dtype()));
  std::vector<int64_t> sizes = AtLeast1d(self.sizes());
  const int rank = static_cast<int>(sizes.size());
  const int d = WrapDim(call.attr("dim").i(), self.dim());
  const int64_t outer = Product(sizes, 0, d), size = sizes[d], inner = Product(sizes, d + 1, rank);
  const ir::AttrValue& alpha = call.attr("alpha");
  if (!ir::IsFloating(self.dtype()) && alpha.is_float() && alpha.f() != std::trunc(alpha.f())) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), ": alpha ", alpha.ToString(),
                                                   " must be an integer for a ", ir::DTypeName(self.dtype()),
                                                   " tensor"));
  }
  AOT_ASSIGN_OR_RETURN(Tensor idx, index.shares_storage_with(self) ? index.clone().to(DType::kInt64).Checked()
                                                                     : Dense(index, DType::kInt64));
  const int64_t n = idx.numel();
  if (source.numel() != outer * n * inner) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), ": source ", SizesString(source.sizes()),
                                                   " does not match ", n, " indices into self ",
                                                   SizesString(self.sizes()), " along dimension ", d));
  }
  if (n == 0 || outer == 0 || inner == 0) return absl::OkStatus();
  AOT_ASSIGN_OR_RETURN(Tensor src, source.shares_storage_with(self) ? source.clone().to(self.dtype()).Checked()
                                                                      : Dense(source, self.dtype()));
  AOT_ASSIGN_OR_RETURN(Tensor srcd, Dense(src));
  AOT_ASSIGN_OR_RETURN(BadFlag bad, BadFlag::Make(out.device()));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchIndexAdd(ToDT(out.dtype()), out.raw_data(), idx.data_ptr<int64_t>(),
                                                 srcd.raw_data(), outer, size, inner, n, alpha.scalar(), bad.ptr()),
                                  Name(call)));
  return bad.Check(call, d, size);
}

KernelResult IndexAddKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_RETURN_IF_ERROR(Copy(out, self));
  AOT_RETURN_IF_ERROR(IndexAddInto(call, self, out));
  return std::vector<Tensor>{out};
}

KernelResult IndexAddInplaceKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_RETURN_IF_ERROR(backends::CheckWritableInPlace(call, self));
  if (self.is_contiguous()) {
    AOT_RETURN_IF_ERROR(IndexAddInto(call, self, self));
    return std::vector<Tensor>{self};
  }
  AOT_ASSIGN_OR_RETURN(Tensor tmp, self.clone().Checked());
  AOT_RETURN_IF_ERROR(IndexAddInto(call, self, tmp));
  AOT_RETURN_IF_ERROR(Copy(self, tmp));
  return std::vector<Tensor>{self};
}

// --- Backward ops ------------------------------------------------------------------------

// Sum of grad rows into num_weights rows (accumulated in float for 16-bit
// floats); padding_idx's row (when >= 0) stays zero.
KernelResult EmbeddingBackwardKernel(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& indices = call.input(1);
  const Device dev = CallDevice(call);
  const int64_t num = call.attr("num_weights").i();
  const int64_t padding_idx = call.attr("padding_idx").i();
  AOT_RETURN_IF_ERROR(backends::CheckEmbeddingBackwardArgs(call, grad, indices, num, padding_idx));
  const DType dt = call.result_metas[0].dtype;
  AOT_RETURN_IF_ERROR(RequireAtomics(call, dt));
  const DType acc = dt == DType::kFloat16 || dt == DType::kBFloat16 ? DType::kFloat32 : dt;
  AOT_ASSIGN_OR_RETURN(Tensor idx, Dense(indices.reshape({indices.numel()}), DType::kInt64));
  const int64_t dim = grad.sizes().back();
  AOT_ASSIGN_OR_RETURN(Tensor sum, Tensor::Empty({num, dim}, acc, dev).Checked());
  AOT_RETURN_IF_ERROR(sum.zero_().status());
  Tensor g = grad.reshape({idx.numel(), dim});
  if (padding_idx >= 0) g = g.masked_fill(eq(idx, full_like(idx, static_cast<double>(padding_idx))).unsqueeze(1), 0);
  AOT_ASSIGN_OR_RETURN(Tensor gd, Dense(g, acc));
  if (idx.numel() > 0 && dim > 0) {
    AOT_ASSIGN_OR_RETURN(BadFlag bad, BadFlag::Make(dev));
    AOT_RETURN_IF_ERROR(CheckLaunch(LaunchIndexAdd(ToDT(acc), sum.raw_data(), idx.data_ptr<int64_t>(), gd.raw_data(),
                                                   1, num, dim, idx.numel(), 1.0, bad.ptr()),
                                    Name(call)));
    AOT_RETURN_IF_ERROR(bad.Check(call, 0, num));
  }
  return std::vector<Tensor>{sum.to(dt)};
}

absl::StatusOr<int> BackwardDim(const OpCall& call, absl::Span<const int64_t> sizes) {
  const int64_t dim = call.attr("dim").i();
  const int rank = static_cast<int>(sizes.size());
  if (rank == 0) return absl::InvalidArgumentError(absl::StrCat(Name(call), ": input_sizes must not be empty"));
  if (dim < -rank || dim >= rank) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), ": dim ", dim, " is out of range for rank ", rank,
                                                   " (expected ", -rank, " to ", rank - 1, ")"));
  }
  return static_cast<int>(dim < 0 ? dim + rank : dim);
}

// Zeros of input_sizes with grad written into `view_of(out)`.
template <typename ViewOf>
KernelResult PlaceGrad(const OpCall& call, const ViewOf& view_of) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_RETURN_IF_ERROR(out.zero_().status());
  Tensor view = view_of(out);
  AOT_RETURN_IF_ERROR(view.status());
  const Tensor& grad = call.input(0);
  if (!std::equal(view.sizes().begin(), view.sizes().end(), grad.sizes().begin(), grad.sizes().end())) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), ": grad_output ", SizesString(grad.sizes()),
                                                   " must have shape ", SizesString(view.sizes()),
                                                   " for input_sizes ",
                                                   SizesString(call.attr("input_sizes").ints())));
  }
  if (grad.numel() > 0) AOT_RETURN_IF_ERROR(Copy(view, grad));
  return std::vector<Tensor>{out};
}

KernelResult SelectBackwardKernel(const OpCall& call) {
  const std::vector<int64_t>& sizes = call.attr("input_sizes").ints();
  AOT_ASSIGN_OR_RETURN(int d, BackwardDim(call, sizes));
  int64_t index = call.attr("index").i();
  const int64_t size = sizes[d];
  if (index < -size || index >= size) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), ": index ", index, " is out of range for dimension ",
                                                   d, " of size ", size, " (valid range [", -size, ", ", size, "))"));
  }
  if (index < 0) index += size;
  return PlaceGrad(call, [&](const Tensor& out) { return out.select(d, index); });
}

KernelResult SliceBackwardKernel(const OpCall& call) {
  const std::vector<int64_t>& sizes = call.attr("input_sizes").ints();
  AOT_ASSIGN_OR_RETURN(int d, BackwardDim(call, sizes));
  const int64_t size = sizes[d];
  const int64_t step = call.attr("step").i();
  if (step <= 0) return absl::InvalidArgumentError(absl::StrCat(Name(call), ": step must be positive, got ", step));
  auto clamp = [size](int64_t x) { return std::clamp<int64_t>(x < 0 ? x + size : x, 0, size); };
  const int64_t start = clamp(call.attr("start").i()), end = std::max(clamp(call.attr("end").i()), start);
  return PlaceGrad(call, [&](const Tensor& out) { return out.slice(d, start, end, step); });
}

// --- Losses ----------------------------------------------------------------------------------

constexpr int64_t kReductionNone = 0, kReductionMean = 1;

DType ComputeDType(DType d) { return d == DType::kFloat64 ? DType::kFloat64 : DType::kFloat32; }

// Targets as i64 [rows], checked against the class count (on the host: the
// targets are small); ignored ones replaced by 0 in `safe`, `valid` marks
// the others.
struct Targets {
  Tensor safe;   // i64 [rows]
  Tensor valid;  // bool [rows]
};

absl::StatusOr<Targets> CheckedTargets(const OpCall& call, const Tensor& target_in, int64_t rows, int64_t classes) {
  const int64_t ignore = call.attr("ignore_index").i();
  AOT_ASSIGN_OR_RETURN(Tensor target, Dense(target_in.reshape({rows}), DType::kInt64));
  AOT_ASSIGN_OR_RETURN(Tensor host, DeviceToHost(target));
  const int64_t* t = host.data_ptr<int64_t>();
  for (int64_t i = 0; i < rows; ++i) {
    if (t[i] != ignore && (t[i] < 0 || t[i] >= classes)) {
      return absl::InvalidArgumentError(absl::StrCat(Name(call), "(): target ", t[i], " at index ", i,
                                                     " is out of bounds for ", classes, " classes"));
    }
  }
  Targets out;
  Tensor ignored = eq(target, full_like(target, static_cast<double>(ignore)));
  out.valid = ne(target, full_like(target, static_cast<double>(ignore)));
  out.safe = target.masked_fill(ignored, 0);
  AOT_RETURN_IF_ERROR(out.valid.status());
  AOT_RETURN_IF_ERROR(out.safe.status());
  return out;
}

// Per-row target weights (0 for ignored rows), in `cd`.
Tensor RowWeights(const OpCall& call, int weight_group, const Targets& t, DType cd) {
  const Tensor* w = call.optional_input(weight_group);
  Tensor wt = w != nullptr ? index_select(w->to(cd), 0, t.safe) : ones_like(t.safe).to(cd);
  return where(t.valid, wt, zeros_like(wt));
}

template <bool kCrossEntropy>
KernelResult ClassLossKernel(const OpCall& call) {
  const DType cd = ComputeDType(call.input(0).dtype());
  const Tensor& x_in = call.input(0);
  const int64_t classes = x_in.size(-1);
  const int64_t rows = x_in.dim() == 2 ? x_in.size(0) : 1;
  const int64_t reduction = call.attr("reduction").i();
  double smoothing = 0;
  if constexpr (kCrossEntropy) {
    smoothing = call.attr("label_smoothing").f();
    if (!(smoothing >= 0.0 && smoothing <= 1.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cross_entropy(): label_smoothing must be between 0.0 and 1.0, got ", smoothing));
    }
  }
  AOT_ASSIGN_OR_RETURN(Targets t, CheckedTargets(call, call.input(1), rows, classes));
  Tensor x = x_in.to(cd).reshape({rows, classes});
  if (kCrossEntropy) x = log_softmax(x, 1);
  Tensor wt = RowWeights(call, 2, t, cd);
  Tensor picked = gather(x, 1, t.safe.unsqueeze(1)).squeeze({1});
  Tensor loss = neg(picked) * wt;
  if (smoothing > 0) {
    const Tensor* w = call.optional_input(2);
    Tensor wx = w != nullptr ? sum(x * w->to(cd), {1}) : sum(x, {1});
    Tensor smooth = where(t.valid, neg(wx), zeros_like(wx));
    loss = loss * (1 - smoothing) + smooth * (smoothing / static_cast<double>(classes));
  }
  Tensor out;
  if (reduction == kReductionNone) {
    out = loss.reshape(ResultSizes(call));
  } else if (reduction == kReductionMean) {
    out = sum(loss) / sum(wt);
  } else {
    out = sum(loss);
  }
  out = out.to(call.result_metas[0].dtype);
  AOT_RETURN_IF_ERROR(out.status());
  return std::vector<Tensor>{out};
}

// grad_output as a [rows] (none) or [1] tensor in `cd`.
absl::StatusOr<Tensor> LossGrad(const OpCall& call, int64_t expected_none, DType cd) {
  const int64_t reduction = call.attr("reduction").i();
  if (reduction < 0 || reduction > 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        Name(call), "(): reduction must be 0 (none), 1 (mean) or 2 (sum), got ", reduction));
  }
  const Tensor& g = call.input(0);
  const int64_t want = reduction == kReductionNone ? expected_none : 1;
  if (g.numel() != want) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), "(): grad_output ", g.meta().ToString(), " must have ",
                                                   want, " element(s) for reduction ", reduction));
  }
  return g.to(cd).reshape({want}).Checked();
}

KernelResult NllLossBackwardKernel(const OpCall& call) {
  const Tensor& x = call.input(1);
  if (!ir::IsFloating(x.dtype())) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), "(): expected floating operands, got ",
                                                   ir::DTypeName(x.dtype())));
  }
  if (x.dim() < 1 || x.dim() > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("nll_loss_backward(): self must have rank 1 or 2, got ", x.meta().ToString()));
  }
  const DType cd = ComputeDType(x.dtype());
  const int64_t classes = x.size(-1);
  const int64_t rows = x.dim() == 2 ? x.size(0) : 1;
  AOT_ASSIGN_OR_RETURN(Tensor g, LossGrad(call, rows, cd));
  const Tensor* w = call.optional_input(3);
  if (call.input(2).numel() != rows || (w != nullptr && w->numel() != classes)) {
    return absl::InvalidArgumentError(absl::StrCat("nll_loss_backward(): target ", call.input(2).meta().ToString(),
                                                   " must have ", rows, " values and weight ", classes));
  }
  AOT_ASSIGN_OR_RETURN(Targets t, CheckedTargets(call, call.input(2), rows, classes));
  Tensor wt = RowWeights(call, 3, t, cd);
  const int64_t reduction = call.attr("reduction").i();
  Tensor scale = g;
  if (reduction == kReductionMean) scale = g / sum(wt);
  Tensor val = neg(wt) * scale;  // [rows], broadcast from [1] for mean/sum.
  Tensor zeros_grad = zeros({rows, classes}, TensorOptions{cd, CallDevice(call)});
  Tensor gi = scatter_add(zeros_grad, 1, t.safe.unsqueeze(1), val.unsqueeze(1));
  gi = gi.reshape(ResultSizes(call)).to(call.result_metas[0].dtype);
  AOT_RETURN_IF_ERROR(gi.status());
  return std::vector<Tensor>{gi};
}

KernelResult MseLossKernel(const OpCall& call) {
  const DType cd = ComputeDType(call.result_metas[0].dtype);
  Tensor d = call.input(0).to(cd) - call.input(1).to(cd);
  Tensor sq = d * d;
  const int64_t reduction = call.attr("reduction").i();
  Tensor out = reduction == kReductionNone ? sq : reduction == kReductionMean ? mean(sq) : sum(sq);
  out = out.to(call.result_metas[0].dtype);
  AOT_RETURN_IF_ERROR(out.status());
  return std::vector<Tensor>{out};
}

KernelResult MseLossBackwardKernel(const OpCall& call) {
  if (!ir::IsFloating(call.result_metas[0].dtype)) {
    return absl::InvalidArgumentError(absl::StrCat(Name(call), "(): expected floating operands, got ",
                                                   ir::DTypeName(call.result_metas[0].dtype)));
  }
  const DType cd = ComputeDType(call.result_metas[0].dtype);
  const Tensor& x = call.input(1);
  const Tensor& t = call.input(2);
  if (x.sizes() != t.sizes()) {
    return absl::InvalidArgumentError(absl::StrCat("mse_loss_backward(): self ", x.meta().ToString(), " and target ",
                                                   t.meta().ToString(), " differ in shape"));
  }
  const int64_t n = x.numel();
  AOT_ASSIGN_OR_RETURN(Tensor g, LossGrad(call, n, cd));
  const int64_t reduction = call.attr("reduction").i();
  Tensor d = x.to(cd) - t.to(cd);
  Tensor gi;
  if (reduction == kReductionNone) {
    gi = d * g.reshape(std::vector<int64_t>(x.sizes().begin(), x.sizes().end())) * 2.0;
  } else {
    gi = d * (g * (2.0 / (reduction == kReductionMean ? static_cast<double>(n) : 1.0)));
  }
  gi = gi.to(call.result_metas[0].dtype);
  AOT_RETURN_IF_ERROR(gi.status());
  return std::vector<Tensor>{gi};
}

AOT_REGISTER_CUDA_KERNEL(kCat, [](const OpCall& call) { return CatLike(call, /*stack=*/false); });
AOT_REGISTER_CUDA_KERNEL(kStack, [](const OpCall& call) { return CatLike(call, /*stack=*/true); });
AOT_REGISTER_CUDA_KERNEL(kTriu, TriangularKernel<true>);
AOT_REGISTER_CUDA_KERNEL(kTril, TriangularKernel<false>);
AOT_REGISTER_CUDA_KERNEL(kIndexSelect, IndexSelectKernel);
AOT_REGISTER_CUDA_KERNEL(kGather, GatherKernel);
AOT_REGISTER_CUDA_KERNEL(kScatterAdd, ScatterAddKernel);
AOT_REGISTER_CUDA_KERNEL(kIndexAdd, IndexAddKernel);
AOT_REGISTER_CUDA_KERNEL(kIndexAdd_, IndexAddInplaceKernel);
AOT_REGISTER_CUDA_KERNEL(kEmbedding, EmbeddingKernel);
AOT_REGISTER_CUDA_KERNEL(kEmbeddingBackward, EmbeddingBackwardKernel);
AOT_REGISTER_CUDA_KERNEL(kSelectBackward, SelectBackwardKernel);
AOT_REGISTER_CUDA_KERNEL(kSliceBackward, SliceBackwardKernel);
AOT_REGISTER_CUDA_KERNEL(kNllLoss, ClassLossKernel<false>);
AOT_REGISTER_CUDA_KERNEL(kCrossEntropy, ClassLossKernel<true>);
AOT_REGISTER_CUDA_KERNEL(kNllLossBackward, NllLossBackwardKernel);
AOT_REGISTER_CUDA_KERNEL(kMseLoss, MseLossKernel);
AOT_REGISTER_CUDA_KERNEL(kMseLossBackward, MseLossBackwardKernel);

}  // namespace
}  // namespace aot::cuda
