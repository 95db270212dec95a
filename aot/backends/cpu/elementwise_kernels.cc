// CPU kernels of the elementwise ops: unary math, binary arithmetic with
// broadcasting and type promotion, scalar forms, comparisons, where,
// masked_fill, dtype conversion and copies, in-place forms, and the
// elementwise backward ops. All run through the engine in elementwise.h.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/elementwise.h"
#include "aot/backends/cpu/row_avx512.h"
#include "aot/backends/cpu/strided.h"
#include "aot/backends/cpu/vec_math.h"
#include "aot/base/status_macros.h"
#include "sleef.h"

namespace aot::cpu {
namespace {

using ir::OpKind;

// --- Conversion -------------------------------------------------------------

// Returns `t` with element type `dtype` (same layout if it already has it).
absl::StatusOr<Tensor> ConvertTo(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  return ContiguousCopy(t, dtype).Checked();
}

// --- Functors -----------------------------------------------------------------

// Runs a float-only functor on any floating T (16-bit types compute in float).
template <typename T, typename F>
struct Lifted {
  F f;
  T operator()(T x) const { return static_cast<T>(f(static_cast<ComputeType<T>>(x))); }
  __m256 Vec(__m256 x) const
    requires std::is_same_v<T, float> && HasVecF<F>
  {
    return f.Vec(x);
  }
  __m256d Vec(__m256d x) const
    requires std::is_same_v<T, double> && HasVecD<F>
  {
    return f.Vec(x);
  }
  int64_t Row16(const float* a, float* o, int64_t n) const
    requires std::is_same_v<T, float> && HasRow16<F>
  {
    return f.Row16(a, o, n);
  }
};

// A functor over SLEEF's 8-lane (float) and 4-lane (double) forms of
// `expr`; with f16, also over the 16-lane form for contiguous float rows
// (row_avx512.h), which gave the 8-lane form's bits on every value
// ElementwiseKernelTest.ContiguousAndStridedFloatRowsGiveTheSameBits
// tries. (SLEEF's 16-lane sin and cos do not: 3 of 4,600 values differed in
// the last bit. The float sin and cos below are vec_math.h's own.)
#define AOT_SLEEF_FUNCTOR_(Name, expr, f8, d4, f16)            \
  struct Name {                                                \
    template <typename T>                                      \
    T operator()(T x) const {                                  \
      return expr;                                             \
    }                                                          \
    __m256 Vec(__m256 x) const { return f8(x); }               \
    __m256d Vec(__m256d x) const { return d4(x); }             \
    int64_t Row16(const float* a, float* o, int64_t n) const { \
      return SleefRowAvx512(SleefF16::f16, a, o, n);           \
    }                                                          \
  }

// float exp: ExpF8 (vec_math.h, within 1.06 ulp like SLEEF's 1-ulp expf
// and about 3x as fast), except for vectors with a lane whose result is
// subnormal (x < -86.9), which ExpF8 flushes to 0: SLEEF's then.
struct ExpF {
  template <typename T>
  T operator()(T x) const {
    return std::exp(x);
  }
  __m256 Vec(__m256 x) const {
    if (_mm256_movemask_ps(_mm256_cmp_ps(x, _mm256_set1_ps(kExpSubnormalBelow), _CMP_LT_OQ)) != 0) {
      return Sleef_expf8_u10avx2(x);
    }
    return ExpF8(x);
  }
  int64_t Row16(const float* a, float* o, int64_t n) const { return ExpRowAvx512(a, o, n); }
  __m256d Vec(__m256d x) const { return Sleef_expd4_u10avx2(x); }
};
AOT_SLEEF_FUNCTOR_(LogF, std::log(x), Sleef_logf8_u10avx2, Sleef_logd4_u10avx2, kLog);
AOT_SLEEF_FUNCTOR_(Log1pF, std::log1p(x), Sleef_log1pf8_u10avx2, Sleef_log1pd4_u10avx2, kLog1p);
AOT_SLEEF_FUNCTOR_(Expm1F, std::expm1(x), Sleef_expm1f8_u10avx2, Sleef_expm1d4_u10avx2, kExpm1);
// float sin and cos: SinCosSmall (vec_math.h, Note [Fast sinf and cosf];
// within 2.1 ulp) where every lane has |x| <= kSinCosMax, SLEEF's 3.5-ulp
// functions for a vector with a larger, infinite or NaN lane; double keeps
// SLEEF's 1-ulp ones.
template <bool kCos>
struct SinCosF {
  template <typename T>
  T operator()(T x) const {
    return kCos ? std::cos(x) : std::sin(x);
  }
  __m256 Vec(__m256 x) const {
    if (!Avx2::All(Avx2::AbsAtMost(x, kSinCosMax))) return kCos ? Sleef_cosf8_u35avx2(x) : Sleef_sinf8_u35avx2(x);
    return SinCosSmall<Avx2, kCos>(x);
  }
  int64_t Row16(const float* a, float* o, int64_t n) const {
    return kCos ? CosRowAvx512(a, o, n) : SinRowAvx512(a, o, n);
  }
  __m256d Vec(__m256d x) const { return kCos ? Sleef_cosd4_u10avx2(x) : Sleef_sind4_u10avx2(x); }
};
using SinF = SinCosF<false>;
using CosF = SinCosF<true>;
AOT_SLEEF_FUNCTOR_(TanhF, std::tanh(x), Sleef_tanhf8_u10avx2, Sleef_tanhd4_u10avx2, kTanh);
AOT_SLEEF_FUNCTOR_(ErfF, std::erf(x), Sleef_erff8_u10avx2, Sleef_erfd4_u10avx2, kErf);
#undef AOT_SLEEF_FUNCTOR_

struct SqrtF {
  template <typename T>
  T operator()(T x) const { return std::sqrt(x); }
  __m256 Vec(__m256 x) const { return _mm256_sqrt_ps(x); }
  __m256d Vec(__m256d x) const { return _mm256_sqrt_pd(x); }
};
struct RsqrtF {
  template <typename T>
  T operator()(T x) const { return T(1) / std::sqrt(x); }
  __m256 Vec(__m256 x) const { return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_sqrt_ps(x)); }
  __m256d Vec(__m256d x) const { return _mm256_div_pd(_mm256_set1_pd(1.0), _mm256_sqrt_pd(x)); }
};
struct ReciprocalF {
  template <typename T>
  T operator()(T x) const { return T(1) / x; }
};
struct SigmoidF {
  template <typename T>
  T operator()(T x) const { return T(1) / (T(1) + std::exp(-x)); }
  __m256 Vec(__m256 x) const {
    __m256 e = Sleef_expf8_u10avx2(_mm256_sub_ps(_mm256_setzero_ps(), x));
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
  }
  __m256d Vec(__m256d x) const {
    __m256d e = Sleef_expd4_u10avx2(_mm256_sub_pd(_mm256_setzero_pd(), x));
    return _mm256_div_pd(_mm256_set1_pd(1.0), _mm256_add_pd(_mm256_set1_pd(1.0), e));
  }
};
struct SiluF {
  template <typename T>
  T operator()(T x) const { return x / (T(1) + std::exp(-x)); }
  __m256 Vec(__m256 x) const { return _mm256_mul_ps(x, SigmoidF().Vec(x)); }
  __m256d Vec(__m256d x) const { return _mm256_mul_pd(x, SigmoidF().Vec(x)); }
};
constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
// float: vec_math.h's GeluErfF8 (a rational erf, an erfc tail below -3;
// SLEEF's 1-ulp erf ran at 15% of copy bandwidth). The scalar form (tails,
// double) is the exact formula.
struct GeluExactF {
  template <typename T>
  T operator()(T x) const { return T(0.5) * x * (T(1) + std::erf(x * T(kSqrt1_2))); }
  __m256 Vec(__m256 x) const { return GeluErfF8(x); }
  int64_t Row16(const float* a, float* o, int64_t n) const { return GeluErfRowAvx512(a, o, n); }
};
struct GeluTanhF {
  template <typename T>
  T operator()(T x) const {
    return T(0.5) * x * (T(1) + std::tanh(T(kSqrt2OverPi) * (x + T(0.044715) * x * x * x)));
  }
  __m256 Vec(__m256 x) const {
    __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
    __m256 inner = _mm256_mul_ps(_mm256_set1_ps(static_cast<float>(kSqrt2OverPi)),
                                 _mm256_fmadd_ps(_mm256_set1_ps(0.044715f), x3, x));
    __m256 t = Sleef_tanhf8_u10avx2(inner);
    return _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), x), _mm256_add_ps(_mm256_set1_ps(1.0f), t));
  }
};

// Unary ops on any dtype (result dtype = input dtype).
template <typename T>
T Neg(T x) {
  return static_cast<T>(-static_cast<ComputeType<T>>(x));
}
template <typename T>
T Abs(T x) {
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, uint8_t>) {
    return x;
  } else {
    ComputeType<T> v = static_cast<ComputeType<T>>(x);
    return static_cast<T>(v < 0 ? -v : v);
  }
}
// NaN compares false, so it passes through (as in PyTorch); the select
// vectorises.
template <typename T>
T Relu(T x) {
  ComputeType<T> v = static_cast<ComputeType<T>>(x);
  return v < ComputeType<T>(0) ? static_cast<T>(ComputeType<T>(0)) : x;
}
template <typename T>
T Sign(T x) {
  using C = ComputeType<T>;
  C v = static_cast<C>(x);
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(v)) return x;
  }
  return static_cast<T>(static_cast<C>((C(0) < v) - (v < C(0))));
}

// --- Kernel bodies ------------------------------------------------------------

KernelResult Single(Tensor t) {
  AOT_RETURN_IF_ERROR(t.status());
  return std::vector<Tensor>{std::move(t)};
}

// A float math op: the input converted to the result's (floating) dtype.
template <typename F>
KernelResult FloatUnaryKernel(const OpCall& call, F f) {
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  AOT_ASSIGN_OR_RETURN(Tensor x, ConvertTo(call.input(0), out.dtype()));
  VisitDType(out.dtype(), [&]<typename T>() {
    if constexpr (std::is_floating_point_v<ComputeType<T>>) {
      MapUnary<T, T>(out, x, Lifted<T, F>{f});
    }
  });
  return Single(out);
}

template <typename F>
Kernel FloatUnary(F f) {
  return [f](const OpCall& call) { return FloatUnaryKernel(call, f); };
}

// An op defined for every dtype, computed in the result's dtype.
// `body<T>(out, x)` runs the map.
template <typename Body>
KernelResult SameTypeUnary(const OpCall& call, Body body) {
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  // The result dtype may differ from the input's (clamp promotes with its
  // bounds); compute in the result's.
  AOT_ASSIGN_OR_RETURN(Tensor x, ConvertTo(call.input(0), out.dtype()));
  VisitDType(out.dtype(), [&]<typename T>() { body.template operator()<T>(out, x); });
  return Single(out);
}

KernelResult NegKernel(const OpCall& call) {
  if (call.input(0).dtype() == DType::kBool) {
    return absl::InvalidArgumentError("neg: negation of a bool tensor is not supported; use logical not");
  }
  return SameTypeUnary(call, []<typename T>(const Tensor& o, const Tensor& x) { MapUnary<T, T>(o, x, [](T v) { return Neg<T>(v); }); });
}
KernelResult AbsKernel(const OpCall& call) {
  return SameTypeUnary(call, []<typename T>(const Tensor& o, const Tensor& x) { MapUnary<T, T>(o, x, [](T v) { return Abs<T>(v); }); });
}
KernelResult ReluKernel(const OpCall& call) {
  if (call.input(0).dtype() == DType::kBool) return absl::InvalidArgumentError("relu: not defined for bool tensors");
  return SameTypeUnary(call, []<typename T>(const Tensor& o, const Tensor& x) { MapUnary<T, T>(o, x, [](T v) { return Relu<T>(v); }); });
}
KernelResult SignKernel(const OpCall& call) {
  return SameTypeUnary(call, []<typename T>(const Tensor& o, const Tensor& x) { MapUnary<T, T>(o, x, [](T v) { return Sign<T>(v); }); });
}

template <typename T>
auto ClampFn(const ir::AttrValue& lo, const ir::AttrValue& hi) {
  using C = ComputeType<T>;
  const bool has_lo = !lo.is_none(), has_hi = !hi.is_none();
  const C l = has_lo ? static_cast<C>(lo.scalar()) : C(0);
  const C h = has_hi ? static_cast<C>(hi.scalar()) : C(0);
  return [=](T x) {
    C v = static_cast<C>(x);
    if constexpr (std::is_floating_point_v<C>) {
      if (std::isnan(v)) return x;
    }
    if (has_lo && v < l) v = l;
    if (has_hi && v > h) v = h;
    return static_cast<T>(v);
  };
}
KernelResult ClampKernel(const OpCall& call) {
  const ir::AttrValue& lo = call.attr("min");
  const ir::AttrValue& hi = call.attr("max");
  return SameTypeUnary(call, [&]<typename T>(const Tensor& o, const Tensor& x) {
    MapUnary<T, T>(o, x, ClampFn<T>(lo, hi));
  });
}

KernelResult GeluKernel(const OpCall& call) {
  if (call.attr("approximate").s() == "tanh") return FloatUnaryKernel(call, GeluTanhF{});
  return FloatUnaryKernel(call, GeluExactF{});
}

// --- Binary ---------------------------------------------------------------------

enum class BinOp { kAdd, kSub, kRsub, kMul, kDiv, kPow, kMax, kMin, kEq, kNe, kLt, kLe, kGt, kGe };

template <typename C>
C ApplyArith(BinOp op, C a, C b, C alpha) {
  switch (op) {
    case BinOp::kAdd:
      return a + alpha * b;
    case BinOp::kSub:
      return a - alpha * b;
    case BinOp::kRsub:
      return b - alpha * a;
    case BinOp::kMul:
      return a * b;
    case BinOp::kDiv:
      return a / b;
    case BinOp::kPow:
      return static_cast<C>(std::pow(static_cast<double>(a), static_cast<double>(b)));
    case BinOp::kMax:
      if constexpr (std::is_floating_point_v<C>) {
        if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<C>::quiet_NaN();
      }
      return a > b ? a : b;
    case BinOp::kMin:
      if constexpr (std::is_floating_point_v<C>) {
        if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<C>::quiet_NaN();
      }
      return a < b ? a : b;
    default:
      return C(0);
  }
}

template <typename C>
bool ApplyCompare(BinOp op, C a, C b) {
  switch (op) {
    case BinOp::kEq:
      return a == b;
    case BinOp::kNe:
      return a != b;
    case BinOp::kLt:
      return a < b;
    case BinOp::kLe:
      return a <= b;
    case BinOp::kGt:
      return a > b;
    case BinOp::kGe:
      return a >= b;
    default:
      return false;
  }
}

bool IsCompare(BinOp op) { return op >= BinOp::kEq; }

// Writes op(a, b) (broadcast) into out, computing in `compute` dtype.
absl::Status RunBinary(BinOp op, const Tensor& out, const Tensor& a_in, const Tensor& b_in, DType compute,
                       double alpha) {
  if (compute == DType::kBool && (op == BinOp::kSub || op == BinOp::kRsub)) {
    return absl::InvalidArgumentError("sub: subtraction of bool tensors is not supported");
  }
  AOT_ASSIGN_OR_RETURN(Tensor a, ConvertTo(a_in, compute));
  AOT_ASSIGN_OR_RETURN(Tensor b, ConvertTo(b_in, compute));
  VisitDType(compute, [&]<typename T>() {
    using C = ComputeType<T>;
    if (IsCompare(op)) {
      MapBinary<bool, T, T>(out, a, b, [op](T x, T y) { return ApplyCompare<C>(op, C(x), C(y)); });
      return;
    }
    if constexpr (std::is_same_v<T, bool>) {
      MapBinary<T, T, T>(out, a, b, [op](T x, T y) {
        return op == BinOp::kMul || op == BinOp::kMin ? (x && y) : (x || y);
      });
    } else {
      const C al = static_cast<C>(alpha);
      // Specialise the hottest ops so that their loops vectorise; for float
      // they also have a vector form (Note [Transposed blocks in registers]).
      auto map = [&](auto f, auto vec) {
        if constexpr (std::is_same_v<T, float>) {
          MapBinary<T, T, T>(out, a, b, f, vec);
        } else {
          MapBinary<T, T, T>(out, a, b, f);
        }
      };
      switch (op) {
        case BinOp::kAdd:
          if (alpha == 1) {
            map([](T x, T y) { return static_cast<T>(C(x) + C(y)); }, [](auto x, auto y) { return x + y; });
            return;
          }
          break;
        case BinOp::kSub:
          if (alpha == 1) {
            map([](T x, T y) { return static_cast<T>(C(x) - C(y)); }, [](auto x, auto y) { return x - y; });
            return;
          }
          break;
        case BinOp::kMul:
          map([](T x, T y) { return static_cast<T>(C(x) * C(y)); }, [](auto x, auto y) { return x * y; });
          return;
        case BinOp::kDiv:
          map([](T x, T y) { return static_cast<T>(C(x) / C(y)); }, [](auto x, auto y) { return x / y; });
          return;
        default:
          break;
      }
      MapBinary<T, T, T>(out, a, b, [op, al](T x, T y) { return static_cast<T>(ApplyArith<C>(op, C(x), C(y), al)); });
    }
  });
  return absl::OkStatus();
}

Kernel BinaryKernel(BinOp op) {
  return [op](const OpCall& call) -> KernelResult {
    Tensor out = EmptyResult(call);
    AOT_RETURN_IF_ERROR(out.status());
    const Tensor& a = call.input(0);
    const Tensor& b = call.input(1);
    DType compute = IsCompare(op) ? ir::PromoteTypes(a.dtype(), b.dtype()) : out.dtype();
    if (op == BinOp::kDiv && ir::IsIntegral(compute)) compute = ir::ToFloating(compute);
    double alpha = call.op->schema().AttrIndex("alpha") >= 0 ? call.attr("alpha").scalar() : 1.0;
    AOT_RETURN_IF_ERROR(RunBinary(op, out, a, b, compute, alpha));
    return Single(out);
  };
}

// The scalar operand as a rank-0 tensor of `dtype`.
absl::StatusOr<Tensor> ScalarAsTensor(const ir::AttrValue& v, DType dtype) {
  Tensor t = Tensor::Empty({}, dtype);
  AOT_RETURN_IF_ERROR(t.status());
  VisitDType(dtype, [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      *t.data_ptr<T>() = v.scalar() != 0;
    } else if (v.is_int()) {
      *t.data_ptr<T>() = static_cast<T>(static_cast<ComputeType<T>>(v.i()));
    } else {
      *t.data_ptr<T>() = static_cast<T>(static_cast<ComputeType<T>>(v.scalar()));
    }
  });
  return t;
}

Kernel ScalarKernel(BinOp op, const char* attr_name) {
  return [op, attr_name](const OpCall& call) -> KernelResult {
    Tensor out = EmptyResult(call);
    AOT_RETURN_IF_ERROR(out.status());
    const Tensor& a = call.input(0);
    DType compute = out.dtype();
    if (IsCompare(op)) {
      compute = a.dtype();
      if (call.attr(attr_name).is_float() && !ir::IsFloating(compute)) compute = DType::kFloat32;
    }
    AOT_ASSIGN_OR_RETURN(Tensor b, ScalarAsTensor(call.attr(attr_name), compute));
    double alpha = call.op->schema().AttrIndex("alpha") >= 0 ? call.attr("alpha").scalar() : 1.0;
    AOT_RETURN_IF_ERROR(RunBinary(op, out, a, b, compute, alpha));
    return Single(out);
  };
}

// --- In-place --------------------------------------------------------------------

KernelResult Self(const OpCall& call) {
  Tensor self = call.input(0);
  ++self.impl()->version;
  return std::vector<Tensor>{self};
}

// `src` itself, or a contiguous copy of it where it shares memory with
// `dst` in another arrangement (x.add_(x.t()), x.add_(x[0]), x.copy_ of an
// overlapping view): an elementwise kernel writing dst would otherwise read
// elements it had already written. The very same view of dst (x.mul_(x))
// reads each element just before writing it, and needs no copy.
absl::StatusOr<Tensor> ReadableWhileWriting(const Tensor& src, const Tensor& dst) {
  if (!src.shares_storage_with(dst)) return src;
  const bool same_view = src.dtype() == dst.dtype() && src.storage_offset() == dst.storage_offset() &&
                         std::ranges::equal(src.sizes(), dst.sizes()) &&
                         std::ranges::equal(src.strides(), dst.strides());
  if (same_view) return src;
  return ContiguousCopy(src).Checked();
}

Kernel InplaceBinaryKernel(BinOp op) {
  return [op](const OpCall& call) -> KernelResult {
    const Tensor& self = call.input(0);
    double alpha = call.op->schema().AttrIndex("alpha") >= 0 ? call.attr("alpha").scalar() : 1.0;
    AOT_ASSIGN_OR_RETURN(Tensor other, ReadableWhileWriting(call.input(1), self));
    AOT_RETURN_IF_ERROR(RunBinary(op, self, self, other, self.dtype(), alpha));
    return Self(call);
  };
}

Kernel InplaceScalarKernel(BinOp op) {
  return [op](const OpCall& call) -> KernelResult {
    const Tensor& self = call.input(0);
    AOT_ASSIGN_OR_RETURN(Tensor b, ScalarAsTensor(call.attr("other"), self.dtype()));
    double alpha = call.op->schema().AttrIndex("alpha") >= 0 ? call.attr("alpha").scalar() : 1.0;
    AOT_RETURN_IF_ERROR(RunBinary(op, self, self, b, self.dtype(), alpha));
    return Self(call);
  };
}

// In-place unary: computes the functional op's kernel into a temporary and
// copies it back through self's strides.
Kernel InplaceFromFunctional(Kernel functional) {
  return [functional](const OpCall& call) -> KernelResult {
    AOT_ASSIGN_OR_RETURN(std::vector<Tensor> r, functional(call));
    CopyInto(call.input(0), r[0]);
    return Self(call);
  };
}

KernelResult FillKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_ASSIGN_OR_RETURN(Tensor v, ScalarAsTensor(call.attr("value"), self.dtype()));
  CopyInto(self, v);
  return Self(call);
}

KernelResult ZeroKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_ASSIGN_OR_RETURN(Tensor v, ScalarAsTensor(ir::AttrValue(int64_t{0}), self.dtype()));
  CopyInto(self, v);
  return Self(call);
}

KernelResult CopyInplaceKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  const Tensor& src = call.input(1);
  if (!src.device().is_cpu()) {
    return absl::UnimplementedError(
        absl::StrCat("copy_: copying from ", src.device().ToString(), " to cpu needs that device's backend"));
  }
  AOT_ASSIGN_OR_RETURN(Tensor from, ReadableWhileWriting(src, self));
  CopyInto(self, from);
  return Self(call);
}

// --- Conversion, copies, where, masked_fill ----------------------------------------

KernelResult ToCopyKernel(const OpCall& call) {
  const ir::TensorMeta& m = call.result_metas[0];
  if (!m.device.is_cpu()) {
    return absl::UnimplementedError(absl::StrCat("to_copy: copying to ", m.device.ToString(),
                                                 " needs the CUDA backend, which is not linked in"));
  }
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  CopyInto(out, call.input(0));
  return Single(out);
}

KernelResult CloneKernel(const OpCall& call) {
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  CopyInto(out, call.input(0));
  return Single(out);
}

KernelResult CopyKernel(const OpCall& call) {
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  CopyInto(out, call.input(1));
  return Single(out);
}

KernelResult WhereKernel(const OpCall& call) {
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  AOT_ASSIGN_OR_RETURN(Tensor a, ConvertTo(call.input(1), out.dtype()));
  AOT_ASSIGN_OR_RETURN(Tensor b, ConvertTo(call.input(2), out.dtype()));
  VisitDType(out.dtype(), [&]<typename T>() {
    MapTernary<T, bool, T, T>(out, call.input(0), a, b, [](bool c, T x, T y) { return c ? x : y; });
  });
  return Single(out);
}

absl::Status MaskedFillInto(const Tensor& out, const Tensor& self, const Tensor& mask, const ir::AttrValue& value) {
  AOT_ASSIGN_OR_RETURN(Tensor v, ScalarAsTensor(value, out.dtype()));
  VisitDType(out.dtype(), [&]<typename T>() {
    const T fill = *v.data_ptr<T>();
    MapBinary<T, T, bool>(out, self, mask, [fill](T x, bool m) { return m ? fill : x; });
  });
  return absl::OkStatus();
}

KernelResult MaskedFillKernel(const OpCall& call) {
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  AOT_RETURN_IF_ERROR(MaskedFillInto(out, call.input(0), call.input(1), call.attr("value")));
  return Single(out);
}

KernelResult MaskedFillInplaceKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(MaskedFillInto(call.input(0), call.input(0), call.input(1), call.attr("value")));
  return Self(call);
}

// --- Elementwise backward ops ----------------------------------------------------------

// out = f(grad, x) computed in the result's floating dtype.
template <typename F>
Kernel GradKernel(F f) {
  return [f](const OpCall& call) -> KernelResult {
    Tensor out = EmptyResult(call);
    AOT_RETURN_IF_ERROR(out.status());
    AOT_ASSIGN_OR_RETURN(Tensor g, ConvertTo(call.input(0), out.dtype()));
    AOT_ASSIGN_OR_RETURN(Tensor x, ConvertTo(call.input(1), out.dtype()));
    VisitDType(out.dtype(), [&]<typename T>() {
      using C = ComputeType<T>;
      if constexpr (std::is_floating_point_v<C>) {
        MapBinary<T, T, T>(out, g, x, [&](T gv, T xv) { return static_cast<T>(f(call, C(gv), C(xv))); });
      }
    });
    return Single(out);
  };
}

KernelResult ThresholdBackwardKernel(const OpCall& call) {
  Tensor out = EmptyResult(call);
  AOT_RETURN_IF_ERROR(out.status());
  AOT_ASSIGN_OR_RETURN(Tensor g, ConvertTo(call.input(0), out.dtype()));
  AOT_ASSIGN_OR_RETURN(Tensor x, ConvertTo(call.input(1), out.dtype()));
  const double th = call.attr("threshold").scalar();
  VisitDType(out.dtype(), [&]<typename T>() {
    using C = ComputeType<T>;
    const C t = static_cast<C>(th);
    MapBinary<T, T, T>(out, g, x, [t](T gv, T xv) { return C(xv) <= t ? static_cast<T>(C(0)) : gv; });
  });
  return Single(out);
}

struct SigmoidGrad {
  template <typename C>
  C operator()(const OpCall&, C g, C y) const { return g * y * (C(1) - y); }
};
struct TanhGrad {
  template <typename C>
  C operator()(const OpCall&, C g, C y) const { return g * (C(1) - y * y); }
};
struct SiluGrad {
  template <typename C>
  C operator()(const OpCall&, C g, C x) const {
    C s = C(1) / (C(1) + std::exp(-x));
    return g * s * (C(1) + x * (C(1) - s));
  }
};
struct GeluGrad {
  template <typename C>
  C operator()(const OpCall& call, C g, C x) const {
    if (call.attr("approximate").s() == "tanh") {
      const C k = C(kSqrt2OverPi), a = C(0.044715);
      C inner = k * (x + a * x * x * x);
      C t = std::tanh(inner);
      C dinner = k * (C(1) + C(3) * a * x * x);
      return g * (C(0.5) * (C(1) + t) + C(0.5) * x * (C(1) - t * t) * dinner);
    }
    C cdf = C(0.5) * (C(1) + std::erf(x * C(kSqrt1_2)));
    C pdf = std::exp(C(-0.5) * x * x) * C(0.39894228040143267794);
    return g * (cdf + x * pdf);
  }
};

// --- Registration ----------------------------------------------------------------------

AOT_REGISTER_KERNEL(kNeg, kCPU, NegKernel);
AOT_REGISTER_KERNEL(kAbs, kCPU, AbsKernel);
AOT_REGISTER_KERNEL(kExp, kCPU, FloatUnary(ExpF{}));
AOT_REGISTER_KERNEL(kLog, kCPU, FloatUnary(LogF{}));
AOT_REGISTER_KERNEL(kLog1p, kCPU, FloatUnary(Log1pF{}));
AOT_REGISTER_KERNEL(kExpm1, kCPU, FloatUnary(Expm1F{}));
AOT_REGISTER_KERNEL(kSqrt, kCPU, FloatUnary(SqrtF{}));
AOT_REGISTER_KERNEL(kRsqrt, kCPU, FloatUnary(RsqrtF{}));
AOT_REGISTER_KERNEL(kReciprocal, kCPU, FloatUnary(ReciprocalF{}));
AOT_REGISTER_KERNEL(kSin, kCPU, FloatUnary(SinF{}));
AOT_REGISTER_KERNEL(kCos, kCPU, FloatUnary(CosF{}));
AOT_REGISTER_KERNEL(kTanh, kCPU, FloatUnary(TanhF{}));
AOT_REGISTER_KERNEL(kSigmoid, kCPU, FloatUnary(SigmoidF{}));
AOT_REGISTER_KERNEL(kRelu, kCPU, ReluKernel);
AOT_REGISTER_KERNEL(kErf, kCPU, FloatUnary(ErfF{}));
AOT_REGISTER_KERNEL(kSign, kCPU, SignKernel);
AOT_REGISTER_KERNEL(kGelu, kCPU, GeluKernel);
AOT_REGISTER_KERNEL(kSilu, kCPU, FloatUnary(SiluF{}));
AOT_REGISTER_KERNEL(kClamp, kCPU, ClampKernel);

AOT_REGISTER_KERNEL(kAdd, kCPU, BinaryKernel(BinOp::kAdd));
AOT_REGISTER_KERNEL(kSub, kCPU, BinaryKernel(BinOp::kSub));
AOT_REGISTER_KERNEL(kMul, kCPU, BinaryKernel(BinOp::kMul));
AOT_REGISTER_KERNEL(kDiv, kCPU, BinaryKernel(BinOp::kDiv));
AOT_REGISTER_KERNEL(kPow, kCPU, BinaryKernel(BinOp::kPow));
AOT_REGISTER_KERNEL(kMaximum, kCPU, BinaryKernel(BinOp::kMax));
AOT_REGISTER_KERNEL(kMinimum, kCPU, BinaryKernel(BinOp::kMin));
AOT_REGISTER_KERNEL(kEq, kCPU, BinaryKernel(BinOp::kEq));
AOT_REGISTER_KERNEL(kNe, kCPU, BinaryKernel(BinOp::kNe));
AOT_REGISTER_KERNEL(kLt, kCPU, BinaryKernel(BinOp::kLt));
AOT_REGISTER_KERNEL(kLe, kCPU, BinaryKernel(BinOp::kLe));
AOT_REGISTER_KERNEL(kGt, kCPU, BinaryKernel(BinOp::kGt));
AOT_REGISTER_KERNEL(kGe, kCPU, BinaryKernel(BinOp::kGe));

AOT_REGISTER_KERNEL(kAddScalar, kCPU, ScalarKernel(BinOp::kAdd, "other"));
AOT_REGISTER_KERNEL(kSubScalar, kCPU, ScalarKernel(BinOp::kSub, "other"));
AOT_REGISTER_KERNEL(kRsubScalar, kCPU, ScalarKernel(BinOp::kRsub, "other"));
AOT_REGISTER_KERNEL(kMulScalar, kCPU, ScalarKernel(BinOp::kMul, "other"));
AOT_REGISTER_KERNEL(kDivScalar, kCPU, ScalarKernel(BinOp::kDiv, "other"));
AOT_REGISTER_KERNEL(kPowScalar, kCPU, ScalarKernel(BinOp::kPow, "exponent"));
AOT_REGISTER_KERNEL(kEqScalar, kCPU, ScalarKernel(BinOp::kEq, "other"));
AOT_REGISTER_KERNEL(kNeScalar, kCPU, ScalarKernel(BinOp::kNe, "other"));
AOT_REGISTER_KERNEL(kLtScalar, kCPU, ScalarKernel(BinOp::kLt, "other"));
AOT_REGISTER_KERNEL(kLeScalar, kCPU, ScalarKernel(BinOp::kLe, "other"));
AOT_REGISTER_KERNEL(kGtScalar, kCPU, ScalarKernel(BinOp::kGt, "other"));
AOT_REGISTER_KERNEL(kGeScalar, kCPU, ScalarKernel(BinOp::kGe, "other"));

AOT_REGISTER_KERNEL(kWhere, kCPU, WhereKernel);
AOT_REGISTER_KERNEL(kMaskedFill, kCPU, MaskedFillKernel);
AOT_REGISTER_KERNEL(kToCopy, kCPU, ToCopyKernel);
AOT_REGISTER_KERNEL(kClone, kCPU, CloneKernel);
AOT_REGISTER_KERNEL(kCopy, kCPU, CopyKernel);

AOT_REGISTER_KERNEL(kAdd_, kCPU, InplaceBinaryKernel(BinOp::kAdd));
AOT_REGISTER_KERNEL(kSub_, kCPU, InplaceBinaryKernel(BinOp::kSub));
AOT_REGISTER_KERNEL(kMul_, kCPU, InplaceBinaryKernel(BinOp::kMul));
AOT_REGISTER_KERNEL(kDiv_, kCPU, InplaceBinaryKernel(BinOp::kDiv));
AOT_REGISTER_KERNEL(kAddScalar_, kCPU, InplaceScalarKernel(BinOp::kAdd));
AOT_REGISTER_KERNEL(kSubScalar_, kCPU, InplaceScalarKernel(BinOp::kSub));
AOT_REGISTER_KERNEL(kMulScalar_, kCPU, InplaceScalarKernel(BinOp::kMul));
AOT_REGISTER_KERNEL(kDivScalar_, kCPU, InplaceScalarKernel(BinOp::kDiv));
AOT_REGISTER_KERNEL(kNeg_, kCPU, InplaceFromFunctional(NegKernel));
AOT_REGISTER_KERNEL(kExp_, kCPU, InplaceFromFunctional(FloatUnary(ExpF{})));
AOT_REGISTER_KERNEL(kSqrt_, kCPU, InplaceFromFunctional(FloatUnary(SqrtF{})));
AOT_REGISTER_KERNEL(kRelu_, kCPU, InplaceFromFunctional(ReluKernel));
AOT_REGISTER_KERNEL(kSigmoid_, kCPU, InplaceFromFunctional(FloatUnary(SigmoidF{})));
AOT_REGISTER_KERNEL(kTanh_, kCPU, InplaceFromFunctional(FloatUnary(TanhF{})));
AOT_REGISTER_KERNEL(kClamp_, kCPU, InplaceFromFunctional(ClampKernel));
AOT_REGISTER_KERNEL(kCopy_, kCPU, CopyInplaceKernel);
AOT_REGISTER_KERNEL(kFill_, kCPU, FillKernel);
AOT_REGISTER_KERNEL(kZero_, kCPU, ZeroKernel);
AOT_REGISTER_KERNEL(kMaskedFill_, kCPU, MaskedFillInplaceKernel);

AOT_REGISTER_KERNEL(kThresholdBackward, kCPU, ThresholdBackwardKernel);
AOT_REGISTER_KERNEL(kSigmoidBackward, kCPU, GradKernel(SigmoidGrad{}));
AOT_REGISTER_KERNEL(kTanhBackward, kCPU, GradKernel(TanhGrad{}));
AOT_REGISTER_KERNEL(kSiluBackward, kCPU, GradKernel(SiluGrad{}));
AOT_REGISTER_KERNEL(kGeluBackward, kCPU, GradKernel(GeluGrad{}));

}  // namespace
}  // namespace aot::cpu
