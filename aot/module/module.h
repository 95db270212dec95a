// aot::Module: the base class of layers and models, like torch.nn.Module. A
// module owns named parameters (trainable tensors), named buffers (state
// such as batch-norm running statistics) and named child modules; names
// compose with dots ("layer1.0.conv1.weight") in registration order.
//
//   class TwoLayer : public Module {
//    public:
//     TwoLayer() {
//       fc1_ = RegisterModule("fc1", std::make_shared<Linear>(4, 8, /*bias=*/true, /*seed=*/1));
//       fc2_ = RegisterModule("fc2", std::make_shared<Linear>(8, 2, /*bias=*/true, /*seed=*/2));
//     }
//     Tensor Forward(const Tensor& x) override {
//       const Tensor h = (*fc1_)(x).relu();
//       return (*fc2_)(h);
//     }
//    private:
//     std::shared_ptr<Linear> fc1_, fc2_;
//   };
//
//   TwoLayer net;
//   net.Train();
//   Tensor loss = net(x).pow(2.0).mean();
//   AOT_RETURN_IF_ERROR(loss.backward());   // Grads of net.Parameters().
//
// Layers are in layers.h, optimizers in optimizers.h, saving and loading in
// state_dict.h; docs/modules.md has a training loop.
//
// Note [Parameter slots]
// Every parameter and buffer lives in a slot: a Tensor owned by the module
// that registered it, at an address that never changes. Forward reads its
// weights only through these slots (the layers keep a pointer to the slot,
// never a copy of the handle), so a caller that swaps other tensors into the
// slots (NamedParameterAndBufferSlots; aot_module swaps in fake tensors
// while it traces) changes what Forward sees, and restores them afterwards.
// Forward writes state (running statistics) into a buffer in place, with
// copy_ under NoGradGuard, so that a trace records a mutation of that input.
//
// Note [Moving in place]
// To(device) keeps each parameter's and buffer's TensorImpl (its id, its
// requires_grad, the handles optimizers hold) and swaps the storage under
// it, as PyTorch's `param.data = param.data.to(device)` does; the gradient,
// if any, moves the same way. So an optimizer made before To() stays valid.
#ifndef AOT_MODULE_MODULE_H_
#define AOT_MODULE_MODULE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "aot/tensor/tensor.h"

namespace aot {

// (name, tensor) pairs in a deterministic order.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// The base of every layer and model. Not copyable or movable: the layers
// point into their own slots (see Note [Parameter slots]). Share modules
// with std::shared_ptr.
class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // A short type name for errors ("Linear", "BatchNorm2d").
  virtual std::string name() const { return "Module"; }

  // Computes the module's output for one input. The default returns an
  // Unimplemented error tensor (a module with several inputs overrides
  // ForwardMulti instead). Errors come back as error tensors
  // (Note [Error tensors] in tensor.h).
  virtual Tensor Forward(const Tensor& x);
  // Computes the outputs for several inputs. The default calls Forward on
  // the single input, and returns one InvalidArgument error tensor for any
  // other count.
  virtual std::vector<Tensor> ForwardMulti(const std::vector<Tensor>& inputs);
  // Calls Forward.
  Tensor operator()(const Tensor& x) { return Forward(x); }

  // --- Registration ---------------------------------------------------------
  // Each name is non-empty, has no '.', and is unique among this module's
  // parameters, buffers and children (AOT_CHECKed: a programming error).

  // Takes `t` as parameter `name`, marks it as requiring grad (if it is a
  // floating-point tensor) and returns its slot, whose address is stable for
  // the module's lifetime. An error tensor is kept as is (status() reports
  // it; Forward returns it).
  Tensor& RegisterParameter(std::string name, Tensor t);
  // Takes `t` as buffer `name` (never requires grad) and returns its slot.
  Tensor& RegisterBuffer(std::string name, Tensor t);
  // Adds `module` as child `name` and returns it.
  template <typename M>
  std::shared_ptr<M> RegisterModule(std::string name, std::shared_ptr<M> module) {
    static_assert(std::is_base_of_v<Module, M>, "RegisterModule takes a Module");
    AddChild(std::move(name), module);
    return module;
  }

  // --- Traversal (registration order, children after own tensors) ---------

  // The parameters of this module and its descendants, with dotted names.
  // A module registered at two places contributes its tensors once (under
  // the first name).
  NamedTensors NamedParameters() const;
  NamedTensors NamedBuffers() const;
  std::vector<Tensor> Parameters() const;
  std::vector<Tensor> Buffers() const;
  // The slots Forward reads: all parameters (recursively), then all buffers
  // (recursively), named as NamedParameters and NamedBuffers name them. The
  // pointers stay valid while the module lives; a caller may assign other
  // tensors to them and must restore the originals (Note [Parameter slots]).
  std::vector<std::pair<std::string, Tensor*>> NamedParameterAndBufferSlots();
  // The direct children, in registration order.
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& NamedChildren() const { return children_; }
  // The total number of parameter elements.
  int64_t NumParameters() const;
  // OK, or the first error among the parameters and buffers (with its name).
  absl::Status status() const;

  // --- State ----------------------------------------------------------------

  // Sets training mode (dropout active, batch statistics) on this module and
  // its descendants.
  void Train(bool on = true);
  // Train(false).
  void Eval() { Train(false); }
  bool is_training() const { return training_; }

  // Moves every parameter and buffer (and their gradients) to `device`,
  // keeping their identity and requires_grad (Note [Moving in place]).
  // FailedPrecondition if `device` has no allocator (a CUDA device without
  // the CUDA backend); nothing moves on error.
  absl::Status To(Device device);

  // Resets the gradient of every parameter to undefined.
  void ZeroGrad();

 private:
  struct Slot {
    std::string name;
    std::unique_ptr<Tensor> tensor;
  };

  void AddChild(std::string name, std::shared_ptr<Module> module);
  void CheckNewName(const std::string& name) const;
  // Appends (prefix + name, slot) for the parameters (or buffers) of this
  // module and its descendants; `seen` drops a module met twice.
  void CollectSlots(const std::string& prefix, bool parameters, std::vector<const Module*>& seen,
                    std::vector<std::pair<std::string, Tensor*>>& out) const;
  std::vector<std::pair<std::string, Tensor*>> Slots(bool parameters) const;

  bool training_ = true;
  std::vector<Slot> parameters_;
  std::vector<Slot> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

}  // namespace aot

#endif  // AOT_MODULE_MODULE_H_
