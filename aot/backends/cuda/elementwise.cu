// Device code of the elementwise ops: unary math, binary arithmetic and
// comparisons, and the elementwise backward ops. The op is a run-time
// parameter of one kernel per dtype (a uniform switch costs nothing next to
// the memory traffic), which keeps the number of instantiations, and so the
// compile time, small. Semantics follow aot/backends/cpu/elementwise_kernels.cc.
#include <cmath>
#include <cstdint>

#include "aot/backends/cuda/device_common.cuh"
#include "aot/backends/cuda/device_kernels.h"
#include "aot/backends/cuda/elementwise_engine.cuh"

namespace aot::cuda {
namespace {

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;

// Ops defined on every dtype.
template <typename T>
struct UnaryAnyF {
  using C = Compute<T>;
  UnaryOp op;
  ClampParams clamp;
  __device__ T operator()(T x) const {
    if constexpr (std::is_same_v<T, bool>) {
      if (op == UnaryOp::kClamp) {
        bool v = x;
        if (clamp.has_lo && !v && clamp.lo != 0) v = true;
        if (clamp.has_hi && v && clamp.hi == 0) v = false;
        return v;
      }
      return x;  // abs, sign; neg and relu are rejected by the host.
    } else {
      const C v = ToC(x);
      switch (op) {
        case UnaryOp::kNeg:
          return FromC<T>(static_cast<C>(-v));
        case UnaryOp::kAbs:
          if constexpr (std::is_same_v<T, uint8_t>) {
            return x;
          } else {
            return FromC<T>(v < C(0) ? static_cast<C>(-v) : v);
          }
        case UnaryOp::kRelu:
          if constexpr (std::is_unsigned_v<C>) {
            return x;
          } else {
            return v < C(0) ? FromC<T>(C(0)) : x;
          }
        case UnaryOp::kSign:
          if constexpr (std::is_unsigned_v<C>) {
            return FromC<T>(static_cast<C>(v != C(0)));
          } else {
            if constexpr (kIsFloat<T>) {
              if (isnan(v)) return x;
            }
            return FromC<T>(static_cast<C>((C(0) < v) - (v < C(0))));
          }
        case UnaryOp::kClamp: {
          if constexpr (kIsFloat<T>) {
            if (isnan(v)) return x;
          }
          C r = v;
          if (clamp.has_lo && r < static_cast<C>(clamp.lo)) r = static_cast<C>(clamp.lo);
          if (clamp.has_hi && r > static_cast<C>(clamp.hi)) r = static_cast<C>(clamp.hi);
          return FromC<T>(r);
        }
        default:
          return x;
      }
    }
  }
};

template <typename C>
__device__ __forceinline__ C FloatMath(UnaryOp op, C x) {
  switch (op) {
    case UnaryOp::kExp:
      return exp(x);
    case UnaryOp::kLog:
      return log(x);
    case UnaryOp::kLog1p:
      return log1p(x);
    case UnaryOp::kExpm1:
      return expm1(x);
    case UnaryOp::kSqrt:
      return sqrt(x);
    case UnaryOp::kRsqrt:
      return C(1) / sqrt(x);
    case UnaryOp::kReciprocal:
      return C(1) / x;
    case UnaryOp::kSin:
      return sin(x);
    case UnaryOp::kCos:
      return cos(x);
    case UnaryOp::kTanh:
      return tanh(x);
    case UnaryOp::kSigmoid:
      return C(1) / (C(1) + exp(-x));
    case UnaryOp::kErf:
      return erf(x);
    case UnaryOp::kGelu:
      return C(0.5) * x * (C(1) + erf(x * C(kSqrt1_2)));
    case UnaryOp::kGeluTanh:
      return C(0.5) * x * (C(1) + tanh(C(kSqrt2OverPi) * (x + C(0.044715) * x * x * x)));
    case UnaryOp::kSilu:
      return x / (C(1) + exp(-x));
    default:
      return x;
  }
}

// GELU on its own (no switch over the ops): with the switch of
// UnaryFloatF unrolled over the 8 elements of a bf16 vector, bf16 gelu ran
// at 70% of the copy's bandwidth on an H100 (f32, 4 elements a vector:
// 93%), while a stand-alone bf16 gelu kernel with a 3-case switch reached
// the copy's speed; the large unrolled switch is the likely cost.
template <typename T, bool kTanh>
struct GeluF {
  __device__ T operator()(T x) const {
    return FromC<T>(FloatMath(kTanh ? UnaryOp::kGeluTanh : UnaryOp::kGelu, ToC(x)));
  }
};

template <typename T>
struct UnaryFloatF {
  UnaryOp op;
  __device__ T operator()(T x) const { return FromC<T>(FloatMath(op, ToC(x))); }
};

template <typename T>
struct BinaryF {
  using C = Compute<T>;
  BinaryOp op;
  C alpha;
  __device__ T operator()(T x, T y) const {
    if constexpr (std::is_same_v<T, bool>) {
      return op == BinaryOp::kMul || op == BinaryOp::kMin ? (x && y) : (x || y);
    } else {
      const C a = ToC(x), b = ToC(y);
      switch (op) {
        case BinaryOp::kAdd:
          return FromC<T>(static_cast<C>(a + alpha * b));
        case BinaryOp::kSub:
          return FromC<T>(static_cast<C>(a - alpha * b));
        case BinaryOp::kRsub:
          return FromC<T>(static_cast<C>(b - alpha * a));
        case BinaryOp::kMul:
          return FromC<T>(static_cast<C>(a * b));
        case BinaryOp::kDiv:
          return FromC<T>(static_cast<C>(a / b));
        case BinaryOp::kPow:
          return FromC<T>(static_cast<C>(pow(static_cast<double>(a), static_cast<double>(b))));
        case BinaryOp::kMax:
          if constexpr (kIsFloat<T>) {
            if (isnan(a) || isnan(b)) return FromC<T>(C(NAN));
          }
          return FromC<T>(a > b ? a : b);
        case BinaryOp::kMin:
          if constexpr (kIsFloat<T>) {
            if (isnan(a) || isnan(b)) return FromC<T>(C(NAN));
          }
          return FromC<T>(a < b ? a : b);
        default:
          return x;
      }
    }
  }
};

// Add and mul without alpha: the hottest binary ops, specialised so that the
// loop body is a single instruction.
template <typename T>
struct AddF {
  __device__ T operator()(T x, T y) const { return FromC<T>(static_cast<Compute<T>>(ToC(x) + ToC(y))); }
};
template <typename T>
struct MulF {
  __device__ T operator()(T x, T y) const { return FromC<T>(static_cast<Compute<T>>(ToC(x) * ToC(y))); }
};

template <typename T>
struct CompareF {
  BinaryOp op;
  __device__ bool operator()(T x, T y) const {
    const Compute<T> a = ToC(x), b = ToC(y);
    switch (op) {
      case BinaryOp::kEq:
        return a == b;
      case BinaryOp::kNe:
        return a != b;
      case BinaryOp::kLt:
        return a < b;
      case BinaryOp::kLe:
        return a <= b;
      case BinaryOp::kGt:
        return a > b;
      case BinaryOp::kGe:
        return a >= b;
      default:
        return false;
    }
  }
};

template <typename T>
struct GradF {
  using C = Compute<T>;
  GradOp op;
  C threshold;
  __device__ T operator()(T gv, T xv) const {
    const C g = ToC(gv), x = ToC(xv);
    switch (op) {
      case GradOp::kThreshold:
        return x <= threshold ? FromC<T>(C(0)) : gv;
      case GradOp::kSigmoid:
        return FromC<T>(g * x * (C(1) - x));
      case GradOp::kTanh:
        return FromC<T>(g * (C(1) - x * x));
      case GradOp::kSilu: {
        const C s = C(1) / (C(1) + exp(-x));
        return FromC<T>(g * s * (C(1) + x * (C(1) - s)));
      }
      case GradOp::kGeluTanh: {
        const C k = C(kSqrt2OverPi), a = C(0.044715);
        const C inner = k * (x + a * x * x * x);
        const C t = tanh(inner);
        const C dinner = k * (C(1) + C(3) * a * x * x);
        return FromC<T>(g * (C(0.5) * (C(1) + t) + C(0.5) * x * (C(1) - t * t) * dinner));
      }
      case GradOp::kGelu: {
        const C cdf = C(0.5) * (C(1) + erf(x * C(kSqrt1_2)));
        const C pdf = exp(C(-0.5) * x * x) * C(0.39894228040143267794);
        return FromC<T>(g * (cdf + x * pdf));
      }
    }
    return gv;
  }
};

}  // namespace

cudaError_t LaunchUnary(UnaryOp op, DT dtype, const ElemArgs& a, const ClampParams& clamp) {
  if (static_cast<int>(op) <= static_cast<int>(UnaryOp::kClamp)) {
    return VisitDT(dtype, [&]<typename T>() { return Map<1, T, T>(a, UnaryAnyF<T>{op, clamp}); });
  }
  return VisitFloatDT(dtype, [&]<typename T>() {
    if (op == UnaryOp::kGelu) return Map<1, T, T>(a, GeluF<T, false>{});
    if (op == UnaryOp::kGeluTanh) return Map<1, T, T>(a, GeluF<T, true>{});
    return Map<1, T, T>(a, UnaryFloatF<T>{op});
  });
}

cudaError_t LaunchBinary(BinaryOp op, DT dtype, const ElemArgs& a, double alpha) {
  return VisitDT(dtype, [&]<typename T>() -> cudaError_t {
    if (IsCompare(op)) return Map<2, bool, T>(a, CompareF<T>{op});
    if constexpr (!std::is_same_v<T, bool>) {
      if (op == BinaryOp::kAdd && alpha == 1) return Map<2, T, T>(a, AddF<T>{});
      if (op == BinaryOp::kMul) return Map<2, T, T>(a, MulF<T>{});
    }
    return Map<2, T, T>(a, BinaryF<T>{op, static_cast<Compute<T>>(alpha)});
  });
}

cudaError_t LaunchGrad(GradOp op, DT dtype, const ElemArgs& a, double threshold) {
  return VisitFloatDT(dtype, [&]<typename T>() {
    return Map<2, T, T>(a, GradF<T>{op, static_cast<Compute<T>>(threshold)});
  });
}

}  // namespace aot::cuda
