#include "aot/base/check.h"

#include "gtest/gtest.h"

namespace aot {
namespace {

TEST(CheckDeathTest, FailedCheckPrintsConditionAndMessage) {
  int x = 3;
  EXPECT_DEATH(AOT_CHECK(x == 4) << "x was " << x, "AOT_CHECK failed: x == 4 x was 3");
}

TEST(CheckDeathTest, ComparisonPrintsBothSides) {
  EXPECT_DEATH(AOT_CHECK_EQ(2 + 2, 5), "\\(4 vs. 5\\)");
}

TEST(CheckTest, PassingCheckEvaluatesConditionOnce) {
  int calls = 0;
  AOT_CHECK(++calls == 1) << "never printed";
  EXPECT_EQ(calls, 1);
  AOT_CHECK_LT(1, 2);
}

}  // namespace
}  // namespace aot
