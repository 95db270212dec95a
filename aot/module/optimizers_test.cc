#include "aot/module/optimizers.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "aot/tensor/testing/values.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using op_testing::Values;
// Gradients fed to the optimizers, one vector per step (the same for every
// test, so the reference arithmetic below is the only difference).
const std::vector<std::vector<double>> kGrads = {
    {0.5, -1.0, 2.0}, {0.1, 0.3, -0.7}, {-0.4, 0.0, 1.5}, {1.2, -0.2, 0.05}};
const std::vector<double> kStart = {1.0, -2.0, 0.5};

Tensor Param(const std::vector<double>& values) {
  Tensor p = from_vector<double>(values, {static_cast<int64_t>(values.size())});
  p.set_requires_grad(true);
  return p;
}

// Runs `opt` over kGrads on `p`, comparing with `reference` (which updates
// its own copy of the parameter given the gradient) after every step.
template <typename Reference>
void ExpectMatches(Optimizer& opt, Tensor p, Reference reference) {
  std::vector<double> expected = kStart;
  const uint64_t id = p.id();
  for (size_t step = 0; step < kGrads.size(); ++step) {
    p.set_grad(from_vector<double>(kGrads[step], {3}));
    ASSERT_TRUE(opt.Step().ok());
    reference(expected, kGrads[step]);
    std::vector<double> actual = Values(p);
    for (size_t i = 0; i < actual.size(); ++i) {
      EXPECT_NEAR(actual[i], expected[i], 1e-12) << "step " << step << " element " << i;
    }
  }
  EXPECT_EQ(opt.parameters()[0].id(), id);
  EXPECT_TRUE(p.requires_grad());
}

TEST(SGDTest, Plain) {
  Tensor p = Param(kStart);
  SGD opt({p}, {.lr = 0.1});
  ExpectMatches(opt, p, [](std::vector<double>& x, const std::vector<double>& g) {
    for (size_t i = 0; i < x.size(); ++i) x[i] -= 0.1 * g[i];
  });
}

TEST(SGDTest, MomentumDampeningWeightDecay) {
  Tensor p = Param(kStart);
  SGD opt({p}, {.lr = 0.05, .momentum = 0.9, .dampening = 0.2, .weight_decay = 0.01});
  std::vector<double> buf;
  ExpectMatches(opt, p, [&](std::vector<double>& x, const std::vector<double>& grad) {
    std::vector<double> g = grad;
    for (size_t i = 0; i < x.size(); ++i) g[i] += 0.01 * x[i];
    if (buf.empty()) {
      buf = g;
    } else {
      for (size_t i = 0; i < x.size(); ++i) buf[i] = 0.9 * buf[i] + (1 - 0.2) * g[i];
    }
    for (size_t i = 0; i < x.size(); ++i) x[i] -= 0.05 * buf[i];
  });
}

TEST(SGDTest, Nesterov) {
  Tensor p = Param(kStart);
  SGD opt({p}, {.lr = 0.05, .momentum = 0.8, .nesterov = true});
  std::vector<double> buf;
  ExpectMatches(opt, p, [&](std::vector<double>& x, const std::vector<double>& g) {
    if (buf.empty()) {
      buf = g;
    } else {
      for (size_t i = 0; i < x.size(); ++i) buf[i] = 0.8 * buf[i] + g[i];
    }
    for (size_t i = 0; i < x.size(); ++i) x[i] -= 0.05 * (g[i] + 0.8 * buf[i]);
  });
}

// The reference Adam/AdamW step of torch.optim (single-tensor path).
struct AdamReference {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled, amsgrad;
  int step = 0;
  std::vector<double> m = std::vector<double>(3, 0.0), v = std::vector<double>(3, 0.0),
                      v_max = std::vector<double>(3, 0.0);

  void operator()(std::vector<double>& x, const std::vector<double>& grad) {
    ++step;
    std::vector<double> g = grad;
    for (size_t i = 0; i < x.size(); ++i) {
      if (decoupled) {
        x[i] *= 1 - lr * weight_decay;
      } else {
        g[i] += weight_decay * x[i];
      }
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      v_max[i] = std::max(v_max[i], v[i]);
      const double bc1 = 1 - std::pow(beta1, step);
      const double bc2 = 1 - std::pow(beta2, step);
      const double second = amsgrad ? v_max[i] : v[i];
      const double denom = std::sqrt(second) / std::sqrt(bc2) + eps;
      x[i] -= lr / bc1 * m[i] / denom;
    }
  }
};

TEST(AdamTest, MatchesTorchFormula) {
  Tensor p = Param(kStart);
  Adam opt({p}, {.lr = 0.01, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-6});
  EXPECT_EQ(opt.name(), "Adam");
  AdamReference ref{0.01, 0.8, 0.99, 1e-6, 0.0, false, false};
  ExpectMatches(opt, p, [&](std::vector<double>& x, const std::vector<double>& g) { ref(x, g); });
}

TEST(AdamTest, WeightDecayAndAmsgrad) {
  Tensor p = Param(kStart);
  Adam opt({p}, {.lr = 0.02, .weight_decay = 0.1, .amsgrad = true});
  AdamReference ref{0.02, 0.9, 0.999, 1e-8, 0.1, false, true};
  ExpectMatches(opt, p, [&](std::vector<double>& x, const std::vector<double>& g) { ref(x, g); });
}

TEST(AdamWTest, DecoupledWeightDecay) {
  Tensor p = Param(kStart);
  AdamW opt({p}, {.lr = 0.01, .weight_decay = 0.05});
  EXPECT_EQ(opt.name(), "AdamW");
  AdamReference ref{0.01, 0.9, 0.999, 1e-8, 0.05, true, false};
  ExpectMatches(opt, p, [&](std::vector<double>& x, const std::vector<double>& g) { ref(x, g); });
  EXPECT_EQ(AdamWOptions().weight_decay, 0.01);
}

TEST(OptimizerTest, SkipsParametersWithoutGradAndZeroGrad) {
  Tensor a = Param({1, 2, 3}), b = Param({4, 5, 6});
  SGD opt({a, b}, {.lr = 1});
  a.set_grad(from_vector<double>({1, 1, 1}, {3}));
  ASSERT_TRUE(opt.Step().ok());
  EXPECT_EQ(Values(a), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(Values(b), (std::vector<double>{4, 5, 6}));
  opt.ZeroGrad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(OptimizerTest, RejectsGradientOfAnotherShape) {
  Tensor p = Param({1, 2, 3});
  Adam opt({p}, {});
  p.set_grad(from_vector<double>({1, 1}, {2}));
  absl::Status s = opt.Step();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("gradient of parameter 0"), absl::string_view::npos) << s;
  EXPECT_EQ(Values(p), (std::vector<double>{1, 2, 3}));
}

TEST(OptimizerTest, MinimisesAQuadraticWithBackward) {
  Tensor p = Param({3, -2, 1});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.5});
  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    opt.ZeroGrad();
    const Tensor loss = (p * p).sum();
    last = *loss.item();
    if (step == 0) first = last;
    ASSERT_TRUE(loss.backward().ok());
    ASSERT_TRUE(opt.Step().ok());
  }
  EXPECT_LT(last, first * 1e-3);
  EXPECT_TRUE(p.requires_grad());
}

}  // namespace
}  // namespace aot
