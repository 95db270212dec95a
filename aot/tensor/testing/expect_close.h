// ExpectClose: a gtest check that two tensors hold the same values, for the
// op-level tests (trace_every_op_test and the core decomposition tests).
// Test-only.
//
//   ExpectClose(traced, eager, /*tol=*/1e-5, "traced", "eager");
#ifndef AOT_TENSOR_TESTING_EXPECT_CLOSE_H_
#define AOT_TENSOR_TESTING_EXPECT_CLOSE_H_

#include "absl/strings/string_view.h"
#include "aot/tensor/tensor.h"

namespace aot::op_testing {

// Expects both tensors ok, with equal dtypes and shapes and values within
// `tol` (relative, plus an absolute `tol`: |got - want| <= tol * (1 +
// |want|)); NaNs must match NaNs. Reports the first five elements that
// differ, calling the two sides `got_name` and `want_name`.
void ExpectClose(const Tensor& got, const Tensor& want, double tol, absl::string_view got_name = "got",
                 absl::string_view want_name = "want");

}  // namespace aot::op_testing

#endif  // AOT_TENSOR_TESTING_EXPECT_CLOSE_H_
