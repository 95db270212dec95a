#include "aot/autodiff/derivatives.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "aot/tensor/ops.h"

namespace aot::autodiff {
namespace {

struct Entry {
  DerivativeFn fn;
  const char* file = nullptr;
  int line = 0;
};

std::array<Entry, ir::kNumOps>& Registry() {
  static auto* registry = new std::array<Entry, ir::kNumOps>();
  return *registry;
}

}  // namespace

bool GradContext::needs_input_grad(int g) const {
  int start = call_.group_start(g);
  for (int i = 0; i < call_.group_sizes[g]; ++i) {
    if (needs_grad_[start + i]) return true;
  }
  return false;
}

absl::Status RegisterDerivative(OpKind op, DerivativeFn fn, const char* file, int line) {
  const ir::OpDef& def = ir::GetOpDef(op);
  if (def.has(ir::kNonDifferentiable)) {
    return absl::InvalidArgumentError(
        absl::StrCat(def.name(), " is flagged non-differentiable and cannot have a derivative rule (", file, ":",
                     line, ")"));
  }
  Entry& e = Registry()[static_cast<int>(op)];
  if (e.fn) {
    return absl::AlreadyExistsError(absl::StrCat("derivative of ", def.name(), " registered twice: at ", e.file, ":",
                                                 e.line, " and at ", file, ":", line));
  }
  e = {std::move(fn), file, line};
  return absl::OkStatus();
}

const DerivativeFn* FindDerivative(OpKind op) {
  const Entry& e = Registry()[static_cast<int>(op)];
  return e.fn ? &e.fn : nullptr;
}

absl::Status NoDerivativeError(const ir::OpDef& op) {
  return absl::UnimplementedError(absl::StrCat("the derivative of ", op.name(), " is not implemented"));
}

bool NeedsDerivative(const ir::OpDef& op) {
  return !op.has(ir::kNonDifferentiable) && !op.has(ir::kCreation) && !op.is_inplace();
}

bool RuleReadsResults(const ir::OpDef& op) {
  switch (op.kind()) {
    // kOpsWhoseRulesReadResults: keep in step with the rules.
    case OpKind::kExp:
    case OpKind::kExpm1:
    case OpKind::kSqrt:
    case OpKind::kRsqrt:
    case OpKind::kReciprocal:
    case OpKind::kTanh:
    case OpKind::kSigmoid:
    case OpKind::kPow:
    case OpKind::kAmax:
    case OpKind::kAmin:
    case OpKind::kStd:
    case OpKind::kLogsumexp:
    case OpKind::kSplit:
    case OpKind::kChunk:
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:
    case OpKind::kLayerNorm:
    case OpKind::kBatchNorm:
    case OpKind::kMaxPool2dWithIndices:
    case OpKind::kDropout:
      return true;
    default:
      return false;
  }
}

bool IsDifferentiableResult(const ir::OpDef& op, int result_index, DType dtype) {
  if (op.has(ir::kNonDifferentiable) || !ir::IsFloating(dtype)) return false;
  switch (op.kind()) {
    // Auxiliary results: statistics saved for the backward, running-stat
    // updates, masks and indices. As in PyTorch's output_differentiability.
    case OpKind::kLayerNorm:
    case OpKind::kBatchNorm:
    case OpKind::kMaxPool2dWithIndices:
    case OpKind::kDropout:
      return result_index == 0;
    default:
      return true;
  }
}

Tensor SumToSize(const Tensor& grad, absl::Span<const int64_t> sizes) {
  if (!grad.ok()) return grad;
  if (grad.sizes() == sizes) return grad;
  const int lead = grad.dim() - static_cast<int>(sizes.size());
  if (lead < 0) {
    return Tensor::Error(absl::InternalError(absl::StrCat("SumToSize: gradient ", grad.meta().ToString(),
                                                          " has fewer dimensions than its operand (",
                                                          sizes.size(), ")")));
  }
  std::vector<int64_t> dims;
  for (int d = 0; d < lead; ++d) dims.push_back(d);
  for (int d = 0; d < static_cast<int>(sizes.size()); ++d) {
    if (sizes[d] == 1 && grad.size(lead + d) != 1) dims.push_back(lead + d);
  }
  Tensor out = dims.empty() ? grad : sum(grad, dims, /*keepdim=*/true);
  if (lead > 0 || out.sizes() != sizes) out = out.reshape(std::vector<int64_t>(sizes.begin(), sizes.end()));
  return out;
}

DerivativeRegistrar::DerivativeRegistrar(OpKind op, DerivativeFn fn, const char* file, int line) {
  absl::Status s = RegisterDerivative(op, std::move(fn), file, line);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    std::abort();
  }
}

}  // namespace aot::autodiff
