// One training step (forward, backward, optimizer step) of three models,
// eagerly (the reference, in the same run) and through aot_module with each
// partitioner. Reports time per step and two memory counters:
//   saved_MB     CPU memory held when the forward has returned, beyond what
//                was held before the step: the activations kept for the
//                backward (what the partitioner decides);
//   peak_step_MB the peak over the whole step beyond what was held before
//                it (saved values, parameter gradients, temporaries).
//
//   bazel run --config=opt //bench:train_step -- --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true
//
// Models: the Fashion-MNIST MLP (784-256-256-10, batch 128), a GPT block
// stack (2 layers, d=128, 4 heads, B=8, T=64) and ResNet-18 (2x3x64x64,
// 10 classes).
#include <functional>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "aot/base/status_macros.h"
#include "aot/module/aot_module.h"
#include "aot/module/layers.h"
#include "aot/module/models/gpt.h"
#include "aot/module/models/resnet.h"
#include "aot/module/optimizers.h"
#include "aot/tensor/allocator.h"
#include "aot/tensor/ops.h"
#include "benchmark/benchmark.h"

namespace aot {
namespace {

enum Mode : int64_t { kEager = 0, kDefault = 1, kMinCut = 2, kBudgetHalf = 3 };

const char* ModeName(int64_t mode) {
  switch (mode) {
    case kEager:
      return "eager";
    case kDefault:
      return "aot_default";
    case kMinCut:
      return "aot_mincut";
    default:
      return "aot_budget0.5";
  }
}

PartitionFn PartitionerFor(int64_t mode) {
  switch (mode) {
    case kMinCut:
      return MinCutPartitionFn();
    case kBudgetHalf:
      return MemoryBudgetPartitionFn(0.5);
    default:
      return DefaultPartitionFn();
  }
}

struct Workload {
  std::shared_ptr<Module> model;
  Tensor input;
  Tensor target;
  // Maps the model's output to the loss.
  std::function<Tensor(const Tensor&)> loss;
};

Workload Mlp() {
  auto net = std::make_shared<Sequential>();
  net->Add(std::make_shared<Linear>(784, 256, true, 1));
  net->Add(std::make_shared<ReLU>());
  net->Add(std::make_shared<Linear>(256, 256, true, 2));
  net->Add(std::make_shared<ReLU>());
  net->Add(std::make_shared<Linear>(256, 10, true, 3));
  std::vector<int64_t> labels(128);
  for (int i = 0; i < 128; ++i) labels[i] = i % 10;
  Tensor target = from_vector<int64_t>(labels, {128});
  return {net, randn({128, 784}, 4), target, [target](const Tensor& y) { return cross_entropy(y, target); }};
}

Workload Gpt() {
  models::GPTConfig c;
  c.vocab_size = 96;
  c.block_size = 64;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_embd = 128;
  auto model = std::make_shared<models::GPT>(c);
  std::vector<int64_t> tokens(8 * 64), next(8 * 64);
  for (size_t i = 0; i < tokens.size(); ++i) {
    tokens[i] = static_cast<int64_t>((i * 7) % 96);
    next[i] = static_cast<int64_t>((i * 7 + 7) % 96);
  }
  Tensor target = from_vector<int64_t>(next, {8 * 64});
  return {model, from_vector<int64_t>(tokens, {8, 64}), target,
          [target](const Tensor& y) { return cross_entropy(y.reshape({8 * 64, 96}), target); }};
}

Workload Resnet() {
  std::shared_ptr<models::ResNet> net = models::ResNet18(10, 0);
  Tensor target = from_vector<int64_t>({1, 7}, {2});
  return {net, randn({2, 3, 64, 64}, 5), target, [target](const Tensor& y) { return cross_entropy(y, target); }};
}

void RunTrainStep(benchmark::State& state, Workload (*make)()) {
  const int64_t mode = state.range(0);
  Workload w = make();
  w.model->Train();
  std::optional<AotModule> compiled;
  if (mode != kEager) {
    absl::StatusOr<AotModule> c = aot_module(w.model, {.partition_fn = PartitionerFor(mode)});
    AOT_CHECK_OK(c.status());
    compiled = *std::move(c);
  }
  SGD opt(w.model->Parameters(), {.lr = 1e-3, .momentum = 0.9});
  Allocator* cpu = *GetAllocator(Device::Cpu());
  int64_t before = 0;
  int64_t saved = 0;
  auto step = [&] {
    Tensor y = compiled.has_value() ? *compiled->Forward(w.input) : (*w.model)(w.input);
    Tensor loss = w.loss(y);
    saved = cpu->stats().allocated_bytes - before;
    AOT_CHECK_OK(loss.backward());
    AOT_CHECK_OK(opt.Step());
    opt.ZeroGrad();
    return loss;
  };
  AOT_CHECK_OK(step().status());  // Compiles; checks the step once.
  before = cpu->stats().allocated_bytes;
  cpu->ResetPeak();
  AOT_CHECK_OK(step().status());
  state.counters["peak_step_MB"] = static_cast<double>(cpu->stats().peak_bytes - before) / (1 << 20);
  state.counters["saved_MB"] = static_cast<double>(saved) / (1 << 20);
  for (auto _ : state) benchmark::DoNotOptimize(step());
  state.SetLabel(ModeName(mode));
}

void BM_TrainStep_Mlp(benchmark::State& state) { RunTrainStep(state, Mlp); }
void BM_TrainStep_Gpt(benchmark::State& state) { RunTrainStep(state, Gpt); }
void BM_TrainStep_ResNet18(benchmark::State& state) { RunTrainStep(state, Resnet); }

BENCHMARK(BM_TrainStep_Mlp)->DenseRange(kEager, kBudgetHalf)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainStep_Gpt)->DenseRange(kEager, kBudgetHalf)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainStep_ResNet18)->DenseRange(kEager, kBudgetHalf)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aot

BENCHMARK_MAIN();
