#include "aot/backends/interpreter/interpreter.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"

namespace aot {
namespace {

// Counts bytes per storage so that views of one buffer count once.
class MemoryTracker {
 public:
  void Hold(const Tensor& t) {
    if (!t.ok() || t.is_fake()) return;
    const Storage* s = t.impl()->storage.get();
    auto [it, inserted] = refs_.try_emplace(s, 0);
    if (inserted) {
      bytes_ += static_cast<int64_t>(s->nbytes());
      peak_ = std::max(peak_, bytes_);
    }
    ++it->second;
  }
  void Release(const Tensor& t) {
    if (!t.ok() || t.is_fake()) return;
    const Storage* s = t.impl()->storage.get();
    auto it = refs_.find(s);
    if (it == refs_.end()) return;
    if (--it->second == 0) {
      bytes_ -= static_cast<int64_t>(s->nbytes());
      refs_.erase(it);
    }
  }
  int64_t peak() const { return peak_; }

 private:
  absl::flat_hash_map<const Storage*, int> refs_;
  int64_t bytes_ = 0;
  int64_t peak_ = 0;
};

bool SameType(const ir::TensorMeta& a, const ir::TensorMeta& b) {
  return a.shape == b.shape && a.dtype == b.dtype && a.device == b.device;
}

}  // namespace

absl::StatusOr<std::vector<Tensor>> RunGraph(const ir::Graph& graph, absl::Span<const Tensor> inputs,
                                             InterpreterStats* stats) {
  if (static_cast<int>(inputs.size()) != graph.num_inputs()) {
    return absl::InvalidArgumentError(absl::StrCat("graph ", graph.name(), " takes ", graph.num_inputs(),
                                                   " inputs, got ", inputs.size()));
  }
  std::vector<ir::Node*> nodes = graph.nodes();
  absl::flat_hash_map<const ir::Value*, Tensor> env;
  env.reserve(graph.num_inputs() + nodes.size());
  for (int i = 0; i < graph.num_inputs(); ++i) {
    const ir::Value* v = graph.input(i);
    const Tensor& t = inputs[i];
    AOT_RETURN_IF_ERROR(t.status());
    ir::TensorMeta m = t.meta();
    if (!SameType(m, v->meta())) {
      ir::TensorMeta want = v->meta();
      want.strides.clear();
      want.requires_grad = false;
      m.strides.clear();
      m.requires_grad = false;
      return absl::InvalidArgumentError(absl::StrCat("graph ", graph.name(), ": input ", i, " (", v->name(),
                                                     ") expects ", want.ToString(), ", got ", m.ToString()));
    }
    env[v] = t;
  }
  // The position of the last node that uses each value; outputs live on.
  absl::flat_hash_map<const ir::Value*, int64_t> last_use;
  for (size_t n = 0; n < nodes.size(); ++n) {
    for (int i = 0; i < nodes[n]->num_operands(); ++i) last_use[nodes[n]->operand(i)] = static_cast<int64_t>(n);
  }
  for (int i = 0; i < graph.num_outputs(); ++i) last_use[graph.output(i)] = INT64_MAX;

  MemoryTracker memory;
  int64_t run = 0;
  for (size_t n = 0; n < nodes.size(); ++n) {
    const ir::Node* node = nodes[n];
    OpCall call;
    call.op = &node->op();
    call.attrs.assign(node->attrs().begin(), node->attrs().end());
    for (int g = 0; g < node->num_groups(); ++g) call.group_sizes.push_back(node->group_size(g));
    call.operands.reserve(node->num_operands());
    for (int i = 0; i < node->num_operands(); ++i) {
      auto it = env.find(node->operand(i));
      if (it == env.end()) {
        return absl::InvalidArgumentError(absl::StrCat("node ", node->name(), " (", node->op().name(),
                                                       "): operand ", node->operand(i)->name(),
                                                       " has no value (run VerifyGraph)"));
      }
      call.operands.push_back(it->second);
    }
    absl::StatusOr<std::vector<Tensor>> results = DispatchCall(std::move(call));
    if (!results.ok()) {
      return absl::Status(results.status().code(), absl::StrCat("node ", node->name(), " (", node->op().name(),
                                                                "): ", results.status().message()));
    }
    if (static_cast<int>(results->size()) != node->num_results()) {
      return absl::InternalError(absl::StrCat("node ", node->name(), " (", node->op().name(), "): kernel returned ",
                                              results->size(), " results, the graph has ", node->num_results()));
    }
    for (int r = 0; r < node->num_results(); ++r) {
      const Tensor& t = (*results)[r];
      if (!SameType(t.meta(), node->result(r)->meta())) {
        return absl::InternalError(absl::StrCat("node ", node->name(), " (", node->op().name(), "): result ", r,
                                                " is ", t.meta().ToString(), " but the graph says ",
                                                node->result(r)->meta().ToString()));
      }
      const ir::Value* v = node->result(r);
      if (last_use.contains(v)) {
        memory.Hold(t);
        env[v] = t;
      }
    }
    ++run;
    // Release operands whose last use this was.
    for (int i = 0; i < node->num_operands(); ++i) {
      const ir::Value* v = node->operand(i);
      auto lu = last_use.find(v);
      if (lu == last_use.end() || lu->second != static_cast<int64_t>(n)) continue;
      auto it = env.find(v);
      if (it == env.end()) continue;
      if (!v->is_input()) memory.Release(it->second);
      env.erase(it);
      last_use.erase(lu);
    }
  }
  std::vector<Tensor> outputs;
  outputs.reserve(graph.num_outputs());
  for (int i = 0; i < graph.num_outputs(); ++i) outputs.push_back(env.at(graph.output(i)));
  if (stats != nullptr) {
    stats->peak_bytes = memory.peak();
    stats->nodes_run = run;
  }
  return outputs;
}

}  // namespace aot
