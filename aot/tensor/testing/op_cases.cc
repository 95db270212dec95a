#include "aot/tensor/testing/op_cases.h"

#include <cmath>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"

namespace aot::op_testing {

using K = ir::OpKind;

InputSpec F(Ints shape, double lo, double hi, std::optional<DType> dtype) { return {std::move(shape), dtype, lo, hi}; }
InputSpec I(Ints shape, int64_t lo, int64_t hi, DType dtype) {
  return {std::move(shape), dtype, static_cast<double>(lo), static_cast<double>(hi)};
}
InputSpec B(Ints shape) { return {std::move(shape), DType::kBool, 0, 1}; }

Tensor MakeInput(const InputSpec& spec, DType float_dtype, uint64_t seed) {
  const DType dtype = spec.dtype.value_or(float_dtype);
  Tensor u = rand(spec.shape, seed, /*offset=*/0, {.dtype = DType::kFloat64});  // Uniform in [0, 1).
  if (ir::IsFloating(dtype)) return (u * (spec.hi - spec.lo) + spec.lo).to(dtype);
  // Integers, and bools as integers in [0, 1].
  std::vector<double> v = *u.ToVector<double>();
  std::vector<int64_t> ints;
  ints.reserve(v.size());
  for (double x : v) ints.push_back(static_cast<int64_t>(spec.lo + std::floor(x * (spec.hi - spec.lo + 1))));
  return Tensor::FromVector<int64_t>(ints, spec.shape).to(dtype);
}

Tensor SeedTensor(int64_t seed, int64_t offset) { return Tensor::FromVector<int64_t>({seed, offset}, {2}); }

OpFn Call(K kind, ir::AttrList attrs) {
  return [kind, attrs](const Tensors& in) { return CallOp(kind, in, attrs); };
}

OpFn CallSlots(K kind, std::vector<int> slots, ir::AttrList attrs) {
  return [kind, slots, attrs](const Tensors& in) {
    Tensors operands;
    for (int s : slots) operands.push_back(s < 0 ? Tensor() : in[s]);
    return CallOp(kind, operands, attrs);
  };
}

OpFn CallList(K kind, ir::AttrList attrs) {
  return [kind, attrs](const Tensors& in) -> Tensors {
    absl::StatusOr<Tensors> out = Dispatch(kind, {in}, attrs);
    if (!out.ok()) return {Tensor::Error(out.status())};
    return *out;
  };
}

OpFn OnClone(K kind, ir::AttrList attrs) {
  return [kind, attrs](const Tensors& in) -> Tensors {
    Tensors operands = in;
    operands[0] = in[0].clone();
    Tensors r = CallOp(kind, operands, attrs);
    return {operands[0], r[0]};
  };
}

OpFn OnInput(K kind, ir::AttrList attrs) {
  return [kind, attrs](const Tensors& in) -> Tensors {
    Tensors r = CallOp(kind, in, attrs);
    return {r[0]};
  };
}

std::vector<InplaceCall> InplaceCalls() {
  return {
      {K::kAdd_, {{"alpha", 2}}, {F({4, 3}), F({3})}},
      {K::kAddScalar_, {{"other", 1.5}}, {F({3, 4})}},
      {K::kSub_, {}, {I({3}, -9, 9), I({3}, -9, 9, DType::kInt32)}},
      {K::kSubScalar_, {{"other", 0.5}, {"alpha", 2}}, {F({3, 4})}},
      {K::kMul_, {}, {F({2, 3}), B({1})}},
      {K::kMulScalar_, {{"other", 3}}, {I({4}, -9, 9, DType::kInt32)}},
      {K::kDiv_, {}, {F({4}), I({4}, 1, 5)}},
      {K::kDivScalar_, {{"other", 2}}, {F({2, 3})}},
      {K::kNeg_, {}, {F({3, 4})}},
      {K::kExp_, {}, {F({3, 4})}},
      {K::kSqrt_, {}, {F({3, 4}, 0, 4)}},
      {K::kRelu_, {}, {I({6}, -3, 3)}},
      {K::kSigmoid_, {}, {F({3, 4}, -5, 5)}},
      {K::kTanh_, {}, {F({3, 4})}},
      {K::kClamp_, {{"min", 0}, {"max", 5}}, {I({6}, -9, 9)}},
      {K::kCopy_, {}, {F({2, 3}), I({3}, -9, 9)}},
      {K::kFill_, {{"value", 2.5}}, {I({3}, -9, 9)}},
      {K::kZero_, {}, {F({2, 3})}},
      {K::kMaskedFill_, {{"value", -1}}, {F({2, 3}), B({2, 1})}},
      {K::kIndexAdd_, {{"dim", 1}}, {F({5, 3}), I({2}, 0, 2), F({5, 2})}},
  };
}

std::string CaseName(K op, absl::string_view what) {
  const std::string& name = ir::GetOpDef(op).name();
  return what.empty() ? name : absl::StrCat(name, " (", what, ")");
}

}  // namespace aot::op_testing
