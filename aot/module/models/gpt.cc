#include "aot/module/models/gpt.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/ops.h"

namespace aot::models {

namespace {

constexpr double kInitStddev = 0.02;

Tensor Invalid(const std::string& module, const std::string& what) {
  return Tensor::Error(absl::InvalidArgumentError(absl::StrCat(module, ": ", what)));
}

// A Linear initialised as nanoGPT's _init_weights: weight normal(0,
// stddev), bias zero. An invalid size leaves the error tensor in place.
std::shared_ptr<Linear> GptLinear(int64_t in, int64_t out, bool bias, double stddev, SeedSequence& seeds) {
  const uint64_t seed = seeds.Next();
  auto linear = std::make_shared<Linear>(in, out, bias, seed);
  if (!linear->weight().ok()) return linear;
  AOT_CHECK_OK(InitInPlace(linear->weight(), NormalInit({out, in}, stddev, seed)));
  if (linear->bias() != nullptr) AOT_CHECK_OK(InitInPlace(*linear->bias(), zeros({out})));
  return linear;
}

std::shared_ptr<Embedding> GptEmbedding(int64_t num, int64_t dim, SeedSequence& seeds) {
  const uint64_t seed = seeds.Next();
  auto embedding = std::make_shared<Embedding>(num, dim, seed);
  if (!embedding->weight().ok()) return embedding;
  AOT_CHECK_OK(InitInPlace(embedding->weight(), NormalInit({num, dim}, kInitStddev, seed)));
  return embedding;
}

double ResidualStddev(const GPTConfig& config) {
  return kInitStddev / std::sqrt(2.0 * static_cast<double>(std::max<int64_t>(config.n_layer, 1)));
}

}  // namespace

Tensor CausalMask(int64_t t, Device device) {
  const Tensor all = ones({t, t}, {.dtype = DType::kBool, .device = device});
  return triu(all, /*diagonal=*/1);
}

// --- CausalSelfAttention ---------------------------------------------------------------------

CausalSelfAttention::CausalSelfAttention(const GPTConfig& config, SeedSequence& seeds)
    : n_head_(config.n_head), n_embd_(config.n_embd) {
  c_attn_ = RegisterModule("c_attn", GptLinear(n_embd_, 3 * n_embd_, config.bias, kInitStddev, seeds));
  c_proj_ = RegisterModule("c_proj", GptLinear(n_embd_, n_embd_, config.bias, ResidualStddev(config), seeds));
  attn_dropout_ = RegisterModule("attn_dropout", std::make_shared<Dropout>(config.dropout));
  resid_dropout_ = RegisterModule("resid_dropout", std::make_shared<Dropout>(config.dropout));
}

Tensor CausalSelfAttention::Forward(const Tensor& x) {
  if (!x.ok()) return x;
  if (n_head_ <= 0 || n_embd_ % n_head_ != 0) {
    return Invalid(name(), absl::StrCat("n_embd ", n_embd_, " is not a multiple of n_head ", n_head_));
  }
  if (x.dim() != 3 || x.size(2) != n_embd_) {
    return Invalid(name(), absl::StrCat("expected [B, T, ", n_embd_, "], got ", x.meta().ToString()));
  }
  const int64_t b = x.size(0), t = x.size(1), c = n_embd_, hd = c / n_head_;
  const Tensor qkv = (*c_attn_)(x);
  // [B, T, C] slices -> [B, n_head, T, head_dim].
  const Tensor q = qkv.slice(2, 0, c).reshape({b, t, n_head_, hd}).transpose(1, 2);
  const Tensor k = qkv.slice(2, c, 2 * c).reshape({b, t, n_head_, hd}).transpose(1, 2);
  const Tensor v = qkv.slice(2, 2 * c, 3 * c).reshape({b, t, n_head_, hd}).transpose(1, 2);
  const Tensor k_t = k.transpose(2, 3);
  const Tensor scores = matmul(q, k_t);
  const Tensor scaled = scores * (1.0 / std::sqrt(static_cast<double>(hd)));
  const Tensor mask = CausalMask(t, x.device());
  const Tensor masked = scaled.masked_fill(mask, -std::numeric_limits<double>::infinity());
  const Tensor probs = softmax(masked, -1);
  const Tensor dropped = (*attn_dropout_)(probs);
  const Tensor y = matmul(dropped, v);                          // [B, n_head, T, head_dim]
  const Tensor merged = y.transpose(1, 2).reshape({b, t, c});  // [B, T, C]
  const Tensor projected = (*c_proj_)(merged);
  return (*resid_dropout_)(projected);
}

// --- MLP and Block ----------------------------------------------------------------------------

MLP::MLP(const GPTConfig& config, SeedSequence& seeds) {
  c_fc_ = RegisterModule("c_fc", GptLinear(config.n_embd, 4 * config.n_embd, config.bias, kInitStddev, seeds));
  gelu_ = RegisterModule("gelu", std::make_shared<GELU>(config.gelu_approximate));
  c_proj_ =
      RegisterModule("c_proj", GptLinear(4 * config.n_embd, config.n_embd, config.bias, ResidualStddev(config), seeds));
  dropout_ = RegisterModule("dropout", std::make_shared<Dropout>(config.dropout));
}

Tensor MLP::Forward(const Tensor& x) {
  Tensor h = (*c_fc_)(x);
  h = (*gelu_)(h);
  h = (*c_proj_)(h);
  return (*dropout_)(h);
}

Block::Block(const GPTConfig& config, SeedSequence& seeds) {
  ln_1_ = RegisterModule("ln_1", std::make_shared<LayerNorm>(std::vector<int64_t>{config.n_embd}));
  attn_ = RegisterModule("attn", std::make_shared<CausalSelfAttention>(config, seeds));
  ln_2_ = RegisterModule("ln_2", std::make_shared<LayerNorm>(std::vector<int64_t>{config.n_embd}));
  mlp_ = RegisterModule("mlp", std::make_shared<MLP>(config, seeds));
}

Tensor Block::Forward(const Tensor& x) {
  const Tensor a = (*ln_1_)(x);
  const Tensor attended = (*attn_)(a);
  const Tensor x1 = x + attended;
  const Tensor m = (*ln_2_)(x1);
  const Tensor mixed = (*mlp_)(m);
  return x1 + mixed;
}

// --- GPT --------------------------------------------------------------------------------------

GPT::GPT(const GPTConfig& config) : config_(config) {
  SeedSequence seeds(config.seed);
  wte_ = RegisterModule("wte", GptEmbedding(config.vocab_size, config.n_embd, seeds));
  wpe_ = RegisterModule("wpe", GptEmbedding(config.block_size, config.n_embd, seeds));
  drop_ = RegisterModule("drop", std::make_shared<Dropout>(config.dropout));
  h_ = RegisterModule("h", std::make_shared<Sequential>());
  for (int64_t i = 0; i < config.n_layer; ++i) h_->Add(std::make_shared<Block>(config, seeds));
  ln_f_ = RegisterModule("ln_f", std::make_shared<LayerNorm>(std::vector<int64_t>{config.n_embd}));
  lm_head_ =
      RegisterModule("lm_head", GptLinear(config.n_embd, config.vocab_size, /*bias=*/false, kInitStddev, seeds));
}

Tensor GPT::Forward(const Tensor& tokens) {
  if (!tokens.ok()) return tokens;
  if (tokens.dim() != 2 || tokens.dtype() != DType::kInt64) {
    return Invalid(name(), absl::StrCat("expected i64[B, T] token ids, got ", tokens.meta().ToString()));
  }
  const int64_t t = tokens.size(1);
  if (t > config_.block_size) {
    return Invalid(name(), absl::StrCat("sequence length ", t, " exceeds block_size ", config_.block_size));
  }
  const Tensor positions = arange(0, static_cast<double>(t), 1, DType::kInt64, tokens.device());
  const Tensor token_embedding = (*wte_)(tokens);       // [B, T, C]
  const Tensor position_embedding = (*wpe_)(positions);  // [T, C]
  Tensor x = token_embedding + position_embedding;
  x = (*drop_)(x);
  x = (*h_)(x);
  x = (*ln_f_)(x);
  return (*lm_head_)(x);
}

}  // namespace aot::models
