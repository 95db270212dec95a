// Status propagation macros.
//
// Abseil 20220623 (Debian's) has no status macros; these are spelled like the
// ones newer Abseil and XLA provide, so code reads the same:
//
//   absl::StatusOr<Graph> Load(absl::string_view path) {
//     AOT_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
//     AOT_RETURN_IF_ERROR(Validate(text));
//     return Parse(text);
//   }
#ifndef AOT_BASE_STATUS_MACROS_H_
#define AOT_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aot/base/check.h"

namespace aot::internal {

inline const absl::Status& AsStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& AsStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace aot::internal

#define AOT_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define AOT_STATUS_MACROS_CONCAT_(x, y) AOT_STATUS_MACROS_CONCAT_INNER_(x, y)

// Evaluates `expr` (an absl::Status or absl::StatusOr) once and returns its
// status from the enclosing function if it is not OK.
#define AOT_RETURN_IF_ERROR(expr)                                   \
  do {                                                              \
    const auto& aot_status_ = (expr);                               \
    if (ABSL_PREDICT_FALSE(!::aot::internal::AsStatus(aot_status_).ok())) \
      return ::aot::internal::AsStatus(aot_status_);                \
  } while (0)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be a
// declaration (`auto x`, `std::unique_ptr<Graph> g`) or an existing variable.
#define AOT_ASSIGN_OR_RETURN(lhs, rexpr)                                       \
  AOT_ASSIGN_OR_RETURN_IMPL_(                                                  \
      AOT_STATUS_MACROS_CONCAT_(aot_statusor_, __LINE__), lhs, rexpr)

#define AOT_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {              \
    return std::move(statusor).status();                 \
  }                                                      \
  lhs = std::move(statusor).value()

// Checks (AOT_CHECK) that an absl::Status or StatusOr is OK, printing the
// status otherwise. For internal invariants and tests, not user errors.
#define AOT_CHECK_OK(expr)                                         \
  do {                                                             \
    const auto& aot_check_ok_ = (expr);                            \
    AOT_CHECK(::aot::internal::AsStatus(aot_check_ok_).ok())       \
        << ::aot::internal::AsStatus(aot_check_ok_);               \
  } while (0)

#endif  // AOT_BASE_STATUS_MACROS_H_
