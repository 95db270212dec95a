// Test cases for the core decompositions: for every op the core table
// decomposes, calls of it (with its variants: attributes, optional operands,
// ranks) on random inputs. Shared by core_decompositions_test (numerics) and
// core_ops_test (only core ops remain after decomposition).
//
// Floating inputs take the dtype under test (f32 or f64), so one case runs
// in both; integer and bool inputs keep theirs.
#ifndef AOT_DECOMP_DECOMPOSITION_TEST_CASES_H_
#define AOT_DECOMP_DECOMPOSITION_TEST_CASES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "aot/ir/op.h"
#include "aot/tensor/tensor.h"

namespace aot::decomp_test {

using Ints = std::vector<int64_t>;
using Tensors = std::vector<Tensor>;
using CaseFn = std::function<Tensors(const Tensors&)>;

// A random input: floating values uniform in [lo, hi) in the dtype under
// test; integer values uniform in [lo, hi] (both included); bool values.
struct InputSpec {
  enum class Kind { kFloat, kInt, kBool };
  Ints shape;
  Kind kind = Kind::kFloat;
  double lo = -2;
  double hi = 2;
  DType int_dtype = DType::kInt64;
};

InputSpec F(Ints shape, double lo = -2, double hi = 2);
InputSpec I(Ints shape, int64_t lo, int64_t hi, DType dtype = DType::kInt64);
InputSpec B(Ints shape);

// Returns a CPU tensor for `spec`, floating ones in `float_dtype`, from the
// counter-based generator with `seed` (the global generator is untouched).
Tensor MakeInput(const InputSpec& spec, DType float_dtype, uint64_t seed);

struct DecompCase {
  ir::OpKind op;
  std::string what;  // Tells cases of one op apart.
  CaseFn fn;
  std::vector<InputSpec> inputs;
  // Relative (plus absolute) tolerance against the op's kernel.
  double tol_f32 = 2e-6;
  double tol_f64 = 1e-12;
  // The function draws from the global generator (a random op called
  // without its seed): run it after SetGlobalSeed, and feed its traced graph
  // the seeds the runtime would.
  bool global_random = false;
};

// Every case, at least one per op of the core decomposition table.
std::vector<DecompCase> DecompositionCases();

// "softmax (dim 0)".
std::string CaseName(const DecompCase& c);

}  // namespace aot::decomp_test

#endif  // AOT_DECOMP_DECOMPOSITION_TEST_CASES_H_
