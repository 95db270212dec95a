#include "aot/trace/make_graph.h"

#include <cmath>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"
#include "aot/tensor/ops.h"

namespace aot::trace {
namespace {

using ir::OpKind;

// Note [Functionalization]
// The traced graph has no in-place ops and no aliasing:
//  - An in-place op `x.add_(y)` is recorded as its functional form
//    `add(x, y)`, and `x` is rebound: later uses of the fake tensor x read the
//    new value.
//  - Views are tracked: every view op result remembers its base tensor and
//    the chain of view ops from it. Writing to a view writes its base: the
//    new base is where(mask, index_add(zeros, idx, new_view), old_base),
//    with idx the view chain replayed on arange(numel(base)), so every
//    element of the base the view covers takes the new value exactly.
//    Writing to a base (or through another view) bumps the base's version;
//    a view whose base changed is recomputed from the base on its next use.
//  - `view` is recorded as `reshape`, which never fails on a layout that
//    functionalization changed.
//  - What eager execution aliases is tracked as a view: the view ops,
//    `detach` (whose kernel returns an alias, as in PyTorch), each piece of
//    `split` and `chunk` (a slice of the input), and `reshape` when the
//    input's strides allow a view (otherwise it copies, eagerly too).
//  - Writing a tensor in which several elements share one memory location
//    (an expanded view) is an error, as in PyTorch: eager kernels write such
//    elements in no defined order, and index_add would add up the values.
//  - A graph input written in place becomes an extra graph output, and
//    TracedGraph::mutations says which input it updates.
//
// Note [Random ops while tracing]
// A random op called without its optional `seed` operand draws from the
// global generator at run time. The tracer gives it an explicit one: a new
// graph input (ExtraInput::kSeed) that the runtime fills with
// NextSeedTensor(numel) on each call, so that a recomputation of the forward
// sees the same numbers as the forward.

struct ViewStep {
  const ir::OpDef* op;
  std::vector<ir::AttrValue> attrs;
};

struct ViewInfo {
  uint64_t base = 0;           // The tensor id of the base.
  std::vector<ViewStep> steps; // From the base to this view.
  uint64_t seen_version = 0;   // The base version this view's value reflects.
};

ir::AttrList NamedAttrs(const ir::OpDef& op, absl::Span<const ir::AttrValue> attrs) {
  ir::AttrList out;
  const ir::OpSchema& s = op.schema();
  for (int i = 0; i < s.num_attrs(); ++i) out.emplace_back(s.args()[s.attr_args()[i]].name, attrs[i]);
  return out;
}

// Unary view ops that functionalization can replay and invert.
bool IsReplayableView(OpKind k) {
  switch (k) {
    case OpKind::kView:
    case OpKind::kReshape:
    case OpKind::kPermute:
    case OpKind::kTranspose:
    case OpKind::kSqueeze:
    case OpKind::kUnsqueeze:
    case OpKind::kSlice:
    case OpKind::kSelect:
    case OpKind::kExpand:
    case OpKind::kDetach:
      return true;
    default:
      return false;
  }
}

// The graph value of each tensor the trace has seen, by tensor id. Ids come
// from a global counter as tensors are made, so the tracer's tensors (from
// the first fake input on) have nearly consecutive ids: those live in a
// vector indexed by id - base, which an insert or a lookup reaches in
// creation order; a hash map probes a random slot, and at 10k blocks
// (120k tensors) its table no longer fits the caches. Other ids (tensors made
// before the trace and captured, or far ahead, made by other threads) go to
// a hash map.
class ValueMap {
 public:
  // Returns the value of tensor `id`, or nullptr.
  ir::Value* Find(uint64_t id) const {
    if (id >= base_ && id - base_ < dense_.size() && dense_[id - base_] != nullptr) return dense_[id - base_];
    if (sparse_.empty()) return nullptr;
    auto it = sparse_.find(id);
    return it == sparse_.end() ? nullptr : it->second;
  }

  void Set(uint64_t id, ir::Value* v) {
    if (dense_.empty()) base_ = id;
    if (id >= base_ && id - base_ < dense_.size() + kMaxGap) {
      if (id - base_ >= dense_.size()) dense_.resize(id - base_ + 1, nullptr);
      dense_[id - base_] = v;
      return;
    }
    sparse_[id] = v;
  }

 private:
  // How far past the dense range an id may be and still extend it.
  static constexpr uint64_t kMaxGap = 1 << 16;
  uint64_t base_ = 0;
  std::vector<ir::Value*> dense_;
  absl::flat_hash_map<uint64_t, ir::Value*> sparse_;
};

class Tracer : public DispatchMode {
 public:
  Tracer(ir::Graph* graph, const TraceOptions& options) : graph_(graph), options_(options) {}

  absl::StatusOr<std::vector<Tensor>> Handle(const OpCall& call) override {
    if (!error_.ok()) return error_;
    absl::StatusOr<std::vector<Tensor>> out = HandleImpl(call);
    if (!out.ok() && error_.ok()) error_ = out.status();
    return out;
  }

  // Maps a fake input to a graph input.
  void Bind(const Tensor& fake, ir::Value* v) { value_of_.Set(fake.id(), v); }

  // Returns the value of `t`, lifting a captured real tensor to an input.
  absl::StatusOr<ir::Value*> ValueOf(const Tensor& t) {
    AOT_RETURN_IF_ERROR(SyncView(t));
    if (ir::Value* v = value_of_.Find(t.id())) return v;
    if (t.is_fake()) {
      return absl::InvalidArgumentError(
          "a fake tensor from outside this trace was used (from another make_graph call?)");
    }
    if (!options_.lift_captured_tensors) return EmbedConstant(t);
    ir::Value* v = graph_->AddInput(absl::StrCat("_tensor_constant", lifted_count_++), t.meta());
    extra_inputs.push_back({ExtraInput::Kind::kLifted, t, 0});
    value_of_.Set(t.id(), v);
    return v;
  }

  const absl::Status& error() const { return error_; }
  std::vector<ExtraInput> extra_inputs;

 private:
  absl::StatusOr<std::vector<Tensor>> HandleImpl(const OpCall& call) {
    const ir::OpDef& op = *call.op;
    if (options_.decompositions != nullptr) {
      if (const DecompositionFn* fn = options_.decompositions->Find(op.kind())) {
        // The decomposition's ops are traced (and decomposed) in turn.
        DispatchModeGuard again(this);
        absl::StatusOr<std::vector<Tensor>> out = (*fn)(call);
        if (!out.ok()) {
          return absl::Status(out.status().code(),
                              absl::StrCat(op.name(), " (decomposition): ", out.status().message()));
        }
        return out;
      }
    }
    if (op.is_random()) {
      int g = op.schema().TensorArgIndex("seed");
      if (g >= 0 && call.group_sizes[g] == 0) return TraceWithSeedInput(call, g);
    }
    if (options_.functionalize && op.is_inplace()) return TraceInplace(call);
    return Record(call);
  }

  // Records `call` as a node (view results become tracked views).
  absl::StatusOr<std::vector<Tensor>> Record(const OpCall& call) {
    const ir::OpDef* op = call.op;
    std::vector<ir::AttrValue> attrs = call.attrs;
    if (options_.functionalize && op->kind() == OpKind::kView) {
      op = &ir::GetOpDef(OpKind::kReshape);  // Same attribute list (the size).
    }
    absl::InlinedVector<ir::Value*, 4> operands;
    operands.reserve(call.operands.size());
    for (const Tensor& t : call.operands) {
      AOT_ASSIGN_OR_RETURN(ir::Value * v, ValueOf(t));
      operands.push_back(v);
    }
    // Results are named after the op; later results derive their names
    // from the first one's.
    AOT_ASSIGN_OR_RETURN(ir::Node * node,
                         graph_->CreateUncheckedResolvedNamed(op->kind(), operands, call.group_sizes, std::move(attrs),
                                                              call.result_metas, op->schema().name()));
    std::vector<Tensor> results;
    bool aliases = false;
    if (call.op->is_view() || call.kind() == OpKind::kDetach) {
      // The Meta view kernels give fakes with the view's strides.
      AOT_ASSIGN_OR_RETURN(results, Redispatch(call));
      aliases = true;
    } else if (call.kind() == OpKind::kReshape) {
      // A view where the input's strides allow one (the `view` kernel
      // succeeds), else a copy: what the reshape kernel does.
      OpCall as_view = call;
      as_view.op = &ir::GetOpDef(OpKind::kView);  // Same attribute list (the size).
      absl::StatusOr<std::vector<Tensor>> view = Redispatch(as_view);
      if (view.ok()) {
        results = *std::move(view);
        aliases = true;
      }
    }
    if (results.empty()) {
      for (const ir::TensorMeta& m : call.result_metas) {
        results.push_back(Tensor::FakeOf(m));
        AOT_RETURN_IF_ERROR(results.back().status());
      }
    }
    for (size_t i = 0; i < results.size(); ++i) value_of_.Set(results[i].id(), node->result(static_cast<int>(i)));
    if (options_.functionalize && aliases) {
      const Tensor& src = call.input(0);
      if (IsReplayableView(call.kind())) {
        TrackView(src, results[0], {call.op, call.attrs});
      } else if (call.kind() == OpKind::kSplit || call.kind() == OpKind::kChunk) {
        // Piece i is slice(dim, start_i, start_i + size_i) of the input.
        int64_t dim = call.attr("dim").i();
        int d = static_cast<int>(dim < 0 ? dim + src.dim() : dim);
        int64_t start = 0;
        for (const Tensor& piece : results) {
          int64_t end = start + piece.size(d);
          TrackView(src, piece, {&ir::GetOpDef(OpKind::kSlice), {dim, start, end, int64_t{1}}});
          start = end;
        }
      }
    }
    return results;
  }

  // Records that `view` is `step` applied to `src` (a base or a view).
  void TrackView(const Tensor& src, const Tensor& view, ViewStep step) {
    ViewInfo info;
    auto vit = views_.find(src.id());
    if (vit != views_.end()) {
      info = vit->second;
    } else {
      info.base = src.id();
      bases_[src.id()] = src;
    }
    info.steps.push_back(std::move(step));
    info.seen_version = version_[info.base];
    views_[view.id()] = std::move(info);
  }

  // Recomputes a view whose base was written since its value was recorded.
  absl::Status SyncView(const Tensor& t) {
    auto it = views_.find(t.id());
    if (it == views_.end()) return absl::OkStatus();
    uint64_t now = version_[it->second.base];
    if (it->second.seen_version == now) return absl::OkStatus();
    it->second.seen_version = now;  // Set first: replaying reads the base, not this view.
    // Copies: replaying records views, which may rehash the maps.
    std::vector<ViewStep> steps = it->second.steps;
    Tensor base = bases_.at(it->second.base);
    AOT_ASSIGN_OR_RETURN(Tensor replayed, Replay(base, steps));
    ir::Value* v = value_of_.Find(replayed.id());
    AOT_CHECK(v != nullptr) << "a replayed view has no graph value";
    value_of_.Set(t.id(), v);
    return absl::OkStatus();
  }

  // Applies `steps` to `start` (recording them).
  absl::StatusOr<Tensor> Replay(const Tensor& start, const std::vector<ViewStep>& steps) {
    DispatchModeGuard again(this);
    Tensor cur = start;
    for (const ViewStep& s : steps) {
      cur = CallOp1(s.op->kind(), {cur}, NamedAttrs(*s.op, s.attrs));
      AOT_RETURN_IF_ERROR(cur.status());
    }
    return cur;
  }

  absl::StatusOr<std::vector<Tensor>> TraceInplace(const OpCall& call) {
    const Tensor& self = call.input(0);
    const ir::OpDef& op = *call.op;
    for (int d = 0; d < self.dim(); ++d) {
      if (self.size(d) > 1 && self.strides()[d] == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(op.name(), ": cannot write in place to ", self.meta().ToString(),
                         ", in which several elements share one memory location (an expanded view); "
                         "clone it first"));
      }
    }
    Tensor result;
    {
      DispatchModeGuard again(this);
      OpCall functional = call;
      switch (op.kind()) {
        case OpKind::kFill_:
          result = CallOp1(OpKind::kFullLike, {self}, {{"fill_value", call.attr("value")}});
          break;
        case OpKind::kZero_:
          result = CallOp1(OpKind::kZerosLike, {self});
          break;
        default: {
          const ir::OpDef* f = op.functional_form();
          if (f == nullptr) {
            return absl::UnimplementedError(absl::StrCat(op.name(), ": no functional form to trace it with"));
          }
          functional.op = f;
          functional.result_metas.clear();
          AOT_ASSIGN_OR_RETURN(std::vector<Tensor> r, DispatchCall(std::move(functional)));
          result = r[0];
        }
      }
      AOT_RETURN_IF_ERROR(result.status());
      if (result.dtype() != self.dtype()) result = result.to(self.dtype());
      AOT_RETURN_IF_ERROR(result.status());
    }
    AOT_ASSIGN_OR_RETURN(ir::Value * new_value, ValueOf(result));
    auto vit = views_.find(self.id());
    if (vit == views_.end()) {
      // A base: rebind it; its views recompute on their next use.
      value_of_.Set(self.id(), new_value);
      ++version_[self.id()];
      return std::vector<Tensor>{self};
    }
    // A view: write the new values into the base.
    ViewInfo info = vit->second;
    Tensor base = bases_.at(info.base);  // A copy: recording below may rehash bases_.
    {
      DispatchModeGuard again(this);
      int64_t n = base.numel();
      Tensor idx = arange(0, static_cast<double>(n), 1, DType::kInt64).reshape(
          std::vector<int64_t>(base.sizes().begin(), base.sizes().end()));
      AOT_ASSIGN_OR_RETURN(Tensor idx_view, Replay(idx, info.steps));
      Tensor idx_flat = idx_view.reshape({-1});
      Tensor base_flat = base.reshape({-1});
      Tensor scattered = index_add(zeros_like(base_flat), 0, idx_flat, result.reshape({-1}));
      Tensor hits = index_add(zeros({n}, {.dtype = DType::kInt64}), 0, idx_flat, ones_like(idx_flat));
      Tensor mask = CallOp1(OpKind::kGtScalar, {hits}, {{"other", int64_t{0}}});
      Tensor new_base =
          where(mask, scattered, base_flat).reshape(std::vector<int64_t>(base.sizes().begin(), base.sizes().end()));
      AOT_RETURN_IF_ERROR(new_base.status());
      AOT_ASSIGN_OR_RETURN(ir::Value * nb, ValueOf(new_base));
      value_of_.Set(info.base, nb);
    }
    uint64_t v = ++version_[info.base];
    value_of_.Set(self.id(), new_value);
    vit = views_.find(self.id());
    vit->second.seen_version = v;
    return std::vector<Tensor>{self};
  }

  // Records a `constant` node holding the values of captured tensor `t`.
  absl::StatusOr<ir::Value*> EmbedConstant(const Tensor& t) {
    if (!t.device().is_cpu()) {
      return absl::InvalidArgumentError(absl::StrCat("make_graph: a captured ", t.device().ToString(),
                                                     " tensor cannot be embedded as a constant; lift it instead"));
    }
    AOT_ASSIGN_OR_RETURN(std::vector<double> values, t.ToVector<double>());
    if (t.dtype() == DType::kInt64) {
      for (double v : values) {
        if (std::abs(v) > 9007199254740992.0) {
          return absl::InvalidArgumentError(
              "make_graph: a captured i64 tensor holds values beyond 2^53, which a constant cannot hold exactly; "
              "lift it instead");
        }
      }
    }
    std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
    ir::TensorMeta meta(ir::Shape(shape), t.dtype(), t.device());
    AOT_ASSIGN_OR_RETURN(ir::Node * node,
                         graph_->CreateUnchecked(OpKind::kConstant, {},
                                                 {{"values", std::move(values)}, {"shape", std::move(shape)},
                                                  {"dtype", t.dtype()}, {"device", t.device()}},
                                                 {meta}, {graph_->UniqueName("_tensor_constant")}));
    value_of_.Set(t.id(), node->result());
    return node->result();
  }

  absl::StatusOr<std::vector<Tensor>> TraceWithSeedInput(const OpCall& call, int seed_group) {
    int64_t numel = 1;
    for (const ir::Dim& d : call.result_metas[0].shape.dims()) numel *= d.value();
    Tensor seed = Tensor::Fake({2}, DType::kInt64);
    ir::Value* v = graph_->AddInput(absl::StrCat("seed_", seed_count_++), seed.meta());
    value_of_.Set(seed.id(), v);
    extra_inputs.push_back({ExtraInput::Kind::kSeed, Tensor(), numel});
    OpCall seeded = call;
    int start = call.group_start(seed_group);
    seeded.operands.insert(seeded.operands.begin() + start, seed);
    seeded.group_sizes[seed_group] = 1;
    return Record(seeded);
  }

  ir::Graph* graph_;
  const TraceOptions& options_;
  ValueMap value_of_;
  absl::flat_hash_map<uint64_t, ViewInfo> views_;
  absl::flat_hash_map<uint64_t, Tensor> bases_;
  absl::flat_hash_map<uint64_t, uint64_t> version_;
  absl::Status error_;
  int lifted_count_ = 0;
  int seed_count_ = 0;
};

}  // namespace

absl::StatusOr<TracedGraph> MakeGraph(const TracedFn& fn, absl::Span<const Tensor> example_inputs,
                                      const TraceOptions& options) {
  TracedGraph out;
  out.graph = std::make_unique<ir::Graph>(options.graph_name);
  out.num_user_inputs = static_cast<int>(example_inputs.size());
  if (!options.input_names.empty() && options.input_names.size() != example_inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat("make_graph: ", options.input_names.size(),
                                                   " input names for ", example_inputs.size(), " inputs"));
  }
  Tracer tracer(out.graph.get(), options);
  std::vector<Tensor> fakes;
  fakes.reserve(example_inputs.size());
  std::vector<ir::Value*> input_values;
  for (size_t i = 0; i < example_inputs.size(); ++i) {
    const Tensor& t = example_inputs[i];
    if (!t.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("make_graph: example input ", i, " is not a valid tensor: ",
                                                     t.status().ToString()));
    }
    Tensor fake = Tensor::Fake(t.sizes(), t.dtype(), t.device(), t.strides());
    ir::TensorMeta meta = t.meta();
    meta.strides.clear();  // Graph inputs are described as contiguous values.
    ir::Value* v = out.graph->AddInput(options.input_names.empty() ? absl::StrCat("arg", i) : options.input_names[i],
                                       meta);
    tracer.Bind(fake, v);
    input_values.push_back(v);
    fakes.push_back(std::move(fake));
  }
  std::vector<Tensor> results;
  {
    // Unless asked to, autograd does not see fakes: tracing records the ops
    // as called.
    std::optional<ExcludeKeyGuard> no_autograd;
    if (!options.record_autograd) no_autograd.emplace(DispatchKey::kAutograd);
    DispatchModeGuard guard(&tracer);
    results = fn(fakes);
  }
  AOT_RETURN_IF_ERROR(tracer.error());
  std::vector<ir::Value*> outputs;
  for (size_t i = 0; i < results.size(); ++i) {
    const Tensor& r = results[i];
    if (!r.defined()) return absl::InvalidArgumentError(absl::StrCat("make_graph: output ", i, " is undefined"));
    AOT_RETURN_IF_ERROR(r.status());
    absl::StatusOr<ir::Value*> v = tracer.ValueOf(r);
    AOT_RETURN_IF_ERROR(v.status());
    outputs.push_back(*v);
  }
  out.num_user_outputs = static_cast<int>(outputs.size());
  // Inputs written in place come back as extra outputs.
  for (size_t i = 0; i < fakes.size(); ++i) {
    AOT_ASSIGN_OR_RETURN(ir::Value * now, tracer.ValueOf(fakes[i]));
    if (now != input_values[i]) {
      out.mutations.push_back({static_cast<int>(i), static_cast<int>(outputs.size())});
      outputs.push_back(now);
    }
  }
  out.graph->SetOutputs(outputs);
  out.extra_inputs = std::move(tracer.extra_inputs);
  AOT_RETURN_IF_ERROR(tracer.error());
  // The graph is valid by construction, so it is not verified again (a pass
  // over every node, which for big graphs is a pass over cold memory): each
  // result's metadata came from its op's shape rule at dispatch; the Graph
  // API checked each node's operand groups and attributes against the schema,
  // linked the use lists and refused repeated names; and nodes are only
  // appended, over values already in the graph (ValueOf), so every operand
  // is defined before its use. The tests verify traced graphs.
  return out;
}

}  // namespace aot::trace
