#include "aot/backends/cpu/strided.h"

#include "aot/backends/cpu/elementwise.h"

namespace aot::cpu {

int64_t SizeProduct(absl::Span<const int64_t> sizes, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i) n *= sizes[i];
  return n;
}

void CopyInto(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  VisitDType(dst.dtype(), [&]<typename D>() {
    VisitDType(src.dtype(), [&]<typename S>() { MapUnary<D, S>(dst, src, [](S v) { return ConvertScalar<D>(v); }); });
  });
}

Tensor ContiguousCopy(const Tensor& t, DType dtype) {
  if (!t.ok()) return t;
  Tensor out = Tensor::Empty(t.sizes(), dtype, Device::Cpu());
  if (!out.ok()) return out;
  CopyInto(out, t);
  return out;
}

Tensor Contiguous(const Tensor& t, DType dtype) {
  if (!t.ok()) return t;
  if (t.dtype() == dtype && t.is_contiguous()) return t;
  return ContiguousCopy(t, dtype);
}

}  // namespace aot::cpu
