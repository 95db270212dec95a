#include "tools/minifier/test_compilers.h"

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/base/status_macros.h"
#include "aot/ir/op.h"

namespace aot::minifier {
namespace {

using ir::OpKind;

// The op a miscompiled `kind` becomes, if it has a same-schema partner.
std::optional<OpKind> SwapPartner(OpKind kind) {
  switch (kind) {
    case OpKind::kSin:
      return OpKind::kCos;
    case OpKind::kCos:
      return OpKind::kSin;
    case OpKind::kAdd:
      return OpKind::kSub;
    case OpKind::kSub:
      return OpKind::kAdd;
    case OpKind::kTanh:
      return OpKind::kSigmoid;
    case OpKind::kSigmoid:
      return OpKind::kTanh;
    default:
      return std::nullopt;
  }
}

// The node's attributes as a named list (for Create).
ir::AttrList NamedAttrs(const ir::Node& node) {
  const ir::OpSchema& schema = node.op().schema();
  ir::AttrList attrs;
  for (int i = 0; i < schema.num_attrs(); ++i) {
    attrs.emplace_back(schema.args()[schema.attr_args()[i]].name, node.attrs()[i]);
  }
  return attrs;
}

// Rewrites every `op_name` node of `g` as MiscompileCompiler documents.
absl::Status Miscompile(ir::Graph* g, absl::string_view op_name) {
  std::vector<ir::Node*> nodes = g->nodes();
  for (size_t k = 0; k < nodes.size(); ++k) {
    ir::Node* node = nodes[k];
    if (!MatchesOp(*node, op_name)) continue;
    ir::Node* next = k + 1 < nodes.size() ? nodes[k + 1] : nullptr;
    if (std::optional<OpKind> partner = SwapPartner(node->kind())) {
      std::vector<std::vector<ir::Value*>> groups;
      for (int i = 0; i < node->num_groups(); ++i) groups.push_back(node->group(i));
      AOT_ASSIGN_OR_RETURN(ir::Node * swapped, g->CreateWithGroups(*partner, std::move(groups), NamedAttrs(*node),
                                                                   {.insert_before = next}));
      for (int r = 0; r < node->num_results(); ++r) node->result(r)->ReplaceAllUsesWith(swapped->result(r));
      AOT_RETURN_IF_ERROR(g->EraseNode(node));
      continue;
    }
    for (int r = 0; r < node->num_results(); ++r) {
      ir::Value* v = node->result(r);
      if (!ir::IsFloating(v->meta().dtype)) continue;
      AOT_ASSIGN_OR_RETURN(ir::Node * bumped,
                           g->Create(OpKind::kAddScalar, {v}, {{"other", 0.5}}, {.insert_before = next}));
      v->ReplaceAllUsesWith(bumped->result());
      bumped->set_operand(0, v);
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool MatchesOp(const ir::Node& node, absl::string_view op_name) {
  return node.op().name() == op_name || node.op().schema().name() == op_name;
}

Compiler MiscompileCompiler(std::string op_name) {
  return [op_name](const ir::Graph& graph, const std::vector<Tensor>&) -> absl::StatusOr<CompiledFn> {
    std::shared_ptr<ir::Graph> g = graph.Clone();
    AOT_RETURN_IF_ERROR(Miscompile(g.get(), op_name));
    return CompiledFn([g](const std::vector<Tensor>& inputs) { return RunGraph(*g, inputs); });
  };
}

Compiler ErrorCompiler(std::string op_name) {
  return [op_name](const ir::Graph& graph, const std::vector<Tensor>&) -> absl::StatusOr<CompiledFn> {
    for (const ir::Node* node : graph.node_range()) {
      if (MatchesOp(*node, op_name)) {
        return absl::UnimplementedError(absl::StrCat("error:", op_name, " compiler: cannot compile node ", node->name(),
                                                     " (", node->op().name(), ")"));
      }
    }
    const ir::Graph* g = &graph;
    return CompiledFn([g](const std::vector<Tensor>& inputs) { return RunGraph(*g, inputs); });
  };
}

Compiler CrashCompiler(std::string op_name) {
  return [op_name](const ir::Graph& graph, const std::vector<Tensor>&) -> absl::StatusOr<CompiledFn> {
    for (const ir::Node* node : graph.node_range()) {
      if (MatchesOp(*node, op_name)) {
        std::fprintf(stderr, "crash:%s compiler: aborting on node %s (%s)\n", op_name.c_str(), node->name().c_str(),
                     node->op().name().c_str());
        std::fflush(stderr);
        std::abort();
      }
    }
    const ir::Graph* g = &graph;
    return CompiledFn([g](const std::vector<Tensor>& inputs) { return RunGraph(*g, inputs); });
  };
}

absl::StatusOr<Compiler> MakeTestCompiler(absl::string_view spec) {
  if (spec == "nop") return NopCompiler();
  const size_t colon = spec.find(':');
  const absl::string_view kind = spec.substr(0, colon);
  const absl::string_view op = colon == absl::string_view::npos ? "" : spec.substr(colon + 1);
  if ((kind == "miscompile" || kind == "error" || kind == "crash") && !op.empty()) {
    bool known = false;
    for (const ir::OpDef* def : ir::AllOps()) {
      known = known || def->name() == op || def->schema().name() == op;
    }
    if (!known) return absl::InvalidArgumentError(absl::StrCat("compiler ", spec, ": unknown op '", op, "'"));
    if (kind == "miscompile") return MiscompileCompiler(std::string(op));
    if (kind == "error") return ErrorCompiler(std::string(op));
    return CrashCompiler(std::string(op));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown compiler '", spec, "': expected nop, miscompile:OP, error:OP or crash:OP (OP an op name, e.g. sin)"));
}

}  // namespace aot::minifier
