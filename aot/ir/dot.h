// Graphviz DOT text of a graph, for draw_graph and the debugging tools
// (`aotc draw`, docs/debugging.md).
//
//   std::ofstream("forward.dot") << ir::GraphToDot(graph);
//   // $ dot -Tsvg forward.dot -o forward.svg
//
//   // A partition: forward and backward side by side, saved values
//   // highlighted in both and linked by dashed edges.
//   std::ofstream("partition.dot")
//       << ir::PartitionToDot(*p.forward, *p.backward, p.summary.saved);
//
// What is drawn:
//  - graph inputs as ellipses "name\ntype" (tangents_* in light green);
//  - one box per node, "name = op" then one line per result with its dtype
//    and shape ("f32[4,3]"), filled by kind: matmul/conv light blue,
//    reductions light yellow, views and shape-only ops light grey, the
//    ops that exist for derivatives (*_backward) lavender;
//  - highlighted values (DotOptions::highlight, e.g. the saved values of a
//    partition) filled orange with a bold border; DotOptions::dashed nodes
//    (e.g. the nodes a partition recomputes) with a dashed border;
//  - the graph outputs as one "output" node; edges go from a value's
//    producer to each user, labelled with the operand position when a node
//    has several operands (not for graphs over kLargeGraphNodes nodes).
//
// Note [Drawing large graphs]
// A 1,000-node graph is readable only when it is grouped. Nodes go into
// nested clusters (one box per layer or module) by their "scope" annotation
// ("model.layer1" or "model/layer1": cluster layer1 inside cluster model),
// or, when no node has one, by name prefix: `layer1__mm` is in cluster
// layer1, `enc__layer1__mm` in layer1 inside enc (graph inputs stay
// outside clusters, see GraphDrawer::DrawInput in dot.cc). With
// DotOptions::collapse_clusters each innermost cluster (or each cluster
// collapse_depth levels deep) is drawn as a single box naming its node
// count, most frequent ops and the inputs only it uses, with one edge per
// pair of connected boxes: a 100-layer MLP becomes 100 boxes (or 20 at the
// depth of blocks of 5 layers). Graphs over kLargeGraphNodes nodes drop
// edge labels, and their nodes draw one line per result.
#ifndef AOT_IR_DOT_H_
#define AOT_IR_DOT_H_

#include <string>
#include <vector>

#include "absl/types/span.h"
#include "aot/ir/graph.h"

namespace aot::ir {

// Graphs with more nodes than this are drawn without edge labels.
inline constexpr int kLargeGraphNodes = 200;

struct DotOptions {
  // How nodes are grouped into clusters (Note [Drawing large graphs]).
  enum class Clusters {
    kAuto,  // By scope if any node has a "scope" annotation, else by
            // name prefix if any node name contains "__", else none.
    kNone,
    kScope,       // By the "scope" annotation only.
    kNamePrefix,  // By the node name up to its last "__".
  };
  Clusters clusters = Clusters::kAuto;
  // Draws each innermost cluster (or each cluster at collapse_depth) as one
  // summary box.
  bool collapse_clusters = false;
  // With collapse_clusters: 0 collapses innermost clusters; k > 0 the
  // clusters k levels deep (scope "model.block1.layer3" at depth 2: block1).
  int collapse_depth = 0;
  // Names of the values to highlight (inputs or node results).
  std::vector<std::string> highlight;
  // Names of the nodes (their first result) drawn with a dashed border,
  // e.g. the nodes a partition recomputes (PartitionSummary::recomputed).
  // PartitionToDot dashes them in the backward graph only.
  std::vector<std::string> dashed;
  // Label of the drawing; "" for none.
  std::string title;
};

// Returns `graph` as a DOT digraph named after it.
std::string GraphToDot(const Graph& graph, const DotOptions& options = {});

// Returns a DOT digraph with two clusters side by side: `forward` on the
// left, `backward` on the right. The values named in `saved` (the forward
// outputs after the user outputs and the first inputs of the backward, as
// partition::PartitionSummary::saved lists them) are highlighted in both and
// linked by dashed edges. options.highlight adds to `saved`.
std::string PartitionToDot(const Graph& forward, const Graph& backward, absl::Span<const std::string> saved,
                           const DotOptions& options = {});

}  // namespace aot::ir

#endif  // AOT_IR_DOT_H_
