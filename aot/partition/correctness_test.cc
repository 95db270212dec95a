// Every partitioner computes what the joint graph computes: running the
// forward then the backward with the interpreter gives the joint graph's
// outputs, on model-like and random graphs. And on small random graphs the
// min-cut partition saves the fewest bytes an exhaustive search finds.
#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/base/check.h"
#include "aot/ir/graph.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "aot/partition/internal/brute_force.h"
#include "aot/partition/internal/test_graphs.h"
#include "aot/partition/memory_budget.h"
#include "aot/partition/partition.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "aot/tensor/testing/values.h"
#include "gtest/gtest.h"

namespace aot::partition {
namespace {

using op_testing::Values;
using internal::JointGraph;

// Random inputs for `g`: normal floats, and (seed, offset) for i64[2] seeds.
std::vector<Tensor> RandomInputs(const ir::Graph& g, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<Tensor> out;
  for (const ir::Value* in : g.inputs()) {
    std::vector<int64_t> sizes = *in->meta().shape.concrete_sizes();
    if (in->meta().dtype == ir::DType::kInt64) {
      out.push_back(Tensor::FromVector<int64_t>({static_cast<int64_t>(rng() % 1000), 0}, sizes));
      continue;
    }
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;
    std::vector<float> v(n);
    for (float& x : v) x = normal(rng);
    out.push_back(Tensor::FromVector<float>(v, sizes));
  }
  return out;
}

int CountUnseededRandom(const ir::Graph& g) {
  int n = 0;
  for (const ir::Node* node : g.node_range()) n += IsUnseededRandom(*node) ? 1 : 0;
  return n;
}

// Runs the joint graph, and the partition's forward then backward, on the
// same inputs and expects identical outputs. Unseeded random ops draw from
// the global generator, seeded the same before either run: they must run
// once, in the same order, in both.
void ExpectSameAsJoint(const JointGraph& joint, const Partition& p, uint32_t seed) {
  SCOPED_TRACE(absl::StrCat(joint.name, " / ", p.summary.partitioner, "\n", p.summary.ToString()));
  ASSERT_TRUE(ir::VerifyGraph(*p.forward).ok()) << ir::PrintGraph(*p.forward);
  ASSERT_TRUE(ir::VerifyGraph(*p.backward).ok()) << ir::PrintGraph(*p.backward);
  const int num_primals = joint.info.num_primals;
  const int num_fwd = joint.info.num_fwd_outputs;
  std::vector<Tensor> inputs = RandomInputs(*joint.graph, seed);

  SetGlobalSeed(seed);
  absl::StatusOr<std::vector<Tensor>> expected = RunGraph(*joint.graph, inputs);
  ASSERT_TRUE(expected.ok()) << expected.status();

  SetGlobalSeed(seed);
  std::vector<Tensor> primals(inputs.begin(), inputs.begin() + num_primals);
  absl::StatusOr<std::vector<Tensor>> fwd = RunGraph(*p.forward, primals);
  ASSERT_TRUE(fwd.ok()) << fwd.status() << "\n" << ir::PrintGraph(*p.forward);
  ASSERT_EQ(static_cast<int>(fwd->size()), num_fwd + static_cast<int>(p.summary.saved.size()));
  std::vector<Tensor> bwd_inputs(fwd->begin() + num_fwd, fwd->end());
  bwd_inputs.insert(bwd_inputs.end(), inputs.begin() + num_primals, inputs.end());
  absl::StatusOr<std::vector<Tensor>> grads = RunGraph(*p.backward, bwd_inputs);
  ASSERT_TRUE(grads.ok()) << grads.status() << "\n" << ir::PrintGraph(*p.backward);

  ASSERT_EQ(expected->size(), num_fwd + grads->size());
  for (int i = 0; i < static_cast<int>(expected->size()); ++i) {
    const Tensor& got = i < num_fwd ? (*fwd)[i] : (*grads)[i - num_fwd];
    EXPECT_EQ(Values(got), Values((*expected)[i])) << "output " << i << " (" << joint.graph->output(i)->name()
                                                   << ")";
  }
  // No unseeded random op runs twice.
  EXPECT_LE(CountUnseededRandom(*p.forward) + CountUnseededRandom(*p.backward),
            CountUnseededRandom(*joint.graph));
}

using Partitioner = std::function<absl::StatusOr<Partition>(const JointGraph&)>;

std::vector<std::pair<std::string, Partitioner>> Partitioners() {
  return {
      {"default", [](const JointGraph& j) { return DefaultPartition(*j.graph, j.info); }},
      {"min_cut", [](const JointGraph& j) { return MinCutPartition(*j.graph, j.info); }},
      {"min_cut_recompute_mm",
       [](const JointGraph& j) {
         return MinCutPartition(*j.graph, j.info, DefaultRecomputePolicy().Allow(ir::OpKind::kMm));
       }},
      {"min_cut_empty_policy", [](const JointGraph& j) { return MinCutPartition(*j.graph, j.info, RecomputePolicy()); }},
      {"budget_0", [](const JointGraph& j) { return MemoryBudgetPartition(*j.graph, j.info, 0); }},
      {"budget_0.3", [](const JointGraph& j) { return MemoryBudgetPartition(*j.graph, j.info, 0.3); }},
      {"budget_0.7", [](const JointGraph& j) { return MemoryBudgetPartition(*j.graph, j.info, 0.7); }},
      {"budget_1", [](const JointGraph& j) { return MemoryBudgetPartition(*j.graph, j.info, 1); }},
  };
}

TEST(PartitionCorrectnessTest, ModelGraphs) {
  for (const JointGraph& joint : internal::ModelJoints()) {
    ASSERT_TRUE(ir::VerifyGraph(*joint.graph).ok()) << joint.name;
    for (const auto& [name, partition] : Partitioners()) {
      absl::StatusOr<Partition> p = partition(joint);
      ASSERT_TRUE(p.ok()) << joint.name << " " << name << ": " << p.status();
      ExpectSameAsJoint(joint, *p, 7);
    }
  }
}

TEST(PartitionCorrectnessTest, RandomGraphs) {
  for (uint32_t seed = 0; seed < 150; ++seed) {
    JointGraph joint = internal::RandomJoint(seed, 3 + static_cast<int>(seed % 12));
    ASSERT_TRUE(ir::VerifyGraph(*joint.graph).ok()) << ir::PrintGraph(*joint.graph);
    for (const auto& [name, partition] : Partitioners()) {
      absl::StatusOr<Partition> p = partition(joint);
      ASSERT_TRUE(p.ok()) << joint.name << " " << name << ": " << p.status();
      ExpectSameAsJoint(joint, *p, seed);
    }
  }
}

TEST(PartitionCorrectnessTest, BlockStack) {
  JointGraph joint = internal::BlockStackJoint(300, /*tokens=*/4, /*width=*/8);
  for (const auto& [name, partition] : Partitioners()) {
    absl::StatusOr<Partition> p = partition(joint);
    ASSERT_TRUE(p.ok()) << name << ": " << p.status();
    ExpectSameAsJoint(joint, *p, 3);
  }
}

// Annotates random tangent-independent nodes of `g` with random hints
// (recompute hints only where allowed).
void AnnotateRandomly(ir::Graph& g, std::mt19937& rng) {
  const char* hints[] = {"must_save", "prefer_save", "must_recompute", "prefer_recompute"};
  for (ir::Node* n : g.nodes()) {
    if (rng() % 4 != 0) continue;
    int h = static_cast<int>(rng() % 4);
    if (h >= 2 && IsUnseededRandom(*n)) continue;
    n->set_annotation(kRecomputeAnnotation, hints[h]);
  }
}

RecomputePolicy RandomPolicy(std::mt19937& rng) {
  switch (rng() % 3) {
    case 0:
      return DefaultRecomputePolicy();
    case 1:
      return DefaultRecomputePolicy().Allow(ir::OpKind::kMm).Disallow(ir::OpKind::kExp);
    default: {
      RecomputePolicy p = DefaultRecomputePolicy();
      for (ir::OpKind k : p.allowed_kinds()) {
        if (rng() % 2) p.Disallow(k);
      }
      return p;
    }
  }
}

// Min-cut's saved set is feasible and no saved set found by exhaustive
// search breaks fewer preferences, or as few and saves fewer bytes.
TEST(PartitionCorrectnessTest, MinCutIsMinimalUnderThePolicy) {
  int checked = 0;
  for (uint32_t seed = 0; seed < 400; ++seed) {
    std::mt19937 rng(seed * 7919 + 1);
    JointGraph joint = internal::RandomJoint(seed, 2 + static_cast<int>(seed % 5));
    bool annotate = seed % 3 == 0;
    if (annotate) AnnotateRandomly(*joint.graph, rng);
    RecomputePolicy policy = RandomPolicy(rng);
    internal::BruteForce brute(*joint.graph, joint.info, policy, CostModel(), /*preferences_are_rules=*/false);
    if (brute.candidates().size() > 16) continue;
    ++checked;
    absl::StatusOr<Partition> p = MinCutPartition(*joint.graph, joint.info, policy);
    ASSERT_TRUE(p.ok()) << p.status();
    SCOPED_TRACE(absl::StrCat("seed ", seed, "\n", ir::PrintGraph(*joint.graph), p->summary.ToString()));
    std::optional<internal::BruteForceOption> mine =
        brute.Evaluate(std::set<std::string>(p->summary.saved.begin(), p->summary.saved.end()));
    ASSERT_TRUE(mine.has_value()) << "min-cut's saved set is infeasible";
    EXPECT_EQ(mine->saved_bytes, p->summary.saved_bytes);
    std::vector<internal::BruteForceOption> all = brute.EnumerateAll();
    ASSERT_FALSE(all.empty());
    const internal::BruteForceOption* best = &all[0];
    for (const internal::BruteForceOption& o : all) {
      if (std::make_pair(o.violations, o.saved_bytes) < std::make_pair(best->violations, best->saved_bytes)) {
        best = &o;
      }
    }
    EXPECT_EQ(mine->violations, best->violations);
    EXPECT_EQ(mine->saved_bytes, best->saved_bytes);

    // The default partition is feasible with no recomputation at all.
    if (!annotate) {
      absl::StatusOr<Partition> d = DefaultPartition(*joint.graph, joint.info);
      ASSERT_TRUE(d.ok()) << d.status();
      internal::BruteForce none(*joint.graph, joint.info, RecomputePolicy(), CostModel(), false);
      std::optional<internal::BruteForceOption> def =
          none.Evaluate(std::set<std::string>(d->summary.saved.begin(), d->summary.saved.end()));
      ASSERT_TRUE(def.has_value());
      EXPECT_EQ(def->recompute_cost, 0);
      EXPECT_LE(mine->saved_bytes, def->saved_bytes);
    }
  }
  EXPECT_GT(checked, 200);
}

}  // namespace
}  // namespace aot::partition
