// Device memory allocators and the Storage they hand out.
#ifndef AOT_TENSOR_ALLOCATOR_H_
#define AOT_TENSOR_ALLOCATOR_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "aot/ir/device.h"

namespace aot {

using ir::Device;

struct AllocatorStats {
  int64_t allocated_bytes = 0;  // Currently held by tensors.
  int64_t peak_bytes = 0;       // Maximum of allocated_bytes since the last reset.
  int64_t reserved_bytes = 0;   // Held from the system (>= allocated for caching allocators).
  int64_t num_allocations = 0;
};

// Allocates device memory. Implementations are thread-safe and keep stats.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual Device device() const = 0;
  // Returns `bytes` bytes aligned to at least 64, or ResourceExhausted naming
  // the size. Zero bytes returns a non-null unique pointer.
  virtual absl::StatusOr<void*> Allocate(size_t bytes) = 0;
  virtual void Deallocate(void* ptr, size_t bytes) = 0;
  virtual AllocatorStats stats() const = 0;
  virtual void ResetPeak() = 0;
  // Returns cached free blocks to the system (no-op for allocators that do
  // not cache).
  virtual void EmptyCache() {}
};

// Returns the allocator for `device`, or FailedPrecondition if none is
// registered (a CUDA device without the CUDA backend linked).
absl::StatusOr<Allocator*> GetAllocator(Device device);
// Registers the allocator of a device type (the CUDA backend does this at
// start-up). Later registrations replace earlier ones.
void RegisterAllocator(Device::Type type, Allocator* allocator);

// A device buffer shared by the tensors that view it. Frees itself through
// its allocator (or the deleter given to FromBlob) when the last owner goes.
class Storage {
 public:
  // Allocates `bytes` bytes on `device`.
  static absl::StatusOr<std::shared_ptr<Storage>> Allocate(size_t bytes, Device device);
  // Wraps memory the caller owns; `deleter` (may be empty) runs at release.
  static std::shared_ptr<Storage> FromBlob(void* data, size_t bytes, Device device,
                                           std::function<void(void*)> deleter);
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  Storage(void* data, size_t nbytes, Device device, Allocator* allocator, std::function<void(void*)> deleter)
      : data_(data), nbytes_(nbytes), device_(device), allocator_(allocator), deleter_(std::move(deleter)) {}
  void* data_;
  size_t nbytes_;
  Device device_;
  Allocator* allocator_;
  std::function<void(void*)> deleter_;
};

}  // namespace aot

#endif  // AOT_TENSOR_ALLOCATOR_H_
