// A tour of the graph IR: builds f(x) = cos(cos(x)) and a small MLP layer,
// verifies them, runs CSE and DCE, prints them, and round-trips them through
// the text and protobuf forms.
//
//   bazel run //examples:graph_tour
#include <cstdio>
#include <memory>
#include <string>

#include "aot/base/status_macros.h"
#include "aot/ir/graph.h"
#include "aot/ir/graph_proto.h"
#include "aot/ir/parser.h"
#include "aot/ir/passes/cse.h"
#include "aot/ir/passes/dce.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"

namespace {

using aot::ir::DType;
using aot::ir::Graph;
using aot::ir::Node;
using aot::ir::OpKind;
using aot::ir::Shape;
using aot::ir::TensorMeta;
using aot::ir::Value;

absl::StatusOr<std::unique_ptr<Graph>> CosCos() {
  auto g = std::make_unique<Graph>("forward");
  Value* x = g->AddInput("primals_1", TensorMeta(Shape{3}, DType::kFloat32));
  AOT_ASSIGN_OR_RETURN(Node * cos, g->Create(OpKind::kCos, {x}));
  AOT_ASSIGN_OR_RETURN(Node * cos_1, g->Create(OpKind::kCos, {cos->result()}));
  g->SetOutputs({cos_1->result(), cos->result(), x});
  return g;
}

// relu(x @ w.T + b), written with a duplicate subexpression and a dead node
// so that CSE and DCE have work to do.
absl::StatusOr<std::unique_ptr<Graph>> Layer() {
  auto g = std::make_unique<Graph>("layer");
  Value* x = g->AddInput("x", TensorMeta(Shape{32, 784}, DType::kFloat32));
  Value* w = g->AddInput("weight", TensorMeta(Shape{256, 784}, DType::kFloat32));
  Value* b = g->AddInput("bias", TensorMeta(Shape{256}, DType::kFloat32));
  AOT_ASSIGN_OR_RETURN(Node * wt, g->Create(OpKind::kTranspose, {w}, {{"dim0", 0}, {"dim1", 1}}));
  AOT_ASSIGN_OR_RETURN(Node * mm, g->Create(OpKind::kMatmul, {x, wt->result()}));
  AOT_ASSIGN_OR_RETURN(Node * mm2, g->Create(OpKind::kMatmul, {x, wt->result()}));
  AOT_ASSIGN_OR_RETURN(Node * add, g->Create(OpKind::kAdd, {mm->result(), b}));
  AOT_ASSIGN_OR_RETURN(Node * unused, g->Create(OpKind::kSum, {mm2->result()}));
  (void)unused;
  AOT_ASSIGN_OR_RETURN(Node * relu, g->Create(OpKind::kRelu, {add->result()}));
  g->SetOutputs({relu->result()});
  return g;
}

absl::Status Run() {
  AOT_ASSIGN_OR_RETURN(std::unique_ptr<Graph> coscos, CosCos());
  AOT_RETURN_IF_ERROR(aot::ir::VerifyGraph(*coscos));
  std::printf("f(x) = cos(cos(x)), forward part:\n%s\n", aot::ir::PrintGraph(*coscos).c_str());

  AOT_ASSIGN_OR_RETURN(std::unique_ptr<Graph> layer, Layer());
  AOT_RETURN_IF_ERROR(aot::ir::VerifyGraph(*layer));
  std::printf("A linear layer as built (%d nodes):\n%s\n", layer->num_nodes(),
              aot::ir::PrintGraph(*layer).c_str());
  AOT_ASSIGN_OR_RETURN(bool cse_changed, aot::ir::CommonSubexpressionElimination().Run(layer.get()));
  AOT_ASSIGN_OR_RETURN(bool dce_changed, aot::ir::DeadCodeElimination().Run(layer.get()));
  AOT_RETURN_IF_ERROR(aot::ir::VerifyGraph(*layer));
  std::printf("After cse (changed=%d) and dce (changed=%d), %d nodes:\n%s\n", cse_changed, dce_changed,
              layer->num_nodes(), aot::ir::PrintGraph(*layer).c_str());

  // Text round trip.
  std::string text = aot::ir::PrintGraph(*layer);
  AOT_ASSIGN_OR_RETURN(std::unique_ptr<Graph> parsed, aot::ir::ParseGraph(text));
  AOT_RETURN_IF_ERROR(aot::ir::VerifyGraph(*parsed));
  // Protobuf round trip.
  std::string bytes = aot::ir::SerializeGraph(*parsed);
  AOT_ASSIGN_OR_RETURN(std::unique_ptr<Graph> loaded, aot::ir::DeserializeGraph(bytes));
  bool same = aot::ir::PrintGraph(*loaded) == text;
  std::printf("text -> graph -> %zu protobuf bytes -> graph: %s\n", bytes.size(),
              same ? "identical" : "DIFFERENT");
  if (!same) return absl::InternalError("round trip changed the graph");
  return absl::OkStatus();
}

}  // namespace

int main() {
  absl::Status s = Run();
  if (!s.ok()) {
    std::fprintf(stderr, "graph_tour: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
