// CPU kernels of 2-D pooling and their backward ops: max_pool2d_with_indices,
// avg_pool2d, adaptive_avg_pool2d, on [C, H, W] or [N, C, H, W] inputs.
//
// The windows and their edge rules are PyTorch's (aten/src/ATen/native/cpu/
// MaxPoolKernel.cpp, AvgPoolKernel.cpp, AdaptiveAvgPoolKernel.cpp): max
// pooling pads with -inf, takes NaN as the maximum and records the flat index
// h * W + w of the maximum within its plane; average pooling divides by
// divisor_override, the window clipped to the padded input
// (count_include_pad) or the window clipped to the input. Each (n, c) plane
// is independent: the planes run in parallel (ParallelFor), the backward ops
// included, since a plane's gradient only receives from its own outputs.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/backends/common/pool_geometry.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/strided.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"

namespace aot::cpu {
namespace {

const std::string& OpName(const OpCall& call) { return call.op->name(); }

// The window and shapes (pool_geometry.h), and the planes per parallel
// task.
struct PoolGeometry : backends::PoolWindow {
  // Enough work to amortise a task.
  int64_t Grain() const { return std::max<int64_t>(1, kGrain / std::max<int64_t>(1, oh * ow * kh * kw)); }
};

using backends::AdaptiveOutputSize;
using backends::CheckAdaptiveGradOutput;
using backends::CheckPoolGradOutput;
using backends::CheckPoolInput;

// The window geometry of max_pool2d (with dilation) or avg_pool2d over `self`.
absl::StatusOr<PoolGeometry> WindowGeometry(const OpCall& call, const Tensor& self, bool dilation) {
  AOT_ASSIGN_OR_RETURN(backends::PoolWindow w, backends::PoolWindowOf(call, self, dilation));
  return PoolGeometry{w};
}

// Calls f.template operator()<T>() for `dtype`; bool is an error.
template <typename F>
absl::Status VisitPoolDType(const OpCall& call, DType dtype, F&& f) {
  return VisitDType(dtype, [&]<typename T>() -> absl::Status {
    if constexpr (std::is_same_v<T, bool>) {
      return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": bool tensors are not supported"));
    } else {
      f.template operator()<T>();
      return absl::OkStatus();
    }
  });
}

template <typename T>
bool IsNan(T v) {
  if constexpr (std::is_integral_v<T>) {
    return false;
  } else {
    return std::isnan(static_cast<ComputeType<T>>(v));
  }
}

// --- max_pool2d_with_indices ------------------------------------------------------

template <typename T>
void MaxPoolPlanes(const PoolGeometry& g, const T* x, T* y, int64_t* ind, int64_t begin, int64_t end) {
  using C = ComputeType<T>;
  const C lowest = std::numeric_limits<C>::has_infinity ? -std::numeric_limits<C>::infinity()
                                                        : std::numeric_limits<C>::lowest();
  for (int64_t pl = begin; pl < end; ++pl) {
    const T* in = x + pl * g.in_plane();
    T* out = y + pl * g.out_plane();
    int64_t* idx = ind + pl * g.out_plane();
    for (int64_t oy = 0; oy < g.oh; ++oy) {
      int64_t y0 = oy * g.sh - g.ph;
      const int64_t y1 = std::min(y0 + (g.kh - 1) * g.dh + 1, g.h);
      while (y0 < 0) y0 += g.dh;
      for (int64_t ox = 0; ox < g.ow; ++ox) {
        int64_t x0 = ox * g.sw - g.pw;
        const int64_t x1 = std::min(x0 + (g.kw - 1) * g.dw + 1, g.w);
        while (x0 < 0) x0 += g.dw;
        int64_t best = y0 * g.w + x0;
        C best_val = lowest;
        for (int64_t iy = y0; iy < y1; iy += g.dh) {
          for (int64_t ix = x0; ix < x1; ix += g.dw) {
            const int64_t i = iy * g.w + ix;
            const C v = static_cast<C>(in[i]);
            if (v > best_val || IsNan(v)) {
              best_val = v;
              best = i;
            }
          }
        }
        out[oy * g.ow + ox] = T(best_val);
        idx[oy * g.ow + ox] = best;
      }
    }
  }
}

KernelResult MaxPool2dWithIndicesKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_ASSIGN_OR_RETURN(PoolGeometry g, WindowGeometry(call, self, /*dilation=*/true));
  Tensor out = EmptyResult(call, 0), indices = EmptyResult(call, 1);
  AOT_RETURN_IF_ERROR(FirstError({out, indices}));
  Tensor x = Contiguous(self);
  AOT_RETURN_IF_ERROR(x.status());
  AOT_RETURN_IF_ERROR(VisitPoolDType(call, self.dtype(), [&]<typename T>() {
    const T* xp = x.data_ptr<T>();
    T* yp = out.data_ptr<T>();
    int64_t* ip = indices.data_ptr<int64_t>();
    ParallelFor(g.planes, g.Grain(), [&](int64_t b, int64_t e) { MaxPoolPlanes<T>(g, xp, yp, ip, b, e); });
  }));
  return std::vector<Tensor>{out, indices};
}

KernelResult MaxPool2dWithIndicesBackwardKernel(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& self = call.input(1);
  const Tensor& indices = call.input(2);
  AOT_ASSIGN_OR_RETURN(PoolGeometry g, WindowGeometry(call, self, /*dilation=*/true));
  AOT_RETURN_IF_ERROR(CheckPoolGradOutput(call, grad, self, g));
  if (indices.dtype() != DType::kInt64 || indices.sizes() != grad.sizes()) {
    return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": indices ", indices.meta().ToString(),
                                                   " must be i64 with the shape of grad_output ",
                                                   grad.meta().ToString()));
  }
  Tensor gi = EmptyResult(call);
  AOT_RETURN_IF_ERROR(gi.status());
  Tensor go = Contiguous(grad), ind = Contiguous(indices);
  AOT_RETURN_IF_ERROR(FirstError({go, ind}));
  std::atomic<bool> out_of_range{false};
  AOT_RETURN_IF_ERROR(VisitPoolDType(call, grad.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const T* gop = go.data_ptr<T>();
    const int64_t* ip = ind.data_ptr<int64_t>();
    T* gip = gi.data_ptr<T>();
    ParallelFor(g.planes, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, g.in_plane() + g.out_plane())),
                [&](int64_t b, int64_t e) {
                  for (int64_t pl = b; pl < e; ++pl) {
                    T* dst = gip + pl * g.in_plane();
                    std::fill(dst, dst + g.in_plane(), T(C(0)));
                    const T* src = gop + pl * g.out_plane();
                    const int64_t* idx = ip + pl * g.out_plane();
                    for (int64_t o = 0; o < g.out_plane(); ++o) {
                      const int64_t i = idx[o];
                      if (i < 0 || i >= g.in_plane()) {
                        out_of_range.store(true, std::memory_order_relaxed);
                        continue;
                      }
                      dst[i] = T(static_cast<C>(dst[i]) + static_cast<C>(src[o]));
                    }
                  }
                });
  }));
  if (out_of_range.load()) {
    return absl::InvalidArgumentError(
        absl::StrCat(OpName(call), ": an index lies outside its ", g.h, "x", g.w, " input plane"));
  }
  return std::vector<Tensor>{gi};
}

// --- avg_pool2d -------------------------------------------------------------------

// One average-pooling window: its clipped bounds and divisor.
struct AvgWindow {
  int64_t y0, y1, x0, x1;
  int64_t divisor;  // 0: an empty window (output 0).
};

AvgWindow AvgWindowAt(const PoolGeometry& g, int64_t oy, int64_t ox, bool count_include_pad,
                      int64_t divisor_override) {
  AvgWindow win;
  win.y0 = oy * g.sh - g.ph;
  win.x0 = ox * g.sw - g.pw;
  win.y1 = std::min(win.y0 + g.kh, g.h + g.ph);
  win.x1 = std::min(win.x0 + g.kw, g.w + g.pw);
  const int64_t pool_size = (win.y1 - win.y0) * (win.x1 - win.x0);
  win.y0 = std::max<int64_t>(win.y0, 0);
  win.x0 = std::max<int64_t>(win.x0, 0);
  win.y1 = std::min(win.y1, g.h);
  win.x1 = std::min(win.x1, g.w);
  if (win.y0 >= win.y1 || win.x0 >= win.x1) {
    win.divisor = 0;
  } else if (divisor_override > 0) {
    win.divisor = divisor_override;
  } else {
    win.divisor = count_include_pad ? pool_size : (win.y1 - win.y0) * (win.x1 - win.x0);
  }
  return win;
}

struct AvgOptions {
  bool count_include_pad = true;
  int64_t divisor_override = 0;  // 0: none.
};

absl::StatusOr<AvgOptions> ReadAvgOptions(const OpCall& call) {
  AvgOptions o;
  o.count_include_pad = call.attr("count_include_pad").b();
  const ir::AttrValue& d = call.attr("divisor_override");
  if (!d.is_none()) {
    if (d.i() <= 0) return absl::InvalidArgumentError(absl::StrCat(OpName(call), ": divisor_override must be positive"));
    o.divisor_override = d.i();
  }
  return o;
}

absl::Status CheckFloat(const OpCall& call, const Tensor& t) {
  if (!ir::IsFloating(t.dtype())) {
    return absl::InvalidArgumentError(
        absl::StrCat(OpName(call), ": expected a floating-point tensor, got ", t.meta().ToString()));
  }
  return absl::OkStatus();
}

KernelResult AvgPool2dKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_RETURN_IF_ERROR(CheckFloat(call, self));
  AOT_ASSIGN_OR_RETURN(PoolGeometry g, WindowGeometry(call, self, /*dilation=*/false));
  AOT_ASSIGN_OR_RETURN(AvgOptions opt, ReadAvgOptions(call));
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  Tensor x = Contiguous(self);
  AOT_RETURN_IF_ERROR(x.status());
  AOT_RETURN_IF_ERROR(VisitPoolDType(call, self.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const T* xp = x.data_ptr<T>();
    T* yp = out.data_ptr<T>();
    ParallelFor(g.planes, g.Grain(), [&](int64_t b, int64_t e) {
      for (int64_t pl = b; pl < e; ++pl) {
        const T* in = xp + pl * g.in_plane();
        T* o = yp + pl * g.out_plane();
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            AvgWindow win = AvgWindowAt(g, oy, ox, opt.count_include_pad, opt.divisor_override);
            C sum = C(0);
            for (int64_t iy = win.y0; iy < win.y1; ++iy) {
              for (int64_t ix = win.x0; ix < win.x1; ++ix) sum += static_cast<C>(in[iy * g.w + ix]);
            }
            o[oy * g.ow + ox] = T(win.divisor == 0 ? C(0) : sum / static_cast<C>(win.divisor));
          }
        }
      }
    });
  }));
  return std::vector<Tensor>{out};
}

KernelResult AvgPool2dBackwardKernel(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& self = call.input(1);
  AOT_RETURN_IF_ERROR(CheckFloat(call, self));
  AOT_ASSIGN_OR_RETURN(PoolGeometry g, WindowGeometry(call, self, /*dilation=*/false));
  AOT_RETURN_IF_ERROR(CheckPoolGradOutput(call, grad, self, g));
  AOT_ASSIGN_OR_RETURN(AvgOptions opt, ReadAvgOptions(call));
  Tensor gi = EmptyResult(call);
  AOT_RETURN_IF_ERROR(gi.status());
  Tensor go = Contiguous(grad);
  AOT_RETURN_IF_ERROR(go.status());
  AOT_RETURN_IF_ERROR(VisitPoolDType(call, grad.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const T* gop = go.data_ptr<T>();
    T* gip = gi.data_ptr<T>();
    ParallelFor(g.planes, g.Grain(), [&](int64_t b, int64_t e) {
      std::vector<C> acc(static_cast<size_t>(g.in_plane()));
      for (int64_t pl = b; pl < e; ++pl) {
        std::fill(acc.begin(), acc.end(), C(0));
        const T* src = gop + pl * g.out_plane();
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            AvgWindow win = AvgWindowAt(g, oy, ox, opt.count_include_pad, opt.divisor_override);
            if (win.divisor == 0) continue;
            const C v = static_cast<C>(src[oy * g.ow + ox]) / static_cast<C>(win.divisor);
            for (int64_t iy = win.y0; iy < win.y1; ++iy) {
              for (int64_t ix = win.x0; ix < win.x1; ++ix) acc[iy * g.w + ix] += v;
            }
          }
        }
        T* dst = gip + pl * g.in_plane();
        for (int64_t i = 0; i < g.in_plane(); ++i) dst[i] = T(acc[i]);
      }
    });
  }));
  return std::vector<Tensor>{gi};
}

// --- adaptive_avg_pool2d ----------------------------------------------------------

// Input rows [AdaptiveStart(o), AdaptiveEnd(o)) feed output row o.
int64_t AdaptiveStart(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }
int64_t AdaptiveEnd(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

PoolGeometry AdaptiveGeometry(const Tensor& self, int64_t oh, int64_t ow) {
  PoolGeometry g{backends::PoolPlanes(self)};
  g.oh = oh, g.ow = ow;
  // Average window size, for the grain.
  g.kh = (g.h + oh - 1) / oh;
  g.kw = (g.w + ow - 1) / ow;
  return g;
}

KernelResult AdaptiveAvgPool2dKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_RETURN_IF_ERROR(CheckPoolInput(call, self));
  AOT_RETURN_IF_ERROR(CheckFloat(call, self));
  AOT_ASSIGN_OR_RETURN(auto o, AdaptiveOutputSize(call));
  PoolGeometry g = AdaptiveGeometry(self, o.first, o.second);
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  if (out.numel() == 0) return std::vector<Tensor>{out};
  if (g.in_plane() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(OpName(call), ": input ", self.meta().ToString(), " has an empty plane to average"));
  }
  Tensor x = Contiguous(self);
  AOT_RETURN_IF_ERROR(x.status());
  AOT_RETURN_IF_ERROR(VisitPoolDType(call, self.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const T* xp = x.data_ptr<T>();
    T* yp = out.data_ptr<T>();
    ParallelFor(g.planes, g.Grain(), [&](int64_t b, int64_t e) {
      for (int64_t pl = b; pl < e; ++pl) {
        const T* in = xp + pl * g.in_plane();
        T* dst = yp + pl * g.out_plane();
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t y0 = AdaptiveStart(oy, g.oh, g.h), y1 = AdaptiveEnd(oy, g.oh, g.h);
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const int64_t x0 = AdaptiveStart(ox, g.ow, g.w), x1 = AdaptiveEnd(ox, g.ow, g.w);
            C sum = C(0);
            for (int64_t iy = y0; iy < y1; ++iy) {
              for (int64_t ix = x0; ix < x1; ++ix) sum += static_cast<C>(in[iy * g.w + ix]);
            }
            dst[oy * g.ow + ox] = T(sum / static_cast<C>((y1 - y0) * (x1 - x0)));
          }
        }
      }
    });
  }));
  return std::vector<Tensor>{out};
}

KernelResult AdaptiveAvgPool2dBackwardKernel(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& self = call.input(1);
  AOT_RETURN_IF_ERROR(CheckPoolInput(call, self));
  AOT_RETURN_IF_ERROR(CheckFloat(call, self));
  AOT_RETURN_IF_ERROR(CheckAdaptiveGradOutput(call, grad, self));
  const int r = self.dim();
  PoolGeometry g = AdaptiveGeometry(self, grad.size(r - 2), grad.size(r - 1));
  Tensor gi = EmptyResult(call);
  AOT_RETURN_IF_ERROR(gi.status());
  Tensor go = Contiguous(grad);
  AOT_RETURN_IF_ERROR(go.status());
  AOT_RETURN_IF_ERROR(VisitPoolDType(call, grad.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const T* gop = go.data_ptr<T>();
    T* gip = gi.data_ptr<T>();
    ParallelFor(g.planes, g.Grain(), [&](int64_t b, int64_t e) {
      std::vector<C> acc(static_cast<size_t>(g.in_plane()));
      for (int64_t pl = b; pl < e; ++pl) {
        std::fill(acc.begin(), acc.end(), C(0));
        const T* src = gop + pl * g.out_plane();
        for (int64_t oy = 0; oy < g.oh; ++oy) {
          const int64_t y0 = AdaptiveStart(oy, g.oh, g.h), y1 = AdaptiveEnd(oy, g.oh, g.h);
          for (int64_t ox = 0; ox < g.ow; ++ox) {
            const int64_t x0 = AdaptiveStart(ox, g.ow, g.w), x1 = AdaptiveEnd(ox, g.ow, g.w);
            const C v = static_cast<C>(src[oy * g.ow + ox]) / static_cast<C>((y1 - y0) * (x1 - x0));
            for (int64_t iy = y0; iy < y1; ++iy) {
              for (int64_t ix = x0; ix < x1; ++ix) acc[iy * g.w + ix] += v;
            }
          }
        }
        T* dst = gip + pl * g.in_plane();
        for (int64_t i = 0; i < g.in_plane(); ++i) dst[i] = T(acc[i]);
      }
    });
  }));
  return std::vector<Tensor>{gi};
}

AOT_REGISTER_KERNEL(kMaxPool2dWithIndices, kCPU, MaxPool2dWithIndicesKernel);
AOT_REGISTER_KERNEL(kMaxPool2dWithIndicesBackward, kCPU, MaxPool2dWithIndicesBackwardKernel);
AOT_REGISTER_KERNEL(kAvgPool2d, kCPU, AvgPool2dKernel);
AOT_REGISTER_KERNEL(kAvgPool2dBackward, kCPU, AvgPool2dBackwardKernel);
AOT_REGISTER_KERNEL(kAdaptiveAvgPool2d, kCPU, AdaptiveAvgPool2dKernel);
AOT_REGISTER_KERNEL(kAdaptiveAvgPool2dBackward, kCPU, AdaptiveAvgPool2dBackwardKernel);

}  // namespace
}  // namespace aot::cpu
