#include "aot/trace/make_graph.h"

#include <random>
#include <string>
#include <vector>

#include "aot/backends/interpreter/interpreter.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "aot/tensor/ops.h"
#include "gtest/gtest.h"

namespace aot::trace {
namespace {

Tensor Rand(std::vector<int64_t> sizes, uint32_t seed) { return randn(std::move(sizes), seed); }

// Runs the traced graph with the interpreter (extra inputs filled as the
// runtime would) and returns the user outputs and the mutated inputs' values.
std::vector<Tensor> RunTraced(const TracedGraph& t, std::vector<Tensor> inputs, std::vector<Tensor> seeds = {}) {
  size_t seed_i = 0;
  for (const ExtraInput& e : t.extra_inputs) {
    inputs.push_back(e.kind == ExtraInput::Kind::kLifted ? e.value : seeds.at(seed_i++));
  }
  absl::StatusOr<std::vector<Tensor>> out = RunGraph(*t.graph, inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::vector<Tensor>{};
}

void ExpectClose(const Tensor& a, const Tensor& b, double tol = 1e-6) {
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a.meta().shape, b.meta().shape);
  std::vector<double> x = *a.ToVector<double>(), y = *b.ToVector<double>();
  ASSERT_EQ(x.size(), y.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], y[i], tol * (1 + std::abs(y[i]))) << i;
}

TEST(MakeGraphTest, SeedExampleGolden) {
  TracedFn fn = [](const std::vector<Tensor>& in) -> std::vector<Tensor> { return {in[0].cos().cos()}; };
  absl::StatusOr<TracedGraph> t = MakeGraph(fn, {Rand({3}, 1)}, {.input_names = {"primals_1"}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(ir::PrintGraph(*t->graph),
            "graph forward(primals_1: f32[3]) {\n"
            "  cos: f32[3] = cos(primals_1)\n"
            "  cos_1: f32[3] = cos(cos)\n"
            "  return (cos_1)\n"
            "}\n");
}

TEST(MakeGraphTest, RecordsAttributesScalarsAndControlFlow) {
  TracedFn fn = [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
    Tensor x = in[0];
    for (int i = 0; i < 3; ++i) {  // Unrolled.
      if (x.size(1) > 2) x = x * 2.0 + 1.0;
    }
    return {x.sum({1}, /*keepdim=*/true).softmax(0)};
  };
  absl::StatusOr<TracedGraph> t = MakeGraph(fn, {Rand({4, 5}, 2)});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(ir::PrintGraph(*t->graph),
            "graph forward(arg0: f32[4,5]) {\n"
            "  mul: f32[4,5] = mul.Scalar(arg0, other=2.0)\n"
            "  add: f32[4,5] = add.Scalar(mul, other=1.0)\n"
            "  mul_1: f32[4,5] = mul.Scalar(add, other=2.0)\n"
            "  add_1: f32[4,5] = add.Scalar(mul_1, other=1.0)\n"
            "  mul_2: f32[4,5] = mul.Scalar(add_1, other=2.0)\n"
            "  add_2: f32[4,5] = add.Scalar(mul_2, other=1.0)\n"
            "  sum: f32[4,1] = sum(add_2, dim=[1], keepdim=true)\n"
            "  softmax: f32[4,1] = softmax(sum, dim=0)\n"
            "  return (softmax)\n"
            "}\n");
  Tensor x = Rand({4, 5}, 3);
  ExpectClose(RunTraced(*t, {x})[0], fn({x})[0]);
}

// Functions covering views and in-place ops: the traced graph must compute
// what eager execution computes.
struct Case {
  std::string name;
  TracedFn fn;
  std::vector<std::vector<int64_t>> shapes;
};

std::vector<Case> Cases() {
  return {
      {"mlp",
       [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
         return {relu(linear(in[0], in[1], in[2])).sum()};
       },
       {{8, 16}, {4, 16}, {4}}},
      {"inplace_chain",
       [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
         Tensor y = in[0].clone();
         y.mul_(2.0);
         y.add_(in[1]);
         y.relu_();
         return {y, y.exp()};
       },
       {{3, 4}, {4}}},
      {"write_through_view",
       [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
         Tensor y = in[0].clone();
         Tensor row = y.select(0, 1);
         row.mul_(10.0);  // Writes y[1, :].
         Tensor col = y.transpose(0, 1).slice(0, 1, 3);
         col.fill_(0.5);  // Writes y[:, 1:3].
         return {y, row};
       },
       {{3, 4}}},
      {"view_read_after_base_write",
       [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
         Tensor y = in[0].clone();
         Tensor v = y.view({4, 3});
         y.add_(1.0);  // v must see this.
         return {v.sum({0})};
       },
       {{3, 4}}},
      {"views_and_shapes",
       [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
         Tensor x = in[0];
         std::vector<Tensor> parts = split(x, 2, 1);
         Tensor c = cat({parts[1], parts[0]}, 1).unsqueeze(0).expand({2, 4, 4}).permute({1, 0, 2});
         return {c.reshape({4, -1}), x.t().matmul(x)};
       },
       {{4, 4}}},
  };
}

TEST(MakeGraphTest, TracedGraphsComputeWhatEagerComputes) {
  for (const Case& c : Cases()) {
    std::vector<Tensor> example, real;
    uint32_t seed = 10;
    for (const auto& s : c.shapes) {
      example.push_back(Rand(s, seed++));
      real.push_back(Rand(s, seed++));
    }
    absl::StatusOr<TracedGraph> t = MakeGraph(c.fn, example);
    ASSERT_TRUE(t.ok()) << c.name << ": " << t.status();
    EXPECT_TRUE(ir::VerifyGraph(*t->graph).ok()) << c.name << ": " << ir::VerifyGraph(*t->graph);
    for (ir::Node* n : t->graph->node_range()) {
      EXPECT_FALSE(n->op().is_inplace()) << c.name << ": " << n->op().name();
      EXPECT_NE(n->kind(), ir::OpKind::kView) << c.name;
    }
    std::vector<Tensor> got = RunTraced(*t, real);
    std::vector<Tensor> want = c.fn(real);
    ASSERT_EQ(got.size(), want.size()) << c.name;
    for (size_t i = 0; i < want.size(); ++i) {
      SCOPED_TRACE(c.name + " output " + std::to_string(i));
      ExpectClose(got[i], want[i]);
    }
  }
}

TEST(MakeGraphTest, InputMutationBecomesExtraOutput) {
  // Like batch norm's running statistics: the function updates an input.
  TracedFn fn = [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
    Tensor running = in[1];
    running.mul_(0.9);
    running.add_(in[0].mean({0}) * 0.1);
    return {in[0] - running};
  };
  Tensor x = Rand({8, 3}, 5), r = Rand({3}, 6);
  absl::StatusOr<TracedGraph> t = MakeGraph(fn, {x, r});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->mutations.size(), 1u);
  EXPECT_EQ(t->mutations[0].input_index, 1);
  EXPECT_EQ(t->mutations[0].output_index, 1);
  EXPECT_EQ(t->num_user_outputs, 1);
  Tensor r_eager = r.clone();
  std::vector<Tensor> got = RunTraced(*t, {x, r.clone()});
  std::vector<Tensor> want = fn({x, r_eager});
  ExpectClose(got[0], want[0]);
  ExpectClose(got[1], r_eager);  // The new value of the mutated input.
}

TEST(MakeGraphTest, CapturedTensorsAreLiftedToInputs) {
  Tensor w = Rand({3}, 7);
  TracedFn fn = [w](const std::vector<Tensor>& in) -> std::vector<Tensor> { return {in[0] * w}; };
  absl::StatusOr<TracedGraph> t = MakeGraph(fn, {Rand({2, 3}, 8)});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->extra_inputs.size(), 1u);
  EXPECT_EQ(t->extra_inputs[0].kind, ExtraInput::Kind::kLifted);
  EXPECT_EQ(t->graph->input(1)->name(), "_tensor_constant0");
  Tensor x = Rand({2, 3}, 9);
  ExpectClose(RunTraced(*t, {x})[0], fn({x})[0]);
}

TEST(MakeGraphTest, CapturedTensorsCanBeEmbeddedAsConstants) {
  Tensor w = Tensor::FromVector<float>({0.5, -1, 2}, {3});
  TracedFn fn = [w](const std::vector<Tensor>& in) -> std::vector<Tensor> { return {in[0] * w}; };
  absl::StatusOr<TracedGraph> t = MakeGraph(fn, {Rand({2, 3}, 8)}, {.lift_captured_tensors = false});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->extra_inputs.empty());
  EXPECT_EQ(ir::PrintGraph(*t->graph),
            "graph forward(arg0: f32[2,3]) {\n"
            "  _tensor_constant: f32[3] = constant(values=[0.5,-1.0,2.0], shape=[3])\n"
            "  mul: f32[2,3] = mul(arg0, _tensor_constant)\n"
            "  return (mul)\n"
            "}\n");
  Tensor x = Rand({2, 3}, 9);
  ExpectClose(RunTraced(*t, {x})[0], fn({x})[0]);
  Tensor big = Tensor::FromVector<int64_t>({int64_t{1} << 60}, {1});
  TracedFn uses_big = [big](const std::vector<Tensor>& in) -> std::vector<Tensor> { return {in[0] + big}; };
  EXPECT_EQ(MakeGraph(uses_big, {Rand({1}, 1)}, {.lift_captured_tensors = false}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(MakeGraphTest, RandomOpsGetExplicitSeedInputs) {
  TracedFn fn = [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
    auto [y, mask] = dropout(in[0], 0.5, true);
    return {y + rand({4, 4})};
  };
  absl::StatusOr<TracedGraph> t = MakeGraph(fn, {Rand({4, 4}, 1)});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->extra_inputs.size(), 2u);
  EXPECT_EQ(t->extra_inputs[0].kind, ExtraInput::Kind::kSeed);
  EXPECT_EQ(t->extra_inputs[0].seed_numel, 16);
  EXPECT_EQ(t->graph->input(1)->meta().ToString(), "i64[2]");
  // Same seeds, same numbers: a recomputation sees what the forward saw.
  Tensor x = Rand({4, 4}, 2);
  std::vector<Tensor> seeds = {NextSeedTensor(16), NextSeedTensor(16)};
  Tensor a = RunTraced(*t, {x}, seeds)[0];
  Tensor b = RunTraced(*t, {x}, seeds)[0];
  EXPECT_EQ(*a.ToVector<float>(), *b.ToVector<float>());
  Tensor c = RunTraced(*t, {x}, {NextSeedTensor(16), NextSeedTensor(16)})[0];
  EXPECT_NE(*a.ToVector<float>(), *c.ToVector<float>());
}

TEST(MakeGraphTest, TracesThroughDecompositions) {
  DecompositionTable table;
  ASSERT_TRUE(table
                  .Register(ir::OpKind::kSilu,
                            [](const OpCall& call) -> absl::StatusOr<std::vector<Tensor>> {
                              const Tensor& x = call.input(0);
                              return std::vector<Tensor>{x * sigmoid(x)};
                            })
                  .ok());
  TracedFn fn = [](const std::vector<Tensor>& in) -> std::vector<Tensor> { return {silu(in[0]).sum()}; };
  absl::StatusOr<TracedGraph> t = MakeGraph(fn, {Rand({5}, 1)}, {.decompositions = &table});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(ir::PrintGraph(*t->graph),
            "graph forward(arg0: f32[5]) {\n"
            "  sigmoid: f32[5] = sigmoid(arg0)\n"
            "  mul: f32[5] = mul(arg0, sigmoid)\n"
            "  sum: f32[] = sum(mul)\n"
            "  return (sum)\n"
            "}\n");
}

TEST(MakeGraphTest, TracingHugeShapesAllocatesNothing) {
  // 64 GiB of activations if they were real.
  TracedFn fn = [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
    return {relu(in[0].matmul(in[1])).sum({1})};
  };
  Tensor a = Tensor::Fake({131072, 65536}, DType::kFloat32);
  Tensor b = Tensor::Fake({65536, 131072}, DType::kFloat32);
  absl::StatusOr<TracedGraph> t = MakeGraph(fn, {a, b});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->graph->output(0)->meta().ToString(), "f32[131072]");
}

TEST(MakeGraphTest, ErrorsAreReportedNotCrashed) {
  TracedFn bad_shape = [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
    return {in[0] + Tensor::FromVector<float>({1, 2}, {2})};
  };
  absl::StatusOr<TracedGraph> t = MakeGraph(bad_shape, {Rand({3}, 1)});
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("add:"), absl::string_view::npos) << t.status();

  TracedFn reads = [](const std::vector<Tensor>& in) -> std::vector<Tensor> {
    absl::StatusOr<double> v = in[0].sum().item();
    if (!v.ok()) return {Tensor::Error(v.status())};
    return {in[0] * *v};
  };
  absl::StatusOr<TracedGraph> r = MakeGraph(reads, {Rand({3}, 1)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("data-dependent control flow cannot be traced"), absl::string_view::npos);
}

}  // namespace
}  // namespace aot::trace
