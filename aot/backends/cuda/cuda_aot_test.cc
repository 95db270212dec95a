// aot_function and eager autograd on CUDA tensors: the compiled graphs run on
// the GPU through the interpreter, and gradients match the CPU's.
#include <cmath>
#include <vector>

#include "aot/autodiff/engine.h"
#include "aot/backends/cuda/cuda_status.h"
#include "aot/module/aot_function.h"
#include "aot/tensor/ops.h"
#include "gtest/gtest.h"

namespace aot::cuda {
namespace {

using Tensors = std::vector<Tensor>;

TEST(CudaAotTest, CompiledFunctionRunsOnTheGpu) {
  absl::StatusOr<int> count = DeviceCount();
  if (!count.ok()) GTEST_SKIP() << "needs a CUDA GPU: " << count.status();
  auto fn = [](const Tensors& in) -> Tensors {
    Tensor h = in[0].matmul(in[1]).tanh();
    return {h.cos().cos().sum()};
  };
  Tensor a = randn({8, 16}, 1);
  Tensor b = randn({16, 4}, 2);
  // The CPU reference.
  Tensor ac = a.clone().set_requires_grad(true);
  Tensor bc = b.clone().set_requires_grad(true);
  ASSERT_TRUE(fn({ac, bc})[0].backward().ok());
  // Compiled, on the GPU.
  absl::StatusOr<AotFunction> nf = aot_function(fn, {.partition_fn = MinCutPartitionFn()});
  ASSERT_TRUE(nf.ok());
  Tensor ag = a.to(Device::Cuda(0)).set_requires_grad(true);
  Tensor bg = b.to(Device::Cuda(0)).set_requires_grad(true);
  absl::StatusOr<Tensor> y = nf->Call1({ag, bg});
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_TRUE(y->device().is_cuda());
  ASSERT_TRUE(y->backward().ok());
  ASSERT_TRUE(ag.grad().device().is_cuda());
  std::vector<float> got = ag.grad().to(Device::Cpu()).ToVector<float>().value();
  std::vector<float> want = ac.grad().ToVector<float>().value();
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4 * (1 + std::abs(want[i]))) << i;
  std::vector<float> gotb = bg.grad().to(Device::Cpu()).ToVector<float>().value();
  std::vector<float> wantb = bc.grad().ToVector<float>().value();
  for (size_t i = 0; i < wantb.size(); ++i) EXPECT_NEAR(gotb[i], wantb[i], 1e-4 * (1 + std::abs(wantb[i]))) << i;
}

}  // namespace
}  // namespace aot::cuda
