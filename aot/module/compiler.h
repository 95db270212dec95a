// The compiler interface of aot_function, and the built-in compilers.
//
// A compiler receives a graph (forward, backward or inference) and example
// inputs (fake tensors: metadata only) and returns a callable over a boxed
// vector of tensors, or an error. The graph stays alive, unchanged, as long
// as the callable: a compiler may keep a pointer to it, or clone and
// transform it.
//
//   Compiler my_compiler = [](const ir::Graph& g, const std::vector<Tensor>& examples)
//       -> absl::StatusOr<CompiledFn> {
//     std::shared_ptr<ir::Graph> copy = g.Clone();   // transform `copy` here
//     return CompiledFn([copy](const std::vector<Tensor>& in) { return RunGraph(*copy, in); });
//   };
//
// Built-ins, like functorch.compile's: NopCompiler (the interpreter),
// PrintCompiler (prints the graph code, then runs it), DrawGraphCompiler
// (writes Graphviz DOT and, with Graphviz installed, SVG, then runs it).
#ifndef AOT_MODULE_COMPILER_H_
#define AOT_MODULE_COMPILER_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/ir/graph.h"
#include "aot/tensor/tensor.h"

namespace aot {

// A compiled graph: graph inputs in, graph outputs out.
using CompiledFn = std::function<absl::StatusOr<std::vector<Tensor>>(const std::vector<Tensor>& inputs)>;
using Compiler =
    std::function<absl::StatusOr<CompiledFn>(const ir::Graph& graph, const std::vector<Tensor>& example_inputs)>;

// Runs the graph with the interpreter (aot/backends/interpreter).
Compiler NopCompiler();

// Prints `name`, then the graph's code (ir::PrintGraph), to `out` (stdout
// when null), then runs the graph like NopCompiler.
Compiler PrintCompiler(std::string name, std::ostream* out = nullptr);

// Writes the graph as `<path_prefix>.dot` and, when the Graphviz `dot`
// program is on the PATH, `<path_prefix>.svg`; then runs the graph like
// NopCompiler. A file that cannot be written is an InvalidArgument error;
// a missing or failing `dot` only skips the SVG (see DrawGraph).
Compiler DrawGraphCompiler(std::string path_prefix);

// Writes `graph` as `<path_prefix>.dot` and, with Graphviz, `.svg`. Returns
// the files written.
absl::StatusOr<std::vector<std::string>> DrawGraph(const ir::Graph& graph, const std::string& path_prefix);

}  // namespace aot

#endif  // AOT_MODULE_COMPILER_H_
