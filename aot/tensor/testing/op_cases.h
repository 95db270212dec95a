// Building blocks of op-level test cases, shared by the tests that call every
// op of the op set (aot/trace/trace_every_op_test.cc) or every decomposed op
// (aot/decomp/decomposition_test_cases.h): the random inputs a case declares
// (F, I, B and MakeInput), functions that call one op (Call, CallSlots,
// CallList, OnClone, OnInput) and one call of each in-place op
// (InplaceCalls). Each test keeps its own case type, with the fields its
// checks need. Test-only.
//
//   // gather(x, dim=1, index) on a random f32[3,4] and an index in [0, 3].
//   std::vector<InputSpec> specs = {F({3, 4}), I({3, 2}, 0, 3)};
//   OpFn fn = Call(ir::OpKind::kGather, {{"dim", 1}});
//   Tensors in;
//   uint64_t seed = 1;
//   for (const InputSpec& s : specs) in.push_back(MakeInput(s, DType::kFloat32, seed++));
//   Tensors out = fn(in);  // Eagerly, or under MakeGraph.
//
// Inputs are drawn when a test runs (MakeInput runs the CPU rand kernel), so
// build them in a test, not at namespace scope.
#ifndef AOT_TENSOR_TESTING_OP_CASES_H_
#define AOT_TENSOR_TESTING_OP_CASES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "aot/ir/attr.h"
#include "aot/ir/dtype.h"
#include "aot/ir/op.h"
#include "aot/tensor/tensor.h"

namespace aot::op_testing {

using Ints = std::vector<int64_t>;
using Tensors = std::vector<Tensor>;
// A function of a case: takes the inputs, returns the results to compare.
using OpFn = std::function<Tensors(const Tensors&)>;

// A random input: floating values uniform in [lo, hi); integer values
// uniform in [lo, hi] (both included); bool values true or false.
struct InputSpec {
  Ints shape;
  // Unset for a floating input in the dtype under test (MakeInput's
  // `float_dtype`), so that one case runs in several floating dtypes.
  std::optional<DType> dtype;
  double lo = -2;
  double hi = 2;
};

// A floating input: in the dtype under test, or always in `dtype`.
InputSpec F(Ints shape, double lo = -2, double hi = 2, std::optional<DType> dtype = std::nullopt);
// An integer input.
InputSpec I(Ints shape, int64_t lo, int64_t hi, DType dtype = DType::kInt64);
// A bool input.
InputSpec B(Ints shape);

// Returns a CPU tensor for `spec`, a floating one without a dtype in
// `float_dtype`, drawn from the counter-based generator with `seed` at
// offset 0 (the global generator is untouched).
Tensor MakeInput(const InputSpec& spec, DType float_dtype, uint64_t seed);

// Returns the explicit (seed, offset) operand of a random op.
Tensor SeedTensor(int64_t seed, int64_t offset = 0);

// Returns a function calling `kind` with the inputs as its operands, one per
// tensor argument.
OpFn Call(ir::OpKind kind, ir::AttrList attrs = {});

// Returns a function calling `kind` with operands picked from the inputs:
// slots[i] is the input for tensor argument i, or -1 for an absent optional
// one.
OpFn CallSlots(ir::OpKind kind, std::vector<int> slots, ir::AttrList attrs = {});

// Returns a function calling a Tensor[] op with all the inputs as its list.
OpFn CallList(ir::OpKind kind, ir::AttrList attrs = {});

// Returns a function applying in-place op `kind` to a clone of input 0 (the
// other inputs are its other operands); it returns the clone and the op's
// result.
OpFn OnClone(ir::OpKind kind, ir::AttrList attrs = {});

// Returns a function applying in-place op `kind` to input 0 itself (a
// mutation of a graph input when traced); it returns the op's result.
OpFn OnInput(ir::OpKind kind, ir::AttrList attrs = {});

// A call of an in-place op; input 0 is the tensor it writes.
struct InplaceCall {
  ir::OpKind op;
  ir::AttrList attrs;
  std::vector<InputSpec> inputs;
};

// Returns one call of each in-place op of the op set, floating inputs in the
// dtype under test; run each with OnClone and OnInput.
std::vector<InplaceCall> InplaceCalls();

// Returns "softmax (dim 0)" for op kSoftmax and `what` "dim 0"; the op's name
// alone for an empty `what`.
std::string CaseName(ir::OpKind op, absl::string_view what);

}  // namespace aot::op_testing

#endif  // AOT_TENSOR_TESTING_OP_CASES_H_
