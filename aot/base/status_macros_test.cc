#include "aot/base/status_macros.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace aot {
namespace {

absl::Status FailIf(bool fail) {
  return fail ? absl::InvalidArgumentError("bad") : absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<int>> MakeInt(bool fail) {
  if (fail) return absl::NotFoundError("no int");
  return std::make_unique<int>(7);
}

absl::Status UsesReturnIfError(bool fail, int* reached) {
  AOT_RETURN_IF_ERROR(FailIf(fail));
  *reached = 1;
  return absl::OkStatus();
}

absl::StatusOr<int> UsesAssignOrReturn(bool fail) {
  AOT_ASSIGN_OR_RETURN(std::unique_ptr<int> p, MakeInt(fail));
  int existing = 0;
  AOT_ASSIGN_OR_RETURN(existing, absl::StatusOr<int>(*p + 1));
  return existing;
}

TEST(StatusMacrosTest, ReturnIfErrorPropagatesError) {
  int reached = 0;
  absl::Status s = UsesReturnIfError(true, &reached);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "bad");
  EXPECT_EQ(reached, 0);
}

TEST(StatusMacrosTest, ReturnIfErrorContinuesOnOk) {
  int reached = 0;
  EXPECT_TRUE(UsesReturnIfError(false, &reached).ok());
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacrosTest, AssignOrReturnMovesValueAndAssignsExisting) {
  absl::StatusOr<int> v = UsesAssignOrReturn(false);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 8);
}

TEST(StatusMacrosTest, AssignOrReturnPropagatesError) {
  absl::StatusOr<int> v = UsesAssignOrReturn(true);
  EXPECT_EQ(v.status().code(), absl::StatusCode::kNotFound);
}

TEST(StatusMacrosDeathTest, CheckOkAbortsWithStatus) {
  EXPECT_DEATH(AOT_CHECK_OK(FailIf(true)), "INVALID_ARGUMENT: bad");
  AOT_CHECK_OK(FailIf(false));
}

}  // namespace
}  // namespace aot
