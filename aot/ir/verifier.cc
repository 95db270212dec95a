#include "aot/ir/verifier.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "aot/base/status_macros.h"

namespace aot::ir {
namespace {

const char* KindName(SchemaArg::Kind kind) {
  switch (kind) {
    case SchemaArg::Kind::kTensor:
      return "Tensor";
    case SchemaArg::Kind::kOptionalTensor:
      return "Tensor?";
    case SchemaArg::Kind::kTensorList:
      return "Tensor[]";
    case SchemaArg::Kind::kAttr:
      return "attribute";
  }
  return "?";
}

// The part of the metadata the verifier compares: dtype, shape and device
// ("f32[4,3]", "f32[4]@cuda:0").
std::string MetaString(const TensorMeta& m) { return TensorMeta(m.shape, m.dtype, m.device).ToString(); }

bool SameMeta(const TensorMeta& a, const TensorMeta& b) {
  return a.shape == b.shape && a.dtype == b.dtype && a.device == b.device;
}

// Checks one graph. Positions and use lists are indexed once, so the whole
// check is linear (expected) in the number of nodes, values and uses.
class Verifier {
 public:
  Verifier(const Graph& graph, const VerifyOptions& options) : graph_(graph), options_(options) {}

  absl::Status Run() {
    AOT_RETURN_IF_ERROR(IndexNodes());
    AOT_RETURN_IF_ERROR(CheckInputs());
    if (options_.check_use_lists) AOT_RETURN_IF_ERROR(IndexUses());
    int64_t pos = 0;
    for (const Node* node : graph_.node_range()) {
      AOT_RETURN_IF_ERROR(CheckNode(*node, pos++));
    }
    return CheckOutputs();
  }

 private:
  // "node cos_1 (cos)"; a node without results is named by its position.
  std::string Label(const Node& node) const {
    if (!node.name().empty()) return absl::StrCat("node ", node.name(), " (", node.op().name(), ")");
    int64_t pos = 0;
    for (const Node* n : graph_.node_range()) {
      if (n == &node) break;
      ++pos;
    }
    if (pos == graph_.num_nodes()) pos = -1;
    return absl::StrCat("node #", pos, " (", node.op().name(), ")");
  }
  absl::Status NodeError(const Node& node, absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(Label(node), ": ", message));
  }
  absl::Status NodeInternal(const Node& node, absl::string_view message) const {
    return absl::InternalError(absl::StrCat(Label(node), ": ", message));
  }

  // Checks that the graph's order keys (Graph::OrderOf) increase along the
  // node list, so that they can stand for positions below; with use lists
  // to check, also indexes the nodes' operand slots.
  absl::Status IndexNodes() {
    if (options_.check_use_lists) {
      position_.reserve(graph_.num_nodes());
      slot_base_.reserve(graph_.num_nodes() + 1);
    }
    int64_t pos = 0;
    int64_t slots = 0;
    int64_t last_order = -1;
    for (const Node* node : graph_.node_range()) {
      if (node->graph() != &graph_) return NodeInternal(*node, "is listed in a graph it does not belong to");
      const int64_t order = graph_.OrderOf(node);
      if (order <= last_order) return NodeInternal(*node, "has an order key out of program order");
      last_order = order;
      if (options_.check_use_lists) {
        position_[node] = pos++;
        slot_base_.push_back(slots);
        slots += node->num_operands();
      }
    }
    slot_base_.push_back(slots);
    listed_.assign(slots, false);
    return absl::OkStatus();
  }

  // Checks what every value of the graph needs: a fresh name and no negative
  // dimension (shape rules may assume sizes >= 0).
  // `where` names the value's definition in errors (called only then: most
  // values are fine, and building the text for each costs).
  template <typename Where>
  absl::Status CheckValue(const Value& v, const Where& where) {
    // The graph indexes every value by name; a name defined twice maps to
    // one of its values only.
    if (options_.check_names && graph_.FindValue(v.name()) != &v) {
      return absl::InvalidArgumentError(absl::StrCat(where(), ": value name '", v.name(), "' is defined twice"));
    }
    for (const Dim& d : v.meta().shape.dims()) {
      if (!d.is_symbolic() && d.value() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(where(), ": value ", v.name(), " has a negative dimension: ", MetaString(v.meta())));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckInputs() {
    for (int i = 0; i < graph_.num_inputs(); ++i) {
      const Value* v = graph_.input(i);
      std::string where = absl::StrCat("input ", i, " (", v->name(), ")");
      if (v->graph() != &graph_ || !v->is_input() || v->index() != i) {
        return absl::InternalError(absl::StrCat(where, ": graph, producer or index is inconsistent"));
      }
      AOT_RETURN_IF_ERROR(CheckValue(*v, [&] { return where; }));
    }
    return absl::OkStatus();
  }

  // Walks the use list of every value of the graph once, recording which
  // value each use is linked under, and checks that each listed use is an
  // operand slot or output slot that refers back to the value.
  absl::Status IndexUses() {
    claimed_outputs_.assign(graph_.num_outputs(), false);
    for (const Value* v : graph_.inputs()) AOT_RETURN_IF_ERROR(IndexUsesOf(*v));
    for (const Node* node : graph_.node_range()) {
      for (int i = 0; i < node->num_results(); ++i) AOT_RETURN_IF_ERROR(IndexUsesOf(*node->result(i)));
    }
    return absl::OkStatus();
  }

  absl::Status IndexUsesOf(const Value& v) {
    for (const Use* u = v.first_use(); u != nullptr; u = u->next_use()) {
      if (u->get() != &v) {
        return absl::InternalError(absl::StrCat("value ", v.name(), ": use list holds a use of ",
                                                u->get() == nullptr ? std::string("nothing") : u->get()->name()));
      }
      if (const Node* owner = u->owner()) {
        auto it = position_.find(owner);
        if (it == position_.end()) {
          return absl::InvalidArgumentError(absl::StrCat("value ", v.name(), " is used by node ", owner->name(),
                                                         " (", owner->op().name(), ") of another graph"));
        }
        if (u->index() < 0 || u->index() >= owner->num_operands() || &owner->operand_use(u->index()) != u) {
          return absl::InternalError(absl::StrCat("value ", v.name(), ": use list holds a stale use of ",
                                                  Label(*owner), " operand ", u->index()));
        }
        // A use seen before means a repeated entry; a use reaches only the
        // list of the value it refers to (checked above).
        std::vector<bool>::reference seen = listed_[slot_base_[it->second] + u->index()];
        if (seen) {
          return absl::InternalError(
              absl::StrCat("value ", v.name(), ": use list reaches ", Label(*owner), " operand ", u->index(),
                           " twice"));
        }
        seen = true;
      } else {
        int i = u->index();
        if (i < 0 || i >= graph_.num_outputs() || graph_.output(i) != &v || claimed_outputs_[i]) {
          return absl::InvalidArgumentError(absl::StrCat("value ", v.name(), " is used as output ", i,
                                                         ", which is not an output of this graph"));
        }
        claimed_outputs_[i] = true;
      }
      // More uses than slots means a cycle in some list: stop walking.
      if (++walked_ > static_cast<int64_t>(listed_.size()) + graph_.num_outputs()) {
        return absl::InternalError(absl::StrCat("value ", v.name(), ": use lists hold more uses than the graph has "
                                                "operand and output slots (a cycle?)"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckNode(const Node& node, int64_t pos) {
    AOT_RETURN_IF_ERROR(CheckGroups(node));
    AOT_RETURN_IF_ERROR(CheckAttrs(node));
    AOT_RETURN_IF_ERROR(CheckOperands(node, pos));
    return CheckResults(node);
  }

  absl::Status CheckGroups(const Node& node) {
    const OpSchema& schema = node.op().schema();
    const std::vector<int>& tensor_args = schema.tensor_args();
    if (node.num_groups() != static_cast<int>(tensor_args.size())) {
      return NodeError(node, absl::StrCat("has ", node.num_groups(), " operand groups but the schema has ",
                                          tensor_args.size(), " tensor arguments"));
    }
    int total = 0;
    for (int g = 0; g < node.num_groups(); ++g) {
      const SchemaArg& arg = schema.args()[tensor_args[g]];
      int n = node.group_size(g);
      bool ok = n >= 0 && (arg.kind == SchemaArg::Kind::kTensorList ||
                           (arg.kind == SchemaArg::Kind::kTensor && n == 1) ||
                           (arg.kind == SchemaArg::Kind::kOptionalTensor && n <= 1));
      if (!ok) {
        return NodeError(node, absl::StrCat("argument '", arg.name, "' (", KindName(arg.kind), ") has ", n,
                                            " operands"));
      }
      total += n;
    }
    if (total != node.num_operands()) {
      return NodeInternal(node, absl::StrCat("operand groups hold ", total, " operands but the node has ",
                                             node.num_operands()));
    }
    return absl::OkStatus();
  }

  absl::Status CheckAttrs(const Node& node) {
    const OpSchema& schema = node.op().schema();
    absl::Span<const AttrValue> attrs = node.attrs();
    if (static_cast<int>(attrs.size()) != schema.num_attrs()) {
      return NodeError(node, absl::StrCat("has ", attrs.size(), " attributes but the schema has ",
                                          schema.num_attrs()));
    }
    for (int i = 0; i < schema.num_attrs(); ++i) {
      const SchemaArg& arg = schema.args()[schema.attr_args()[i]];
      const AttrValue& a = attrs[i];
      // Floats are stored as doubles (Create converts ints): shape rules
      // read them with f().
      bool ok = a.Matches(arg.attr_type, arg.optional) && !(arg.attr_type == AttrType::kFloat && a.is_int());
      if (!ok) {
        return NodeError(node, absl::StrCat("attribute '", arg.name, "' expects ", AttrTypeName(arg.attr_type),
                                            arg.optional ? "?" : "", ", got ", a.ToString()));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckOperands(const Node& node, int64_t pos) {
    for (int i = 0; i < node.num_operands(); ++i) {
      const Use& use = node.operand_use(i);
      if (use.owner() != &node || use.index() != i) {
        return NodeInternal(node, absl::StrCat("operand slot ", i, " names owner/index ",
                                               use.owner() == nullptr ? std::string("none") : Label(*use.owner()),
                                               "/", use.index()));
      }
      const Value* v = use.get();
      if (v == nullptr) return NodeError(node, absl::StrCat("operand ", i, " is null"));
      if (v->graph() != &graph_) {
        return NodeError(node, absl::StrCat("operand ", i, " (", v->name(), ") belongs to another graph"));
      }
      if (const Node* producer = v->producer()) {
        if (producer->graph() != &graph_) {
          return NodeError(node, absl::StrCat("operand ", i, " (", v->name(), ") is produced by node ",
                                              producer->name(), ", which is not in this graph"));
        }
        if (graph_.OrderOf(producer) >= graph_.OrderOf(&node)) {
          return NodeError(node, absl::StrCat("operand ", i, " (", v->name(), ") is used before its definition by ",
                                              Label(*producer)));
        }
      } else if (v->index() < 0 || v->index() >= graph_.num_inputs() || graph_.input(v->index()) != v) {
        return NodeError(node, absl::StrCat("operand ", i, " (", v->name(), ") is not an input of this graph"));
      }
      if (options_.check_use_lists && !listed_[slot_base_[pos] + i]) {
        return NodeInternal(node, absl::StrCat("operand ", i, "'s use is not linked into the use list of ",
                                               v->name()));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckResults(const Node& node) {
    for (int i = 0; i < node.num_results(); ++i) {
      const Value* r = node.result(i);
      if (r->graph() != &graph_ || r->producer() != &node || r->index() != i) {
        return NodeInternal(node, absl::StrCat("result ", i, " (", r->name(),
                                               "): graph, producer or index is inconsistent"));
      }
      AOT_RETURN_IF_ERROR(CheckValue(*r, [&] { return Label(node); }));
    }
    const OpSchema& schema = node.op().schema();
    if (!schema.variadic_results() && node.num_results() != schema.num_results()) {
      return NodeError(node, absl::StrCat("has ", node.num_results(), " results but the schema declares ",
                                          schema.num_results()));
    }
    if (!options_.check_metadata && !schema.variadic_results()) return absl::OkStatus();

    // Re-run the shape rule on the operands' stored metadata.
    absl::InlinedVector<const TensorMeta*, 4> metas;
    absl::InlinedVector<int, 4> group_sizes;
    for (int i = 0; i < node.num_operands(); ++i) metas.push_back(&node.operand(i)->meta());
    for (int g = 0; g < node.num_groups(); ++g) group_sizes.push_back(node.group_size(g));
    ShapeContext ctx(node.op(), metas, group_sizes, node.attrs());
    absl::StatusOr<std::vector<TensorMeta>> expected = node.op().shape_fn()(ctx);
    if (!expected.ok()) {
      return NodeError(node, absl::StrCat("shape rule failed: ", expected.status().message()));
    }
    if (static_cast<int>(expected->size()) != node.num_results()) {
      return NodeError(node, absl::StrCat("has ", node.num_results(), " results but the shape rule gives ",
                                          expected->size()));
    }
    if (!options_.check_metadata) return absl::OkStatus();
    for (int i = 0; i < node.num_results(); ++i) {
      const TensorMeta& have = node.result(i)->meta();
      const TensorMeta& want = (*expected)[i];
      if (!SameMeta(have, want)) {
        return NodeError(node, absl::StrCat("result ", i, " is ", MetaString(have), " but the shape rule gives ",
                                            MetaString(want)));
      }
    }
    return absl::OkStatus();
  }

  absl::Status CheckOutputs() {
    for (int i = 0; i < graph_.num_outputs(); ++i) {
      const Value* v = graph_.output(i);
      if (v == nullptr) return absl::InvalidArgumentError(absl::StrCat("output ", i, " is null"));
      if (v->graph() != &graph_) {
        return absl::InvalidArgumentError(
            absl::StrCat("output ", i, " (", v->name(), ") belongs to another graph"));
      }
      if (const Node* producer = v->producer()) {
        if (producer->graph() != &graph_) {
          return absl::InvalidArgumentError(absl::StrCat("output ", i, " (", v->name(), ") is produced by node ",
                                                         producer->name(), ", which is not in this graph"));
        }
      } else if (v->index() < 0 || v->index() >= graph_.num_inputs() || graph_.input(v->index()) != v) {
        return absl::InvalidArgumentError(
            absl::StrCat("output ", i, " (", v->name(), ") is not an input of this graph"));
      }
      if (options_.check_use_lists && !claimed_outputs_[i]) {
        return absl::InternalError(
            absl::StrCat("output ", i, " is not linked into the use list of ", v->name()));
      }
    }
    return absl::OkStatus();
  }

  const Graph& graph_;
  const VerifyOptions& options_;
  absl::flat_hash_map<const Node*, int64_t> position_;
  // Per operand slot (slot_base_[node position] + operand index): whether
  // the use lists reach it.
  std::vector<int64_t> slot_base_;
  std::vector<bool> listed_;
  int64_t walked_ = 0;
  std::vector<bool> claimed_outputs_;
};

}  // namespace

absl::Status VerifyGraph(const Graph& graph, const VerifyOptions& options) {
  return Verifier(graph, options).Run();
}

}  // namespace aot::ir
