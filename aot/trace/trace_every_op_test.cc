// Traces a function calling each op of the op set (aot/ir/op_list.h) with
// MakeGraph, runs the graph with the interpreter and checks it computes what
// calling the function eagerly computes: same dtypes, shapes and values.
//
// Every op must have a case here: EveryOpHasACase fails when an op is added
// to op_list.h without one. In-place ops get two kinds of case: on a clone of
// an input (the graph must compute the clone's new value without in-place
// ops) and on an input itself (TracedGraph::mutations must bring back the
// value eager execution left in the input).
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/ir/op.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/testing/expect_close.h"
#include "aot/tensor/testing/op_cases.h"
#include "aot/trace/make_graph.h"
#include "gtest/gtest.h"

namespace aot::trace {
namespace {

using K = ir::OpKind;
using op_testing::B;
using op_testing::Call;
using op_testing::CallList;
using op_testing::CallSlots;
using op_testing::F;
using op_testing::I;
using op_testing::InputSpec;
using op_testing::Ints;
using op_testing::SeedTensor;
using op_testing::Tensors;

// Floating inputs without a dtype are f32 in this test.
Tensor MakeInput(const InputSpec& in, uint64_t seed) { return op_testing::MakeInput(in, DType::kFloat32, seed); }

struct Case {
  K op;
  std::string what;  // Tells cases of one op apart.
  TracedFn fn;
  std::vector<InputSpec> inputs;
  std::vector<int> mutated = {};  // The inputs `fn` writes in place.
  double tol = 1e-5;
};

std::vector<Case> ElementwiseCases() {
  return {
      // Unary.
      {K::kNeg, "f32", Call(K::kNeg), {F({3, 4})}},
      {K::kNeg, "i64", Call(K::kNeg), {I({5}, -9, 9)}},
      {K::kAbs, "f32", Call(K::kAbs), {F({3, 4})}},
      {K::kAbs, "i32", Call(K::kAbs), {I({5}, -9, 9, DType::kInt32)}},
      {K::kExp, "f32", Call(K::kExp), {F({3, 4})}},
      {K::kExp, "i64 computes in f32", Call(K::kExp), {I({2, 2}, -3, 3)}},
      {K::kLog, "f32", Call(K::kLog), {F({3, 4}, 0.1, 3)}},
      {K::kLog, "f64", Call(K::kLog), {F({5}, 0.1, 3, DType::kFloat64)}},
      {K::kLog1p, "", Call(K::kLog1p), {F({3, 4}, -0.5, 2)}},
      {K::kExpm1, "", Call(K::kExpm1), {F({3, 4})}},
      {K::kSqrt, "f32", Call(K::kSqrt), {F({3, 4}, 0, 4)}},
      {K::kSqrt, "f64", Call(K::kSqrt), {F({3}, 0, 4, DType::kFloat64)}},
      {K::kRsqrt, "", Call(K::kRsqrt), {F({3, 4}, 0.1, 4)}},
      {K::kReciprocal, "f32", Call(K::kReciprocal), {F({3, 4}, 0.5, 2)}},
      {K::kReciprocal, "i32", Call(K::kReciprocal), {I({4}, 1, 5, DType::kInt32)}},
      {K::kSin, "", Call(K::kSin), {F({3, 4}, -4, 4)}},
      {K::kCos, "", Call(K::kCos), {F({3, 4}, -4, 4)}},
      {K::kTanh, "f32", Call(K::kTanh), {F({3, 4})}},
      {K::kTanh, "bf16", Call(K::kTanh), {F({6}, -2, 2, DType::kBFloat16)}},
      {K::kSigmoid, "f32", Call(K::kSigmoid), {F({3, 4}, -5, 5)}},
      {K::kSigmoid, "f16", Call(K::kSigmoid), {F({6}, -5, 5, DType::kFloat16)}},
      {K::kRelu, "f32", Call(K::kRelu), {F({3, 4})}},
      {K::kRelu, "i64", Call(K::kRelu), {I({6}, -3, 3)}},
      {K::kErf, "", Call(K::kErf), {F({3, 4})}},
      {K::kSign, "f32", Call(K::kSign), {F({3, 4})}},
      {K::kSign, "i64", Call(K::kSign), {I({7}, -3, 3)}},
      {K::kGelu, "none", Call(K::kGelu), {F({3, 4}, -3, 3)}},
      {K::kGelu, "tanh", Call(K::kGelu, {{"approximate", "tanh"}}), {F({3, 4}, -3, 3)}},
      {K::kSilu, "", Call(K::kSilu), {F({3, 4}, -3, 3)}},
      {K::kClamp, "min and max", Call(K::kClamp, {{"min", -0.5}, {"max", 0.75}}), {F({3, 4})}},
      {K::kClamp, "i64 min", Call(K::kClamp, {{"min", 0}}), {I({6}, -3, 3)}},
      {K::kClamp, "i64 float bound promotes", Call(K::kClamp, {{"max", 0.5}}), {I({6}, -3, 3)}},
      {K::kDetach, "", Call(K::kDetach), {F({2, 3})}},
      // Binary, broadcasting and promoting.
      {K::kAdd, "broadcast", Call(K::kAdd), {F({4, 1}), F({3})}},
      {K::kAdd, "alpha, i64 + f32", Call(K::kAdd, {{"alpha", 2}}), {I({2, 3}, -5, 5), F({3})}},
      {K::kAdd, "u8 + i32", Call(K::kAdd), {I({3}, 0, 9, DType::kUInt8), I({3}, -9, 9, DType::kInt32)}},
      {K::kAddScalar, "f32", Call(K::kAddScalar, {{"other", 1.5}, {"alpha", 2}}), {F({3, 4})}},
      {K::kAddScalar, "i64 + float", Call(K::kAddScalar, {{"other", 2.5}}), {I({4}, -5, 5)}},
      {K::kSub, "", Call(K::kSub, {{"alpha", 0.5}}), {F({2, 3}), F({2, 1})}},
      {K::kSub, "i32", Call(K::kSub), {I({4}, -9, 9, DType::kInt32), I({4}, -9, 9, DType::kInt32)}},
      {K::kSubScalar, "", Call(K::kSubScalar, {{"other", 0.25}}), {F({3, 4})}},
      {K::kRsubScalar, "", Call(K::kRsubScalar, {{"other", 1}, {"alpha", 3}}), {F({3, 4})}},
      {K::kMul, "f32", Call(K::kMul), {F({2, 3}), F({3})}},
      {K::kMul, "bool", Call(K::kMul), {B({5}), B({5})}},
      {K::kMulScalar, "f32", Call(K::kMulScalar, {{"other", -1.5}}), {F({3, 4})}},
      {K::kMulScalar, "u8", Call(K::kMulScalar, {{"other", 3}}), {I({4}, 0, 50, DType::kUInt8)}},
      {K::kDiv, "f32", Call(K::kDiv), {F({3, 4}), F({4}, 0.5, 2)}},
      {K::kDiv, "i64 true division", Call(K::kDiv), {I({4}, -9, 9), I({4}, 1, 4)}},
      {K::kDivScalar, "", Call(K::kDivScalar, {{"other", 4}}), {I({3}, -9, 9, DType::kInt32)}},
      {K::kPow, "f32", Call(K::kPow), {F({3, 4}, 0.5, 2), F({4}, -2, 2)}},
      {K::kPow, "i64", Call(K::kPow), {I({5}, -3, 3), I({5}, 0, 3)}},
      {K::kPowScalar, "square", Call(K::kPowScalar, {{"exponent", 2}}), {I({5}, -3, 3)}},
      {K::kPowScalar, "root", Call(K::kPowScalar, {{"exponent", 0.5}}), {F({5}, 0, 4)}},
      {K::kMaximum, "", Call(K::kMaximum), {F({3, 4}), F({3, 1})}},
      {K::kMaximum, "i32 with f16", Call(K::kMaximum), {I({3}, -3, 3, DType::kInt32), F({3}, -3, 3, DType::kFloat16)}},
      {K::kMinimum, "", Call(K::kMinimum), {I({2, 1}, -3, 3, DType::kInt32), I({3}, -3, 3)}},
      // Comparisons (small integers so that some are equal).
      {K::kEq, "", Call(K::kEq), {I({4, 1}, 0, 2), I({3}, 0, 2)}},
      {K::kNe, "", Call(K::kNe), {I({4, 3}, 0, 2, DType::kInt32), I({4, 3}, 0, 2, DType::kInt32)}},
      {K::kLt, "", Call(K::kLt), {F({3, 4}), F({})}},
      {K::kLe, "", Call(K::kLe), {I({1, 3}, 0, 2), F({2, 1}, 0, 2)}},
      {K::kGt, "", Call(K::kGt), {F({3, 4}), F({3, 4})}},
      {K::kGe, "", Call(K::kGe), {I({6}, 0, 2), I({6}, 0, 2)}},
      {K::kEqScalar, "", Call(K::kEqScalar, {{"other", 1}}), {I({6}, 0, 2)}},
      {K::kNeScalar, "", Call(K::kNeScalar, {{"other", 1}}), {I({6}, 0, 2)}},
      {K::kLtScalar, "", Call(K::kLtScalar, {{"other", 0.5}}), {F({3, 4})}},
      {K::kLeScalar, "", Call(K::kLeScalar, {{"other", 1}}), {I({6}, 0, 2)}},
      {K::kGtScalar, "", Call(K::kGtScalar, {{"other", -0.5}}), {F({3, 4})}},
      {K::kGeScalar, "", Call(K::kGeScalar, {{"other", 1}}), {I({6}, 0, 2, DType::kUInt8)}},
      {K::kWhere, "", Call(K::kWhere), {B({4, 1}), F({3}), I({1}, -3, 3)}},
      {K::kWhere, "i32 and i64", Call(K::kWhere), {B({5}), I({5}, -3, 3, DType::kInt32), I({}, -3, 3)}},
      {K::kMaskedFill, "f32", Call(K::kMaskedFill, {{"value", 0.5}}), {F({2, 3}), B({3})}},
      {K::kMaskedFill, "i64", Call(K::kMaskedFill, {{"value", 7}}), {I({2, 3}, -3, 3), B({2, 1})}},
  };
}

std::vector<Case> ReductionCases() {
  return {
      {K::kSum, "all", Call(K::kSum), {F({2, 3, 4})}},
      {K::kSum, "dims keepdim", Call(K::kSum, {{"dim", Ints{0, 2}}, {"keepdim", true}}), {F({2, 3, 4})}},
      {K::kSum, "i32 to i64", Call(K::kSum, {{"dim", Ints{1}}}), {I({3, 4}, -9, 9, DType::kInt32)}},
      {K::kSum, "bool", Call(K::kSum), {B({3, 4})}},
      {K::kSum, "dtype", Call(K::kSum, {{"dim", Ints{-1}}, {"dtype", DType::kFloat64}}), {F({3, 4})}},
      {K::kMean, "dim", Call(K::kMean, {{"dim", Ints{-1}}, {"keepdim", true}}), {F({3, 4})}},
      {K::kMean, "i64 with dtype", Call(K::kMean, {{"dtype", DType::kFloat32}}), {I({5}, -9, 9)}},
      {K::kAmax, "dim", Call(K::kAmax, {{"dim", Ints{1}}}), {F({3, 4})}},
      {K::kAmax, "i64 all", Call(K::kAmax), {I({3, 4}, -99, 99)}},
      {K::kAmin, "", Call(K::kAmin, {{"dim", Ints{-2}}, {"keepdim", true}}), {I({3, 4}, -99, 99, DType::kInt32)}},
      {K::kArgmax, "all", Call(K::kArgmax), {F({3, 4})}},
      {K::kArgmax, "dim", Call(K::kArgmax, {{"dim", -1}}), {F({3, 4})}},
      {K::kArgmax, "keepdim", Call(K::kArgmax, {{"dim", 0}, {"keepdim", true}}), {F({3, 4})}},
      {K::kVar, "", Call(K::kVar, {{"dim", Ints{1}}}), {F({4, 5})}},
      {K::kVar, "correction 0", Call(K::kVar, {{"correction", 0}, {"keepdim", true}}), {F({4, 5})}},
      {K::kStd, "", Call(K::kStd, {{"dim", Ints{0}}}), {F({4, 5}, -2, 2, DType::kFloat64)}},
      {K::kVarMean, "", Call(K::kVarMean, {{"dim", Ints{0}}}), {F({4, 5})}},
      {K::kLogsumexp, "", Call(K::kLogsumexp, {{"dim", Ints{1}}}), {F({3, 4}, -5, 5)}},
      {K::kLogsumexp, "keepdim", Call(K::kLogsumexp, {{"dim", Ints{-1}}, {"keepdim", true}}), {F({3, 4}, -5, 5)}},
  };
}

std::vector<Case> ShapeAndViewCases() {
  return {
      {K::kReshape, "", Call(K::kReshape, {{"shape", Ints{2, -1, 3}}}), {F({3, 4})}},
      {K::kReshape, "of a transpose",
       [](const Tensors& in) -> Tensors { return {in[0].transpose(0, 1).reshape({-1})}; },
       {F({3, 4})}},
      {K::kView, "", Call(K::kView, {{"size", Ints{3, -1}}}), {F({2, 6})}},
      {K::kPermute, "", Call(K::kPermute, {{"dims", Ints{2, 0, 1}}}), {F({2, 3, 4})}},
      {K::kTranspose, "", Call(K::kTranspose, {{"dim0", 0}, {"dim1", -1}}), {F({2, 3, 4})}},
      {K::kExpand, "", Call(K::kExpand, {{"size", Ints{2, 3, 4}}}), {F({3, 1})}},
      {K::kSqueeze, "all", Call(K::kSqueeze), {F({1, 3, 1})}},
      {K::kSqueeze, "dim", Call(K::kSqueeze, {{"dim", Ints{0}}}), {F({1, 3, 1})}},
      {K::kUnsqueeze, "", Call(K::kUnsqueeze, {{"dim", -1}}), {F({2, 3})}},
      {K::kSlice, "step", Call(K::kSlice, {{"start", 2}, {"end", 8}, {"step", 3}}), {F({10, 4})}},
      {K::kSlice, "negative start", Call(K::kSlice, {{"dim", 1}, {"start", -3}}), {F({10, 4})}},
      {K::kSelect, "", Call(K::kSelect, {{"dim", 1}, {"index", -1}}), {F({3, 4})}},
      {K::kSplit, "", Call(K::kSplit, {{"split_size", 2}}), {F({5, 2})}},
      {K::kSplit, "dim", Call(K::kSplit, {{"split_size", 1}, {"dim", -1}}), {F({2, 2})}},
      {K::kChunk, "", Call(K::kChunk, {{"chunks", 3}}), {F({5, 2})}},
      {K::kChunk, "dim", Call(K::kChunk, {{"chunks", 2}, {"dim", 1}}), {F({2, 6})}},
      {K::kCat, "", CallList(K::kCat), {F({2, 3}), F({4, 3})}},
      {K::kCat, "mixed dtypes", CallList(K::kCat, {{"dim", -1}}), {F({2, 3}), I({2, 1}, -3, 3)}},
      {K::kStack, "", CallList(K::kStack), {F({2, 3}), F({2, 3})}},
      {K::kStack, "last dim", CallList(K::kStack, {{"dim", -1}}), {F({2, 3}), F({2, 3}), F({2, 3})}},
      {K::kTriu, "", Call(K::kTriu, {{"diagonal", 1}}), {F({3, 4})}},
      {K::kTril, "batched", Call(K::kTril, {{"diagonal", -1}}), {I({2, 3, 3}, -9, 9)}},
      {K::kIndexSelect, "", Call(K::kIndexSelect, {{"dim", 0}}), {F({5, 3}), I({4}, 0, 4)}},
      {K::kIndexSelect, "i32 index", Call(K::kIndexSelect, {{"dim", -1}}), {F({5, 3}), I({2}, 0, 2, DType::kInt32)}},
      {K::kGather, "", Call(K::kGather, {{"dim", 1}}), {F({3, 4}), I({3, 2}, 0, 3)}},
      {K::kGather, "dim 0", Call(K::kGather, {{"dim", 0}}), {F({3, 4}), I({2, 4}, 0, 2)}},
      {K::kScatterAdd, "", Call(K::kScatterAdd, {{"dim", 0}}), {F({3, 4}), I({2, 4}, 0, 2), F({2, 4})}},
      {K::kIndexAdd, "", Call(K::kIndexAdd, {{"dim", 0}, {"alpha", 2}}), {F({5, 3}), I({2}, 0, 4), F({2, 3})}},
      {K::kIndexAdd, "dim 1", Call(K::kIndexAdd, {{"dim", 1}}), {F({5, 3}), I({4}, 0, 2), F({5, 4})}},
  };
}

std::vector<Case> LinearAlgebraCases() {
  return {
      {K::kMatmul, "dot", Call(K::kMatmul), {F({3}), F({3})}},
      {K::kMatmul, "matrix-vector", Call(K::kMatmul), {F({2, 3}), F({3})}},
      {K::kMatmul, "vector-matrix", Call(K::kMatmul), {F({3}), F({3, 4})}},
      {K::kMatmul, "batched broadcast", Call(K::kMatmul), {F({2, 1, 2, 3}), F({3, 3, 4})}},
      {K::kMm, "", Call(K::kMm), {F({2, 3}), F({3, 4})}},
      {K::kMm, "transposed operand",
       [](const Tensors& in) -> Tensors { return {mm(in[0], in[1].t())}; },
       {F({2, 3}), F({4, 3})}},
      {K::kBmm, "", Call(K::kBmm), {F({5, 2, 3}), F({5, 3, 4})}},
      {K::kAddmm, "vector bias", Call(K::kAddmm, {{"beta", 0.5}, {"alpha", 2}}), {F({4}), F({2, 3}), F({3, 4})}},
      {K::kAddmm, "matrix bias", Call(K::kAddmm), {F({2, 4}), F({2, 3}), F({3, 4})}},
      {K::kLinear, "bias", Call(K::kLinear), {F({2, 5, 3}), F({4, 3}), F({4})}},
      {K::kLinear, "no bias", CallSlots(K::kLinear, {0, 1, -1}), {F({3}), F({4, 3})}},
  };
}

std::vector<Case> NeuralNetworkCases() {
  return {
      {K::kSoftmax, "", Call(K::kSoftmax, {{"dim", -1}}), {F({3, 4}, -5, 5)}},
      {K::kLogSoftmax, "", Call(K::kLogSoftmax, {{"dim", 0}}), {F({3, 4}, -5, 5)}},
      {K::kLayerNorm, "affine", Call(K::kLayerNorm, {{"normalized_shape", Ints{4}}}), {F({2, 3, 4}), F({4}), F({4})}},
      {K::kLayerNorm, "no affine",
       CallSlots(K::kLayerNorm, {0, -1, -1}, {{"normalized_shape", Ints{3, 4}}, {"eps", 1e-6}}),
       {F({2, 3, 4})}},
      {K::kBatchNorm, "training", Call(K::kBatchNorm, {{"training", true}, {"momentum", 0.2}}),
       {F({4, 3, 2, 2}), F({3}), F({3}), F({3}), F({3}, 0.5, 2)}},
      {K::kBatchNorm, "training without affine or running stats",
       CallSlots(K::kBatchNorm, {0, -1, -1, -1, -1}, {{"training", true}}), {F({5, 3})}},
      {K::kBatchNorm, "inference", CallSlots(K::kBatchNorm, {0, -1, -1, 1, 2}, {{"training", false}}),
       {F({4, 3, 5}), F({3}), F({3}, 0.5, 2)}},
      {K::kConv2d, "stride and padding", Call(K::kConv2d, {{"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}}),
       {F({2, 3, 7, 7}), F({4, 3, 3, 3}), F({4})}},
      {K::kConv2d, "groups and dilation",
       CallSlots(K::kConv2d, {0, 1, -1}, {{"dilation", Ints{2}}, {"groups", 2}}), {F({1, 4, 7, 7}), F({6, 2, 3, 3})}},
      {K::kMaxPool2dWithIndices, "", Call(K::kMaxPool2dWithIndices, {{"kernel_size", Ints{2, 2}}}), {F({2, 3, 6, 6})}},
      {K::kMaxPool2dWithIndices, "padding and ceil mode",
       Call(K::kMaxPool2dWithIndices,
            {{"kernel_size", Ints{3}}, {"stride", Ints{2}}, {"padding", Ints{1}}, {"ceil_mode", true}}),
       {F({3, 6, 6})}},
      {K::kAvgPool2d, "ceil mode",
       Call(K::kAvgPool2d, {{"kernel_size", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"ceil_mode", true}}),
       {F({1, 2, 6, 6})}},
      {K::kAvgPool2d, "padding not counted",
       Call(K::kAvgPool2d, {{"kernel_size", Ints{3}}, {"padding", Ints{1}}, {"count_include_pad", false}}),
       {F({1, 2, 7, 7})}},
      {K::kAvgPool2d, "divisor override",
       Call(K::kAvgPool2d, {{"kernel_size", Ints{2}}, {"divisor_override", 3}}), {F({2, 5, 5})}},
      {K::kAdaptiveAvgPool2d, "", Call(K::kAdaptiveAvgPool2d, {{"output_size", Ints{2, 3}}}), {F({2, 3, 7, 9})}},
      {K::kAdaptiveAvgPool2d, "global", Call(K::kAdaptiveAvgPool2d, {{"output_size", Ints{1}}}), {F({3, 5, 5})}},
      {K::kEmbedding, "", Call(K::kEmbedding), {F({10, 4}), I({2, 3}, 0, 9)}},
      {K::kEmbedding, "padding_idx, i32", Call(K::kEmbedding, {{"padding_idx", 0}}),
       {F({10, 4}), I({5}, 0, 9, DType::kInt32)}},
      {K::kDropout, "captured seed",
       [seed = SeedTensor(1234, 8)](const Tensors& in) { return CallOp(K::kDropout, {in[0], seed}, {{"p", 0.3}}); },
       {F({4, 5})}},
      {K::kDropout, "seed input", Call(K::kDropout, {{"p", 0.5}}), {F({4, 5}), I({2}, 0, 1000)}},
      {K::kDropout, "eval", Call(K::kDropout, {{"train", false}}), {F({4, 5}), I({2}, 0, 1000)}},
      {K::kNllLoss, "mean", CallSlots(K::kNllLoss, {0, 1, -1}), {F({6, 5}), I({6}, 0, 4)}},
      {K::kNllLoss, "weight, none", Call(K::kNllLoss, {{"reduction", 0}}), {F({6, 5}), I({6}, 0, 4), F({5}, 0.5, 2)}},
      {K::kNllLoss, "ignore_index, sum", CallSlots(K::kNllLoss, {0, 1, -1}, {{"reduction", 2}, {"ignore_index", 2}}),
       {F({6, 5}), I({6}, 0, 4)}},
      {K::kCrossEntropy, "label smoothing", CallSlots(K::kCrossEntropy, {0, 1, -1}, {{"label_smoothing", 0.1}}),
       {F({6, 5}), I({6}, 0, 4)}},
      {K::kCrossEntropy, "weight, none", Call(K::kCrossEntropy, {{"reduction", 0}}),
       {F({6, 5}, -2, 2, DType::kFloat64), I({6}, 0, 4), F({5}, 0.5, 2, DType::kFloat64)}},
      {K::kMseLoss, "mean", Call(K::kMseLoss), {F({2, 3}), F({2, 3})}},
      {K::kMseLoss, "none", Call(K::kMseLoss, {{"reduction", 0}}), {F({2, 3}), F({2, 3})}},
  };
}

std::vector<Case> CreationCases() {
  return {
      {K::kFull, "f32", Call(K::kFull, {{"size", Ints{2, 3}}, {"fill_value", 1.5}}), {}},
      {K::kFull, "i64", Call(K::kFull, {{"size", Ints{2}}, {"fill_value", 7}}), {}},
      {K::kFull, "dtype", Call(K::kFull, {{"size", Ints{3}}, {"fill_value", 1}, {"dtype", DType::kFloat16}}), {}},
      {K::kZeros, "", Call(K::kZeros, {{"size", Ints{2, 3}}, {"dtype", DType::kInt32}}), {}},
      {K::kOnes, "", Call(K::kOnes, {{"size", Ints{4}}, {"dtype", DType::kBool}}), {}},
      {K::kOnes, "used with an input", [](const Tensors& in) -> Tensors { return {in[0] + ones({3})}; }, {F({2, 3})}},
      {K::kArange, "i64", Call(K::kArange, {{"start", 0}, {"end", 10}, {"step", 3}}), {}},
      {K::kArange, "float step", Call(K::kArange, {{"start", 0}, {"end", 1}, {"step", 0.25}}), {}},
      {K::kArange, "dtype", Call(K::kArange, {{"start", 5}, {"end", 0}, {"step", -2}, {"dtype", DType::kFloat64}}), {}},
      {K::kConstant, "f64", Call(K::kConstant, {{"values", std::vector<double>{1, -2.5, 3}}, {"shape", Ints{3}},
                                                  {"dtype", DType::kFloat64}}), {}},
      {K::kConstant, "i64 used with an input",
       [](const Tensors& in) -> Tensors {
         return {in[0] + CallOp1(K::kConstant, {}, {{"values", std::vector<double>{4, 5}}, {"shape", Ints{2}},
                                                     {"dtype", DType::kInt64}})};
       },
       {F({3, 2})}},
      {K::kRand, "captured seed",
       [seed = SeedTensor(42, 4)](const Tensors&) { return CallOp(K::kRand, {seed}, {{"size", Ints{3, 5}}}); },
       {}},
      {K::kRand, "seed input, f64", Call(K::kRand, {{"size", Ints{7}}, {"dtype", DType::kFloat64}}), {I({2}, 0, 1000)}},
      {K::kRandn, "captured seed",
       [seed = SeedTensor(7, 0)](const Tensors&) { return CallOp(K::kRandn, {seed}, {{"size", Ints{4, 3}}}); },
       {}},
      {K::kRandn, "seed input", Call(K::kRandn, {{"size", Ints{9}}}), {I({2}, 0, 1000)}},
      {K::kZerosLike, "", Call(K::kZerosLike), {I({2, 3}, -3, 3)}},
      {K::kZerosLike, "dtype", Call(K::kZerosLike, {{"dtype", DType::kFloat32}}), {I({2, 3}, -3, 3)}},
      {K::kOnesLike, "", Call(K::kOnesLike, {{"dtype", DType::kBool}}), {F({4})}},
      {K::kFullLike, "", Call(K::kFullLike, {{"fill_value", 2.5}}), {F({2, 2})}},
      {K::kFullLike, "keeps i64", Call(K::kFullLike, {{"fill_value", 2.5}}), {I({3}, -3, 3)}},
      {K::kToCopy, "f32 to f16", Call(K::kToCopy, {{"dtype", DType::kFloat16}}), {F({2, 3})}},
      {K::kToCopy, "f32 to i64", Call(K::kToCopy, {{"dtype", DType::kInt64}}), {F({2, 3}, -9, 9)}},
      {K::kToCopy, "same dtype", Call(K::kToCopy), {I({4}, -3, 3, DType::kInt32)}},
      {K::kClone, "", Call(K::kClone), {F({3, 4})}},
      {K::kClone, "of a transpose", [](const Tensors& in) -> Tensors { return {in[0].t().clone()}; }, {F({3, 4})}},
      {K::kCopy, "broadcast and convert", Call(K::kCopy), {F({2, 3}), F({3}, -2, 2, DType::kFloat64)}},
  };
}

// Each in-place op on a clone (functionalized in the graph) and on an input
// (a mutation the graph returns).
std::vector<Case> InplaceCases() {
  std::vector<op_testing::InplaceCall> calls = op_testing::InplaceCalls();
  // Unlike core_ops_test, which runs div_scalar_ in f32, write an f64 tensor
  // here: an in-place op in a second floating dtype.
  for (op_testing::InplaceCall& o : calls) {
    if (o.op == K::kDivScalar_) o.inputs[0].dtype = DType::kFloat64;
  }
  std::vector<Case> cases;
  for (const op_testing::InplaceCall& o : calls) {
    cases.push_back({o.op, "on a clone", op_testing::OnClone(o.op, o.attrs), o.inputs});
    cases.push_back({o.op, "on an input", op_testing::OnInput(o.op, o.attrs), o.inputs, {0}});
  }
  // Writes through views of an input, and reads of views after their base
  // changed.
  cases.push_back({K::kMul_, "through select of an input",
                   [](const Tensors& in) -> Tensors {
                     Tensor row = in[0].select(0, 1);
                     row.mul_(in[1]);
                     return {row, in[0].sum()};
                   },
                   {F({3, 4}), F({4})},
                   {0}});
  cases.push_back({K::kFill_, "through transpose and slice of an input",
                   [](const Tensors& in) -> Tensors {
                     in[0].transpose(0, 1).slice(0, 1, 3).fill_(0.5);
                     return {in[0] * 2.0};
                   },
                   {F({3, 4})},
                   {0}});
  cases.push_back({K::kClamp_, "through a strided slice of an input",
                   [](const Tensors& in) -> Tensors {
                     Tensor s = in[0].slice(1, 0, 5, 2);
                     CallOp(K::kClamp_, {s}, {{"min", -0.5}, {"max", 0.5}});
                     return {s.sum({1})};
                   },
                   {F({2, 5})},
                   {0}});
  cases.push_back({K::kAdd_, "through view of an input, read through a second view",
                   [](const Tensors& in) -> Tensors {
                     Tensor flat = in[0].view({12});
                     Tensor cols = in[0].permute({1, 0});
                     flat.add_(in[1]);
                     return {cols};
                   },
                   {F({3, 4}), F({12})},
                   {0}});
  cases.push_back({K::kSqrt_, "through unsqueeze and squeeze of a clone",
                   [](const Tensors& in) -> Tensors {
                     Tensor y = in[0].clone();
                     CallOp(K::kSqrt_, {y.unsqueeze(0).squeeze({0})});
                     return {y};
                   },
                   {F({3, 2}, 0, 4)}});
  cases.push_back({K::kCopy_, "into a select of one input from another",
                   [](const Tensors& in) -> Tensors {
                     in[0].select(1, 2).copy_(in[1]);
                     return {};
                   },
                   {F({3, 4}), F({3})},
                   {0}});
  cases.push_back({K::kMaskedFill_, "through a negative select of an input",
                   [](const Tensors& in) -> Tensors {
                     CallOp(K::kMaskedFill_, {in[0].select(1, -1), in[1]}, {{"value", 9}});
                     return {in[0].amax({1})};
                   },
                   {F({3, 4}), B({3})},
                   {0}});
  cases.push_back({K::kIndexAdd_, "through a negative strided slice of a clone",
                   [](const Tensors& in) -> Tensors {
                     Tensor y = in[0].clone();
                     Tensor s = y.slice(0, -4, 6, 2);  // Rows 2 and 4.
                     CallOp(K::kIndexAdd_, {s, in[1], in[2]}, {{"dim", 1}, {"alpha", -1}});
                     return {y, s};
                   },
                   {F({6, 3}), I({2}, 0, 2), F({2, 2})}});
  cases.push_back({K::kDiv_, "through permute, select and unsqueeze of a clone",
                   [](const Tensors& in) -> Tensors {
                     Tensor y = in[0].clone();
                     Tensor v = y.permute({2, 0, 1}).select(0, 1).unsqueeze(1);  // [2, 1, 3]
                     v.div_(in[1]);
                     return {y};
                   },
                   {F({2, 3, 4}), F({3}, 0.5, 2)}});
  cases.push_back({K::kMulScalar_, "one view written, another read",
                   [](const Tensors& in) -> Tensors {
                     Tensor y = in[0].clone();
                     Tensor rows = y.slice(0, 0, 2);
                     Tensor col = y.select(1, 1);
                     rows.mul_(3.0);
                     return {col, rows.sum()};
                   },
                   {F({3, 4})}});
  cases.push_back({K::kAdd_, "through select of an i32 input, i64 other",
                   [](const Tensors& in) -> Tensors {
                     in[0].select(0, 1).add_(in[1]);
                     return {};
                   },
                   {I({3, 4}, -9, 9, DType::kInt32), I({4}, -9, 9)},
                   {0}});
  cases.push_back({K::kAddScalar_, "two inputs",
                   [](const Tensors& in) -> Tensors {
                     Tensor a = in[0], b = in[1];
                     b.add_(1.0);
                     a.mul_(b);
                     return {a + b};
                   },
                   {F({3}), F({3})},
                   {0, 1}});
  return cases;
}

// Ops whose eager results alias their input: in-place writes to the result
// must reach the input and writes to the input the result, in the graph too.
std::vector<Case> AliasingCases() {
  return {
      {K::kDetach, "written in place",
       [](const Tensors& in) -> Tensors {
         Tensor y = in[0].clone();
         Tensor d = y.detach();
         d.add_(1.0);
         return {y};
       },
       {F({3, 4})}},
      {K::kDetach, "of an input, read after the input is written",
       [](const Tensors& in) -> Tensors {
         Tensor x = in[0];
         Tensor d = x.detach();
         x.mul_(2.0);
         return {d};
       },
       {F({3, 4})},
       {0}},
      {K::kSplit, "a piece written in place",
       [](const Tensors& in) -> Tensors {
         Tensor y = in[0].clone();
         std::vector<Tensor> parts = split(y, 2, 0);
         parts[1].mul_(2.0);
         return {y, parts[0], parts[2]};
       },
       {F({5, 3})}},
      {K::kSplit, "pieces read after the input is written",
       [](const Tensors& in) -> Tensors {
         Tensor y = in[0].clone();
         std::vector<Tensor> parts = split(y, 2, -1);
         y.add_(1.0);
         return {parts[0], parts[1]};
       },
       {F({2, 3})}},
      {K::kChunk, "a piece of an input written in place",
       [](const Tensors& in) -> Tensors {
         chunk(in[0], 2, 1)[1].fill_(0.0);
         return {};
       },
       {F({3, 4})},
       {0}},
      {K::kChunk, "a piece of a view written in place",
       [](const Tensors& in) -> Tensors {
         Tensor y = in[0].clone();
         chunk(y.t(), 3, 0)[2].zero_();
         return {y};
       },
       {F({2, 5})}},
      {K::kReshape, "a view, written in place",
       [](const Tensors& in) -> Tensors {
         Tensor y = in[0].clone();
         Tensor r = y.reshape({-1});
         r.add_(1.0);
         return {y, r};
       },
       {F({3, 4})}},
      {K::kReshape, "a copy, written in place",
       [](const Tensors& in) -> Tensors {
         Tensor y = in[0].clone();
         Tensor r = y.t().reshape({-1});
         r.add_(1.0);
         return {y, r};
       },
       {F({3, 4})}},
      {K::kReshape, "a strided view, then a copy of it, written in place",
       [](const Tensors& in) -> Tensors {
         Tensor y = in[0].clone();
         Tensor r = y.transpose(0, 1).reshape({3, 2, 2, 2});  // A view.
         r.add_(1.0);
         Tensor c = r.reshape({3, 8});  // A copy.
         c.mul_(2.0);
         return {y, r, c};
       },
       {F({2, 3, 4})}},
      {K::kReshape, "of an input, read after the input is written",
       [](const Tensors& in) -> Tensors {
         Tensor x = in[0];
         Tensor r = x.reshape({2, 6});
         x.sub_(in[1]);
         return {r};
       },
       {F({3, 4}), F({4})},
       {0}},
  };
}

std::vector<Case> BackwardCases() {
  return {
      {K::kThresholdBackward, "", Call(K::kThresholdBackward, {{"threshold", 0}}), {F({4, 3}), F({4, 3})}},
      {K::kSigmoidBackward, "", Call(K::kSigmoidBackward), {F({4, 3}), F({4, 3}, 0, 1)}},
      {K::kTanhBackward, "", Call(K::kTanhBackward), {F({4, 3}), F({4, 3}, -1, 1)}},
      {K::kGeluBackward, "none", Call(K::kGeluBackward), {F({4, 3}), F({4, 3}, -3, 3)}},
      {K::kGeluBackward, "tanh", Call(K::kGeluBackward, {{"approximate", "tanh"}}), {F({4, 3}), F({4, 3}, -3, 3)}},
      {K::kSiluBackward, "", Call(K::kSiluBackward), {F({4, 3}), F({4, 3}, -3, 3)}},
      {K::kSoftmaxBackward, "",
       [](const Tensors& in) -> Tensors {
         return CallOp(K::kSoftmaxBackward, {in[0], softmax(in[1], -1)}, {{"dim", -1}});
       },
       {F({3, 4}), F({3, 4})}},
      {K::kLogSoftmaxBackward, "",
       [](const Tensors& in) -> Tensors {
         return CallOp(K::kLogSoftmaxBackward, {in[0], log_softmax(in[1], 0)}, {{"dim", 0}});
       },
       {F({3, 4}), F({3, 4})}},
      {K::kLayerNormBackward, "",
       [](const Tensors& in) -> Tensors {
         auto [y, mean, rstd] = layer_norm(in[1], {4}, in[2], in[3]);
         return CallOp(K::kLayerNormBackward, {in[0], in[1], mean, rstd, in[2], in[3]},
                       {{"normalized_shape", Ints{4}}});
       },
       {F({2, 3, 4}), F({2, 3, 4}), F({4}), F({4})}},
      {K::kBatchNormBackward, "training",
       [](const Tensors& in) -> Tensors {
         Tensors r = batch_norm(in[1], in[2], Tensor(), Tensor(), Tensor(), /*training=*/true);
         return CallOp(K::kBatchNormBackward, {in[0], in[1], in[2], Tensor(), Tensor(), r[1], r[2]},
                       {{"training", true}, {"eps", 1e-5}});
       },
       {F({4, 3, 2, 2}), F({4, 3, 2, 2}), F({3})}},
      {K::kBatchNormBackward, "inference",
       CallSlots(K::kBatchNormBackward, {0, 1, 2, 3, 4, -1, -1}, {{"training", false}, {"eps", 1e-5}}),
       {F({4, 3, 5}), F({4, 3, 5}), F({3}), F({3}), F({3}, 0.5, 2)}},
      {K::kConv2dBackwardInput, "",
       Call(K::kConv2dBackwardInput,
            {{"input_size", Ints{2, 3, 7, 7}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}}),
       {F({2, 4, 4, 4}), F({4, 3, 3, 3})}},
      {K::kConv2dBackwardWeight, "",
       Call(K::kConv2dBackwardWeight,
            {{"weight_size", Ints{4, 3, 3, 3}}, {"stride", Ints{2, 2}}, {"padding", Ints{1, 1}}}),
       {F({2, 4, 4, 4}), F({2, 3, 7, 7})}},
      {K::kMaxPool2dWithIndicesBackward, "",
       [](const Tensors& in) -> Tensors {
         auto [out, indices] = max_pool2d_with_indices(in[1], {2, 2});
         return CallOp(K::kMaxPool2dWithIndicesBackward, {in[0], in[1], indices}, {{"kernel_size", Ints{2, 2}}});
       },
       {F({2, 3, 3, 3}), F({2, 3, 6, 6})}},
      {K::kAvgPool2dBackward, "",
       Call(K::kAvgPool2dBackward, {{"kernel_size", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"ceil_mode", true}}),
       {F({1, 2, 3, 3}), F({1, 2, 6, 6})}},
      {K::kAdaptiveAvgPool2dBackward, "", Call(K::kAdaptiveAvgPool2dBackward), {F({2, 3, 2, 3}), F({2, 3, 7, 9})}},
      {K::kEmbeddingBackward, "", Call(K::kEmbeddingBackward, {{"num_weights", 10}, {"padding_idx", 1}}),
       {F({2, 3, 4}), I({2, 3}, 0, 9)}},
      {K::kNllLossBackward, "mean", CallSlots(K::kNllLossBackward, {0, 1, 2, -1}),
       {F({}), F({6, 5}), I({6}, 0, 4)}},
      {K::kNllLossBackward, "weight, none", Call(K::kNllLossBackward, {{"reduction", 0}}),
       {F({6}), F({6, 5}), I({6}, 0, 4), F({5}, 0.5, 2)}},
      {K::kMseLossBackward, "", Call(K::kMseLossBackward), {F({}), F({2, 3}), F({2, 3})}},
      {K::kSelectBackward, "", Call(K::kSelectBackward, {{"input_sizes", Ints{3, 4}}, {"dim", 1}, {"index", 2}}),
       {F({3})}},
      {K::kSliceBackward, "",
       Call(K::kSliceBackward, {{"input_sizes", Ints{10, 4}}, {"dim", 0}, {"start", 2}, {"end", 8}, {"step", 3}}),
       {F({2, 4})}},
  };
}

std::vector<Case> AllCases() {
  std::vector<Case> all;
  for (std::vector<Case> cases :
       {ElementwiseCases(), ReductionCases(), ShapeAndViewCases(), LinearAlgebraCases(), NeuralNetworkCases(),
        CreationCases(), InplaceCases(), AliasingCases(), BackwardCases()}) {
    for (Case& c : cases) all.push_back(std::move(c));
  }
  return all;
}

// --- Checks -------------------------------------------------------------------

// The op a traced graph records for `kind`: in-place ops become their
// functional forms (fill_ and zero_, which have none, full_like and
// zeros_like) and `view` becomes `reshape`.
K RecordedAs(K kind) {
  const ir::OpDef& op = ir::GetOpDef(kind);
  if (kind == K::kFill_) return K::kFullLike;
  if (kind == K::kZero_) return K::kZerosLike;
  if (op.is_inplace()) return op.functional_form()->kind();
  if (kind == K::kView) return K::kReshape;
  return kind;
}

// Expects the same dtypes, shapes and values within `tol` (see
// op_testing::ExpectClose).
void ExpectSame(const Tensor& got, const Tensor& want, double tol) {
  op_testing::ExpectClose(got, want, tol, "traced", "eager");
}

// Runs the graph with the interpreter, extra inputs filled as the runtime
// would: lifted tensors with their values, seeds from `seeds`.
absl::StatusOr<Tensors> RunTraced(const TracedGraph& t, Tensors inputs, const Tensors& seeds = {}) {
  size_t seed_i = 0;
  for (const ExtraInput& e : t.extra_inputs) {
    if (e.kind == ExtraInput::Kind::kLifted) {
      inputs.push_back(e.value);
    } else {
      if (seed_i >= seeds.size()) return absl::InvalidArgumentError("more seed inputs than seeds");
      inputs.push_back(seeds[seed_i++]);
    }
  }
  return RunGraph(*t.graph, inputs);
}

// Checks the graph is functional and verified and records the op.
void ExpectFunctionalGraphWithOp(const ir::Graph& graph, K op) {
  EXPECT_TRUE(ir::VerifyGraph(graph).ok()) << ir::VerifyGraph(graph);
  bool found = false;
  for (ir::Node* n : graph.node_range()) {
    EXPECT_FALSE(n->op().is_inplace()) << n->op().name();
    EXPECT_NE(n->kind(), K::kView);
    if (n->kind() == RecordedAs(op)) found = true;
  }
  EXPECT_TRUE(found) << "no " << ir::GetOpDef(RecordedAs(op)).name() << " node";
}

void CheckCase(const Case& c, uint64_t seed) {
  Tensors example, real;
  for (const InputSpec& in : c.inputs) {
    example.push_back(MakeInput(in, seed++));
    real.push_back(MakeInput(in, seed++));
    ASSERT_TRUE(real.back().ok()) << real.back().status();
  }
  absl::StatusOr<TracedGraph> t = MakeGraph(c.fn, example);
  ASSERT_TRUE(t.ok()) << t.status();
  SCOPED_TRACE(ir::PrintGraph(*t->graph));
  ExpectFunctionalGraphWithOp(*t->graph, c.op);
  for (const ExtraInput& e : t->extra_inputs) {
    EXPECT_EQ(e.kind, ExtraInput::Kind::kLifted) << "a random op called with a seed got a seed input";
  }
  std::vector<int> mutated;
  for (const InputMutation& m : t->mutations) {
    mutated.push_back(m.input_index);
    EXPECT_EQ(m.output_index, t->num_user_outputs + static_cast<int>(mutated.size()) - 1);
  }
  EXPECT_EQ(mutated, c.mutated) << "the inputs the graph writes";

  // The traced run gets copies so that the eager run's inputs are untouched.
  Tensors traced_in;
  for (const Tensor& r : real) traced_in.push_back(r.clone());
  absl::StatusOr<Tensors> got = RunTraced(*t, traced_in);
  ASSERT_TRUE(got.ok()) << got.status();
  for (size_t i = 0; i < real.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("graph input ", i));
    ExpectSame(traced_in[i], real[i], 0);  // The interpreter writes no input.
  }

  Tensors eager_in;
  for (const Tensor& r : real) eager_in.push_back(r.clone());
  Tensors want = c.fn(eager_in);
  ASSERT_EQ(got->size(), want.size() + t->mutations.size());
  ASSERT_EQ(t->num_user_outputs, static_cast<int>(want.size()));
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("output ", i));
    ExpectSame((*got)[i], want[i], c.tol);
  }
  for (size_t i = 0; i < eager_in.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("input ", i, " after the call"));
    bool is_mutated = false;
    for (const InputMutation& m : t->mutations) {
      if (m.input_index != static_cast<int>(i)) continue;
      is_mutated = true;
      ExpectSame((*got)[m.output_index], eager_in[i], c.tol);
    }
    // An input the graph does not update must be one eager execution did
    // not write either.
    if (!is_mutated) ExpectSame(eager_in[i], real[i], 0);
  }
}

TEST(TraceEveryOpTest, EveryOpHasACase) {
  ASSERT_EQ(static_cast<int>(ir::AllOps().size()), ir::kNumOps);
  std::set<int> covered;
  for (const Case& c : AllCases()) covered.insert(static_cast<int>(c.op));
  std::vector<std::string> missing;
  for (int k = 0; k < ir::kNumOps; ++k) {
    if (!covered.count(k)) missing.push_back(ir::GetOpDef(static_cast<K>(k)).name());
  }
  EXPECT_TRUE(missing.empty()) << "ops without a case in trace_every_op_test.cc: " << absl::StrJoin(missing, ", ");
}

TEST(TraceEveryOpTest, InplaceOpsAreCheckedOnAnInput) {
  std::set<int> on_input;
  for (const Case& c : AllCases()) {
    if (!c.mutated.empty()) on_input.insert(static_cast<int>(c.op));
  }
  for (const ir::OpDef* op : ir::AllOps()) {
    if (op->is_inplace()) {
      EXPECT_TRUE(on_input.count(static_cast<int>(op->kind()))) << op->name();
    }
  }
}

TEST(TraceEveryOpTest, TracedGraphComputesWhatEagerComputes) {
  uint64_t seed = 1;
  for (const Case& c : AllCases()) {
    SCOPED_TRACE(op_testing::CaseName(c.op, c.what));
    CheckCase(c, seed);
    seed += 2 * c.inputs.size();
  }
}

// As in PyTorch, writing a tensor in which several elements share one
// memory location is an error: eager kernels write such elements in no
// defined order.
TEST(TraceEveryOpTest, InplaceWriteToAnExpandedViewIsAnError) {
  TracedFn fn = [](const Tensors& in) -> Tensors {
    Tensor y = in[0].clone();
    y.expand({3, 4}).fill_(0.5);
    return {y};
  };
  absl::StatusOr<TracedGraph> t = MakeGraph(fn, {MakeInput(F({3, 1}), 1)});
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << t.status();
  EXPECT_NE(t.status().message().find("fill_: cannot write in place to f32[3,4]"), std::string::npos)
      << t.status();
  // Expanding only dimensions of size 1 shares no location.
  TracedFn ok = [](const Tensors& in) -> Tensors {
    Tensor y = in[0].clone();
    y.expand({1, 3, 1}).fill_(0.5);
    return {y};
  };
  EXPECT_TRUE(MakeGraph(ok, {MakeInput(F({3, 1}), 1)}).ok());
}

// Random ops called without a seed get a seed input; given the seed the
// runtime would give it, the graph draws what the op draws eagerly with that
// seed.
TEST(TraceEveryOpTest, UnseededRandomOpsDrawWhatTheyDrawWithTheirSeedInput) {
  using SeededFn = std::function<Tensors(const Tensors&, const Tensor& seed)>;
  struct RandomCase {
    K op;
    SeededFn fn;  // An undefined seed: the op draws from the global generator.
    std::vector<InputSpec> inputs;
    int64_t numel;
  };
  std::vector<RandomCase> cases = {
      {K::kRand,
       [](const Tensors&, const Tensor& seed) { return CallOp(K::kRand, {seed}, {{"size", Ints{3, 5}}}); }, {}, 15},
      {K::kRandn,
       [](const Tensors& in, const Tensor& seed) -> Tensors {
         return {in[0] + CallOp1(K::kRandn, {seed}, {{"size", Ints{2, 3}}, {"dtype", DType::kFloat64}})};
       },
       {F({3})},
       6},
      {K::kDropout,
       [](const Tensors& in, const Tensor& seed) { return CallOp(K::kDropout, {in[0], seed}, {{"p", 0.4}}); },
       {F({4, 5})},
       20},
  };
  std::set<int> covered;
  uint64_t s = 100;
  for (const RandomCase& c : cases) {
    SCOPED_TRACE(ir::GetOpDef(c.op).name());
    covered.insert(static_cast<int>(c.op));
    Tensors example, real;
    for (const InputSpec& in : c.inputs) {
      example.push_back(MakeInput(in, s++));
      real.push_back(MakeInput(in, s++));
    }
    SeededFn fn = c.fn;
    absl::StatusOr<TracedGraph> t =
        MakeGraph([fn](const Tensors& in) { return fn(in, Tensor()); }, example);
    ASSERT_TRUE(t.ok()) << t.status();
    ExpectFunctionalGraphWithOp(*t->graph, c.op);
    ASSERT_EQ(t->extra_inputs.size(), 1u);
    EXPECT_EQ(t->extra_inputs[0].kind, ExtraInput::Kind::kSeed);
    EXPECT_EQ(t->extra_inputs[0].seed_numel, c.numel);
    Tensor seed = NextSeedTensor(c.numel);
    absl::StatusOr<Tensors> got = RunTraced(*t, real, {seed});
    ASSERT_TRUE(got.ok()) << got.status();
    Tensors want = c.fn(real, seed);
    ASSERT_EQ(got->size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      SCOPED_TRACE(absl::StrCat("output ", i));
      ExpectSame((*got)[i], want[i], 1e-6);
    }
  }
  for (const ir::OpDef* op : ir::AllOps()) {
    if (op->is_random()) {
      EXPECT_TRUE(covered.count(static_cast<int>(op->kind()))) << op->name();
    }
  }
}

}  // namespace
}  // namespace aot::trace
