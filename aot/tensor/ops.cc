#include "aot/tensor/ops.h"

#include <atomic>
#include <mutex>

namespace aot {
namespace {

using ir::AttrValue;
using K = ir::OpKind;

Tensor Un(K k, const Tensor& x, const ir::AttrList& attrs = {}) { return CallOp1(k, {x}, attrs); }
Tensor Bin(K k, const Tensor& a, const Tensor& b, const ir::AttrList& attrs = {}) {
  return CallOp1(k, {a, b}, attrs);
}
AttrValue Dims(std::vector<int64_t> dims) { return dims.empty() ? AttrValue::None() : AttrValue(std::move(dims)); }
AttrValue Opt(std::optional<int64_t> v) { return v ? AttrValue(*v) : AttrValue::None(); }
AttrValue Opt(std::optional<double> v) { return v ? AttrValue(*v) : AttrValue::None(); }

Tensor WithGrad(Tensor t, const TensorOptions& o) {
  if (o.requires_grad) t.set_requires_grad(true);
  return t;
}

struct GlobalGenerator {
  std::mutex mu;
  uint64_t seed = 0x5eed;
  uint64_t offset = 0;
};
GlobalGenerator& Gen() {
  static GlobalGenerator* g = new GlobalGenerator;
  return *g;
}

Tensor& Assign(Tensor& self, const Tensor& result) {
  if (!result.ok()) self = result;  // Propagate the error; see Note [Error tensors].
  return self;
}

}  // namespace

// --- Creation ---------------------------------------------------------------

Tensor full(std::vector<int64_t> size, double value, TensorOptions o) {
  return WithGrad(CallOp1(K::kFull, {}, {{"size", std::move(size)}, {"fill_value", value}, {"dtype", o.dtype},
                                         {"device", o.device}}),
                  o);
}
Tensor zeros(std::vector<int64_t> size, TensorOptions o) {
  return WithGrad(CallOp1(K::kZeros, {}, {{"size", std::move(size)}, {"dtype", o.dtype}, {"device", o.device}}), o);
}
Tensor ones(std::vector<int64_t> size, TensorOptions o) {
  return WithGrad(CallOp1(K::kOnes, {}, {{"size", std::move(size)}, {"dtype", o.dtype}, {"device", o.device}}), o);
}
Tensor arange(double start, double end, double step, std::optional<DType> dtype, Device device) {
  auto num = [](double v) {
    return v == static_cast<double>(static_cast<int64_t>(v)) ? AttrValue(static_cast<int64_t>(v)) : AttrValue(v);
  };
  return CallOp1(K::kArange, {},
                 {{"start", num(start)}, {"end", num(end)}, {"step", num(step)},
                  {"dtype", dtype ? AttrValue(*dtype) : AttrValue::None()}, {"device", device}});
}
Tensor arange(int64_t end) { return arange(0, static_cast<double>(end)); }

void SetGlobalSeed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(Gen().mu);
  Gen().seed = seed;
  Gen().offset = 0;
}

Tensor NextSeedTensor(int64_t numel) {
  uint64_t seed, offset;
  {
    std::lock_guard<std::mutex> lock(Gen().mu);
    seed = Gen().seed;
    offset = Gen().offset;
    // Keep offsets aligned to Philox blocks of four.
    Gen().offset += (static_cast<uint64_t>(std::max<int64_t>(numel, 0)) + 3) / 4 * 4;
  }
  return Tensor::FromVector<int64_t>({static_cast<int64_t>(seed), static_cast<int64_t>(offset)}, {2});
}

Tensor rand(std::vector<int64_t> size, uint64_t seed, uint64_t offset, TensorOptions o) {
  Tensor s = Tensor::FromVector<int64_t>({static_cast<int64_t>(seed), static_cast<int64_t>(offset)}, {2});
  return WithGrad(CallOp1(K::kRand, {s}, {{"size", std::move(size)}, {"dtype", o.dtype}, {"device", o.device}}), o);
}
Tensor randn(std::vector<int64_t> size, uint64_t seed, uint64_t offset, TensorOptions o) {
  Tensor s = Tensor::FromVector<int64_t>({static_cast<int64_t>(seed), static_cast<int64_t>(offset)}, {2});
  return WithGrad(CallOp1(K::kRandn, {s}, {{"size", std::move(size)}, {"dtype", o.dtype}, {"device", o.device}}),
                  o);
}
Tensor rand(std::vector<int64_t> size, TensorOptions o) {
  return WithGrad(
      CallOp1(K::kRand, {Tensor()}, {{"size", std::move(size)}, {"dtype", o.dtype}, {"device", o.device}}), o);
}
Tensor randn(std::vector<int64_t> size, TensorOptions o) {
  return WithGrad(
      CallOp1(K::kRandn, {Tensor()}, {{"size", std::move(size)}, {"dtype", o.dtype}, {"device", o.device}}), o);
}
Tensor zeros_like(const Tensor& t) { return Un(K::kZerosLike, t); }
Tensor ones_like(const Tensor& t) { return Un(K::kOnesLike, t); }
Tensor full_like(const Tensor& t, double value) { return Un(K::kFullLike, t, {{"fill_value", value}}); }
Tensor scalar_tensor(double value, DType dtype) {
  return CallOp1(K::kFull, {}, {{"size", std::vector<int64_t>{}}, {"fill_value", value}, {"dtype", dtype}});
}

// --- Elementwise --------------------------------------------------------------

Tensor neg(const Tensor& x) { return Un(K::kNeg, x); }
Tensor abs(const Tensor& x) { return Un(K::kAbs, x); }
Tensor exp(const Tensor& x) { return Un(K::kExp, x); }
Tensor log(const Tensor& x) { return Un(K::kLog, x); }
Tensor log1p(const Tensor& x) { return Un(K::kLog1p, x); }
Tensor expm1(const Tensor& x) { return Un(K::kExpm1, x); }
Tensor sqrt(const Tensor& x) { return Un(K::kSqrt, x); }
Tensor rsqrt(const Tensor& x) { return Un(K::kRsqrt, x); }
Tensor reciprocal(const Tensor& x) { return Un(K::kReciprocal, x); }
Tensor sin(const Tensor& x) { return Un(K::kSin, x); }
Tensor cos(const Tensor& x) { return Un(K::kCos, x); }
Tensor tanh(const Tensor& x) { return Un(K::kTanh, x); }
Tensor sigmoid(const Tensor& x) { return Un(K::kSigmoid, x); }
Tensor relu(const Tensor& x) { return Un(K::kRelu, x); }
Tensor erf(const Tensor& x) { return Un(K::kErf, x); }
Tensor sign(const Tensor& x) { return Un(K::kSign, x); }
Tensor gelu(const Tensor& x, const std::string& approximate) { return Un(K::kGelu, x, {{"approximate", approximate}}); }
Tensor silu(const Tensor& x) { return Un(K::kSilu, x); }
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  return Un(K::kClamp, x, {{"min", Opt(min)}, {"max", Opt(max)}});
}
Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  return alpha == 1 ? Bin(K::kAdd, a, b) : Bin(K::kAdd, a, b, {{"alpha", alpha}});
}
Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  return alpha == 1 ? Bin(K::kSub, a, b) : Bin(K::kSub, a, b, {{"alpha", alpha}});
}
Tensor mul(const Tensor& a, const Tensor& b) { return Bin(K::kMul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return Bin(K::kDiv, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) { return Bin(K::kPow, a, b); }
Tensor pow(const Tensor& a, double exponent) { return Un(K::kPowScalar, a, {{"exponent", exponent}}); }
Tensor maximum(const Tensor& a, const Tensor& b) { return Bin(K::kMaximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return Bin(K::kMinimum, a, b); }
Tensor eq(const Tensor& a, const Tensor& b) { return Bin(K::kEq, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return Bin(K::kNe, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return Bin(K::kLt, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return Bin(K::kLe, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return Bin(K::kGt, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return Bin(K::kGe, a, b); }
Tensor where(const Tensor& c, const Tensor& a, const Tensor& b) { return CallOp1(K::kWhere, {c, a, b}); }
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  return Bin(K::kMaskedFill, x, mask, {{"value", value}});
}

// --- Reductions -----------------------------------------------------------------

Tensor sum(const Tensor& x, std::vector<int64_t> dims, bool keepdim, std::optional<DType> dtype) {
  return Un(K::kSum, x, {{"dim", Dims(std::move(dims))}, {"keepdim", keepdim},
                          {"dtype", dtype ? AttrValue(*dtype) : AttrValue::None()}});
}
Tensor mean(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return Un(K::kMean, x, {{"dim", Dims(std::move(dims))}, {"keepdim", keepdim}});
}
Tensor amax(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return Un(K::kAmax, x, {{"dim", std::move(dims)}, {"keepdim", keepdim}});
}
Tensor amin(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return Un(K::kAmin, x, {{"dim", std::move(dims)}, {"keepdim", keepdim}});
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return Un(K::kArgmax, x, {{"dim", Opt(dim)}, {"keepdim", keepdim}});
}
Tensor var(const Tensor& x, std::vector<int64_t> dims, int64_t correction, bool keepdim) {
  return Un(K::kVar, x, {{"dim", Dims(std::move(dims))}, {"correction", correction}, {"keepdim", keepdim}});
}
Tensor stddev(const Tensor& x, std::vector<int64_t> dims, int64_t correction, bool keepdim) {
  return Un(K::kStd, x, {{"dim", Dims(std::move(dims))}, {"correction", correction}, {"keepdim", keepdim}});
}
Tensor logsumexp(const Tensor& x, std::vector<int64_t> dims, bool keepdim) {
  return Un(K::kLogsumexp, x, {{"dim", std::move(dims)}, {"keepdim", keepdim}});
}

// --- Shapes and views --------------------------------------------------------------

Tensor reshape(const Tensor& x, std::vector<int64_t> shape) { return Un(K::kReshape, x, {{"shape", std::move(shape)}}); }
Tensor view(const Tensor& x, std::vector<int64_t> shape) { return Un(K::kView, x, {{"size", std::move(shape)}}); }
Tensor permute(const Tensor& x, std::vector<int64_t> dims) { return Un(K::kPermute, x, {{"dims", std::move(dims)}}); }
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  return Un(K::kTranspose, x, {{"dim0", dim0}, {"dim1", dim1}});
}
Tensor expand(const Tensor& x, std::vector<int64_t> sizes) { return Un(K::kExpand, x, {{"size", std::move(sizes)}}); }
Tensor squeeze(const Tensor& x, std::optional<std::vector<int64_t>> dims) {
  return Un(K::kSqueeze, x, {{"dim", dims ? AttrValue(*dims) : AttrValue::None()}});
}
Tensor unsqueeze(const Tensor& x, int64_t dim) { return Un(K::kUnsqueeze, x, {{"dim", dim}}); }
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  return Un(K::kSlice, x, {{"dim", dim}, {"start", Opt(start)}, {"end", Opt(end)}, {"step", step}});
}
Tensor select(const Tensor& x, int64_t dim, int64_t index) { return Un(K::kSelect, x, {{"dim", dim}, {"index", index}}); }
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  return CallOp(K::kSplit, {x}, {{"split_size", split_size}, {"dim", dim}});
}
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  return CallOp(K::kChunk, {x}, {{"chunks", chunks}, {"dim", dim}});
}
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  absl::StatusOr<std::vector<Tensor>> r = Dispatch(K::kCat, {tensors}, {{"dim", dim}});
  return r.ok() ? (*r)[0] : Tensor::Error(r.status());
}
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  absl::StatusOr<std::vector<Tensor>> r = Dispatch(K::kStack, {tensors}, {{"dim", dim}});
  return r.ok() ? (*r)[0] : Tensor::Error(r.status());
}
Tensor triu(const Tensor& x, int64_t diagonal) { return Un(K::kTriu, x, {{"diagonal", diagonal}}); }
Tensor tril(const Tensor& x, int64_t diagonal) { return Un(K::kTril, x, {{"diagonal", diagonal}}); }
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  return Bin(K::kIndexSelect, x, index, {{"dim", dim}});
}
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) { return Bin(K::kGather, x, index, {{"dim", dim}}); }
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  return CallOp1(K::kScatterAdd, {x, index, src}, {{"dim", dim}});
}
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, double alpha) {
  return CallOp1(K::kIndexAdd, {x, index, source}, {{"dim", dim}, {"alpha", alpha}});
}

// --- Linear algebra ---------------------------------------------------------------

Tensor matmul(const Tensor& a, const Tensor& b) { return Bin(K::kMatmul, a, b); }
Tensor mm(const Tensor& a, const Tensor& b) { return Bin(K::kMm, a, b); }
Tensor bmm(const Tensor& a, const Tensor& b) { return Bin(K::kBmm, a, b); }
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, double beta, double alpha) {
  return CallOp1(K::kAddmm, {bias, a, b}, {{"beta", beta}, {"alpha", alpha}});
}
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  return CallOp1(K::kLinear, {x, weight, bias});
}

// --- Neural-network ops ---------------------------------------------------------

Tensor softmax(const Tensor& x, int64_t dim) { return Un(K::kSoftmax, x, {{"dim", dim}}); }
Tensor log_softmax(const Tensor& x, int64_t dim) { return Un(K::kLogSoftmax, x, {{"dim", dim}}); }
std::tuple<Tensor, Tensor, Tensor> layer_norm(const Tensor& x, std::vector<int64_t> normalized_shape,
                                              const Tensor& weight, const Tensor& bias, double eps) {
  std::vector<Tensor> r =
      CallOp(K::kLayerNorm, {x, weight, bias}, {{"normalized_shape", std::move(normalized_shape)}, {"eps", eps}});
  return {r[0], r[r.size() > 1 ? 1 : 0], r[r.size() > 2 ? 2 : 0]};
}
std::vector<Tensor> batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                               const Tensor& running_mean, const Tensor& running_var, bool training,
                               double momentum, double eps) {
  return CallOp(K::kBatchNorm, {x, weight, bias, running_mean, running_var},
                {{"training", training}, {"momentum", momentum}, {"eps", eps}});
}
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, std::vector<int64_t> stride,
              std::vector<int64_t> padding, std::vector<int64_t> dilation, int64_t groups) {
  return CallOp1(K::kConv2d, {x, weight, bias},
                 {{"stride", std::move(stride)}, {"padding", std::move(padding)}, {"dilation", std::move(dilation)},
                  {"groups", groups}});
}
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, std::vector<int64_t> kernel_size,
                                                   std::vector<int64_t> stride, std::vector<int64_t> padding,
                                                   std::vector<int64_t> dilation, bool ceil_mode) {
  std::vector<Tensor> r = CallOp(K::kMaxPool2dWithIndices, {x},
                                 {{"kernel_size", std::move(kernel_size)}, {"stride", std::move(stride)},
                                  {"padding", std::move(padding)}, {"dilation", std::move(dilation)},
                                  {"ceil_mode", ceil_mode}});
  return {r[0], r[r.size() > 1 ? 1 : 0]};
}
Tensor avg_pool2d(const Tensor& x, std::vector<int64_t> kernel_size, std::vector<int64_t> stride,
                  std::vector<int64_t> padding, bool ceil_mode, bool count_include_pad) {
  return Un(K::kAvgPool2d, x,
            {{"kernel_size", std::move(kernel_size)}, {"stride", std::move(stride)}, {"padding", std::move(padding)},
             {"ceil_mode", ceil_mode}, {"count_include_pad", count_include_pad}});
}
Tensor adaptive_avg_pool2d(const Tensor& x, std::vector<int64_t> output_size) {
  return Un(K::kAdaptiveAvgPool2d, x, {{"output_size", std::move(output_size)}});
}
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx) {
  return Bin(K::kEmbedding, weight, indices, {{"padding_idx", padding_idx}});
}
std::tuple<Tensor, Tensor> dropout(const Tensor& x, double p, bool train, const Tensor& seed) {
  std::vector<Tensor> r = CallOp(K::kDropout, {x, seed}, {{"p", p}, {"train", train}});
  return {r[0], r[r.size() > 1 ? 1 : 0]};
}
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight, int64_t reduction,
                int64_t ignore_index) {
  return CallOp1(K::kNllLoss, {log_probs, target, weight},
                 {{"reduction", reduction}, {"ignore_index", ignore_index}});
}
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight, int64_t reduction,
                     int64_t ignore_index, double label_smoothing) {
  return CallOp1(K::kCrossEntropy, {logits, target, weight},
                 {{"reduction", reduction}, {"ignore_index", ignore_index}, {"label_smoothing", label_smoothing}});
}
Tensor mse_loss(const Tensor& x, const Tensor& target, int64_t reduction) {
  return Bin(K::kMseLoss, x, target, {{"reduction", reduction}});
}

// --- Tensor methods and operators --------------------------------------------------

Tensor Tensor::neg() const { return aot::neg(*this); }
Tensor Tensor::abs() const { return aot::abs(*this); }
Tensor Tensor::exp() const { return aot::exp(*this); }
Tensor Tensor::log() const { return aot::log(*this); }
Tensor Tensor::log1p() const { return aot::log1p(*this); }
Tensor Tensor::expm1() const { return aot::expm1(*this); }
Tensor Tensor::sqrt() const { return aot::sqrt(*this); }
Tensor Tensor::rsqrt() const { return aot::rsqrt(*this); }
Tensor Tensor::reciprocal() const { return aot::reciprocal(*this); }
Tensor Tensor::sin() const { return aot::sin(*this); }
Tensor Tensor::cos() const { return aot::cos(*this); }
Tensor Tensor::tanh() const { return aot::tanh(*this); }
Tensor Tensor::sigmoid() const { return aot::sigmoid(*this); }
Tensor Tensor::relu() const { return aot::relu(*this); }
Tensor Tensor::erf() const { return aot::erf(*this); }
Tensor Tensor::sign() const { return aot::sign(*this); }
Tensor Tensor::pow(double exponent) const { return aot::pow(*this, exponent); }
Tensor Tensor::pow(const Tensor& exponent) const { return aot::pow(*this, exponent); }
Tensor Tensor::sum(std::vector<int64_t> dims, bool keepdim) const { return aot::sum(*this, std::move(dims), keepdim); }
Tensor Tensor::mean(std::vector<int64_t> dims, bool keepdim) const { return aot::mean(*this, std::move(dims), keepdim); }
Tensor Tensor::amax(std::vector<int64_t> dims, bool keepdim) const { return aot::amax(*this, std::move(dims), keepdim); }
Tensor Tensor::amin(std::vector<int64_t> dims, bool keepdim) const { return aot::amin(*this, std::move(dims), keepdim); }
Tensor Tensor::argmax(int64_t dim, bool keepdim) const { return aot::argmax(*this, dim, keepdim); }
Tensor Tensor::reshape(std::vector<int64_t> shape) const { return aot::reshape(*this, std::move(shape)); }
Tensor Tensor::view(std::vector<int64_t> shape) const { return aot::view(*this, std::move(shape)); }
Tensor Tensor::permute(std::vector<int64_t> dims) const { return aot::permute(*this, std::move(dims)); }
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return aot::transpose(*this, dim0, dim1); }
Tensor Tensor::expand(std::vector<int64_t> sizes) const { return aot::expand(*this, std::move(sizes)); }
Tensor Tensor::squeeze(std::vector<int64_t> dims) const { return aot::squeeze(*this, std::move(dims)); }
Tensor Tensor::squeeze() const { return aot::squeeze(*this); }
Tensor Tensor::unsqueeze(int64_t dim) const { return aot::unsqueeze(*this, dim); }
Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  return aot::slice(*this, dim, start, end, step);
}
Tensor Tensor::select(int64_t dim, int64_t index) const { return aot::select(*this, dim, index); }
Tensor Tensor::matmul(const Tensor& other) const { return aot::matmul(*this, other); }
Tensor Tensor::softmax(int64_t dim) const { return aot::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return aot::log_softmax(*this, dim); }
Tensor Tensor::masked_fill(const Tensor& mask, double value) const { return aot::masked_fill(*this, mask, value); }

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  return Assign(*this, alpha == 1 ? Bin(K::kAdd_, *this, other) : Bin(K::kAdd_, *this, other, {{"alpha", alpha}}));
}
Tensor& Tensor::add_(double other) { return Assign(*this, Un(K::kAddScalar_, *this, {{"other", other}})); }
Tensor& Tensor::sub_(const Tensor& other, double alpha) {
  return Assign(*this, alpha == 1 ? Bin(K::kSub_, *this, other) : Bin(K::kSub_, *this, other, {{"alpha", alpha}}));
}
Tensor& Tensor::mul_(const Tensor& other) { return Assign(*this, Bin(K::kMul_, *this, other)); }
Tensor& Tensor::mul_(double other) { return Assign(*this, Un(K::kMulScalar_, *this, {{"other", other}})); }
Tensor& Tensor::div_(const Tensor& other) { return Assign(*this, Bin(K::kDiv_, *this, other)); }
Tensor& Tensor::div_(double other) { return Assign(*this, Un(K::kDivScalar_, *this, {{"other", other}})); }
Tensor& Tensor::copy_(const Tensor& src) { return Assign(*this, Bin(K::kCopy_, *this, src)); }
Tensor& Tensor::fill_(double value) { return Assign(*this, Un(K::kFill_, *this, {{"value", value}})); }
Tensor& Tensor::zero_() { return Assign(*this, Un(K::kZero_, *this)); }
Tensor& Tensor::relu_() { return Assign(*this, Un(K::kRelu_, *this)); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return Un(K::kAddScalar, a, {{"other", b}}); }
Tensor operator-(const Tensor& a, double b) { return Un(K::kSubScalar, a, {{"other", b}}); }
Tensor operator*(const Tensor& a, double b) { return Un(K::kMulScalar, a, {{"other", b}}); }
Tensor operator/(const Tensor& a, double b) { return Un(K::kDivScalar, a, {{"other", b}}); }
Tensor operator+(double a, const Tensor& b) { return b + a; }
Tensor operator-(double a, const Tensor& b) { return Un(K::kRsubScalar, b, {{"other", a}}); }
Tensor operator*(double a, const Tensor& b) { return b * a; }
Tensor operator-(const Tensor& a) { return neg(a); }

}  // namespace aot
