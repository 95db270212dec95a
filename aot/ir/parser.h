// Reads the text form of a graph (see printer.h for the grammar).
#ifndef AOT_IR_PARSER_H_
#define AOT_IR_PARSER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"

namespace aot::ir {

// Parses `text` into a Graph. Syntax errors, unknown ops, unknown or
// redefined value names, wrong operand or result counts and ill-typed
// attributes return InvalidArgument with "line L, column C: ...". The stored
// metadata is taken as written: run VerifyGraph (verifier.h) to check it
// against the shape rules. Linear in the text size.
absl::StatusOr<std::unique_ptr<Graph>> ParseGraph(absl::string_view text);

}  // namespace aot::ir

#endif  // AOT_IR_PARSER_H_
