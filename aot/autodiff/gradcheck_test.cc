// Gradient checks of every derivative rule, end to end: for each case of
// AllGradCases() (grad_cases.h), float64 central finite differences on
// random inputs against
//   - eager autograd: Grad of the case function's differentiable outputs;
//   - the joint graph: the case function traced with MakeGraph, the joint
//     graph built by BuildJointGraph and run by the interpreter;
// and, where the case allows it, second-order gradients (the gradient of
// <J^T v, w> with respect to the inputs):
//   - eager autograd with create_graph, then Grad of the gradients;
//   - the joint graph of the joint graph, run by the interpreter;
// against finite differences of the first-order eager gradient.
// EveryDifferentiableOpHasACase makes a new differentiable op without a case
// (or without a rule) fail here.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/engine.h"
#include "aot/autodiff/internal/finite_difference.h"
#include "aot/autodiff/internal/grad_cases.h"
#include "aot/autodiff/joint_graph.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/ir/op.h"
#include "aot/ir/verifier.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "aot/trace/make_graph.h"
#include "gtest/gtest.h"

namespace aot::autodiff {
namespace {

using internal::CheckClose;
using internal::GradCase;
using internal::NumericalVjp;
using Tensors = std::vector<Tensor>;

constexpr uint64_t kCotangentSeed = 1;
constexpr uint64_t kSecondCotangentSeed = 2;
// Forward outputs of the joint graph run the same kernels as eager calls.
constexpr double kForwardTol = 1e-12;

std::string InputName(const GradCase& c, int i) {
  return absl::StrCat(ir::GetOpDef(c.op).name(), " input ", i, " ", c.inputs[i].meta().ToString());
}

std::vector<int> GradInputs(const GradCase& c) {
  std::vector<int> wrt;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.needs_grad[i]) wrt.push_back(static_cast<int>(i));
  }
  return wrt;
}

// Fresh leaves holding the inputs' values; those in `wrt` require grad.
Tensors MakeLeaves(const Tensors& inputs, const std::vector<int>& wrt) {
  Tensors leaves;
  for (const Tensor& t : inputs) leaves.push_back(t.detach().clone());
  for (int i : wrt) leaves[i].set_requires_grad(true);
  return leaves;
}

// Returns d(sum_o <outputs_o, cotangents_o>)/d inputs[wrt_k] of `c.fn` by
// eager autograd, zeros for inputs that get none. With create_graph, the
// gradients are differentiable in turn.
absl::StatusOr<Tensors> EagerVjp(const GradCase& c, const Tensors& inputs, const Tensors& cotangents,
                                 bool create_graph, Tensors* leaves_out = nullptr) {
  GradModeGuard grad_mode(true);
  const std::vector<int> wrt = GradInputs(c);
  Tensors leaves = MakeLeaves(inputs, wrt);
  Tensors outputs = c.fn(leaves);
  for (const Tensor& t : outputs) {
    if (!t.ok()) return t.status();
  }
  Tensors roots, root_cotangents, wrt_leaves;
  for (size_t o = 0; o < outputs.size() && o < cotangents.size(); ++o) {
    if (!cotangents[o].defined() || !outputs[o].requires_grad()) continue;
    roots.push_back(outputs[o]);
    root_cotangents.push_back(cotangents[o]);
  }
  for (int i : wrt) wrt_leaves.push_back(leaves[i]);
  if (leaves_out != nullptr) *leaves_out = leaves;
  if (roots.empty()) {
    Tensors zero;
    for (const Tensor& l : wrt_leaves) zero.push_back(zeros_like(l.detach()));
    return zero;
  }
  // The second backward may run through these nodes again (a rule that
  // reads its op's result differentiates through that result).
  return Grad(roots, wrt_leaves, root_cotangents,
              {.retain_graph = create_graph, .create_graph = create_graph, .materialize_unused = true});
}

// The case function traced, with the inputs to run it on (the case's, then
// a seed for a random op called without one).
struct Traced {
  trace::TracedGraph traced;
  Tensors inputs;
  std::vector<bool> needs_grad;
};

absl::StatusOr<Traced> TraceCase(const GradCase& c) {
  Traced t;
  absl::StatusOr<trace::TracedGraph> traced = trace::MakeGraph(c.fn, c.inputs);
  if (!traced.ok()) return traced.status();
  t.traced = *std::move(traced);
  t.inputs = c.inputs;
  t.needs_grad = c.needs_grad;
  for (const trace::ExtraInput& e : t.traced.extra_inputs) {
    t.inputs.push_back(e.kind == trace::ExtraInput::Kind::kSeed ? NextSeedTensor(e.seed_numel) : e.value);
    t.needs_grad.push_back(false);
  }
  if (!t.traced.mutations.empty()) return absl::InternalError("the case function mutated an input");
  return t;
}

// The tangent given for each entry of `joint.tangent_outputs`: `cotangents`
// where defined, zeros elsewhere.
Tensors JointTangents(const JointGraph& joint, const Tensors& outputs, const Tensors& cotangents) {
  Tensors tangents;
  for (int o : joint.tangent_outputs) {
    tangents.push_back(o < static_cast<int>(cotangents.size()) && cotangents[o].defined() ? cotangents[o]
                                                                                          : zeros_like(outputs[o]));
  }
  return tangents;
}

// Compares a computed gradient for input `i` with the numerical one.
void ExpectGradClose(const GradCase& c, int i, const Tensor& actual, const Tensor& numeric,
                     const std::string& what) {
  const std::string name = absl::StrCat(what, " d/d ", InputName(c, i));
  ASSERT_TRUE(actual.defined()) << name << ": undefined";
  ASSERT_TRUE(actual.ok()) << name << ": " << actual.status();
  EXPECT_EQ(actual.dtype(), c.inputs[i].dtype()) << name;
  absl::Status close = CheckClose(actual, numeric, c.atol, c.rtol, name);
  EXPECT_TRUE(close.ok()) << close;
}

class GradCheckTest : public ::testing::TestWithParam<GradCase> {};

TEST_P(GradCheckTest, FirstOrder) {
  const GradCase& c = GetParam();
  const std::vector<int> wrt = GradInputs(c);
  ASSERT_FALSE(wrt.empty()) << "a case must check the gradient of at least one input";
  Tensors outputs;
  {
    NoGradGuard no_grad;
    outputs = c.fn(c.inputs);
  }
  for (const Tensor& t : outputs) ASSERT_TRUE(t.ok()) << t.status();
  const Tensors cotangents = internal::RandomCotangents(c, outputs, kCotangentSeed);
  absl::StatusOr<Tensors> numeric = NumericalVjp(c.fn, c.inputs, cotangents, c.eps);
  ASSERT_TRUE(numeric.ok()) << numeric.status();

  {
    SCOPED_TRACE("eager");
    absl::StatusOr<Tensors> eager = EagerVjp(c, c.inputs, cotangents, /*create_graph=*/false);
    ASSERT_TRUE(eager.ok()) << eager.status();
    ASSERT_EQ(eager->size(), wrt.size());
    for (size_t k = 0; k < wrt.size(); ++k) {
      ExpectGradClose(c, wrt[k], (*eager)[k], (*numeric)[wrt[k]], "eager");
    }
  }
  {
    SCOPED_TRACE("joint");
    absl::StatusOr<Traced> traced = TraceCase(c);
    ASSERT_TRUE(traced.ok()) << traced.status();
    absl::StatusOr<JointGraph> joint = BuildJointGraph(*traced->traced.graph, traced->needs_grad);
    ASSERT_TRUE(joint.ok()) << joint.status();
    // Tracing does not verify what it builds (it is valid by construction):
    // check that here, every check on.
    EXPECT_TRUE(ir::VerifyGraph(*traced->traced.graph).ok()) << ir::VerifyGraph(*traced->traced.graph);
    EXPECT_TRUE(ir::VerifyGraph(*joint->graph).ok()) << ir::VerifyGraph(*joint->graph);
    EXPECT_EQ(joint->grad_inputs, wrt);
    Tensors joint_inputs = traced->inputs;
    for (const Tensor& t : JointTangents(*joint, outputs, cotangents)) joint_inputs.push_back(t);
    absl::StatusOr<Tensors> got = RunGraph(*joint->graph, joint_inputs);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(got->size(), outputs.size() + joint->grad_inputs.size());
    for (size_t o = 0; o < outputs.size(); ++o) {
      absl::Status same =
          CheckClose((*got)[o], outputs[o], kForwardTol, kForwardTol, absl::StrCat("joint forward output ", o));
      EXPECT_TRUE(same.ok()) << same;
    }
    for (size_t k = 0; k < joint->grad_inputs.size(); ++k) {
      const int i = joint->grad_inputs[k];
      ExpectGradClose(c, i, (*got)[outputs.size() + k], (*numeric)[i], "joint");
    }
  }
}

TEST_P(GradCheckTest, SecondOrder) {
  const GradCase& c = GetParam();
  if (!c.second_order) GTEST_SKIP() << c.name << " has no second-order check (see grad_cases.cc)";
  const std::vector<int> wrt = GradInputs(c);
  Tensors outputs;
  {
    NoGradGuard no_grad;
    outputs = c.fn(c.inputs);
  }
  for (const Tensor& t : outputs) ASSERT_TRUE(t.ok()) << t.status();
  const Tensors v = internal::RandomCotangents(c, outputs, kCotangentSeed);
  // w: one cotangent per input, for its first-order gradient.
  Tensors w(c.inputs.size());
  for (int i : wrt) w[i] = internal::RandomLike(c.inputs[i], kSecondCotangentSeed + 100 * i);

  // Finite differences of x -> <J(x)^T v, w>, from the first-order eager
  // gradient.
  auto first_order = [&c, &v](const Tensors& in) -> Tensors {
    absl::StatusOr<Tensors> g = EagerVjp(c, in, v, /*create_graph=*/false);
    if (!g.ok()) return Tensors(in.size(), Tensor::Error(g.status()));
    Tensors by_input(in.size());
    const std::vector<int> wrt = GradInputs(c);
    for (size_t k = 0; k < wrt.size(); ++k) by_input[wrt[k]] = (*g)[k].detach();
    return by_input;
  };
  absl::StatusOr<Tensors> numeric = NumericalVjp(first_order, c.inputs, w, c.eps);
  ASSERT_TRUE(numeric.ok()) << numeric.status();

  {
    SCOPED_TRACE("eager, create_graph");
    Tensors leaves;
    absl::StatusOr<Tensors> g = EagerVjp(c, c.inputs, v, /*create_graph=*/true, &leaves);
    ASSERT_TRUE(g.ok()) << g.status();
    ASSERT_EQ(g->size(), wrt.size());
    GradModeGuard grad_mode(true);
    Tensors roots, root_cotangents, wrt_leaves;
    for (size_t k = 0; k < wrt.size(); ++k) {
      wrt_leaves.push_back(leaves[wrt[k]]);
      // A gradient that does not depend on the inputs (a linear op's) has
      // no tape: its contribution is zero.
      if (!(*g)[k].requires_grad()) continue;
      roots.push_back((*g)[k]);
      root_cotangents.push_back(w[wrt[k]]);
    }
    Tensors second;
    if (roots.empty()) {
      for (const Tensor& l : wrt_leaves) second.push_back(zeros_like(l.detach()));
    } else {
      absl::StatusOr<Tensors> gg = Grad(roots, wrt_leaves, root_cotangents, {.materialize_unused = true});
      ASSERT_TRUE(gg.ok()) << gg.status();
      second = *std::move(gg);
    }
    ASSERT_EQ(second.size(), wrt.size());
    for (size_t k = 0; k < wrt.size(); ++k) {
      ExpectGradClose(c, wrt[k], second[k], (*numeric)[wrt[k]], "eager second order");
    }
  }
  {
    SCOPED_TRACE("joint graph of the joint graph");
    absl::StatusOr<Traced> traced = TraceCase(c);
    ASSERT_TRUE(traced.ok()) << traced.status();
    absl::StatusOr<JointGraph> joint = BuildJointGraph(*traced->traced.graph, traced->needs_grad);
    ASSERT_TRUE(joint.ok()) << joint.status();
    const Tensors tangents = JointTangents(*joint, outputs, v);
    // Gradients for the primals only, not for the tangents.
    std::vector<bool> needs2 = traced->needs_grad;
    needs2.resize(traced->needs_grad.size() + tangents.size(), false);
    absl::StatusOr<JointGraph> joint2 = BuildJointGraph(*joint->graph, needs2, {.graph_name = "joint2"});
    ASSERT_TRUE(joint2.ok()) << joint2.status();
    EXPECT_TRUE(ir::VerifyGraph(*joint2->graph).ok()) << ir::VerifyGraph(*joint2->graph);
    EXPECT_EQ(joint2->grad_inputs, wrt);
    Tensors inputs2 = traced->inputs;
    for (const Tensor& t : tangents) inputs2.push_back(t);
    // Tangents of the joint graph's outputs: zero for its forward outputs,
    // w for the gradients.
    absl::StatusOr<Tensors> first = RunGraph(*joint->graph, inputs2);
    ASSERT_TRUE(first.ok()) << first.status();
    for (int o : joint2->tangent_outputs) {
      if (o < joint->num_fwd_outputs) {
        inputs2.push_back(zeros_like((*first)[o]));
      } else {
        inputs2.push_back(w[joint->grad_inputs[o - joint->num_fwd_outputs]]);
      }
    }
    absl::StatusOr<Tensors> got = RunGraph(*joint2->graph, inputs2);
    ASSERT_TRUE(got.ok()) << got.status();
    ASSERT_EQ(static_cast<int>(got->size()), joint2->num_fwd_outputs + static_cast<int>(joint2->grad_inputs.size()));
    // Its forward outputs are the joint graph's outputs.
    for (int o = 0; o < joint2->num_fwd_outputs; ++o) {
      absl::Status same =
          CheckClose((*got)[o], (*first)[o], kForwardTol, kForwardTol, absl::StrCat("joint2 output ", o));
      EXPECT_TRUE(same.ok()) << same;
    }
    for (size_t k = 0; k < joint2->grad_inputs.size(); ++k) {
      const int i = joint2->grad_inputs[k];
      ExpectGradClose(c, i, (*got)[joint2->num_fwd_outputs + k], (*numeric)[i], "joint2");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, GradCheckTest, ::testing::ValuesIn(internal::AllGradCases()),
                         [](const ::testing::TestParamInfo<GradCase>& info) { return info.param.name; });

TEST(GradCheckCoverageTest, EveryDifferentiableOpHasACase) {
  const std::vector<GradCase> cases = internal::AllGradCases();
  std::vector<std::string> no_case, no_rule, case_names;
  for (const GradCase& c : cases) case_names.push_back(c.name);
  for (const ir::OpDef* op : ir::AllOps()) {
    if (!NeedsDerivative(*op)) continue;
    const bool covered =
        std::any_of(cases.begin(), cases.end(), [op](const GradCase& c) { return c.op == op->kind(); });
    if (!covered) no_case.push_back(op->name());
    if (FindDerivative(op->kind()) == nullptr) no_rule.push_back(op->name());
  }
  EXPECT_TRUE(no_case.empty()) << "differentiable ops without a gradient-check case in grad_cases.cc: "
                               << absl::StrJoin(no_case, ", ");
  EXPECT_TRUE(no_rule.empty()) << "differentiable ops without a derivative rule: " << absl::StrJoin(no_rule, ", ");
  // Names are test names: unique.
  std::sort(case_names.begin(), case_names.end());
  EXPECT_EQ(std::adjacent_find(case_names.begin(), case_names.end()), case_names.end()) << "duplicate case name";
}

}  // namespace
}  // namespace aot::autodiff
