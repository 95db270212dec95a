// Values: a tensor's logical values as doubles, for the tests that compare
// kernels, layers and compiled graphs with reference values. Test-only.
//
//   EXPECT_EQ(Values(relu(x)), (std::vector<double>{0, 2}));
#ifndef AOT_TENSOR_TESTING_VALUES_H_
#define AOT_TENSOR_TESTING_VALUES_H_

#include <vector>

#include "aot/tensor/tensor.h"

namespace aot::op_testing {

// The logical values of `t` in row-major order, read through its strides
// (Tensor::ToVector: no kernel runs for a CPU tensor; others are copied to
// the CPU first). Expects `t` ok: otherwise a gtest failure and an empty
// vector.
std::vector<double> Values(const Tensor& t);

}  // namespace aot::op_testing

#endif  // AOT_TENSOR_TESTING_VALUES_H_
