// CPU kernels of the indexing ops: cat, stack, triu, tril, index_select,
// gather, scatter_add, index_add, index_add_, embedding, and the backward
// ops that place a gradient into zeros (embedding_backward, select_backward,
// slice_backward).
//
// Inputs of any layout are first made contiguous in the dtype the shape rule
// chose (cpu::Contiguous); results are contiguous. Every index is checked before
// anything is read or written through it: an out-of-range index is a user
// error (InvalidArgument naming the op, the index and the valid range).
// Loops that accumulate (scatter_add, index_add, embedding_backward) split
// the work so that no two threads write one element, and add in index
// order, so results do not depend on the thread count.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/backends/common/index_checks.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/strided.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/scalar_types.h"
#include "aot/tensor/tensor.h"

namespace aot::cpu {
namespace {

using ir::AttrValue;
using Span = absl::Span<const int64_t>;

// Sizes with a scalar read as one element along dimension 0 (the ops here
// accept dim 0 / -1 of a rank-0 tensor, as PyTorch does).
SizeVec AtLeast1d(Span sizes) {
  if (sizes.empty()) return SizeVec{1};
  return SizeVec(sizes.begin(), sizes.end());
}

// `dim` wrapped into [0, rank) (the shape rule has checked its range).
int WrapDim(int64_t dim, int rank) { return static_cast<int>(dim < 0 ? dim + std::max(rank, 1) : dim); }

std::string OpName(const OpCall& call) { return std::string(call.op->name()); }

absl::Status OutOfRange(const OpCall& call, int64_t index, int dim, int64_t size) {
  return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": index ", index, " is out of range for dimension ",
                                                 dim, " of size ", size, " (valid range [0, ", size, "))"));
}

// Checks that every one of the n indices lies in [0, size).
absl::Status CheckIndices(const OpCall& call, const int64_t* idx, int64_t n, int dim, int64_t size) {
  for (int64_t k = 0; k < n; ++k) {
    if (idx[k] < 0 || idx[k] >= size) return OutOfRange(call, idx[k], dim, size);
  }
  return absl::OkStatus();
}

// The index operand as contiguous int64 values.
absl::StatusOr<Tensor> IndexValues(const Tensor& index) { return Contiguous(index, DType::kInt64).Checked(); }

std::string SizesString(Span sizes) { return absl::StrCat("[", absl::StrJoin(sizes, ","), "]"); }

// Zeroes a contiguous tensor (all-zero bytes are 0 / false in every dtype).
void ZeroFill(const Tensor& t) {
  if (t.numel() == 0) return;
  std::memset(t.raw_data(), 0, static_cast<size_t>(t.numel()) * ir::DTypeSize(t.dtype()));
}

// Grain (rows per task) for loops over rows of `row` elements.
int64_t RowGrain(int64_t row) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(row, 1)); }

// --- cat, stack --------------------------------------------------------------

// Writes the inputs side by side into `out` (contiguous): out is viewed as
// [outer, sum of chunks], input i as [outer, chunk_i].
absl::Status Concatenate(const std::vector<Tensor>& inputs, int64_t outer, const Tensor& out) {
  const int64_t esize = ir::DTypeSize(out.dtype());
  std::vector<Tensor> parts;
  std::vector<int64_t> chunks, starts;
  int64_t row = 0;
  for (const Tensor& t : inputs) {
    AOT_ASSIGN_OR_RETURN(Tensor c, Contiguous(t, out.dtype()).Checked());
    int64_t chunk = outer == 0 ? 0 : c.numel() / outer;
    parts.push_back(std::move(c));
    chunks.push_back(chunk);
    starts.push_back(row);
    row += chunk;
  }
  if (out.numel() == 0) return absl::OkStatus();
  char* dst = static_cast<char*>(out.raw_data());
  ParallelFor(outer, RowGrain(row), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      for (size_t i = 0; i < parts.size(); ++i) {
        if (chunks[i] == 0) continue;
        const char* src = static_cast<const char*>(parts[i].raw_data());
        std::memcpy(dst + (o * row + starts[i]) * esize, src + o * chunks[i] * esize, chunks[i] * esize);
      }
    }
  });
  return absl::OkStatus();
}

KernelResult CatKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  int d = WrapDim(call.attr("dim").i(), out.dim());
  AOT_RETURN_IF_ERROR(Concatenate(call.input_list(0), SizeProduct(out.sizes(), 0, d), out));
  return std::vector<Tensor>{out};
}

KernelResult StackKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  int d = WrapDim(call.attr("dim").i(), out.dim());
  AOT_RETURN_IF_ERROR(Concatenate(call.input_list(0), SizeProduct(out.sizes(), 0, d), out));
  return std::vector<Tensor>{out};
}

// --- triu, tril ----------------------------------------------------------------

template <bool kUpper>
KernelResult TriangularKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(call.input(0)).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  const int64_t diagonal = call.attr("diagonal").i();
  const int64_t rows = x.size(-2), cols = x.size(-1);
  const int64_t n = x.numel();
  if (n == 0) return std::vector<Tensor>{out};
  VisitDType(x.dtype(), [&]<typename T>() {
    const T* src = x.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    const T zero = ConvertScalar<T>(0);
    ParallelFor(n / cols, RowGrain(cols), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const int64_t i = r % rows;
        // Columns kept: j - i >= diagonal (triu) or j - i <= diagonal (tril).
        const int64_t bound = std::clamp<int64_t>(i + diagonal + (kUpper ? 0 : 1), 0, cols);
        const T* s = src + r * cols;
        T* o = dst + r * cols;
        for (int64_t j = 0; j < cols; ++j) {
          o[j] = ((j >= bound) == kUpper) ? s[j] : zero;
        }
      }
    });
  });
  return std::vector<Tensor>{out};
}

// --- index_select, embedding ------------------------------------------------------

// out[o, k, :] = x[o, idx[k], :] with x contiguous [outer, size, inner] and
// out contiguous [outer, n, inner]; the indices have been checked.
void SelectRows(const Tensor& x, const int64_t* idx, int64_t outer, int64_t size, int64_t n, int64_t inner,
                const Tensor& out) {
  if (out.numel() == 0) return;
  const int64_t esize = ir::DTypeSize(x.dtype());
  const char* src = static_cast<const char*>(x.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  ParallelFor(outer * n, RowGrain(inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / n, k = r % n;
      std::memcpy(dst + r * inner * esize, src + (o * size + idx[k]) * inner * esize, inner * esize);
    }
  });
}

KernelResult IndexSelectKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_ASSIGN_OR_RETURN(Tensor idx, IndexValues(call.input(1)));
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  SizeVec sizes = AtLeast1d(self.sizes());
  const int rank = static_cast<int>(sizes.size());
  const int d = WrapDim(call.attr("dim").i(), self.dim());
  const int64_t outer = SizeProduct(sizes, 0, d), size = sizes[d], inner = SizeProduct(sizes, d + 1, rank);
  const int64_t n = idx.numel();
  if (self.dim() == 0 && n != 1) {
    return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": selecting from a scalar needs one index, got ", n));
  }
  AOT_RETURN_IF_ERROR(CheckIndices(call, idx.data_ptr<int64_t>(), n, d, size));
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(self).Checked());
  SelectRows(x, idx.data_ptr<int64_t>(), outer, size, n, inner, out);
  return std::vector<Tensor>{out};
}

// padding_idx only matters to embedding_backward.
KernelResult EmbeddingKernel(const OpCall& call) {
  const Tensor& weight = call.input(0);
  AOT_ASSIGN_OR_RETURN(Tensor idx, IndexValues(call.input(1)));
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  const int64_t num = weight.size(0), dim = weight.size(1), n = idx.numel();
  AOT_RETURN_IF_ERROR(CheckIndices(call, idx.data_ptr<int64_t>(), n, 0, num));
  AOT_ASSIGN_OR_RETURN(Tensor w, Contiguous(weight).Checked());
  SelectRows(w, idx.data_ptr<int64_t>(), 1, num, n, dim, out);
  return std::vector<Tensor>{out};
}

// --- gather, scatter_add ----------------------------------------------------------

KernelResult GatherKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  SizeVec xs = AtLeast1d(self.sizes()), is = AtLeast1d(index.sizes());
  const int rank = static_cast<int>(xs.size());
  const int d = WrapDim(call.attr("dim").i(), self.dim());
  for (int k = 0; k < rank; ++k) {
    if (k != d && is[k] > xs[k]) {
      return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": index ", SizesString(index.sizes()),
                                                     " is larger than self ", SizesString(self.sizes()),
                                                     " in dimension ", k));
    }
  }
  AOT_ASSIGN_OR_RETURN(Tensor idx, IndexValues(index));
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  const int64_t n = idx.numel();
  const int64_t* ip = idx.data_ptr<int64_t>();
  AOT_RETURN_IF_ERROR(CheckIndices(call, ip, n, d, xs[d]));
  if (n == 0) return std::vector<Tensor>{out};
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(self).Checked());
  // Walk the index's positions with x's strides, dimension d left out: the
  // index value supplies it.
  SizeVec xstrides = ContiguousStrides(xs);
  const int64_t dstride = xstrides[d];
  xstrides[d] = 0;
  VisitDType(x.dtype(), [&]<typename T>() {
    const T* src = x.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
      ForEachOffset<1>(is, {Span(xstrides)}, b, e,
                       [&](int64_t i, const std::array<int64_t, 1>& o) { dst[i] = src[o[0] + ip[i] * dstride]; });
    });
  });
  return std::vector<Tensor>{out};
}

KernelResult ScatterAddKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  const Tensor& source = call.input(2);
  SizeVec ss = AtLeast1d(self.sizes()), is = AtLeast1d(index.sizes()), rs = AtLeast1d(source.sizes());
  const int rank = static_cast<int>(ss.size());
  const int d = WrapDim(call.attr("dim").i(), self.dim());
  for (int k = 0; k < rank; ++k) {
    if (is[k] > rs[k] || (k != d && is[k] > ss[k])) {
      return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": index ", SizesString(index.sizes()),
                                                     " must be no larger than src ", SizesString(source.sizes()),
                                                     " in every dimension and than self ", SizesString(self.sizes()),
                                                     " in every dimension but ", d, "; dimension ", k, " is not"));
    }
  }
  AOT_ASSIGN_OR_RETURN(Tensor idx, IndexValues(index));
  const int64_t* ip = idx.data_ptr<int64_t>();
  AOT_RETURN_IF_ERROR(CheckIndices(call, ip, idx.numel(), d, ss[d]));
  AOT_ASSIGN_OR_RETURN(Tensor out, ContiguousCopy(self, call.result_metas[0].dtype).Checked());
  if (idx.numel() == 0) return std::vector<Tensor>{out};
  AOT_ASSIGN_OR_RETURN(Tensor src, Contiguous(source, out.dtype()).Checked());
  // Threads take disjoint sets of positions in the dimensions other than d
  // (whose writes cannot collide) and walk dimension d in order.
  SizeVec istr = ContiguousStrides(is), rstr = ContiguousStrides(rs), ostr = ContiguousStrides(ss);
  const int64_t len = is[d], id = istr[d], rd = rstr[d], od = ostr[d];
  SizeVec outer_sizes = is;
  for (SizeVec* v : {&outer_sizes, &istr, &rstr, &ostr}) v->erase(v->begin() + d);
  const int64_t outer = SizeProduct(outer_sizes, 0, static_cast<int>(outer_sizes.size()));
  VisitDType(out.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const T* sp = src.data_ptr<T>();
    T* op = out.data_ptr<T>();
    ParallelFor(outer, RowGrain(len), [&](int64_t b, int64_t e) {
      ForEachOffset<3>(outer_sizes, {Span(istr), Span(rstr), Span(ostr)}, b, e,
                       [&](int64_t, const std::array<int64_t, 3>& o) {
                         for (int64_t k = 0; k < len; ++k) {
                           T& dst = op[o[2] + ip[o[0] + k * id] * od];
                           dst = static_cast<T>(static_cast<C>(dst) + static_cast<C>(sp[o[1] + k * rd]));
                         }
                       });
    });
  });
  return std::vector<Tensor>{out};
}

// --- index_add, index_add_ -------------------------------------------------------

// out[o, idx[k], :] += alpha * src[o, k, :] for contiguous out [outer, size,
// inner] and src [outer, n, inner]; the indices have been checked.
template <typename T>
void IndexAddInto(T* out, const T* src, const int64_t* idx, int64_t outer, int64_t size, int64_t n, int64_t inner,
                  ComputeType<T> alpha) {
  using C = ComputeType<T>;
  auto add_rows = [&](int64_t o, int64_t jb, int64_t je) {
    for (int64_t k = 0; k < n; ++k) {
      T* dst = out + (o * size + idx[k]) * inner;
      const T* s = src + (o * n + k) * inner;
      for (int64_t j = jb; j < je; ++j) dst[j] = static_cast<T>(static_cast<C>(dst[j]) + alpha * static_cast<C>(s[j]));
    }
  };
  if (outer >= NumThreads() || inner < 64) {
    ParallelFor(outer, RowGrain(n * inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) add_rows(o, 0, inner);
    });
  } else {
    // Few outer rows: split the columns instead (each column's updates stay
    // on one thread, in index order).
    for (int64_t o = 0; o < outer; ++o) {
      ParallelFor(inner, std::max<int64_t>(64, kGrain / std::max<int64_t>(n, 1)),
                  [&](int64_t b, int64_t e) { add_rows(o, b, e); });
    }
  }
}

// A validated index_add(_) call: the operands ready to read and self viewed
// as [outer, size, inner].
struct IndexAddPlan {
  Tensor idx;
  Tensor src;  // Contiguous, self's dtype, never aliasing self.
  int64_t outer = 0, size = 0, n = 0, inner = 0;
};

absl::StatusOr<IndexAddPlan> PlanIndexAdd(const OpCall& call, const Tensor& self) {
  const Tensor& index = call.input(1);
  const Tensor& source = call.input(2);
  IndexAddPlan p;
  SizeVec sizes = AtLeast1d(self.sizes());
  const int rank = static_cast<int>(sizes.size());
  const int d = WrapDim(call.attr("dim").i(), self.dim());
  p.outer = SizeProduct(sizes, 0, d);
  p.size = sizes[d];
  p.inner = SizeProduct(sizes, d + 1, rank);
  const AttrValue& alpha = call.attr("alpha");
  if (!IsFloating(self.dtype()) && alpha.is_float() && alpha.f() != std::trunc(alpha.f())) {
    return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": alpha ", alpha.ToString(),
                                                   " must be an integer for a ", ir::DTypeName(self.dtype()),
                                                   " tensor"));
  }
  // The operands are copied when they share self's storage, since self is
  // written while they are read (index_add_).
  p.idx = index.shares_storage_with(self) ? ContiguousCopy(index, DType::kInt64) : Contiguous(index, DType::kInt64);
  AOT_RETURN_IF_ERROR(p.idx.status());
  p.n = p.idx.numel();
  if (source.numel() != p.outer * p.n * p.inner) {
    return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": source ", SizesString(source.sizes()),
                                                   " does not match ", p.n, " indices into self ",
                                                   SizesString(self.sizes()), " along dimension ", d));
  }
  AOT_RETURN_IF_ERROR(CheckIndices(call, p.idx.data_ptr<int64_t>(), p.n, d, p.size));
  p.src = source.shares_storage_with(self) ? ContiguousCopy(source, self.dtype()) : Contiguous(source, self.dtype());
  AOT_RETURN_IF_ERROR(p.src.status());
  return p;
}

void RunIndexAdd(const OpCall& call, const IndexAddPlan& p, const Tensor& out) {
  if (p.n == 0 || p.outer == 0 || p.inner == 0) return;
  const double alpha = call.attr("alpha").scalar();
  VisitDType(out.dtype(), [&]<typename T>() {
    IndexAddInto<T>(out.data_ptr<T>(), p.src.data_ptr<T>(), p.idx.data_ptr<int64_t>(), p.outer, p.size, p.n, p.inner,
                    static_cast<ComputeType<T>>(alpha));
  });
}

KernelResult IndexAddKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_ASSIGN_OR_RETURN(IndexAddPlan p, PlanIndexAdd(call, self));
  AOT_ASSIGN_OR_RETURN(Tensor out, ContiguousCopy(self).Checked());
  RunIndexAdd(call, p, out);
  return std::vector<Tensor>{out};
}

// Writes self's storage in place, whatever its strides.
KernelResult IndexAddInplaceKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_RETURN_IF_ERROR(backends::CheckWritableInPlace(call, self));
  AOT_ASSIGN_OR_RETURN(IndexAddPlan p, PlanIndexAdd(call, self));
  if (self.is_contiguous()) {
    RunIndexAdd(call, p, self);
    return std::vector<Tensor>{self};
  }
  // Strided self: update a contiguous copy, then write it back.
  AOT_ASSIGN_OR_RETURN(Tensor tmp, ContiguousCopy(self).Checked());
  RunIndexAdd(call, p, tmp);
  CopyInto(self, tmp);
  return std::vector<Tensor>{self};
}

// --- Backward ops -----------------------------------------------------------------

// Sum of grad rows into num_weights rows; padding_idx's row (when >= 0)
// stays zero.
KernelResult EmbeddingBackwardKernel(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& indices = call.input(1);
  const int64_t num = call.attr("num_weights").i();
  const int64_t padding_idx = call.attr("padding_idx").i();
  AOT_RETURN_IF_ERROR(backends::CheckEmbeddingBackwardArgs(call, grad, indices, num, padding_idx));
  AOT_ASSIGN_OR_RETURN(Tensor idx, IndexValues(indices));
  const int64_t n = idx.numel();
  const int64_t* ip = idx.data_ptr<int64_t>();
  AOT_RETURN_IF_ERROR(CheckIndices(call, ip, n, 0, num));
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  const int64_t dim = out.size(1);
  if (out.numel() == 0) return std::vector<Tensor>{out};
  AOT_ASSIGN_OR_RETURN(Tensor g, Contiguous(grad).Checked());
  VisitDType(out.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const T* gp = g.data_ptr<T>();
    T* op = out.data_ptr<T>();
    // Accumulate in the compute type: in place, or in a float buffer for the
    // 16-bit floats.
    std::vector<C> buffer;
    C* acc;
    if constexpr (std::is_same_v<C, T>) {
      ZeroFill(out);
      acc = op;
    } else {
      buffer.assign(static_cast<size_t>(num * dim), C(0));
      acc = buffer.data();
    }
    auto add = [&](int64_t k, int64_t jb, int64_t je) {
      C* a = acc + ip[k] * dim;
      const T* s = gp + k * dim;
      for (int64_t j = jb; j < je; ++j) a[j] = static_cast<C>(a[j] + static_cast<C>(s[j]));
    };
    if (dim >= 256) {
      // Wide rows: threads take column ranges.
      ParallelFor(dim, std::max<int64_t>(64, kGrain / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
        for (int64_t k = 0; k < n; ++k) {
          if (ip[k] != padding_idx) add(k, b, e);
        }
      });
    } else {
      // Narrow rows: threads take ranges of weight rows and scan all indices.
      ParallelFor(num, std::max<int64_t>(1, num / NumThreads()), [&](int64_t b, int64_t e) {
        for (int64_t k = 0; k < n; ++k) {
          if (ip[k] >= b && ip[k] < e && ip[k] != padding_idx) add(k, 0, dim);
        }
      });
    }
    if constexpr (!std::is_same_v<C, T>) {
      ParallelFor(num * dim, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) op[i] = static_cast<T>(acc[i]);
      });
    }
  });
  return std::vector<Tensor>{out};
}

// Zeros of `input_sizes` with the gradient (contiguous [outer, len, inner])
// at positions start + k * step of dimension d.
absl::StatusOr<Tensor> PlaceGrad(const OpCall& call, Span input_sizes, int d, int64_t start, int64_t len,
                                 int64_t step) {
  const Tensor& grad = call.input(0);
  SizeVec want(input_sizes.begin(), input_sizes.end());
  want[d] = len;
  if (call.kind() == OpKind::kSelectBackward) want.erase(want.begin() + d);
  if (!std::equal(want.begin(), want.end(), grad.sizes().begin(), grad.sizes().end())) {
    return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": grad_output ", SizesString(grad.sizes()),
                                                   " must have shape ", SizesString(want), " for input_sizes ",
                                                   SizesString(input_sizes)));
  }
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  ZeroFill(out);
  if (grad.numel() == 0) return out;
  AOT_ASSIGN_OR_RETURN(Tensor g, Contiguous(grad, out.dtype()).Checked());
  const int rank = static_cast<int>(input_sizes.size());
  const int64_t outer = SizeProduct(input_sizes, 0, d), size = input_sizes[d];
  const int64_t inner = SizeProduct(input_sizes, d + 1, rank);
  const int64_t esize = ir::DTypeSize(out.dtype());
  const char* src = static_cast<const char*>(g.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  ParallelFor(outer * len, RowGrain(inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / len, k = r % len;
      std::memcpy(dst + (o * size + start + k * step) * inner * esize, src + r * inner * esize, inner * esize);
    }
  });
  return out;
}

absl::StatusOr<int> BackwardDim(const OpCall& call, Span sizes) {
  const int64_t dim = call.attr("dim").i();
  const int rank = static_cast<int>(sizes.size());
  if (rank == 0) return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": input_sizes must not be empty"));
  if (dim < -rank || dim >= rank) {
    return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": dim ", dim, " is out of range for rank ", rank,
                                                   " (expected ", -rank, " to ", rank - 1, ")"));
  }
  return static_cast<int>(dim < 0 ? dim + rank : dim);
}

KernelResult SelectBackwardKernel(const OpCall& call) {
  const std::vector<int64_t>& sizes = call.attr("input_sizes").ints();
  AOT_ASSIGN_OR_RETURN(int d, BackwardDim(call, sizes));
  int64_t index = call.attr("index").i();
  const int64_t size = sizes[d];
  if (index < -size || index >= size) {
    return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": index ", index, " is out of range for dimension ",
                                                   d, " of size ", size, " (valid range [", -size, ", ", size, "))"));
  }
  if (index < 0) index += size;
  AOT_ASSIGN_OR_RETURN(Tensor out, PlaceGrad(call, sizes, d, index, 1, 1));
  return std::vector<Tensor>{out};
}

// start and end are clamped like slice's (negative ones count from the end).
KernelResult SliceBackwardKernel(const OpCall& call) {
  const std::vector<int64_t>& sizes = call.attr("input_sizes").ints();
  AOT_ASSIGN_OR_RETURN(int d, BackwardDim(call, sizes));
  const int64_t size = sizes[d];
  const int64_t step = call.attr("step").i();
  if (step <= 0) return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": step must be positive, got ", step));
  auto clamp = [size](int64_t x) { return std::clamp<int64_t>(x < 0 ? x + size : x, 0, size); };
  const int64_t start = clamp(call.attr("start").i()), end = clamp(call.attr("end").i());
  const int64_t len = end > start ? (end - start + step - 1) / step : 0;
  AOT_ASSIGN_OR_RETURN(Tensor out, PlaceGrad(call, sizes, d, start, len, step));
  return std::vector<Tensor>{out};
}

}  // namespace

AOT_REGISTER_KERNEL(kCat, kCPU, CatKernel);
AOT_REGISTER_KERNEL(kStack, kCPU, StackKernel);
AOT_REGISTER_KERNEL(kTriu, kCPU, TriangularKernel<true>);
AOT_REGISTER_KERNEL(kTril, kCPU, TriangularKernel<false>);
AOT_REGISTER_KERNEL(kIndexSelect, kCPU, IndexSelectKernel);
AOT_REGISTER_KERNEL(kGather, kCPU, GatherKernel);
AOT_REGISTER_KERNEL(kScatterAdd, kCPU, ScatterAddKernel);
AOT_REGISTER_KERNEL(kIndexAdd, kCPU, IndexAddKernel);
AOT_REGISTER_KERNEL(kIndexAdd_, kCPU, IndexAddInplaceKernel);
AOT_REGISTER_KERNEL(kEmbedding, kCPU, EmbeddingKernel);
AOT_REGISTER_KERNEL(kEmbeddingBackward, kCPU, EmbeddingBackwardKernel);
AOT_REGISTER_KERNEL(kSelectBackward, kCPU, SelectBackwardKernel);
AOT_REGISTER_KERNEL(kSliceBackward, kCPU, SliceBackwardKernel);

}  // namespace aot::cpu
