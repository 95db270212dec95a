#include "aot/tensor/allocator.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"

#include "absl/strings/str_cat.h"
#include "aot/base/huge_pages.h"

namespace aot {
namespace {

// The CPU allocator: 64-byte aligned memory with stats, and a cache of large
// freed blocks. Large allocations come from mmap and are returned to the
// system on free, so every new tensor would pay page faults on first touch;
// caching freed blocks by size (see Note [CPU block cache]) lets the next
// tensor of that size reuse warm pages, as PyTorch's CUDA caching allocator
// does for device memory.
//
// Note [CPU block cache]
// Blocks of at least kMinCached bytes are rounded up to a multiple of 64 KiB
// and kept, on free, in a free list per rounded size, up to kMaxCached bytes
// in total (beyond that they go back to the system). EmptyCache() frees
// them. Smaller blocks go straight to malloc, which has its own free lists.
// Blocks of at least kHugePageBytes (rounded) are mapped by MapHugePages
// (Note [Huge pages]) instead of malloc: a 64 MiB tensor then faults in 32
// huge pages on first touch instead of 16384 small ones (~13 us each on the
// VM this was written on; the first BM_MulScalar_Aot or BM_Relu_Aot call of
// bench:cpu_elementwise_benchmark in a fresh process went from 113-131 ms
// to 4-70 ms, its page faults from 33k to 550). Steady-state kernels did
// not measurably change, the transposed add included. The rounded size
// alone says which way a block came, so Deallocate and EmptyCache give it
// back the same way.
class CpuAllocator final : public Allocator {
 public:
  static constexpr size_t kMinCached = size_t{1} << 20;
  static constexpr size_t kMaxCached = size_t{2} << 30;

  Device device() const override { return Device::Cpu(); }

  absl::StatusOr<void*> Allocate(size_t bytes) override {
    size_t rounded = Round(bytes);
    void* p = nullptr;
    if (rounded >= kMinCached) {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = cache_.find(rounded);
      if (it != cache_.end() && !it->second.empty()) {
        p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= static_cast<int64_t>(rounded);
      }
    }
    if (p == nullptr) p = Map(rounded);
    if (p == nullptr) {
      return absl::ResourceExhaustedError(absl::StrCat("cpu: out of memory allocating ", bytes, " bytes"));
    }
    int64_t now = allocated_.fetch_add(static_cast<int64_t>(bytes)) + static_cast<int64_t>(bytes);
    int64_t peak = peak_.load();
    while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
    }
    allocations_.fetch_add(1);
    return p;
  }

  void Deallocate(void* ptr, size_t bytes) override {
    allocated_.fetch_sub(static_cast<int64_t>(bytes));
    size_t rounded = Round(bytes);
    if (rounded >= kMinCached) {
      std::lock_guard<std::mutex> lock(mu_);
      if (cached_bytes_ + static_cast<int64_t>(rounded) <= static_cast<int64_t>(kMaxCached)) {
        cache_[rounded].push_back(ptr);
        cached_bytes_ += static_cast<int64_t>(rounded);
        return;
      }
    }
    Unmap(ptr, rounded);
  }

  AllocatorStats stats() const override {
    AllocatorStats s;
    s.allocated_bytes = allocated_.load();
    s.peak_bytes = peak_.load();
    {
      std::lock_guard<std::mutex> lock(mu_);
      s.reserved_bytes = s.allocated_bytes + cached_bytes_;
    }
    s.num_allocations = allocations_.load();
    return s;
  }

  void ResetPeak() override { peak_.store(allocated_.load()); }

  void EmptyCache() override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [size, blocks] : cache_) {
      for (void* p : blocks) Unmap(p, size);
    }
    cache_.clear();
    cached_bytes_ = 0;
  }

 private:
  // A new block of `rounded` bytes (from Round), or nullptr.
  static void* Map(size_t rounded) {
    if (rounded >= kHugePageBytes) return MapHugePages(rounded);
    return std::aligned_alloc(64, rounded);
  }
  // Frees a block of `rounded` bytes that Map returned.
  static void Unmap(void* p, size_t rounded) {
    if (rounded >= kHugePageBytes) {
      UnmapHugePages(p, rounded);
    } else {
      std::free(p);
    }
  }

  static size_t Round(size_t bytes) {
    size_t b = std::max<size_t>(bytes, 1);
    if (b >= kMinCached) return (b + 65535) / 65536 * 65536;
    return (b + 63) / 64 * 64;
  }

  std::atomic<int64_t> allocated_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<int64_t> allocations_{0};
  mutable std::mutex mu_;
  absl::flat_hash_map<size_t, std::vector<void*>> cache_;
  int64_t cached_bytes_ = 0;
};

struct Registry {
  std::mutex mu;
  Allocator* by_type[3] = {nullptr, nullptr, nullptr};
};

Registry& GetRegistry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    static CpuAllocator* cpu = new CpuAllocator;
    reg->by_type[static_cast<int>(Device::Type::kCpu)] = cpu;
    return reg;
  }();
  return *r;
}

}  // namespace

absl::StatusOr<Allocator*> GetAllocator(Device device) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  Allocator* a = r.by_type[static_cast<int>(device.type())];
  if (a == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("no allocator for device ", device.ToString(),
                                                      device.is_cuda() ? " (the CUDA backend is not linked in)" : ""));
  }
  return a;
}

void RegisterAllocator(Device::Type type, Allocator* allocator) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.by_type[static_cast<int>(type)] = allocator;
}

absl::StatusOr<std::shared_ptr<Storage>> Storage::Allocate(size_t bytes, Device device) {
  absl::StatusOr<Allocator*> a = GetAllocator(device);
  if (!a.ok()) return a.status();
  absl::StatusOr<void*> p = (*a)->Allocate(bytes);
  if (!p.ok()) return p.status();
  return std::shared_ptr<Storage>(new Storage(*p, bytes, device, *a, nullptr));
}

std::shared_ptr<Storage> Storage::FromBlob(void* data, size_t bytes, Device device,
                                           std::function<void(void*)> deleter) {
  return std::shared_ptr<Storage>(new Storage(data, bytes, device, nullptr, std::move(deleter)));
}

Storage::~Storage() {
  if (allocator_ != nullptr) {
    allocator_->Deallocate(data_, nbytes_);
  } else if (deleter_) {
    deleter_(data_);
  }
}

}  // namespace aot
