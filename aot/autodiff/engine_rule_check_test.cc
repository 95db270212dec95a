// The engine's checks on what a derivative rule returns. A separate binary:
// it registers a rule that is wrong on purpose, for an op that has none
// (engine_test relies on that op having none).
#include <tuple>
#include <vector>

#include "aot/autodiff/derivatives.h"
#include "aot/autodiff/engine.h"
#include "aot/tensor/ops.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot::autodiff {
namespace {

using ::testing::HasSubstr;

Tensor F64(std::vector<double> v, std::vector<int64_t> shape) { return Tensor::FromVector<double>(v, shape); }

// layer_norm_backward's recorded call: four operands (grad_out, input,
// mean, rstd), no weight or bias.
// Only `x` requires grad (layer_norm itself has no rule linked in here).
Tensor LayerNormBackwardOf(const Tensor& x) {
  Tensor out, mean, rstd;
  {
    NoGradGuard no_grad;
    std::tie(out, mean, rstd) = layer_norm(x, {2});
  }
  std::vector<Tensor> g = CallOp(OpKind::kLayerNormBackward, {out, x, mean, rstd, Tensor(), Tensor()},
                                 {{"normalized_shape", std::vector<int64_t>{2}}});
  return g[0];
}

TEST(EngineRuleCheckTest, GradientOfTheWrongShapeOrCountIsAnInternalErrorNamingTheNode) {
  ASSERT_EQ(FindDerivative(OpKind::kLayerNormBackward), nullptr);
  // 0: a gradient of the wrong shape; 1: too few; 2: the right shape in
  // float32 for a float64 operand.
  static int mode = 0;
  ASSERT_TRUE(RegisterDerivative(
                  OpKind::kLayerNormBackward,
                  [](const GradContext& ctx) -> GradResult {
                    Grads grads(ctx.num_operands());
                    if (mode == 1) grads.pop_back();
                    grads[1] = zeros(mode == 0 ? std::vector<int64_t>{3} : std::vector<int64_t>{2, 2},
                                     {.dtype = DType::kFloat32});
                    return grads;
                  },
                  __FILE__, __LINE__)
                  .ok());
  Tensor x = F64({1, 2, 3, 4}, {2, 2}).set_requires_grad(true);

  absl::Status s = LayerNormBackwardOf(x).sum().backward();
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("LayerNormBackwardBackward: the derivative rule's gradient for operand 1 is"));
  EXPECT_THAT(s.message(), HasSubstr("but the operand has shape [2,2]"));

  mode = 1;
  s = LayerNormBackwardOf(x).sum().backward();
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(s.message(), HasSubstr("returned 3 gradients for 4 operands"));

  // A gradient of another dtype is converted to the operand's.
  mode = 2;
  s = LayerNormBackwardOf(x).sum().backward();
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE(x.grad().ok());
  EXPECT_EQ(x.grad().dtype(), DType::kFloat64);
}

}  // namespace
}  // namespace aot::autodiff
