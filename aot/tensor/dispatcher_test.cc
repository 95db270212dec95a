#include "aot/tensor/dispatcher.h"

#include <string>
#include <vector>

#include "aot/tensor/ops.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

// Records the ops it sees and forwards them.
class RecordingMode : public DispatchMode {
 public:
  absl::StatusOr<std::vector<Tensor>> Handle(const OpCall& call) override {
    seen.push_back(call.op->name());
    return Redispatch(call);
  }
  std::vector<std::string> seen;
};

// Answers every op with fake results, never reaching a backend.
class FakeMode : public DispatchMode {
 public:
  absl::StatusOr<std::vector<Tensor>> Handle(const OpCall& call) override {
    std::vector<Tensor> out;
    for (const ir::TensorMeta& m : call.result_metas) {
      out.push_back(Tensor::Fake(*m.shape.concrete_sizes(), m.dtype, m.device));
    }
    return out;
  }
};

TEST(DispatcherTest, ModesSeeEveryOpInnermostFirst) {
  Tensor t = Tensor::FromVector<float>({1, 2, 3, 4}, {2, 2});
  RecordingMode outer, inner;
  {
    DispatchModeGuard g1(&outer);
    DispatchModeGuard g2(&inner);
    Tensor r = t.transpose(0, 1).unsqueeze(0);
    ASSERT_TRUE(r.ok()) << r.status();
  }
  EXPECT_EQ(inner.seen, (std::vector<std::string>{"transpose", "unsqueeze"}));
  EXPECT_EQ(outer.seen, inner.seen);
  Tensor after = t.transpose(0, 1);
  EXPECT_EQ(inner.seen.size(), 2u);
}

TEST(DispatcherTest, ModeCanAnswerWithoutBackend) {
  FakeMode fake;
  DispatchModeGuard guard(&fake);
  Tensor t = Tensor::FromVector<float>({1, 2}, {2});
  Tensor r = t.cos();  // No CPU kernel is linked into this test; the mode answers.
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r.is_fake());
}

TEST(DispatcherTest, ShapeErrorsComeBeforeAnyKernel) {
  RecordingMode rec;
  DispatchModeGuard guard(&rec);
  Tensor a = Tensor::FromVector<float>({1, 2}, {2});
  Tensor r = a.reshape({3});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(rec.seen.empty());
}

TEST(DispatcherTest, DuplicateRegistrationNamesBothSites) {
  auto k = [](const OpCall&) -> absl::StatusOr<std::vector<Tensor>> { return std::vector<Tensor>{}; };
  ASSERT_TRUE(RegisterKernel(OpKind::kErf, DispatchKey::kCUDA, k, "first.cc", 1).ok());
  absl::Status s = RegisterKernel(OpKind::kErf, DispatchKey::kCUDA, k, "second.cc", 2);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("first.cc:1 and again at second.cc:2"), absl::string_view::npos) << s;
  EXPECT_TRUE(HasKernel(OpKind::kErf, DispatchKey::kCUDA));
  EXPECT_TRUE(HasKernel(OpKind::kTranspose, DispatchKey::kCPU));
}

TEST(DispatcherTest, WrongArgumentsAreInvalidArgument) {
  Tensor a = Tensor::FromVector<float>({1, 2}, {2});
  std::vector<Tensor> r = CallOp(OpKind::kAdd, {a});
  ASSERT_EQ(r.size(), 1u);
  EXPECT_NE(r[0].status().message().find("add: expected 2 operands, got 1"), absl::string_view::npos);
  Tensor bad_attr = CallOp1(OpKind::kTranspose, {a}, {{"dim0", 0}, {"dim1", 5}});
  EXPECT_NE(bad_attr.status().message().find("dim 5 is out of range"), absl::string_view::npos)
      << bad_attr.status();
  Tensor undefined = CallOp1(OpKind::kNeg, {Tensor()});
  EXPECT_NE(undefined.status().message().find("undefined tensor"), absl::string_view::npos);
}

TEST(DispatcherTest, AutogradFallbackRunsOnlyWithGradModeAndRequiresGrad) {
  static int calls = 0;
  RegisterFallback(DispatchKey::kAutograd, [](const OpCall& call) -> absl::StatusOr<std::vector<Tensor>> {
    ++calls;
    ExcludeKeyGuard guard(DispatchKey::kAutograd);
    return Redispatch(call);
  });
  Tensor a = Tensor::FromVector<float>({1, 2}, {2});
  a.unsqueeze(0);
  EXPECT_EQ(calls, 0);
  a.set_requires_grad(true);
  a.unsqueeze(0);
  EXPECT_EQ(calls, 1);
  {
    NoGradGuard no_grad;
    a.unsqueeze(0);
  }
  EXPECT_EQ(calls, 1);
  RegisterFallback(DispatchKey::kAutograd, nullptr);
  a.unsqueeze(0);
  EXPECT_EQ(calls, 1);
}

// Creation ops and CPU-to-device copies run on the backend of the device
// they produce on, even when an operand (a seed, the source) is on the CPU.
// This test links no CUDA backend, so both must say that none is there
// rather than quietly return a CPU tensor.
TEST(DispatcherTest, CreationAndCopyDispatchOnTheResultDevice) {
  Tensor seed = Tensor::FromVector<int64_t>({1, 0}, {2});
  std::vector<Tensor> r = CallOp(OpKind::kRandn, {seed}, {{"size", std::vector<int64_t>{2}}, {"device", Device::Cuda()}});
  EXPECT_EQ(r[0].status().code(), absl::StatusCode::kUnimplemented) << r[0].status();
  EXPECT_NE(r[0].status().message().find("CUDA"), std::string::npos) << r[0].status();
  Tensor moved = Tensor::FromVector<float>({1, 2}, {2}).to(Device::Cuda());
  EXPECT_EQ(moved.status().code(), absl::StatusCode::kUnimplemented) << moved.status();
}

}  // namespace
}  // namespace aot
