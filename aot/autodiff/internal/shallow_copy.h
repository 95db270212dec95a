#ifndef AOT_AUTODIFF_INTERNAL_SHALLOW_COPY_H_
#define AOT_AUTODIFF_INTERNAL_SHALLOW_COPY_H_

#include "aot/tensor/tensor.h"

namespace aot::autodiff::internal {

// Returns a new tensor sharing `t`'s storage and layout, with no autograd
// state. With `same_id`, it also has `t`'s id, so the tracer (which maps
// tensors to graph values by id) sees it as the same value (see Note [Saved
// tensors] in engine.cc).
inline Tensor ShallowCopy(const Tensor& t, bool same_id) {
  std::shared_ptr<TensorImpl> impl = NewTensorImpl();
  const TensorImpl& src = *t.impl();
  impl->storage = src.storage;
  impl->offset = src.offset;
  impl->sizes = src.sizes;
  impl->strides = src.strides;
  impl->dtype = src.dtype;
  impl->device = src.device;
  impl->version = src.version;
  if (same_id) impl->id = src.id;
  return Tensor(std::move(impl));
}

}  // namespace aot::autodiff::internal

#endif  // AOT_AUTODIFF_INTERNAL_SHALLOW_COPY_H_
