// A user's program that links one `aot` target (//aot/ir:graph): builds
// f(x) = cos(cos(x)) as a graph and walks it.
#include <cstdio>

#include "aot/ir/graph.h"

int main() {
  using aot::ir::DType;
  using aot::ir::Graph;
  using aot::ir::OpKind;
  using aot::ir::Shape;
  using aot::ir::TensorMeta;

  Graph g("forward");
  aot::ir::Value* x = g.AddInput("primals_1", TensorMeta(Shape{3}, DType::kFloat32));
  absl::StatusOr<aot::ir::Node*> cos = g.Create(OpKind::kCos, {x});
  if (!cos.ok()) {
    std::printf("consumer: %s\n", cos.status().ToString().c_str());
    return 1;
  }
  absl::StatusOr<aot::ir::Node*> cos_1 = g.Create(OpKind::kCos, {(*cos)->result()});
  if (!cos_1.ok()) return 1;
  g.SetOutputs({(*cos_1)->result(), (*cos)->result(), x});
  // A bad call is an error, not a crash.
  aot::ir::Value* y = g.AddInput("y", TensorMeta(Shape{5}, DType::kFloat32));
  absl::StatusOr<aot::ir::Node*> bad = g.Create(OpKind::kAdd, {x, y});
  for (aot::ir::Node* n : g.node_range()) {
    std::printf("consumer: %s: %s = %s(%s)\n", n->name().c_str(), n->result()->meta().ToString().c_str(),
                n->op().name().c_str(), n->operand(0)->name().c_str());
  }
  std::printf("consumer: add(x, y) -> %s\n", bad.status().ToString().c_str());
  return g.num_nodes() == 2 && !bad.ok() ? 0 : 1;
}
