#include "aot/ir/passes/cse.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"

namespace aot::ir {
namespace {

// What makes two nodes compute the same values: the op, the operands (by
// identity, with their grouping, which tells `Tensor?` arguments apart) and
// the attributes. Owns copies, so later rewrites cannot change a stored key.
struct NodeKey {
  OpKind kind;
  std::vector<int> group_sizes;
  std::vector<const Value*> operands;
  std::vector<AttrValue> attrs;
  int num_results;

  explicit NodeKey(const Node& node)
      : kind(node.kind()), attrs(node.attrs().begin(), node.attrs().end()), num_results(node.num_results()) {
    group_sizes.reserve(node.num_groups());
    for (int g = 0; g < node.num_groups(); ++g) group_sizes.push_back(node.group_size(g));
    operands.reserve(node.num_operands());
    for (int i = 0; i < node.num_operands(); ++i) operands.push_back(node.operand(i));
  }

  friend bool operator==(const NodeKey& a, const NodeKey& b) {
    return a.kind == b.kind && a.num_results == b.num_results && a.group_sizes == b.group_sizes &&
           a.operands == b.operands && a.attrs == b.attrs;
  }
  template <typename H>
  friend H AbslHashValue(H h, const NodeKey& k) {
    return H::combine(std::move(h), k.kind, k.num_results, k.group_sizes, k.operands, k.attrs);
  }
};

// Returns true if `node` draws fresh random numbers each time it runs: a
// random op without an explicit `seed` operand.
bool IsUnseededRandom(const Node& node) {
  if (!node.op().is_random()) return false;
  int seed = node.op().schema().TensorArgIndex("seed");
  return seed < 0 || seed >= node.num_groups() || node.group_size(seed) == 0;
}

}  // namespace

absl::StatusOr<bool> CommonSubexpressionElimination::Run(Graph* graph) {
  absl::flat_hash_map<NodeKey, Node*> seen;
  seen.reserve(graph->num_nodes());
  bool changed = false;
  // A snapshot: erasing the current node leaves the other pointers valid.
  for (Node* node : graph->nodes()) {
    if (node->op().is_inplace()) {
      // A write: values computed before it from the written tensor (or an
      // alias of it) may differ from the same expression after it. Start
      // afresh rather than track aliases.
      seen.clear();
      continue;
    }
    if (node->num_results() == 0 || IsUnseededRandom(*node)) continue;
    auto [it, inserted] = seen.try_emplace(NodeKey(*node), node);
    if (inserted) continue;
    Node* original = it->second;
    for (int i = 0; i < node->num_results(); ++i) node->result(i)->ReplaceAllUsesWith(original->result(i));
    absl::Status status = graph->EraseNode(node);
    if (!status.ok()) return status;
    changed = true;
  }
  return changed;
}

}  // namespace aot::ir
