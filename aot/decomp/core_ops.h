// The core op set: the ops a backend must implement to run any traced graph
// once the core decomposition table (core_decompositions.h) has been
// applied, like PyTorch's Core ATen IR.
//
//   if (!aot::IsCoreOp(node->kind())) {
//     return absl::UnimplementedError("decompose with CoreDecompositionTable() first");
//   }
//
// Core ops are the elementwise math (unary, binary and their `.Scalar`
// forms, comparisons, `where`, `clamp`), the reductions sum/amax/amin/argmax,
// the shape ops reshape/view/permute/expand/squeeze/unsqueeze/slice/select/
// cat, indexing (index_select, gather, scatter_add, index_add), mm/bmm,
// conv2d and its two backward ops, the pooling forwards (max_pool2d_with_
// indices, avg_pool2d, adaptive_avg_pool2d), the creation ops full,
// full_like, arange, constant, rand, randn, and to_copy, clone, copy, detach.
//
// Every other op is non-core and leaves a traced graph one of two ways:
//  - in-place ops (`add_`, ...) through functionalization in the tracer
//    (see Note [Functionalization] in aot/trace/make_graph.cc);
//  - every other non-core op through its entry in the core decomposition
//    table, applied recursively until only core ops remain.
// core_ops_test checks both for every op; docs/ops.md shows the split.
#ifndef AOT_DECOMP_CORE_OPS_H_
#define AOT_DECOMP_CORE_OPS_H_

#include <vector>

#include "aot/ir/op.h"

namespace aot {

// Returns true if `op` belongs to the core op set.
bool IsCoreOp(ir::OpKind op);

// Returns the core ops in OpKind order.
std::vector<ir::OpKind> CoreOps();

}  // namespace aot

#endif  // AOT_DECOMP_CORE_OPS_H_
