#include "aot/ir/dot.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace aot::ir {
namespace {

std::string Escape(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

}  // namespace

std::string GraphToDot(const Graph& graph) {
  std::string out = absl::StrCat("digraph \"", Escape(graph.name()), "\" {\n  rankdir=TB;\n",
                                 "  node [fontname=\"monospace\", fontsize=10];\n");
  // The DOT id of each value's producer (an input or a node).
  absl::flat_hash_map<const Value*, std::string> source;
  for (int i = 0; i < graph.num_inputs(); ++i) {
    const Value* v = graph.input(i);
    std::string id = absl::StrCat("in", i);
    source[v] = id;
    absl::StrAppend(&out, "  ", id, " [shape=ellipse, label=\"", Escape(v->name()), "\\n",
                    Escape(v->meta().ToString()), "\"];\n");
  }
  int n = 0;
  for (const Node* node : graph.node_range()) {
    std::string id = absl::StrCat("n", n++);
    std::string label = absl::StrCat(node->name(), " = ", node->op().name());
    for (int r = 0; r < node->num_results(); ++r) {
      absl::StrAppend(&label, "\n", node->num_results() > 1 ? absl::StrCat(node->result(r)->name(), ": ") : "",
                      node->result(r)->meta().ToString());
      source[node->result(r)] = id;
    }
    absl::StrAppend(&out, "  ", id, " [shape=box, label=\"", Escape(label), "\"];\n");
    for (int i = 0; i < node->num_operands(); ++i) {
      auto it = source.find(node->operand(i));
      if (it == source.end()) continue;
      absl::StrAppend(&out, "  ", it->second, " -> ", id,
                      node->num_operands() > 1 ? absl::StrCat(" [label=\"", i, "\"]") : "", ";\n");
    }
  }
  absl::StrAppend(&out, "  output [shape=ellipse, style=bold, label=\"output\"];\n");
  for (int i = 0; i < graph.num_outputs(); ++i) {
    auto it = source.find(graph.output(i));
    if (it == source.end()) continue;
    absl::StrAppend(&out, "  ", it->second, " -> output [label=\"", i, "\"];\n");
  }
  out += "}\n";
  return out;
}

}  // namespace aot::ir
