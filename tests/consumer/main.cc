// A user's program that links one `aot` target.
#include <cstdio>

#include "aot/base/status_macros.h"

namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  AOT_ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

}  // namespace

int main() {
  absl::StatusOr<int> ok = Quarter(8);
  absl::StatusOr<int> bad = Quarter(6);
  if (!ok.ok() || *ok != 2 || bad.ok()) {
    std::printf("consumer: FAILED\n");
    return 1;
  }
  std::printf("consumer: Quarter(8) = %d, Quarter(6) -> %s\n", *ok,
              bad.status().ToString().c_str());
  return 0;
}
