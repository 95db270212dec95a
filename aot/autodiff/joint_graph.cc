#include "aot/autodiff/joint_graph.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/engine.h"
#include "aot/base/status_macros.h"
#include "aot/ir/dtype.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"
#include "aot/trace/make_graph.h"

namespace aot::autodiff {

namespace {

// Runs `graph` on `inputs` by dispatching each node (under the tracer, with
// autograd recording): the replay half of BuildJointGraph. Unlike the
// interpreter it keeps no liveness or memory statistics.
absl::StatusOr<std::vector<Tensor>> Replay(const ir::Graph& graph, const std::vector<Tensor>& inputs) {
  // The tensor of each value, by Value::id(): values are made in program
  // order, so this walks memory in order where a hash map would not.
  std::vector<Tensor> env(graph.value_id_bound());
  for (int i = 0; i < graph.num_inputs(); ++i) env[graph.input(i)->id()] = inputs[i];
  for (const ir::Node* node : graph.node_range()) {
    OpCall call;
    call.op = &node->op();
    call.attrs.assign(node->attrs().begin(), node->attrs().end());
    call.group_sizes.reserve(node->num_groups());
    for (int g = 0; g < node->num_groups(); ++g) call.group_sizes.push_back(node->group_size(g));
    call.operands.reserve(node->num_operands());
    for (int i = 0; i < node->num_operands(); ++i) call.operands.push_back(env[node->operand(i)->id()]);
    absl::StatusOr<std::vector<Tensor>> results = DispatchCall(std::move(call));
    if (!results.ok()) {
      return absl::Status(results.status().code(), absl::StrCat("node ", node->name(), " (", node->op().name(),
                                                                "): ", results.status().message()));
    }
    if (static_cast<int>(results->size()) != node->num_results()) {
      return absl::InternalError(absl::StrCat("node ", node->name(), ": ", results->size(), " results, expected ",
                                              node->num_results()));
    }
    for (int r = 0; r < node->num_results(); ++r) env[node->result(r)->id()] = std::move((*results)[r]);
  }
  std::vector<Tensor> outputs;
  outputs.reserve(graph.num_outputs());
  for (int i = 0; i < graph.num_outputs(); ++i) outputs.push_back(env[graph.output(i)->id()]);
  return outputs;
}

}  // namespace

std::vector<bool> OutputsRequiringGrad(const ir::Graph& graph, const std::vector<bool>& needs_grad) {
  // By Value::id().
  std::vector<bool> requires_grad(graph.value_id_bound(), false);
  for (int i = 0; i < graph.num_inputs(); ++i) {
    const ir::Value* v = graph.input(i);
    requires_grad[v->id()] =
        i < static_cast<int>(needs_grad.size()) && needs_grad[i] && ir::IsFloating(v->meta().dtype);
  }
  for (const ir::Node* node : graph.node_range()) {
    bool any = false;
    for (int i = 0; i < node->num_operands(); ++i) any = any || requires_grad[node->operand(i)->id()];
    for (int r = 0; r < node->num_results(); ++r) {
      const ir::Value* v = node->result(r);
      requires_grad[v->id()] = any && IsDifferentiableResult(node->op(), r, v->meta().dtype);
    }
  }
  std::vector<bool> out(graph.num_outputs());
  for (int i = 0; i < graph.num_outputs(); ++i) out[i] = requires_grad[graph.output(i)->id()];
  return out;
}

absl::StatusOr<JointGraph> BuildJointGraph(const ir::Graph& forward, const std::vector<bool>& needs_grad,
                                           const JointOptions& options) {
  const int num_primals = forward.num_inputs();
  if (static_cast<int>(needs_grad.size()) != num_primals) {
    return absl::InvalidArgumentError(absl::StrCat("BuildJointGraph: ", needs_grad.size(),
                                                   " needs_grad entries for a graph with ", num_primals,
                                                   " inputs"));
  }
  JointGraph joint;
  joint.num_primals = num_primals;
  joint.num_fwd_outputs = forward.num_outputs();
  for (int i = 0; i < num_primals; ++i) {
    if (!needs_grad[i]) continue;
    const ir::TensorMeta& m = forward.input(i)->meta();
    if (!ir::IsFloating(m.dtype)) {
      return absl::InvalidArgumentError(absl::StrCat("BuildJointGraph: input ", i, " (", forward.input(i)->name(),
                                                     ") is ", m.ToString(),
                                                     "; only floating-point inputs can need a gradient"));
    }
    joint.grad_inputs.push_back(i);
  }
  std::vector<bool> out_requires = OutputsRequiringGrad(forward, needs_grad);
  for (int o = 0; o < forward.num_outputs(); ++o) {
    if (out_requires[o]) joint.tangent_outputs.push_back(o);
  }

  // Example inputs: fakes with the metadata of the primals and tangents.
  std::vector<Tensor> examples;
  std::vector<std::string> names;
  for (int i = 0; i < num_primals; ++i) {
    const ir::TensorMeta& m = forward.input(i)->meta();
    if (!m.shape.concrete_sizes().has_value()) {
      return absl::UnimplementedError(absl::StrCat("BuildJointGraph: input ", forward.input(i)->name(),
                                                   " has a symbolic shape ", m.ToString(),
                                                   "; dynamic shapes are not supported yet"));
    }
    examples.push_back(Tensor::Fake(*m.shape.concrete_sizes(), m.dtype, m.device));
    names.push_back(absl::StrCat("primals_", i + 1));
  }
  for (size_t t = 0; t < joint.tangent_outputs.size(); ++t) {
    const ir::TensorMeta& m = forward.output(joint.tangent_outputs[t])->meta();
    examples.push_back(Tensor::Fake(*m.shape.concrete_sizes(), m.dtype, m.device));
    names.push_back(absl::StrCat("tangents_", t + 1));
  }

  absl::Status error;
  trace::TracedFn fn = [&](const std::vector<Tensor>& in) -> std::vector<Tensor> {
    GradModeGuard grad_mode(true);
    std::vector<Tensor> primals(in.begin(), in.begin() + num_primals);
    std::vector<Tensor> wrt;
    for (int i : joint.grad_inputs) {
      primals[i].set_requires_grad(true);
      wrt.push_back(primals[i]);
    }
    absl::StatusOr<std::vector<Tensor>> outs = Replay(forward, primals);
    if (!outs.ok()) {
      error = outs.status();
      return {Tensor::Error(error)};
    }
    std::vector<Tensor> result = *outs;
    if (!wrt.empty()) {
      std::vector<Tensor> roots;
      std::vector<Tensor> root_grads;
      for (size_t t = 0; t < joint.tangent_outputs.size(); ++t) {
        roots.push_back((*outs)[joint.tangent_outputs[t]]);
        root_grads.push_back(in[num_primals + t]);
      }
      absl::StatusOr<std::vector<Tensor>> grads;
      if (roots.empty()) {
        // No output depends on a primal that needs a gradient.
        grads = std::vector<Tensor>();
        NoGradGuard no_grad;
        for (const Tensor& w : wrt) grads->push_back(zeros_like(w));
      } else {
        grads = Grad(roots, wrt, root_grads, {.materialize_unused = true});
      }
      if (!grads.ok()) {
        error = grads.status();
        return {Tensor::Error(error)};
      }
      for (Tensor& g : *grads) result.push_back(g);
    }
    return result;
  };
  trace::TraceOptions topts;
  topts.decompositions = options.decompositions;
  topts.record_autograd = true;
  topts.graph_name = options.graph_name;
  topts.input_names = names;
  absl::StatusOr<trace::TracedGraph> traced = trace::MakeGraph(fn, examples, topts);
  if (!error.ok()) return error;
  AOT_RETURN_IF_ERROR(traced.status());
  if (!traced->extra_inputs.empty() || !traced->mutations.empty()) {
    return absl::InternalError("BuildJointGraph: replaying the forward graph added inputs or mutated one");
  }
  joint.graph = std::move(traced->graph);
  return joint;
}

}  // namespace aot::autodiff
