// Checks every CUDA kernel against the CPU kernel of the same op on random
// inputs: one case list, parameterized over dtype (per-dtype tolerances),
// plus the allocator, device copies and error paths. Every case skips,
// saying why, where no GPU is usable.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "aot/backends/cuda/cuda.h"
#include "aot/backends/cuda/cuda_allocator.h"
#include "aot/backends/cuda/cuda_status.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "gtest/gtest.h"

namespace aot::cuda {
namespace {

using ir::OpKind;
using Tensors = std::vector<Tensor>;

// Skips the test, saying why, without a usable GPU.
#define AOT_REQUIRE_GPU()                                                         \
  do {                                                                            \
    absl::StatusOr<int> count = DeviceCount();                                    \
    if (!count.ok()) GTEST_SKIP() << "needs a CUDA GPU: " << count.status();      \
  } while (false)

// --- Inputs -----------------------------------------------------------------------

enum class Kind { kNormal, kPositive, kIndex, kBool };

struct In {
  std::vector<int64_t> shape;
  Kind kind = Kind::kNormal;
  int64_t max = 0;  // kIndex: values in [0, max).
};

In N(std::vector<int64_t> s) { return In{std::move(s), Kind::kNormal, 0}; }
In P(std::vector<int64_t> s) { return In{std::move(s), Kind::kPositive, 0}; }
In I(std::vector<int64_t> s, int64_t max) { return In{std::move(s), Kind::kIndex, max}; }
In B(std::vector<int64_t> s) { return In{std::move(s), Kind::kBool, 0}; }

Tensor Make(const In& in, DType dtype, uint64_t seed) {
  switch (in.kind) {
    case Kind::kNormal:
      return randn(in.shape, seed).to(dtype);
    case Kind::kPositive:
      return (rand(in.shape, seed) + 0.5).to(dtype);
    case Kind::kIndex:
      return (rand(in.shape, seed) * static_cast<double>(in.max)).to(DType::kInt64);
    case Kind::kBool:
      return lt(rand(in.shape, seed), full(in.shape, 0.5));
  }
  return Tensor();
}

// --- Cases ------------------------------------------------------------------------

using Fn = std::function<Tensors(const Tensors& in, Device device, DType dtype)>;

struct Case {
  std::string name;
  std::vector<In> inputs;
  Fn fn;
  double tol_scale = 1;  // Multiplies the dtype's tolerance (long sums).
  std::vector<DType> dtypes = {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16};
  double min_tol = 0;  // A floor on the tolerance (float-precision streams in f64).
};

const std::vector<DType> kAll = {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16,
                                 DType::kInt32,   DType::kInt64};
const std::vector<DType> kF32 = {DType::kFloat32, DType::kFloat64};

// The inputs followed by absent optional operands up to the schema's count.
Tensors Padded(OpKind k, Tensors in) {
  while (in.size() < ir::GetOpDef(k).schema().tensor_args().size()) in.push_back(Tensor());
  return in;
}
Fn Op1(OpKind k, ir::AttrList attrs = {}) {
  return [k, attrs](const Tensors& in, Device, DType) { return Tensors{CallOp1(k, Padded(k, in), attrs)}; };
}
Fn OpN(OpKind k, ir::AttrList attrs = {}) {
  return [k, attrs](const Tensors& in, Device, DType) { return CallOp(k, Padded(k, in), attrs); };
}
// `t` on `d` (CPU tensors reach a GPU through CopyToDevice).
Tensor On(const Tensor& t, Device d) { return d.is_cpu() ? t : CopyToDevice(t, d).value(); }
Fn F(std::function<Tensor(const Tensors&)> f) {
  return [f](const Tensors& in, Device, DType) { return Tensors{f(in)}; };
}

std::vector<Case> Cases() {
  using K = OpKind;
  std::vector<Case> c;
  auto add = [&](Case x) { c.push_back(std::move(x)); };
  // Elementwise unary (contiguous, and a transposed input for the strided path).
  for (auto [name, k, positive] : std::vector<std::tuple<const char*, K, bool>>{
           {"neg", K::kNeg, false},      {"abs", K::kAbs, false},         {"exp", K::kExp, false},
           {"log", K::kLog, true},       {"log1p", K::kLog1p, true},      {"expm1", K::kExpm1, false},
           {"sqrt", K::kSqrt, true},     {"rsqrt", K::kRsqrt, true},      {"reciprocal", K::kReciprocal, true},
           {"sin", K::kSin, false},      {"cos", K::kCos, false},         {"tanh", K::kTanh, false},
           {"sigmoid", K::kSigmoid, false}, {"relu", K::kRelu, false},    {"erf", K::kErf, false},
           {"sign", K::kSign, false},    {"silu", K::kSilu, false},       {"gelu", K::kGelu, false}}) {
    add({name, {positive ? P({33, 65}) : N({33, 65})}, Op1(k)});
    add({absl::StrCat(name, "_strided"), {positive ? P({40, 24}) : N({40, 24})},
         F([k = k](const Tensors& in) { return CallOp1(k, {in[0].t()}); })});
  }
  add({"gelu_tanh", {N({1000})}, Op1(K::kGelu, {{"approximate", "tanh"}})});
  add({"clamp", {N({1001})}, Op1(K::kClamp, {{"min", -0.5}, {"max", 0.7}})});
  add({"neg_int", {I({257}, 100)}, Op1(K::kNeg), 1, {DType::kInt64}});
  // Binary with broadcasting, scalars, comparisons.
  add({"add_broadcast", {N({4, 1, 5}), N({3, 5})}, Op1(K::kAdd, {{"alpha", 2.0}})});
  add({"add_contiguous", {N({1027}), N({1027})}, Op1(K::kAdd)});
  add({"sub", {N({7, 9}), N({9})}, Op1(K::kSub)});
  add({"mul_strided", {N({16, 12}), N({12, 16})},
       F([](const Tensors& in) { return in[0] * in[1].t(); })});
  add({"div", {N({64}), P({64})}, Op1(K::kDiv)});
  add({"pow", {P({100}), N({100})}, Op1(K::kPow)});
  add({"maximum", {N({5, 6}), N({6})}, Op1(K::kMaximum)});
  add({"minimum", {N({5, 6}), N({5, 1})}, Op1(K::kMinimum)});
  add({"lt", {N({300}), N({300})}, Op1(K::kLt)});
  add({"ge", {N({30, 10}), N({10})}, Op1(K::kGe)});
  add({"eq_int", {I({500}, 4), I({500}, 4)}, Op1(K::kEq), 1, {DType::kInt64}});
  add({"add_int", {I({6, 5}, 50), I({5}, 50)}, Op1(K::kAdd, {{"alpha", 3}}), 1, {DType::kInt64}});
  add({"add_scalar", {N({99})}, Op1(K::kAddScalar, {{"other", 1.5}, {"alpha", 2.0}})});
  add({"rsub_scalar", {N({99})}, Op1(K::kRsubScalar, {{"other", 3.0}})});
  add({"mul_scalar", {N({3, 33})}, Op1(K::kMulScalar, {{"other", -0.25}})});
  add({"div_scalar", {N({77})}, Op1(K::kDivScalar, {{"other", 3.0}})});
  add({"pow_scalar", {P({77})}, Op1(K::kPowScalar, {{"exponent", 2.5}})});
  add({"gt_scalar", {N({77})}, Op1(K::kGtScalar, {{"other", 0.1}})});
  add({"where", {B({8, 9}), N({8, 9}), N({9})}, Op1(K::kWhere)});
  add({"masked_fill", {N({8, 9}), B({9})},
       F([](const Tensors& in) { return in[0].masked_fill(in[1], -2.5); })});
  // The elementwise engine's paths (Note [Elementwise paths]): inner-vector
  // broadcasts (a row, a column, aligned or not), strided with odd sizes.
  add({"add_broadcast_row", {N({33, 64}), N({64})}, Op1(K::kAdd)});
  add({"add_broadcast_col", {N({33, 64}), N({33, 1})}, Op1(K::kMul)});
  add({"add_broadcast_3d", {N({4, 5, 48}), N({5, 1})}, Op1(K::kSub)});
  add({"add_broadcast_odd", {N({33, 65}), N({65})}, Op1(K::kAdd, {{"alpha", -1.5}})});
  add({"add_broadcast_unaligned", {N({33, 66}), N({64})},
       F([](const Tensors& in) { return in[0].slice(1, 1, 65) + in[1]; })});
  add({"mul_broadcast_int", {I({40, 32}, 50), I({32}, 50)}, Op1(K::kMul), 1, {DType::kInt32, DType::kInt64}});
  add({"gt_broadcast_row", {N({17, 32}), N({32})}, Op1(K::kGt)});
  add({"where_broadcast_large", {B({64, 1}), N({64, 96}), N({96})}, Op1(K::kWhere)});
  // Tiled transposes (any dtype, odd sizes, 2-4 dims, either side strided).
  add({"transpose_copy", {N({67, 130})}, F([](const Tensors& in) { return in[0].t().contiguous(); }), 1, kAll});
  add({"permute_copy_3d", {N({5, 37, 70})},
       F([](const Tensors& in) { return in[0].permute({2, 0, 1}).contiguous(); }), 1, kAll});
  add({"transpose_copy_vec", {N({72, 136})}, F([](const Tensors& in) { return in[0].t().contiguous(); }), 1, kAll});
  add({"permute_copy_vec_3d", {N({3, 40, 48})},
       F([](const Tensors& in) { return in[0].permute({0, 2, 1}).contiguous(); }), 1, kAll});
  add({"permute_copy_4d", {N({3, 4, 33, 65})},
       F([](const Tensors& in) { return in[0].permute({0, 3, 1, 2}).contiguous(); })});
  add({"transpose_cast", {N({50, 90})}, F([](const Tensors& in) {
         return in[0].t().to(in[0].dtype() == DType::kFloat64 ? DType::kFloat32 : DType::kFloat64);
       })});
  add({"copy_into_transposed", {N({90, 70}), N({70, 90})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         x.t().copy_(in[1]);
         return x;
       }), 1, kAll});
  add({"gelu_transposed", {N({100, 80})}, F([](const Tensors& in) { return gelu(in[0].t()); })});
  // In place, copies, conversions.
  add({"add_inplace_view", {N({10, 12}), N({12})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         Tensor v = x.slice(0, 2, 8);
         v.add_(in[1], 0.5);
         return x;
       })});
  add({"copy_inplace_transposed", {N({10, 12}), N({12, 10})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         x.copy_(in[1].t());
         return x;
       })});
  add({"relu_inplace", {N({50})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         x.relu_();
         return x;
       })});
  add({"fill_zero", {N({5, 7})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         x.slice(1, 1, 3).fill_(4.0);
         x.slice(0, 3, 5).zero_();
         return x;
       })});
  add({"to_f16", {N({5, 7})}, F([](const Tensors& in) { return in[0].to(DType::kFloat16); })});
  add({"to_i32", {N({5, 7})}, F([](const Tensors& in) { return (in[0] * 10.0).to(DType::kInt32); })});
  add({"to_bool", {N({5, 7})}, F([](const Tensors& in) { return in[0].to(DType::kBool); })});
  add({"clone_permuted", {N({3, 4, 5})}, F([](const Tensors& in) { return in[0].permute({2, 0, 1}).contiguous(); })});
  add({"masked_fill_inplace", {N({8, 9}), B({8, 9})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         return CallOp1(OpKind::kMaskedFill_, {x, in[1]}, {{"value", 1.0}});
       })});
  // Elementwise backward ops.
  add({"threshold_backward", {N({200}), N({200})}, Op1(K::kThresholdBackward, {{"threshold", 0.0}})});
  add({"sigmoid_backward", {N({200}), N({200})}, Op1(K::kSigmoidBackward)});
  add({"tanh_backward", {N({200}), N({200})}, Op1(K::kTanhBackward)});
  add({"gelu_backward", {N({200}), N({200})}, Op1(K::kGeluBackward)});
  add({"gelu_backward_tanh", {N({200}), N({200})}, Op1(K::kGeluBackward, {{"approximate", "tanh"}})});
  add({"silu_backward", {N({200}), N({200})}, Op1(K::kSiluBackward)});
  // Reductions: rows (short, long: split), columns, non-adjacent dims, all.
  add({"sum_all", {N({37, 41})}, F([](const Tensors& in) { return in[0].sum(); }), 8});
  add({"sum_rows", {N({300, 70})}, F([](const Tensors& in) { return in[0].sum({1}); }), 4});
  add({"sum_long_row", {N({2, 300000})}, F([](const Tensors& in) { return in[0].sum({1}); }), 100});
  add({"sum_block_rows", {N({3, 5000})}, F([](const Tensors& in) { return in[0].sum({1}, true); }), 20});
  add({"sum_cols", {N({70, 300})}, F([](const Tensors& in) { return in[0].sum({0}); }), 4});
  add({"sum_long_cols", {N({100000, 3})}, F([](const Tensors& in) { return in[0].sum({0}); }), 100});
  add({"sum_dims_0_2", {N({4, 5, 6})}, F([](const Tensors& in) { return in[0].sum({0, 2}); }), 4});
  add({"sum_int", {I({40, 50}, 100)}, F([](const Tensors& in) { return in[0].sum({1}); }), 1, {DType::kInt64}});
  // Vectorized rows (Note [Vectorized rows]): odd lengths (unaligned rows),
  // split rows with few and many partials, every dtype.
  add({"sum_all_large", {N({1000003})}, F([](const Tensors& in) { return in[0].sum(); }), 300});
  add({"sum_rows_odd", {N({37, 1001})}, F([](const Tensors& in) { return in[0].sum({1}); }), 16});
  add({"sum_block_rows_odd", {N({5, 9999})}, F([](const Tensors& in) { return in[0].sum({1}); }), 40});
  add({"sum_all_int", {I({100003}, 100)}, F([](const Tensors& in) { return in[0].sum(); }), 1,
       {DType::kInt32, DType::kInt64}});
  add({"mean_all_odd", {N({3, 7, 333})}, F([](const Tensors& in) { return in[0].mean(); }), 4});
  add({"var_all", {N({300001})}, F([](const Tensors& in) { return var(in[0], {0}); }), 16});
  add({"var_rows_odd", {N({40, 1001})}, F([](const Tensors& in) { return var(in[0], {1}); }), 4});
  add({"var_block_rows", {N({6, 4096})}, F([](const Tensors& in) { return stddev(in[0], {1}, 0); }), 4});
  add({"amax_long", {N({3, 70001})}, F([](const Tensors& in) { return in[0].amax({1}); })});
  add({"argmax_long", {N({3, 5001})}, F([](const Tensors& in) { return in[0].argmax(1); }), 1, kF32});
  add({"logsumexp_odd", {N({5, 2999})}, F([](const Tensors& in) { return logsumexp(in[0], {1}); }), 4});
  // Few columns (Note [Vectorized few columns]): inner of 2, 4, 8 with a
  // ragged tail, several slabs, a misaligned start (row mode), NaN.
  add({"sum_few_cols", {N({5000, 4})}, F([](const Tensors& in) { return in[0].sum({0}); }), 20});
  add({"sum_few_cols_2_tail", {N({4097, 2})}, F([](const Tensors& in) { return in[0].sum({0}); }), 20});
  add({"sum_few_cols_8", {N({3001, 8})}, F([](const Tensors& in) { return in[0].sum({0}); }), 20});
  add({"sum_few_cols_slabs", {N({3, 2048, 4})}, F([](const Tensors& in) { return in[0].sum({1}); }), 16});
  add({"sum_few_cols_slabs_odd", {N({3, 1025, 2})}, F([](const Tensors& in) { return in[0].sum({1}); }), 16});
  add({"sum_few_cols_long", {N({300000, 4})}, F([](const Tensors& in) { return in[0].sum({0}); }), 300});
  add({"sum_few_cols_misaligned", {N({4 * 3000 + 1})},
       F([](const Tensors& in) { return in[0].slice(0, 1, 4 * 3000 + 1).reshape({3000, 4}).sum({0}); }), 20});
  add({"sum_few_cols_nan", {N({2000, 4})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         x.slice(0, 1500, 1501).slice(1, 2, 3).fill_(NAN);
         return x.sum({0});
       }), 16});
  add({"sum_few_cols_int", {I({5000, 4}, 100)}, F([](const Tensors& in) { return in[0].sum({0}); }), 1,
       {DType::kInt32, DType::kInt64}});
  add({"mean_few_cols", {N({6000, 2})}, F([](const Tensors& in) { return in[0].mean({0}); }), 8});
  add({"amax_few_cols", {N({3000, 8})}, F([](const Tensors& in) { return in[0].amax({0}); })});
  add({"argmax_few_cols", {N({3000, 4})}, F([](const Tensors& in) { return in[0].argmax(0); }), 1, kF32});
  add({"var_few_cols", {N({5000, 2})}, F([](const Tensors& in) { return var(in[0], {0}); }), 8});
  add({"logsumexp_few_cols", {N({2000, 4})}, F([](const Tensors& in) { return logsumexp(in[0], {0}); }), 4});
  add({"mean", {N({20, 30})}, F([](const Tensors& in) { return in[0].mean({0}); })});
  add({"amax", {N({20, 3000})}, F([](const Tensors& in) { return in[0].amax({1}); })});
  add({"amin_cols", {N({20, 30})}, F([](const Tensors& in) { return in[0].amin({0}, true); })});
  add({"amax_int", {I({20, 30}, 1000)}, F([](const Tensors& in) { return in[0].amax({1}); }), 1, {DType::kInt64}});
  add({"argmax", {N({20, 333})}, F([](const Tensors& in) { return in[0].argmax(1); }), 1, kF32});
  add({"argmax_cols", {N({40, 6})}, F([](const Tensors& in) { return in[0].argmax(0); }), 1, kF32});
  add({"var", {N({16, 500})}, F([](const Tensors& in) { return var(in[0], {1}); })});
  add({"std_cols", {N({50, 16})}, F([](const Tensors& in) { return stddev(in[0], {0}, 0); })});
  add({"var_mean", {N({9, 40000})}, OpN(K::kVarMean, {{"dim", std::vector<int64_t>{1}}}), 4});
  add({"logsumexp", {N({12, 700})}, F([](const Tensors& in) { return logsumexp(in[0], {1}); })});
  add({"logsumexp_cols", {N({70, 12})}, F([](const Tensors& in) { return logsumexp(in[0], {0}); })});
  // Softmax, layer_norm and their backward ops.
  add({"softmax", {N({64, 100})}, F([](const Tensors& in) { return in[0].softmax(-1); })});
  add({"softmax_long", {N({4, 5000})}, F([](const Tensors& in) { return in[0].softmax(1); })});
  add({"softmax_dim0", {N({50, 7})}, F([](const Tensors& in) { return in[0].softmax(0); })});
  add({"softmax_masked", {N({40, 1024}), B({40, 1024})},
       F([](const Tensors& in) { return in[0].masked_fill(in[1], -INFINITY).softmax(-1); })});
  add({"log_softmax_1000", {N({33, 1000})}, F([](const Tensors& in) { return in[0].log_softmax(-1); })});
  add({"layer_norm_768", {N({50, 768}), N({768}), N({768})},
       OpN(K::kLayerNorm, {{"normalized_shape", std::vector<int64_t>{768}}}), 2});
  add({"log_softmax", {N({64, 2000})}, F([](const Tensors& in) { return in[0].log_softmax(-1); })});
  // Rows in registers (Note [Rows in registers]): short, odd
  // (scalar accesses), a block per row, and too long (the two-pass kernel).
  add({"softmax_short", {N({50, 3})}, F([](const Tensors& in) { return in[0].softmax(-1); })});
  add({"softmax_odd", {N({37, 333})}, F([](const Tensors& in) { return in[0].softmax(-1); })});
  add({"log_softmax_2049", {N({6, 2049})}, F([](const Tensors& in) { return in[0].log_softmax(-1); })});
  add({"softmax_wide", {N({3, 20000})}, F([](const Tensors& in) { return in[0].softmax(-1); })});
  add({"log_softmax_too_long", {N({2, 70000})}, F([](const Tensors& in) { return in[0].log_softmax(-1); }), 4});
  add({"softmax_nan_row", {N({4, 256})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         x.slice(0, 1, 2).slice(1, 7, 8).fill_(NAN);
         return x.softmax(-1);
       })});
  // Note [Rows in registers]: rows of 1024 (a warp), 2048 (a block for
  // 16-bit types), a misaligned start, +-inf and NaN rows, beyond the
  // registers (the two-pass kernel for every dtype).
  add({"softmax_1024", {N({40, 1024})}, F([](const Tensors& in) { return in[0].softmax(-1); })});
  add({"log_softmax_1024", {N({40, 1024})}, F([](const Tensors& in) { return in[0].log_softmax(-1); })});
  add({"softmax_2048", {N({9, 2048})}, F([](const Tensors& in) { return in[0].softmax(-1); })});
  add({"softmax_misaligned", {N({40 * 1024 + 1})}, F([](const Tensors& in) {
         return in[0].slice(0, 1, 40 * 1024 + 1).reshape({40, 1024}).softmax(-1);
       })});
  add({"log_softmax_misaligned_odd", {N({7 * 333 + 3})}, F([](const Tensors& in) {
         return in[0].slice(0, 3, 7 * 333 + 3).reshape({7, 333}).log_softmax(-1);
       })});
  add({"softmax_inf_rows", {N({4, 1024})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         x.slice(0, 0, 1).fill_(-INFINITY);
         x.slice(0, 1, 2).slice(1, 5, 6).fill_(INFINITY);
         x.slice(0, 2, 3).slice(1, 1023, 1024).fill_(NAN);
         return x.softmax(-1);
       })});
  add({"log_softmax_nan_odd", {N({3, 1001})}, F([](const Tensors& in) {
         Tensor x = in[0].clone();
         x.slice(0, 1, 2).slice(1, 1000, 1001).fill_(NAN);
         return x.log_softmax(-1);
       })});
  add({"softmax_beyond_registers", {N({2, 33000})}, F([](const Tensors& in) { return in[0].softmax(-1); }), 4});
  add({"softmax_backward", {N({32, 50}), N({32, 50})}, Op1(K::kSoftmaxBackward, {{"dim", int64_t{-1}}})});
  add({"log_softmax_backward", {N({20, 3000}), N({20, 3000})},
       Op1(K::kLogSoftmaxBackward, {{"dim", int64_t{1}}}), 10});
  add({"softmax_backward_dim0", {N({30, 5}), N({30, 5})}, Op1(K::kSoftmaxBackward, {{"dim", int64_t{0}}})});
  add({"layer_norm", {N({8, 64}), N({64}), N({64})},
       OpN(K::kLayerNorm, {{"normalized_shape", std::vector<int64_t>{64}}})});
  add({"layer_norm_long", {N({4, 3000})}, F([](const Tensors& in) {
         return CallOp(OpKind::kLayerNorm, {in[0], Tensor(), Tensor()},
                       {{"normalized_shape", std::vector<int64_t>{3000}}})[0];
       }), 4});
  add({"layer_norm_backward", {N({64, 96}), N({64, 96}), N({96})}, [](const Tensors& in, Device, DType) {
         std::vector<int64_t> ns{96};
         Tensors fwd = CallOp(OpKind::kLayerNorm, {in[1], in[2], Tensor()}, {{"normalized_shape", ns}});
         return CallOp(OpKind::kLayerNormBackward, {in[0], in[1], fwd[1], fwd[2], in[2], Tensor()},
                       {{"normalized_shape", ns}});
       }, 8});
  // layer_norm rows in registers: a warp (1024, odd 333), a block (2048,
  // 5000), beyond the registers (40000), a misaligned start, w without b,
  // NaN; the backward likewise.
  auto ln = [](int64_t n, bool weight, bool bias) {
    return [=](const Tensors& in, Device, DType) {
      return CallOp(OpKind::kLayerNorm, {in[0], weight ? in[1] : Tensor(), bias ? in[2] : Tensor()},
                    {{"normalized_shape", std::vector<int64_t>{n}}});
    };
  };
  add({"layer_norm_1024", {N({40, 1024}), N({1024}), N({1024})}, ln(1024, true, true), 2});
  add({"layer_norm_odd", {N({30, 333}), N({333}), N({333})}, ln(333, true, false), 2});
  add({"layer_norm_2048", {N({9, 2048}), N({2048}), N({2048})}, ln(2048, true, true), 4});
  add({"layer_norm_5000", {N({5, 5000}), N({5000}), N({5000})}, ln(5000, false, true), 4});
  add({"layer_norm_beyond_registers", {N({2, 40000}), N({40000}), N({40000})}, ln(40000, true, true), 8});
  add({"layer_norm_misaligned", {N({20 * 1024 + 1}), N({1024}), N({1024})}, [](const Tensors& in, Device, DType) {
         return CallOp(OpKind::kLayerNorm, {in[0].slice(0, 1, 20 * 1024 + 1).reshape({20, 1024}), in[1], in[2]},
                       {{"normalized_shape", std::vector<int64_t>{1024}}});
       }, 2});
  add({"layer_norm_nan", {N({4, 1024}), N({1024}), N({1024})}, [](const Tensors& in, Device, DType) {
         Tensor x = in[0].clone();
         x.slice(0, 2, 3).slice(1, 100, 101).fill_(NAN);
         return CallOp(OpKind::kLayerNorm, {x, in[1], in[2]}, {{"normalized_shape", std::vector<int64_t>{1024}}});
       }, 2});
  auto ln_bw = [](int64_t n, bool weight) {
    return [=](const Tensors& in, Device, DType) {
      std::vector<int64_t> ns{n};
      Tensor w = weight ? in[2] : Tensor();
      Tensors fwd = CallOp(OpKind::kLayerNorm, {in[1], w, Tensor()}, {{"normalized_shape", ns}});
      return CallOp(OpKind::kLayerNormBackward, {in[0], in[1], fwd[1], fwd[2], w, Tensor()},
                    {{"normalized_shape", ns}});
    };
  };
  add({"layer_norm_backward_1024", {N({40, 1024}), N({40, 1024}), N({1024})}, ln_bw(1024, true), 16});
  add({"layer_norm_backward_odd", {N({30, 333}), N({30, 333}), N({333})}, ln_bw(333, false), 16});
  add({"layer_norm_backward_5000", {N({6, 5000}), N({6, 5000}), N({5000})}, ln_bw(5000, true), 32});
  add({"layer_norm_backward_beyond_registers", {N({2, 20000}), N({2, 20000}), N({20000})}, ln_bw(20000, true),
       64});
  // Matrix products.
  add({"mm", {N({33, 17}), N({17, 29})}, Op1(K::kMm), 4});
  add({"mm_transposed", {N({17, 33}), N({29, 17})},
       F([](const Tensors& in) { return in[0].t().matmul(in[1].t()); }), 4});
  add({"bmm", {N({3, 8, 16}), N({3, 16, 5})}, Op1(K::kBmm), 4});
  add({"matmul_broadcast", {N({2, 1, 5, 6}), N({3, 6, 4})}, Op1(K::kMatmul), 4});
  add({"matmul_vec", {N({7, 12}), N({12})}, Op1(K::kMatmul), 4});
  add({"matmul_vec_vec", {N({12}), N({12})}, Op1(K::kMatmul), 4});
  add({"linear", {N({2, 3, 8}), N({5, 8}), N({5})}, Op1(K::kLinear), 4});
  add({"addmm", {N({6}), N({4, 10}), N({10, 6})}, Op1(K::kAddmm, {{"beta", 0.5}, {"alpha", 2.0}}), 4});
  add({"mm_large", {N({256, 512}), N({512, 128})}, Op1(K::kMm), 32});
  // Shapes and indexing.
  add({"cat", {N({3, 4}), N({3, 2}), N({3, 5})},
       F([](const Tensors& in) { return cat(in, 1); }), 1, kAll});
  add({"stack", {N({3, 4}), N({3, 4})}, F([](const Tensors& in) { return stack(in, 1); })});
  add({"triu", {N({2, 5, 7})}, F([](const Tensors& in) { return triu(in[0], 1); }), 1, kAll});
  add({"tril", {N({6, 4})}, F([](const Tensors& in) { return tril(in[0], -1); })});
  add({"index_select", {N({6, 7, 3}), I({9}, 7)}, F([](const Tensors& in) { return index_select(in[0], 1, in[1]); }),
       1, kAll});
  add({"gather", {N({5, 8}), I({5, 3}, 8)}, F([](const Tensors& in) { return gather(in[0], 1, in[1]); }), 1, kAll});
  add({"scatter_add", {N({5, 8}), I({5, 3}, 8), N({5, 4})},
       F([](const Tensors& in) { return scatter_add(in[0], 1, in[1], in[2]); }), 2});
  add({"index_add", {N({6, 4}), I({10}, 6), N({10, 4})},
       F([](const Tensors& in) { return index_add(in[0], 0, in[1], in[2], 0.5); }), 4});
  add({"embedding", {N({10, 6}), I({3, 4}, 10)}, F([](const Tensors& in) { return embedding(in[0], in[1]); })});
  add({"embedding_backward", {N({3, 4, 6}), I({3, 4}, 10)},
       Op1(K::kEmbeddingBackward, {{"num_weights", int64_t{10}}, {"padding_idx", int64_t{2}}}), 4});
  add({"select_backward", {N({4, 6})},
       Op1(K::kSelectBackward, {{"input_sizes", std::vector<int64_t>{4, 3, 6}}, {"dim", int64_t{1}},
                                {"index", int64_t{-1}}})});
  add({"slice_backward", {N({4, 2})},
       Op1(K::kSliceBackward, {{"input_sizes", std::vector<int64_t>{4, 6}}, {"dim", int64_t{1}},
                               {"start", int64_t{1}}, {"end", int64_t{5}}, {"step", int64_t{2}}})});
  // Losses.
  add({"nll_loss", {N({16, 10}), I({16}, 10), P({10})},
       Op1(K::kNllLoss, {{"ignore_index", int64_t{3}}}), 4});
  add({"cross_entropy_smoothing", {N({16, 10}), I({16}, 10)},
       Op1(K::kCrossEntropy, {{"label_smoothing", 0.1}}), 4});
  add({"cross_entropy_none", {N({16, 10}), I({16}, 10)}, Op1(K::kCrossEntropy, {{"reduction", int64_t{0}}}), 4});
  add({"nll_loss_backward", {N({}), N({16, 10}), I({16}, 10)}, Op1(K::kNllLossBackward), 4});
  add({"mse_loss", {N({20, 30}), N({20, 30})}, Op1(K::kMseLoss), 4});
  add({"mse_loss_backward", {N({}), N({20, 30}), N({20, 30})}, Op1(K::kMseLossBackward), 4});
  // Convolution (cuDNN), pooling and batch_norm.
  using V = std::vector<int64_t>;
  add({"conv2d", {N({2, 4, 9, 9}), N({6, 4, 3, 3}), N({6})}, Op1(K::kConv2d, {{"padding", V{1, 1}}}), 8});
  add({"conv2d_strided_groups", {N({2, 4, 10, 11}), N({6, 2, 3, 2})},
       Op1(K::kConv2d, {{"stride", V{2, 1}}, {"padding", V{1, 0}}, {"dilation", V{1, 2}}, {"groups", int64_t{2}}}), 8});
  add({"conv2d_backward_input", {N({2, 6, 9, 9}), N({6, 4, 3, 3})},
       Op1(K::kConv2dBackwardInput, {{"input_size", V{2, 4, 9, 9}}, {"padding", V{1, 1}}}), 8});
  add({"conv2d_backward_input_strided", {N({2, 6, 5, 5}), N({6, 2, 3, 3})},
       Op1(K::kConv2dBackwardInput,
           {{"input_size", V{2, 4, 10, 10}}, {"stride", V{2, 2}}, {"padding", V{1, 1}}, {"groups", int64_t{2}}}), 8});
  add({"conv2d_backward_weight", {N({2, 6, 9, 9}), N({2, 4, 9, 9})},
       Op1(K::kConv2dBackwardWeight, {{"weight_size", V{6, 4, 3, 3}}, {"padding", V{1, 1}}}), 32});
  add({"conv2d_backward_weight_groups", {N({2, 6, 5, 5}), N({2, 4, 10, 10})},
       Op1(K::kConv2dBackwardWeight,
           {{"weight_size", V{6, 2, 3, 3}}, {"stride", V{2, 2}}, {"padding", V{1, 1}}, {"groups", int64_t{2}}}), 32});
  add({"max_pool2d", {N({2, 3, 9, 9})},
       OpN(K::kMaxPool2dWithIndices, {{"kernel_size", V{3, 3}}, {"stride", V{2, 2}}, {"padding", V{1, 1}}})});
  add({"max_pool2d_ceil_dilation", {N({1, 2, 10, 11})},
       OpN(K::kMaxPool2dWithIndices,
           {{"kernel_size", V{3, 2}}, {"stride", V{2, 2}}, {"dilation", V{2, 1}}, {"ceil_mode", true}})});
  // Pairs of outputs (Note [Max pooling pairs] in pool.cu): odd output
  // width (scalar stores), 2x2 windows with even width (vector stores).
  add({"max_pool2d_pairs_odd", {N({2, 3, 30, 34})},
       OpN(K::kMaxPool2dWithIndices, {{"kernel_size", V{3, 3}}, {"stride", V{2, 2}}, {"padding", V{1, 1}}})});
  add({"max_pool2d_pairs_2x2", {N({1, 2, 32, 40})}, OpN(K::kMaxPool2dWithIndices, {{"kernel_size", V{2, 2}}})});
  // Note [Max pooling quads] in pool.cu (f32): rows of a multiple of 8, an
  // even and an odd number of rows.
  add({"max_pool2d_quads", {N({2, 3, 16, 24})},
       OpN(K::kMaxPool2dWithIndices, {{"kernel_size", V{3, 3}}, {"stride", V{2, 2}}, {"padding", V{1, 1}}})});
  add({"max_pool2d_quads_odd_rows", {N({3, 2, 15, 8})},
       OpN(K::kMaxPool2dWithIndices, {{"kernel_size", V{3, 3}}, {"stride", V{2, 2}}, {"padding", V{1, 1}}})});
  add({"max_pool2d_backward", {N({2, 3, 5, 5}), N({2, 3, 9, 9})}, [](const Tensors& in, Device, DType) {
         ir::AttrList attrs = {{"kernel_size", V{3, 3}}, {"stride", V{2, 2}}, {"padding", V{1, 1}}};
         Tensors fwd = CallOp(OpKind::kMaxPool2dWithIndices, {in[1]}, attrs);
         return Tensors{CallOp1(OpKind::kMaxPool2dWithIndicesBackward, {in[0], in[1], fwd[1]}, attrs)};
       }});
  add({"avg_pool2d", {N({2, 3, 9, 9})},
       Op1(K::kAvgPool2d, {{"kernel_size", V{3, 3}}, {"stride", V{2, 2}}, {"padding", V{1, 1}}, {"ceil_mode", true},
                           {"count_include_pad", false}})});
  add({"avg_pool2d_divisor", {N({2, 3, 8, 8})},
       Op1(K::kAvgPool2d, {{"kernel_size", V{2, 2}}, {"divisor_override", int64_t{3}}})});
  add({"avg_pool2d_backward", {N({2, 3, 5, 5}), N({2, 3, 9, 9})},
       Op1(K::kAvgPool2dBackward, {{"kernel_size", V{3, 3}}, {"stride", V{2, 2}}, {"padding", V{1, 1}},
                                   {"ceil_mode", true}, {"count_include_pad", false}})});
  add({"avg_pool2d_backward_include_pad", {N({1, 2, 4, 4}), N({1, 2, 8, 8})},
       Op1(K::kAvgPool2dBackward, {{"kernel_size", V{3, 3}}, {"stride", V{2, 2}}, {"padding", V{1, 1}}})});
  add({"adaptive_avg_pool2d", {N({2, 3, 10, 7})}, Op1(K::kAdaptiveAvgPool2d, {{"output_size", V{3, 4}}})});
  add({"adaptive_avg_pool2d_backward", {N({2, 3, 3, 4}), N({2, 3, 10, 7})}, Op1(K::kAdaptiveAvgPool2dBackward)});
  const ir::AttrList bn_train = {{"training", true}, {"momentum", 0.1}, {"eps", 1e-5}};
  const ir::AttrList bn_eval = {{"training", false}, {"momentum", 0.1}, {"eps", 1e-5}};
  add({"batch_norm", {N({4, 3, 5, 5}), N({3}), N({3}), N({3}), P({3})}, OpN(K::kBatchNorm, bn_train), 8});
  add({"batch_norm_no_affine_2d", {N({16, 7})}, OpN(K::kBatchNorm, bn_train), 8});
  add({"batch_norm_split", {N({8, 3, 32, 32}), N({3}), N({3})}, OpN(K::kBatchNorm, bn_train), 16});
  add({"batch_norm_backward_split", {N({8, 3, 32, 32}), N({8, 3, 32, 32})}, [](const Tensors& in, Device, DType) {
         return CallOp(OpKind::kBatchNormBackward, {in[0], in[1], Tensor(), Tensor(), Tensor(), Tensor(), Tensor()},
                       {{"training", true}, {"eps", 1e-5}});
       }, 64});
  // The fused training kernel (Note [Fused batch_norm] in pool.cu): 16-byte
  // vectors over several units per channel; single elements (s = 63).
  add({"batch_norm_fused_units", {N({16, 4, 32, 32}), N({4}), N({4}), N({4}), P({4})}, OpN(K::kBatchNorm, bn_train),
       32});
  add({"batch_norm_fused_odd", {N({40, 3, 7, 9}), N({3}), N({3}), N({3}), P({3})}, OpN(K::kBatchNorm, bn_train), 32});
  add({"batch_norm_eval", {N({4, 3, 5, 5}), N({3}), N({3}), N({3}), P({3})}, OpN(K::kBatchNorm, bn_eval), 8});
  add({"batch_norm_backward", {N({4, 3, 5, 5}), N({4, 3, 5, 5}), N({3})}, [bn_train](const Tensors& in, Device, DType) {
         Tensors fwd = CallOp(OpKind::kBatchNorm, {in[1], in[2], Tensor(), Tensor(), Tensor()}, bn_train);
         return CallOp(OpKind::kBatchNormBackward, {in[0], in[1], in[2], Tensor(), Tensor(), fwd[1], fwd[2]},
                       {{"training", true}, {"eps", 1e-5}});
       }, 16});
  add({"batch_norm_backward_recompute", {N({8, 5}), N({8, 5})}, [](const Tensors& in, Device, DType) {
         return CallOp(OpKind::kBatchNormBackward, {in[0], in[1], Tensor(), Tensor(), Tensor(), Tensor(), Tensor()},
                       {{"training", true}, {"eps", 1e-5}});
       }, 16});
  add({"batch_norm_backward_eval", {N({4, 3, 5, 5}), N({4, 3, 5, 5}), N({3}), N({3}), P({3})},
       [](const Tensors& in, Device, DType) {
         return CallOp(OpKind::kBatchNormBackward, {in[0], in[1], in[2], in[3], in[4], Tensor(), Tensor()},
                       {{"training", false}, {"eps", 1e-5}});
       }, 16});
  // Creation and random numbers (the same Philox streams as the CPU).
  add({"creation", {}, [](const Tensors&, Device d, DType t) {
         TensorOptions o{t, d};
         return Tensors{zeros({3, 4}, o), ones({5}, o), full({2, 2}, 7.5, o), arange(0, 10, 0.5, t, d)};
       }});
  add({"rand", {}, [](const Tensors&, Device d, DType t) {
         Tensor seed = On(Tensor::FromVector<int64_t>({1234, 8}, {2}), d);
         return Tensors{CallOp1(OpKind::kRand, {seed}, {{"size", std::vector<int64_t>{1001}}, {"dtype", t},
                                                        {"device", d}})};
       }});
  // randn is computed in float on both devices: an f64 result holds a float
  // (see RandnIsBitIdenticalAlmostEverywhere for how often they are equal).
  add({"randn", {}, [](const Tensors&, Device d, DType t) {
         Tensor seed = On(Tensor::FromVector<int64_t>({99, 3}, {2}), d);
         return Tensors{CallOp1(OpKind::kRandn, {seed}, {{"size", std::vector<int64_t>{1001}}, {"dtype", t},
                                                         {"device", d}})};
       }, 1, {DType::kFloat32, DType::kFloat64, DType::kFloat16, DType::kBFloat16}, 1e-6});
  add({"dropout", {N({40, 25})}, [](const Tensors& in, Device d, DType) {
         Tensor seed = On(Tensor::FromVector<int64_t>({5, 16}, {2}), d);
         return CallOp(OpKind::kDropout, {in[0], seed}, {{"p", 0.3}});
       }});
  return c;
}

// --- The harness ---------------------------------------------------------------------

double Tolerance(DType d) {
  switch (d) {
    case DType::kFloat64:
      return 1e-10;
    case DType::kFloat16:
      return 4e-3;
    case DType::kBFloat16:
      return 3e-2;
    default:
      return 2e-5;
  }
}

// Compares a CUDA result with the CPU's: same dtype and shape; values within
// atol + rtol * |ref| (exactly for integers and bools; NaN matches NaN).
void ExpectClose(const Tensor& got, const Tensor& want, double tol, const std::string& what) {
  ASSERT_TRUE(want.ok()) << what << ": CPU: " << want.status();
  ASSERT_TRUE(got.ok()) << what << ": CUDA: " << got.status();
  EXPECT_TRUE(got.device().is_cuda()) << what << " is on " << got.device().ToString();
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(std::vector<int64_t>(got.sizes().begin(), got.sizes().end()),
            std::vector<int64_t>(want.sizes().begin(), want.sizes().end()))
      << what;
  absl::StatusOr<std::vector<double>> g = got.ToVector<double>();
  absl::StatusOr<std::vector<double>> w = want.ToVector<double>();
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(w.ok()) << w.status();
  const bool exact = !ir::IsFloating(want.dtype());
  int bad = 0;
  for (size_t i = 0; i < w->size(); ++i) {
    const double a = (*g)[i], b = (*w)[i];
    if (std::isnan(a) && std::isnan(b)) continue;
    const bool ok = exact ? a == b : std::abs(a - b) <= tol + tol * std::abs(b);
    if (!ok && ++bad <= 5) ADD_FAILURE() << what << "[" << i << "]: CUDA " << a << ", CPU " << b << " (tol " << tol << ")";
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << w->size() << " elements differ";
}

struct Param {
  int index;
  DType dtype;
};

class CudaKernelTest : public ::testing::TestWithParam<Param> {
 protected:
  static const std::vector<Case>& All() {
    static const auto* cases = new std::vector<Case>(Cases());
    return *cases;
  }
};

TEST_P(CudaKernelTest, MatchesCpu) {
  AOT_REQUIRE_GPU();
  const Case& c = All()[GetParam().index];
  const DType dtype = GetParam().dtype;
  Tensors cpu_in, cuda_in;
  uint64_t seed = 17 + static_cast<uint64_t>(GetParam().index) * 101;
  for (const In& in : c.inputs) {
    Tensor t = Make(in, dtype, seed++);
    ASSERT_TRUE(t.ok()) << t.status();
    absl::StatusOr<Tensor> d = CopyToDevice(t, Device::Cuda(0));
    ASSERT_TRUE(d.ok()) << d.status();
    cpu_in.push_back(t);
    cuda_in.push_back(*d);
  }
  Tensors want = c.fn(cpu_in, Device::Cpu(), dtype);
  Tensors got = c.fn(cuda_in, Device::Cuda(0), dtype);
  ASSERT_EQ(got.size(), want.size());
  ASSERT_TRUE(Synchronize(Device::Cuda(0)).ok());
  for (size_t i = 0; i < want.size(); ++i) {
    ExpectClose(got[i], want[i], std::max(Tolerance(dtype) * c.tol_scale, c.min_tol),
                absl::StrCat(c.name, " result ", i));
  }
}

std::vector<Param> AllParams() {
  std::vector<Param> p;
  std::vector<Case> cases = Cases();
  for (size_t i = 0; i < cases.size(); ++i) {
    for (DType d : cases[i].dtypes) p.push_back({static_cast<int>(i), d});
  }
  return p;
}

INSTANTIATE_TEST_SUITE_P(AllOps, CudaKernelTest, ::testing::ValuesIn(AllParams()),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           static const std::vector<Case> cases = Cases();
                           return absl::StrCat(cases[info.param.index].name, "_",
                                               std::string(ir::DTypeName(info.param.dtype)));
                         });

// The normal stream matches the CPU's bit for bit except where glibc's
// logf/cosf are not correctly rounded (about 1% of elements, by an ulp).
TEST(CudaRandomTest, RandnIsBitIdenticalAlmostEverywhere) {
  AOT_REQUIRE_GPU();
  const int64_t n = 100000;
  Tensor seed = Tensor::FromVector<int64_t>({42, 7}, {2});
  Tensor cpu = CallOp1(OpKind::kRandn, {seed}, {{"size", std::vector<int64_t>{n}}});
  Tensor gpu = CallOp1(OpKind::kRandn, {CopyToDevice(seed, Device::Cuda(0)).value()},
                       {{"size", std::vector<int64_t>{n}}, {"device", Device::Cuda(0)}});
  std::vector<float> a = cpu.ToVector<float>().value(), b = gpu.ToVector<float>().value();
  int64_t equal = 0;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    equal += a[i] == b[i];
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]) / std::max(1e-3, std::abs(double{a[i]})));
  }
  std::printf("randn: %lld of %lld values bit-identical to the CPU's; worst relative difference %.3g\n",
              static_cast<long long>(equal), static_cast<long long>(n), worst);
  EXPECT_GE(equal, n * 95 / 100);
  EXPECT_LT(worst, 1e-6);
  std::vector<float> u = CallOp1(OpKind::kRand, {seed}, {{"size", std::vector<int64_t>{n}}}).ToVector<float>().value();
  std::vector<float> v = CallOp1(OpKind::kRand, {CopyToDevice(seed, Device::Cuda(0)).value()},
                                 {{"size", std::vector<int64_t>{n}}, {"device", Device::Cuda(0)}})
                             .ToVector<float>()
                             .value();
  EXPECT_EQ(u, v) << "rand must be bit-identical";
}

// --- Allocator, copies, errors -----------------------------------------------------------

TEST(CudaAllocatorTest, CachesFreedBlocksAndEmptiesTheCache) {
  AOT_REQUIRE_GPU();
  EmptyCache();
  const AllocatorStats before = MemoryStats(0);
  {
    Tensor t = Tensor::Empty({1 << 20}, DType::kFloat32, Device::Cuda(0));
    ASSERT_TRUE(t.ok()) << t.status();
    const AllocatorStats s = MemoryStats(0);
    EXPECT_EQ(s.allocated_bytes, before.allocated_bytes + (4 << 20));
    EXPECT_GE(s.reserved_bytes, before.reserved_bytes + (4 << 20));
    EXPECT_GE(s.peak_bytes, s.allocated_bytes);
  }
  const AllocatorStats freed = MemoryStats(0);
  EXPECT_EQ(freed.allocated_bytes, before.allocated_bytes);
  EXPECT_GE(freed.reserved_bytes, before.reserved_bytes + (4 << 20));  // Cached.
  // The same size class is served from the cache: nothing new is reserved.
  Tensor again = Tensor::Empty({1 << 20}, DType::kFloat32, Device::Cuda(0));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(MemoryStats(0).reserved_bytes, freed.reserved_bytes);
  again = Tensor();
  EmptyCache();
  EXPECT_EQ(MemoryStats(0).reserved_bytes, MemoryStats(0).allocated_bytes);
}

TEST(CudaAllocatorTest, OutOfMemoryIsResourceExhausted) {
  AOT_REQUIRE_GPU();
  Tensor t = Tensor::Empty({int64_t{1} << 48}, DType::kUInt8, Device::Cuda(0));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kResourceExhausted) << t.status();
  EXPECT_NE(t.status().message().find("281474976710656 bytes"), absl::string_view::npos) << t.status();
  EXPECT_NE(t.status().message().find("free"), absl::string_view::npos) << t.status();
  // The device still works.
  Tensor ok = Tensor::Empty({16}, DType::kFloat32, Device::Cuda(0));
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST(CudaAllocatorTest, RoundsToSizeClasses) {
  EXPECT_EQ(RoundSize(0), 512u);
  EXPECT_EQ(RoundSize(513), 1024u);
  EXPECT_EQ(RoundSize(5000), 5120u);
  EXPECT_EQ(RoundSize((1u << 20) + 1), (1u << 20) + (1u << 18));
}

TEST(CudaCopyTest, RoundTripsThroughTheDevice) {
  AOT_REQUIRE_GPU();
  Tensor x = randn({3, 5}, 1);
  absl::StatusOr<Tensor> d = CopyToDevice(x.t(), Device::Cuda(0));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->device().is_cuda());
  Tensor back = d->to(Device::Cpu());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back.device().is_cpu());
  EXPECT_EQ(back.ToVector<float>().value(), x.t().ToVector<float>().value());
  EXPECT_NEAR(d->sum().item().value(), x.sum().item().value(), 1e-4);
}

// Tensor::to and random ops with a CPU seed reach the CUDA backend (the
// dispatcher routes them by the result's device).
TEST(CudaCopyTest, ToAndRandomOpsWithACpuSeedRunOnTheDevice) {
  AOT_REQUIRE_GPU();
  Tensor x = randn({4, 3}, 2);
  Tensor d = x.to(Device::Cuda(0));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d.device().is_cuda());
  EXPECT_EQ(d.to(Device::Cpu()).ToVector<float>().value(), x.ToVector<float>().value());
  Tensor r = randn({64}, /*seed=*/7, /*offset=*/0, {.device = Device::Cuda(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r.device().is_cuda());
  std::vector<float> gpu = r.to(Device::Cpu()).ToVector<float>().value();
  std::vector<float> cpu = randn({64}, 7).ToVector<float>().value();
  for (size_t i = 0; i < cpu.size(); ++i) EXPECT_NEAR(gpu[i], cpu[i], 1e-5 * (1 + std::abs(cpu[i])));
}

TEST(CudaErrorTest, BadIndexIsInvalidArgument) {
  AOT_REQUIRE_GPU();
  Tensor x = CopyToDevice(randn({4, 3}, 1), Device::Cuda(0)).value();
  Tensor idx = CopyToDevice(Tensor::FromVector<int64_t>({0, 7}, {2}), Device::Cuda(0)).value();
  Tensor y = index_select(x, 0, idx);
  EXPECT_EQ(y.status().code(), absl::StatusCode::kInvalidArgument) << y.status();
  EXPECT_NE(y.status().message().find("index_select"), absl::string_view::npos) << y.status();
  // The device is usable afterwards.
  EXPECT_TRUE(Synchronize(Device::Cuda(0)).ok());
}

TEST(CudaErrorTest, IntegerMatmulIsUnimplemented) {
  AOT_REQUIRE_GPU();
  Tensor a = CopyToDevice(Tensor::FromVector<int64_t>({1, 2, 3, 4}, {2, 2}), Device::Cuda(0)).value();
  Tensor y = a.matmul(a);
  EXPECT_EQ(y.status().code(), absl::StatusCode::kUnimplemented) << y.status();
  EXPECT_NE(y.status().message().find("matmul"), absl::string_view::npos) << y.status();
}

TEST(CudaErrorTest, WithoutAGpuAllocationIsFailedPrecondition) {
  absl::StatusOr<int> count = DeviceCount();
  if (count.ok()) GTEST_SKIP() << "a GPU is present";
  Tensor t = Tensor::Empty({4}, DType::kFloat32, Device::Cuda(0));
  EXPECT_EQ(t.status().code(), absl::StatusCode::kFailedPrecondition) << t.status();
}

}  // namespace
}  // namespace aot::cuda
