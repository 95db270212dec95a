#include "aot/partition/max_flow.h"

#include <algorithm>

#include "aot/base/check.h"

namespace aot::partition {

MaxFlow::MaxFlow(int num_nodes) : num_nodes_(num_nodes) { AOT_CHECK(num_nodes >= 0); }

void MaxFlow::ReserveEdges(int n) {
  edge_tail_.reserve(n);
  edge_head_.reserve(n);
  edge_capacity_.reserve(n);
}

int MaxFlow::AddEdge(int from, int to, int64_t capacity) {
  AOT_CHECK(!solved_) << "AddEdge after Solve";
  AOT_CHECK(from >= 0 && from < num_nodes_ && to >= 0 && to < num_nodes_) << from << " -> " << to;
  AOT_CHECK(capacity >= 0) << capacity;
  edge_tail_.push_back(from);
  edge_head_.push_back(to);
  edge_capacity_.push_back(std::min(capacity, kInfinity));
  return num_edges() - 1;
}

int64_t MaxFlow::Solve(int source, int sink) {
  AOT_CHECK(!solved_) << "Solve called twice";
  AOT_CHECK(source >= 0 && source < num_nodes_ && sink >= 0 && sink < num_nodes_ && source != sink);
  solved_ = true;
  source_ = source;
  sink_ = sink;

  // Counting sort of the arcs by tail into CSR order.
  const int m = num_edges();
  arc_begin_.assign(num_nodes_ + 1, 0);
  for (int e = 0; e < m; ++e) {
    ++arc_begin_[edge_tail_[e] + 1];
    ++arc_begin_[edge_head_[e] + 1];
  }
  for (int v = 0; v < num_nodes_; ++v) arc_begin_[v + 1] += arc_begin_[v];
  std::vector<int> fill(arc_begin_.begin(), arc_begin_.end() - 1);
  head_.resize(2 * m);
  rev_.resize(2 * m);
  residual_.resize(2 * m);
  edge_arc_.resize(m);
  for (int e = 0; e < m; ++e) {
    int a = fill[edge_tail_[e]]++;
    int b = fill[edge_head_[e]]++;
    head_[a] = edge_head_[e];
    head_[b] = edge_tail_[e];
    rev_[a] = b;
    rev_[b] = a;
    residual_[a] = edge_capacity_[e];
    residual_[b] = 0;
    edge_arc_[e] = a;
  }

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
    for (int a = arc_begin_[v]; a < arc_begin_[v + 1]; ++a) {
      int w = head_[a];
      if (residual_[a] > 0 && level_[w] < 0) {
        level_[w] = level_[v] + 1;
        queue_.push_back(w);
      }
    }
  }
  return level_[sink_] >= 0;
}

int64_t MaxFlow::BlockingFlow() {
  for (int v = 0; v < num_nodes_; ++v) current_[v] = arc_begin_[v];
  int64_t total = 0;
  path_.clear();
  int v = source_;
  while (true) {
    if (v == sink_) {
      int64_t bottleneck = kInfinity;
      for (int a : path_) bottleneck = std::min(bottleneck, residual_[a]);
      if (bottleneck >= kInfinity / 2) return kInfinity;  // All edges infinite.
      size_t first_saturated = path_.size();
      for (size_t i = 0; i < path_.size(); ++i) {
        int a = path_[i];
        residual_[a] -= bottleneck;
        residual_[rev_[a]] += bottleneck;
        if (residual_[a] == 0 && first_saturated == path_.size()) first_saturated = i;
      }
      total += bottleneck;
      if (total >= kInfinity / 2) return kInfinity;
      // Resume from the tail of the first saturated arc.
      path_.resize(first_saturated);
      v = path_.empty() ? source_ : head_[path_.back()];
      continue;
    }
    bool advanced = false;
    for (int& a = current_[v]; a < arc_begin_[v + 1]; ++a) {
      int w = head_[a];
      if (residual_[a] > 0 && level_[w] == level_[v] + 1) {
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
    v = head_[rev_[a]];
    ++current_[v];
  }
  return total;
}

int64_t MaxFlow::flow(int edge) const {
  AOT_CHECK(solved_ && edge >= 0 && edge < num_edges());
  return edge_capacity_[edge] - residual_[edge_arc_[edge]];
}

std::vector<bool> MaxFlow::MinCutNearSource() const {
  AOT_CHECK(solved_);
  std::vector<bool> side(num_nodes_, false);
  std::vector<int> queue = {source_};
  side[source_] = true;
  for (size_t i = 0; i < queue.size(); ++i) {
    int v = queue[i];
    for (int a = arc_begin_[v]; a < arc_begin_[v + 1]; ++a) {
      int w = head_[a];
      if (residual_[a] > 0 && !side[w]) {
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
    for (int a = arc_begin_[v]; a < arc_begin_[v + 1]; ++a) {
      int u = head_[a];
      if (residual_[rev_[a]] > 0 && !reaches_sink[u]) {
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
