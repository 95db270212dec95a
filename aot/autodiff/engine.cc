#include "aot/autodiff/engine.h"

#include <array>
#include <atomic>
#include <mutex>
#include <queue>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/internal/shallow_copy.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"

namespace aot::autodiff {
namespace {

std::atomic<uint64_t> next_sequence_nr{0};

// Note [Destroying long tapes]
// A tape is a chain of shared pointers (node -> edge -> node, node -> saved
// tensor -> its grad_fn), so freeing the last tensor of a 100k-op tape would
// recurse 100k destructors deep and overflow the stack. Instead, a node being
// destroyed hands what it holds to a thread-local graveyard, and the
// outermost node destructor empties it in a loop.
struct Graveyard {
  std::vector<std::shared_ptr<Node>> nodes;
  std::vector<Tensor> tensors;
  bool draining = false;
};
thread_local Graveyard graveyard;

void Bury(std::vector<Tensor>& tensors) {
  for (Tensor& t : tensors) graveyard.tensors.push_back(std::move(t));
  tensors.clear();
}

// The autograd state of a tensor (see Note [Autograd hooks] in
// aot/tensor/tensor.cc).
class AutogradMetaImpl : public AutogradMeta {
 public:
  std::shared_ptr<Node> grad_fn;  // Null for a leaf.
  int output_nr = 0;              // Which result of grad_fn this tensor is.
  std::shared_ptr<Node> accumulator;  // A leaf's AccumulateGrad, made on first use.
  bool is_view = false;           // Made by a view op from a tensor that requires grad.
};

// Returns the autograd state of `t` as the engine's type, replacing a plain
// AutogradMeta (made before the engine installed its hooks), or null if `t`
// has none.
AutogradMetaImpl* MetaOf(const Tensor& t) {
  if (!t.ok() || t.autograd_meta() == nullptr) return nullptr;
  if (auto* m = dynamic_cast<AutogradMetaImpl*>(t.autograd_meta())) return m;
  auto upgraded = std::make_unique<AutogradMetaImpl>();
  upgraded->requires_grad = t.autograd_meta()->requires_grad;
  upgraded->grad = t.autograd_meta()->grad;
  AutogradMetaImpl* raw = upgraded.get();
  Tensor(t).set_autograd_meta(std::move(upgraded));
  return raw;
}

AutogradMetaImpl& MutableMeta(Tensor& t) {
  if (t.autograd_meta() == nullptr) t.set_autograd_meta(std::make_unique<AutogradMetaImpl>());
  return *MetaOf(t);
}

using internal::ShallowCopy;

// Note [Saved tensors]
// A node keeps its op's operands and results for the derivative rule. An
// operand is kept as is (it was made before the node, so no cycle). A result
// is kept as a shallow copy with no autograd state but the same id: keeping
// the result itself would make a cycle (result -> grad_fn -> node -> result),
// and the same id lets the tracer, which maps tensors to graph values by id,
// see the saved result as the value it recorded. Each saved tensor records
// the version of the tensor it saves; if an in-place op writes it before the
// backward runs, unpacking it is a FailedPrecondition error, as in PyTorch.
class SavedTensor {
 public:
  SavedTensor(const Tensor& t, bool is_output) {
    if (!t.ok()) {
      value_ = t;
      return;
    }
    version_ = t.impl()->version;
    if (is_output) {
      value_ = ShallowCopy(t, /*same_id=*/true);
      original_ = t.shared_impl();
    } else {
      value_ = t;
      original_ = t.shared_impl();
    }
  }

  // `node` names the error (built only on that path).
  absl::StatusOr<Tensor> Unpack(const Node& node) const {
    if (!value_.ok()) return value_;
    // An output that nobody holds any more cannot have been written.
    std::shared_ptr<TensorImpl> orig = original_.lock();
    if (orig != nullptr && orig->version != version_) {
      return absl::FailedPreconditionError(absl::StrCat(
          node.name(), ": a tensor it saved for the backward (", value_.meta().ToString(),
          ") was modified by an in-place operation after it was saved (version ", version_, ", now ",
          orig->version, "); clone it before writing to it"));
    }
    return value_;
  }

  // Moves the saved tensor out (see Note [Destroying long tapes]).
  Tensor Take() { return std::move(value_); }

  // True if this saves `t` itself.
  bool Holds(const Tensor& t) const { return value_.ok() && value_.impl() == t.impl(); }
  // Keeps a shallow copy (same storage and id, no autograd state) in place
  // of the tensor, as for a result: see Note [In-place ops under autograd].
  void HoldShallowCopy() {
    if (value_.ok()) value_ = ShallowCopy(value_, /*same_id=*/true);
  }

 private:
  Tensor value_;
  std::weak_ptr<TensorImpl> original_;
  uint32_t version_ = 0;
};

// Note [Saved results under create_graph]
// A saved result has no autograd state (see Note [Saved tensors]), so a rule
// that reads it (exp: grad * result) would treat it as a constant, and the
// gradient of that gradient would miss the path through the result: zero
// for exp, tanh, sigmoid, softmax. When the rule runs with grad mode on
// (create_graph), each differentiable saved result is therefore handed to it
// as a fresh shallow copy (same id) whose grad_fn is this node, as PyTorch's
// SavedVariable::unpack restores the grad_fn of a saved output. The copy
// lives only while the rule and the nodes it records hold it, so no cycle
// forms; the node keeps only a weak pointer to itself.

// What a rule that does not read its results gets in their place: an error
// tensor that says so, should the rule read one after all. One per op,
// made on first use.
Tensor UnsavedResult(const ir::OpDef& op) {
  static std::mutex* const mu = new std::mutex;
  static std::array<Tensor, ir::kNumOps>* const unsaved = new std::array<Tensor, ir::kNumOps>;
  std::lock_guard<std::mutex> lock(*mu);
  Tensor& t = (*unsaved)[static_cast<int>(op.kind())];
  if (!t.defined()) {
    t = Tensor::Error(absl::InternalError(
        absl::StrCat("the derivative rule of ", op.name(), " reads its results, which eager autograd did not save; add ",
                     op.name(), " to RuleReadsResults (aot/autodiff/derivatives.cc)")));
  }
  return t;
}

// Note [The size of a tape node]
// ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
// Every op recorded under autograd makes one OpNode, and a joint graph's
// replay keeps all of them until the backward has run: at
// bench:compile_latency's N=10000, 30000 nodes were 19 MB of the 36 MB heap
// at the joint stage's peak (valgrind dhat), and a node that no longer fits
// the caches costs a miss when it is made and another when the backward
// reaches it. So a node keeps only what Apply cannot get back: not the
// recorded call's result metadata (120 bytes inline in an OpCall; no rule
// reads it, and a rule that re-dispatches the call has it recomputed) nor a
// copy of each operand's sizes and dtype (136 bytes for two operands; the
// saved operand has them, since a tensor's sizes and dtype never change).
// That took sizeof(OpNode) from 616 to 320 bytes.

// The node of one recorded op.
class OpNode : public Node {
 public:
  OpNode(const OpCall& call, const std::vector<Tensor>& outputs, absl::Span<const bool> needs_grad,
         EdgeList edges)
      : Node(static_cast<int>(outputs.size()), std::move(edges)),
        op_(call.op),
        group_sizes_(call.group_sizes),
        attrs_(call.attrs),
        needs_grad_(needs_grad.begin(), needs_grad.end()) {
    operands_.reserve(call.operands.size());
    for (const Tensor& t : call.operands) operands_.emplace_back(t, /*is_output=*/false);
    // See RuleReadsResults: only the results the rule reads are kept.
    if (RuleReadsResults(*op_)) {
      outputs_.reserve(outputs.size());
      for (const Tensor& t : outputs) outputs_.emplace_back(t, /*is_output=*/true);
    }
    num_outputs_ = static_cast<int>(outputs.size());
  }

  std::string name() const override {
    std::string n = op_->schema().name();
    std::string out;
    bool upper = true;
    for (char c : n) {
      if (c == '_' || c == '.') {
        upper = true;
        continue;
      }
      out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
    return out + "Backward";
  }

  absl::StatusOr<std::vector<Tensor>> Apply(std::vector<Tensor> grads) override {
    if (released_) {
      return absl::FailedPreconditionError(absl::StrCat(
          name(), ": trying to run backward through the graph a second time (its saved tensors were freed); "
                  "pass retain_graph=true to the first backward"));
    }
    const DerivativeFn* rule = FindDerivative(op_->kind());
    if (rule == nullptr) return NoDerivativeError(*op_);
    std::vector<Tensor> outputs;
    outputs.reserve(num_outputs_);
    for (const SavedTensor& s : outputs_) {
      AOT_ASSIGN_OR_RETURN(Tensor t, s.Unpack(*this));
      outputs.push_back(std::move(t));
    }
    // The recorded call, with its operands back for the rule; they go again
    // with `call` once the rule has run (on every path: the node holds them
    // as SavedTensors, see Note [Destroying long tapes]). The result metadata
    // is left out (a rule that re-dispatches the call has it recomputed).
    OpCall call;
    call.op = op_;
    call.group_sizes = group_sizes_;
    call.attrs = attrs_;
    call.operands.reserve(operands_.size());
    for (const SavedTensor& s : operands_) {
      AOT_ASSIGN_OR_RETURN(Tensor t, s.Unpack(*this));
      call.operands.push_back(std::move(t));
    }
    // Under create_graph, a result the rule reads is differentiable: it is
    // this node's result (see Note [Saved results under create_graph]).
    std::shared_ptr<Node> self = self_.lock();
    if (GradModeEnabled() && self != nullptr) {
      for (size_t r = 0; r < outputs_.size(); ++r) {
        Tensor& t = outputs[r];
        if (!t.ok() || !IsDifferentiableResult(*op_, static_cast<int>(r), t.dtype())) continue;
        t = ShallowCopy(t, /*same_id=*/true);
        AutogradMetaImpl& meta = MutableMeta(t);
        meta.requires_grad = true;
        meta.grad_fn = self;
        meta.output_nr = static_cast<int>(r);
        meta.is_view = op_->is_view();
      }
    }
    while (static_cast<int>(outputs.size()) < num_outputs_) outputs.push_back(UnsavedResult(*op_));
    GradContext ctx(call, outputs, grads, needs_grad_);
    absl::StatusOr<Grads> result = (*rule)(ctx);
    if (!result.ok()) {
      return absl::Status(result.status().code(), absl::StrCat(name(), ": ", result.status().message()));
    }
    if (result->size() != operands_.size()) {
      return absl::InternalError(absl::StrCat(name(), ": the derivative rule returned ", result->size(),
                                              " gradients for ", operands_.size(), " operands"));
    }
    for (size_t i = 0; i < result->size(); ++i) {
      Tensor& g = (*result)[i];
      if (!needs_grad_[i] || !g.defined()) {
        g = Tensor();
        continue;
      }
      AOT_RETURN_IF_ERROR(g.status());
      // A tensor's sizes and dtype never change, so the saved operand still
      // has those it had when the op ran.
      const Tensor& operand = call.operands[i];
      AOT_RETURN_IF_ERROR(operand.status());
      if (g.sizes() != operand.sizes()) {
        return absl::InternalError(absl::StrCat(name(), ": the derivative rule's gradient for operand ", i, " is ",
                                                g.meta().ToString(), " but the operand has shape [",
                                                absl::StrJoin(operand.sizes(), ","), "]"));
      }
      if (g.dtype() != operand.dtype()) g = g.to(operand.dtype());
    }
    return *std::move(result);
  }

  ~OpNode() override {
    std::vector<Tensor> held;
    for (SavedTensor& t : operands_) held.push_back(t.Take());
    for (SavedTensor& t : outputs_) held.push_back(t.Take());
    Bury(held);
  }

  void ReleaseSaved() override {
    released_ = true;
    operands_.clear();
    outputs_.clear();
  }

  // The shared pointer that owns this node (set once, right after creation).
  void set_self(const std::shared_ptr<Node>& self) { self_ = self; }

  // Saves the operands that are `t` itself as shallow copies.
  void SaveShallowCopiesOf(const Tensor& t) {
    for (SavedTensor& s : operands_) {
      if (s.Holds(t)) s.HoldShallowCopy();
    }
  }

 private:
  std::weak_ptr<Node> self_;
  // The recorded call's op, operand groups and attributes (see Note [The
  // size of a tape node]).
  const ir::OpDef* op_;
  absl::InlinedVector<int, 4> group_sizes_;
  std::vector<ir::AttrValue> attrs_;
  absl::InlinedVector<bool, 4> needs_grad_;
  absl::InlinedVector<SavedTensor, 2> operands_;
  absl::InlinedVector<SavedTensor, 1> outputs_;
  int num_outputs_ = 0;
  bool released_ = false;
};

// Accumulates gradients into a leaf's .grad.
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(const Tensor& leaf) : Node(1, {}), leaf_(leaf.shared_impl()) {}
  std::string name() const override { return "AccumulateGrad"; }

  absl::StatusOr<std::vector<Tensor>> Apply(std::vector<Tensor> grads) override {
    std::shared_ptr<TensorImpl> impl = leaf_.lock();
    if (impl == nullptr || !grads[0].defined()) return std::vector<Tensor>{};
    Tensor leaf(impl);
    Tensor g = grads[0];
    if (g.sizes() != leaf.sizes()) {
      return absl::InternalError(absl::StrCat("AccumulateGrad: gradient ", g.meta().ToString(), " for leaf ",
                                              leaf.meta().ToString()));
    }
    if (g.dtype() != leaf.dtype()) g = g.to(leaf.dtype());
    Tensor old = leaf.grad();
    Tensor updated;
    if (!old.defined()) {
      // Own the gradient: a caller's tensor (a grad_output given to backward)
      // may reach a leaf unchanged.
      updated = GradModeEnabled() ? g : g.clone();
    } else {
      updated = old + g;
    }
    AOT_RETURN_IF_ERROR(updated.status());
    leaf.set_grad(updated);
    return std::vector<Tensor>{};
  }

 private:
  std::weak_ptr<TensorImpl> leaf_;
};

bool AnyOperandRequiresGrad(const OpCall& call) {
  for (const Tensor& t : call.operands) {
    if (t.requires_grad()) return true;
  }
  return false;
}

// Attaches the differentiable results of `call` to a new node.
void Record(const OpCall& call, std::vector<Tensor>& results) {
  absl::InlinedVector<bool, 4> needs(call.operands.size());
  EdgeList edges(call.operands.size());
  for (size_t i = 0; i < call.operands.size(); ++i) {
    const Tensor& t = call.operands[i];
    needs[i] = t.requires_grad() && ir::IsFloating(t.dtype());
    if (needs[i]) edges[i] = GradientEdge(t);
  }
  bool any = false;
  for (size_t r = 0; r < results.size(); ++r) {
    any = any || IsDifferentiableResult(*call.op, static_cast<int>(r), results[r].dtype());
  }
  if (!any) return;
  for (size_t r = 0; r < results.size(); ++r) {
    // A result that is one of the operands (a kernel returning its input)
    // gets its own impl, so that its history does not replace the operand's.
    for (const Tensor& t : call.operands) {
      if (t.impl() == results[r].impl() && t.ok()) {
        results[r] = ShallowCopy(results[r], /*same_id=*/false);
        break;
      }
    }
  }
  auto node = std::make_shared<OpNode>(call, results, needs, std::move(edges));
  node->set_self(node);
  for (size_t r = 0; r < results.size(); ++r) {
    Tensor& t = results[r];
    if (!t.ok() || !IsDifferentiableResult(*call.op, static_cast<int>(r), t.dtype())) continue;
    AutogradMetaImpl& meta = MutableMeta(t);
    meta.requires_grad = true;
    meta.grad_fn = node;
    meta.output_nr = static_cast<int>(r);
    meta.is_view = call.op->is_view();
  }
}

// Note [In-place ops under autograd]
// An in-place op `self.op_(args)` on tensors that require grad is recorded as
// its functional form on a copy of self's old value, and self takes the
// result's values and history:
//   old = clone(self)            (not recorded: old takes self's place on
//                                 the tape, so nothing saves self)
//   r = op(old, args)            (recorded: saves old, which nothing writes)
//   self.copy_(r) without autograd; self.grad_fn = r.grad_fn
// so the rule of the functional op serves the in-place one. Writing a leaf
// that requires grad is an error (its .grad would not be the gradient of
// anything), as is writing a view of a tensor that requires grad: the base's
// history would have to be rewritten (PyTorch's CopySlices), which is not
// supported; clone the view first.
//
// When self is also another operand (y.mul_(y)), the recorded node saves
// self as that operand and then becomes self's grad_fn: a cycle (self ->
// grad_fn -> saved self) that would never be freed. The node then keeps a
// shallow copy of self instead (same storage and id, no autograd state) and
// a weak pointer to self for the version check, as it does for a result
// (Note [Saved tensors]), so the backward still reports the write. A view
// of self as the other operand (y.mul_(y.t())) still makes a cycle, through
// the node's edge to the view's grad_fn, which saves self (every node saves
// its operands): not broken yet.
absl::StatusOr<std::vector<Tensor>> HandleInplace(const OpCall& call) {
  Tensor self = call.operands[0];
  const ir::OpDef& op = *call.op;
  AutogradMetaImpl* meta = MetaOf(self);
  if (self.requires_grad() && (meta == nullptr || meta->grad_fn == nullptr)) {
    return absl::InvalidArgumentError(absl::StrCat(
        op.name(), ": a leaf tensor that requires grad is written in place; write it under NoGradGuard, or "
                   "clone it first"));
  }
  if (meta != nullptr && meta->is_view) {
    return absl::UnimplementedError(absl::StrCat(
        op.name(), ": writing in place to a view of a tensor that requires grad is not supported; clone() the "
                   "view first"));
  }
  const ir::OpDef* functional = op.functional_form();
  if (functional == nullptr) {
    // fill_, zero_: the new value does not depend on the old one.
    absl::StatusOr<std::vector<Tensor>> out = Redispatch(call);
    if (out.ok() && meta != nullptr) {
      meta->grad_fn = nullptr;
      meta->requires_grad = false;
    }
    return out;
  }
  OpCall f = call;
  f.op = functional;
  f.result_metas.clear();
  if (self.requires_grad()) {
    // The old value, copied, takes self's place on the tape.
    Tensor old;
    {
      NoGradGuard no_grad;
      old = self.clone();
    }
    AOT_RETURN_IF_ERROR(old.status());
    AutogradMetaImpl& m = MutableMeta(old);
    m.requires_grad = true;
    m.grad_fn = meta->grad_fn;
    m.output_nr = meta->output_nr;
    f.operands[0] = old;
  }
  AOT_ASSIGN_OR_RETURN(std::vector<Tensor> r, DispatchCall(std::move(f)));
  {
    ExcludeKeyGuard no_autograd(DispatchKey::kAutograd);
    AOT_RETURN_IF_ERROR(self.copy_(r[0]).status());
  }
  AutogradMetaImpl* rmeta = MetaOf(r[0]);
  if (rmeta != nullptr && rmeta->grad_fn != nullptr) {
    AutogradMetaImpl& m = MutableMeta(self);
    m.requires_grad = true;
    m.grad_fn = rmeta->grad_fn;
    m.output_nr = rmeta->output_nr;
    if (auto* node = dynamic_cast<OpNode*>(m.grad_fn.get())) node->SaveShallowCopiesOf(self);
  }
  return std::vector<Tensor>{self};
}

absl::StatusOr<std::vector<Tensor>> AutogradHandler(const OpCall& call) {
  if (call.op->is_inplace()) return HandleInplace(call);
  AOT_ASSIGN_OR_RETURN(std::vector<Tensor> results, Redispatch(call));
  if (call.op->has(ir::kNonDifferentiable) || !AnyOperandRequiresGrad(call)) return results;
  Record(call, results);
  return results;
}

// --- The engine ---------------------------------------------------------------

struct NodeState {
  int dependencies = 0;       // Edges from nodes still to run.
  std::vector<Tensor> grads;  // One per node input, summed as they arrive.
  bool needed = false;        // Runs (false: only its gradients are captured).
  bool capture = false;       // The node of a captured edge.
  int first_edge = 0;         // Its next edges in RunBackward's `targets`.
};

// Adds `g` into slot `slot`.
absl::Status AccumulateInto(Tensor& slot, const Tensor& g) {
  if (!g.defined()) return absl::OkStatus();
  AOT_RETURN_IF_ERROR(g.status());
  if (!slot.defined()) {
    slot = g;
    return absl::OkStatus();
  }
  slot = slot + g;
  return slot.status();
}

// Runs the tape backwards from `roots` (with their gradients). With
// `captures`, returns the summed gradient arriving at each captured edge and
// runs only the nodes needed to reach them; without, runs every reachable
// node (leaf accumulators included).
absl::StatusOr<std::vector<Tensor>> RunBackward(const std::vector<Edge>& roots, const std::vector<Tensor>& root_grads,
                                                const std::vector<Edge>* captures, bool retain_graph,
                                                bool create_graph) {
  GradModeGuard grad_mode(create_graph);
  // Discover the graph and count dependencies (iteratively: tapes are deep).
  // Nodes get dense ids in discovery order; each node's next edges are
  // stored once as ids (-1: an invalid edge) in `targets`, so that the
  // passes below do no hashing.
  absl::flat_hash_map<Node*, int> id;
  std::vector<Node*> nodes;
  std::vector<NodeState> state;
  std::vector<int> targets;
  auto discover = [&](Node* n) {
    auto [it, inserted] = id.try_emplace(n, static_cast<int>(nodes.size()));
    if (inserted) {
      nodes.push_back(n);
      state.emplace_back();
    }
    return std::make_pair(it->second, inserted);
  };
  std::vector<int> stack;
  for (const Edge& e : roots) {
    if (!e.valid()) continue;
    auto [i, inserted] = discover(e.node.get());
    if (inserted) stack.push_back(i);
  }
  while (!stack.empty()) {
    int i = stack.back();
    stack.pop_back();
    state[i].first_edge = static_cast<int>(targets.size());
    for (const Edge& e : nodes[i]->next_edges()) {
      if (!e.valid()) {
        targets.push_back(-1);
        continue;
      }
      auto [t, inserted] = discover(e.node.get());
      targets.push_back(t);
      ++state[t].dependencies;
      if (inserted) stack.push_back(t);
    }
  }
  const int num_nodes = static_cast<int>(nodes.size());
  auto next_ids = [&](int i) {
    return absl::MakeConstSpan(targets.data() + state[i].first_edge, nodes[i]->next_edges().size());
  };
  for (int i = 0; i < num_nodes; ++i) state[i].grads.resize(nodes[i]->num_inputs());
  // Which nodes run: all, or those from which a captured edge is reachable.
  if (captures == nullptr) {
    for (NodeState& s : state) s.needed = true;
  } else {
    for (const Edge& e : *captures) {
      if (!e.valid()) continue;
      auto it = id.find(e.node.get());
      if (it != id.end()) state[it->second].capture = true;
    }
    // A node is needed if one of its next nodes is a capture node or needed.
    // Process in reverse topological order: compute a topological order by
    // Kahn's algorithm over the dependency counts.
    std::vector<int> deps(num_nodes);
    for (int i = 0; i < num_nodes; ++i) deps[i] = state[i].dependencies;
    std::vector<int> topo;
    topo.reserve(num_nodes);
    std::vector<int> ready;
    for (const Edge& e : roots) {
      if (!e.valid()) continue;
      int i = id.at(e.node.get());
      if (deps[i] == 0) ready.push_back(i);
    }
    std::vector<bool> seen_ready(num_nodes, false);
    while (!ready.empty()) {
      int i = ready.back();
      ready.pop_back();
      if (seen_ready[i]) continue;
      seen_ready[i] = true;
      topo.push_back(i);
      for (int t : next_ids(i)) {
        if (t >= 0 && --deps[t] == 0) ready.push_back(t);
      }
    }
    for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
      bool needed = false;
      for (int t : next_ids(*it)) {
        if (t >= 0 && (state[t].capture || state[t].needed)) needed = true;
      }
      state[*it].needed = needed;
    }
  }
  // Seed the roots.
  for (size_t i = 0; i < roots.size(); ++i) {
    if (!roots[i].valid()) continue;
    AOT_RETURN_IF_ERROR(AccumulateInto(state[id.at(roots[i].node.get())].grads[roots[i].input_nr], root_grads[i]));
  }
  std::vector<Tensor> captured(captures == nullptr ? 0 : captures->size());
  // Ready nodes, latest created first: (sequence number, id).
  std::priority_queue<std::pair<uint64_t, int>> ready;
  std::vector<bool> queued(num_nodes, false);
  for (const Edge& e : roots) {
    if (!e.valid()) continue;
    int i = id.at(e.node.get());
    if (state[i].dependencies == 0 && !queued[i]) {
      queued[i] = true;
      ready.emplace(nodes[i]->sequence_nr(), i);
    }
  }
  while (!ready.empty()) {
    const int i = ready.top().second;
    ready.pop();
    Node* n = nodes[i];
    NodeState& s = state[i];
    if (s.capture) {
      for (size_t c = 0; c < captures->size(); ++c) {
        if ((*captures)[c].node.get() == n) captured[c] = s.grads[(*captures)[c].input_nr];
      }
    }
    std::vector<Tensor> out;
    if (s.needed) {
      absl::StatusOr<std::vector<Tensor>> r = n->Apply(std::move(s.grads));
      if (!r.ok()) return r.status();
      out = *std::move(r);
      if (!retain_graph) n->ReleaseSaved();
    }
    s.grads.clear();
    absl::Span<const Edge> next = n->next_edges();
    absl::Span<const int> next_id = next_ids(i);
    for (size_t k = 0; k < next_id.size(); ++k) {
      const int t = next_id[k];
      if (t < 0) continue;
      NodeState& ns = state[t];
      if (k < out.size()) AOT_RETURN_IF_ERROR(AccumulateInto(ns.grads[next[k].input_nr], out[k]));
      if (--ns.dependencies == 0) ready.emplace(nodes[t]->sequence_nr(), t);
    }
  }
  return captured;
}

// Checks the roots and makes their gradients (ones for scalars).
absl::StatusOr<std::vector<Tensor>> RootGrads(absl::Span<const Tensor> outputs,
                                              absl::Span<const Tensor> grad_outputs) {
  if (!grad_outputs.empty() && grad_outputs.size() != outputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat("backward: ", grad_outputs.size(), " gradients for ",
                                                   outputs.size(), " outputs"));
  }
  std::vector<Tensor> grads;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& o = outputs[i];
    AOT_RETURN_IF_ERROR(o.status());
    if (!o.requires_grad()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "backward: output ", i, " (", o.meta().ToString(),
          ") does not require grad: no input of the ops that made it requires grad, or it was made under "
          "NoGradGuard"));
    }
    if (grad_outputs.empty() || !grad_outputs[i].defined()) {
      if (o.numel() != 1) {
        return absl::InvalidArgumentError(absl::StrCat("backward: output ", i, " is ", o.meta().ToString(),
                                                       "; a gradient can be implied only for a scalar output"));
      }
      grads.push_back(ones_like(o));
      continue;
    }
    const Tensor& g = grad_outputs[i];
    AOT_RETURN_IF_ERROR(g.status());
    if (g.sizes() != o.sizes()) {
      return absl::InvalidArgumentError(absl::StrCat("backward: gradient ", i, " is ", g.meta().ToString(),
                                                     ", output ", i, " is ", o.meta().ToString()));
    }
    grads.push_back(g);
  }
  return grads;
}

absl::Status BackwardHook(const Tensor& root, const Tensor& gradient, bool retain_graph, bool create_graph) {
  return Backward({root}, gradient.defined() ? std::vector<Tensor>{gradient} : std::vector<Tensor>{},
                  {.retain_graph = retain_graph, .create_graph = create_graph});
}

const bool kInstalled = [] {
  RegisterFallback(DispatchKey::kAutograd, AutogradHandler);
  SetAutogradHooks({.make_meta = [] { return std::unique_ptr<AutogradMeta>(new AutogradMetaImpl()); },
                    .backward = BackwardHook});
  return true;
}();

}  // namespace

Node::Node(int num_inputs, EdgeList next_edges)
    : num_inputs_(num_inputs), next_edges_(std::move(next_edges)), sequence_nr_(next_sequence_nr++) {}

Node::~Node() {
  // See Note [Destroying long tapes].
  for (Edge& e : next_edges_) {
    if (e.node != nullptr) graveyard.nodes.push_back(std::move(e.node));
  }
  next_edges_.clear();
  if (graveyard.draining) return;
  graveyard.draining = true;
  while (!graveyard.nodes.empty() || !graveyard.tensors.empty()) {
    if (!graveyard.tensors.empty()) {
      Tensor t = std::move(graveyard.tensors.back());
      graveyard.tensors.pop_back();
    } else {
      std::shared_ptr<Node> n = std::move(graveyard.nodes.back());
      graveyard.nodes.pop_back();
    }
  }
  graveyard.draining = false;
}

std::shared_ptr<Node> GradFn(const Tensor& t) {
  AutogradMetaImpl* m = MetaOf(t);
  return m == nullptr ? nullptr : m->grad_fn;
}

bool IsLeaf(const Tensor& t) { return t.requires_grad() && GradFn(t) == nullptr; }

Edge GradientEdge(const Tensor& t) {
  if (!t.requires_grad()) return {};
  AutogradMetaImpl* m = MetaOf(t);
  if (m->grad_fn != nullptr) return {m->grad_fn, m->output_nr};
  if (m->accumulator == nullptr) m->accumulator = std::make_shared<AccumulateGrad>(t);
  return {m->accumulator, 0};
}

absl::Status Backward(absl::Span<const Tensor> outputs, absl::Span<const Tensor> grad_outputs,
                      const BackwardOptions& options) {
  AOT_ASSIGN_OR_RETURN(std::vector<Tensor> grads, RootGrads(outputs, grad_outputs));
  std::vector<Edge> roots;
  for (const Tensor& o : outputs) roots.push_back(GradientEdge(o));
  return RunBackward(roots, grads, nullptr, options.retain_graph.value_or(options.create_graph), options.create_graph).status();
}

absl::StatusOr<std::vector<Tensor>> Grad(absl::Span<const Tensor> outputs, absl::Span<const Tensor> inputs,
                                         absl::Span<const Tensor> grad_outputs, const GradOptions& options) {
  AOT_ASSIGN_OR_RETURN(std::vector<Tensor> grads, RootGrads(outputs, grad_outputs));
  std::vector<Edge> captures;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    AOT_RETURN_IF_ERROR(t.status());
    if (!t.requires_grad()) {
      return absl::InvalidArgumentError(
          absl::StrCat("grad: input ", i, " (", t.meta().ToString(), ") does not require grad"));
    }
    captures.push_back(GradientEdge(t));
  }
  std::vector<Edge> roots;
  for (const Tensor& o : outputs) roots.push_back(GradientEdge(o));
  AOT_ASSIGN_OR_RETURN(std::vector<Tensor> result,
                       RunBackward(roots, grads, &captures, options.retain_graph.value_or(options.create_graph), options.create_graph));
  for (size_t i = 0; i < result.size(); ++i) {
    if (result[i].defined()) {
      if (result[i].dtype() != inputs[i].dtype()) result[i] = result[i].to(inputs[i].dtype());
      continue;
    }
    if (options.materialize_unused) {
      result[i] = zeros_like(inputs[i]);
    } else if (!options.allow_unused) {
      return absl::InvalidArgumentError(absl::StrCat(
          "grad: input ", i, " (", inputs[i].meta().ToString(),
          ") was not used to compute the outputs; pass allow_unused to get an undefined gradient for it"));
    }
  }
  return result;
}

// --- Custom functions ---------------------------------------------------------

void FunctionContext::SaveForBackward(std::vector<Tensor> tensors) { saved_ = std::move(tensors); }

absl::StatusOr<std::vector<Tensor>> FunctionContext::saved() const {
  if (released_) {
    return absl::FailedPreconditionError(
        "saved tensors were freed by an earlier backward; pass retain_graph=true to run backward twice");
  }
  return saved_;
}

void FunctionContext::MarkNonDifferentiable(int output) {
  if (output >= static_cast<int>(non_differentiable_.size())) non_differentiable_.resize(output + 1);
  non_differentiable_[output] = true;
}

class FunctionNode : public Node {
 public:
  FunctionNode(CustomFunction fn, std::shared_ptr<FunctionContext> ctx, int num_outputs, EdgeList edges,
               std::vector<std::pair<SizeVec, DType>> input_metas)
      : Node(num_outputs, std::move(edges)),
        fn_(std::move(fn)),
        ctx_(std::move(ctx)),
        input_metas_(std::move(input_metas)) {}

  std::string name() const override { return fn_.name + "Backward"; }

  absl::StatusOr<std::vector<Tensor>> Apply(std::vector<Tensor> grads) override {
    if (ctx_->released_) {
      return absl::FailedPreconditionError(absl::StrCat(
          name(), ": trying to run backward through the graph a second time (its saved tensors were freed); "
                  "pass retain_graph=true to the first backward"));
    }
    absl::StatusOr<std::vector<Tensor>> r = fn_.backward(*ctx_, grads);
    if (!r.ok()) return absl::Status(r.status().code(), absl::StrCat(name(), ": ", r.status().message()));
    if (r->size() != input_metas_.size()) {
      return absl::InvalidArgumentError(absl::StrCat(name(), ": backward returned ", r->size(),
                                                     " gradients for ", input_metas_.size(), " inputs"));
    }
    for (size_t i = 0; i < r->size(); ++i) {
      Tensor& g = (*r)[i];
      if (!g.defined()) continue;
      AOT_RETURN_IF_ERROR(g.status());
      const auto& [sizes, dtype] = input_metas_[i];
      if (g.sizes() != absl::MakeConstSpan(sizes)) {
        return absl::InvalidArgumentError(absl::StrCat(name(), ": backward returned ", g.meta().ToString(),
                                                       " for input ", i, " of shape [", absl::StrJoin(sizes, ","),
                                                       "]"));
      }
      if (g.dtype() != dtype) g = g.to(dtype);
    }
    return r;
  }

  void ReleaseSaved() override {
    ctx_->saved_.clear();
    ctx_->released_ = true;
  }

 private:
  CustomFunction fn_;
  std::shared_ptr<FunctionContext> ctx_;
  std::vector<std::pair<SizeVec, DType>> input_metas_;
};

absl::StatusOr<std::vector<Tensor>> ApplyFunction(const CustomFunction& fn, const std::vector<Tensor>& inputs) {
  if (!fn.forward || !fn.backward) {
    return absl::InvalidArgumentError(absl::StrCat(fn.name, ": a custom function needs a forward and a backward"));
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].defined()) AOT_RETURN_IF_ERROR(inputs[i].status());
  }
  auto ctx = std::make_shared<FunctionContext>();
  bool record = GradModeEnabled();
  bool any = false;
  ctx->needs_input_grad_.resize(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    ctx->needs_input_grad_[i] = inputs[i].requires_grad() && ir::IsFloating(inputs[i].dtype());
    any = any || ctx->needs_input_grad_[i];
  }
  record = record && any;
  std::vector<Tensor> outputs;
  {
    NoGradGuard no_grad;
    absl::StatusOr<std::vector<Tensor>> r = fn.forward(*ctx, inputs);
    if (!r.ok()) return absl::Status(r.status().code(), absl::StrCat(fn.name, ": ", r.status().message()));
    outputs = *std::move(r);
  }
  if (!record) return outputs;
  EdgeList edges(inputs.size());
  std::vector<std::pair<SizeVec, DType>> metas;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (ctx->needs_input_grad_[i]) edges[i] = GradientEdge(inputs[i]);
    metas.emplace_back(inputs[i].ok() ? SizeVec(inputs[i].sizes().begin(), inputs[i].sizes().end()) : SizeVec(),
                       inputs[i].dtype());
  }
  auto node = std::make_shared<FunctionNode>(fn, ctx, static_cast<int>(outputs.size()), std::move(edges),
                                             std::move(metas));
  for (size_t o = 0; o < outputs.size(); ++o) {
    Tensor& t = outputs[o];
    AOT_RETURN_IF_ERROR(t.status());
    bool nondiff = o < ctx->non_differentiable_.size() && ctx->non_differentiable_[o];
    if (nondiff || !ir::IsFloating(t.dtype())) continue;
    for (const Tensor& in : inputs) {
      if (in.impl() == t.impl()) {
        t = ShallowCopy(t, /*same_id=*/false);
        break;
      }
    }
    AutogradMetaImpl& meta = MutableMeta(t);
    meta.requires_grad = true;
    meta.grad_fn = node;
    meta.output_nr = static_cast<int>(o);
  }
  return outputs;
}

}  // namespace aot::autodiff
