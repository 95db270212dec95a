// Lists the ops without a CUDA kernel. The backend covers every op except an
// explicit list (NotYetCovered), empty since convolution (cuDNN), pooling and
// batch_norm gained kernels. The test fails when an op outside the list has no
// kernel (an op added to op_list.h, say) and when an op in the list gains
// one (so that the list shrinks with the backend's growth).
#include <algorithm>
#include <string>
#include <vector>

#include "aot/ir/op.h"
#include "aot/tensor/dispatcher.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

// Ops the CUDA backend does not cover yet: on a CUDA tensor they return
// Unimplemented naming the op and the CUDA backend.
const std::vector<std::string>& NotYetCovered() {
  static const auto* ops = new std::vector<std::string>{};
  return *ops;
}

TEST(CudaCoverageTest, EveryOpOutsideTheListHasACudaKernel) {
  std::vector<std::string> missing;
  for (const ir::OpDef* op : ir::AllOps()) {
    if (!HasKernel(op->kind(), DispatchKey::kCUDA)) missing.push_back(op->name());
  }
  std::sort(missing.begin(), missing.end());
  std::vector<std::string> expected = NotYetCovered();
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(missing, expected) << "ops without a CUDA kernel: " << testing::PrintToString(missing);
  EXPECT_EQ(static_cast<int>(ir::AllOps().size()), ir::kNumOps);
}

}  // namespace
}  // namespace aot
