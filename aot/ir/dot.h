// Graphviz DOT text of a graph, for draw_graph and the debugging tools.
//
//   std::ofstream("forward.dot") << ir::GraphToDot(graph);
//   // $ dot -Tsvg forward.dot -o forward.svg
//
// Inputs are drawn as ellipses, nodes as boxes labelled "name = op" with
// their result types, outputs as one "output" node; edges go from a value's
// producer to each user, labelled with the operand position when a node has
// several operands.
#ifndef AOT_IR_DOT_H_
#define AOT_IR_DOT_H_

#include <string>

#include "aot/ir/graph.h"

namespace aot::ir {

// Returns `graph` as a DOT digraph named after it.
std::string GraphToDot(const Graph& graph);

}  // namespace aot::ir

#endif  // AOT_IR_DOT_H_
