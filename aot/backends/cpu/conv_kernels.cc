// CPU kernels of 2-D convolution: conv2d, conv2d_backward_input and
// conv2d_backward_weight, NCHW activations and OIHW weights.
//
// float32 runs on oneDNN's convolution primitives, which measured fastest
// here (docs/design/cpu_backend.md), on the blocked layouts they choose,
// reordered from and to the tensors' NCHW/OIHW; primitives and reorders are
// built once per geometry and cached. float64 (which oneDNN
// does not support on CPU), empty channel dims and every other case run
// im2col + Gemm (blas.h) per image and group, as PyTorch's slow_conv2d:
//   forward      y[oc, p]    = W[oc, k] cols[k, p] (+ bias)
//   input grad   dcols[k, p] = W^T[k, oc] dy[oc, p], then col2im adds into dx
//   weight grad  dW[oc, k]  += dy[oc, p] cols^T[p, k], summed over images
// where k runs over (input channel, ky, kx) of one group and p over output
// pixels. The 16-bit floats compute in float32.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "aot/backends/common/conv_geometry.h"
#include "aot/backends/cpu/blas.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/strided.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace aot::cpu {
namespace {

const std::string& OpName(const OpCall& call) { return call.op->name(); }

using backends::CheckFloatPair;
using backends::ConvGeometry;
using backends::ConvGeometryOf;

// --- oneDNN (float32) -------------------------------------------------------------

enum class ConvKind { kForward, kForwardBias, kBackwardData, kBackwardWeights };

dnnl::engine& Engine() {
  static dnnl::engine* engine = new dnnl::engine(dnnl::engine::kind::cpu, 0);
  return *engine;
}

// One argument of a primitive: the plain layout of the tensor (nchw, oihw /
// goihw, x) and the layout the primitive chose, with the reorder between
// them when they differ.
struct OneDnnArg {
  int arg = 0;  // DNNL_ARG_*.
  bool output = false;
  dnnl::memory::desc user, internal;
  std::optional<dnnl::reorder> reorder;  // user -> internal, or back for an output.
};

// A built primitive and its arguments.
struct OneDnnConv {
  dnnl::primitive prim;
  std::vector<OneDnnArg> args;
};

OneDnnArg MakeArg(int arg, bool output, const dnnl::memory::desc& user, const dnnl::memory::desc& internal) {
  OneDnnArg a;
  a.arg = arg, a.output = output, a.user = user, a.internal = internal;
  if (user != internal) {
    a.reorder = output ? dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), internal, Engine(), user))
                       : dnnl::reorder(dnnl::reorder::primitive_desc(Engine(), user, Engine(), internal));
  }
  return a;
}

// Builds the primitive for `kind` on the layouts oneDNN prefers (blocked,
// e.g. nChw16c), with reorders from and to the tensors' plain layouts: at
// ResNet shapes that runs about twice as fast as the primitives on plain
// memory, reorders included (docs/design/cpu_backend.md).
OneDnnConv Build(ConvKind kind, const ConvGeometry& g) {
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  const dnnl::memory::dims src_dims = {g.n, g.c, g.h, g.w}, dst_dims = {g.n, g.oc, g.oh, g.ow};
  // A grouped OIHW weight is GOIHW in the same memory.
  const dnnl::memory::dims wei_dims = g.groups == 1 ? dnnl::memory::dims{g.oc, g.c, g.kh, g.kw}
                                                    : dnnl::memory::dims{g.groups, g.ocg(), g.cg(), g.kh, g.kw};
  const dnnl::memory::desc src(src_dims, dt::f32, tag::nchw), dst(dst_dims, dt::f32, tag::nchw),
      wei(wei_dims, dt::f32, g.groups == 1 ? tag::oihw : tag::goihw), bias({g.oc}, dt::f32, tag::x);
  const dnnl::memory::desc src_any(src_dims, dt::f32, tag::any), dst_any(dst_dims, dt::f32, tag::any),
      wei_any(wei_dims, dt::f32, tag::any);
  // oneDNN counts dilation from 0; output sizes come out as PyTorch's with
  // the right padding equal to the left (its formula floors too).
  const dnnl::memory::dims strides = {g.sh, g.sw}, dilates = {g.dh - 1, g.dw - 1}, pad = {g.ph, g.pw};
  const auto algo = dnnl::algorithm::convolution_direct;
  const auto prop = dnnl::prop_kind::forward_training;
  dnnl::convolution_forward::primitive_desc fwd(
      kind == ConvKind::kForwardBias
          ? dnnl::convolution_forward::desc(prop, algo, src_any, wei_any, bias, dst_any, strides, dilates, pad, pad)
          : dnnl::convolution_forward::desc(prop, algo, src_any, wei_any, dst_any, strides, dilates, pad, pad),
      Engine());
  OneDnnConv conv;
  switch (kind) {
    case ConvKind::kForward:
    case ConvKind::kForwardBias:
      conv.prim = dnnl::convolution_forward(fwd);
      conv.args = {MakeArg(DNNL_ARG_SRC, false, src, fwd.src_desc()),
                   MakeArg(DNNL_ARG_WEIGHTS, false, wei, fwd.weights_desc()),
                   MakeArg(DNNL_ARG_DST, true, dst, fwd.dst_desc())};
      if (kind == ConvKind::kForwardBias) conv.args.push_back(MakeArg(DNNL_ARG_BIAS, false, bias, fwd.bias_desc()));
      break;
    case ConvKind::kBackwardData: {
      dnnl::convolution_backward_data::primitive_desc pd(
          dnnl::convolution_backward_data::desc(algo, src_any, wei_any, dst_any, strides, dilates, pad, pad),
          Engine(), fwd);
      conv.prim = dnnl::convolution_backward_data(pd);
      conv.args = {MakeArg(DNNL_ARG_DIFF_DST, false, dst, pd.diff_dst_desc()),
                   MakeArg(DNNL_ARG_WEIGHTS, false, wei, pd.weights_desc()),
                   MakeArg(DNNL_ARG_DIFF_SRC, true, src, pd.diff_src_desc())};
      break;
    }
    case ConvKind::kBackwardWeights: {
      dnnl::convolution_backward_weights::primitive_desc pd(
          dnnl::convolution_backward_weights::desc(algo, src_any, wei_any, dst_any, strides, dilates, pad, pad),
          Engine(), fwd);
      conv.prim = dnnl::convolution_backward_weights(pd);
      conv.args = {MakeArg(DNNL_ARG_DIFF_DST, false, dst, pd.diff_dst_desc()),
                   MakeArg(DNNL_ARG_SRC, false, src, pd.src_desc()),
                   MakeArg(DNNL_ARG_DIFF_WEIGHTS, true, wei, pd.diff_weights_desc())};
      break;
    }
  }
  return conv;
}

// Primitives by (kind, geometry): building one costs more than running a
// small convolution, and training runs the same few geometries every step.
// Primitives may run on several threads at once.
class PrimitiveCache {
 public:
  static PrimitiveCache& Get() {
    static PrimitiveCache* cache = new PrimitiveCache();
    return *cache;
  }

  // Throws dnnl::error if oneDNN has no implementation.
  std::shared_ptr<const OneDnnConv> Find(ConvKind kind, const ConvGeometry& g) {
    auto key = std::tuple_cat(std::make_tuple(static_cast<int>(kind)), g.Key());
    {
      absl::MutexLock lock(&mu_);
      auto it = cache_.find(key);
      if (it != cache_.end()) return it->second;
    }
    auto conv = std::make_shared<const OneDnnConv>(Build(kind, g));
    absl::MutexLock lock(&mu_);
    if (cache_.size() >= kCapacity) cache_.clear();
    cache_.emplace(key, conv);
    return conv;
  }

 private:
  static constexpr size_t kCapacity = 256;
  using Key = decltype(std::tuple_cat(std::make_tuple(0), ConvGeometry().Key()));

  absl::Mutex mu_;
  absl::flat_hash_map<Key, std::shared_ptr<const OneDnnConv>> cache_ ABSL_GUARDED_BY(mu_);
};

// True if the oneDNN path takes this problem: float32 with no empty
// dimension (the loops below handle those).
bool UseOneDnn(DType dtype, const ConvGeometry& g) {
  return dtype == DType::kFloat32 && g.n > 0 && g.c > 0 && g.h > 0 && g.w > 0 && g.oc > 0 && g.kh > 0 && g.kw > 0;
}

// Runs `kind` with `tensors` (DNNL_ARG_* -> tensor, all contiguous float32;
// outputs allocated).
absl::Status RunOneDnn(const OpCall& call, ConvKind kind, const ConvGeometry& g,
                       const std::vector<std::pair<int, const Tensor*>>& tensors) {
  try {
    std::shared_ptr<const OneDnnConv> conv = PrimitiveCache::Get().Find(kind, g);
    dnnl::stream stream(Engine());
    std::unordered_map<int, dnnl::memory> args;
    std::vector<std::pair<const OneDnnArg*, std::pair<dnnl::memory, dnnl::memory>>> outputs;
    for (const OneDnnArg& a : conv->args) {
      const Tensor* t = nullptr;
      for (const auto& [arg, tensor] : tensors) {
        if (arg == a.arg) t = tensor;
      }
      if (t == nullptr) return absl::InternalError(absl::StrCat(OpName(call), ": missing oneDNN argument ", a.arg));
      dnnl::memory user(a.user, Engine(), const_cast<void*>(static_cast<const void*>(t->data_ptr<float>())));
      if (!a.reorder) {
        args.emplace(a.arg, user);
        continue;
      }
      dnnl::memory internal(a.internal, Engine());
      if (a.output) {
        outputs.push_back({&a, {internal, user}});
      } else {
        a.reorder->execute(stream, user, internal);
      }
      args.emplace(a.arg, internal);
    }
    conv->prim.execute(stream, args);
    for (auto& [a, mem] : outputs) a->reorder->execute(stream, mem.first, mem.second);
    stream.wait();
  } catch (const dnnl::error& e) {
    return absl::InternalError(absl::StrCat(OpName(call), ": oneDNN failed: ", e.what()));
  }
  return absl::OkStatus();
}

// --- im2col + Gemm (float64, fallbacks) ---------------------------------------------

// cols[(ci, ky, kx), (oy, ox)] = x[ci, iy, ix] (0 in the padding) for the
// `cg` channels of one group of one image.
template <typename T>
void Im2col(const T* x, const ConvGeometry& g, T* cols) {
  const int64_t cg = g.cg(), p = g.opix();
  for (int64_t ci = 0; ci < cg; ++ci) {
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        T* row = cols + ((ci * g.kh + ky) * g.kw + kx) * p;
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t iy = oy * g.sh - g.ph + ky * g.dh;
          T* out = row + oy * g.ow;
          if (iy < 0 || iy >= g.h) {
            std::fill(out, out + g.ow, T(0));
            continue;
          }
          const T* in = x + (ci * g.h + iy) * g.w;
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const int64_t ix = ox * g.sw - g.pw + kx * g.dw;
            out[ox] = ix >= 0 && ix < g.w ? in[ix] : T(0);
          }
        }
      }
    }
  }
}

// The adjoint of Im2col: dx[ci, iy, ix] += dcols[(ci, ky, kx), (oy, ox)].
template <typename T>
void Col2imAdd(const T* cols, const ConvGeometry& g, T* dx) {
  const int64_t cg = g.cg(), p = g.opix();
  for (int64_t ci = 0; ci < cg; ++ci) {
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const T* row = cols + ((ci * g.kh + ky) * g.kw + kx) * p;
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t iy = oy * g.sh - g.ph + ky * g.dh;
          if (iy < 0 || iy >= g.h) continue;
          T* out = dx + (ci * g.h + iy) * g.w;
          const T* in = row + oy * g.ow;
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const int64_t ix = ox * g.sw - g.pw + kx * g.dw;
            if (ix >= 0 && ix < g.w) out[ix] += in[ox];
          }
        }
      }
    }
  }
}

// A 1x1 convolution with stride 1 and no padding needs no im2col: the input
// pixels are the columns.
bool IsPointwise(const ConvGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0;
}

template <typename T>
StridedMatrix<T> RowMajor(const T* data, int64_t rows, int64_t cols) {
  return StridedMatrix<T>{data, rows, cols, std::max<int64_t>(cols, 1), 1};
}
template <typename T>
StridedMatrix<T> Transposed(const T* data, int64_t rows, int64_t cols) {  // Of a row-major cols x rows.
  return StridedMatrix<T>{data, rows, cols, 1, std::max<int64_t>(rows, 1)};
}

// y = conv(x, w) + bias; x, w, bias contiguous, y allocated.
template <typename T>
absl::Status ForwardLoops(const char* op, const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t k = g.kdim(), p = g.opix(), ocg = g.ocg();
  const bool pointwise = IsPointwise(g);
  std::vector<T> cols(pointwise ? 0 : static_cast<size_t>(k * p));
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      const T* xg = x + (n * g.c + gi * g.cg()) * g.h * g.w;
      T* yg = y + (n * g.oc + gi * ocg) * p;
      if (bias != nullptr) {
        for (int64_t o = 0; o < ocg; ++o) std::fill(yg + o * p, yg + (o + 1) * p, bias[gi * ocg + o]);
      }
      const T* b = xg;
      if (!pointwise) {
        Im2col<T>(xg, g, cols.data());
        b = cols.data();
      }
      AOT_RETURN_IF_ERROR(Gemm<T>(op, T(1), RowMajor<T>(w + gi * ocg * k, ocg, k), RowMajor<T>(b, k, p),
                                  T(bias != nullptr ? 1 : 0), yg, p));
    }
  }
  return absl::OkStatus();
}

// dx = conv^T(dy, w); dy, w contiguous, dx allocated.
template <typename T>
absl::Status BackwardInputLoops(const char* op, const ConvGeometry& g, const T* dy, const T* w, T* dx) {
  const int64_t k = g.kdim(), p = g.opix(), ocg = g.ocg();
  const bool pointwise = IsPointwise(g);
  std::vector<T> cols(pointwise ? 0 : static_cast<size_t>(k * p));
  if (!pointwise) std::fill(dx, dx + g.n * g.c * g.h * g.w, T(0));
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      const T* dyg = dy + (n * g.oc + gi * ocg) * p;
      T* dxg = dx + (n * g.c + gi * g.cg()) * g.h * g.w;
      T* out = pointwise ? dxg : cols.data();
      AOT_RETURN_IF_ERROR(
          Gemm<T>(op, T(1), Transposed<T>(w + gi * ocg * k, k, ocg), RowMajor<T>(dyg, ocg, p), T(0), out, p));
      if (!pointwise) Col2imAdd<T>(cols.data(), g, dxg);
    }
  }
  return absl::OkStatus();
}

// dw = sum over images of dy cols^T; dy, x contiguous, dw allocated.
template <typename T>
absl::Status BackwardWeightLoops(const char* op, const ConvGeometry& g, const T* dy, const T* x, T* dw) {
  const int64_t k = g.kdim(), p = g.opix(), ocg = g.ocg();
  const bool pointwise = IsPointwise(g);
  std::vector<T> cols(pointwise ? 0 : static_cast<size_t>(k * p));
  std::fill(dw, dw + g.oc * k, T(0));
  for (int64_t n = 0; n < g.n; ++n) {
    for (int64_t gi = 0; gi < g.groups; ++gi) {
      const T* dyg = dy + (n * g.oc + gi * ocg) * p;
      const T* xg = x + (n * g.c + gi * g.cg()) * g.h * g.w;
      const T* b = xg;
      if (!pointwise) {
        Im2col<T>(xg, g, cols.data());
        b = cols.data();
      }
      AOT_RETURN_IF_ERROR(
          Gemm<T>(op, T(1), RowMajor<T>(dyg, ocg, p), Transposed<T>(b, p, k), T(1), dw + gi * ocg * k, k));
    }
  }
  return absl::OkStatus();
}

// The dtype the arithmetic runs in: float32 for the 16-bit floats.
DType ComputeDType(DType dtype) { return dtype == DType::kFloat64 ? DType::kFloat64 : DType::kFloat32; }

// Returns `out` (computed in `compute`) converted to the result dtype.
KernelResult Finish(const Tensor& out, DType result_dtype) {
  Tensor r = out.dtype() == result_dtype ? out : ContiguousCopy(out, result_dtype);
  AOT_RETURN_IF_ERROR(r.status());
  return std::vector<Tensor>{r};
}

// Calls f.template operator()<T>() with T float or double for `dtype`.
template <typename F>
absl::Status VisitCompute(DType dtype, F&& f) {
  if (dtype == DType::kFloat64) return f.template operator()<double>();
  return f.template operator()<float>();
}

// --- Kernels ----------------------------------------------------------------------

KernelResult Conv2dKernel(const OpCall& call) {
  const Tensor& input = call.input(0);
  const Tensor& weight = call.input(1);
  const Tensor* bias = call.optional_input(2);
  AOT_RETURN_IF_ERROR(CheckFloatPair(call, input, weight));
  AOT_ASSIGN_OR_RETURN(ConvGeometry g, ConvGeometryOf(call, input.sizes(), weight.sizes()));
  const DType dtype = ComputeDType(input.dtype());
  Tensor out = Tensor::Empty({g.n, g.oc, g.oh, g.ow}, dtype);
  AOT_RETURN_IF_ERROR(out.status());
  if (out.numel() == 0) return Finish(out, input.dtype());
  Tensor x = Contiguous(input, dtype), w = Contiguous(weight, dtype);
  Tensor b = bias != nullptr ? Contiguous(*bias, dtype) : Tensor();
  AOT_RETURN_IF_ERROR(FirstError({x, w}));
  if (bias != nullptr) AOT_RETURN_IF_ERROR(b.status());
  if (UseOneDnn(dtype, g)) {
    std::vector<std::pair<int, const Tensor*>> args = {{DNNL_ARG_SRC, &x}, {DNNL_ARG_WEIGHTS, &w}, {DNNL_ARG_DST, &out}};
    if (bias != nullptr) args.push_back({DNNL_ARG_BIAS, &b});
    AOT_RETURN_IF_ERROR(RunOneDnn(call, bias != nullptr ? ConvKind::kForwardBias : ConvKind::kForward, g, args));
  } else {
    AOT_RETURN_IF_ERROR(VisitCompute(dtype, [&]<typename T>() {
      return ForwardLoops<T>(OpName(call).c_str(), g, x.data_ptr<T>(), w.data_ptr<T>(),
                             bias != nullptr ? b.data_ptr<T>() : nullptr, out.data_ptr<T>());
    }));
  }
  return Finish(out, input.dtype());
}

KernelResult Conv2dBackwardInputKernel(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& weight = call.input(1);
  AOT_ASSIGN_OR_RETURN(ConvGeometry g, backends::ConvBackwardInputGeometry(call));
  const std::vector<int64_t>& input_size = call.attr("input_size").ints();
  const DType dtype = ComputeDType(grad.dtype());
  Tensor dx = Tensor::Empty(input_size, dtype);
  AOT_RETURN_IF_ERROR(dx.status());
  if (dx.numel() == 0) return Finish(dx, grad.dtype());
  Tensor dy = Contiguous(grad, dtype), w = Contiguous(weight, dtype);
  AOT_RETURN_IF_ERROR(FirstError({dy, w}));
  if (UseOneDnn(dtype, g)) {
    AOT_RETURN_IF_ERROR(RunOneDnn(call, ConvKind::kBackwardData, g,
                                  {{DNNL_ARG_DIFF_DST, &dy}, {DNNL_ARG_WEIGHTS, &w}, {DNNL_ARG_DIFF_SRC, &dx}}));
  } else {
    AOT_RETURN_IF_ERROR(VisitCompute(dtype, [&]<typename T>() {
      return BackwardInputLoops<T>(OpName(call).c_str(), g, dy.data_ptr<T>(), w.data_ptr<T>(), dx.data_ptr<T>());
    }));
  }
  return Finish(dx, grad.dtype());
}

KernelResult Conv2dBackwardWeightKernel(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& input = call.input(1);
  AOT_ASSIGN_OR_RETURN(ConvGeometry g, backends::ConvBackwardWeightGeometry(call));
  const std::vector<int64_t>& weight_size = call.attr("weight_size").ints();
  const DType dtype = ComputeDType(grad.dtype());
  Tensor dw = Tensor::Empty(weight_size, dtype);
  AOT_RETURN_IF_ERROR(dw.status());
  if (dw.numel() == 0) return Finish(dw, grad.dtype());
  Tensor dy = Contiguous(grad, dtype), x = Contiguous(input, dtype);
  AOT_RETURN_IF_ERROR(FirstError({dy, x}));
  if (UseOneDnn(dtype, g)) {
    AOT_RETURN_IF_ERROR(RunOneDnn(call, ConvKind::kBackwardWeights, g,
                                  {{DNNL_ARG_DIFF_DST, &dy}, {DNNL_ARG_SRC, &x}, {DNNL_ARG_DIFF_WEIGHTS, &dw}}));
  } else {
    AOT_RETURN_IF_ERROR(VisitCompute(dtype, [&]<typename T>() {
      return BackwardWeightLoops<T>(OpName(call).c_str(), g, dy.data_ptr<T>(), x.data_ptr<T>(), dw.data_ptr<T>());
    }));
  }
  return Finish(dw, grad.dtype());
}

AOT_REGISTER_KERNEL(kConv2d, kCPU, Conv2dKernel);
AOT_REGISTER_KERNEL(kConv2dBackwardInput, kCPU, Conv2dBackwardInputKernel);
AOT_REGISTER_KERNEL(kConv2dBackwardWeight, kCPU, Conv2dBackwardWeightKernel);

}  // namespace
}  // namespace aot::cpu
