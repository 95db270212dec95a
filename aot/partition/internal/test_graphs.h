// Joint graphs for the partitioner's tests, benchmark and examples: a small
// reverse-mode builder over ir::Graph (a stand-in for the autodiff package,
// which the partitioner must not depend on), model-like graphs and random
// graphs. Test-only.
//
//   JointBuilder b("mlp");
//   ir::Value* x = b.Primal({8, 16});
//   ir::Value* w = b.Primal({16, 16});
//   b.Output(b.Unary(ir::OpKind::kRelu, b.Mm(x, w)));
//   JointGraph joint = b.Finish();   // inputs primals_1, primals_2, tangents_1
#ifndef AOT_PARTITION_INTERNAL_TEST_GRAPHS_H_
#define AOT_PARTITION_INTERNAL_TEST_GRAPHS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"
#include "aot/partition/partition_types.h"

namespace aot::partition::internal {

struct JointGraph {
  std::string name;
  std::unique_ptr<ir::Graph> graph;
  JointInfo info;
};

// Records a forward computation, then Finish() appends one tangent input per
// forward output and the backward (vector-Jacobian products of each op, with
// gradients summed where a value has several users). Outputs: the forward
// outputs, then one gradient per floating-point primal (zeros where none
// flows). Ops and operands a test gets wrong abort (AOT_CHECK).
class JointBuilder {
 public:
  explicit JointBuilder(std::string name = "joint");

  // Adds primal input primals_N.
  ir::Value* Primal(std::vector<int64_t> shape);
  // Adds primal input primals_N, an i64[2] seed for random ops.
  ir::Value* Seed();

  // neg, sin, cos, exp, tanh, sigmoid, relu, gelu, silu.
  ir::Value* Unary(ir::OpKind kind, ir::Value* x);
  // add, sub, mul (same shapes).
  ir::Value* Binary(ir::OpKind kind, ir::Value* a, ir::Value* b);
  ir::Value* MulScalar(ir::Value* x, double c);
  ir::Value* Mm(ir::Value* a, ir::Value* b);
  // sum over `dim` with keepdim.
  ir::Value* SumKeepdim(ir::Value* x, int64_t dim);
  ir::Value* Expand(ir::Value* x, std::vector<int64_t> shape);
  ir::Value* Transpose(ir::Value* x);
  ir::Value* Reshape(ir::Value* x, std::vector<int64_t> shape);
  ir::Value* Softmax(ir::Value* x);  // Over the last dimension.
  ir::Value* LayerNorm(ir::Value* x);  // Over the last dimension, no affine.
  // dropout(x, seed, p); seed may be nullptr (then it cannot be recomputed).
  ir::Value* Dropout(ir::Value* x, ir::Value* seed, double p = 0.25);
  // Marks `v` as the next forward output.
  void Output(ir::Value* v);

  JointGraph Finish();

  ir::Graph& graph() { return *graph_; }

 private:
  ir::Value* Create(ir::OpKind kind, std::vector<ir::Value*> operands, const ir::AttrList& attrs = {},
                    int result = 0);
  ir::Node* CreateNode(ir::OpKind kind, std::vector<ir::Value*> operands, const ir::AttrList& attrs = {});

  std::string name_;
  std::unique_ptr<ir::Graph> graph_;
  std::vector<ir::Value*> primals_;
  std::vector<ir::Value*> outputs_;
  std::vector<ir::Node*> tape_;
};

// Returns the joint graph of cos(cos(x)) of the issue (one primal, one
// forward output) as text, exactly as ir::PrintGraph prints it.
absl::string_view CosCosJointText();

// The joint graph of cos(cos(x)) of the issue, parsed from CosCosJointText().
JointGraph CosCosJoint();

// Model-like joint graphs: an MLP, an attention block, an elementwise chain
// after the inputs, a block with seeded dropout, a normalised residual MLP.
std::vector<JointGraph> ModelJoints();

// A random joint graph of about `num_ops` forward ops over small float
// tensors (unary and binary elementwise, mm, reductions, expand, transpose,
// softmax, seeded dropout), from `seed`.
JointGraph RandomJoint(uint32_t seed, int num_ops);

// A stack of transformer-MLP-like blocks (layer_norm, mm, gelu, mm, seeded
// dropout, residual add) with at least `num_nodes` joint nodes, on
// [tokens, width] activations.
JointGraph BlockStackJoint(int64_t num_nodes, int64_t tokens = 64, int64_t width = 128);

}  // namespace aot::partition::internal

#endif  // AOT_PARTITION_INTERNAL_TEST_GRAPHS_H_
