// The inputs file of `aotc run --inputs=FILE`: one tensor per line, in the
// order of the graph's inputs.
//
//   # Comments and blank lines are ignored.
//   x: f32[2,3] 1 2 3 4 5 6     # an optional NAME: checked against the input
//   f32[3,4] random             # aot::randn, seed --seed + input position
//   i64[2] 0 1
//   bool[2] true false          # or 1 0
//   f32[] 2.5                   # a scalar
//   f32[4] zeros                # or ones
//
// TYPE is written as graphs print it (dtype and concrete sizes). Values are
// row-major and must fill the shape; `random`, `zeros` and `ones` fill it.
#ifndef TOOLS_AOTC_LIB_INPUTS_FILE_H_
#define TOOLS_AOTC_LIB_INPUTS_FILE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"
#include "aot/tensor/tensor.h"

namespace aot::aotc {

// Parses `text` into one tensor per input of `graph`. InvalidArgument names
// the line: a malformed type or value, a wrong value count, a type or name
// that differs from the graph input's, or a wrong number of lines.
absl::StatusOr<std::vector<Tensor>> ParseInputsFile(absl::string_view text, const ir::Graph& graph, uint64_t seed);

}  // namespace aot::aotc

#endif  // TOOLS_AOTC_LIB_INPUTS_FILE_H_
