// CUDA kernels of the elementwise ops (unary math, binary arithmetic with
// broadcasting and type promotion, scalar forms, comparisons, where,
// masked_fill, dtype conversion and copies between devices, in-place forms,
// the elementwise backward ops) and of the creation and random ops. Each
// decides dtypes and layouts here, as aot/backends/cpu/elementwise_kernels.cc
// and creation_kernels.cc do, and launches the device code of
// elementwise.cu and copy.cu.
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/backends/cuda/cuda_status.h"
#include "aot/backends/cuda/cuda_utils.h"
#include "aot/backends/cuda/device_kernels.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"

namespace aot::cuda {
namespace {

const std::string& Name(const OpCall& call) { return call.op->name(); }

KernelResult Single(Tensor t) { return std::vector<Tensor>{std::move(t)}; }

// `t` with element type `dtype` (the same tensor if it has it already).
absl::StatusOr<Tensor> ConvertTo(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  return t.to(dtype).Checked();
}

// Writes src (broadcast to dst's shape, any dtype, on a CUDA device or the
// CPU) into dst (a CUDA tensor, any strides).
absl::Status CopyInto(const Tensor& dst, const Tensor& src_in, absl::string_view op) {
  Tensor src = src_in;
  DeviceGuard guard(dst.device());
  if (src.device().is_cpu()) {
    AOT_ASSIGN_OR_RETURN(src, HostToDevice(src, dst.device()));
  } else if (src.device() != dst.device()) {
    // Another GPU: a dense copy through unified addressing, then convert here.
    AOT_ASSIGN_OR_RETURN(Tensor dense, Dense(src));
    AOT_ASSIGN_OR_RETURN(Tensor here, Tensor::Empty(dense.sizes(), dense.dtype(), dst.device()).Checked());
    const size_t bytes = static_cast<size_t>(dense.numel()) * ir::DTypeSize(dense.dtype());
    if (bytes > 0) {
      AOT_RETURN_IF_ERROR(CudaStatus(cudaMemcpy(here.raw_data(), dense.raw_data(), bytes, cudaMemcpyDefault),
                                     absl::StrCat(op, ": copy from ", src.device().ToString())));
    }
    src = here;
  }
  AOT_ASSIGN_OR_RETURN(ElemArgs a, MakeElemArgs(dst, {src}));
  return CheckLaunch(LaunchCast(ToDT(dst.dtype()), ToDT(src.dtype()), a), op);
}

// --- Unary ---------------------------------------------------------------------------

KernelResult FloatUnaryKernel(const OpCall& call, UnaryOp op) {
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
  AOT_ASSIGN_OR_RETURN(Tensor x, ConvertTo(call.input(0), out.dtype()));
  AOT_ASSIGN_OR_RETURN(ElemArgs a, MakeElemArgs(out, {x}));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchUnary(op, ToDT(out.dtype()), a, {}), Name(call)));
  return Single(out);
}

Kernel FloatUnary(UnaryOp op) {
  return [op](const OpCall& call) { return FloatUnaryKernel(call, op); };
}

KernelResult AnyUnaryKernel(const OpCall& call, UnaryOp op, const ClampParams& clamp = {}) {
  if (call.input(0).dtype() == DType::kBool && op == UnaryOp::kNeg) {
    return absl::InvalidArgumentError("neg: negation of a bool tensor is not supported; use logical not");
  }
  if (call.input(0).dtype() == DType::kBool && op == UnaryOp::kRelu) {
    return absl::InvalidArgumentError("relu: not defined for bool tensors");
  }
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
  // The result dtype may differ from the input's (clamp promotes with its
  // bounds); compute in the result's.
  AOT_ASSIGN_OR_RETURN(Tensor x, ConvertTo(call.input(0), out.dtype()));
  AOT_ASSIGN_OR_RETURN(ElemArgs a, MakeElemArgs(out, {x}));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchUnary(op, ToDT(out.dtype()), a, clamp), Name(call)));
  return Single(out);
}

Kernel AnyUnary(UnaryOp op) {
  return [op](const OpCall& call) { return AnyUnaryKernel(call, op); };
}

KernelResult ClampKernel(const OpCall& call) {
  ClampParams p;
  const ir::AttrValue& lo = call.attr("min");
  const ir::AttrValue& hi = call.attr("max");
  p.has_lo = !lo.is_none();
  p.has_hi = !hi.is_none();
  if (p.has_lo) p.lo = lo.scalar();
  if (p.has_hi) p.hi = hi.scalar();
  return AnyUnaryKernel(call, UnaryOp::kClamp, p);
}

KernelResult GeluKernel(const OpCall& call) {
  return FloatUnaryKernel(call, call.attr("approximate").s() == "tanh" ? UnaryOp::kGeluTanh : UnaryOp::kGelu);
}

// --- Binary ----------------------------------------------------------------------------

// Writes op(a, b) (broadcast) into out, computing in `compute`.
absl::Status RunBinary(const OpCall& call, BinaryOp op, const Tensor& out, const Tensor& a_in, const ElemIn& b_in,
                       DType compute, double alpha) {
  if (compute == DType::kBool && (op == BinaryOp::kSub || op == BinaryOp::kRsub)) {
    return absl::InvalidArgumentError("sub: subtraction of bool tensors is not supported");
  }
  AOT_ASSIGN_OR_RETURN(Tensor a, ConvertTo(a_in, compute));
  Tensor b;
  ElemIn bin = b_in;
  if (b_in.tensor != nullptr) {
    AOT_ASSIGN_OR_RETURN(b, ConvertTo(*b_in.tensor, compute));
    bin = ElemIn(b);
  }
  // An output whose dtype differs from the computation (in-place into a
  // narrower self, say): compute into a temporary, then convert.
  const DType want = IsCompare(op) ? DType::kBool : compute;
  Tensor target = out;
  if (out.dtype() != want) {
    AOT_ASSIGN_OR_RETURN(target, Tensor::Empty(out.sizes(), want, out.device()).Checked());
  }
  AOT_ASSIGN_OR_RETURN(ElemArgs args, MakeElemArgs(target, {a, bin}));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchBinary(op, ToDT(compute), args, alpha), Name(call)));
  if (target.impl() != out.impl()) AOT_RETURN_IF_ERROR(CopyInto(out, target, Name(call)));
  return absl::OkStatus();
}

double Alpha(const OpCall& call) {
  return call.op->schema().AttrIndex("alpha") >= 0 ? call.attr("alpha").scalar() : 1.0;
}

Kernel BinaryKernel(BinaryOp op) {
  return [op](const OpCall& call) -> KernelResult {
    const Device dev = CallDevice(call);
    AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
    const Tensor& a = call.input(0);
    const Tensor& b = call.input(1);
    DType compute = IsCompare(op) ? ir::PromoteTypes(a.dtype(), b.dtype()) : out.dtype();
    if (op == BinaryOp::kDiv && ir::IsIntegral(compute)) compute = ir::ToFloating(compute);
    AOT_RETURN_IF_ERROR(RunBinary(call, op, out, a, b, compute, Alpha(call)));
    return Single(out);
  };
}

Kernel ScalarKernel(BinaryOp op, const char* attr_name) {
  return [op, attr_name](const OpCall& call) -> KernelResult {
    const Device dev = CallDevice(call);
    AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
    const Tensor& a = call.input(0);
    DType compute = out.dtype();
    if (IsCompare(op)) {
      compute = a.dtype();
      if (call.attr(attr_name).is_float() && !ir::IsFloating(compute)) compute = DType::kFloat32;
    }
    const ElemIn b = ElemIn::Scalar(ScalarBits(call.attr(attr_name), compute));
    AOT_RETURN_IF_ERROR(RunBinary(call, op, out, a, b, compute, Alpha(call)));
    return Single(out);
  };
}

// --- In-place ----------------------------------------------------------------------------

KernelResult Self(const OpCall& call) { return std::vector<Tensor>{call.input(0)}; }

Kernel InplaceBinaryKernel(BinaryOp op) {
  return [op](const OpCall& call) -> KernelResult {
    const Tensor& self = call.input(0);
    DeviceGuard guard(self.device());
    AOT_RETURN_IF_ERROR(RunBinary(call, op, self, self, call.input(1), self.dtype(), Alpha(call)));
    return Self(call);
  };
}

Kernel InplaceScalarKernel(BinaryOp op) {
  return [op](const OpCall& call) -> KernelResult {
    const Tensor& self = call.input(0);
    DeviceGuard guard(self.device());
    const ElemIn b = ElemIn::Scalar(ScalarBits(call.attr("other"), self.dtype()));
    AOT_RETURN_IF_ERROR(RunBinary(call, op, self, self, b, self.dtype(), Alpha(call)));
    return Self(call);
  };
}

// In-place unary: the functional kernel into a temporary, copied back
// through self's strides (as the CPU backend).
Kernel InplaceFromFunctional(Kernel functional) {
  return [functional](const OpCall& call) -> KernelResult {
    AOT_ASSIGN_OR_RETURN(std::vector<Tensor> r, functional(call));
    AOT_RETURN_IF_ERROR(CopyInto(call.input(0), r[0], Name(call)));
    return Self(call);
  };
}

absl::Status FillWith(const Tensor& self, uint64_t bits, absl::string_view op) {
  DeviceGuard guard(self.device());
  AOT_ASSIGN_OR_RETURN(ElemArgs a, MakeElemArgs(self, {ElemIn::Scalar(bits)}));
  return CheckLaunch(LaunchCast(ToDT(self.dtype()), ToDT(self.dtype()), a), op);
}

KernelResult FillKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_RETURN_IF_ERROR(FillWith(self, ScalarBits(call.attr("value"), self.dtype()), Name(call)));
  return Self(call);
}

KernelResult ZeroKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  AOT_RETURN_IF_ERROR(FillWith(self, ScalarBits(0.0, self.dtype()), Name(call)));
  return Self(call);
}

KernelResult CopyInplaceKernel(const OpCall& call) {
  const Tensor& self = call.input(0);
  const Tensor& src = call.input(1);
  // Reading and writing overlapping memory elementwise is only safe for the
  // same elements; copy through a temporary when src aliases self.
  if (src.shares_storage_with(self)) {
    AOT_ASSIGN_OR_RETURN(Tensor fresh, src.clone().Checked());
    AOT_RETURN_IF_ERROR(CopyInto(self, fresh, Name(call)));
  } else {
    AOT_RETURN_IF_ERROR(CopyInto(self, src, Name(call)));
  }
  return Self(call);
}

// --- Conversion, copies, where, masked_fill -------------------------------------------

// to_copy between any devices: the source's CUDA device is where this runs;
// a CPU source is reached only if the dispatcher routes it here (see
// docs/building.md, "Running on a GPU").
KernelResult ToCopyKernel(const OpCall& call) {
  const ir::TensorMeta& m = call.result_metas[0];
  const Tensor& x = call.input(0);
  if (m.device.is_cpu()) {
    AOT_ASSIGN_OR_RETURN(Tensor host, DeviceToHost(x));
    if (host.dtype() == m.dtype) return Single(host);
    return Single(host.to(m.dtype));
  }
  if (!m.device.is_cuda()) {
    return absl::InvalidArgumentError(absl::StrCat("to_copy: cannot copy to ", m.device.ToString()));
  }
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, m.device));
  AOT_RETURN_IF_ERROR(CopyInto(out, x, Name(call)));
  return Single(out);
}

KernelResult CloneKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_RETURN_IF_ERROR(CopyInto(out, call.input(0), Name(call)));
  return Single(out);
}

KernelResult CopyKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, call.input(0).device()));
  AOT_RETURN_IF_ERROR(CopyInto(out, call.input(1), Name(call)));
  return Single(out);
}

KernelResult WhereKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_ASSIGN_OR_RETURN(Tensor a, ConvertTo(call.input(1), out.dtype()));
  AOT_ASSIGN_OR_RETURN(Tensor b, ConvertTo(call.input(2), out.dtype()));
  AOT_ASSIGN_OR_RETURN(ElemArgs args, MakeElemArgs(out, {call.input(0), a, b}));
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchWhere(ToDT(out.dtype()), args), Name(call)));
  return Single(out);
}

absl::Status MaskedFillInto(const OpCall& call, const Tensor& out, const Tensor& self, const Tensor& mask) {
  DeviceGuard guard(out.device());
  const uint64_t bits = ScalarBits(call.attr("value"), out.dtype());
  AOT_ASSIGN_OR_RETURN(ElemArgs args, MakeElemArgs(out, {self, mask, ElemIn::Scalar(bits)}));
  return CheckLaunch(LaunchMaskedFill(ToDT(out.dtype()), args), Name(call));
}

KernelResult MaskedFillKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  AOT_RETURN_IF_ERROR(MaskedFillInto(call, out, call.input(0), call.input(1)));
  return Single(out);
}

KernelResult MaskedFillInplaceKernel(const OpCall& call) {
  AOT_RETURN_IF_ERROR(MaskedFillInto(call, call.input(0), call.input(0), call.input(1)));
  return Self(call);
}

// --- Elementwise backward ops ----------------------------------------------------------------

Kernel GradKernel(GradOp op) {
  return [op](const OpCall& call) -> KernelResult {
    AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
    AOT_ASSIGN_OR_RETURN(Tensor g, ConvertTo(call.input(0), out.dtype()));
    AOT_ASSIGN_OR_RETURN(Tensor x, ConvertTo(call.input(1), out.dtype()));
    GradOp o = op;
    double threshold = 0;
    if (op == GradOp::kThreshold) threshold = call.attr("threshold").scalar();
    if (op == GradOp::kGelu && call.attr("approximate").s() == "tanh") o = GradOp::kGeluTanh;
    AOT_ASSIGN_OR_RETURN(ElemArgs args, MakeElemArgs(out, {g, x}));
    AOT_RETURN_IF_ERROR(CheckLaunch(LaunchGrad(o, ToDT(out.dtype()), args, threshold), Name(call)));
    return Single(out);
  };
}

// --- Creation ----------------------------------------------------------------------------------

// Checks that a Scalar attribute converts to `dtype` without overflow (as
// the CPU backend's ScalarAs) and returns its bits.
absl::StatusOr<uint64_t> CheckedScalarBits(const OpCall& call, const ir::AttrValue& v, DType dtype) {
  if (v.is_float() && ir::IsIntegral(dtype)) {
    const double t = std::trunc(v.f());
    double lo = 0, hi = 0;
    VisitDType(dtype, [&]<typename T>() {
      lo = static_cast<double>(std::numeric_limits<T>::min());
      hi = static_cast<double>(std::numeric_limits<T>::max()) + 1.0;
    });
    if (!(t >= lo && t < hi)) {
      return absl::InvalidArgumentError(absl::StrCat(call.op->name(), ": value ", v.ToString(),
                                                     " cannot be converted to ", ir::DTypeName(dtype),
                                                     " without overflow"));
    }
  }
  if (v.is_bool()) return ScalarBits(v.b() ? 1.0 : 0.0, dtype);
  return ScalarBits(v, dtype);
}

Kernel FillCreation(const char* attr, double constant) {
  return [attr, constant](const OpCall& call) -> KernelResult {
    AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
    uint64_t bits;
    if (attr != nullptr) {
      AOT_ASSIGN_OR_RETURN(bits, CheckedScalarBits(call, call.attr(attr), out.dtype()));
    } else {
      bits = ScalarBits(constant, out.dtype());
    }
    AOT_RETURN_IF_ERROR(FillWith(out, bits, Name(call)));
    return Single(out);
  };
}

KernelResult ArangeKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  const ir::AttrValue& start = call.attr("start");
  const ir::AttrValue& step = call.attr("step");
  const bool exact = !start.is_float() && !call.attr("end").is_float() && !step.is_float() &&
                     ir::IsIntegral(out.dtype());
  DeviceGuard guard(out.device());
  AOT_RETURN_IF_ERROR(CheckLaunch(
      LaunchArange(ToDT(out.dtype()), out.numel() > 0 ? out.raw_data() : nullptr, out.numel(), start.scalar(),
                   step.scalar(), exact),
      Name(call)));
  return Single(out);
}

KernelResult ConstantKernel(const OpCall& call) {
  const Device dev = CallDevice(call);
  const std::vector<double>& values = call.attr("values").floats();
  Tensor host = Tensor::FromVector<double>(values, ResultSizes(call));
  AOT_RETURN_IF_ERROR(host.status());
  AOT_ASSIGN_OR_RETURN(Tensor d, HostToDevice(host, dev));
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
  AOT_RETURN_IF_ERROR(CopyInto(out, d, Name(call)));
  return Single(out);
}

// --- Random ------------------------------------------------------------------------------------

struct PhiloxState {
  uint64_t seed = 0;
  uint64_t offset = 0;
};

// The (seed, offset) of the optional seed operand (on the CPU or a GPU), or
// a fresh one for `numel` values from the global generator.
absl::StatusOr<PhiloxState> SeedOf(const Tensor* seed, int64_t numel) {
  Tensor s = seed != nullptr ? *seed : NextSeedTensor(numel);
  AOT_RETURN_IF_ERROR(s.status());
  if (s.device().is_cuda()) {
    AOT_ASSIGN_OR_RETURN(s, DeviceToHost(s));
  }
  if (s.dtype() != DType::kInt64 || s.numel() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("seed must be i64[2] (seed, offset), got ", s.meta().ToString()));
  }
  AOT_ASSIGN_OR_RETURN(std::vector<int64_t> v, s.ToVector<int64_t>());
  return PhiloxState{static_cast<uint64_t>(v[0]), static_cast<uint64_t>(v[1])};
}

template <bool kNormal>
KernelResult RandomKernel(const OpCall& call) {
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, CallDevice(call)));
  if (!ir::IsFloating(out.dtype())) {
    return absl::InvalidArgumentError(
        absl::StrCat(Name(call), ": CUDA random numbers need a floating dtype, got ", ir::DTypeName(out.dtype())));
  }
  const int64_t n = out.numel();
  AOT_ASSIGN_OR_RETURN(PhiloxState st, SeedOf(call.optional_input(0), n));
  DeviceGuard guard(out.device());
  AOT_RETURN_IF_ERROR(CheckLaunch(
      LaunchRandom(kNormal, ToDT(out.dtype()), n > 0 ? out.raw_data() : nullptr, n, st.seed, st.offset), Name(call)));
  return Single(out);
}

KernelResult DropoutKernel(const OpCall& call) {
  const Tensor& input = call.input(0);
  const double p = call.attr("p").f();
  const bool train = call.attr("train").b();
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev));
  AOT_ASSIGN_OR_RETURN(Tensor mask, NewResult(call, 1, dev));
  const int64_t n = input.numel();
  if (!train) {
    AOT_RETURN_IF_ERROR(CopyInto(out, input, Name(call)));
    AOT_RETURN_IF_ERROR(FillWith(mask, ScalarBits(1.0, DType::kBool), Name(call)));
    return std::vector<Tensor>{out, mask};
  }
  AOT_ASSIGN_OR_RETURN(PhiloxState st, SeedOf(call.optional_input(1), n));
  if (n == 0) return std::vector<Tensor>{out, mask};
  if (p >= 1) {
    AOT_RETURN_IF_ERROR(FillWith(out, ScalarBits(0.0, out.dtype()), Name(call)));
    AOT_RETURN_IF_ERROR(FillWith(mask, ScalarBits(0.0, DType::kBool), Name(call)));
    return std::vector<Tensor>{out, mask};
  }
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(input));
  DeviceGuard guard(dev);
  AOT_RETURN_IF_ERROR(CheckLaunch(LaunchDropout(ToDT(x.dtype()), x.raw_data(), out.raw_data(),
                                                static_cast<bool*>(mask.raw_data()), n, p, st.seed, st.offset),
                                  Name(call)));
  return std::vector<Tensor>{out, mask};
}

// --- Registration -------------------------------------------------------------------------------

AOT_REGISTER_CUDA_KERNEL(kNeg, AnyUnary(UnaryOp::kNeg));
AOT_REGISTER_CUDA_KERNEL(kAbs, AnyUnary(UnaryOp::kAbs));
AOT_REGISTER_CUDA_KERNEL(kExp, FloatUnary(UnaryOp::kExp));
AOT_REGISTER_CUDA_KERNEL(kLog, FloatUnary(UnaryOp::kLog));
AOT_REGISTER_CUDA_KERNEL(kLog1p, FloatUnary(UnaryOp::kLog1p));
AOT_REGISTER_CUDA_KERNEL(kExpm1, FloatUnary(UnaryOp::kExpm1));
AOT_REGISTER_CUDA_KERNEL(kSqrt, FloatUnary(UnaryOp::kSqrt));
AOT_REGISTER_CUDA_KERNEL(kRsqrt, FloatUnary(UnaryOp::kRsqrt));
AOT_REGISTER_CUDA_KERNEL(kReciprocal, FloatUnary(UnaryOp::kReciprocal));
AOT_REGISTER_CUDA_KERNEL(kSin, FloatUnary(UnaryOp::kSin));
AOT_REGISTER_CUDA_KERNEL(kCos, FloatUnary(UnaryOp::kCos));
AOT_REGISTER_CUDA_KERNEL(kTanh, FloatUnary(UnaryOp::kTanh));
AOT_REGISTER_CUDA_KERNEL(kSigmoid, FloatUnary(UnaryOp::kSigmoid));
AOT_REGISTER_CUDA_KERNEL(kRelu, AnyUnary(UnaryOp::kRelu));
AOT_REGISTER_CUDA_KERNEL(kErf, FloatUnary(UnaryOp::kErf));
AOT_REGISTER_CUDA_KERNEL(kSign, AnyUnary(UnaryOp::kSign));
AOT_REGISTER_CUDA_KERNEL(kGelu, GeluKernel);
AOT_REGISTER_CUDA_KERNEL(kSilu, FloatUnary(UnaryOp::kSilu));
AOT_REGISTER_CUDA_KERNEL(kClamp, ClampKernel);

AOT_REGISTER_CUDA_KERNEL(kAdd, BinaryKernel(BinaryOp::kAdd));
AOT_REGISTER_CUDA_KERNEL(kSub, BinaryKernel(BinaryOp::kSub));
AOT_REGISTER_CUDA_KERNEL(kMul, BinaryKernel(BinaryOp::kMul));
AOT_REGISTER_CUDA_KERNEL(kDiv, BinaryKernel(BinaryOp::kDiv));
AOT_REGISTER_CUDA_KERNEL(kPow, BinaryKernel(BinaryOp::kPow));
AOT_REGISTER_CUDA_KERNEL(kMaximum, BinaryKernel(BinaryOp::kMax));
AOT_REGISTER_CUDA_KERNEL(kMinimum, BinaryKernel(BinaryOp::kMin));
AOT_REGISTER_CUDA_KERNEL(kEq, BinaryKernel(BinaryOp::kEq));
AOT_REGISTER_CUDA_KERNEL(kNe, BinaryKernel(BinaryOp::kNe));
AOT_REGISTER_CUDA_KERNEL(kLt, BinaryKernel(BinaryOp::kLt));
AOT_REGISTER_CUDA_KERNEL(kLe, BinaryKernel(BinaryOp::kLe));
AOT_REGISTER_CUDA_KERNEL(kGt, BinaryKernel(BinaryOp::kGt));
AOT_REGISTER_CUDA_KERNEL(kGe, BinaryKernel(BinaryOp::kGe));

AOT_REGISTER_CUDA_KERNEL(kAddScalar, ScalarKernel(BinaryOp::kAdd, "other"));
AOT_REGISTER_CUDA_KERNEL(kSubScalar, ScalarKernel(BinaryOp::kSub, "other"));
AOT_REGISTER_CUDA_KERNEL(kRsubScalar, ScalarKernel(BinaryOp::kRsub, "other"));
AOT_REGISTER_CUDA_KERNEL(kMulScalar, ScalarKernel(BinaryOp::kMul, "other"));
AOT_REGISTER_CUDA_KERNEL(kDivScalar, ScalarKernel(BinaryOp::kDiv, "other"));
AOT_REGISTER_CUDA_KERNEL(kPowScalar, ScalarKernel(BinaryOp::kPow, "exponent"));
AOT_REGISTER_CUDA_KERNEL(kEqScalar, ScalarKernel(BinaryOp::kEq, "other"));
AOT_REGISTER_CUDA_KERNEL(kNeScalar, ScalarKernel(BinaryOp::kNe, "other"));
AOT_REGISTER_CUDA_KERNEL(kLtScalar, ScalarKernel(BinaryOp::kLt, "other"));
AOT_REGISTER_CUDA_KERNEL(kLeScalar, ScalarKernel(BinaryOp::kLe, "other"));
AOT_REGISTER_CUDA_KERNEL(kGtScalar, ScalarKernel(BinaryOp::kGt, "other"));
AOT_REGISTER_CUDA_KERNEL(kGeScalar, ScalarKernel(BinaryOp::kGe, "other"));

AOT_REGISTER_CUDA_KERNEL(kWhere, WhereKernel);
AOT_REGISTER_CUDA_KERNEL(kMaskedFill, MaskedFillKernel);
AOT_REGISTER_CUDA_KERNEL(kToCopy, ToCopyKernel);
AOT_REGISTER_CUDA_KERNEL(kClone, CloneKernel);
AOT_REGISTER_CUDA_KERNEL(kCopy, CopyKernel);

AOT_REGISTER_CUDA_KERNEL(kAdd_, InplaceBinaryKernel(BinaryOp::kAdd));
AOT_REGISTER_CUDA_KERNEL(kSub_, InplaceBinaryKernel(BinaryOp::kSub));
AOT_REGISTER_CUDA_KERNEL(kMul_, InplaceBinaryKernel(BinaryOp::kMul));
AOT_REGISTER_CUDA_KERNEL(kDiv_, InplaceBinaryKernel(BinaryOp::kDiv));
AOT_REGISTER_CUDA_KERNEL(kAddScalar_, InplaceScalarKernel(BinaryOp::kAdd));
AOT_REGISTER_CUDA_KERNEL(kSubScalar_, InplaceScalarKernel(BinaryOp::kSub));
AOT_REGISTER_CUDA_KERNEL(kMulScalar_, InplaceScalarKernel(BinaryOp::kMul));
AOT_REGISTER_CUDA_KERNEL(kDivScalar_, InplaceScalarKernel(BinaryOp::kDiv));
AOT_REGISTER_CUDA_KERNEL(kNeg_, InplaceFromFunctional(AnyUnary(UnaryOp::kNeg)));
AOT_REGISTER_CUDA_KERNEL(kExp_, InplaceFromFunctional(FloatUnary(UnaryOp::kExp)));
AOT_REGISTER_CUDA_KERNEL(kSqrt_, InplaceFromFunctional(FloatUnary(UnaryOp::kSqrt)));
AOT_REGISTER_CUDA_KERNEL(kRelu_, InplaceFromFunctional(AnyUnary(UnaryOp::kRelu)));
AOT_REGISTER_CUDA_KERNEL(kSigmoid_, InplaceFromFunctional(FloatUnary(UnaryOp::kSigmoid)));
AOT_REGISTER_CUDA_KERNEL(kTanh_, InplaceFromFunctional(FloatUnary(UnaryOp::kTanh)));
AOT_REGISTER_CUDA_KERNEL(kClamp_, InplaceFromFunctional(ClampKernel));
AOT_REGISTER_CUDA_KERNEL(kCopy_, CopyInplaceKernel);
AOT_REGISTER_CUDA_KERNEL(kFill_, FillKernel);
AOT_REGISTER_CUDA_KERNEL(kZero_, ZeroKernel);
AOT_REGISTER_CUDA_KERNEL(kMaskedFill_, MaskedFillInplaceKernel);

AOT_REGISTER_CUDA_KERNEL(kThresholdBackward, GradKernel(GradOp::kThreshold));
AOT_REGISTER_CUDA_KERNEL(kSigmoidBackward, GradKernel(GradOp::kSigmoid));
AOT_REGISTER_CUDA_KERNEL(kTanhBackward, GradKernel(GradOp::kTanh));
AOT_REGISTER_CUDA_KERNEL(kSiluBackward, GradKernel(GradOp::kSilu));
AOT_REGISTER_CUDA_KERNEL(kGeluBackward, GradKernel(GradOp::kGelu));

AOT_REGISTER_CUDA_KERNEL(kFull, FillCreation("fill_value", 0));
AOT_REGISTER_CUDA_KERNEL(kZeros, FillCreation(nullptr, 0));
AOT_REGISTER_CUDA_KERNEL(kOnes, FillCreation(nullptr, 1));
AOT_REGISTER_CUDA_KERNEL(kArange, ArangeKernel);
AOT_REGISTER_CUDA_KERNEL(kConstant, ConstantKernel);
AOT_REGISTER_CUDA_KERNEL(kZerosLike, FillCreation(nullptr, 0));
AOT_REGISTER_CUDA_KERNEL(kOnesLike, FillCreation(nullptr, 1));
AOT_REGISTER_CUDA_KERNEL(kFullLike, FillCreation("fill_value", 0));
AOT_REGISTER_CUDA_KERNEL(kRand, RandomKernel<false>);
AOT_REGISTER_CUDA_KERNEL(kRandn, RandomKernel<true>);
AOT_REGISTER_CUDA_KERNEL(kDropout, DropoutKernel);

}  // namespace
}  // namespace aot::cuda
