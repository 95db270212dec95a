#include "aot/partition/max_flow.h"

#include <algorithm>

#include "aot/base/check.h"

namespace aot::partition {

// Note [Arcs by tail]
// ~~~~~~~~~~~~~~~~~~~
// Each phase walks the arcs leaving every node it reaches (the BFS of
// BuildLevels, the DFS of BlockingFlow, the searches of the cuts). The arcs
// are therefore stored by tail, each node's in one contiguous range (a CSR
// layout), so that a node's arcs are one or two cache lines read in order.
// The partitioners add their edges unit by unit, and a node's edges come
// from far apart in that order (the source's and the sink's from every
// unit, a value's uses from the units that read it); kept in the order they
// were added and chained per node, a walk over a node's arcs missed the
// cache at every arc once the network outgrew it: at a 10000-block chain
// (600k arcs, 9.6 MB) BuildLevels took 4.8x its time per arc at 1000 blocks.
//
// Sorting added arcs into that layout at Solve would need a second copy of
// them (or an index per arc), fresh memory the kernel faults in on every
// compile (measured: a 2.4x slower min-cut stage at 10000 blocks). Instead
// the caller declares its edges first (CountEdge), which sizes each node's
// range, and AddEdge then writes both arcs of an edge into place. The arcs
// of a node keep the order they were added in, so the phases, and with them
// the cut chosen among equal ones, are what the chained lists gave. The
// arcs live in a ScratchArray (Note [Scratch blocks] in aot/base/arena.cc).
// At N=10000 the min-cut stage went from 55.6 to 49.5 ms (medians of 18,
// interleaved; perf puts MaxFlow and SolveCut at 24.3 -> 15.1 ms of it).

MaxFlow::MaxFlow(int num_nodes) : num_nodes_(num_nodes), first_arc_(std::max(num_nodes, 0) + 1, 0) {
  AOT_CHECK(num_nodes >= 0);
}

void MaxFlow::CountEdge(int from, int to) {
  AOT_CHECK(!laid_) << "CountEdge after AddEdge";
  AOT_CHECK(from >= 0 && from < num_nodes_ && to >= 0 && to < num_nodes_) << from << " -> " << to;
  ++first_arc_[from + 1];
  ++first_arc_[to + 1];
  ++num_counted_;
}

void MaxFlow::Lay() {
  laid_ = true;
  for (int v = 0; v < num_nodes_; ++v) first_arc_[v + 1] += first_arc_[v];
  arcs_ = ScratchArray<Arc>(2 * static_cast<size_t>(num_counted_));
  current_.assign(first_arc_.begin(), first_arc_.end() - 1);
}

int MaxFlow::AddEdge(int from, int to, int64_t capacity) {
  AOT_CHECK(!solved_) << "AddEdge after Solve";
  if (!laid_) Lay();
  AOT_CHECK(from >= 0 && from < num_nodes_ && to >= 0 && to < num_nodes_) << from << " -> " << to;
  AOT_CHECK(capacity >= 0) << capacity;
  const int a = current_[from]++;
  const int r = current_[to]++;
  AOT_CHECK(a < first_arc_[from + 1] && r < first_arc_[to + 1])
      << "AddEdge(" << from << ", " << to << ") was not declared by CountEdge";
  arcs_[a] = {to, r, std::min(capacity, kInfinity)};
  arcs_[r] = {from, a, 0};
  ++num_added_;
  return a;
}

int64_t MaxFlow::Solve(int source, int sink) {
  AOT_CHECK(!solved_) << "Solve called twice";
  AOT_CHECK(source >= 0 && source < num_nodes_ && sink >= 0 && sink < num_nodes_ && source != sink);
  AOT_CHECK_EQ(num_added_, num_counted_) << "edges declared by CountEdge but not added";
  if (!laid_) Lay();
  solved_ = true;
  source_ = source;
  sink_ = sink;

  // Lay sized current_.
  level_.resize(num_nodes_);
  queue_.reserve(num_nodes_);
  int64_t total = 0;
  while (BuildLevels()) {
    ++num_phases_;
    int64_t pushed = BlockingFlow();
    if (pushed >= kInfinity / 2) return kInfinity;
    total += pushed;
    if (total >= kInfinity / 2) return kInfinity;
  }
  return total;
}

bool MaxFlow::BuildLevels() {
  std::fill(level_.begin(), level_.end(), -1);
  queue_.clear();
  level_[source_] = 0;
  queue_.push_back(source_);
  for (size_t i = 0; i < queue_.size(); ++i) {
    int v = queue_[i];
    // Nodes beyond the sink's level cannot be on a shortest path.
    if (level_[sink_] >= 0 && level_[v] >= level_[sink_]) break;
    for (int a = first_arc_[v]; a < first_arc_[v + 1]; ++a) {
      int w = arcs_[a].head;
      if (arcs_[a].residual > 0 && level_[w] < 0) {
        level_[w] = level_[v] + 1;
        queue_.push_back(w);
      }
    }
  }
  return level_[sink_] >= 0;
}

int64_t MaxFlow::BlockingFlow() {
  std::copy(first_arc_.begin(), first_arc_.end() - 1, current_.begin());
  int64_t total = 0;
  path_.clear();
  int v = source_;
  while (true) {
    if (v == sink_) {
      int64_t bottleneck = kInfinity;
      for (int a : path_) bottleneck = std::min(bottleneck, arcs_[a].residual);
      if (bottleneck >= kInfinity / 2) return kInfinity;  // All edges infinite.
      size_t first_saturated = path_.size();
      for (size_t i = 0; i < path_.size(); ++i) {
        int a = path_[i];
        arcs_[a].residual -= bottleneck;
        arcs_[arcs_[a].pair].residual += bottleneck;
        if (arcs_[a].residual == 0 && first_saturated == path_.size()) first_saturated = i;
      }
      total += bottleneck;
      if (total >= kInfinity / 2) return kInfinity;
      // Resume from the tail of the first saturated arc.
      path_.resize(first_saturated);
      v = path_.empty() ? source_ : arcs_[path_.back()].head;
      continue;
    }
    bool advanced = false;
    for (int& a = current_[v]; a < first_arc_[v + 1]; ++a) {
      int w = arcs_[a].head;
      if (arcs_[a].residual > 0 && level_[w] == level_[v] + 1) {
        path_.push_back(a);
        v = w;
        advanced = true;
        break;
      }
    }
    if (advanced) continue;
    // Dead end: no shortest path continues through v in this phase. Retreat
    // to the tail of the last arc and skip that arc.
    level_[v] = -1;
    if (path_.empty()) break;
    path_.pop_back();
    v = path_.empty() ? source_ : arcs_[path_.back()].head;
    ++current_[v];
  }
  return total;
}

int64_t MaxFlow::flow(int edge) const {
  AOT_CHECK(solved_ && edge >= 0 && edge < static_cast<int>(arcs_.size()));
  return arcs_[arcs_[edge].pair].residual;
}

std::vector<bool> MaxFlow::MinCutNearSource() const {
  AOT_CHECK(solved_);
  std::vector<bool> side(num_nodes_, false);
  std::vector<int> queue = {source_};
  side[source_] = true;
  for (size_t i = 0; i < queue.size(); ++i) {
    int v = queue[i];
    for (int a = first_arc_[v]; a < first_arc_[v + 1]; ++a) {
      int w = arcs_[a].head;
      if (arcs_[a].residual > 0 && !side[w]) {
        side[w] = true;
        queue.push_back(w);
      }
    }
  }
  return side;
}

std::vector<bool> MaxFlow::MinCutNearSink() const {
  AOT_CHECK(solved_);
  // Backward search from the sink: u reaches v when the arc u -> v (the
  // pair of v's arc to u) has residual capacity.
  std::vector<bool> reaches_sink(num_nodes_, false);
  std::vector<int> queue = {sink_};
  reaches_sink[sink_] = true;
  for (size_t i = 0; i < queue.size(); ++i) {
    int v = queue[i];
    for (int a = first_arc_[v]; a < first_arc_[v + 1]; ++a) {
      int u = arcs_[a].head;
      if (!reaches_sink[u] && arcs_[arcs_[a].pair].residual > 0) {
        reaches_sink[u] = true;
        queue.push_back(u);
      }
    }
  }
  std::vector<bool> side(num_nodes_);
  for (int v = 0; v < num_nodes_; ++v) side[v] = !reaches_sink[v];
  return side;
}

}  // namespace aot::partition
