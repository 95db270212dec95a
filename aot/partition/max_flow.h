// Maximum flow and minimum cut on a directed graph with int64 capacities,
// by Dinic's algorithm (BFS level graph, blocking flow by iterative DFS with
// current-arc pointers, so paths of any length use no call stack).
//
//   MaxFlow flow(/*num_nodes=*/4);
//   flow.AddEdge(0, 1, 3);
//   flow.AddEdge(0, 2, 2);
//   flow.AddEdge(1, 3, 2);
//   flow.AddEdge(2, 3, MaxFlow::kInfinity);
//   int64_t value = flow.Solve(/*source=*/0, /*sink=*/3);    // 4
//   std::vector<bool> s = flow.MinCutNearSink();              // {1, 1, 0, 0}
//
// The partitioners (partition.h) solve their minimum cuts with it; it knows
// nothing about graphs of the IR. Worst case O(V^2 E); on the layered,
// mostly-infinite networks the partitioners build it runs a few phases of
// O(V + E) each.
//
// Memory: 32 bytes per edge and 20 per node, built as the edges are added
// (no second copy in another layout at Solve). A compile of a 1000-block
// chain solves a network of 30k edges; a layout that kept the edge list and
// a CSR copy took 2.5 MB, which glibc handed back to the system after each
// compile and faulted in again (~13 us a page here), 3 ms of a 17 ms compile.
#ifndef AOT_PARTITION_MAX_FLOW_H_
#define AOT_PARTITION_MAX_FLOW_H_

#include <cstdint>
#include <limits>
#include <vector>

namespace aot::partition {

// A flow network: add nodes and edges, then Solve once. Not reusable after
// Solve except for the queries below. Not thread-safe.
class MaxFlow {
 public:
  // An unbounded capacity. Sums of finite capacities must stay below
  // kInfinity / 2, so that a path of infinite edges is told apart.
  static constexpr int64_t kInfinity = std::numeric_limits<int64_t>::max() / 4;

  explicit MaxFlow(int num_nodes = 0);

  int num_nodes() const { return num_nodes_; }
  int num_edges() const { return static_cast<int>(arcs_.size() / 2); }
  // Adds a node and returns its id.
  int AddNode() {
    first_arc_.push_back(-1);
    last_arc_.push_back(-1);
    return num_nodes_++;
  }
  // Makes room for `n` edges in all (an optimisation: AddEdge grows as needed).
  void ReserveEdges(int n);
  // Adds an edge from `from` to `to` with `capacity` (>= 0; capacities at or
  // above kInfinity are infinite) and returns its id. Must precede Solve.
  int AddEdge(int from, int to, int64_t capacity);

  // Computes a maximum flow from `source` to `sink` and returns its value,
  // or kInfinity if a path of infinite edges joins them (the flow is then
  // not meaningful). Call once.
  int64_t Solve(int source, int sink);

  // After Solve: the flow on edge `edge` (an id from AddEdge).
  int64_t flow(int edge) const;
  // After Solve: a minimum cut as membership of the source side. The source
  // side nearest the source is the set reachable from it in the residual
  // graph; the one nearest the sink holds every node that cannot reach the
  // sink. Both cut edges of equal total capacity (the flow value).
  std::vector<bool> MinCutNearSource() const;
  std::vector<bool> MinCutNearSink() const;

  // The number of BFS phases Solve ran (for tests and benchmarks).
  int num_phases() const { return num_phases_; }

 private:
  bool BuildLevels();
  int64_t BlockingFlow();

  int num_nodes_;
  int source_ = -1;
  int sink_ = -1;
  bool solved_ = false;
  int num_phases_ = 0;
  // Edge e is the forward arc 2e (tail -> head) and the reverse arc 2e + 1
  // (head -> tail, residual 0 at the start), so the pair of arc a is a ^ 1
  // and the flow on edge e is the residual of its reverse arc. The arcs
  // leaving a node form a list in edge order (next), from first_arc_ to
  // last_arc_ (-1: none): the order a CSR sorted by tail would have.
  struct Arc {
    int head;
    int next;
    int64_t residual;
  };
  std::vector<Arc> arcs_;
  std::vector<int> first_arc_;
  std::vector<int> last_arc_;
  // Scratch of the phases.
  std::vector<int> level_;
  std::vector<int> current_;
  std::vector<int> queue_;
  std::vector<int> path_;
};

}  // namespace aot::partition

#endif  // AOT_PARTITION_MAX_FLOW_H_
