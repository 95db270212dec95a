#include "aot/backends/interpreter/interpreter.h"

#include <memory>

#include "aot/ir/parser.h"
#include "aot/tensor/ops.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

std::unique_ptr<ir::Graph> Parse(const char* text) {
  absl::StatusOr<std::unique_ptr<ir::Graph>> g = ir::ParseGraph(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *std::move(g) : nullptr;
}

TEST(InterpreterTest, RunsSeedGraphLikeEagerCode) {
  auto g = Parse(R"(graph forward(primals_1: f32[5]) {
    cos: f32[5] = cos(primals_1)
    cos_1: f32[5] = cos(cos)
    return (cos_1, cos, primals_1)
  })");
  Tensor x = Tensor::FromVector<float>({0, 0.5, 1, 2, -3}, {5});
  InterpreterStats stats;
  absl::StatusOr<std::vector<Tensor>> out = RunGraph(*g, {x}, &stats);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->size(), 3u);
  Tensor eager = x.cos().cos();
  EXPECT_EQ(*(*out)[0].ToVector<float>(), *eager.ToVector<float>());
  EXPECT_EQ((*out)[2].id(), x.id());  // An output that is an input is the input itself.
  EXPECT_EQ(stats.nodes_run, 2);
  EXPECT_EQ(stats.peak_bytes, 2 * 5 * 4);
}

TEST(InterpreterTest, FreesValuesAfterLastUse) {
  // A chain of 10 elementwise ops on 1 MiB: only two buffers are ever alive.
  auto g = Parse(R"(graph chain(x: f32[262144]) {
    a: f32[262144] = sin(x)
    b: f32[262144] = cos(a)
    c: f32[262144] = exp(b)
    d: f32[262144] = neg(c)
    e: f32[262144] = sin(d)
    f: f32[262144] = cos(e)
    g: f32[262144] = exp(f)
    h: f32[262144] = neg(g)
    i: f32[262144] = sin(h)
    j: f32[262144] = cos(i)
    return (j)
  })");
  InterpreterStats stats;
  Tensor x = zeros({262144});
  absl::StatusOr<std::vector<Tensor>> out = RunGraph(*g, {x}, &stats);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(stats.peak_bytes, 2 * 262144 * 4);
}

TEST(InterpreterTest, ViewsAndMultiResultNodes) {
  auto g = Parse(R"(graph f(x: f32[4,6]) {
    t: f32[6,4] = transpose(x, dim0=0, dim1=1)
    split: f32[2,4], split_1: f32[2,4], split_2: f32[2,4] = split(t, split_size=2)
    add: f32[2,4] = add(split, split_2)
    s: f32[4] = sum(add, dim=[0])
    return (s, split_1)
  })");
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i) v[i] = static_cast<float>(i);
  Tensor x = Tensor::FromVector<float>(v, {4, 6});
  absl::StatusOr<std::vector<Tensor>> out = RunGraph(*g, {x});
  ASSERT_TRUE(out.ok()) << out.status();
  Tensor t = x.transpose(0, 1);
  Tensor want = (t.slice(0, 0, 2) + t.slice(0, 4, 6)).sum({0});
  EXPECT_EQ(*(*out)[0].ToVector<float>(), *want.ToVector<float>());
  EXPECT_EQ(*(*out)[1].ToVector<float>(), *t.slice(0, 2, 4).ToVector<float>());
}

TEST(InterpreterTest, InputMismatchAndOpErrorsNameTheirPlace) {
  auto g = Parse(R"(graph f(x: f32[3]) {
    r: f32[3] = reciprocal(x)
    return (r)
  })");
  absl::StatusOr<std::vector<Tensor>> wrong = RunGraph(*g, {zeros({4})});
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("input 0 (x) expects f32[3], got f32[4]"), absl::string_view::npos)
      << wrong.status();
  EXPECT_EQ(RunGraph(*g, {}).status().code(), absl::StatusCode::kInvalidArgument);
  auto bad = Parse(R"(graph f(x: f32[3]) {
    r: f32[3] = cos(x)
    return (r)
  })");
  Tensor cuda_like = Tensor::Fake({3}, DType::kFloat32);
  absl::StatusOr<std::vector<Tensor>> fake = RunGraph(*bad, {cuda_like});
  ASSERT_TRUE(fake.ok()) << fake.status();  // Fake inputs run on Meta.
  EXPECT_TRUE((*fake)[0].is_fake());
}

}  // namespace
}  // namespace aot
