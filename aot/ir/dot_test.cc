#include "aot/ir/dot.h"

#include "aot/ir/parser.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

TEST(DotTest, DrawsInputsNodesAndOutputs) {
  absl::StatusOr<std::unique_ptr<Graph>> g = ParseGraph(R"(graph forward(primals_1: f32[3]) {
  cos: f32[3] = cos(primals_1)
  mul: f32[3] = mul(cos, primals_1)
  return (mul, cos)
}
)");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(GraphToDot(**g),
            "digraph \"forward\" {\n"
            "  rankdir=TB;\n"
            "  node [fontname=\"monospace\", fontsize=10];\n"
            "  in0 [shape=ellipse, label=\"primals_1\\nf32[3]\"];\n"
            "  n0 [shape=box, label=\"cos = cos\\nf32[3]\"];\n"
            "  in0 -> n0;\n"
            "  n1 [shape=box, label=\"mul = mul\\nf32[3]\"];\n"
            "  n0 -> n1 [label=\"0\"];\n"
            "  in0 -> n1 [label=\"1\"];\n"
            "  output [shape=ellipse, style=bold, label=\"output\"];\n"
            "  n1 -> output [label=\"0\"];\n"
            "  n0 -> output [label=\"1\"];\n"
            "}\n");
}

TEST(DotTest, EscapesQuotes) {
  absl::StatusOr<std::unique_ptr<Graph>> g = ParseGraph(R"(graph "a\"b"(x: f32[1]) {
  return (x)
}
)");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_NE(GraphToDot(**g).find("digraph \"a\\\"b\""), std::string::npos);
}

}  // namespace
}  // namespace aot::ir
