// Prints a Graph as readable text, one line per node. ParseGraph (parser.h)
// reads it back: PrintGraph(*ParseGraph(PrintGraph(g))) == PrintGraph(g).
//
//   graph forward(primals_1: f32[4,3], tangents_1: f32[4,3]) {
//     cos: f32[4,3] = cos(primals_1)
//     sum: f32[4] = sum(cos, dim=[1])
//     max_pool2d_with_indices: f32[1,3,2,2], max_pool2d_with_indices_1: i64[1,3,2,2] = max_pool2d_with_indices(x, kernel_size=[2,2])
//     cat: f32[8,3] = cat([a, b])
//     linear: f32[2,5] = linear(x, w, None)
//     mul: f32[4,3] = mul.Scalar(cos, other=2.0) {scope="block1"}
//     return (cos_1, cos, primals_1)
//   }
//
// Grammar (whitespace and newlines separate tokens; '#' starts a comment):
//   graph   := 'graph' NAME '(' [input {',' input}] ')' '{' {node} return '}'
//   input   := NAME ':' type
//   type    := DTYPE '[' [dim {',' dim}] ']' ['{' INT {',' INT} '}'] ['@' DEVICE] ['requires_grad']
//   dim     := INT | NAME                      (NAME: a symbolic dimension)
//   node    := result {',' result} '=' OP '(' [operand {',' operand}] {',' NAME '=' literal} ')' [annots]
//   result  := NAME ':' type
//   operand := NAME | 'None' | '[' [NAME {',' NAME}] ']'   (one per tensor argument, in schema order)
//   annots  := '{' NAME '=' STRING {',' NAME '=' STRING} '}'
//   return  := 'return' '(' [NAME {',' NAME}] ')'
// Attributes equal to the schema default are omitted; literals are printed
// by AttrValue::ToString. Strides appear only when not contiguous, the
// device only when not cpu.
#ifndef AOT_IR_PRINTER_H_
#define AOT_IR_PRINTER_H_

#include <string>

#include "aot/ir/graph.h"

namespace aot::ir {

// Returns the text form of `graph`. Linear in graph size.
std::string PrintGraph(const Graph& graph);

// Returns one node's line without indentation or newline (for messages).
std::string PrintNode(const Node& node);

}  // namespace aot::ir

#endif  // AOT_IR_PRINTER_H_
