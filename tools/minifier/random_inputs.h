// Deterministic example inputs for a graph: what `aotc run --inputs=random`
// feeds it and what the minifier runs candidate graphs on.
//
//   AOT_ASSIGN_OR_RETURN(std::vector<Tensor> in, minifier::MakeRandomInputs(graph, /*seed=*/0));
//   AOT_ASSIGN_OR_RETURN(std::vector<Tensor> out, RunGraph(graph, in));
//
// Input i of a floating dtype is aot::randn(sizes, seed + i) (in f32, then
// converted with .to(dtype)); integer and bool inputs are zeros, so that
// index operands are always in range. RandomInputExpr spells the same
// tensor as a C++ expression for reproducer tests.
#ifndef TOOLS_MINIFIER_RANDOM_INPUTS_H_
#define TOOLS_MINIFIER_RANDOM_INPUTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "aot/ir/graph.h"
#include "aot/tensor/tensor.h"

namespace aot::minifier {

// Returns the input for a value of `meta` at position `index` (see above).
// InvalidArgument for a symbolic shape or a non-CPU device.
absl::StatusOr<Tensor> MakeRandomInput(const ir::TensorMeta& meta, int index, uint64_t seed);

// Returns one input per graph input. Errors as MakeRandomInput, naming the
// input.
absl::StatusOr<std::vector<Tensor>> MakeRandomInputs(const ir::Graph& graph, uint64_t seed);

// Returns the C++ expression of MakeRandomInput(meta, index, seed), e.g.
// "aot::randn({4, 3}, /*seed=*/7)" or "aot::zeros({2}, {.dtype = aot::DType::kInt64})".
std::string RandomInputExpr(const ir::TensorMeta& meta, int index, uint64_t seed);

// Returns fake tensors (metadata only) with the metadata of `inputs`: the
// example inputs compilers receive.
std::vector<Tensor> FakeLike(const std::vector<Tensor>& inputs);

}  // namespace aot::minifier

#endif  // TOOLS_MINIFIER_RANDOM_INPUTS_H_
