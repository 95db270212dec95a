// What the partitioners weigh: the bytes of a value (what saving it costs)
// and the estimated time of a node (what recomputing it costs).
//
//   CostModel model;                       // A roofline: 100 GFLOP/s, 20 GB/s.
//   model.bytes_per_ns = 3000;             // An H100's HBM.
//   model.estimate = [](const ir::Node& n) {
//     OpCost c = EstimateOpCost(n);
//     if (n.kind() == ir::OpKind::kExp) c.flops *= 8;  // Transcendentals.
//     return c;
//   };
//   double ns = model.RecomputeCost(*node);
#ifndef AOT_PARTITION_COST_MODEL_H_
#define AOT_PARTITION_COST_MODEL_H_

#include <cstdint>
#include <functional>

#include "aot/ir/graph.h"
#include "aot/ir/shape.h"

namespace aot::partition {

// Symbolic dimensions count as this many elements when estimating bytes.
inline constexpr int64_t kSymbolicDimEstimate = 64;

// Returns the bytes of a value of `meta` (numel * element size; symbolic
// dimensions count as kSymbolicDimEstimate).
int64_t ValueBytes(const ir::TensorMeta& meta);

// The work of one node: floating-point operations and bytes of memory
// traffic (operands read plus results written).
struct OpCost {
  double flops = 0;
  double bytes = 0;
};

// Returns the built-in estimate for `node`:
//  - views (ops whose result aliases an operand): no work;
//  - matmul, mm, bmm, addmm, linear: 2*M*N*K flops; conv2d and its
//    backward ops: 2 * output elements * (weight elements / out channels);
//  - elementwise ops: one flop per result element; reductions: one per
//    operand element; other ops: five per operand element;
//  - bytes: every operand read once and every result written once (copying
//    shape ops and creation ops included).
OpCost EstimateOpCost(const ir::Node& node);

// A roofline cost model: a node takes max(flops / flops_per_ns,
// bytes / bytes_per_ns) nanoseconds. A value users can change.
struct CostModel {
  double flops_per_ns = 100;  // 100 GFLOP/s.
  double bytes_per_ns = 20;   // 20 GB/s.
  // Replaces EstimateOpCost when set.
  std::function<OpCost(const ir::Node&)> estimate;

  // Returns the work of `node` (estimate, or EstimateOpCost).
  OpCost Estimate(const ir::Node& node) const;
  // Returns the estimated nanoseconds of running `node` once.
  double RecomputeCost(const ir::Node& node) const;
};

}  // namespace aot::partition

#endif  // AOT_PARTITION_COST_MODEL_H_
