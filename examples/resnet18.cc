// aot_module on ResNet-18, as in the seed README (input 1x3x200x200): prints
// a summary of the forward and backward graphs, runs one training step, and
// checks that the compiled gradients equal eager ones.
//
//   bazel run --config=opt //examples:resnet18
//   bazel run --config=opt //examples:resnet18 -- --partitioner=mincut
//
// Flags: --size=S (input SxS, default 200), --batch=B (default 1),
// --classes=C (default 1000), --partitioner=default|mincut|budget=F.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "aot/base/status_macros.h"
#include "aot/module/aot_module.h"
#include "aot/module/models/resnet.h"
#include "aot/module/optimizers.h"
#include "aot/tensor/ops.h"

namespace {

using aot::Tensor;

// A compiler that prints a one-paragraph summary of the graph (inputs,
// outputs, nodes, the most frequent ops) and runs it with the interpreter.
aot::Compiler SummaryCompiler(std::string name) {
  return [name](const aot::ir::Graph& g, const std::vector<Tensor>& examples) -> absl::StatusOr<aot::CompiledFn> {
    std::map<std::string, int> ops;
    int nodes = 0;
    for (const aot::ir::Node* n : g.node_range()) {
      ++ops[n->op().name()];
      ++nodes;
    }
    std::vector<std::pair<int, std::string>> by_count;
    for (const auto& [op, count] : ops) by_count.emplace_back(-count, op);
    std::sort(by_count.begin(), by_count.end());
    std::string top;
    for (size_t i = 0; i < by_count.size() && i < 8; ++i) {
      absl::StrAppend(&top, i == 0 ? "" : ", ", by_count[i].second, " x", -by_count[i].first);
    }
    std::printf("%s graph: %d inputs, %d outputs, %d nodes, %zu distinct ops\n  most used: %s\n", name.c_str(),
                g.num_inputs(), g.num_outputs(), nodes, ops.size(), top.c_str());
    return aot::NopCompiler()(g, examples);
  };
}

struct Flags {
  int64_t size = 200;
  int64_t batch = 1;
  int64_t classes = 1000;
  std::string partitioner = "default";
};

absl::StatusOr<Flags> ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    bool ok = false;
    if (absl::ConsumePrefix(&arg, "--size=")) {
      ok = absl::SimpleAtoi(arg, &f.size) && f.size >= 32;
    } else if (absl::ConsumePrefix(&arg, "--batch=")) {
      ok = absl::SimpleAtoi(arg, &f.batch) && f.batch >= 1;
    } else if (absl::ConsumePrefix(&arg, "--classes=")) {
      ok = absl::SimpleAtoi(arg, &f.classes) && f.classes >= 2;
    } else if (absl::ConsumePrefix(&arg, "--partitioner=")) {
      f.partitioner = std::string(arg);
      ok = true;
    }
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("bad flag ", argv[i]));
  }
  return f;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

absl::Status Main(int argc, char** argv) {
  AOT_ASSIGN_OR_RETURN(Flags flags, ParseFlags(argc, argv));
  AOT_ASSIGN_OR_RETURN(aot::PartitionFn partition, aot::partition::PartitionerByName(flags.partitioner));
  // Two identical networks: one runs eagerly, one compiled.
  std::shared_ptr<aot::models::ResNet> eager = aot::models::ResNet18(flags.classes, /*seed=*/0);
  std::shared_ptr<aot::models::ResNet> net = aot::models::ResNet18(flags.classes, /*seed=*/0);
  AOT_RETURN_IF_ERROR(net->status());
  std::printf("ResNet-18: %lld parameters, input %lldx3x%lldx%lld\n", static_cast<long long>(net->NumParameters()),
              static_cast<long long>(flags.batch), static_cast<long long>(flags.size),
              static_cast<long long>(flags.size));
  AOT_ASSIGN_OR_RETURN(aot::AotModule compiled,
                       aot::aot_module(net, {.fw_compiler = SummaryCompiler("forward"),
                                             .bw_compiler = SummaryCompiler("backward"),
                                             .partition_fn = partition}));
  Tensor x = aot::randn({flags.batch, 3, flags.size, flags.size}, /*seed=*/1);
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < flags.batch; ++i) labels.push_back((7 * i + 3) % flags.classes);
  Tensor target = aot::from_vector<int64_t>(labels, {flags.batch});

  auto start = std::chrono::steady_clock::now();
  AOT_ASSIGN_OR_RETURN(Tensor logits, compiled.Forward(x));
  const double compile_and_forward = Seconds(start);
  for (const aot::partition::PartitionSummary& s : compiled.partition_summaries()) {
    std::printf("%s", s.ToString().c_str());
  }
  Tensor loss = aot::cross_entropy(logits, target);
  start = std::chrono::steady_clock::now();
  AOT_RETURN_IF_ERROR(loss.backward());
  const double backward = Seconds(start);
  aot::SGD opt(net->Parameters(), {.lr = 0.01, .momentum = 0.9});
  AOT_RETURN_IF_ERROR(opt.Step());
  AOT_ASSIGN_OR_RETURN(double loss_value, loss.item());
  std::printf("training step: loss %.5f; first call (trace + compile + forward) %.2f s, backward %.2f s\n",
              loss_value, compile_and_forward, backward);

  // The same step eagerly.
  start = std::chrono::steady_clock::now();
  Tensor eager_loss = aot::cross_entropy((*eager)(x), target);
  AOT_RETURN_IF_ERROR(eager_loss.backward());
  std::printf("eager step: loss %.5f, forward + backward %.2f s\n", *eager_loss.item(), Seconds(start));

  // Compiled gradients against eager ones, per parameter: the largest
  // difference relative to the gradient's largest magnitude.
  aot::NamedTensors pe = eager->NamedParameters();
  aot::NamedTensors pc = net->NamedParameters();
  double worst = 0;
  std::string worst_name;
  for (size_t i = 0; i < pe.size(); ++i) {
    AOT_ASSIGN_OR_RETURN(std::vector<double> a, pc[i].second.grad().ToVector<double>());
    AOT_ASSIGN_OR_RETURN(std::vector<double> b, pe[i].second.grad().ToVector<double>());
    double scale = 1e-12, diff = 0;
    for (size_t k = 0; k < b.size(); ++k) {
      scale = std::max(scale, std::abs(b[k]));
      diff = std::max(diff, std::abs(a[k] - b[k]));
    }
    if (diff / scale > worst) {
      worst = diff / scale;
      worst_name = pe[i].first;
    }
  }
  std::printf("gradients: %zu parameters, largest relative difference %.2e (%s)\n", pe.size(), worst,
              worst_name.c_str());
  if (worst > 1e-3) {
    return absl::InternalError(absl::StrCat("compiled gradients differ from eager ones (", worst, " in ",
                                            worst_name, ")"));
  }
  std::printf("compiled gradients match eager ones\n");
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  absl::Status s = Main(argc, argv);
  if (!s.ok()) {
    std::fprintf(stderr, "resnet18: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
