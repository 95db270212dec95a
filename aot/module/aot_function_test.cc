#include "aot/module/aot_function.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "aot/autodiff/engine.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/ops.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using ::testing::HasSubstr;
using Tensors = std::vector<Tensor>;

Tensors CosCos(const Tensors& in) { return {in[0].cos().cos()}; }

void ExpectClose(const Tensor& a, const Tensor& b, double tol = 1e-5) {
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a.sizes(), b.sizes());
  std::vector<double> x = *a.ToVector<double>();
  std::vector<double> y = *b.ToVector<double>();
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol) << "element " << i;
}

// The seed example: the forward and backward graphs carry PyTorch's ops.
TEST(AotFunctionTest, PrintsTheSeedGraphs) {
  std::ostringstream out;
  absl::StatusOr<AotFunction> nf =
      aot_function(CosCos, {.fw_compiler = PrintCompiler("forward", &out), .bw_compiler = PrintCompiler("backward", &out)});
  ASSERT_TRUE(nf.ok()) << nf.status();
  Tensor x = randn({3}, 0).set_requires_grad(true);
  absl::StatusOr<Tensors> y = (*nf)({x});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(out.str(),
            "forward\n"
            "graph forward(primals_1: f32[3]) {\n"
            "  cos: f32[3] = cos(primals_1)\n"
            "  cos_1: f32[3] = cos(cos)\n"
            "  return (cos_1, cos, primals_1)\n"
            "}\n"
            "backward\n"
            "graph backward(cos: f32[3], primals_1: f32[3], tangents_1: f32[3]) {\n"
            "  sin: f32[3] = sin(cos)\n"
            "  neg: f32[3] = neg(sin)\n"
            "  mul: f32[3] = mul(tangents_1, neg)\n"
            "  sin_1: f32[3] = sin(primals_1)\n"
            "  neg_1: f32[3] = neg(sin_1)\n"
            "  mul_1: f32[3] = mul(mul, neg_1)\n"
            "  return (mul_1)\n"
            "}\n");
}

// "You can do whatever you want before and after, and you can still
// backprop through the function."
TEST(AotFunctionTest, BackpropThroughACompiledCallBetweenEagerOps) {
  absl::StatusOr<AotFunction> nf = aot_function(CosCos);
  ASSERT_TRUE(nf.ok());
  Tensor x = randn({3}, 1).set_requires_grad(true);
  absl::StatusOr<Tensor> out = nf->Call1({x.cos()});
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->sin().sum().backward().ok());
  Tensor x2 = x.detach().set_requires_grad(true);
  ASSERT_TRUE(x2.cos().cos().cos().sin().sum().backward().ok());
  ExpectClose(x.grad(), x2.grad());
}

TEST(AotFunctionTest, PartitionersGiveTheSameGradients) {
  auto fn = [](const Tensors& in) -> Tensors {
    Tensor h = (in[0].matmul(in[1]) + in[2]).tanh();
    return {h.exp().sum({1}), h.sigmoid()};
  };
  Tensors args = {randn({4, 5}, 1), randn({5, 3}, 2), randn({3}, 3)};
  Tensors want;
  {
    Tensors leaves;
    for (const Tensor& a : args) leaves.push_back(a.clone().set_requires_grad(true));
    Tensors out = fn(leaves);
    ASSERT_TRUE((out[0].sum() + out[1].mean()).backward().ok());
    for (const Tensor& l : leaves) want.push_back(l.grad());
  }
  for (PartitionFn p : {DefaultPartitionFn(), MinCutPartitionFn(), MemoryBudgetPartitionFn(0.0),
                        MemoryBudgetPartitionFn(0.5)}) {
    absl::StatusOr<AotFunction> nf = aot_function(fn, {.partition_fn = p});
    ASSERT_TRUE(nf.ok());
    Tensors leaves;
    for (const Tensor& a : args) leaves.push_back(a.clone().set_requires_grad(true));
    absl::StatusOr<Tensors> out = (*nf)(leaves);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_TRUE(((*out)[0].sum() + (*out)[1].mean()).backward().ok());
    for (size_t i = 0; i < args.size(); ++i) ExpectClose(leaves[i].grad(), want[i]);
  }
}

// Recomputation is never silently wrong: with budget 0 the backward
// recomputes the dropout from its explicit seed, so the gradients equal
// eager ones (issue 8, 4b).
TEST(AotFunctionTest, DropoutRecomputedWithBudgetZeroMatchesEager) {
  Tensor seed = Tensor::FromVector<int64_t>({1234, 0}, {2});
  auto fn = [seed](const Tensors& in) -> Tensors {
    Tensor h = in[0].matmul(in[1]).tanh();
    auto [y, mask] = dropout(h, 0.5, /*train=*/true, seed);
    return {(y * y).sum()};
  };
  Tensors args = {randn({6, 5}, 1), randn({5, 8}, 2)};
  Tensors want;
  {
    Tensors leaves;
    for (const Tensor& a : args) leaves.push_back(a.clone().set_requires_grad(true));
    ASSERT_TRUE(fn(leaves)[0].backward().ok());
    for (const Tensor& l : leaves) want.push_back(l.grad());
  }
  absl::StatusOr<AotFunction> nf = aot_function(fn, {.partition_fn = MemoryBudgetPartitionFn(0.0)});
  ASSERT_TRUE(nf.ok());
  Tensors leaves;
  for (const Tensor& a : args) leaves.push_back(a.clone().set_requires_grad(true));
  absl::StatusOr<Tensor> out = nf->Call1(leaves);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->backward().ok());
  for (size_t i = 0; i < args.size(); ++i) ExpectClose(leaves[i].grad(), want[i]);
  std::vector<partition::PartitionSummary> summaries = nf->partition_summaries();
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_THAT(summaries[0].recomputed, ::testing::Contains("dropout")) << summaries[0].ToString();
}

TEST(AotFunctionTest, CompilesOncePerInputMetadata) {
  int fw_calls = 0;
  int inference_calls = 0;
  Compiler counting_fw = [&](const ir::Graph& g, const Tensors& ex) {
    ++fw_calls;
    return NopCompiler()(g, ex);
  };
  Compiler counting_inf = [&](const ir::Graph& g, const Tensors& ex) {
    ++inference_calls;
    return NopCompiler()(g, ex);
  };
  absl::StatusOr<AotFunction> nf =
      aot_function(CosCos, {.fw_compiler = counting_fw, .inference_compiler = counting_inf});
  ASSERT_TRUE(nf.ok());
  Tensor a = randn({3}, 1).set_requires_grad(true);
  ASSERT_TRUE((*nf)({a}).ok());
  ASSERT_TRUE((*nf)({randn({3}, 2).set_requires_grad(true)}).ok());
  EXPECT_EQ(nf->num_compilations(), 1);
  ASSERT_TRUE((*nf)({randn({4}, 2).set_requires_grad(true)}).ok());
  EXPECT_EQ(nf->num_compilations(), 2);
  ASSERT_TRUE((*nf)({randn({3}, 2, 0, {.dtype = DType::kFloat64}).set_requires_grad(true)}).ok());
  EXPECT_EQ(nf->num_compilations(), 3);
  // No input requires grad: the inference compiler alone.
  absl::StatusOr<Tensors> r = (*nf)({randn({3}, 3)});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)[0].requires_grad());
  EXPECT_EQ(nf->num_compilations(), 4);
  EXPECT_EQ(inference_calls, 1);
  // Grad mode off: inference too.
  {
    NoGradGuard no_grad;
    ASSERT_TRUE((*nf)({a}).ok());
  }
  EXPECT_EQ(nf->num_compilations(), 5);
  EXPECT_EQ(inference_calls, 2);
  EXPECT_EQ(fw_calls, 6);  // 3 training entries x (forward, backward).
}

TEST(AotFunctionTest, CapturedParameterGetsItsGradient) {
  Tensor w = randn({3}, 7).set_requires_grad(true);
  auto fn = [w](const Tensors& in) -> Tensors { return {(in[0] * w).sum()}; };
  absl::StatusOr<AotFunction> nf = aot_function(fn);
  ASSERT_TRUE(nf.ok());
  Tensor x = randn({3}, 8);
  absl::StatusOr<Tensor> y = nf->Call1({x});
  ASSERT_TRUE(y.ok()) << y.status();
  ASSERT_TRUE(y->backward().ok());
  ExpectClose(w.grad(), x);
}

TEST(AotFunctionTest, InputMutationsReachTheCaller) {
  auto fn = [](const Tensors& in) -> Tensors {
    Tensor b = in[1];
    b.add_(in[0]);
    return {in[0] * 2.0};
  };
  for (bool keep : {false, true}) {
    absl::StatusOr<AotFunction> nf = aot_function(fn, {.keep_inference_input_mutations = keep});
    ASSERT_TRUE(nf.ok());
    Tensor a = full({2}, 1.5);
    Tensor b = full({2}, 10.0);
    absl::StatusOr<Tensors> out = (*nf)({a, b});
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->size(), 1u);
    ExpectClose(b, full({2}, 11.5));
    ExpectClose((*out)[0], full({2}, 3.0));
  }
}

TEST(AotFunctionTest, OutputThatIsAnInput) {
  auto fn = [](const Tensors& in) -> Tensors { return {in[0], in[0].exp()}; };
  absl::StatusOr<AotFunction> nf = aot_function(fn);
  ASSERT_TRUE(nf.ok());
  Tensor x = randn({3}, 1).set_requires_grad(true);
  absl::StatusOr<Tensors> out = (*nf)({x});
  ASSERT_TRUE(out.ok()) << out.status();
  ExpectClose((*out)[0], x.detach());
  ASSERT_TRUE(((*out)[0] * 3.0 + (*out)[1]).sum().backward().ok());
  ExpectClose(x.grad(), x.detach().exp() + 3.0);
}

TEST(AotFunctionTest, BadArgumentsAreErrors) {
  absl::StatusOr<AotFunction> nf = aot_function(CosCos);
  ASSERT_TRUE(nf.ok());
  absl::StatusOr<Tensors> r = (*nf)({Tensor()});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("argument 0"));
  ASSERT_TRUE((*nf)({randn({2}, 1)}).ok());
  r = (*nf)({randn({2}, 1), randn({2}, 1)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("2 arguments"));
  absl::StatusOr<Tensors> bad = (*nf)({Tensor::Error(absl::InternalError("boom"))});
  EXPECT_THAT(bad.status().message(), HasSubstr("boom"));
}

TEST(AotFunctionTest, DumpsEveryGraphItCompiles) {
  std::string dir = ::testing::TempDir();
  absl::StatusOr<AotFunction> nf = aot_function(CosCos, {.name = "f", .dump_graphs_dir = dir});
  ASSERT_TRUE(nf.ok());
  ASSERT_TRUE((*nf)({randn({3}, 1).set_requires_grad(true)}).ok());
  ASSERT_TRUE((*nf)({randn({3}, 1)}).ok());
  for (const char* file : {"f_0_forward.txt", "f_0_joint.txt", "f_0_fw.txt", "f_0_bw.txt", "f_1_inference.txt"}) {
    std::ifstream in(dir + "/" + file);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_THAT(text.str(), HasSubstr("cos")) << file;
  }
  std::ifstream joint(dir + "/f_0_joint.txt");
  std::string first;
  std::getline(joint, first);
  EXPECT_EQ(first, "# joint num_primals=1 num_fwd_outputs=1");
}

TEST(AotFunctionTest, PrecompileCompilesWithoutRunning) {
  int runs = 0;
  Compiler counting = [&runs](const ir::Graph& g, const Tensors& ex) -> absl::StatusOr<CompiledFn> {
    AOT_ASSIGN_OR_RETURN(CompiledFn f, NopCompiler()(g, ex));
    return CompiledFn([f, &runs](const Tensors& in) {
      ++runs;
      return f(in);
    });
  };
  absl::StatusOr<AotFunction> nf = aot_function(CosCos, {.fw_compiler = counting});
  ASSERT_TRUE(nf.ok());
  // Metadata is enough: a fake tensor.
  ASSERT_TRUE(nf->Precompile({Tensor::Fake({3}, DType::kFloat32).set_requires_grad(true)}).ok());
  EXPECT_EQ(nf->num_compilations(), 1);
  EXPECT_EQ(runs, 0);
  ASSERT_TRUE((*nf)({randn({3}, 1).set_requires_grad(true)}).ok());
  EXPECT_EQ(nf->num_compilations(), 1);
  EXPECT_EQ(runs, 1);
}

TEST(AotFunctionTest, DynamicIsUnimplemented) {
  EXPECT_EQ(aot_function(CosCos, {.dynamic = true}).status().code(), absl::StatusCode::kUnimplemented);
}

TEST(AotFunctionTest, TraceErrorsComeBack) {
  auto fn = [](const Tensors& in) -> Tensors { return {in[0] + in[1]}; };
  absl::StatusOr<AotFunction> nf = aot_function(fn);
  ASSERT_TRUE(nf.ok());
  absl::StatusOr<Tensors> r = (*nf)({randn({2}, 1), randn({3}, 1)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("add"));
}

}  // namespace
}  // namespace aot
