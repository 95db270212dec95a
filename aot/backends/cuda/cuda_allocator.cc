#include "aot/backends/cuda/cuda_allocator.h"

#include <algorithm>
#include <bit>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "aot/backends/cuda/cuda_status.h"
#include "cuda_runtime_api.h"

namespace aot::cuda {
namespace {

constexpr int kMaxDevices = 64;

struct Block {
  size_t size = 0;  // Rounded.
  int device = 0;
};

// The state of one device. See Note [CUDA caching allocator].
struct DevicePool {
  absl::flat_hash_map<size_t, std::vector<void*>> free_blocks;
  int64_t cached_bytes = 0;
  AllocatorStats stats;
};

class CachingAllocator final : public Allocator {
 public:
  Device device() const override {
    int d = 0;
    cudaGetDevice(&d);
    return Device::Cuda(d);
  }

  absl::StatusOr<void*> Allocate(size_t bytes) override {
    int dev = 0;
    if (cudaError_t e = cudaGetDevice(&dev); e != cudaSuccess) {
      cudaGetLastError();
      return CudaStatus(e, "cuda allocator: cudaGetDevice");
    }
    if (dev < 0 || dev >= kMaxDevices) return absl::InternalError(absl::StrCat("cuda allocator: device ", dev));
    const size_t size = RoundSize(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    DevicePool& pool = pools_[dev];
    void* p = nullptr;
    auto it = pool.free_blocks.find(size);
    if (it != pool.free_blocks.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      pool.cached_bytes -= static_cast<int64_t>(size);
    } else {
      cudaError_t err = cudaMalloc(&p, size);
      if (err == cudaErrorMemoryAllocation) {
        cudaGetLastError();
        FreeCached(dev);
        err = cudaMalloc(&p, size);
      }
      if (err != cudaSuccess) {
        cudaGetLastError();
        if (err != cudaErrorMemoryAllocation) return CudaStatus(err, absl::StrCat("cuda:", dev, ": cudaMalloc"));
        size_t free_b = 0, total_b = 0;
        cudaMemGetInfo(&free_b, &total_b);
        return absl::ResourceExhaustedError(absl::StrCat(
            "cuda:", dev, ": out of memory allocating ", bytes, " bytes (", size, " rounded); the device has ",
            free_b, " bytes free of ", total_b, "; this allocator holds ", pool.stats.reserved_bytes,
            " bytes, ", pool.stats.allocated_bytes, " of them in use"));
      }
      pool.stats.reserved_bytes += static_cast<int64_t>(size);
    }
    live_[p] = Block{size, dev};
    pool.stats.allocated_bytes += static_cast<int64_t>(bytes);
    pool.stats.peak_bytes = std::max(pool.stats.peak_bytes, pool.stats.allocated_bytes);
    ++pool.stats.num_allocations;
    return p;
  }

  void Deallocate(void* ptr, size_t bytes) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;
    const Block b = it->second;
    live_.erase(it);
    DevicePool& pool = pools_[b.device];
    pool.stats.allocated_bytes -= static_cast<int64_t>(bytes);
    pool.free_blocks[b.size].push_back(ptr);
    pool.cached_bytes += static_cast<int64_t>(b.size);
  }

  AllocatorStats stats() const override {
    std::lock_guard<std::mutex> lock(mu_);
    AllocatorStats s;
    for (const DevicePool& p : pools_) {
      s.allocated_bytes += p.stats.allocated_bytes;
      s.reserved_bytes += p.stats.reserved_bytes;
      s.peak_bytes += p.stats.peak_bytes;
      s.num_allocations += p.stats.num_allocations;
    }
    return s;
  }

  AllocatorStats DeviceStats(int device) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (device < 0 || device >= kMaxDevices) return AllocatorStats{};
    return pools_[device].stats;
  }

  void ResetPeak() override {
    std::lock_guard<std::mutex> lock(mu_);
    for (DevicePool& p : pools_) p.stats.peak_bytes = p.stats.allocated_bytes;
  }

  void EmptyCache() override {
    std::lock_guard<std::mutex> lock(mu_);
    for (int d = 0; d < kMaxDevices; ++d) {
      if (pools_[d].cached_bytes > 0) FreeCached(d);
    }
  }

 private:
  // Returns the cached blocks of device `dev` to CUDA. Holds mu_.
  void FreeCached(int dev) {
    DevicePool& pool = pools_[dev];
    int saved = 0;
    cudaGetDevice(&saved);
    if (saved != dev) cudaSetDevice(dev);
    for (auto& [size, blocks] : pool.free_blocks) {
      for (void* p : blocks) {
        cudaFree(p);
        pool.stats.reserved_bytes -= static_cast<int64_t>(size);
      }
    }
    pool.free_blocks.clear();
    pool.cached_bytes = 0;
    if (saved != dev) cudaSetDevice(saved);
  }

  mutable std::mutex mu_;
  DevicePool pools_[kMaxDevices];
  absl::flat_hash_map<void*, Block> live_;
};

CachingAllocator* Instance() {
  static CachingAllocator* a = new CachingAllocator;
  return a;
}

const bool kRegistered = [] {
  RegisterAllocator(Device::Type::kCuda, Instance());
  return true;
}();

}  // namespace

size_t RoundSize(size_t bytes) {
  constexpr size_t kMin = 512;
  if (bytes <= 4096) return std::max<size_t>((bytes + kMin - 1) / kMin * kMin, kMin);
  const size_t top = std::bit_floor(bytes);
  const size_t step = top / 4;
  return (bytes + step - 1) / step * step;
}

AllocatorStats MemoryStats(int device) { return Instance()->DeviceStats(device); }

void EmptyCache() { Instance()->EmptyCache(); }

Allocator* GetCudaAllocator() {
  (void)kRegistered;
  return Instance();
}

}  // namespace aot::cuda
