// The partitioners on joint graphs the autodiff package builds from traced
// functions: the seed example partitions as PyTorch's does, and forward then
// backward equals the joint graph on a few models.
#include <memory>
#include <random>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/autodiff/joint_graph.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "aot/partition/memory_budget.h"
#include "aot/partition/partition.h"
#include "aot/tensor/ops.h"
#include "aot/trace/make_graph.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::partition {
namespace {

using ::testing::ElementsAre;
using Tensors = std::vector<Tensor>;

struct Joint {
  autodiff::JointGraph joint;
  JointInfo info;
};

Joint BuildJoint(const trace::TracedFn& fn, const Tensors& inputs) {
  absl::StatusOr<trace::TracedGraph> t = trace::MakeGraph(fn, inputs);
  EXPECT_TRUE(t.ok()) << t.status();
  absl::StatusOr<autodiff::JointGraph> j =
      autodiff::BuildJointGraph(*t->graph, std::vector<bool>(inputs.size(), true));
  EXPECT_TRUE(j.ok()) << j.status();
  Joint out{*std::move(j), {}};
  out.info = {out.joint.num_primals, out.joint.num_fwd_outputs};
  return out;
}

Tensor Random(std::vector<int64_t> sizes, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return Tensor::FromVector<float>(v, sizes);
}

TEST(JointGraphIntegrationTest, CosCosMatchesPyTorch) {
  auto fn = [](const Tensors& in) -> Tensors { return {in[0].cos().cos()}; };
  Joint j = BuildJoint(fn, {zeros({4, 3})});
  absl::StatusOr<Partition> d = DefaultPartition(*j.joint.graph, j.info);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(ir::PrintGraph(*d->forward),
            "graph forward(primals_1: f32[4,3]) {\n"
            "  cos: f32[4,3] = cos(primals_1)\n"
            "  cos_1: f32[4,3] = cos(cos)\n"
            "  return (cos_1, cos, primals_1)\n"
            "}\n");
  absl::StatusOr<Partition> m = MinCutPartition(*j.joint.graph, j.info);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_THAT(m->summary.saved, ElementsAre("primals_1"));
  EXPECT_THAT(m->summary.recomputed, ElementsAre("cos"));
}

void ExpectPartitionsMatchJoint(const trace::TracedFn& fn, const Tensors& inputs) {
  Joint j = BuildJoint(fn, inputs);
  ASSERT_NE(j.joint.graph, nullptr);
  const ir::Graph& joint = *j.joint.graph;
  Tensors joint_inputs = inputs;
  for (int t = 0; t < j.joint.num_tangents(); ++t) {
    const ir::TensorMeta& meta = joint.input(j.info.num_primals + t)->meta();
    joint_inputs.push_back(Random(*meta.shape.concrete_sizes(), 100 + t));
  }
  absl::StatusOr<Tensors> want = RunGraph(joint, joint_inputs);
  ASSERT_TRUE(want.ok()) << want.status();
  std::vector<absl::StatusOr<Partition>> partitions;
  partitions.push_back(DefaultPartition(joint, j.info));
  partitions.push_back(MinCutPartition(joint, j.info));
  partitions.push_back(MemoryBudgetPartition(joint, j.info, 0.5));
  for (absl::StatusOr<Partition>& p : partitions) {
    ASSERT_TRUE(p.ok()) << p.status();
    SCOPED_TRACE(p->summary.ToString());
    ASSERT_TRUE(ir::VerifyGraph(*p->forward).ok());
    ASSERT_TRUE(ir::VerifyGraph(*p->backward).ok());
    absl::StatusOr<Tensors> fwd = RunGraph(*p->forward, inputs);
    ASSERT_TRUE(fwd.ok()) << fwd.status();
    Tensors bwd_in(fwd->begin() + j.info.num_fwd_outputs, fwd->end());
    bwd_in.insert(bwd_in.end(), joint_inputs.begin() + j.info.num_primals, joint_inputs.end());
    absl::StatusOr<Tensors> grads = RunGraph(*p->backward, bwd_in);
    ASSERT_TRUE(grads.ok()) << grads.status();
    ASSERT_EQ(want->size(), j.info.num_fwd_outputs + grads->size());
    for (size_t i = 0; i < want->size(); ++i) {
      const Tensor& got = i < static_cast<size_t>(j.info.num_fwd_outputs) ? (*fwd)[i]
                                                                          : (*grads)[i - j.info.num_fwd_outputs];
      EXPECT_EQ(*got.contiguous().ToVector<float>(), *(*want)[i].contiguous().ToVector<float>()) << "output " << i;
    }
  }
}

TEST(JointGraphIntegrationTest, MlpMatchesJoint) {
  auto fn = [](const Tensors& in) -> Tensors {
    Tensor h = in[0].matmul(in[1]).relu();
    return {h.matmul(in[2]).tanh().sum()};
  };
  ExpectPartitionsMatchJoint(fn, {Random({4, 6}, 1), Random({6, 8}, 2), Random({8, 3}, 3)});
}

TEST(JointGraphIntegrationTest, ElementwiseChainMatchesJoint) {
  auto fn = [](const Tensors& in) -> Tensors {
    Tensor v = (in[0] * in[1]).sin().exp().sigmoid();
    return {v + in[0], v.cos()};
  };
  ExpectPartitionsMatchJoint(fn, {Random({5, 7}, 4), Random({5, 7}, 5)});
}

}  // namespace
}  // namespace aot::partition
