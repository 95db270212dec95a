// Compilers with planted bugs, to try the minifier (and `aotc minify`) on:
//
//   nop              runs the interpreter: never fails;
//   miscompile:OP    runs the interpreter on a copy of the graph where every
//                    node of op OP computes something else: sin and cos swap,
//                    add and sub swap, tanh and sigmoid swap; any other op
//                    gets 0.5 added to its first floating-point result;
//   error:OP         returns Unimplemented when the graph has a node of OP;
//   crash:OP         prints a line naming the node to stderr and calls
//                    std::abort() when the graph has a node of OP (as a
//                    failed AOT_CHECK does).
//
// OP is an op name as graphs print it ("sin", "mul.Scalar"); a name without
// overload ("mul") also matches its overloads.
//
//   AOT_ASSIGN_OR_RETURN(Compiler c, minifier::MakeTestCompiler("miscompile:sin"));
#ifndef TOOLS_MINIFIER_TEST_COMPILERS_H_
#define TOOLS_MINIFIER_TEST_COMPILERS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/module/compiler.h"

namespace aot::minifier {

// Returns the compiler `spec` names (see above). InvalidArgument for an
// unknown spec or op, listing the valid forms.
absl::StatusOr<Compiler> MakeTestCompiler(absl::string_view spec);

// The compiler that miscompiles `op_name` (see above).
Compiler MiscompileCompiler(std::string op_name);

// The compiler that fails on a graph containing `op_name`.
Compiler ErrorCompiler(std::string op_name);

// The compiler that aborts the process on a graph containing `op_name`.
Compiler CrashCompiler(std::string op_name);

// Returns true if `node` is an `op_name` node: the full name ("mul.Scalar")
// or the base name without overload ("mul") matches.
bool MatchesOp(const ir::Node& node, absl::string_view op_name);

}  // namespace aot::minifier

#endif  // TOOLS_MINIFIER_TEST_COMPILERS_H_
