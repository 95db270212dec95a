// The core decomposition table: for every op outside the core op set
// (core_ops.h) that is not an in-place op, a function over aot::Tensor that
// computes it from other ops. Tracing with it leaves only core ops in the
// graph; the ops a decomposition calls may themselves be non-core and are
// decomposed in turn (see TraceOptions::decompositions).
//
//   // Everything down to core ops:
//   trace::TraceOptions options;
//   options.decompositions = &CoreDecompositionTable();
//   AOT_ASSIGN_OR_RETURN(trace::TracedGraph g, trace::MakeGraph(fn, inputs, options));
//
//   // A backend with a fused softmax asks for the rest only:
//   DecompositionTable table = MakeCoreDecompositionTable();
//   table.Remove(OpKind::kSoftmax);
//
//   // Or for a few ops only, like torch._decomp.get_decompositions:
//   AOT_ASSIGN_OR_RETURN(DecompositionTable gelu_only,
//                        CoreDecompositionsFor({OpKind::kGelu, OpKind::kSilu}));
//
// Each decomposition matches the op's CPU kernel on the same inputs (to
// rounding: the order of floating-point sums differs), including dtypes:
// 16-bit floats compute in f32 as the kernels do, and results take the dtype
// the op's shape rule declares. They are as stable as the kernels: softmax,
// log_softmax, logsumexp and cross_entropy subtract the max; var, std and
// the norms subtract the mean before squaring. Random ops (dropout) use the
// call's `seed` operand when given and otherwise call `rand` without one, so
// the tracer gives the graph a seed input (Note [Random ops while tracing]
// in aot/trace/make_graph.cc) and eager runs draw from the global generator
// what the op's kernel would draw. Gradients taken through a decomposition
// equal the op's own (its derivative rule); only results the op treats as
// auxiliary (layer_norm's mean and rstd, batch_norm's statistics) become
// differentiable values.
//
// See docs/decompositions.md for how to add one.
#ifndef AOT_DECOMP_CORE_DECOMPOSITIONS_H_
#define AOT_DECOMP_CORE_DECOMPOSITIONS_H_

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/decomp/decomposition_table.h"
#include "aot/ir/op.h"

namespace aot {

// Returns the core table (built once; immutable).
const DecompositionTable& CoreDecompositionTable();

// Returns a copy of the core table for the caller to edit (Remove, Set,
// Merge).
DecompositionTable MakeCoreDecompositionTable();

// Returns a table with the core decompositions of `ops` only. NotFound
// naming the op if one of them has no core decomposition (a core op, or an
// in-place op, which functionalization handles).
absl::StatusOr<DecompositionTable> CoreDecompositionsFor(absl::Span<const ir::OpKind> ops);

}  // namespace aot

#endif  // AOT_DECOMP_CORE_DECOMPOSITIONS_H_
