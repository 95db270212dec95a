// Where a tensor lives.
#ifndef AOT_IR_DEVICE_H_
#define AOT_IR_DEVICE_H_

#include <optional>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"

namespace aot::ir {

// A device: the CPU, CUDA GPU number N, or Meta (shapes only, no data).
class Device {
 public:
  enum class Type : uint8_t { kCpu, kCuda, kMeta };

  constexpr Device() = default;
  static constexpr Device Cpu() { return Device(Type::kCpu, 0); }
  static constexpr Device Cuda(int index = 0) { return Device(Type::kCuda, index); }
  static constexpr Device Meta() { return Device(Type::kMeta, 0); }

  Type type() const { return type_; }
  int index() const { return index_; }
  bool is_cpu() const { return type_ == Type::kCpu; }
  bool is_cuda() const { return type_ == Type::kCuda; }
  bool is_meta() const { return type_ == Type::kMeta; }

  // "cpu", "cuda:N", "meta".
  std::string ToString() const;
  // Parses "cpu", "meta", "cuda" (device 0) or "cuda:N".
  static std::optional<Device> Parse(absl::string_view text);

  friend bool operator==(Device a, Device b) {
    return a.type_ == b.type_ && a.index_ == b.index_;
  }
  friend bool operator!=(Device a, Device b) { return !(a == b); }
  template <typename H>
  friend H AbslHashValue(H h, Device d) {
    return H::combine(std::move(h), d.type_, d.index_);
  }

 private:
  constexpr Device(Type type, int index) : type_(type), index_(index) {}
  Type type_ = Type::kCpu;
  int index_ = 0;
};

std::ostream& operator<<(std::ostream& os, Device device);

}  // namespace aot::ir

#endif  // AOT_IR_DEVICE_H_
