#include "aot/module/models/gpt.h"

#include <cmath>
#include <string>
#include <vector>

#include "aot/module/optimizers.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "aot/tensor/testing/values.h"
#include "gtest/gtest.h"

namespace aot::models {
namespace {

using op_testing::Values;
GPTConfig Small() { return {.vocab_size = 11, .block_size = 8, .n_layer = 2, .n_head = 2, .n_embd = 16}; }

Tensor Tokens(std::vector<int64_t> ids, int64_t b, int64_t t) { return from_vector<int64_t>(ids, {b, t}); }

TEST(GPTTest, CausalMask) {
  EXPECT_EQ(Values(CausalMask(3)), (std::vector<double>{0, 1, 1, 0, 0, 1, 0, 0, 0}));
}

TEST(GPTTest, NamesAndParameterCount) {
  GPT gpt(Small());
  const int64_t c = 16, v = 11, block = 8;
  const int64_t per_block = 2 * (2 * c) + (c * 3 * c + 3 * c) + (c * c + c) + (c * 4 * c + 4 * c) + (4 * c * c + c);
  EXPECT_EQ(gpt.NumParameters(), v * c + block * c + 2 * per_block + 2 * c + c * v);
  NamedTensors params = gpt.NamedParameters();
  EXPECT_EQ(params[0].first, "wte.weight");
  EXPECT_EQ(params[1].first, "wpe.weight");
  EXPECT_EQ(params[2].first, "h.0.ln_1.weight");
  EXPECT_EQ(params[4].first, "h.0.attn.c_attn.weight");
  EXPECT_EQ(params.back().first, "lm_head.weight");
  EXPECT_TRUE(gpt.NamedBuffers().empty());
}

TEST(GPTTest, ForwardShapeAndCausality) {
  GPT gpt(Small());
  gpt.Eval();
  std::vector<int64_t> ids = {1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 9, 8, 7, 6, 5, 4};
  const Tensor logits = gpt(Tokens(ids, 2, 8));
  ASSERT_TRUE(logits.ok()) << logits.status();
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 8, 11}));
  // Changing token 5 of the first sequence changes no logits before it.
  ids[5] = 0;
  const Tensor changed = gpt(Tokens(ids, 2, 8));
  const std::vector<double> a = Values(logits), b = Values(changed);
  for (int64_t pos = 0; pos < 8; ++pos) {
    double diff = 0;
    for (int64_t k = 0; k < 11; ++k) diff += std::abs(a[pos * 11 + k] - b[pos * 11 + k]);
    if (pos < 5) {
      EXPECT_LT(diff, 1e-5) << "position " << pos;
    } else {
      EXPECT_GT(diff, 1e-5) << "position " << pos;
    }
  }
  // The second sequence is untouched.
  for (size_t i = 8 * 11; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6);
}

TEST(GPTTest, RejectsBadTokens) {
  GPT gpt(Small());
  const Tensor too_long = gpt(zeros({1, 9}, {.dtype = DType::kInt64}));
  EXPECT_EQ(too_long.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("exceeds block_size 8"), absl::string_view::npos);
  EXPECT_FALSE(gpt(zeros({2, 4})).ok()) << "float tokens";
  GPTConfig odd = Small();
  odd.n_head = 3;
  GPT bad(odd);
  EXPECT_FALSE(bad(Tokens({1, 2}, 1, 2)).ok());
}

TEST(GPTTest, BackwardReachesEveryParameter) {
  GPTConfig config = Small();
  config.dropout = 0.1;
  GPT gpt(config);
  gpt.Train();
  const Tensor x = Tokens({1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 9, 8, 7, 6, 5, 4}, 2, 8);
  const Tensor y = Tokens({2, 3, 4, 5, 6, 7, 8, 9, 10, 9, 8, 7, 6, 5, 4, 3}, 2, 8);
  const Tensor logits = gpt(x);
  const Tensor loss = cross_entropy(logits.reshape({-1, 11}), y.reshape({-1}));
  ASSERT_TRUE(loss.ok()) << loss.status();
  ASSERT_TRUE(loss.backward().ok());
  for (const auto& [name, p] : gpt.NamedParameters()) {
    const Tensor g = p.grad();
    ASSERT_TRUE(g.ok()) << name;
    double norm = 0;
    for (double v : Values(g)) {
      ASSERT_TRUE(std::isfinite(v)) << name;
      norm += v * v;
    }
    EXPECT_GT(norm, 0) << name;
  }
}

TEST(GPTTest, AdamWTrainingLowersTheLoss) {
  GPT gpt(Small());
  gpt.Train();
  AdamW opt(gpt.Parameters(), {.lr = 1e-2, .weight_decay = 0.0});
  const Tensor x = Tokens({1, 2, 3, 4, 5, 6, 7, 8, 0, 10, 9, 8, 7, 6, 5, 4}, 2, 8);
  const Tensor y = Tokens({2, 3, 4, 5, 6, 7, 8, 9, 10, 9, 8, 7, 6, 5, 4, 3}, 2, 8);
  double first = 0, last = 0;
  for (int step = 0; step < 15; ++step) {
    opt.ZeroGrad();
    const Tensor logits = gpt(x);
    const Tensor loss = cross_entropy(logits.reshape({-1, 11}), y.reshape({-1}));
    ASSERT_TRUE(loss.ok()) << loss.status();
    last = *loss.item();
    if (step == 0) first = last;
    ASSERT_TRUE(loss.backward().ok());
    ASSERT_TRUE(opt.Step().ok());
  }
  EXPECT_LT(last, 0.5 * first);
}

}  // namespace
}  // namespace aot::models
