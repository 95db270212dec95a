#include "aot/partition/max_flow.h"

#include <algorithm>

#include "aot/base/check.h"

namespace aot::partition {

MaxFlow::MaxFlow(int num_nodes)
    : num_nodes_(num_nodes), first_arc_(std::max(num_nodes, 0), -1), last_arc_(std::max(num_nodes, 0), -1) {
  AOT_CHECK(num_nodes >= 0);
}

void MaxFlow::ReserveEdges(int n) { arcs_.reserve(2 * static_cast<size_t>(n)); }

int MaxFlow::AddEdge(int from, int to, int64_t capacity) {
  AOT_CHECK(!solved_) << "AddEdge after Solve";
  AOT_CHECK(from >= 0 && from < num_nodes_ && to >= 0 && to < num_nodes_) << from << " -> " << to;
  AOT_CHECK(capacity >= 0) << capacity;
  const int a = static_cast<int>(arcs_.size());
  arcs_.push_back({to, -1, std::min(capacity, kInfinity)});
  arcs_.push_back({from, -1, 0});
  // Appends arc `arc` to the list of node `v`.
  auto append = [this](int v, int arc) {
    (last_arc_[v] < 0 ? first_arc_[v] : arcs_[last_arc_[v]].next) = arc;
    last_arc_[v] = arc;
  };
  append(from, a);
  append(to, a + 1);
  return a / 2;
}

int64_t MaxFlow::Solve(int source, int sink) {
  AOT_CHECK(!solved_) << "Solve called twice";
  AOT_CHECK(source >= 0 && source < num_nodes_ && sink >= 0 && sink < num_nodes_ && source != sink);
  solved_ = true;
  source_ = source;
  sink_ = sink;
  // Only the phases need it from here on.
  last_arc_ = std::vector<int>();

  level_.resize(num_nodes_);
  current_.resize(num_nodes_);
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
    for (int a = first_arc_[v]; a >= 0; a = arcs_[a].next) {
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
  std::copy(first_arc_.begin(), first_arc_.end(), current_.begin());
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
        arcs_[a ^ 1].residual += bottleneck;
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
    for (int& a = current_[v]; a >= 0; a = arcs_[a].next) {
      int w = arcs_[a].head;
      if (arcs_[a].residual > 0 && level_[w] == level_[v] + 1) {
        path_.push_back(a);
        v = w;
        advanced = true;
        break;
      }
    }
    if (advanced) continue;
    // Dead end: no shortest path continues through v in this phase.
    level_[v] = -1;
    if (path_.empty()) break;
    int a = path_.back();
    path_.pop_back();
    v = arcs_[a ^ 1].head;
    current_[v] = arcs_[current_[v]].next;
  }
  return total;
}

int64_t MaxFlow::flow(int edge) const {
  AOT_CHECK(solved_ && edge >= 0 && edge < num_edges());
  return arcs_[2 * edge + 1].residual;
}

std::vector<bool> MaxFlow::MinCutNearSource() const {
  AOT_CHECK(solved_);
  std::vector<bool> side(num_nodes_, false);
  std::vector<int> queue = {source_};
  side[source_] = true;
  for (size_t i = 0; i < queue.size(); ++i) {
    int v = queue[i];
    for (int a = first_arc_[v]; a >= 0; a = arcs_[a].next) {
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
    for (int a = first_arc_[v]; a >= 0; a = arcs_[a].next) {
      int u = arcs_[a].head;
      if (arcs_[a ^ 1].residual > 0 && !reaches_sink[u]) {
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
