// CPU kernels of the reductions: sum, mean, amax, amin, argmax, var, std,
// var_mean and logsumexp, over any set of dims (see reduce_utils.h for the
// engine). The shape rules have validated dims and computed the result
// metadata; these kernels only compute.
//
// Numerics: float sums add blocks of 32 float lanes and accumulate blocks in
// double; other floating sums accumulate in double, integral ones in int64
// (sum of ints and bools gives i64 unless `dtype` says otherwise). var/std
// are two-pass (mean, then squared deviations in double). amax/amin/argmax
// propagate NaN like PyTorch. Empty reductions give 0 (sum), NaN (mean, var,
// std), -inf (logsumexp) or InvalidArgument (amax, amin, argmax).
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/reduce_utils.h"
#include "aot/backends/cpu/strided.h"
#include "aot/base/check.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"

namespace aot::cpu {
namespace {

// The reduction of one call: the dense input, the reduce mask and the
// layout (absent for an empty input).
struct Plan {
  Tensor x;
  std::vector<bool> mask;
  int64_t count = 1;  // Elements reduced into each output.
  std::optional<ReduceLayout> layout;
};

std::vector<int64_t> DimsAttr(const OpCall& call) {
  const ir::AttrValue& d = call.attr("dim");
  return d.is_none() ? std::vector<int64_t>{} : d.ints();
}

absl::StatusOr<Plan> MakePlan(const Tensor& input, const std::vector<int64_t>& dims) {
  Plan plan;
  AOT_ASSIGN_OR_RETURN(plan.x, Contiguous(input).Checked());
  plan.mask = ReduceMask(dims, plan.x.dim());
  for (int d = 0; d < plan.x.dim(); ++d) {
    if (plan.mask[d]) plan.count *= plan.x.size(d);
  }
  if (plan.x.numel() > 0) plan.layout = MakeReduceLayout(plan.x.sizes(), plan.mask);
  return plan;
}

// InvalidArgument if a reduced dim is empty (ops without an identity).
absl::Status RequireNonEmptyReduction(const OpCall& call, const Plan& plan) {
  for (int d = 0; d < plan.x.dim(); ++d) {
    if (plan.mask[d] && plan.x.size(d) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(call.op->name(), "(): expected reduction dim ", d,
                                                     " to have non-zero size, got input ",
                                                     plan.x.meta().ToString()));
    }
  }
  return absl::OkStatus();
}

template <typename Op>
std::vector<typename Op::Acc> Run(const Plan& plan, int64_t num_outputs, const Op& op) {
  if (!plan.layout) return std::vector<typename Op::Acc>(num_outputs, op.Init());
  std::vector<typename Op::Acc> acc = Reduce(*plan.layout, op);
  AOT_CHECK(static_cast<int64_t>(acc.size()) == num_outputs) << "reduction produced " << acc.size()
                                                              << " values for " << num_outputs << " outputs";
  return acc;
}

// out[i] = f(acc[i]) converted to out's dtype.
template <typename A, typename F>
void WriteOut(const Tensor& out, const std::vector<A>& acc, const F& f) {
  VisitDType(out.dtype(), [&]<typename O>() {
    O* p = out.data_ptr<O>();
    ParallelFor(static_cast<int64_t>(acc.size()), kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = static_cast<O>(static_cast<ComputeType<O>>(f(acc[i])));
    });
  });
}

absl::StatusOr<Tensor> Result(const OpCall& call, int i = 0) {
  Tensor out = EmptyResult(call, i);
  if (!out.ok()) return out.status();
  return out;
}

KernelResult SumKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, Result(call));
  AOT_ASSIGN_OR_RETURN(Plan plan, MakePlan(call.input(0), DimsAttr(call)));
  const int64_t n = out.numel();
  VisitDType(plan.x.dtype(), [&]<typename T>() {
    const T* x = plan.x.numel() > 0 ? plan.x.data_ptr<T>() : nullptr;
    if (out.dtype() == DType::kFloat64) {
      WriteOut(out, Run(plan, n, SumOp<T, double, /*kCascade=*/false>{x}), [](double v) { return v; });
    } else if (IsFloating(out.dtype())) {
      WriteOut(out, Run(plan, n, SumOp<T, double>{x}), [](double v) { return v; });
    } else {
      // Integral results (and bool, which reads as "any nonzero") sum in int64.
      WriteOut(out, Run(plan, n, SumOp<T, int64_t>{x}), [](int64_t v) { return v; });
    }
  });
  return std::vector<Tensor>{out};
}

KernelResult MeanKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, Result(call));
  if (!IsFloating(out.dtype())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mean(): the result dtype must be floating, got ", ir::DTypeName(out.dtype())));
  }
  AOT_ASSIGN_OR_RETURN(Plan plan, MakePlan(call.input(0), DimsAttr(call)));
  const double count = static_cast<double>(plan.count);
  VisitDType(plan.x.dtype(), [&]<typename T>() {
    const T* x = plan.x.numel() > 0 ? plan.x.data_ptr<T>() : nullptr;
    WriteOut(out, Run(plan, out.numel(), SumOp<T, double>{x}), [count](double v) { return v / count; });
  });
  return std::vector<Tensor>{out};
}

template <bool kMax>
KernelResult MinMaxKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, Result(call));
  AOT_ASSIGN_OR_RETURN(Plan plan, MakePlan(call.input(0), call.attr("dim").ints()));
  AOT_RETURN_IF_ERROR(RequireNonEmptyReduction(call, plan));
  if (out.numel() == 0) return std::vector<Tensor>{out};
  VisitDType(plan.x.dtype(), [&]<typename T>() {
    using C = typename MinMaxOp<T, kMax>::Acc;
    WriteOut(out, Run(plan, out.numel(), MinMaxOp<T, kMax>{plan.x.data_ptr<T>()}), [](C v) { return v; });
  });
  return std::vector<Tensor>{out};
}

KernelResult ArgmaxKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, Result(call));
  const ir::AttrValue& dim = call.attr("dim");
  std::vector<int64_t> dims;
  if (!dim.is_none()) dims.push_back(dim.i());
  AOT_ASSIGN_OR_RETURN(Plan plan, MakePlan(call.input(0), dims));
  if (plan.x.numel() == 0 && dim.is_none()) {
    return absl::InvalidArgumentError(
        absl::StrCat("argmax(): expected a non-empty input when no dim is given, got ", plan.x.meta().ToString()));
  }
  AOT_RETURN_IF_ERROR(RequireNonEmptyReduction(call, plan));
  if (out.numel() == 0) return std::vector<Tensor>{out};
  const ReduceLayout& layout = *plan.layout;
  int64_t* result = out.data_ptr<int64_t>();
  const int64_t ko = static_cast<int64_t>(layout.outer_offsets.size());
  const int64_t nr = static_cast<int64_t>(layout.reduced_offsets.size());
  const int64_t n = layout.inner;
  VisitDType(plan.x.dtype(), [&]<typename T>() {
    using C = typename MinMaxOp<T, true>::Acc;
    const T* x = plan.x.data_ptr<T>();
    if (layout.inner_reduced) {
      // The max (vectorised, NaN-propagating), then the first index holding
      // it (the first NaN if the max is NaN), as PyTorch.
      std::vector<C> best = Reduce(layout, MinMaxOp<T, true>{x});
      ParallelFor(ko, std::max<int64_t>(1, kGrain / (nr * n)), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          const C m = best[o];
          const bool nan = IsNan(m);
          int64_t found = 0;
          for (int64_t r = 0, flat = 0; r < nr; ++r) {
            const T* p = x + layout.outer_offsets[o] + layout.reduced_offsets[r];
            int64_t i = 0;
            if (nan) {
              while (i < n && !IsNan(static_cast<C>(p[i]))) ++i;
            } else {
              while (i < n && static_cast<C>(p[i]) != m) ++i;
            }
            if (i < n) {
              found = flat + i;
              break;
            }
            flat += n;
          }
          result[o] = found;
        }
      });
      return;
    }
    // Column mode: the reduced index is r; track the best per column.
    ParallelFor(ko * n, std::max<int64_t>(kColBlock, kGrain / nr), [&](int64_t b, int64_t e) {
      std::vector<C> best(kColBlock);
      std::vector<int64_t> idx(kColBlock);
      for (int64_t q = b; q < e;) {
        const int64_t o = q / n, j0 = q % n;
        const int64_t len = std::min({kColBlock, n - j0, e - q});
        const T* base = x + layout.outer_offsets[o] + j0;
        for (int64_t j = 0; j < len; ++j) {
          best[j] = static_cast<C>(base[layout.reduced_offsets[0] + j]);
          idx[j] = 0;
        }
        for (int64_t r = 1; r < nr; ++r) {
          const T* p = base + layout.reduced_offsets[r];
          for (int64_t j = 0; j < len; ++j) {
            C v = static_cast<C>(p[j]);
            bool take = v > best[j] || (IsNan(v) && !IsNan(best[j]));
            best[j] = take ? v : best[j];
            idx[j] = take ? r : idx[j];
          }
        }
        for (int64_t j = 0; j < len; ++j) result[q + j] = idx[j];
        q += len;
      }
    });
  });
  return std::vector<Tensor>{out};
}

// var/std/var_mean: writes var (or its sqrt) into `var_out` and the mean
// into `mean_out` when given.
absl::Status VarImpl(const OpCall& call, const Tensor& var_out, bool take_sqrt, const Tensor* mean_out) {
  AOT_ASSIGN_OR_RETURN(Plan plan, MakePlan(call.input(0), DimsAttr(call)));
  const int64_t n = var_out.numel();
  const double count = static_cast<double>(plan.count);
  const double divisor = std::max<double>(0.0, count - static_cast<double>(call.attr("correction").i()));
  VisitFloatDType(plan.x.dtype(), [&]<typename T>() {
    const T* x = plan.x.numel() > 0 ? plan.x.data_ptr<T>() : nullptr;
    std::vector<double> mean, m2;
    if (plan.layout && plan.layout->inner_reduced) {
      // One pass over memory: moments of in-cache blocks, merged.
      std::vector<Moments> moments = Reduce(*plan.layout, MomentsOp<T>{x});
      mean.resize(n);
      m2.resize(n);
      for (int64_t i = 0; i < n; ++i) {
        mean[i] = moments[i].mean;
        m2[i] = moments[i].m2;
      }
    } else {
      // Columns: the mean, then squared deviations (both vectorised).
      mean = Run(plan, n, SumOp<T, double>{x});
      for (double& m : mean) m /= count;
      m2 = Run(plan, n, SqDevOp<T>{x, mean.data()});
    }
    WriteOut(var_out, m2, [&](double v) { return take_sqrt ? std::sqrt(v / divisor) : v / divisor; });
    if (mean_out != nullptr) WriteOut(*mean_out, mean, [](double v) { return v; });
  });
  return absl::OkStatus();
}

KernelResult VarKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, Result(call));
  AOT_RETURN_IF_ERROR(VarImpl(call, out, /*take_sqrt=*/false, nullptr));
  return std::vector<Tensor>{out};
}

KernelResult StdKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, Result(call));
  AOT_RETURN_IF_ERROR(VarImpl(call, out, /*take_sqrt=*/true, nullptr));
  return std::vector<Tensor>{out};
}

KernelResult VarMeanKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor var, Result(call, 0));
  AOT_ASSIGN_OR_RETURN(Tensor mean, Result(call, 1));
  AOT_RETURN_IF_ERROR(VarImpl(call, var, /*take_sqrt=*/false, &mean));
  return std::vector<Tensor>{var, mean};
}

// log(sum(exp(x - m))) + m with m the max, or 0 where the max is infinite
// (as PyTorch, so that all -inf gives -inf and +inf gives +inf); see
// LogSumExpOp.
KernelResult LogsumexpKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, Result(call));
  AOT_ASSIGN_OR_RETURN(Plan plan, MakePlan(call.input(0), call.attr("dim").ints()));
  const int64_t n = out.numel();
  VisitFloatDType(plan.x.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const T* x = plan.x.numel() > 0 ? plan.x.data_ptr<T>() : nullptr;
    std::vector<double> result(n);
    if (plan.layout && plan.layout->inner_reduced) {
      // One pass over memory: (shift, sum) of in-cache blocks, merged.
      std::vector<ShiftedSum> s = Reduce(*plan.layout, LogSumExpOp<T>{x});
      for (int64_t i = 0; i < n; ++i) result[i] = std::log(s[i].sum) + s[i].shift;
    } else {
      // Columns (or empty): the max, then the shifted sum (both vectorised).
      std::vector<C> shift = Run(plan, n, MinMaxOp<T, true>{x});
      for (C& s : shift) s = LogSumExpOp<T>::Shift(s);
      std::vector<double> sum = Run(plan, n, SumExpOp<T>{x, shift.data()});
      for (int64_t i = 0; i < n; ++i) result[i] = std::log(sum[i]) + static_cast<double>(shift[i]);
    }
    WriteOut(out, result, [](double v) { return v; });
  });
  return std::vector<Tensor>{out};
}

}  // namespace

AOT_REGISTER_KERNEL(kSum, kCPU, SumKernel);
AOT_REGISTER_KERNEL(kMean, kCPU, MeanKernel);
AOT_REGISTER_KERNEL(kAmax, kCPU, MinMaxKernel<true>);
AOT_REGISTER_KERNEL(kAmin, kCPU, MinMaxKernel<false>);
AOT_REGISTER_KERNEL(kArgmax, kCPU, ArgmaxKernel);
AOT_REGISTER_KERNEL(kVar, kCPU, VarKernel);
AOT_REGISTER_KERNEL(kStd, kCPU, StdKernel);
AOT_REGISTER_KERNEL(kVarMean, kCPU, VarMeanKernel);
AOT_REGISTER_KERNEL(kLogsumexp, kCPU, LogsumexpKernel);

}  // namespace aot::cpu
