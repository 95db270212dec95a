#include "aot/ir/device.h"

#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace aot::ir {

std::string Device::ToString() const {
  switch (type_) {
    case Type::kCpu:
      return "cpu";
    case Type::kMeta:
      return "meta";
    case Type::kCuda:
      return absl::StrCat("cuda:", index_);
  }
  return "?";
}

std::optional<Device> Device::Parse(absl::string_view text) {
  if (text == "cpu") return Cpu();
  if (text == "meta") return Meta();
  if (text == "cuda") return Cuda(0);
  if (absl::ConsumePrefix(&text, "cuda:")) {
    int index;
    if (absl::SimpleAtoi(text, &index) && index >= 0) return Cuda(index);
  }
  return std::nullopt;
}

std::ostream& operator<<(std::ostream& os, Device device) { return os << device.ToString(); }

}  // namespace aot::ir
