#include "aot/decomp/decomposition_test_cases.h"

#include <limits>
#include <utility>

#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"

namespace aot::decomp_test {
namespace {

using K = ir::OpKind;
using op_testing::B;
using op_testing::Call;
using op_testing::CallList;
using op_testing::CallSlots;
using op_testing::F;
using op_testing::I;
using op_testing::Ints;
using op_testing::SeedTensor;
using op_testing::Tensors;

std::vector<DecompCase> ElementwiseCases() {
  return {
      {K::kGelu, "none", Call(K::kGelu), {F({3, 4}, -4, 4)}},
      {K::kGelu, "tanh", Call(K::kGelu, {{"approximate", "tanh"}}), {F({3, 4}, -4, 4)}},
      {K::kSilu, "", Call(K::kSilu), {F({3, 4}, -5, 5)}},
      {K::kRsubScalar, "alpha", Call(K::kRsubScalar, {{"other", 1}, {"alpha", 3}}), {F({3, 4})}},
      {K::kRsubScalar, "i64", Call(K::kRsubScalar, {{"other", 7}}), {I({5}, -9, 9)}},
      {K::kMaskedFill, "float", Call(K::kMaskedFill, {{"value", 0.5}}), {F({2, 3}), B({3})}},
      {K::kMaskedFill, "i64", Call(K::kMaskedFill, {{"value", 7}}), {I({2, 3}, -3, 3), B({2, 1})}},
  };
}

std::vector<DecompCase> ReductionCases() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  return {
      {K::kMean, "dim keepdim", Call(K::kMean, {{"dim", Ints{-1}}, {"keepdim", true}}), {F({3, 4})}},
      {K::kMean, "all", Call(K::kMean), {F({2, 3, 4})}},
      {K::kMean, "i64 with dtype", Call(K::kMean, {{"dim", Ints{0}}, {"dtype", DType::kFloat64}}), {I({5, 2}, -9, 9)}},
      {K::kVar, "dim", Call(K::kVar, {{"dim", Ints{1}}}), {F({4, 5})}},
      {K::kVar, "all, correction 0, keepdim", Call(K::kVar, {{"correction", 0}, {"keepdim", true}}), {F({4, 5})}},
      {K::kVar, "large offset", Call(K::kVar, {{"dim", Ints{1}}}), {F({3, 64}, 1e4 - 1, 1e4 + 1)}},
      {K::kStd, "", Call(K::kStd, {{"dim", Ints{0, 2}}}), {F({4, 3, 5})}},
      {K::kVarMean, "dim", Call(K::kVarMean, {{"dim", Ints{0}}}), {F({4, 5})}},
      {K::kVarMean, "all keepdim", Call(K::kVarMean, {{"keepdim", true}, {"correction", 2}}), {F({4, 5})}},
      {K::kLogsumexp, "", Call(K::kLogsumexp, {{"dim", Ints{1}}}), {F({3, 4}, -5, 5)}},
      {K::kLogsumexp, "keepdim, two dims", Call(K::kLogsumexp, {{"dim", Ints{0, -1}}, {"keepdim", true}}),
       {F({3, 2, 4}, -5, 5)}},
      {K::kLogsumexp, "large values", Call(K::kLogsumexp, {{"dim", Ints{-1}}}), {F({3, 8}, -1e4, 1e4)}},
      {K::kLogsumexp, "a row of -inf",
       [kInf](const Tensors& in) -> Tensors {
         Tensor y = in[0].clone();
         y.select(0, 1).fill_(-kInf);
         return {logsumexp(y, {1})};
       },
       {F({3, 4})}},
  };
}

std::vector<DecompCase> ShapeCases() {
  return {
      {K::kTranspose, "", Call(K::kTranspose, {{"dim0", 0}, {"dim1", -1}}), {F({2, 3, 4})}},
      {K::kSplit, "", Call(K::kSplit, {{"split_size", 2}}), {F({5, 2})}},
      {K::kSplit, "dim", Call(K::kSplit, {{"split_size", 1}, {"dim", -1}}), {F({2, 3})}},
      {K::kChunk, "", Call(K::kChunk, {{"chunks", 3}}), {F({5, 2})}},
      {K::kChunk, "dim", Call(K::kChunk, {{"chunks", 2}, {"dim", 1}}), {F({2, 6})}},
      {K::kStack, "", CallList(K::kStack), {F({2, 3}), F({2, 3})}},
      {K::kStack, "last dim", CallList(K::kStack, {{"dim", -1}}), {F({2, 3}), F({2, 3}), F({2, 3})}},
      {K::kTriu, "", Call(K::kTriu, {{"diagonal", 1}}), {F({3, 4})}},
      {K::kTriu, "batched, below the diagonal", Call(K::kTriu, {{"diagonal", -1}}), {F({2, 4, 3})}},
      {K::kTril, "batched", Call(K::kTril, {{"diagonal", -1}}), {I({2, 3, 3}, -9, 9)}},
      {K::kTril, "", Call(K::kTril), {F({4, 3})}},
  };
}

std::vector<DecompCase> LinearAlgebraCases() {
  return {
      {K::kMatmul, "dot", Call(K::kMatmul), {F({3}), F({3})}},
      {K::kMatmul, "matrix-vector", Call(K::kMatmul), {F({2, 3}), F({3})}},
      {K::kMatmul, "vector-matrix", Call(K::kMatmul), {F({3}), F({3, 4})}},
      {K::kMatmul, "matrices", Call(K::kMatmul), {F({2, 3}), F({3, 4})}},
      {K::kMatmul, "batched broadcast", Call(K::kMatmul), {F({2, 1, 2, 3}), F({3, 3, 4})}},
      {K::kMatmul, "batched with a matrix", Call(K::kMatmul), {F({2, 5, 3}), F({3, 4})}},
      {K::kMatmul, "matrix with batched", Call(K::kMatmul), {F({5, 3}), F({2, 3, 4})}},
      {K::kMatmul, "vector with batched", Call(K::kMatmul), {F({3}), F({2, 3, 4})}},
      {K::kMatmul, "batched with a vector", Call(K::kMatmul), {F({2, 5, 3}), F({3})}},
      {K::kAddmm, "vector bias", Call(K::kAddmm, {{"beta", 0.5}, {"alpha", 2}}), {F({4}), F({2, 3}), F({3, 4})}},
      {K::kAddmm, "matrix bias", Call(K::kAddmm), {F({2, 4}), F({2, 3}), F({3, 4})}},
      {K::kAddmm, "beta 0", Call(K::kAddmm, {{"beta", 0}}), {F({2, 4}), F({2, 3}), F({3, 4})}},
      {K::kLinear, "bias", Call(K::kLinear), {F({2, 5, 3}), F({4, 3}), F({4})}},
      {K::kLinear, "no bias, vector", CallSlots(K::kLinear, {0, 1, -1}), {F({3}), F({4, 3})}},
  };
}

std::vector<DecompCase> NeuralNetworkCases() {
  return {
      {K::kSoftmax, "last dim", Call(K::kSoftmax, {{"dim", -1}}), {F({3, 4}, -5, 5)}},
      {K::kSoftmax, "middle dim", Call(K::kSoftmax, {{"dim", 1}}), {F({2, 3, 4}, -5, 5)}},
      {K::kSoftmax, "large logits", Call(K::kSoftmax, {{"dim", -1}}), {F({3, 8}, -1e4, 1e4)}},
      {K::kLogSoftmax, "dim 0", Call(K::kLogSoftmax, {{"dim", 0}}), {F({3, 4}, -5, 5)}},
      {K::kLogSoftmax, "large logits", Call(K::kLogSoftmax, {{"dim", -1}}), {F({3, 8}, -1e4, 1e4)}},
      {K::kLayerNorm, "affine", Call(K::kLayerNorm, {{"normalized_shape", Ints{4}}}), {F({2, 3, 4}), F({4}), F({4})}},
      {K::kLayerNorm, "no affine, two dims",
       CallSlots(K::kLayerNorm, {0, -1, -1}, {{"normalized_shape", Ints{3, 4}}, {"eps", 1e-6}}), {F({2, 3, 4})}},
      {K::kLayerNorm, "weight only, large offset",
       CallSlots(K::kLayerNorm, {0, 1, -1}, {{"normalized_shape", Ints{16}}}),
       {F({3, 16}, 100 - 1, 100 + 1), F({16})}},
      {K::kBatchNorm, "training", Call(K::kBatchNorm, {{"training", true}, {"momentum", 0.2}}),
       {F({4, 3, 2, 2}), F({3}), F({3}), F({3}), F({3}, 0.5, 2)}},
      {K::kBatchNorm, "training without affine or running stats",
       CallSlots(K::kBatchNorm, {0, -1, -1, -1, -1}, {{"training", true}}), {F({5, 3})}},
      {K::kBatchNorm, "training, weight only, large offset",
       CallSlots(K::kBatchNorm, {0, 1, -1, 2, 3}, {{"training", true}}),
       // The mean is rounded to f32 before the subtraction (the kernel keeps it
       // in double): one ulp of 100 over outputs of size 1.
       {F({6, 2, 5}, 100 - 1, 100 + 1), F({2}), F({2}), F({2}, 0.5, 2)}, 1e-4},
      {K::kBatchNorm, "inference", CallSlots(K::kBatchNorm, {0, -1, -1, 1, 2}, {{"training", false}}),
       {F({4, 3, 5}), F({3}), F({3}, 0.5, 2)}},
      {K::kBatchNorm, "inference, affine", Call(K::kBatchNorm, {{"training", false}, {"eps", 1e-3}}),
       {F({4, 3, 2, 2}), F({3}), F({3}), F({3}), F({3}, 0.5, 2)}},
      {K::kEmbedding, "", Call(K::kEmbedding), {F({10, 4}), I({2, 3}, 0, 9)}},
      {K::kEmbedding, "padding_idx, i32", Call(K::kEmbedding, {{"padding_idx", 0}}),
       {F({10, 4}), I({5}, 0, 9, DType::kInt32)}},
      {K::kDropout, "captured seed",
       [seed = SeedTensor(1234, 8)](const Tensors& in) { return CallOp(K::kDropout, {in[0], seed}, {{"p", 0.3}}); },
       {F({4, 5})}},
      {K::kDropout, "seed input", Call(K::kDropout, {{"p", 0.5}}), {F({4, 5}), I({2}, 0, 1000)}},
      {K::kDropout, "p = 1", Call(K::kDropout, {{"p", 1.0}}), {F({3, 5}), I({2}, 0, 1000)}},
      {K::kDropout, "eval", Call(K::kDropout, {{"train", false}}), {F({4, 5}), I({2}, 0, 1000)}},
      {K::kDropout, "global generator",
       [](const Tensors& in) { return CallOp(K::kDropout, {in[0], Tensor()}, {{"p", 0.4}}); },
       {F({6, 7})},
       2e-6,
       1e-12,
       /*global_random=*/true},
      {K::kNllLoss, "mean", CallSlots(K::kNllLoss, {0, 1, -1}), {F({6, 5}), I({6}, 0, 4)}},
      {K::kNllLoss, "weight, none", Call(K::kNllLoss, {{"reduction", 0}}), {F({6, 5}), I({6}, 0, 4), F({5}, 0.5, 2)}},
      {K::kNllLoss, "ignore_index, sum", CallSlots(K::kNllLoss, {0, 1, -1}, {{"reduction", 2}, {"ignore_index", 2}}),
       {F({6, 5}), I({6}, 0, 4)}},
      {K::kNllLoss, "weight, ignore_index, mean", Call(K::kNllLoss, {{"ignore_index", 1}}),
       {F({8, 3}), I({8}, 0, 2), F({3}, 0.5, 2)}},
      {K::kNllLoss, "one row", Call(K::kNllLoss, {{"reduction", 0}}), {F({5}), I({}, 0, 4), F({5}, 0.5, 2)}},
      {K::kCrossEntropy, "mean", CallSlots(K::kCrossEntropy, {0, 1, -1}), {F({6, 5}), I({6}, 0, 4)}},
      {K::kCrossEntropy, "label smoothing", CallSlots(K::kCrossEntropy, {0, 1, -1}, {{"label_smoothing", 0.1}}),
       {F({6, 5}), I({6}, 0, 4)}},
      {K::kCrossEntropy, "weight, none", Call(K::kCrossEntropy, {{"reduction", 0}}),
       {F({6, 5}), I({6}, 0, 4), F({5}, 0.5, 2)}},
      {K::kCrossEntropy, "smoothing, weight, ignore_index",
       Call(K::kCrossEntropy, {{"label_smoothing", 0.2}, {"ignore_index", 0}}),
       {F({8, 4}), I({8}, 0, 3), F({4}, 0.5, 2)}},
      {K::kCrossEntropy, "smoothing, one row, sum",
       CallSlots(K::kCrossEntropy, {0, 1, -1}, {{"label_smoothing", 0.3}, {"reduction", 2}}), {F({5}), I({}, 0, 4)}},
      {K::kCrossEntropy, "large logits", CallSlots(K::kCrossEntropy, {0, 1, -1}), {F({4, 6}, -1e4, 1e4), I({4}, 0, 5)}},
      {K::kMseLoss, "mean", Call(K::kMseLoss), {F({2, 3}), F({2, 3})}},
      {K::kMseLoss, "none", Call(K::kMseLoss, {{"reduction", 0}}), {F({2, 3}), F({2, 3})}},
      {K::kMseLoss, "sum", Call(K::kMseLoss, {{"reduction", 2}}), {F({4}), F({4})}},
  };
}

std::vector<DecompCase> CreationCases() {
  return {
      {K::kZeros, "", Call(K::kZeros, {{"size", Ints{2, 3}}, {"dtype", DType::kInt32}}), {}},
      {K::kOnes, "bool", Call(K::kOnes, {{"size", Ints{4}}, {"dtype", DType::kBool}}), {}},
      {K::kOnes, "used with an input",
       [](const Tensors& in) -> Tensors {
         Tensor o = ones({3}, {.dtype = in[0].dtype()});
         return {in[0] + o};
       },
       {F({2, 3})}},
      {K::kZerosLike, "", Call(K::kZerosLike), {I({2, 3}, -3, 3)}},
      {K::kZerosLike, "dtype", Call(K::kZerosLike, {{"dtype", DType::kFloat32}}), {I({2, 3}, -3, 3)}},
      {K::kOnesLike, "", Call(K::kOnesLike), {F({4})}},
      {K::kOnesLike, "bool", Call(K::kOnesLike, {{"dtype", DType::kBool}}), {F({4})}},
  };
}

// (grad, input) of a pooling op: the gradient's shape is the output's.
std::vector<DecompCase> PoolingBackwardCases() {
  return {
      {K::kMaxPool2dWithIndicesBackward, "",
       [](const Tensors& in) -> Tensors {
         auto [out, indices] = max_pool2d_with_indices(in[1], {2, 2});
         return CallOp(K::kMaxPool2dWithIndicesBackward, {in[0], in[1], indices}, {{"kernel_size", Ints{2, 2}}});
       },
       {F({2, 3, 3, 3}), F({2, 3, 6, 6})}},
      {K::kMaxPool2dWithIndicesBackward, "overlapping windows, padding, ceil mode",
       [](const Tensors& in) -> Tensors {
         ir::AttrList attrs = {
             {"kernel_size", Ints{3}}, {"stride", Ints{2}}, {"padding", Ints{1}}, {"ceil_mode", true}};
         std::vector<Tensor> r = CallOp(K::kMaxPool2dWithIndices, {in[1]}, attrs);
         return CallOp(K::kMaxPool2dWithIndicesBackward, {in[0], in[1], r[1]}, attrs);
       },
       {F({3, 4, 4}), F({3, 6, 6})}},
      {K::kAvgPool2dBackward, "ceil mode",
       Call(K::kAvgPool2dBackward, {{"kernel_size", Ints{3, 3}}, {"stride", Ints{2, 2}}, {"ceil_mode", true}}),
       {F({1, 2, 3, 3}), F({1, 2, 6, 6})}},
      {K::kAvgPool2dBackward, "padding not counted",
       Call(K::kAvgPool2dBackward, {{"kernel_size", Ints{3}}, {"padding", Ints{1}}, {"count_include_pad", false}}),
       {F({1, 2, 3, 3}), F({1, 2, 7, 7})}},
      {K::kAvgPool2dBackward, "padding counted, overlapping",
       Call(K::kAvgPool2dBackward, {{"kernel_size", Ints{3, 2}}, {"stride", Ints{1, 2}}, {"padding", Ints{1, 1}}}),
       {F({2, 2, 5, 4}), F({2, 2, 5, 6})}},
      {K::kAvgPool2dBackward, "divisor override, 3-D",
       Call(K::kAvgPool2dBackward, {{"kernel_size", Ints{2}}, {"divisor_override", 3}}), {F({2, 2, 2}), F({2, 5, 5})}},
      {K::kAvgPool2dBackward, "padding and ceil mode, 3-D",
       Call(K::kAvgPool2dBackward,
            {{"kernel_size", Ints{3}}, {"stride", Ints{2}}, {"padding", Ints{1}}, {"ceil_mode", true}}),
       {F({2, 4, 4}), F({2, 7, 7})}},
      {K::kAdaptiveAvgPool2dBackward, "uneven windows", Call(K::kAdaptiveAvgPool2dBackward),
       {F({2, 3, 2, 3}), F({2, 3, 7, 9})}},
      {K::kAdaptiveAvgPool2dBackward, "even windows", Call(K::kAdaptiveAvgPool2dBackward),
       {F({2, 3, 3, 2}), F({2, 3, 6, 6})}},
      {K::kAdaptiveAvgPool2dBackward, "3-D, larger output", Call(K::kAdaptiveAvgPool2dBackward),
       {F({2, 4, 5}), F({2, 3, 4})}},
  };
}

std::vector<DecompCase> BackwardCases() {
  return {
      {K::kThresholdBackward, "", Call(K::kThresholdBackward, {{"threshold", 0}}), {F({4, 3}), F({4, 3})}},
      {K::kThresholdBackward, "threshold 0.5", Call(K::kThresholdBackward, {{"threshold", 0.5}}),
       {F({4, 3}), F({4, 3})}},
      {K::kSigmoidBackward, "", Call(K::kSigmoidBackward), {F({4, 3}), F({4, 3}, 0, 1)}},
      {K::kTanhBackward, "", Call(K::kTanhBackward), {F({4, 3}), F({4, 3}, -1, 1)}},
      {K::kGeluBackward, "none", Call(K::kGeluBackward), {F({4, 3}), F({4, 3}, -4, 4)}},
      {K::kGeluBackward, "tanh", Call(K::kGeluBackward, {{"approximate", "tanh"}}), {F({4, 3}), F({4, 3}, -4, 4)}},
      {K::kSiluBackward, "", Call(K::kSiluBackward), {F({4, 3}), F({4, 3}, -5, 5)}},
      {K::kSoftmaxBackward, "",
       [](const Tensors& in) -> Tensors {
         Tensor y = softmax(in[1], -1);
         return CallOp(K::kSoftmaxBackward, {in[0], y}, {{"dim", -1}});
       },
       {F({3, 4}), F({3, 4})}},
      {K::kLogSoftmaxBackward, "",
       [](const Tensors& in) -> Tensors {
         Tensor y = log_softmax(in[1], 0);
         return CallOp(K::kLogSoftmaxBackward, {in[0], y}, {{"dim", 0}});
       },
       {F({3, 4}), F({3, 4})}},
      {K::kLayerNormBackward, "affine",
       [](const Tensors& in) -> Tensors {
         auto [y, mean, rstd] = layer_norm(in[1], {4}, in[2], in[3]);
         return CallOp(K::kLayerNormBackward, {in[0], in[1], mean, rstd, in[2], in[3]},
                       {{"normalized_shape", Ints{4}}});
       },
       {F({2, 3, 4}), F({2, 3, 4}), F({4}), F({4})}},
      {K::kLayerNormBackward, "no affine, every dim normalized",
       [](const Tensors& in) -> Tensors {
         auto [y, mean, rstd] = layer_norm(in[1], {3, 4});
         return CallOp(K::kLayerNormBackward, {in[0], in[1], mean, rstd, Tensor(), Tensor()},
                       {{"normalized_shape", Ints{3, 4}}});
       },
       {F({3, 4}), F({3, 4})}},
      {K::kBatchNormBackward, "training",
       [](const Tensors& in) -> Tensors {
         Tensors r = batch_norm(in[1], in[2], Tensor(), Tensor(), Tensor(), /*training=*/true);
         return CallOp(K::kBatchNormBackward, {in[0], in[1], in[2], Tensor(), Tensor(), r[1], r[2]},
                       {{"training", true}, {"eps", 1e-5}});
       },
       {F({4, 3, 2, 2}), F({4, 3, 2, 2}), F({3})}},
      {K::kBatchNormBackward, "training, stats recomputed",
       CallSlots(K::kBatchNormBackward, {0, 1, 2, -1, -1, -1, -1}, {{"training", true}, {"eps", 1e-5}}),
       {F({5, 2, 3}), F({5, 2, 3}), F({2})}},
      {K::kBatchNormBackward, "inference",
       CallSlots(K::kBatchNormBackward, {0, 1, 2, 3, 4, -1, -1}, {{"training", false}, {"eps", 1e-5}}),
       {F({4, 3, 5}), F({4, 3, 5}), F({3}), F({3}), F({3}, 0.5, 2)}},
      {K::kBatchNormBackward, "inference from the saved stats",
       CallSlots(K::kBatchNormBackward, {0, 1, -1, -1, -1, 2, 3}, {{"training", false}, {"eps", 1e-5}}),
       {F({4, 3}), F({4, 3}), F({3}), F({3}, 0.5, 2)}},
      {K::kEmbeddingBackward, "padding_idx", Call(K::kEmbeddingBackward, {{"num_weights", 10}, {"padding_idx", 1}}),
       {F({2, 3, 4}), I({2, 3}, 0, 9)}},
      {K::kEmbeddingBackward, "repeated indices, i32", Call(K::kEmbeddingBackward, {{"num_weights", 4}}),
       {F({9, 3}), I({9}, 0, 3, DType::kInt32)}},
      {K::kNllLossBackward, "mean", CallSlots(K::kNllLossBackward, {0, 1, 2, -1}), {F({}), F({6, 5}), I({6}, 0, 4)}},
      {K::kNllLossBackward, "weight, none", Call(K::kNllLossBackward, {{"reduction", 0}}),
       {F({6}), F({6, 5}), I({6}, 0, 4), F({5}, 0.5, 2)}},
      {K::kNllLossBackward, "weight, ignore_index, mean", Call(K::kNllLossBackward, {{"ignore_index", 2}}),
       {F({}), F({8, 3}), I({8}, 0, 2), F({3}, 0.5, 2)}},
      {K::kNllLossBackward, "one row, sum", CallSlots(K::kNllLossBackward, {0, 1, 2, -1}, {{"reduction", 2}}),
       {F({}), F({5}), I({}, 0, 4)}},
      {K::kMseLossBackward, "mean", Call(K::kMseLossBackward), {F({}), F({2, 3}), F({2, 3})}},
      {K::kMseLossBackward, "none", Call(K::kMseLossBackward, {{"reduction", 0}}), {F({2, 3}), F({2, 3}), F({2, 3})}},
      {K::kMseLossBackward, "sum", Call(K::kMseLossBackward, {{"reduction", 2}}), {F({}), F({4}), F({4})}},
      {K::kSelectBackward, "", Call(K::kSelectBackward, {{"input_sizes", Ints{3, 4}}, {"dim", 1}, {"index", 2}}),
       {F({3})}},
      {K::kSelectBackward, "first, negative dim",
       Call(K::kSelectBackward, {{"input_sizes", Ints{3, 4}}, {"dim", -2}, {"index", 0}}), {F({4})}},
      {K::kSelectBackward, "last, negative index",
       Call(K::kSelectBackward, {{"input_sizes", Ints{2, 3, 2}}, {"dim", 1}, {"index", -1}}), {F({2, 2})}},
      {K::kSliceBackward, "step",
       Call(K::kSliceBackward, {{"input_sizes", Ints{10, 4}}, {"dim", 0}, {"start", 2}, {"end", 8}, {"step", 3}}),
       {F({2, 4})}},
      {K::kSliceBackward, "middle",
       Call(K::kSliceBackward, {{"input_sizes", Ints{3, 6}}, {"dim", 1}, {"start", 1}, {"end", 4}, {"step", 1}}),
       {F({3, 3})}},
      {K::kSliceBackward, "negative start to the end",
       Call(K::kSliceBackward, {{"input_sizes", Ints{5, 2}}, {"dim", 0}, {"start", -2}, {"end", 100}, {"step", 1}}),
       {F({2, 2})}},
  };
}

}  // namespace

std::vector<DecompCase> DecompositionCases() {
  std::vector<DecompCase> all;
  for (std::vector<DecompCase> cases : {ElementwiseCases(), ReductionCases(), ShapeCases(), LinearAlgebraCases(),
                                        NeuralNetworkCases(), CreationCases(), PoolingBackwardCases(),
                                        BackwardCases()}) {
    for (DecompCase& c : cases) all.push_back(std::move(c));
  }
  return all;
}

std::string CaseName(const DecompCase& c) { return op_testing::CaseName(c.op, c.what); }

}  // namespace aot::decomp_test
