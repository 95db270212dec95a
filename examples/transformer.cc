// Trains a small character-level GPT (pre-LayerNorm blocks, causal
// self-attention, GELU MLP) on a text file that every Debian system ships:
// the GNU GPL version 3 (/usr/share/common-licenses/GPL-3, package
// base-files). Prints the loss as it falls and a sample at the end.
//
//   bazel run --config=opt //examples:transformer -- --steps=300
//
// Flags: --mode=eager|aot (default aot), --steps=N (default 300),
// --text=FILE, --batch=B (16), --block=T (64), --layers=L (2), --heads=H (4),
// --embd=D (64), --lr=F (3e-3), --seed=N (0), --partitioner=default|mincut,
// --device=cpu|cuda|cuda:N (cuda needs the CUDA backend linked and a GPU).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "aot/base/status_macros.h"
#include "aot/module/aot_module.h"
#include "aot/module/models/gpt.h"
#include "aot/module/optimizers.h"
#include "aot/tensor/ops.h"

namespace {

using aot::Tensor;

struct Flags {
  std::string mode = "aot";
  int64_t steps = 300;
  std::string text = "/usr/share/common-licenses/GPL-3";
  int64_t batch = 16;
  int64_t block = 64;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t embd = 64;
  double lr = 3e-3;
  uint64_t seed = 0;
  std::string partitioner = "default";
  aot::Device device = aot::Device::Cpu();
};

absl::StatusOr<Flags> ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    absl::string_view a = argv[i];
    bool ok = false;
    if (absl::ConsumePrefix(&a, "--mode=")) {
      f.mode = std::string(a);
      ok = f.mode == "eager" || f.mode == "aot";
    } else if (absl::ConsumePrefix(&a, "--steps=")) {
      ok = absl::SimpleAtoi(a, &f.steps) && f.steps > 0;
    } else if (absl::ConsumePrefix(&a, "--text=")) {
      f.text = std::string(a);
      ok = true;
    } else if (absl::ConsumePrefix(&a, "--batch=")) {
      ok = absl::SimpleAtoi(a, &f.batch) && f.batch > 0;
    } else if (absl::ConsumePrefix(&a, "--block=")) {
      ok = absl::SimpleAtoi(a, &f.block) && f.block > 1;
    } else if (absl::ConsumePrefix(&a, "--layers=")) {
      ok = absl::SimpleAtoi(a, &f.layers) && f.layers > 0;
    } else if (absl::ConsumePrefix(&a, "--heads=")) {
      ok = absl::SimpleAtoi(a, &f.heads) && f.heads > 0;
    } else if (absl::ConsumePrefix(&a, "--embd=")) {
      ok = absl::SimpleAtoi(a, &f.embd) && f.embd > 0;
    } else if (absl::ConsumePrefix(&a, "--lr=")) {
      ok = absl::SimpleAtod(a, &f.lr) && f.lr > 0;
    } else if (absl::ConsumePrefix(&a, "--seed=")) {
      ok = absl::SimpleAtoi(a, &f.seed);
    } else if (absl::ConsumePrefix(&a, "--device=")) {
      std::optional<aot::Device> d = aot::Device::Parse(a);
      ok = d.has_value() && !d->is_meta();
      if (ok) f.device = *d;
    } else if (absl::ConsumePrefix(&a, "--partitioner=")) {
      f.partitioner = std::string(a);
      ok = f.partitioner == "default" || f.partitioner == "mincut";
    }
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("bad flag ", argv[i]));
  }
  if (f.embd % f.heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat("--embd=", f.embd, " is not a multiple of --heads=", f.heads));
  }
  return f;
}

absl::Status Main(int argc, char** argv) {
  AOT_ASSIGN_OR_RETURN(Flags flags, ParseFlags(argc, argv));
  std::ifstream in(flags.text, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", flags.text, " (pass --text=FILE)"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  if (static_cast<int64_t>(text.size()) < 4 * (flags.block + 1)) {
    return absl::InvalidArgumentError(absl::StrCat(flags.text, " holds ", text.size(),
                                                   " bytes, too few for blocks of ", flags.block));
  }
  // Character vocabulary.
  std::vector<int> id_of(256, -1);
  std::vector<char> char_of;
  for (unsigned char c : text) {
    if (id_of[c] < 0) {
      id_of[c] = static_cast<int>(char_of.size());
      char_of.push_back(static_cast<char>(c));
    }
  }
  std::vector<int64_t> ids(text.size());
  for (size_t i = 0; i < text.size(); ++i) ids[i] = id_of[static_cast<unsigned char>(text[i])];
  // The last tenth is held out.
  const int64_t split = static_cast<int64_t>(ids.size()) * 9 / 10;

  aot::models::GPTConfig config;
  config.vocab_size = static_cast<int64_t>(char_of.size());
  config.block_size = flags.block;
  config.n_layer = flags.layers;
  config.n_head = flags.heads;
  config.n_embd = flags.embd;
  config.seed = flags.seed;
  auto model = std::make_shared<aot::models::GPT>(config);
  AOT_RETURN_IF_ERROR(model->status());
  AOT_RETURN_IF_ERROR(model->To(flags.device));
  std::printf("transformer: %zu characters of %s, vocabulary %lld, %lld parameters, mode %s, device %s\n", text.size(),
              flags.text.c_str(), static_cast<long long>(config.vocab_size),
              static_cast<long long>(model->NumParameters()), flags.mode.c_str(), flags.device.ToString().c_str());
  std::optional<aot::AotModule> compiled;
  if (flags.mode == "aot") {
    AOT_ASSIGN_OR_RETURN(compiled, aot::aot_module(model, {.partition_fn = flags.partitioner == "mincut"
                                                                              ? aot::MinCutPartitionFn()
                                                                              : aot::DefaultPartitionFn()}));
  }
  aot::AdamW opt(model->Parameters(), {.lr = flags.lr, .weight_decay = 0.01});

  std::mt19937_64 rng(flags.seed);
  // A batch of `batch` windows from [lo, hi): inputs and next-character targets.
  auto make_batch = [&](int64_t lo, int64_t hi, Tensor* x, Tensor* y) {
    std::uniform_int_distribution<int64_t> start(lo, hi - flags.block - 1);
    std::vector<int64_t> xs, ys;
    for (int64_t b = 0; b < flags.batch; ++b) {
      int64_t s = start(rng);
      for (int64_t t = 0; t < flags.block; ++t) {
        xs.push_back(ids[s + t]);
        ys.push_back(ids[s + t + 1]);
      }
    }
    *x = aot::from_vector<int64_t>(xs, {flags.batch, flags.block}).to(flags.device);
    *y = aot::from_vector<int64_t>(ys, {flags.batch * flags.block}).to(flags.device);
  };
  auto loss_of = [&](const Tensor& x, const Tensor& y) -> absl::StatusOr<Tensor> {
    Tensor logits;
    if (compiled.has_value()) {
      AOT_ASSIGN_OR_RETURN(logits, compiled->Forward(x));
    } else {
      logits = (*model)(x);
    }
    Tensor loss = aot::cross_entropy(logits.reshape({flags.batch * flags.block, config.vocab_size}), y);
    AOT_RETURN_IF_ERROR(loss.status());
    return loss;
  };

  const auto start = std::chrono::steady_clock::now();
  double first_loss = 0, last_loss = 0, recent = 0;
  int recent_count = 0;
  for (int64_t step = 1; step <= flags.steps; ++step) {
    model->Train();
    Tensor x, y;
    make_batch(0, split, &x, &y);
    AOT_ASSIGN_OR_RETURN(Tensor loss, loss_of(x, y));
    AOT_RETURN_IF_ERROR(loss.backward());
    AOT_RETURN_IF_ERROR(opt.Step());
    opt.ZeroGrad();
    AOT_ASSIGN_OR_RETURN(double l, loss.item());
    if (step == 1) first_loss = l;
    recent += l;
    ++recent_count;
    if (step % 25 == 0 || step == flags.steps) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      // Held-out loss on one batch, without gradients.
      model->Eval();
      double held_out = 0;
      {
        aot::NoGradGuard no_grad;
        Tensor hx, hy;
        make_batch(split, static_cast<int64_t>(ids.size()), &hx, &hy);
        AOT_ASSIGN_OR_RETURN(Tensor hl, loss_of(hx, hy));
        AOT_ASSIGN_OR_RETURN(held_out, hl.item());
      }
      std::printf("step %lld/%lld: train loss %.3f, held-out loss %.3f, %.0f tokens/s\n",
                  static_cast<long long>(step), static_cast<long long>(flags.steps), recent / recent_count, held_out,
                  static_cast<double>(step * flags.batch * flags.block) / seconds);
      std::fflush(stdout);
      last_loss = recent / recent_count;
      recent = 0;
      recent_count = 0;
    }
  }
  // A sample from the trained model: each next character drawn from the
  // softmax of the logits at temperature 0.8.
  model->Eval();
  aot::NoGradGuard no_grad;
  std::vector<int64_t> context(ids.begin(), ids.begin() + flags.block);
  std::string sample;
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int i = 0; i < 200; ++i) {
    Tensor x = aot::from_vector<int64_t>(std::vector<int64_t>(context.end() - flags.block, context.end()),
                                         {1, flags.block})
                   .to(flags.device);
    Tensor logits = (*model)(x).select(1, flags.block - 1).select(0, 0);
    AOT_ASSIGN_OR_RETURN(std::vector<double> p, aot::softmax(logits / 0.8, 0).ToVector<double>());
    double u = uniform(rng);
    size_t next = 0;
    for (double acc = p[0]; acc < u && next + 1 < p.size(); acc += p[++next]) {
    }
    context.push_back(static_cast<int64_t>(next));
    sample += char_of[next] == '\n' ? ' ' : char_of[next];
  }
  std::printf("sample: %s\n", sample.c_str());
  if (flags.steps >= 50 && !(last_loss < first_loss - 0.5)) {
    return absl::InternalError(absl::StrCat("the loss did not fall: ", first_loss, " at step 1, ", last_loss,
                                            " at the end"));
  }
  std::printf("loss fell from %.3f to %.3f\n", first_loss, last_loss);
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::Status s = Main(argc, argv);
  if (!s.ok()) {
    std::fprintf(stderr, "transformer: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
