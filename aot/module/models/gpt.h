// A GPT-style decoder-only transformer (after nanoGPT's model.py): token and
// position embeddings, N pre-LayerNorm blocks of causal multi-head
// self-attention and a GELU MLP with residual connections, a final
// LayerNorm and a linear head to vocabulary logits.
//
//   GPTConfig config{.vocab_size = 128, .block_size = 32, .n_layer = 2, .n_head = 4, .n_embd = 64};
//   auto gpt = std::make_shared<GPT>(config);
//   Tensor logits = (*gpt)(tokens);            // tokens: i64[B, T] -> f32[B, T, V]
//   Tensor loss = cross_entropy(logits.reshape({-1, 128}), targets.reshape({-1}));
//
// Initialisation follows nanoGPT: Linear and Embedding weights normal(0,
// 0.02), biases zero, and the residual projections (attn.c_proj, mlp.c_proj)
// normal(0, 0.02 / sqrt(2 * n_layer)); drawn deterministically from
// config.seed. Unlike nanoGPT the head is not tied to the token embedding.
#ifndef AOT_MODULE_MODELS_GPT_H_
#define AOT_MODULE_MODELS_GPT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "aot/module/layers.h"
#include "aot/module/module.h"
#include "aot/tensor/tensor.h"

namespace aot::models {

struct GPTConfig {
  int64_t vocab_size = 64;
  // The longest sequence (size of the position embedding).
  int64_t block_size = 16;
  int64_t n_layer = 2;
  int64_t n_head = 2;
  // Embedding width; a multiple of n_head.
  int64_t n_embd = 32;
  double dropout = 0.0;
  // Biases in the Linear layers.
  bool bias = true;
  // The MLP's GELU: "tanh" (GPT-2) or "none".
  std::string gelu_approximate = "tanh";
  uint64_t seed = 0;
};

// Returns the [T, T] bool mask that is true above the diagonal (the future
// positions a causal attention must not see), on `device`.
Tensor CausalMask(int64_t t, Device device = Device::Cpu());

// Multi-head self-attention over [B, T, C] where position t attends to
// positions <= t: q, k, v from one Linear (c_attn, C -> 3C), softmax(q k^T /
// sqrt(C / n_head)) with the future masked to -inf, and an output Linear
// (c_proj).
class CausalSelfAttention : public Module {
 public:
  CausalSelfAttention(const GPTConfig& config, SeedSequence& seeds);
  std::string name() const override { return "CausalSelfAttention"; }
  Tensor Forward(const Tensor& x) override;

 private:
  int64_t n_head_;
  int64_t n_embd_;
  std::shared_ptr<Linear> c_attn_;
  std::shared_ptr<Linear> c_proj_;
  std::shared_ptr<Dropout> attn_dropout_;
  std::shared_ptr<Dropout> resid_dropout_;
};

// Linear (C -> 4C), GELU, Linear (4C -> C), dropout.
class MLP : public Module {
 public:
  MLP(const GPTConfig& config, SeedSequence& seeds);
  std::string name() const override { return "MLP"; }
  Tensor Forward(const Tensor& x) override;

 private:
  std::shared_ptr<Linear> c_fc_;
  std::shared_ptr<GELU> gelu_;
  std::shared_ptr<Linear> c_proj_;
  std::shared_ptr<Dropout> dropout_;
};

// x = x + attn(ln_1(x)); x = x + mlp(ln_2(x)).
class Block : public Module {
 public:
  Block(const GPTConfig& config, SeedSequence& seeds);
  std::string name() const override { return "Block"; }
  Tensor Forward(const Tensor& x) override;

 private:
  std::shared_ptr<LayerNorm> ln_1_;
  std::shared_ptr<CausalSelfAttention> attn_;
  std::shared_ptr<LayerNorm> ln_2_;
  std::shared_ptr<MLP> mlp_;
};

class GPT : public Module {
 public:
  explicit GPT(const GPTConfig& config);
  std::string name() const override { return "GPT"; }
  // Maps i64[B, T] token ids (T <= block_size) to f32[B, T, vocab_size]
  // logits; InvalidArgument for another rank, dtype or a longer sequence.
  Tensor Forward(const Tensor& tokens) override;

  const GPTConfig& config() const { return config_; }

 private:
  GPTConfig config_;
  std::shared_ptr<Embedding> wte_;
  std::shared_ptr<Embedding> wpe_;
  std::shared_ptr<Dropout> drop_;
  std::shared_ptr<Sequential> h_;
  std::shared_ptr<LayerNorm> ln_f_;
  std::shared_ptr<Linear> lm_head_;
};

}  // namespace aot::models

#endif  // AOT_MODULE_MODELS_GPT_H_
