#include "aot/partition/max_flow.h"

#include <cstdint>
#include <random>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::partition {
namespace {

using ::testing::ElementsAre;

struct Edge {
  int from, to;
  int64_t capacity;
};

// Builds the network of `edges` in the two passes MaxFlow asks for; returns
// each edge's handle in `handles` when given.
void AddEdges(MaxFlow& flow, const std::vector<Edge>& edges, std::vector<int>* handles = nullptr) {
  for (const Edge& e : edges) flow.CountEdge(e.from, e.to);
  for (const Edge& e : edges) {
    int h = flow.AddEdge(e.from, e.to, e.capacity);
    if (handles != nullptr) handles->push_back(h);
  }
}

// The capacity of the edges leaving `side` (true: source side).
int64_t CutCapacity(const std::vector<Edge>& edges, const std::vector<bool>& side) {
  int64_t total = 0;
  for (const Edge& e : edges) {
    if (side[e.from] && !side[e.to]) total += e.capacity;
  }
  return total;
}

// Checks capacity and conservation of the flow Solve found.
void ExpectValidFlow(const MaxFlow& flow, const std::vector<Edge>& edges, const std::vector<int>& handles, int source,
                     int sink, int64_t value) {
  ASSERT_EQ(handles.size(), edges.size());
  std::vector<int64_t> net(flow.num_nodes(), 0);
  for (int e = 0; e < static_cast<int>(edges.size()); ++e) {
    int64_t f = flow.flow(handles[e]);
    EXPECT_GE(f, 0) << "edge " << e;
    EXPECT_LE(f, edges[e].capacity) << "edge " << e;
    net[edges[e].from] -= f;
    net[edges[e].to] += f;
  }
  for (int v = 0; v < flow.num_nodes(); ++v) {
    if (v == source) {
      EXPECT_EQ(net[v], -value);
    } else if (v == sink) {
      EXPECT_EQ(net[v], value);
    } else {
      EXPECT_EQ(net[v], 0) << "node " << v;
    }
  }
}

TEST(MaxFlowTest, HeaderExample) {
  MaxFlow flow(4);
  AddEdges(flow, {{0, 1, 3}, {0, 2, 2}, {1, 3, 2}, {2, 3, MaxFlow::kInfinity}});
  EXPECT_EQ(flow.Solve(0, 3), 4);
  // Cut edges 1 -> 3 and 0 -> 2; node 2 reaches the sink by an infinite edge.
  EXPECT_THAT(flow.MinCutNearSink(), ElementsAre(true, true, false, false));
  EXPECT_THAT(flow.MinCutNearSource(), ElementsAre(true, true, false, false));
}

TEST(MaxFlowTest, ClassicNetwork) {
  // CLRS figure 26.1: max flow 23.
  std::vector<Edge> edges = {{0, 1, 16}, {0, 2, 13}, {1, 3, 12}, {2, 1, 4}, {3, 2, 9},
                             {2, 4, 14}, {4, 3, 7},  {3, 5, 20}, {4, 5, 4}};
  MaxFlow flow(6);
  std::vector<int> handles;
  AddEdges(flow, edges, &handles);
  EXPECT_EQ(flow.Solve(0, 5), 23);
  ExpectValidFlow(flow, edges, handles, 0, 5, 23);
  EXPECT_EQ(CutCapacity(edges, flow.MinCutNearSource()), 23);
  EXPECT_EQ(CutCapacity(edges, flow.MinCutNearSink()), 23);
}

TEST(MaxFlowTest, DisconnectedSinkHasZeroFlow) {
  MaxFlow flow(3);
  AddEdges(flow, {{0, 1, 5}});
  EXPECT_EQ(flow.Solve(0, 2), 0);
  EXPECT_EQ(flow.num_phases(), 0);
  EXPECT_THAT(flow.MinCutNearSource(), ElementsAre(true, true, false));
  EXPECT_THAT(flow.MinCutNearSink(), ElementsAre(true, true, false));
}

TEST(MaxFlowTest, PathOfInfiniteEdgesIsUnbounded) {
  MaxFlow flow(4);
  AddEdges(flow, {{0, 1, MaxFlow::kInfinity}, {1, 3, MaxFlow::kInfinity}, {0, 2, 7}, {2, 3, MaxFlow::kInfinity}});
  EXPECT_EQ(flow.Solve(0, 3), MaxFlow::kInfinity);
}

TEST(MaxFlowTest, InfiniteEdgesBehindFiniteOnesAreFine) {
  // A diamond of infinite edges behind one finite edge.
  MaxFlow flow(5);
  AddEdges(flow, {{0, 1, 11},
                  {1, 2, MaxFlow::kInfinity},
                  {1, 3, MaxFlow::kInfinity},
                  {2, 4, MaxFlow::kInfinity},
                  {3, 4, MaxFlow::kInfinity}});
  EXPECT_EQ(flow.Solve(0, 4), 11);
  EXPECT_THAT(flow.MinCutNearSource(), ElementsAre(true, false, false, false, false));
}

TEST(MaxFlowTest, ParallelAndAntiParallelEdges) {
  std::vector<Edge> edges = {{0, 1, 3}, {0, 1, 4}, {1, 0, 10}, {1, 2, 5}, {2, 1, 1}, {1, 2, 1}};
  MaxFlow flow(3);
  std::vector<int> handles;
  AddEdges(flow, edges, &handles);
  EXPECT_EQ(flow.Solve(0, 2), 6);
  ExpectValidFlow(flow, edges, handles, 0, 2, 6);
}

TEST(MaxFlowTest, LongChainUsesNoRecursion) {
  // A million-node path: a recursive DFS would overflow the stack.
  constexpr int kNodes = 1000000;
  MaxFlow flow(kNodes);
  for (int v = 0; v + 1 < kNodes; ++v) flow.CountEdge(v, v + 1);
  for (int v = 0; v + 1 < kNodes; ++v) flow.AddEdge(v, v + 1, v == kNodes / 2 ? 3 : 1000);
  EXPECT_EQ(flow.Solve(0, kNodes - 1), 3);
  std::vector<bool> side = flow.MinCutNearSource();
  EXPECT_TRUE(side[kNodes / 2]);
  EXPECT_FALSE(side[kNodes / 2 + 1]);
}

TEST(MaxFlowTest, TiesPickTheCutNearestEachEnd) {
  // 0 -> 1 -> 2 -> 3 with equal capacities: every edge is a minimum cut.
  MaxFlow flow(4);
  AddEdges(flow, {{0, 1, 2}, {1, 2, 2}, {2, 3, 2}});
  EXPECT_EQ(flow.Solve(0, 3), 2);
  EXPECT_THAT(flow.MinCutNearSource(), ElementsAre(true, false, false, false));
  EXPECT_THAT(flow.MinCutNearSink(), ElementsAre(true, true, true, false));
}

// Random small networks: the flow value equals the minimum over all 2^(n-2)
// cuts, the flow is valid, and both reported cuts are minimum.
TEST(MaxFlowTest, MatchesBruteForceMinCutOnRandomGraphs) {
  std::mt19937 rng(12345);
  for (int trial = 0; trial < 300; ++trial) {
    int n = 2 + static_cast<int>(rng() % 8);
    int m = static_cast<int>(rng() % (3 * n));
    std::vector<Edge> edges;
    for (int i = 0; i < m; ++i) {
      int a = static_cast<int>(rng() % n), b = static_cast<int>(rng() % n);
      if (a == b) continue;
      edges.push_back({a, b, static_cast<int64_t>(rng() % 10)});
    }
    MaxFlow flow(n);
    // Declared in one order and added in the reverse one.
    for (const Edge& e : edges) flow.CountEdge(e.from, e.to);
    std::vector<int> handles(edges.size());
    for (int e = static_cast<int>(edges.size()) - 1; e >= 0; --e) {
      handles[e] = flow.AddEdge(edges[e].from, edges[e].to, edges[e].capacity);
    }
    int source = 0, sink = n - 1;
    int64_t value = flow.Solve(source, sink);

    int64_t best = INT64_MAX;
    for (uint32_t mask = 0; mask < (1u << (n - 2)); ++mask) {
      std::vector<bool> side(n, false);
      side[source] = true;
      for (int v = 1; v < n - 1; ++v) side[v] = (mask >> (v - 1)) & 1;
      best = std::min(best, CutCapacity(edges, side));
    }
    ASSERT_EQ(value, best) << "trial " << trial;
    ExpectValidFlow(flow, edges, handles, source, sink, value);
    std::vector<bool> near_source = flow.MinCutNearSource();
    std::vector<bool> near_sink = flow.MinCutNearSink();
    EXPECT_EQ(CutCapacity(edges, near_source), value);
    EXPECT_EQ(CutCapacity(edges, near_sink), value);
    // The source side nearest the source is contained in the other.
    for (int v = 0; v < n; ++v) {
      if (near_source[v]) {
        EXPECT_TRUE(near_sink[v]) << "trial " << trial << " node " << v;
      }
    }
  }
}

TEST(MaxFlowDeathTest, EdgeNotDeclaredIsCaught) {
  MaxFlow flow(3);
  flow.CountEdge(0, 1);
  EXPECT_DEATH(flow.AddEdge(0, 2, 1), "was not declared by CountEdge");
}

TEST(MaxFlowDeathTest, DeclaredEdgeNotAddedIsCaught) {
  MaxFlow flow(3);
  flow.CountEdge(0, 1);
  flow.CountEdge(1, 2);
  flow.AddEdge(0, 1, 1);
  EXPECT_DEATH(flow.Solve(0, 2), "declared by CountEdge but not added");
}

}  // namespace
}  // namespace aot::partition
