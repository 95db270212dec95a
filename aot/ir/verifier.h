// The graph verifier: checks that a Graph is well formed.
#ifndef AOT_IR_VERIFIER_H_
#define AOT_IR_VERIFIER_H_

#include "absl/status/status.h"
#include "aot/ir/graph.h"

namespace aot::ir {

struct VerifyOptions {
  // Re-run every node's shape rule and compare shape, dtype and device of
  // each result with the stored metadata (strides and requires_grad are not
  // compared).
  bool check_metadata = true;
  // Walk every value's use list and check it against the operand and output
  // slots (the Graph API maintains them; this guards against bugs in it).
  bool check_use_lists = true;
  // Check each value's name against the graph's name index (the Graph API
  // refuses a name defined twice; this guards against bugs in it).
  bool check_names = true;
};

// Checks, for every node in program order:
//  - operand groups against the schema (one tensor, at most one for
//    `Tensor?`, any number for `Tensor[]`), and the attribute count and each
//    attribute's type;
//  - the result count (the schema's, or the shape rule's for `Tensor[]`);
//  - SSA: each operand is a graph input or a result of an earlier node of
//    this graph, and the operand's use is linked into the value's use list;
//  - metadata against the shape rule (VerifyOptions::check_metadata);
// and for the graph: unique value names, outputs that are values of this
// graph. Returns OK or InvalidArgument (Internal for broken use lists) whose
// message names the node ("node cos_1 (cos): ...") and the problem.
absl::Status VerifyGraph(const Graph& graph, const VerifyOptions& options = {});

}  // namespace aot::ir

#endif  // AOT_IR_VERIFIER_H_
