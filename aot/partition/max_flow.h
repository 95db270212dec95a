// Maximum flow and minimum cut on a directed graph with int64 capacities,
// by Dinic's algorithm (BFS level graph, blocking flow by iterative DFS with
// current-arc pointers, so paths of any length use no call stack).
//
// The network is built in two passes over the same edges: first CountEdge
// for each (so that every node's arcs can be stored together), then AddEdge
// for each, in any order.
//
//   MaxFlow flow(/*num_nodes=*/4);
//   struct { int from, to; int64_t cap; } edges[] = {
//       {0, 1, 3}, {0, 2, 2}, {1, 3, 2}, {2, 3, MaxFlow::kInfinity}};
//   for (const auto& e : edges) flow.CountEdge(e.from, e.to);
//   for (const auto& e : edges) flow.AddEdge(e.from, e.to, e.cap);
//   int64_t value = flow.Solve(/*source=*/0, /*sink=*/3);    // 4
//   std::vector<bool> s = flow.MinCutNearSink();              // {1, 1, 0, 0}
//
// The partitioners (partition.h) solve their minimum cuts with it; it knows
// nothing about graphs of the IR. Worst case O(V^2 E); on the layered,
// mostly-infinite networks the partitioners build it runs a few phases of
// O(V + E) each.
//
// Memory: 32 bytes per edge (a ScratchArray: pooled, see aot/base/arena.h)
// and 16 per node, and no second copy in another layout: see Note [Arcs by
// tail] in max_flow.cc.
#ifndef AOT_PARTITION_MAX_FLOW_H_
#define AOT_PARTITION_MAX_FLOW_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "aot/base/arena.h"

namespace aot::partition {

// A flow network: declare and add its edges, then Solve once. Not reusable
// after Solve except for the queries below. Not thread-safe.
class MaxFlow {
 public:
  // An unbounded capacity. Sums of finite capacities must stay below
  // kInfinity / 2, so that a path of infinite edges is told apart.
  static constexpr int64_t kInfinity = std::numeric_limits<int64_t>::max() / 4;

  explicit MaxFlow(int num_nodes = 0);

  int num_nodes() const { return num_nodes_; }
  // The edges added so far.
  int num_edges() const { return num_added_; }

  // The first pass: declares an edge from `from` to `to`. Every CountEdge
  // precedes every AddEdge.
  void CountEdge(int from, int to);
  // The second pass: adds an edge declared by CountEdge (the same ends; the
  // order of the calls need not match), with `capacity` (>= 0; capacities
  // at or above kInfinity are infinite). Returns the edge's handle for
  // flow(). Must precede Solve.
  int AddEdge(int from, int to, int64_t capacity);

  // Computes a maximum flow from `source` to `sink` and returns its value,
  // or kInfinity if a path of infinite edges joins them (the flow is then
  // not meaningful). Every declared edge must have been added. Call once.
  int64_t Solve(int source, int sink);

  // After Solve: the flow on the edge with handle `edge` (from AddEdge).
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
  // Turns the counts into each node's range of arcs (on the first AddEdge).
  void Lay();
  bool BuildLevels();
  int64_t BlockingFlow();

  int num_nodes_;
  int source_ = -1;
  int sink_ = -1;
  bool laid_ = false;
  bool solved_ = false;
  int num_counted_ = 0;
  int num_added_ = 0;
  int num_phases_ = 0;
  // Every edge is a forward arc (tail -> head) and a reverse arc (head ->
  // tail, residual 0 at the start), each the other's `pair`; the flow on an
  // edge is the residual of its reverse arc. The arcs leaving node v are
  // arcs_[first_arc_[v], first_arc_[v + 1]), in the order they were added.
  // Before Lay, first_arc_[v + 1] counts v's arcs.
  struct Arc {
    int head;
    int pair;
    int64_t residual;
  };
  ScratchArray<Arc> arcs_;
  std::vector<int> first_arc_;
  // Scratch of the phases. current_ is also each node's next free arc
  // while adding.
  std::vector<int> level_;
  std::vector<int> current_;
  std::vector<int> queue_;
  std::vector<int> path_;
};

}  // namespace aot::partition

#endif  // AOT_PARTITION_MAX_FLOW_H_
