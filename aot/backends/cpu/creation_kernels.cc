// CPU kernels of the creation ops (full, zeros, ones, arange, the *_like
// ops), the random ones (rand, randn) and dropout.
//
// Random numbers come from the counter-based Philox stream (philox.h): with
// a seed operand (i64[2]: seed, offset), element i (row-major) of rand is
// PhiloxUniform(seed, offset, i) and of randn PhiloxNormal(seed, offset, i),
// computed in float and converted to the result dtype, so every element is
// independent (the loops are parallel) and any device using the same
// formulas gives the same values. Without a seed operand the kernels take
// one from the global generator (NextSeedTensor).
//
// dropout(x, p, train) with the uniform stream u:
//   mask[i]   = double(u[i]) >= p
//   output[i] = x[i] * (mask[i] ? 1 / (1 - p) : 0)   (in float for 16-bit x)
// p = 1 gives zeros (and an all-false mask); train = false gives a copy of x
// and an all-true mask and draws nothing from the generator.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/strided.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/philox.h"
#include "aot/tensor/scalar_types.h"
#include "aot/tensor/tensor.h"

namespace aot::cpu {
namespace {

using ir::AttrValue;

// Grain of loops that compute random numbers (far more work per element
// than a copy).
constexpr int64_t kRandomGrain = 4096;

template <typename T>
constexpr bool kIsIntegral = std::is_integral_v<T> && !std::is_same_v<T, bool>;

// A Scalar attribute as a T: integers convert exactly where T can hold them;
// a non-finite or out-of-range float into an integral dtype is an error.
template <typename T>
absl::StatusOr<T> ScalarAs(const OpCall& call, const AttrValue& v) {
  if (v.is_bool()) return ConvertScalar<T>(v.b());
  if (v.is_int()) return ConvertScalar<T>(v.i());
  const double f = v.scalar();
  if constexpr (kIsIntegral<T>) {
    // Conversion truncates; the truncated value must fit (NaN fails too).
    const double t = std::trunc(f);
    const double lo = static_cast<double>(std::numeric_limits<T>::min());
    const double hi = static_cast<double>(std::numeric_limits<T>::max()) + 1.0;  // Exact: a power of two.
    if (!(t >= lo && t < hi)) {
      return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": value ", v.ToString(),
                                                     " cannot be converted to ", ir::DTypeName(DTypeOf<T>::value),
                                                     " without overflow"));
    }
  }
  return ConvertScalar<T>(f);
}

// Fills a contiguous tensor with `value` (a Scalar attribute).
absl::Status Fill(const OpCall& call, const Tensor& out, const AttrValue& value) {
  absl::Status status;
  VisitDType(out.dtype(), [&]<typename T>() {
    absl::StatusOr<T> v = ScalarAs<T>(call, value);
    if (!v.ok()) {
      status = v.status();
      return;
    }
    const int64_t n = out.numel();
    if (n == 0) return;
    T* p = out.data_ptr<T>();
    const T x = *v;
    ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = x;
    });
  });
  return status;
}

KernelResult FillKernel(const OpCall& call, const AttrValue& value) {
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  AOT_RETURN_IF_ERROR(Fill(call, out, value));
  return std::vector<Tensor>{out};
}

KernelResult FullKernel(const OpCall& call) { return FillKernel(call, call.attr("fill_value")); }
KernelResult ZerosKernel(const OpCall& call) { return FillKernel(call, AttrValue(int64_t{0})); }
KernelResult OnesKernel(const OpCall& call) { return FillKernel(call, AttrValue(int64_t{1})); }

// The values of a `constant` node (graph constants embedded by the tracer).
KernelResult ConstantKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  const std::vector<double>& values = call.attr("values").floats();
  VisitDType(out.dtype(), [&]<typename T>() {
    T* p = out.data_ptr<T>();
    for (size_t i = 0; i < values.size(); ++i) p[i] = ConvertScalar<T>(values[i]);
  });
  return std::vector<Tensor>{out};
}

// start + i * step: in int64 when the result is integral and all three are
// integers, else in double, then converted.
KernelResult ArangeKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  const AttrValue& start = call.attr("start");
  const AttrValue& step = call.attr("step");
  const bool exact = !start.is_float() && !call.attr("end").is_float() && !step.is_float();
  const int64_t n = out.numel();
  if (n == 0) return std::vector<Tensor>{out};
  VisitDType(out.dtype(), [&]<typename T>() {
    T* p = out.data_ptr<T>();
    if (exact && kIsIntegral<T>) {
      const int64_t s = static_cast<int64_t>(start.scalar()), d = static_cast<int64_t>(step.scalar());
      ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) p[i] = static_cast<T>(s + i * d);
      });
    } else {
      const double s = start.scalar(), d = step.scalar();
      ParallelFor(n, kGrain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) p[i] = ConvertScalar<T>(s + static_cast<double>(i) * d);
      });
    }
  });
  return std::vector<Tensor>{out};
}

KernelResult ZerosLikeKernel(const OpCall& call) { return FillKernel(call, AttrValue(int64_t{0})); }
KernelResult OnesLikeKernel(const OpCall& call) { return FillKernel(call, AttrValue(int64_t{1})); }
KernelResult FullLikeKernel(const OpCall& call) { return FillKernel(call, call.attr("fill_value")); }

// --- Random ---------------------------------------------------------------------

struct PhiloxState {
  uint64_t seed = 0;
  uint64_t offset = 0;
};

// The (seed, offset) of the optional seed operand `seed`, or a fresh one
// for `numel` values from the global generator.
absl::StatusOr<PhiloxState> SeedOf(const Tensor* seed, int64_t numel) {
  Tensor s = seed != nullptr ? *seed : NextSeedTensor(numel);
  AOT_ASSIGN_OR_RETURN(Tensor c, Contiguous(s, DType::kInt64).Checked());
  if (c.numel() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("seed must be i64[2] (seed, offset), got ", c.meta().ToString()));
  }
  const int64_t* p = c.data_ptr<int64_t>();
  return PhiloxState{static_cast<uint64_t>(p[0]), static_cast<uint64_t>(p[1])};
}

// Calls f(i, u) for i in [b, e) with u element i of the uniform stream: the
// values of PhiloxUniform, one Philox call per block of four.
template <typename F>
void ForEachUniform(const PhiloxState& s, int64_t b, int64_t e, const F& f) {
  uint64_t block = ~uint64_t{0};
  std::array<uint32_t, 4> words{};
  for (int64_t i = b; i < e; ++i) {
    const uint64_t c = s.offset + static_cast<uint64_t>(i);
    if (c / 4 != block) {
      block = c / 4;
      words = Philox4x32(s.seed, block);
    }
    f(i, UniformFromBits(words[c % 4]));
  }
}

template <bool kNormal>
KernelResult RandomKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call).Checked());
  const int64_t n = out.numel();
  AOT_ASSIGN_OR_RETURN(PhiloxState state, SeedOf(call.optional_input(0), n));
  if (n == 0) return std::vector<Tensor>{out};
  VisitDType(out.dtype(), [&]<typename T>() {
    T* p = out.data_ptr<T>();
    ParallelFor(n, kRandomGrain, [&](int64_t b, int64_t e) {
      if constexpr (kNormal) {
        for (int64_t i = b; i < e; ++i) {
          p[i] = ConvertScalar<T>(PhiloxNormal(state.seed, state.offset, static_cast<uint64_t>(i)));
        }
      } else {
        ForEachUniform(state, b, e, [&](int64_t i, float u) { p[i] = ConvertScalar<T>(u); });
      }
    });
  });
  return std::vector<Tensor>{out};
}

KernelResult DropoutKernel(const OpCall& call) {
  const Tensor& input = call.input(0);
  const double p = call.attr("p").f();
  const bool train = call.attr("train").b();
  AOT_ASSIGN_OR_RETURN(Tensor out, EmptyResult(call, 0).Checked());
  AOT_ASSIGN_OR_RETURN(Tensor mask, EmptyResult(call, 1).Checked());
  const int64_t n = input.numel();
  bool* m = n > 0 ? mask.data_ptr<bool>() : nullptr;
  if (!train) {
    AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(input).Checked());
    if (n > 0) {
      std::memcpy(out.raw_data(), x.raw_data(), static_cast<size_t>(n) * ir::DTypeSize(x.dtype()));
      std::memset(m, 1, static_cast<size_t>(n));
    }
    return std::vector<Tensor>{out, mask};
  }
  AOT_ASSIGN_OR_RETURN(PhiloxState state, SeedOf(call.optional_input(1), n));
  if (n == 0) return std::vector<Tensor>{out, mask};
  if (p >= 1) {
    std::memset(out.raw_data(), 0, static_cast<size_t>(n) * ir::DTypeSize(out.dtype()));
    std::memset(m, 0, static_cast<size_t>(n));
    return std::vector<Tensor>{out, mask};
  }
  AOT_ASSIGN_OR_RETURN(Tensor x, Contiguous(input).Checked());
  VisitDType(x.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const T* xp = x.data_ptr<T>();
    T* op = out.data_ptr<T>();
    const C scale = static_cast<C>(1.0 / (1.0 - p));
    const C zero = static_cast<C>(0);
    ParallelFor(n, kRandomGrain, [&](int64_t b, int64_t e) {
      ForEachUniform(state, b, e, [&](int64_t i, float u) {
        const bool keep = static_cast<double>(u) >= p;
        m[i] = keep;
        op[i] = static_cast<T>(static_cast<C>(xp[i]) * (keep ? scale : zero));
      });
    });
  });
  return std::vector<Tensor>{out, mask};
}

}  // namespace

AOT_REGISTER_KERNEL(kFull, kCPU, FullKernel);
AOT_REGISTER_KERNEL(kZeros, kCPU, ZerosKernel);
AOT_REGISTER_KERNEL(kOnes, kCPU, OnesKernel);
AOT_REGISTER_KERNEL(kArange, kCPU, ArangeKernel);
AOT_REGISTER_KERNEL(kConstant, kCPU, ConstantKernel);
AOT_REGISTER_KERNEL(kZerosLike, kCPU, ZerosLikeKernel);
AOT_REGISTER_KERNEL(kOnesLike, kCPU, OnesLikeKernel);
AOT_REGISTER_KERNEL(kFullLike, kCPU, FullLikeKernel);
AOT_REGISTER_KERNEL(kRand, kCPU, RandomKernel<false>);
AOT_REGISTER_KERNEL(kRandn, kCPU, RandomKernel<true>);
AOT_REGISTER_KERNEL(kDropout, kCPU, DropoutKernel);

}  // namespace aot::cpu
