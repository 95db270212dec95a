#include "aot/backends/cpu/strided.h"

#include <cstring>

#include "aot/backends/cpu/cpu_utils.h"

namespace aot::cpu {

int64_t SizeProduct(absl::Span<const int64_t> sizes, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= sizes[i];
  return n;
}

Tensor ContiguousCopy(const Tensor& t, DType dtype) {
  if (!t.ok()) return t;
  Tensor out = Tensor::Empty(t.sizes(), dtype, Device::Cpu());
  if (!out.ok() || t.numel() == 0) return out;
  const bool contiguous = t.is_contiguous();
  VisitDType(t.dtype(), [&]<typename S>() {
    VisitDType(dtype, [&]<typename D>() {
      const S* src = t.data_ptr<S>();
      D* dst = out.data_ptr<D>();
      if (contiguous && std::is_same_v<S, D>) {
        std::memcpy(static_cast<void*>(dst), static_cast<const void*>(src), t.numel() * sizeof(D));
        return;
      }
      ParallelFor(t.numel(), kGrain, [&](int64_t b, int64_t e) {
        if (contiguous) {
          for (int64_t i = b; i < e; ++i) dst[i] = ConvertScalar<D>(src[i]);
        } else {
          ForEachOffset<1>(t.sizes(), {t.strides()}, b, e,
                           [&](int64_t i, const std::array<int64_t, 1>& o) { dst[i] = ConvertScalar<D>(src[o[0]]); });
        }
      });
    });
  });
  return out;
}

}  // namespace aot::cpu
