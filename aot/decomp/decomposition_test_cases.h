// Test cases for the core decompositions: for every op the core table
// decomposes, calls of it (with its variants: attributes, optional operands,
// ranks) on random inputs. Shared by core_decompositions_test (numerics) and
// core_ops_test (only core ops remain after decomposition).
//
// Floating inputs take the dtype under test (f32 or f64), so one case runs
// in both; integer and bool inputs keep theirs. Inputs (op_testing::F, I, B,
// MakeInput) and the functions calling the ops come from
// aot/tensor/testing/op_cases.h.
#ifndef AOT_DECOMP_DECOMPOSITION_TEST_CASES_H_
#define AOT_DECOMP_DECOMPOSITION_TEST_CASES_H_

#include <string>
#include <vector>

#include "aot/ir/op.h"
#include "aot/tensor/testing/op_cases.h"

namespace aot::decomp_test {

struct DecompCase {
  ir::OpKind op;
  std::string what;  // Tells cases of one op apart.
  op_testing::OpFn fn;
  std::vector<op_testing::InputSpec> inputs;
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
