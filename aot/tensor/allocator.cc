#include "aot/tensor/allocator.h"

#include <atomic>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "aot/base/block_cache.h"

namespace aot {
namespace {

// The CPU allocator: 64-byte aligned memory with stats, and a cache of large
// freed blocks. Large allocations come from mmap and are returned to the
// system on free, so every new tensor would pay page faults on first touch;
// caching freed blocks by size (a BlockCache, Note [Block cache] in
// aot/base/block_cache.cc, up to kMaxCached bytes; EmptyCache() frees them)
// lets the next tensor of that size reuse warm pages, as PyTorch's CUDA
// caching allocator does for device memory.
class CpuAllocator final : public Allocator {
 public:
  static constexpr size_t kMaxCached = size_t{2} << 30;

  Device device() const override { return Device::Cpu(); }

  absl::StatusOr<void*> Allocate(size_t bytes) override {
    void* p = cache_.Take(BlockCache::Round(bytes));
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
    cache_.Give(ptr, BlockCache::Round(bytes));
  }

  AllocatorStats stats() const override {
    AllocatorStats s;
    s.allocated_bytes = allocated_.load();
    s.peak_bytes = peak_.load();
    s.reserved_bytes = s.allocated_bytes + static_cast<int64_t>(cache_.cached_bytes());
    s.num_allocations = allocations_.load();
    return s;
  }

  void ResetPeak() override { peak_.store(allocated_.load()); }

  void EmptyCache() override { cache_.Empty(); }

 private:
  std::atomic<int64_t> allocated_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<int64_t> allocations_{0};
  BlockCache cache_{kMaxCached};
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
