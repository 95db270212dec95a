// AOT_CHECK: assertions for internal invariants.
//
// Use AOT_CHECK only for conditions no user input can violate (a pass broke
// the graph, an index computed internally is out of range). Anything a user
// can cause returns an absl::Status instead. A failed check prints the file,
// line, condition and the streamed message to stderr and aborts, in every
// build mode:
//
//   AOT_CHECK(node->graph() == this) << "node " << node->name() << " is foreign";
//   AOT_CHECK_EQ(a.size(), b.size());
#ifndef AOT_BASE_CHECK_H_
#define AOT_BASE_CHECK_H_

#include <sstream>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"

namespace aot::internal {

// Collects the streamed message of a failed check and aborts in its
// destructor.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition);
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  [[noreturn]] ~CheckFailure();

  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Turns the stream expression into void so that it fits the ternary below.
struct Voidify {
  void operator&(std::ostream&) {}
};

}  // namespace aot::internal

#define AOT_CHECK(condition)                     \
  ABSL_PREDICT_TRUE(condition)                   \
  ? (void)0                                      \
  : ::aot::internal::Voidify() &                 \
        ::aot::internal::CheckFailure(__FILE__, __LINE__, #condition).stream()

#define AOT_CHECK_OP_(a, op, b)                                          \
  AOT_CHECK((a)op(b)) << "(" << (a) << " vs. " << (b) << ") "

#define AOT_CHECK_EQ(a, b) AOT_CHECK_OP_(a, ==, b)
#define AOT_CHECK_NE(a, b) AOT_CHECK_OP_(a, !=, b)
#define AOT_CHECK_LT(a, b) AOT_CHECK_OP_(a, <, b)
#define AOT_CHECK_LE(a, b) AOT_CHECK_OP_(a, <=, b)
#define AOT_CHECK_GT(a, b) AOT_CHECK_OP_(a, >, b)
#define AOT_CHECK_GE(a, b) AOT_CHECK_OP_(a, >=, b)

#endif  // AOT_BASE_CHECK_H_
