#include "aot/ir/dot.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "aot/ir/graph.h"
#include "aot/ir/parser.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

std::unique_ptr<Graph> Parse(const std::string& text) {
  absl::StatusOr<std::unique_ptr<Graph>> g = ParseGraph(text);
  EXPECT_TRUE(g.ok()) << g.status();
  return g.ok() ? *std::move(g) : nullptr;
}

// Node and input statements come first (clusters need them grouped), then
// the edges.
TEST(DotTest, DrawsInputsNodesAndOutputs) {
  std::unique_ptr<Graph> g = Parse(R"(graph forward(primals_1: f32[3]) {
  cos: f32[3] = cos(primals_1)
  mul: f32[3] = mul(cos, primals_1)
  return (mul, cos)
}
)");
  EXPECT_EQ(GraphToDot(*g),
            "digraph \"forward\" {\n"
            "  rankdir=TB;\n"
            "  node [fontname=\"monospace\", fontsize=10];\n"
            "  in0 [shape=ellipse, label=\"primals_1\\nf32[3]\"];\n"
            "  n0 [shape=box, label=\"cos = cos\\nf32[3]\"];\n"
            "  n1 [shape=box, label=\"mul = mul\\nf32[3]\"];\n"
            "  output [shape=ellipse, style=bold, label=\"output\"];\n"
            "  in0 -> n0;\n"
            "  n0 -> n1 [label=\"0\"];\n"
            "  in0 -> n1 [label=\"1\"];\n"
            "  n1 -> output [label=\"0\"];\n"
            "  n0 -> output [label=\"1\"];\n"
            "}\n");
}

TEST(DotTest, EscapesQuotes) {
  std::unique_ptr<Graph> g = Parse(R"(graph "a\"b"(x: f32[1]) {
  return (x)
}
)");
  EXPECT_NE(GraphToDot(*g).find("digraph \"a\\\"b\""), std::string::npos);
}

TEST(DotTest, ColoursNodesByKindAndHighlightsValues) {
  std::unique_ptr<Graph> g = Parse(R"(graph f(x: f32[2,3], w: f32[3,4], tangents_1: f32[2,4]) {
  mm: f32[2,4] = mm(x, w)
  sum: f32[4] = sum(mm, dim=[0])
  t: f32[4,3]{1,4} = transpose(w, dim0=0, dim1=1)
  mul: f32[2,4] = mul(mm, tangents_1)
  return (sum, t, mul)
}
)");
  DotOptions options;
  options.highlight = {"mm", "x"};
  options.title = "saved: mm, x";
  options.dashed = {"mul", "sum"};
  const std::string dot = GraphToDot(*g, options);
  EXPECT_TRUE(absl::StrContains(dot, "  label=\"saved: mm, x\";\n  labelloc=t;\n")) << dot;
  EXPECT_TRUE(absl::StrContains(
      dot, "  in0 [shape=ellipse, label=\"x\\nf32[2,3]\", style=\"filled,bold\", fillcolor=orange, penwidth=2];\n"))
      << dot;
  EXPECT_TRUE(absl::StrContains(
      dot, "  in2 [shape=ellipse, label=\"tangents_1\\nf32[2,4]\", style=filled, fillcolor=palegreen];\n"))
      << dot;
  EXPECT_TRUE(absl::StrContains(
      dot, "  n0 [shape=box, label=\"mm = mm\\nf32[2,4]\", style=\"filled,bold\", fillcolor=orange, penwidth=2];\n"))
      << dot;
  EXPECT_TRUE(absl::StrContains(
      dot, "  n1 [shape=box, label=\"sum = sum\\nf32[4]\", style=\"filled,dashed\", fillcolor=lightyellow];\n"))
      << dot;
  EXPECT_TRUE(absl::StrContains(
      dot, "  n2 [shape=box, label=\"t = transpose\\nf32[4,3]{1,4}\", style=filled, fillcolor=lightgrey];\n"))
      << dot;
  EXPECT_TRUE(absl::StrContains(dot, "  n3 [shape=box, label=\"mul = mul\\nf32[2,4]\", style=dashed];\n")) << dot;
}

TEST(DotTest, ClustersByScopeAnnotation) {
  std::unique_ptr<Graph> g = Parse(R"(graph f(x: f32[3]) {
  cos: f32[3] = cos(x) {scope="model.layer1"}
  sin: f32[3] = sin(cos) {scope="model/layer2"}
  neg: f32[3] = neg(sin) {scope="model.layer2"}
  exp: f32[3] = exp(neg)
  return (exp)
}
)");
  EXPECT_EQ(GraphToDot(*g),
            "digraph \"f\" {\n"
            "  rankdir=TB;\n"
            "  node [fontname=\"monospace\", fontsize=10];\n"
            "  in0 [shape=ellipse, label=\"x\\nf32[3]\"];\n"
            "  n3 [shape=box, label=\"exp = exp\\nf32[3]\"];\n"
            "  output [shape=ellipse, style=bold, label=\"output\"];\n"
            "  subgraph cluster_0 {\n"
            "    label=\"model\";\n"
            "    style=rounded;\n"
            "    color=grey50;\n"
            "    subgraph cluster_1 {\n"
            "      label=\"layer1\";\n"
            "      style=rounded;\n"
            "      color=grey50;\n"
            "      n0 [shape=box, label=\"cos = cos\\nf32[3]\"];\n"
            "    }\n"
            "    subgraph cluster_2 {\n"
            "      label=\"layer2\";\n"
            "      style=rounded;\n"
            "      color=grey50;\n"
            "      n1 [shape=box, label=\"sin = sin\\nf32[3]\"];\n"
            "      n2 [shape=box, label=\"neg = neg\\nf32[3]\"];\n"
            "    }\n"
            "  }\n"
            "  in0 -> n0;\n"
            "  n0 -> n1;\n"
            "  n1 -> n2;\n"
            "  n2 -> n3;\n"
            "  n3 -> output [label=\"0\"];\n"
            "}\n");
  DotOptions none;
  none.clusters = DotOptions::Clusters::kNone;
  EXPECT_FALSE(absl::StrContains(GraphToDot(*g, none), "subgraph"));
}

TEST(DotTest, ClustersByNamePrefixAndCollapses) {
  std::unique_ptr<Graph> g = Parse(R"(graph f(x: f32[3]) {
  layer1__cos: f32[3] = cos(x)
  layer1__sin: f32[3] = sin(layer1__cos)
  layer2__cos: f32[3] = cos(layer1__sin)
  layer2__mul: f32[3] = mul(layer2__cos, layer1__cos)
  out: f32[3] = neg(layer2__mul)
  return (out)
}
)");
  const std::string dot = GraphToDot(*g);
  EXPECT_TRUE(absl::StrContains(dot, "  subgraph cluster_0 {\n    label=\"layer1\";\n")) << dot;
  EXPECT_TRUE(absl::StrContains(dot, "  subgraph cluster_1 {\n    label=\"layer2\";\n")) << dot;

  DotOptions collapse;
  collapse.collapse_clusters = true;
  collapse.highlight = {"layer2__cos"};
  EXPECT_EQ(GraphToDot(*g, collapse),
            "digraph \"f\" {\n"
            "  rankdir=TB;\n"
            "  node [fontname=\"monospace\", fontsize=10];\n"
            "  n4 [shape=box, label=\"out = neg\\nf32[3]\"];\n"
            "  g0 [shape=box3d, label=\"layer1\\n2 nodes: cos, sin\\ninputs: x\", style=filled, "
            "fillcolor=whitesmoke];\n"
            "  g1 [shape=box3d, label=\"layer2\\n2 nodes: cos, mul\\n1 highlighted\", style=\"filled,bold\", "
            "fillcolor=orange, penwidth=2];\n"
            "  output [shape=ellipse, style=bold, label=\"output\"];\n"
            "  g0 -> g1;\n"
            "  g1 -> n4;\n"
            "  n4 -> output;\n"
            "}\n");
}

TEST(DotTest, CollapsesAtADepth) {
  std::unique_ptr<Graph> g = Parse(R"(graph f(x: f32[3], w: f32[3]) {
  a: f32[3] = mul(x, w) {scope="model.block0.layer0"}
  b: f32[3] = cos(a) {scope="model.block0.layer1"}
  c: f32[3] = sin(b) {scope="model.block1.layer2"}
  return (c)
}
)");
  DotOptions options;
  options.collapse_clusters = true;
  options.collapse_depth = 2;
  const std::string dot = GraphToDot(*g, options);
  EXPECT_TRUE(absl::StrContains(dot, "g0 [shape=box3d, label=\"block0\\n2 nodes: cos, mul\\ninputs: x, w\"")) << dot;
  EXPECT_TRUE(absl::StrContains(dot, "g1 [shape=box3d, label=\"block1\\n1 node: sin\"")) << dot;
  EXPECT_TRUE(absl::StrContains(dot, "  subgraph cluster_0 {\n    label=\"model\";\n")) << dot;
  EXPECT_FALSE(absl::StrContains(dot, "layer")) << dot;
}

TEST(DotTest, DrawsAPartitionSideBySide) {
  std::unique_ptr<Graph> fw = Parse(R"(graph forward(primals_1: f32[3]) {
  cos: f32[3] = cos(primals_1)
  cos_1: f32[3] = cos(cos)
  return (cos_1, primals_1)
}
)");
  std::unique_ptr<Graph> bw = Parse(R"(graph backward(primals_1: f32[3], tangents_1: f32[3]) {
  sin: f32[3] = sin(primals_1)
  mul: f32[3] = mul(tangents_1, sin)
  return (mul)
}
)");
  EXPECT_EQ(PartitionToDot(*fw, *bw, {"primals_1"}),
            "digraph \"partition\" {\n"
            "  rankdir=TB;\n"
            "  node [fontname=\"monospace\", fontsize=10];\n"
            "  subgraph cluster_forward {\n"
            "    label=\"forward\";\n"
            "    color=blue;\n"
            "    fw_in0 [shape=ellipse, label=\"primals_1\\nf32[3]\", style=\"filled,bold\", fillcolor=orange, "
            "penwidth=2];\n"
            "    fw_n0 [shape=box, label=\"cos = cos\\nf32[3]\"];\n"
            "    fw_n1 [shape=box, label=\"cos_1 = cos\\nf32[3]\"];\n"
            "    fw_output [shape=ellipse, style=bold, label=\"output\"];\n"
            "    fw_in0 -> fw_n0;\n"
            "    fw_n0 -> fw_n1;\n"
            "    fw_n1 -> fw_output [label=\"0\"];\n"
            "    fw_in0 -> fw_output [label=\"1\"];\n"
            "  }\n"
            "  subgraph cluster_backward {\n"
            "    label=\"backward\";\n"
            "    color=red;\n"
            "    bw_in0 [shape=ellipse, label=\"primals_1\\nf32[3]\", style=\"filled,bold\", fillcolor=orange, "
            "penwidth=2];\n"
            "    bw_in1 [shape=ellipse, label=\"tangents_1\\nf32[3]\", style=filled, fillcolor=palegreen];\n"
            "    bw_n0 [shape=box, label=\"sin = sin\\nf32[3]\"];\n"
            "    bw_n1 [shape=box, label=\"mul = mul\\nf32[3]\"];\n"
            "    bw_output [shape=ellipse, style=bold, label=\"output\"];\n"
            "    bw_in0 -> bw_n0;\n"
            "    bw_in1 -> bw_n1 [label=\"0\"];\n"
            "    bw_n0 -> bw_n1 [label=\"1\"];\n"
            "    bw_n1 -> bw_output [label=\"0\"];\n"
            "  }\n"
            "  fw_in0 -> bw_in0 [style=dashed, color=orange, constraint=false];\n"
            "}\n");
}

TEST(DotTest, DropsEdgeLabelsOfLargeGraphs) {
  std::string text = "graph big(x: f32[2]) {\n  v0: f32[2] = mul(x, x)\n";
  for (int i = 1; i <= kLargeGraphNodes; ++i) absl::StrAppend(&text, "  v", i, ": f32[2] = mul(v", i - 1, ", x)\n");
  absl::StrAppend(&text, "  return (v", kLargeGraphNodes, ")\n}\n");
  std::unique_ptr<Graph> g = Parse(text);
  const std::string dot = GraphToDot(*g);
  EXPECT_FALSE(absl::StrContains(dot, "[label=\"1\"]")) << dot.substr(0, 500);
  EXPECT_TRUE(absl::StrContains(dot, "  n1 [shape=box, label=\"v1 = mul f32[2]\"];\n")) << dot.substr(0, 500);
}

}  // namespace
}  // namespace aot::ir
