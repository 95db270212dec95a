// Checks gradients through the core decompositions against the gradients of
// the ops themselves, with joint graphs (aot/autodiff/joint_graph.h) run by
// the interpreter in float64:
//  - reference: the joint graph of the op as traced (its derivative rule);
//  - through: the joint graph of the forward traced with the core table, so
//    the gradient flows through the decomposition's core ops;
//  - table: the joint graph of the op built with the core table, which
//    decomposes the forward and the backward ops alike (AOTAutograd's
//    decompositions=); it must hold core ops only.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/autodiff/joint_graph.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/decomp/core_decompositions.h"
#include "aot/decomp/core_ops.h"
#include "aot/decomp/decomposition_test_cases.h"
#include "aot/ir/op.h"
#include "aot/ir/printer.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/testing/expect_close.h"
#include "aot/tensor/testing/op_cases.h"
#include "aot/trace/make_graph.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using decomp_test::DecompCase;
using op_testing::Tensors;
using K = ir::OpKind;

// The traced forward of a case, its runtime inputs and which need a
// gradient (the floating ones the function receives).
struct Forward {
  trace::TracedGraph traced;
  Tensors inputs;
  std::vector<bool> needs_grad;
};

absl::StatusOr<Forward> TraceForward(const DecompCase& c, const Tensors& real, const DecompositionTable* table) {
  trace::TraceOptions options;
  options.decompositions = table;
  Forward f;
  absl::StatusOr<trace::TracedGraph> t = trace::MakeGraph(c.fn, real, options);
  if (!t.ok()) return t.status();
  f.traced = *std::move(t);
  f.inputs = real;
  for (const Tensor& r : real) f.needs_grad.push_back(ir::IsFloating(r.dtype()));
  // As in PyTorch, nll_loss and cross_entropy have no derivative with
  // respect to the class weights (their cases pass one input per argument).
  if (c.op == K::kNllLoss || c.op == K::kCrossEntropy || c.op == K::kNllLossBackward) {
    const int weight = ir::GetOpDef(c.op).schema().TensorArgIndex("weight");
    if (weight < static_cast<int>(real.size())) f.needs_grad[weight] = false;
  }
  for (const trace::ExtraInput& e : f.traced.extra_inputs) {
    if (e.kind != trace::ExtraInput::Kind::kLifted) return absl::UnimplementedError("a seed input");
    f.inputs.push_back(e.value);
    f.needs_grad.push_back(false);
  }
  return f;
}

// Runs `joint` on the forward inputs and `tangents`.
absl::StatusOr<Tensors> RunJoint(const autodiff::JointGraph& joint, const Forward& f, const Tensors& tangents) {
  Tensors in = f.inputs;
  for (const Tensor& t : tangents) in.push_back(t);
  return RunGraph(*joint.graph, in);
}

void CheckGradients(const DecompCase& c, uint64_t seed) {
  const double tol = 1e-9;
  Tensors real;
  for (const op_testing::InputSpec& in : c.inputs) {
    real.push_back(op_testing::MakeInput(in, DType::kFloat64, seed++));
  }
  const DecompositionTable& table = CoreDecompositionTable();
  absl::StatusOr<Forward> direct = TraceForward(c, real, nullptr);
  ASSERT_TRUE(direct.ok()) << direct.status();
  absl::StatusOr<Forward> decomposed = TraceForward(c, real, &table);
  ASSERT_TRUE(decomposed.ok()) << decomposed.status();

  absl::StatusOr<autodiff::JointGraph> reference = autodiff::BuildJointGraph(*direct->traced.graph, direct->needs_grad);
  ASSERT_TRUE(reference.ok()) << reference.status();
  absl::StatusOr<autodiff::JointGraph> through =
      autodiff::BuildJointGraph(*decomposed->traced.graph, decomposed->needs_grad);
  ASSERT_TRUE(through.ok()) << through.status();
  absl::StatusOr<autodiff::JointGraph> with_table =
      autodiff::BuildJointGraph(*direct->traced.graph, direct->needs_grad, {.decompositions = &table});
  ASSERT_TRUE(with_table.ok()) << with_table.status();

  // The decomposition may make more outputs differentiable (the statistics
  // layer_norm and batch_norm return), never fewer.
  for (int o : reference->tangent_outputs) {
    EXPECT_NE(std::find(through->tangent_outputs.begin(), through->tangent_outputs.end(), o),
              through->tangent_outputs.end())
        << "output " << o << " carries no gradient through the decomposition";
  }
  ASSERT_EQ(through->grad_inputs, reference->grad_inputs);
  ASSERT_EQ(with_table->tangent_outputs, reference->tangent_outputs);
  std::vector<std::string> non_core;
  for (ir::Node* n : with_table->graph->node_range()) {
    if (!IsCoreOp(n->kind())) non_core.push_back(n->op().name());
  }
  EXPECT_TRUE(non_core.empty()) << "non-core ops in the joint graph built with the core table: "
                                << absl::StrJoin(non_core, ", ");

  // One random tangent per output the op differentiates; zeros for the
  // outputs only the decomposition makes differentiable.
  std::map<int, Tensor> tangent_of;
  for (int o : reference->tangent_outputs) {
    const ir::TensorMeta& m = direct->traced.graph->output(o)->meta();
    tangent_of[o] = randn(*m.shape.concrete_sizes(), 500 + o, 0, {.dtype = m.dtype});
  }
  auto tangents_for = [&](const autodiff::JointGraph& joint, const ir::Graph& forward) {
    Tensors tangents;
    for (int o : joint.tangent_outputs) {
      auto it = tangent_of.find(o);
      if (it != tangent_of.end()) {
        tangents.push_back(it->second);
      } else {
        const ir::TensorMeta& m = forward.output(o)->meta();
        tangents.push_back(zeros(*m.shape.concrete_sizes(), {.dtype = m.dtype}));
      }
    }
    return tangents;
  };
  absl::StatusOr<Tensors> want = RunJoint(*reference, *direct, tangents_for(*reference, *direct->traced.graph));
  ASSERT_TRUE(want.ok()) << want.status();
  for (auto [name, joint, fwd] : {std::make_tuple("through the decomposition", &*through, &*decomposed),
                                  std::make_tuple("joint graph built with the table", &*with_table, &*direct)}) {
    SCOPED_TRACE(name);
    absl::StatusOr<Tensors> got = RunJoint(*joint, *fwd, tangents_for(*joint, *fwd->traced.graph));
    ASSERT_TRUE(got.ok()) << got.status() << "\n" << ir::PrintGraph(*joint->graph);
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      SCOPED_TRACE(i < static_cast<size_t>(reference->num_fwd_outputs)
                       ? absl::StrCat("forward output ", i)
                       : absl::StrCat("gradient of input ", reference->grad_inputs[i - reference->num_fwd_outputs]));
      op_testing::ExpectClose((*got)[i], (*want)[i], tol, "decomposed", "reference");
    }
  }
}

// Ops whose gradients this test does not check, with the reason.
const std::map<K, std::string>& Skipped() {
  static const auto* skipped = new std::map<K, std::string>{
      // Their gradients would be second-order gradients of layer_norm and
      // batch_norm, which aot/autodiff does not implement (no rule for
      // these backward ops), so there is no reference to compare with.
      {K::kLayerNormBackward, "no derivative rule for layer_norm_backward"},
      {K::kBatchNormBackward, "no derivative rule for batch_norm_backward"},
  };
  return *skipped;
}

TEST(CoreDecompositionsGradTest, GradientsMatchTheOpsOwn) {
  uint64_t seed = 1;
  for (const DecompCase& c : decomp_test::DecompositionCases()) {
    seed += c.inputs.size();
    // Draws from the global generator: its seed input cannot be a primal.
    if (c.global_random || Skipped().count(c.op)) continue;
    SCOPED_TRACE(decomp_test::CaseName(c));
    CheckGradients(c, seed);
  }
}

}  // namespace
}  // namespace aot
