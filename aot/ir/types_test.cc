#include <limits>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "aot/ir/attr.h"
#include "aot/ir/device.h"
#include "aot/ir/dtype.h"
#include "aot/ir/shape.h"
#include "gtest/gtest.h"

namespace aot::ir {
namespace {

TEST(DTypeTest, NamesRoundTrip) {
  for (int i = 0; i < kNumDTypes; ++i) {
    DType d = static_cast<DType>(i);
    EXPECT_EQ(ParseDType(DTypeName(d)), d);
  }
  EXPECT_EQ(ParseDType("float"), DType::kFloat32);
  EXPECT_EQ(ParseDType("long"), DType::kInt64);
  EXPECT_EQ(ParseDType("f128"), std::nullopt);
  EXPECT_EQ(DTypeSize(DType::kBFloat16), 2);
}

TEST(DTypeTest, PromotionFollowsPyTorch) {
  EXPECT_EQ(PromoteTypes(DType::kFloat32, DType::kFloat64), DType::kFloat64);
  EXPECT_EQ(PromoteTypes(DType::kInt64, DType::kFloat16), DType::kFloat16);
  EXPECT_EQ(PromoteTypes(DType::kFloat16, DType::kBFloat16), DType::kFloat32);
  EXPECT_EQ(PromoteTypes(DType::kBool, DType::kUInt8), DType::kUInt8);
  EXPECT_EQ(PromoteTypes(DType::kUInt8, DType::kInt32), DType::kInt32);
  EXPECT_EQ(PromoteTypes(DType::kInt32, DType::kInt64), DType::kInt64);
  EXPECT_EQ(PromoteTypes(DType::kBool, DType::kBool), DType::kBool);
}

TEST(DeviceTest, ParseAndPrint) {
  EXPECT_EQ(Device::Parse("cuda:3"), Device::Cuda(3));
  EXPECT_EQ(Device::Parse("cuda"), Device::Cuda(0));
  EXPECT_EQ(Device::Parse("cpu")->ToString(), "cpu");
  EXPECT_EQ(Device::Cuda(1).ToString(), "cuda:1");
  EXPECT_EQ(Device::Parse("cuda:-1"), std::nullopt);
  EXPECT_EQ(Device::Parse("tpu"), std::nullopt);
}

TEST(ShapeTest, ConcreteAndSymbolicDims) {
  Shape s{4, 3};
  EXPECT_EQ(s.ToString(), "[4,3]");
  EXPECT_EQ(s.numel(), 12);
  EXPECT_EQ(s.ContiguousStrides(), (std::vector<int64_t>{3, 1}));
  Shape b = s;
  b.dim(0) = Dim::Symbol("B");
  EXPECT_EQ(b.ToString(), "[B,3]");
  EXPECT_FALSE(b.is_concrete());
  EXPECT_EQ(b.numel(), std::nullopt);
  EXPECT_EQ(Dim::Symbol("B"), b.dim(0));
  EXPECT_NE(Dim::Symbol("N"), b.dim(0));
  EXPECT_EQ(Shape().ToString(), "[]");
  EXPECT_EQ(Shape().numel(), 1);
}

TEST(ShapeTest, DimHoldsEverySizeAndSymbolInEightBytes) {
  static_assert(sizeof(Dim) == 8);
  for (int64_t size : {int64_t{0}, int64_t{1}, int64_t{-1}, std::numeric_limits<int64_t>::max(), Dim::kMinConcrete}) {
    Dim d(size);
    EXPECT_FALSE(d.is_symbolic()) << size;
    EXPECT_EQ(d.concrete(), size);
    EXPECT_EQ(d.value(), size);
    EXPECT_EQ(d.symbol(), "");
    EXPECT_EQ(d.ToString(), absl::StrCat(size));
  }
  Dim b = Dim::Symbol("batch");
  Dim n = Dim::Symbol("n");
  EXPECT_TRUE(b.is_symbolic());
  EXPECT_EQ(b.concrete(), std::nullopt);
  EXPECT_EQ(b.value(), 0);
  EXPECT_EQ(b.symbol(), "batch");
  EXPECT_EQ(n.ToString(), "n");
  EXPECT_EQ(Dim::Symbol("batch"), b);
  EXPECT_NE(b, n);
  EXPECT_NE(b, Dim(0));
  EXPECT_EQ(absl::Hash<Dim>()(Dim::Symbol("n")), absl::Hash<Dim>()(n));
}

TEST(TensorMetaTest, PrintsDeviceStridesAndGrad) {
  TensorMeta m(Shape{2, 3}, DType::kFloat16, Device::Cuda(0));
  EXPECT_EQ(m.ToString(), "f16[2,3]@cuda:0");
  EXPECT_EQ(m.bytes(), 12);
  m.strides = {1, 2};
  m.requires_grad = true;
  EXPECT_FALSE(m.is_contiguous());
  EXPECT_EQ(m.ToString(), "f16[2,3]{1,2}@cuda:0 requires_grad");
  m.strides = {3, 1};
  EXPECT_TRUE(m.is_contiguous());
}

TEST(AttrValueTest, LiteralsAndMatching) {
  EXPECT_EQ(AttrValue(3).ToString(), "3");
  EXPECT_EQ(AttrValue(2.0).ToString(), "2.0");
  EXPECT_EQ(AttrValue(0.1).ToString(), "0.1");
  EXPECT_EQ(AttrValue(1e-5).ToString(), "1e-05");
  EXPECT_EQ(AttrValue(-std::numeric_limits<double>::infinity()).ToString(), "-inf");
  EXPECT_EQ(AttrValue(true).ToString(), "true");
  EXPECT_EQ(AttrValue("a\"b").ToString(), "\"a\\\"b\"");
  EXPECT_EQ(AttrValue(std::vector<int64_t>{1, -2}).ToString(), "[1,-2]");
  EXPECT_EQ(AttrValue(DType::kBFloat16).ToString(), "bf16");
  EXPECT_EQ(AttrValue(Device::Cuda(1)).ToString(), "cuda:1");
  EXPECT_EQ(AttrValue::None().ToString(), "None");
  EXPECT_TRUE(AttrValue(3).Matches(AttrType::kScalar, false));
  EXPECT_TRUE(AttrValue(2.5).Matches(AttrType::kScalar, false));
  EXPECT_FALSE(AttrValue(2.5).Matches(AttrType::kInt, false));
  EXPECT_FALSE(AttrValue::None().Matches(AttrType::kInt, false));
  EXPECT_TRUE(AttrValue::None().Matches(AttrType::kInt, true));
  EXPECT_EQ(AttrValue(2.0).scalar(), 2.0);
  EXPECT_NE(AttrValue(2), AttrValue(2.0));
}

}  // namespace
}  // namespace aot::ir
