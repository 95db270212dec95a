#include "aot/decomp/core_ops.h"

namespace aot {

using ir::OpKind;

// Note [Choosing the core op set]
// The set follows PyTorch's Core ATen IR where the two op sets overlap:
// an op is core when a backend cannot do better than a kernel for it
// (elementwise math, the base reductions, data movement, matmul, convolution,
// pooling windows, random numbers), and non-core when it is a composition of
// core ops that a compiler may want to fuse differently (softmax, norms,
// losses, most backward ops) or a renaming of one (transpose is a permute,
// zeros is a full, linear is a matmul plus a bias).
// Deliberate choices:
//  - `view` is core as in Core ATen; functionalizing tracers record it as
//    `reshape` anyway.
//  - `detach` is core: it marks where gradients stop, which a decomposition
//    would erase.
//  - `rsub.Scalar` and `masked_fill` are not (they are `neg` + `add.Scalar`
//    and `where`); `zeros`, `ones`, `zeros_like`, `ones_like` are `full` and
//    `full_like`.
//  - `mean`, `var`, `std`, `var_mean` and `logsumexp` are not: they are sum
//    and amax plus elementwise ops, computed stably (two passes, max shift).
//  - `adaptive_avg_pool2d` is core (as `_adaptive_avg_pool2d` is in Core
//    ATen); its backward decomposes.
//  - `conv2d_backward_input`/`_weight` are core: the convolution backward is
//    as much a kernel as the forward (`convolution_backward` in Core ATen).
//  - In-place ops are never core: functionalization removes them.
// The switch has no default so that adding an op to op_list.h fails to
// compile (-Wswitch) until it is classified here.
bool IsCoreOp(OpKind op) {
  switch (op) {
    // Elementwise math.
    case OpKind::kNeg:
    case OpKind::kAbs:
    case OpKind::kExp:
    case OpKind::kLog:
    case OpKind::kLog1p:
    case OpKind::kExpm1:
    case OpKind::kSqrt:
    case OpKind::kRsqrt:
    case OpKind::kReciprocal:
    case OpKind::kSin:
    case OpKind::kCos:
    case OpKind::kTanh:
    case OpKind::kSigmoid:
    case OpKind::kRelu:
    case OpKind::kErf:
    case OpKind::kSign:
    case OpKind::kClamp:
    case OpKind::kDetach:
    case OpKind::kAdd:
    case OpKind::kAddScalar:
    case OpKind::kSub:
    case OpKind::kSubScalar:
    case OpKind::kMul:
    case OpKind::kMulScalar:
    case OpKind::kDiv:
    case OpKind::kDivScalar:
    case OpKind::kPow:
    case OpKind::kPowScalar:
    case OpKind::kMaximum:
    case OpKind::kMinimum:
    case OpKind::kEq:
    case OpKind::kNe:
    case OpKind::kLt:
    case OpKind::kLe:
    case OpKind::kGt:
    case OpKind::kGe:
    case OpKind::kEqScalar:
    case OpKind::kNeScalar:
    case OpKind::kLtScalar:
    case OpKind::kLeScalar:
    case OpKind::kGtScalar:
    case OpKind::kGeScalar:
    case OpKind::kWhere:
    // Reductions.
    case OpKind::kSum:
    case OpKind::kAmax:
    case OpKind::kAmin:
    case OpKind::kArgmax:
    // Data movement and indexing.
    case OpKind::kReshape:
    case OpKind::kView:
    case OpKind::kPermute:
    case OpKind::kExpand:
    case OpKind::kSqueeze:
    case OpKind::kUnsqueeze:
    case OpKind::kSlice:
    case OpKind::kSelect:
    case OpKind::kCat:
    case OpKind::kIndexSelect:
    case OpKind::kGather:
    case OpKind::kScatterAdd:
    case OpKind::kIndexAdd:
    // Matmul family, convolution, pooling windows.
    case OpKind::kMm:
    case OpKind::kBmm:
    case OpKind::kConv2d:
    case OpKind::kConv2dBackwardInput:
    case OpKind::kConv2dBackwardWeight:
    case OpKind::kMaxPool2dWithIndices:
    case OpKind::kAvgPool2d:
    case OpKind::kAdaptiveAvgPool2d:
    // Creation and copies.
    case OpKind::kFull:
    case OpKind::kArange:
    case OpKind::kConstant:
    case OpKind::kRand:
    case OpKind::kRandn:
    case OpKind::kFullLike:
    case OpKind::kToCopy:
    case OpKind::kClone:
    case OpKind::kCopy:
      return true;

    // Decomposed by the core table (core_decompositions.h).
    case OpKind::kGelu:
    case OpKind::kSilu:
    case OpKind::kRsubScalar:
    case OpKind::kMaskedFill:
    case OpKind::kMean:
    case OpKind::kVar:
    case OpKind::kStd:
    case OpKind::kVarMean:
    case OpKind::kLogsumexp:
    case OpKind::kTranspose:
    case OpKind::kSplit:
    case OpKind::kChunk:
    case OpKind::kStack:
    case OpKind::kTriu:
    case OpKind::kTril:
    case OpKind::kMatmul:
    case OpKind::kAddmm:
    case OpKind::kLinear:
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:
    case OpKind::kLayerNorm:
    case OpKind::kBatchNorm:
    case OpKind::kEmbedding:
    case OpKind::kDropout:
    case OpKind::kNllLoss:
    case OpKind::kCrossEntropy:
    case OpKind::kMseLoss:
    case OpKind::kZeros:
    case OpKind::kOnes:
    case OpKind::kZerosLike:
    case OpKind::kOnesLike:
    case OpKind::kThresholdBackward:
    case OpKind::kSigmoidBackward:
    case OpKind::kTanhBackward:
    case OpKind::kGeluBackward:
    case OpKind::kSiluBackward:
    case OpKind::kSoftmaxBackward:
    case OpKind::kLogSoftmaxBackward:
    case OpKind::kLayerNormBackward:
    case OpKind::kBatchNormBackward:
    case OpKind::kMaxPool2dWithIndicesBackward:
    case OpKind::kAvgPool2dBackward:
    case OpKind::kAdaptiveAvgPool2dBackward:
    case OpKind::kEmbeddingBackward:
    case OpKind::kNllLossBackward:
    case OpKind::kMseLossBackward:
    case OpKind::kSelectBackward:
    case OpKind::kSliceBackward:
      return false;

    // Removed by functionalization.
    case OpKind::kAdd_:
    case OpKind::kAddScalar_:
    case OpKind::kSub_:
    case OpKind::kSubScalar_:
    case OpKind::kMul_:
    case OpKind::kMulScalar_:
    case OpKind::kDiv_:
    case OpKind::kDivScalar_:
    case OpKind::kNeg_:
    case OpKind::kExp_:
    case OpKind::kSqrt_:
    case OpKind::kRelu_:
    case OpKind::kSigmoid_:
    case OpKind::kTanh_:
    case OpKind::kClamp_:
    case OpKind::kCopy_:
    case OpKind::kFill_:
    case OpKind::kZero_:
    case OpKind::kMaskedFill_:
    case OpKind::kIndexAdd_:
      return false;
  }
  return false;
}

std::vector<OpKind> CoreOps() {
  std::vector<OpKind> out;
  for (const ir::OpDef* op : ir::AllOps()) {
    if (IsCoreOp(op->kind())) out.push_back(op->kind());
  }
  return out;
}

}  // namespace aot
