#include "aot/partition/cost_model.h"

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/base/check.h"
#include "aot/ir/graph.h"
#include "aot/ir/parser.h"
#include "gtest/gtest.h"

namespace aot::partition {
namespace {

std::unique_ptr<ir::Graph> Parse(absl::string_view text) {
  absl::StatusOr<std::unique_ptr<ir::Graph>> g = ir::ParseGraph(text);
  AOT_CHECK(g.ok()) << g.status();
  return *std::move(g);
}

const ir::Node& NodeOf(const ir::Graph& g, absl::string_view name) {
  const ir::Value* v = g.FindValue(name);
  AOT_CHECK(v != nullptr && v->producer() != nullptr) << name;
  return *v->producer();
}

TEST(CostModelTest, ValueBytes) {
  EXPECT_EQ(ValueBytes(ir::TensorMeta(ir::Shape{4, 3}, ir::DType::kFloat32)), 48);
  EXPECT_EQ(ValueBytes(ir::TensorMeta(ir::Shape{2}, ir::DType::kInt64)), 16);
  // Rank 0, built field by field: from TensorMeta(Shape{}, ...) GCC 12 at
  // -O3 warns that the empty shape's copy may read uninitialised memory.
  ir::TensorMeta scalar;
  scalar.dtype = ir::DType::kFloat64;
  EXPECT_EQ(ValueBytes(scalar), 8);
  EXPECT_EQ(ValueBytes(ir::TensorMeta(ir::Shape{0, 5}, ir::DType::kFloat32)), 0);
  ir::Shape symbolic({ir::Dim::Symbol("B"), ir::Dim(3)});
  EXPECT_EQ(ValueBytes(ir::TensorMeta(symbolic, ir::DType::kFloat32)), kSymbolicDimEstimate * 3 * 4);
}

constexpr absl::string_view kGraph = R"(graph g(a: f32[4,8], b: f32[8,16], img: f32[1,2,6,6], w: f32[3,2,3,3]) {
  mm: f32[4,16] = mm(a, b)
  add: f32[4,8] = add(a, a)
  sum: f32[4] = sum(a, dim=[1])
  t: f32[8,4] = transpose(a, dim0=0, dim1=1)
  cat: f32[8,8] = cat([a, a])
  conv: f32[1,3,4,4] = conv2d(img, w, None)
  sm: f32[4,8] = softmax(a, dim=1)
  return (mm, add, sum, t, cat, conv, sm)
})";

TEST(CostModelTest, EstimatesFlopsAndBytes) {
  std::unique_ptr<ir::Graph> g = Parse(kGraph);
  OpCost mm = EstimateOpCost(NodeOf(*g, "mm"));
  EXPECT_EQ(mm.flops, 2.0 * 4 * 16 * 8);
  EXPECT_EQ(mm.bytes, (32 + 128 + 64) * 4.0);
  OpCost add = EstimateOpCost(NodeOf(*g, "add"));
  EXPECT_EQ(add.flops, 32);
  EXPECT_EQ(add.bytes, 3 * 32 * 4.0);
  EXPECT_EQ(EstimateOpCost(NodeOf(*g, "sum")).flops, 32);
  OpCost t = EstimateOpCost(NodeOf(*g, "t"));  // A view: no work.
  EXPECT_EQ(t.flops, 0);
  EXPECT_EQ(t.bytes, 0);
  OpCost cat = EstimateOpCost(NodeOf(*g, "cat"));  // Copies, computes nothing.
  EXPECT_EQ(cat.flops, 0);
  EXPECT_EQ(cat.bytes, 4 * (32 + 32 + 64.0));
  // 48 outputs, each 2*3*3 MACs.
  EXPECT_EQ(EstimateOpCost(NodeOf(*g, "conv")).flops, 2.0 * 48 * 18);
  EXPECT_EQ(EstimateOpCost(NodeOf(*g, "sm")).flops, 5 * 32);
}

TEST(CostModelTest, RooflineAndOverride) {
  std::unique_ptr<ir::Graph> g = Parse(kGraph);
  CostModel model;
  model.flops_per_ns = 2;
  model.bytes_per_ns = 4;
  // mm: 1024 flops / 2 = 512 ns > 896 bytes / 4 = 224 ns.
  EXPECT_DOUBLE_EQ(model.RecomputeCost(NodeOf(*g, "mm")), 512);
  // add: 32 / 2 = 16 ns < 384 / 4 = 96 ns.
  EXPECT_DOUBLE_EQ(model.RecomputeCost(NodeOf(*g, "add")), 96);
  model.estimate = [](const ir::Node& n) {
    OpCost c = EstimateOpCost(n);
    if (n.kind() == ir::OpKind::kAdd) c.bytes = 0;
    return c;
  };
  EXPECT_DOUBLE_EQ(model.RecomputeCost(NodeOf(*g, "add")), 16);
}

}  // namespace
}  // namespace aot::partition
