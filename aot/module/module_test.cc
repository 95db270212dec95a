#include "aot/module/module.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "aot/module/layers.h"
#include "aot/module/state_dict.h"
#include "aot/tensor/ops.h"
#include "aot/tensor/tensor.h"
#include "aot/tensor/testing/values.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

using op_testing::Values;
using ::testing::HasSubstr;

// conv -> bn -> relu -> flatten -> seq(linear, relu, linear).
class Net : public Module {
 public:
  explicit Net(uint64_t seed, int64_t hidden = 5) {
    conv_ = RegisterModule("conv", std::make_shared<Conv2d>(2, 3, 3, Conv2dOptions{.padding = 1, .seed = seed}));
    bn_ = RegisterModule("bn", std::make_shared<BatchNorm2d>(3));
    head_ = RegisterModule("head", std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                                       std::make_shared<Linear>(3 * 4 * 4, hidden, /*bias=*/true, seed + 1),
                                       std::make_shared<ReLU>(),
                                       std::make_shared<Linear>(hidden, 2, /*bias=*/true, seed + 2)}));
  }
  std::string name() const override { return "Net"; }
  Tensor Forward(const Tensor& x) override {
    const Tensor c = (*conv_)(x);
    const Tensor b = (*bn_)(c);
    const Tensor r = b.relu();
    const Tensor f = r.reshape({r.size(0), -1});
    return (*head_)(f);
  }

  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm2d> bn_;
  std::shared_ptr<Sequential> head_;
};

std::vector<std::string> Names(const NamedTensors& named) {
  std::vector<std::string> out;
  for (const auto& [name, t] : named) out.push_back(name);
  return out;
}

Tensor Input() { return randn({2, 2, 4, 4}, /*seed=*/7); }

TEST(ModuleTest, NamesParametersAndBuffersInRegistrationOrder) {
  Net net(/*seed=*/1);
  EXPECT_EQ(Names(net.NamedParameters()),
            (std::vector<std::string>{"conv.weight", "conv.bias", "bn.weight", "bn.bias", "head.0.weight",
                                      "head.0.bias", "head.2.weight", "head.2.bias"}));
  EXPECT_EQ(Names(net.NamedBuffers()), (std::vector<std::string>{"bn.running_mean", "bn.running_var"}));
  for (const Tensor& p : net.Parameters()) EXPECT_TRUE(p.requires_grad());
  for (const Tensor& b : net.Buffers()) EXPECT_FALSE(b.requires_grad());
  EXPECT_EQ(net.NumParameters(), 3 * 2 * 9 + 3 + 3 + 3 + 48 * 5 + 5 + 5 * 2 + 2);
  ASSERT_EQ(net.NamedChildren().size(), 3u);
  EXPECT_EQ(net.NamedChildren()[2].first, "head");
  EXPECT_TRUE(net.status().ok());
}

TEST(ModuleTest, SlotsArePartOfForward) {
  Net net(/*seed=*/1);
  std::vector<std::pair<std::string, Tensor*>> slots = net.NamedParameterAndBufferSlots();
  ASSERT_EQ(slots.size(), 10u);
  EXPECT_EQ(slots[0].first, "conv.weight");
  EXPECT_EQ(slots[0].second, &net.conv_->weight());
  EXPECT_EQ(slots[8].first, "bn.running_mean");
  EXPECT_EQ(slots[8].second, &net.bn_->running_mean());
  EXPECT_EQ(slots[9].first, "bn.running_var");

  net.Eval();
  const Tensor x = Input();
  const std::vector<double> before = Values(net(x));
  // Swapping the last layer's weight for zeros leaves its bias as output.
  Tensor* w = slots[6].second;
  ASSERT_EQ(slots[6].first, "head.2.weight");
  Tensor saved = *w;
  *w = zeros({2, 5});
  const std::vector<double> swapped = Values(net(x));
  const std::vector<double> bias = Values(*slots[7].second);
  EXPECT_EQ(swapped, (std::vector<double>{bias[0], bias[1], bias[0], bias[1]}));
  *w = saved;
  EXPECT_EQ(Values(net(x)), before);
}

TEST(ModuleTest, SharedChildContributesOnce) {
  auto shared = std::make_shared<Linear>(2, 2);
  Sequential seq{shared, std::make_shared<ReLU>(), shared};
  EXPECT_EQ(Names(seq.NamedParameters()), (std::vector<std::string>{"0.weight", "0.bias"}));
}

TEST(ModuleTest, TrainAndEvalAreRecursive) {
  Net net(/*seed=*/1);
  EXPECT_TRUE(net.is_training());
  EXPECT_TRUE(net.bn_->is_training());
  net.Eval();
  EXPECT_FALSE(net.is_training());
  EXPECT_FALSE(net.bn_->is_training());
  EXPECT_FALSE(net.head_->operator[](0)->is_training());
  net.Train();
  EXPECT_TRUE(net.head_->operator[](2)->is_training());
}

TEST(ModuleTest, ForwardDefaults) {
  Module plain;
  Tensor y = plain(zeros({1}));
  EXPECT_EQ(y.status().code(), absl::StatusCode::kUnimplemented);
  Linear lin(2, 3);
  std::vector<Tensor> one = lin.ForwardMulti({zeros({4, 2})});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].sizes(), (std::vector<int64_t>{4, 3}));
  std::vector<Tensor> two = lin.ForwardMulti({zeros({4, 2}), zeros({4, 2})});
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(two[0].status().message()), HasSubstr("Linear: Forward takes 1 input, got 2"));
}

TEST(ModuleTest, InvalidConfigurationIsReportedByStatus) {
  Conv2d conv(3, 4, 3, {.groups = 2});
  EXPECT_EQ(conv.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(conv.status().message()), HasSubstr("divisible by groups 2"));
  EXPECT_FALSE(conv(zeros({1, 3, 5, 5})).ok());
}

TEST(ModuleTest, ToCpuKeepsIdentityAndRequiresGrad) {
  Net net(/*seed=*/1);
  std::vector<uint64_t> ids;
  for (const Tensor& p : net.Parameters()) ids.push_back(p.id());
  ASSERT_TRUE(net.To(Device::Cpu()).ok());
  std::vector<Tensor> params = net.Parameters();
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(params[i].id(), ids[i]);
    EXPECT_TRUE(params[i].requires_grad());
    EXPECT_TRUE(params[i].device().is_cpu());
  }
}

TEST(ModuleTest, ToDeviceWithoutAllocatorFails) {
  Net net(/*seed=*/1);
  const std::vector<double> before = Values(net.Parameters()[0]);
  absl::Status s = net.To(Device::Cuda(0));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("cuda:0"));
  EXPECT_TRUE(net.Parameters()[0].device().is_cpu());
  EXPECT_EQ(Values(net.Parameters()[0]), before);
}

TEST(ModuleTest, ZeroGradClearsGradients) {
  Net net(/*seed=*/1);
  Tensor loss = net(Input()).sum();
  ASSERT_TRUE(loss.backward().ok());
  for (const Tensor& p : net.Parameters()) EXPECT_TRUE(p.grad().defined());
  net.ZeroGrad();
  for (const Tensor& p : net.Parameters()) EXPECT_FALSE(p.grad().defined());
}

// --- State dicts ---------------------------------------------------------------------------

void ExpectSameState(const Module& a, const Module& b) {
  NamedTensors sa = StateDict(a), sb = StateDict(b);
  ASSERT_EQ(Names(sa), Names(sb));
  for (size_t i = 0; i < sa.size(); ++i) EXPECT_EQ(Values(sa[i].second), Values(sb[i].second)) << sa[i].first;
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

TEST(StateDictTest, FileRoundTrip) {
  Net a(/*seed=*/1);
  a.Train();
  ASSERT_TRUE(a(Input()).ok());  // Moves the running statistics away from 0 and 1.
  Net b(/*seed=*/11);
  EXPECT_NE(Values(a.Parameters()[0]), Values(b.Parameters()[0]));
  std::vector<uint64_t> ids;
  for (const auto& [name, t] : StateDict(b)) ids.push_back(t.id());

  const std::string path = TempPath("net.pb");
  ASSERT_TRUE(SaveStateDict(a, path).ok());
  ASSERT_TRUE(LoadStateDict(b, path).ok());
  ExpectSameState(a, b);
  NamedTensors loaded = StateDict(b);
  for (size_t i = 0; i < loaded.size(); ++i) EXPECT_EQ(loaded[i].second.id(), ids[i]) << "loaded in place";
  for (const Tensor& p : b.Parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(StateDictTest, InMemoryRoundTrip) {
  Net a(/*seed=*/1), b(/*seed=*/2), c(/*seed=*/3);
  absl::StatusOr<std::string> bytes = SerializeStateDict(a);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  ASSERT_TRUE(LoadStateDictFromString(b, *bytes).ok());
  ExpectSameState(a, b);
  ASSERT_TRUE(LoadStateDictFromTensors(c, StateDict(a)).ok());
  ExpectSameState(a, c);
}

// Expects `s` to be InvalidArgument with every fragment in its message, and
// `m` to be unchanged (compared with a same-seed twin).
void ExpectRejected(const absl::Status& s, const std::vector<std::string>& fragments) {
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  for (const std::string& f : fragments) EXPECT_THAT(std::string(s.message()), HasSubstr(f));
}

TEST(StateDictTest, RejectsMissingAndUnexpectedNames) {
  Net a(/*seed=*/1), b(/*seed=*/2), b_twin(/*seed=*/2);
  NamedTensors missing = StateDict(a);
  missing.erase(missing.begin() + 1);  // conv.bias
  ExpectRejected(LoadStateDictFromTensors(b, missing), {"missing: conv.bias"});
  NamedTensors extra = StateDict(a);
  extra.emplace_back("head.9.weight", zeros({1}));
  ExpectRejected(LoadStateDictFromTensors(b, extra), {"unexpected: head.9.weight"});
  NamedTensors twice = StateDict(a);
  twice.push_back(twice[0]);
  ExpectRejected(LoadStateDictFromTensors(b, twice), {"'conv.weight' appears more than once"});
  ExpectSameState(b, b_twin);
}

TEST(StateDictTest, RejectsShapeAndDTypeMismatch) {
  Net a(/*seed=*/1, /*hidden=*/5), b(/*seed=*/2, /*hidden=*/6), b_twin(/*seed=*/2, /*hidden=*/6);
  absl::StatusOr<std::string> bytes = SerializeStateDict(a);
  ASSERT_TRUE(bytes.ok());
  ExpectRejected(LoadStateDictFromString(b, *bytes), {"'head.0.weight'", "f32[5,48]", "f32[6,48]"});
  ExpectSameState(b, b_twin);

  Net c(/*seed=*/3);
  NamedTensors doubles = StateDict(a);
  doubles[0].second = doubles[0].second.to(DType::kFloat64);
  ExpectRejected(LoadStateDictFromTensors(c, doubles), {"'conv.weight'", "f64[3,2,3,3]", "f32[3,2,3,3]"});
}

TEST(StateDictTest, RejectsMalformedData) {
  Net net(/*seed=*/1);
  ExpectRejected(LoadStateDictFromString(net, "not a proto \xff\xff\xff"), {"LoadStateDict"});
  ExpectRejected(LoadStateDictFromString(net, ""), {"unsupported state dict version 0"});

  absl::StatusOr<module::proto::StateDictProto> state = StateDictToProto(net);
  ASSERT_TRUE(state.ok());
  module::proto::StateDictProto bad = *state;
  bad.mutable_tensors(0)->mutable_data()->resize(5);
  ExpectRejected(LoadStateDictFromProto(net, bad), {"'conv.weight'", "5 bytes", "expected 216"});
  bad = *state;
  bad.mutable_tensors(1)->set_dtype("f33");
  ExpectRejected(LoadStateDictFromProto(net, bad), {"'conv.bias'", "unknown dtype 'f33'"});
  bad = *state;
  bad.mutable_tensors(1)->set_shape(0, -3);
  ExpectRejected(LoadStateDictFromProto(net, bad), {"'conv.bias'", "invalid shape [-3]"});
  bad = *state;
  bad.set_version(7);
  ExpectRejected(LoadStateDictFromProto(net, bad), {"version 7"});
}

TEST(StateDictTest, MissingFileIsNotFound) {
  Net net(/*seed=*/1);
  absl::Status s = LoadStateDict(net, TempPath("does_not_exist.pb"));
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  const std::string garbage = TempPath("garbage.pb");
  {
    std::ofstream out(garbage, std::ios::binary);
    out << "\x08\x01\x12\x03\x0a\x01x";  // version 1, one tensor "x" with no data.
  }
  s = LoadStateDict(net, garbage);
  ExpectRejected(s, {garbage, "unknown dtype ''"});
}

}  // namespace
}  // namespace aot
