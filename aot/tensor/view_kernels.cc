// Kernels of the view ops, shared by every backend: a view is new sizes,
// strides and offset over the same storage, so one implementation serves
// CPU, CUDA and Meta (fake tensors have no storage to share, only metadata).
#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"

namespace aot {
namespace {

using Result = absl::StatusOr<std::vector<Tensor>>;

int Wrap(int64_t dim, int rank) { return static_cast<int>(dim < 0 ? dim + std::max(rank, 1) : dim); }

Tensor MakeView(const Tensor& base, SizeVec sizes, SizeVec strides, int64_t offset) {
  auto impl = NewTensorImpl();
  impl->storage = base.impl()->storage;
  impl->offset = offset;
  impl->sizes = std::move(sizes);
  impl->strides = std::move(strides);
  impl->dtype = base.dtype();
  impl->device = base.device();
  return Tensor(std::move(impl));
}

SizeVec Sizes(const Tensor& t) { return SizeVec(t.sizes().begin(), t.sizes().end()); }
SizeVec Strides(const Tensor& t) { return SizeVec(t.strides().begin(), t.strides().end()); }

// Computes strides for viewing `t` with `shape` without copying, or nullopt
// if the layout does not allow it (PyTorch's computeStride).
std::optional<SizeVec> ViewStrides(const Tensor& t, absl::Span<const int64_t> shape) {
  SizeVec old_sizes = Sizes(t), old_strides = Strides(t);
  SizeVec strides(shape.size());
  if (old_sizes.empty()) {
    // A 0-dim tensor (one element) views as any shape of one element.
    for (int64_t& s : strides) s = 1;
    return strides;
  }
  if (t.numel() == 0) {
    int64_t s = 1;
    for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
      strides[i] = s;
      s *= std::max<int64_t>(shape[i], 1);
    }
    return strides;
  }
  int view_d = static_cast<int>(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int tensor_d = static_cast<int>(old_sizes.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= old_sizes[tensor_d];
    if (tensor_d == 0 || (old_sizes[tensor_d - 1] != 1 &&
                          old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = old_strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return strides;
}

SizeVec ResultSizes(const OpCall& call, int i = 0) {
  std::vector<int64_t> s = call.result_metas[i].shape.concrete_sizes().value_or(std::vector<int64_t>{});
  return SizeVec(s.begin(), s.end());
}

Result ViewKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  SizeVec shape = ResultSizes(call);
  std::optional<SizeVec> strides = ViewStrides(x, shape);
  if (!strides) {
    return absl::InvalidArgumentError(
        absl::StrCat("view: the size is not compatible with the input's strides ", x.meta().ToString(),
                     "; use reshape (which copies when it must)"));
  }
  return std::vector<Tensor>{MakeView(x, shape, *strides, x.storage_offset())};
}

Result ReshapeKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  SizeVec shape = ResultSizes(call);
  if (std::optional<SizeVec> strides = ViewStrides(x, shape)) {
    return std::vector<Tensor>{MakeView(x, shape, *strides, x.storage_offset())};
  }
  Tensor c = x.contiguous();
  AOT_RETURN_IF_ERROR(c.status());
  std::optional<SizeVec> strides = ViewStrides(c, shape);
  if (!strides) {
    return absl::InternalError(absl::StrCat("reshape: no view of the contiguous ", c.meta().ToString(),
                                            " has shape [", absl::StrJoin(shape, ","), "]"));
  }
  return std::vector<Tensor>{MakeView(c, shape, *strides, c.storage_offset())};
}

Result PermuteKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  SizeVec sizes, strides;
  for (int64_t d : call.attr("dims").ints()) {
    int w = Wrap(d, x.dim());
    sizes.push_back(x.sizes()[w]);
    strides.push_back(x.strides()[w]);
  }
  return std::vector<Tensor>{MakeView(x, sizes, strides, x.storage_offset())};
}

Result TransposeKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  SizeVec sizes = Sizes(x), strides = Strides(x);
  if (x.dim() > 0) {
    int a = Wrap(call.attr("dim0").i(), x.dim()), b = Wrap(call.attr("dim1").i(), x.dim());
    std::swap(sizes[a], sizes[b]);
    std::swap(strides[a], strides[b]);
  }
  return std::vector<Tensor>{MakeView(x, sizes, strides, x.storage_offset())};
}

Result ExpandKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  SizeVec sizes = ResultSizes(call);
  SizeVec strides(sizes.size(), 0);
  int lead = static_cast<int>(sizes.size()) - x.dim();
  for (int i = 0; i < x.dim(); ++i) {
    strides[lead + i] = x.sizes()[i] == sizes[lead + i] ? x.strides()[i] : 0;
  }
  return std::vector<Tensor>{MakeView(x, sizes, strides, x.storage_offset())};
}

Result SqueezeKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  std::vector<bool> drop(x.dim(), false);
  const ir::AttrValue& d = call.attr("dim");
  for (int i = 0; i < x.dim(); ++i) drop[i] = d.is_none() && x.sizes()[i] == 1;
  if (!d.is_none()) {
    for (int64_t v : d.ints()) {
      int w = Wrap(v, x.dim());
      if (x.dim() > 0 && x.sizes()[w] == 1) drop[w] = true;
    }
  }
  SizeVec sizes, strides;
  for (int i = 0; i < x.dim(); ++i) {
    if (drop[i]) continue;
    sizes.push_back(x.sizes()[i]);
    strides.push_back(x.strides()[i]);
  }
  return std::vector<Tensor>{MakeView(x, sizes, strides, x.storage_offset())};
}

Result UnsqueezeKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  int d = Wrap(call.attr("dim").i(), x.dim() + 1);
  SizeVec sizes = Sizes(x), strides = Strides(x);
  int64_t stride = d < x.dim() ? sizes[d] * strides[d] : 1;
  sizes.insert(sizes.begin() + d, 1);
  strides.insert(strides.begin() + d, stride);
  return std::vector<Tensor>{MakeView(x, sizes, strides, x.storage_offset())};
}

Result SliceKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  int d = Wrap(call.attr("dim").i(), x.dim());
  int64_t size = x.sizes()[d];
  const ir::AttrValue& s = call.attr("start");
  int64_t start = s.is_none() ? 0 : s.i();
  if (start < 0) start += size;
  start = std::clamp<int64_t>(start, 0, size);
  int64_t step = call.attr("step").i();
  SizeVec sizes = ResultSizes(call), strides = Strides(x);
  int64_t offset = x.storage_offset() + start * strides[d];
  strides[d] *= step;
  return std::vector<Tensor>{MakeView(x, sizes, strides, offset)};
}

Result SelectKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  int d = Wrap(call.attr("dim").i(), x.dim());
  int64_t index = call.attr("index").i();
  if (index < 0) index += x.sizes()[d];
  SizeVec sizes = Sizes(x), strides = Strides(x);
  int64_t offset = x.storage_offset() + index * strides[d];
  sizes.erase(sizes.begin() + d);
  strides.erase(strides.begin() + d);
  return std::vector<Tensor>{MakeView(x, sizes, strides, offset)};
}

// split and chunk: consecutive pieces along `dim`, sizes from the shape rule.
Result PiecesKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  int d = Wrap(call.attr("dim").i(), x.dim());
  std::vector<Tensor> out;
  int64_t start = 0;
  for (size_t i = 0; i < call.result_metas.size(); ++i) {
    SizeVec sizes = ResultSizes(call, static_cast<int>(i));
    out.push_back(MakeView(x, sizes, Strides(x), x.storage_offset() + start * x.strides()[d]));
    start += sizes[d];
  }
  return out;
}

Result DetachKernel(const OpCall& call) {
  const Tensor& x = call.input(0);
  return std::vector<Tensor>{MakeView(x, Sizes(x), Strides(x), x.storage_offset())};
}

#define AOT_REGISTER_VIEW_(op, fn)          \
  AOT_REGISTER_KERNEL(op, kCPU, fn);        \
  AOT_REGISTER_KERNEL(op, kCUDA, fn);       \
  AOT_REGISTER_KERNEL(op, kMeta, fn)

AOT_REGISTER_VIEW_(kView, ViewKernel);
AOT_REGISTER_VIEW_(kReshape, ReshapeKernel);
AOT_REGISTER_VIEW_(kPermute, PermuteKernel);
AOT_REGISTER_VIEW_(kTranspose, TransposeKernel);
AOT_REGISTER_VIEW_(kExpand, ExpandKernel);
AOT_REGISTER_VIEW_(kSqueeze, SqueezeKernel);
AOT_REGISTER_VIEW_(kUnsqueeze, UnsqueezeKernel);
AOT_REGISTER_VIEW_(kSlice, SliceKernel);
AOT_REGISTER_VIEW_(kSelect, SelectKernel);
AOT_REGISTER_VIEW_(kSplit, PiecesKernel);
AOT_REGISTER_VIEW_(kChunk, PiecesKernel);
AOT_REGISTER_VIEW_(kDetach, DetachKernel);

}  // namespace
}  // namespace aot
