#include "aot/module/module.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/ir/dtype.h"
#include "aot/tensor/allocator.h"

namespace aot {

Tensor Module::Forward(const Tensor& x) {
  return Tensor::Error(absl::UnimplementedError(
      absl::StrCat(name(), ": Forward(const Tensor&) is not implemented; override Forward or ForwardMulti")));
}

std::vector<Tensor> Module::ForwardMulti(const std::vector<Tensor>& inputs) {
  if (inputs.size() != 1) {
    return {Tensor::Error(absl::InvalidArgumentError(absl::StrCat(
        name(), ": Forward takes 1 input, got ", inputs.size(), "; override ForwardMulti for more")))};
  }
  return {Forward(inputs[0])};
}

void Module::CheckNewName(const std::string& name) const {
  AOT_CHECK(!name.empty()) << this->name() << ": empty parameter, buffer or module name";
  AOT_CHECK(name.find('.') == std::string::npos) << this->name() << ": name '" << name << "' contains '.'";
  auto same = [&](const auto& entry) { return entry.name == name; };
  AOT_CHECK(std::none_of(parameters_.begin(), parameters_.end(), same) &&
            std::none_of(buffers_.begin(), buffers_.end(), same) &&
            std::none_of(children_.begin(), children_.end(), [&](const auto& c) { return c.first == name; }))
      << this->name() << ": name '" << name << "' is already registered";
}

Tensor& Module::RegisterParameter(std::string name, Tensor t) {
  CheckNewName(name);
  if (t.ok() && ir::IsFloating(t.dtype())) t.set_requires_grad(true);
  parameters_.push_back({std::move(name), std::make_unique<Tensor>(std::move(t))});
  return *parameters_.back().tensor;
}

Tensor& Module::RegisterBuffer(std::string name, Tensor t) {
  CheckNewName(name);
  if (t.requires_grad()) t = t.detach();
  buffers_.push_back({std::move(name), std::make_unique<Tensor>(std::move(t))});
  return *buffers_.back().tensor;
}

void Module::AddChild(std::string name, std::shared_ptr<Module> module) {
  CheckNewName(name);
  AOT_CHECK(module != nullptr) << this->name() << ": child '" << name << "' is null";
  children_.emplace_back(std::move(name), std::move(module));
}

void Module::CollectSlots(const std::string& prefix, bool parameters, std::vector<const Module*>& seen,
                          std::vector<std::pair<std::string, Tensor*>>& out) const {
  if (std::find(seen.begin(), seen.end(), this) != seen.end()) return;
  seen.push_back(this);
  for (const Slot& s : parameters ? parameters_ : buffers_) out.emplace_back(prefix + s.name, s.tensor.get());
  for (const auto& [name, child] : children_) child->CollectSlots(prefix + name + ".", parameters, seen, out);
}

std::vector<std::pair<std::string, Tensor*>> Module::Slots(bool parameters) const {
  std::vector<std::pair<std::string, Tensor*>> out;
  std::vector<const Module*> seen;
  CollectSlots("", parameters, seen, out);
  return out;
}

NamedTensors Module::NamedParameters() const {
  NamedTensors out;
  for (const auto& [name, slot] : Slots(/*parameters=*/true)) out.emplace_back(name, *slot);
  return out;
}

NamedTensors Module::NamedBuffers() const {
  NamedTensors out;
  for (const auto& [name, slot] : Slots(/*parameters=*/false)) out.emplace_back(name, *slot);
  return out;
}

std::vector<Tensor> Module::Parameters() const {
  std::vector<Tensor> out;
  for (const auto& [name, slot] : Slots(/*parameters=*/true)) out.push_back(*slot);
  return out;
}

std::vector<Tensor> Module::Buffers() const {
  std::vector<Tensor> out;
  for (const auto& [name, slot] : Slots(/*parameters=*/false)) out.push_back(*slot);
  return out;
}

std::vector<std::pair<std::string, Tensor*>> Module::NamedParameterAndBufferSlots() {
  std::vector<std::pair<std::string, Tensor*>> out = Slots(/*parameters=*/true);
  std::vector<std::pair<std::string, Tensor*>> buffers = Slots(/*parameters=*/false);
  out.insert(out.end(), buffers.begin(), buffers.end());
  return out;
}

int64_t Module::NumParameters() const {
  int64_t n = 0;
  for (const auto& [name, slot] : Slots(/*parameters=*/true)) n += slot->numel();
  return n;
}

absl::Status Module::status() const {
  for (bool parameters : {true, false}) {
    for (const auto& [name, slot] : Slots(parameters)) {
      absl::Status s = slot->status();
      if (!s.ok()) {
        return absl::Status(s.code(), absl::StrCat(this->name(), ": ", parameters ? "parameter '" : "buffer '",
                                                   name, "': ", s.message()));
      }
    }
  }
  return absl::OkStatus();
}

void Module::Train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->Train(on);
}

namespace {

// Points `impl` at the data of `moved` (same sizes, another device); see
// Note [Moving in place].
void MoveImplTo(TensorImpl* impl, const Tensor& moved) {
  impl->storage = moved.impl()->storage;
  impl->offset = moved.impl()->offset;
  impl->strides = moved.impl()->strides;
  impl->device = moved.impl()->device;
  ++impl->version;
}

}  // namespace

absl::Status Module::To(Device device) {
  absl::StatusOr<Allocator*> allocator = GetAllocator(device);
  if (!allocator.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(name(), ".To(", device.ToString(), "): ", allocator.status().message()));
  }
  NoGradGuard no_grad;
  // Copies everything first, then commits, so nothing moves on error.
  struct Move {
    Tensor* slot;
    Tensor data;
    Tensor grad;
  };
  std::vector<Move> moves;
  for (const auto& [name, slot] : NamedParameterAndBufferSlots()) {
    if (!slot->ok()) {
      return absl::InvalidArgumentError(absl::StrCat(this->name(), ".To(", device.ToString(), "): '", name,
                                                     "' is not a valid tensor: ", slot->status().message()));
    }
    if (slot->is_fake()) {
      return absl::FailedPreconditionError(
          absl::StrCat(this->name(), ".To(", device.ToString(), "): '", name, "' is a fake tensor"));
    }
    Move m{slot, slot->device() == device ? Tensor() : slot->to(device), Tensor()};
    const Tensor grad = slot->grad();
    if (grad.ok() && grad.device() != device) m.grad = grad.to(device);
    for (const Tensor* t : {&m.data, &m.grad}) {
      if (t->defined() && !t->ok()) {
        return absl::Status(t->status().code(), absl::StrCat(this->name(), ".To(", device.ToString(),
                                                             "): moving '", name, "': ", t->status().message()));
      }
    }
    moves.push_back(std::move(m));
  }
  for (const Move& m : moves) {
    if (m.data.defined()) MoveImplTo(m.slot->impl(), m.data);
    if (m.grad.defined()) MoveImplTo(m.slot->grad().impl(), m.grad);
  }
  return absl::OkStatus();
}

void Module::ZeroGrad() {
  for (const auto& [name, slot] : Slots(/*parameters=*/true)) {
    if (slot->grad().defined()) slot->set_grad(Tensor());
  }
}

}  // namespace aot
