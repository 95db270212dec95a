#include "aot/tensor/tensor.h"

#include <vector>

#include "aot/tensor/ops.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

TEST(TensorTest, FromVectorAndMetadata) {
  Tensor t = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.dim(), 2);
  EXPECT_EQ(t.size(1), 3);
  EXPECT_EQ(t.size(-1), 3);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.dtype(), DType::kFloat32);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(std::vector<int64_t>(t.strides().begin(), t.strides().end()), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(t.meta().ToString(), "f32[2,3]");
  EXPECT_EQ(t.at({1, 2}), 6.0);
  EXPECT_EQ(*t.ToVector<int>(), (std::vector<int>{1, 2, 3, 4, 5, 6}));
}

TEST(TensorTest, FromVectorRejectsWrongCount) {
  Tensor t = Tensor::FromVector<float>({1, 2, 3}, {2, 2});
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(TensorTest, ViewsShareStorage) {
  Tensor t = Tensor::FromVector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor tt = t.transpose(0, 1);
  ASSERT_TRUE(tt.ok()) << tt.status();
  EXPECT_TRUE(tt.shares_storage_with(t));
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.meta().ToString(), "f32[3,2]{1,3}");
  EXPECT_EQ(tt.at({2, 1}), 6.0);
  Tensor row = t.select(0, 1);
  EXPECT_EQ(row.storage_offset(), 3);
  EXPECT_EQ(*row.ToVector<float>(), (std::vector<float>{4, 5, 6}));
  Tensor col = t.slice(1, 1, 3);
  EXPECT_EQ(*col.ToVector<float>(), (std::vector<float>{2, 3, 5, 6}));
  Tensor e = Tensor::FromVector<float>({7, 8}, {2, 1}).expand({2, 4});
  EXPECT_EQ(e.strides()[1], 0);
  EXPECT_EQ(*e.ToVector<float>(), (std::vector<float>{7, 7, 7, 7, 8, 8, 8, 8}));
  Tensor v = t.view({3, 2});
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v.shares_storage_with(t));
  // A transposed tensor cannot be viewed flat (reshape copies instead; that
  // needs the CPU backend, tested there).
  EXPECT_EQ(tt.view({6}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*tt.ToVector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(TensorTest, ZeroDimTensorsViewAsAnyShapeOfOneElement) {
  Tensor s = Tensor::FromVector<float>({5}, {});
  for (const std::vector<int64_t>& shape : {std::vector<int64_t>{1}, {1, 1}, {-1}, {}}) {
    Tensor v = s.view(shape);
    ASSERT_TRUE(v.ok()) << v.status();
    EXPECT_TRUE(v.shares_storage_with(s));
    EXPECT_EQ(v.numel(), 1);
    EXPECT_EQ(*v.item(), 5.0);
    Tensor r = s.reshape(shape);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r.shares_storage_with(s));
  }
  Tensor back = Tensor::FromVector<float>({5}, {1, 1}).view({});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back.dim(), 0);
}

TEST(TensorTest, ErrorTensorsPropagate) {
  Tensor a = Tensor::FromVector<float>({1, 2, 3, 4}, {4});
  Tensor b = Tensor::FromVector<float>({1, 2, 3}, {3});
  Tensor c = (a + b).cos().sum();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("add: 'self' is f32[4], 'other' is f32[3]"), absl::string_view::npos)
      << c.status();
  EXPECT_FALSE(c.item().ok());
  EXPECT_EQ(c.dim(), 0);
  EXPECT_FALSE(c.Checked().ok());
  EXPECT_EQ(Tensor().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(TensorTest, ItemAndFakeTensors) {
  Tensor s = Tensor::FromVector<double>({2.5}, {});
  EXPECT_EQ(*s.item(), 2.5);
  Tensor v = Tensor::FromVector<double>({1, 2}, {2});
  EXPECT_EQ(v.item().status().code(), absl::StatusCode::kInvalidArgument);
  Tensor f = Tensor::Fake({1000000, 1000000}, DType::kFloat32);
  EXPECT_TRUE(f.is_fake());
  EXPECT_EQ(f.numel(), 1000000000000);
  absl::StatusOr<double> item = Tensor::Fake({}, DType::kFloat32).item();
  EXPECT_EQ(item.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(item.status().message().find("data-dependent"), absl::string_view::npos);
  // Ops on fake tensors run the shape rules only (Meta).
  Tensor g = f.transpose(0, 1).sum({0});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(g.is_fake());
  EXPECT_EQ(g.meta().ToString(), "f32[1000000]");
}

TEST(TensorTest, PrintsLikePyTorch) {
  Tensor t = Tensor::FromVector<float>({1, 2.5, -3, 4}, {2, 2});
  EXPECT_EQ(t.ToString(), "tensor([[1., 2.5],\n        [-3., 4.]], dtype=f32)");
  Tensor b = Tensor::FromVector<bool>({true, false}, {2});
  EXPECT_EQ(b.ToString(), "tensor([True, False], dtype=bool)");
  Tensor i = Tensor::FromVector<int64_t>({7}, {});
  EXPECT_EQ(i.ToString(), "tensor(7, dtype=i64)");
}

TEST(TensorTest, FromBlobRunsDeleterOnce) {
  static int deleted = 0;
  deleted = 0;
  float* data = new float[4]{1, 2, 3, 4};
  {
    Tensor t = Tensor::FromBlob(data, {4}, DType::kFloat32, Device::Cpu(), [](void* p) {
      delete[] static_cast<float*>(p);
      ++deleted;
    });
    Tensor v = t.view({2, 2});
    EXPECT_EQ(v.at({1, 1}), 4.0);
  }
  EXPECT_EQ(deleted, 1);
}

TEST(TensorTest, RequiresGradAndGradSlots) {
  Tensor t = Tensor::FromVector<float>({1, 2}, {2});
  EXPECT_FALSE(t.requires_grad());
  t.set_requires_grad(true);
  EXPECT_TRUE(t.requires_grad());
  EXPECT_EQ(t.meta().ToString(), "f32[2] requires_grad");
  EXPECT_FALSE(t.grad().defined());
  t.set_grad(Tensor::FromVector<float>({3, 4}, {2}));
  EXPECT_EQ(t.grad().at({1}), 4.0);
  EXPECT_TRUE(GradModeEnabled());
  {
    NoGradGuard no_grad;
    EXPECT_FALSE(GradModeEnabled());
  }
  EXPECT_TRUE(GradModeEnabled());
}

TEST(TensorTest, NoKernelIsUnimplementedNamingOp) {
  // This test binary links no CPU kernels: only views and Meta are there.
  Tensor t = Tensor::FromVector<float>({1, 2}, {2});
  Tensor c = t.cos();
  EXPECT_EQ(c.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_NE(c.status().message().find("cos: no kernel for the CPU backend"), absl::string_view::npos)
      << c.status();
}

}  // namespace
}  // namespace aot
