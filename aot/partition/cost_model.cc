#include "aot/partition/cost_model.h"

#include <algorithm>

#include "aot/ir/op.h"

namespace aot::partition {
namespace {

double Numel(const ir::TensorMeta& meta) {
  double n = 1;
  for (const ir::Dim& d : meta.shape.dims()) {
    n *= static_cast<double>(d.is_symbolic() ? kSymbolicDimEstimate : d.value());
  }
  return n;
}

double DimSize(const ir::TensorMeta& meta, int i) {
  const ir::Dim& d = meta.shape.dim(i);
  return static_cast<double>(d.is_symbolic() ? kSymbolicDimEstimate : d.value());
}

}  // namespace

int64_t ValueBytes(const ir::TensorMeta& meta) {
  int64_t n = ir::DTypeSize(meta.dtype);
  for (const ir::Dim& d : meta.shape.dims()) n *= d.is_symbolic() ? kSymbolicDimEstimate : d.value();
  return n;
}

OpCost EstimateOpCost(const ir::Node& node) {
  using ir::OpKind;
  const ir::OpDef& op = node.op();
  OpCost cost;
  if (op.is_view()) return cost;
  double in_elements = 0;
  for (int i = 0; i < node.num_operands(); ++i) {
    cost.bytes += static_cast<double>(ValueBytes(node.operand(i)->meta()));
    in_elements += Numel(node.operand(i)->meta());
  }
  double out_elements = 0;
  for (int i = 0; i < node.num_results(); ++i) {
    cost.bytes += static_cast<double>(ValueBytes(node.result(i)->meta()));
    out_elements += Numel(node.result(i)->meta());
  }
  switch (node.kind()) {
    case OpKind::kMatmul:
    case OpKind::kMm:
    case OpKind::kBmm:
    case OpKind::kAddmm:
    case OpKind::kLinear: {
      // K: the contracted dimension, the last of the first matrix operand
      // (mat1 for addmm).
      const ir::TensorMeta& a = node.operand(node.kind() == OpKind::kAddmm ? 1 : 0)->meta();
      double k = a.shape.rank() == 0 ? 1 : DimSize(a, a.shape.rank() - 1);
      cost.flops = 2 * Numel(node.result()->meta()) * k;
      return cost;
    }
    case OpKind::kConv2d:
    case OpKind::kConv2dBackwardInput:
    case OpKind::kConv2dBackwardWeight: {
      // conv2d(input, weight): out * (Cin/groups * kh * kw) MACs. The
      // backward ops do the same work as the forward they differentiate.
      const ir::TensorMeta& w = node.kind() == OpKind::kConv2dBackwardWeight ? node.result()->meta()
                                                                            : node.operand(1)->meta();
      const ir::TensorMeta& out = node.kind() == OpKind::kConv2d ? node.result()->meta() : node.operand(0)->meta();
      double cout = w.shape.rank() > 0 ? std::max(1.0, DimSize(w, 0)) : 1;
      cost.flops = 2 * Numel(out) * (Numel(w) / cout);
      return cost;
    }
    default:
      break;
  }
  if (op.is_elementwise()) {
    cost.flops = out_elements;
  } else if (op.is_reduction()) {
    cost.flops = in_elements;
  } else if (!op.has(ir::kShapeOnly) && !op.has(ir::kCreation)) {
    cost.flops = 5 * in_elements;
  }
  return cost;
}

OpCost CostModel::Estimate(const ir::Node& node) const {
  return estimate ? estimate(node) : EstimateOpCost(node);
}

double CostModel::RecomputeCost(const ir::Node& node) const {
  OpCost c = Estimate(node);
  return std::max(c.flops / flops_per_ns, c.bytes / bytes_per_ns);
}

}  // namespace aot::partition
