#include "aot/ir/dot.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace aot::ir {
namespace {

using Clusters = DotOptions::Clusters;

std::string Escape(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

// Resolves kAuto for `graph` (Note [Drawing large graphs]).
Clusters ResolveClusters(const Graph& graph, Clusters mode) {
  if (mode != Clusters::kAuto) return mode;
  bool prefix = false;
  for (const Node* node : graph.node_range()) {
    if (!node->annotation("scope").empty()) return Clusters::kScope;
    if (absl::StrContains(node->name(), "__")) prefix = true;
  }
  return prefix ? Clusters::kNamePrefix : Clusters::kNone;
}

// The nested cluster names of `node`, outermost first; empty for none.
std::vector<std::string> ClusterPath(const Node& node, Clusters mode) {
  std::vector<std::string> path;
  if (mode == Clusters::kScope) {
    for (absl::string_view part : absl::StrSplit(node.annotation("scope"), absl::ByAnyChar("./"), absl::SkipEmpty())) {
      path.emplace_back(part);
    }
  } else if (mode == Clusters::kNamePrefix) {
    path = absl::StrSplit(node.name(), "__");
    path.pop_back();  // The node's own name.
    path.erase(std::remove(path.begin(), path.end(), ""), path.end());
  }
  return path;
}

// The fill colour of a node by what its op does; "" for none.
absl::string_view FillColor(const Node& node) {
  const OpDef& op = node.op();
  if (op.is_compute_intensive()) return "lightblue";
  if (op.has(kBackward)) return "lavender";
  if (op.is_reduction()) return "lightyellow";
  if (op.is_view() || op.has(kShapeOnly)) return "lightgrey";
  return "";
}

// A tree of clusters holding the DOT statements of their members.
struct ClusterTree {
  std::vector<std::string> statements;
  // Children by name, in order of first appearance.
  std::vector<std::pair<std::string, std::unique_ptr<ClusterTree>>> children;

  // The descendant at `path` (made if missing); this tree for an empty path.
  ClusterTree* Find(absl::Span<const std::string> path) {
    ClusterTree* t = this;
    for (const std::string& part : path) t = t->Child(part);
    return t;
  }

  ClusterTree* Child(const std::string& name) {
    for (auto& [n, child] : children) {
      if (n == name) return child.get();
    }
    children.emplace_back(name, std::make_unique<ClusterTree>());
    return children.back().second.get();
  }
};

// Draws one graph's statements (nodes into clusters, edges flat) with ids
// prefixed by `prefix`, so that two graphs can share one digraph.
class GraphDrawer {
 public:
  // `dashed`: names of the nodes drawn dashed, or null.
  GraphDrawer(const Graph& graph, const DotOptions& options, const absl::flat_hash_set<std::string>& highlight,
              const absl::flat_hash_set<std::string>* dashed, std::string prefix)
      : graph_(graph),
        options_(options),
        highlight_(highlight),
        dashed_(dashed),
        prefix_(std::move(prefix)),
        mode_(ResolveClusters(graph, options.clusters)),
        large_(graph.num_nodes() > kLargeGraphNodes) {}

  // Appends the drawing to `out`, each line indented by `indent`.
  void Draw(const std::string& indent, std::string* out) {
    ClusterTree root;
    std::vector<std::string> edges;
    for (const Node* node : graph_.node_range()) paths_[node] = ClusterPath(*node, mode_);
    if (options_.collapse_clusters) CollectGroups();
    for (int i = 0; i < graph_.num_inputs(); ++i) DrawInput(i, &root);
    std::set<std::pair<std::string, std::string>> group_edges;
    int n = 0;
    for (const Node* node : graph_.node_range()) {
      std::string id = absl::StrCat(prefix_, "n", n++);
      auto group = group_of_.find(node);
      if (group != group_of_.end()) {
        // Collapsed: the node is its group's box.
        for (int r = 0; r < node->num_results(); ++r) source_[node->result(r)] = group->second;
        for (int i = 0; i < node->num_operands(); ++i) {
          auto it = source_.find(node->operand(i));
          if (it == source_.end() || it->second == group->second) continue;
          if (group_edges.emplace(it->second, group->second).second) {
            edges.push_back(absl::StrCat(it->second, " -> ", group->second, ";"));
          }
        }
        continue;
      }
      bool highlighted = false;
      std::string label = absl::StrCat(node->name(), " = ", node->op().name());
      for (int r = 0; r < node->num_results(); ++r) {
        const Value* v = node->result(r);
        absl::StrAppend(&label, large_ && node->num_results() == 1 ? " " : "\n",
                        node->num_results() > 1 ? absl::StrCat(v->name(), ": ") : "", v->meta().ToString());
        source_[v] = id;
        highlighted = highlighted || IsHighlighted(v);
      }
      ClusterTree* cluster = root.Find(paths_.at(node));
      const bool dashed = dashed_ != nullptr && dashed_->contains(node->name());
      cluster->statements.push_back(absl::StrCat(id, " [shape=box, label=\"", Escape(label), "\"",
                                                 Style(FillColor(*node), highlighted, dashed), "];"));
      const bool labels = node->num_operands() > 1 && !large_;
      for (int i = 0; i < node->num_operands(); ++i) {
        auto it = source_.find(node->operand(i));
        if (it == source_.end()) continue;
        edges.push_back(absl::StrCat(it->second, " -> ", id, labels ? absl::StrCat(" [label=\"", i, "\"]") : "", ";"));
      }
    }
    for (const std::string& id : group_order_) {
      const Group& group = groups_.at(id);
      ClusterTree* cluster = root.Find(absl::MakeConstSpan(group.path).subspan(0, group.path.size() - 1));
      cluster->statements.push_back(absl::StrCat(id, " [shape=box3d, label=\"", Escape(GroupLabel(group)), "\"",
                                                 Style("whitesmoke", group.num_highlighted > 0), "];"));
    }
    const std::string output_id = prefix_ + "output";
    root.statements.push_back(absl::StrCat(output_id, " [shape=ellipse, style=bold, label=\"output\"];"));
    std::set<std::string> output_sources;
    for (int i = 0; i < graph_.num_outputs(); ++i) {
      auto it = source_.find(graph_.output(i));
      if (it == source_.end()) continue;
      if (large_ || options_.collapse_clusters) {
        if (output_sources.insert(it->second).second) edges.push_back(absl::StrCat(it->second, " -> ", output_id, ";"));
      } else {
        edges.push_back(absl::StrCat(it->second, " -> ", output_id, " [label=\"", i, "\"];"));
      }
    }
    int cluster_count = 0;
    EmitTree(root, indent, &cluster_count, out);
    for (const std::string& e : edges) absl::StrAppend(out, indent, e, "\n");
  }

  // The DOT id of the node or input that defines the value named `name`.
  std::string IdOf(absl::string_view name) const {
    const Value* v = graph_.FindValue(name);
    if (v == nullptr) return "";
    auto it = source_.find(v);
    return it == source_.end() ? "" : it->second;
  }

 private:
  struct Group {
    std::vector<std::string> path;
    // Graph inputs only this group uses.
    std::vector<std::string> inputs;
    int num_nodes = 0;
    int num_highlighted = 0;
    std::map<std::string, int> op_counts;
  };

  bool IsHighlighted(const Value* v) const { return highlight_.contains(v->name()); }

  // Draws graph input `i`, or absorbs it into the box of its users when
  // they are all in one collapsed group. Inputs stay outside clusters: dot
  // ranks an input just above its first user, so an input inside a layer's
  // cluster would overlap the previous layer's rows and push each cluster
  // sideways (a staircase as wide as it is tall).
  void DrawInput(int i, ClusterTree* root) {
    const Value* v = graph_.input(i);
    std::vector<Node*> users = v->users();
    bool same_group = !users.empty();
    for (const Node* user : users) {
      auto g = group_of_.find(user), g0 = group_of_.find(users[0]);
      same_group = same_group && g != group_of_.end() && g0 != group_of_.end() && g->second == g0->second;
    }
    if (same_group && !v->is_output()) {
      const std::string& id = group_of_.at(users[0]);
      Group& group = groups_.at(id);
      group.inputs.push_back(v->name());
      if (IsHighlighted(v)) ++group.num_highlighted;
      source_[v] = id;
      return;
    }
    std::string id = absl::StrCat(prefix_, "in", i);
    source_[v] = id;
    absl::string_view fill = absl::StartsWith(v->name(), "tangents_") ? "palegreen" : "";
    root->statements.push_back(absl::StrCat(id, " [shape=ellipse, label=\"", Escape(v->name()), "\\n",
                                            Escape(v->meta().ToString()), "\"", Style(fill, IsHighlighted(v)), "];"));
  }

  static std::string Style(absl::string_view fill, bool highlighted, bool dashed = false) {
    const absl::string_view dash = dashed ? ",dashed" : "";
    if (highlighted) return absl::StrCat(", style=\"filled,bold", dash, "\", fillcolor=orange, penwidth=2");
    if (fill.empty()) return dashed ? ", style=dashed" : "";
    if (dashed) return absl::StrCat(", style=\"filled,dashed\", fillcolor=", fill);
    return absl::StrCat(", style=filled, fillcolor=", fill);
  }

  // Assigns each node with a cluster path to the group of that path.
  void CollectGroups() {
    absl::flat_hash_map<std::string, std::string> id_of_path;
    for (const Node* node : graph_.node_range()) {
      std::vector<std::string> path = paths_.at(node);
      if (path.empty()) continue;
      if (options_.collapse_depth > 0 && static_cast<int>(path.size()) > options_.collapse_depth) {
        path.resize(options_.collapse_depth);
      }
      const std::string key = absl::StrJoin(path, "/");
      auto [it, inserted] = id_of_path.try_emplace(key, absl::StrCat(prefix_, "g", id_of_path.size()));
      Group& group = groups_[it->second];
      if (inserted) {
        group.path = std::move(path);
        group_order_.push_back(it->second);
      }
      ++group.num_nodes;
      ++group.op_counts[node->op().name()];
      for (int r = 0; r < node->num_results(); ++r) {
        if (IsHighlighted(node->result(r))) ++group.num_highlighted;
      }
      group_of_[node] = it->second;
    }
  }

  // "layer1\n12 nodes: mm x2, add x3, relu\ninputs: w1, b1" (the six most
  // frequent ops, the first four absorbed inputs).
  static std::string GroupLabel(const Group& group) {
    std::vector<std::pair<int, std::string>> ops;
    for (const auto& [op, count] : group.op_counts) ops.emplace_back(-count, op);
    std::sort(ops.begin(), ops.end());
    std::vector<std::string> parts;
    for (size_t i = 0; i < ops.size() && i < 6; ++i) {
      parts.push_back(ops[i].first == -1 ? ops[i].second : absl::StrCat(ops[i].second, " x", -ops[i].first));
    }
    if (ops.size() > 6) parts.push_back("...");
    std::string label = absl::StrCat(group.path.back(), "\n", group.num_nodes,
                                     group.num_nodes == 1 ? " node: " : " nodes: ", absl::StrJoin(parts, ", "));
    if (!group.inputs.empty()) {
      std::vector<std::string> names(group.inputs.begin(),
                                     group.inputs.begin() + std::min<size_t>(group.inputs.size(), 4));
      if (group.inputs.size() > 4) names.push_back(absl::StrCat("... (", group.inputs.size(), " in all)"));
      absl::StrAppend(&label, "\ninputs: ", absl::StrJoin(names, ", "));
    }
    if (group.num_highlighted > 0) absl::StrAppend(&label, "\n", group.num_highlighted, " highlighted");
    return label;
  }

  void EmitTree(const ClusterTree& tree, const std::string& indent, int* cluster_count, std::string* out) const {
    for (const std::string& s : tree.statements) absl::StrAppend(out, indent, s, "\n");
    for (const auto& [name, child] : tree.children) {
      absl::StrAppend(out, indent, "subgraph cluster_", prefix_, (*cluster_count)++, " {\n", indent, "  label=\"",
                      Escape(name), "\";\n", indent, "  style=rounded;\n", indent, "  color=grey50;\n");
      EmitTree(*child, indent + "  ", cluster_count, out);
      absl::StrAppend(out, indent, "}\n");
    }
  }

  const Graph& graph_;
  const DotOptions& options_;
  const absl::flat_hash_set<std::string>& highlight_;
  const absl::flat_hash_set<std::string>* dashed_;
  const std::string prefix_;
  const Clusters mode_;
  const bool large_;
  // The DOT id of each value's producer (an input, a node or a group).
  absl::flat_hash_map<const Value*, std::string> source_;
  // The cluster path of each node.
  absl::flat_hash_map<const Node*, std::vector<std::string>> paths_;
  // Collapsed clusters: the group id of each grouped node, and the groups.
  absl::flat_hash_map<const Node*, std::string> group_of_;
  std::map<std::string, Group> groups_;
  std::vector<std::string> group_order_;
};

std::string Header(absl::string_view name, const DotOptions& options) {
  std::string out = absl::StrCat("digraph \"", Escape(name), "\" {\n  rankdir=TB;\n",
                                 "  node [fontname=\"monospace\", fontsize=10];\n");
  if (!options.title.empty()) {
    absl::StrAppend(&out, "  label=\"", Escape(options.title), "\";\n  labelloc=t;\n");
  }
  return out;
}

}  // namespace

std::string GraphToDot(const Graph& graph, const DotOptions& options) {
  std::string out = Header(graph.name(), options);
  absl::flat_hash_set<std::string> highlight(options.highlight.begin(), options.highlight.end());
  absl::flat_hash_set<std::string> dashed(options.dashed.begin(), options.dashed.end());
  GraphDrawer(graph, options, highlight, &dashed, "").Draw("  ", &out);
  out += "}\n";
  return out;
}

std::string PartitionToDot(const Graph& forward, const Graph& backward, absl::Span<const std::string> saved,
                           const DotOptions& options) {
  std::string out = Header("partition", options);
  absl::flat_hash_set<std::string> highlight(options.highlight.begin(), options.highlight.end());
  highlight.insert(saved.begin(), saved.end());
  absl::flat_hash_set<std::string> dashed(options.dashed.begin(), options.dashed.end());
  GraphDrawer fw(forward, options, highlight, nullptr, "fw_");
  GraphDrawer bw(backward, options, highlight, &dashed, "bw_");
  absl::StrAppend(&out, "  subgraph cluster_forward {\n    label=\"", Escape(forward.name()), "\";\n    color=blue;\n");
  fw.Draw("    ", &out);
  absl::StrAppend(&out, "  }\n  subgraph cluster_backward {\n    label=\"", Escape(backward.name()),
                  "\";\n    color=red;\n");
  bw.Draw("    ", &out);
  out += "  }\n";
  // Each saved value, from where the forward computes it to where the
  // backward receives it.
  std::set<std::pair<std::string, std::string>> links;
  for (const std::string& name : saved) {
    std::string from = fw.IdOf(name), to = bw.IdOf(name);
    if (from.empty() || to.empty() || !links.emplace(from, to).second) continue;
    absl::StrAppend(&out, "  ", from, " -> ", to, " [style=dashed, color=orange, constraint=false];\n");
  }
  out += "}\n";
  return out;
}

}  // namespace aot::ir
