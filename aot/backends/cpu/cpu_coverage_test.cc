// The CPU backend has a kernel for every op of the op set: this fails when
// an op is added to op_list.h without one.
#include <string>
#include <vector>

#include "aot/ir/op.h"
#include "aot/tensor/dispatcher.h"
#include "gtest/gtest.h"

namespace aot {
namespace {

TEST(CpuCoverageTest, EveryOpHasACpuKernel) {
  std::vector<std::string> missing;
  for (const ir::OpDef* op : ir::AllOps()) {
    if (!HasKernel(op->kind(), DispatchKey::kCPU)) missing.push_back(op->name());
  }
  EXPECT_TRUE(missing.empty()) << "ops without a CPU kernel: " << testing::PrintToString(missing);
  EXPECT_EQ(static_cast<int>(ir::AllOps().size()), ir::kNumOps);
}

}  // namespace
}  // namespace aot
