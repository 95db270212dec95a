#include "aot/module/aot_function.h"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "aot/autodiff/engine.h"
#include "aot/autodiff/joint_graph.h"
#include "aot/base/status_macros.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "aot/partition/memory_budget.h"
#include "aot/partition/partition.h"
#include "aot/tensor/ops.h"
#include "aot/trace/make_graph.h"

namespace aot {
namespace {

// One compiled specialization (Note [Compiled-function cache]).
struct Entry {
  trace::TracedGraph traced;
  // The requires_grad of each lifted (captured) tensor when compiled.
  std::vector<bool> lifted_requires_grad;
  bool training = false;
  // Training: the joint graph, its partition and the compiled halves.
  autodiff::JointGraph joint;
  partition::Partition parts;
  CompiledFn forward;
  CompiledFn backward;
  int num_saved = 0;
  // Inference.
  std::unique_ptr<ir::Graph> inference_graph;
  CompiledFn inference;
  bool mutations_in_graph = false;
};

// Fake tensors with the metadata of a graph's inputs: what compilers get.
std::vector<Tensor> ExampleInputs(const ir::Graph& g) {
  std::vector<Tensor> out;
  for (int i = 0; i < g.num_inputs(); ++i) {
    const ir::TensorMeta& m = g.input(i)->meta();
    out.push_back(Tensor::FakeOf(m));
  }
  return out;
}

// Appends `copy_(input, new value)` for each mutation and drops the
// mutation outputs (keep_inference_input_mutations).
absl::StatusOr<std::unique_ptr<ir::Graph>> WithMutationsInGraph(const trace::TracedGraph& traced) {
  std::unique_ptr<ir::Graph> g = traced.graph->Clone();
  for (const trace::InputMutation& m : traced.mutations) {
    ir::Value* operands[] = {g->input(m.input_index), g->output(m.output_index)};
    AOT_ASSIGN_OR_RETURN(ir::Node * n, g->Create(OpKind::kCopy_, operands));
    (void)n;
  }
  std::vector<ir::Value*> outputs;
  for (int i = 0; i < traced.num_user_outputs; ++i) outputs.push_back(g->output(i));
  g->SetOutputs(outputs);
  AOT_RETURN_IF_ERROR(ir::VerifyGraph(*g));
  return g;
}

// The cache key of a call: each argument's metadata and the grad mode.
std::string CacheKey(const std::vector<Tensor>& args) {
  std::string key = GradModeEnabled() ? "g" : "n";
  for (const Tensor& t : args) {
    absl::StrAppend(&key, "|", ir::DTypeName(t.dtype()), t.device().ToString(), t.requires_grad() ? "r" : "");
    for (int64_t s : t.sizes()) absl::StrAppend(&key, ",", s);
    if (!t.is_contiguous()) absl::StrAppend(&key, "s");
  }
  return key;
}

// Writes `graph` to `dir`/`file` in text form (see AotConfig::dump_graphs_dir).
absl::Status DumpGraph(const std::string& dir, const std::string& file, const ir::Graph& graph,
                       const std::string& header = "") {
  if (dir.empty()) return absl::OkStatus();
  std::string path = absl::StrCat(dir, "/", file);
  std::ofstream f(path);
  f << header << ir::PrintGraph(graph);
  if (!f) return absl::InvalidArgumentError(absl::StrCat("aot_function: cannot write the graph dump ", path));
  return absl::OkStatus();
}

}  // namespace

// Note [Compiled-function cache]
// Each distinct CacheKey (shapes, dtypes, devices, contiguity,
// requires_grad of the arguments, and grad mode) maps to one Entry: the
// traced graph and what was compiled from it. An entry also remembers the
// requires_grad of the tensors the function captured; if one changed since,
// the entry is rebuilt.
struct AotFunction::State {
  TensorFn fn;
  AotConfig config;
  std::mutex mu;
  int num_args = -1;
  int num_compilations = 0;
  std::vector<partition::PartitionSummary> summaries;
  absl::flat_hash_map<std::string, std::shared_ptr<Entry>> cache;

  absl::StatusOr<std::shared_ptr<Entry>> Compile(const std::vector<Tensor>& args);
  // Returns the entry for `args`, compiling it if needed.
  absl::StatusOr<std::shared_ptr<Entry>> Lookup(const std::vector<Tensor>& args);
};

absl::StatusOr<std::shared_ptr<Entry>> AotFunction::State::Compile(const std::vector<Tensor>& args) {
  auto entry = std::make_shared<Entry>();
  trace::TraceOptions topts;
  if (config.decompositions.has_value()) topts.decompositions = &*config.decompositions;
  topts.graph_name = config.name;
  for (size_t i = 0; i < args.size(); ++i) {
    topts.input_names.push_back(static_cast<int>(i) < config.num_params_buffers
                                    ? absl::StrCat("params_", i + 1)
                                    : absl::StrCat("primals_", i + 1 - config.num_params_buffers));
  }
  AOT_ASSIGN_OR_RETURN(entry->traced, trace::MakeGraph(fn, args, topts));
  const trace::TracedGraph& traced = entry->traced;
  std::string dump_dir = config.dump_graphs_dir;
  if (dump_dir.empty()) {
    if (const char* env = std::getenv("AOT_DUMP_GRAPHS")) dump_dir = env;
  }
  const std::string dump_prefix = absl::StrCat(config.name, "_", num_compilations, "_");
  AOT_RETURN_IF_ERROR(DumpGraph(dump_dir, dump_prefix + "forward.txt", *traced.graph));
  // Which graph inputs need a gradient: arguments and captured tensors that
  // require grad.
  std::vector<bool> needs(traced.graph->num_inputs(), false);
  bool any = false;
  for (size_t i = 0; i < args.size(); ++i) {
    needs[i] = args[i].requires_grad() && ir::IsFloating(args[i].dtype());
    any = any || needs[i];
  }
  for (size_t e = 0; e < traced.extra_inputs.size(); ++e) {
    const trace::ExtraInput& x = traced.extra_inputs[e];
    if (x.kind != trace::ExtraInput::Kind::kLifted) continue;
    bool rg = x.value.requires_grad();
    entry->lifted_requires_grad.push_back(rg);
    needs[args.size() + e] = rg && ir::IsFloating(x.value.dtype());
    any = any || needs[args.size() + e];
  }
  const Compiler& fw = config.fw_compiler ? config.fw_compiler : NopCompiler();
  entry->training = any && GradModeEnabled();
  if (!entry->training) {
    const Compiler& inf = config.inference_compiler ? config.inference_compiler : fw;
    if (config.keep_inference_input_mutations && !traced.mutations.empty()) {
      AOT_ASSIGN_OR_RETURN(entry->inference_graph, WithMutationsInGraph(traced));
      entry->mutations_in_graph = true;
    } else {
      entry->inference_graph = traced.graph->Clone();
    }
    entry->inference_graph->set_name(config.name);
    AOT_RETURN_IF_ERROR(DumpGraph(dump_dir, dump_prefix + "inference.txt", *entry->inference_graph));
    AOT_ASSIGN_OR_RETURN(entry->inference, inf(*entry->inference_graph, ExampleInputs(*entry->inference_graph)));
    return entry;
  }
  autodiff::JointOptions jopts;
  jopts.decompositions = topts.decompositions;
  AOT_ASSIGN_OR_RETURN(entry->joint, autodiff::BuildJointGraph(*traced.graph, needs, jopts));
  AOT_RETURN_IF_ERROR(DumpGraph(dump_dir, dump_prefix + "joint.txt", *entry->joint.graph,
                                absl::StrCat("# joint num_primals=", entry->joint.num_primals,
                                             " num_fwd_outputs=", entry->joint.num_fwd_outputs, "\n")));
  const PartitionFn& part = config.partition_fn ? config.partition_fn : DefaultPartitionFn();
  partition::JointInfo info{.num_primals = entry->joint.num_primals, .num_fwd_outputs = entry->joint.num_fwd_outputs};
  AOT_ASSIGN_OR_RETURN(entry->parts, part(*entry->joint.graph, info));
  entry->parts.forward->set_name("forward");
  entry->parts.backward->set_name("backward");
  entry->num_saved = entry->parts.forward->num_outputs() - entry->joint.num_fwd_outputs;
  AOT_RETURN_IF_ERROR(DumpGraph(dump_dir, dump_prefix + "fw.txt", *entry->parts.forward));
  AOT_RETURN_IF_ERROR(DumpGraph(dump_dir, dump_prefix + "bw.txt", *entry->parts.backward));
  const Compiler& bw = config.bw_compiler ? config.bw_compiler : fw;
  AOT_ASSIGN_OR_RETURN(entry->forward, fw(*entry->parts.forward, ExampleInputs(*entry->parts.forward)));
  AOT_ASSIGN_OR_RETURN(entry->backward, bw(*entry->parts.backward, ExampleInputs(*entry->parts.backward)));
  return entry;
}

namespace {

// Runs a training entry as one custom-function node on the tape.
absl::StatusOr<std::vector<Tensor>> RunTraining(const std::shared_ptr<Entry>& entry,
                                                const std::vector<Tensor>& inputs) {
  autodiff::CustomFunction cf;
  cf.name = "CompiledFunction";
  cf.forward = [entry](autodiff::FunctionContext& ctx,
                       const std::vector<Tensor>& in) -> absl::StatusOr<std::vector<Tensor>> {
    AOT_ASSIGN_OR_RETURN(std::vector<Tensor> out, entry->forward(in));
    const int nf = entry->joint.num_fwd_outputs;
    if (static_cast<int>(out.size()) != nf + entry->num_saved) {
      return absl::InternalError(absl::StrCat("the compiled forward returned ", out.size(), " values, expected ",
                                              nf + entry->num_saved));
    }
    ctx.SaveForBackward(std::vector<Tensor>(out.begin() + nf, out.end()));
    out.resize(nf);
    return out;
  };
  const int num_inputs = static_cast<int>(inputs.size());
  cf.backward = [entry, num_inputs](autodiff::FunctionContext& ctx,
                                    const std::vector<Tensor>& grads) -> absl::StatusOr<std::vector<Tensor>> {
    if (GradModeEnabled()) {
      return absl::UnimplementedError(
          "backward through a compiled function with create_graph (double backward) is not supported");
    }
    AOT_ASSIGN_OR_RETURN(std::vector<Tensor> bw_in, ctx.saved());
    for (int o : entry->joint.tangent_outputs) {
      if (grads[o].defined()) {
        bw_in.push_back(grads[o].is_contiguous() ? grads[o] : grads[o].contiguous());
      } else {
        const ir::TensorMeta& m = entry->traced.graph->output(o)->meta();
        bw_in.push_back(zeros(*m.shape.concrete_sizes(), {.dtype = m.dtype, .device = m.device}));
      }
    }
    AOT_ASSIGN_OR_RETURN(std::vector<Tensor> g, entry->backward(bw_in));
    if (g.size() != entry->joint.grad_inputs.size()) {
      return absl::InternalError(absl::StrCat("the compiled backward returned ", g.size(), " gradients, expected ",
                                              entry->joint.grad_inputs.size()));
    }
    std::vector<Tensor> out(num_inputs);
    for (size_t k = 0; k < g.size(); ++k) out[entry->joint.grad_inputs[k]] = g[k];
    return out;
  };
  return autodiff::ApplyFunction(cf, inputs);
}

}  // namespace

namespace {

// Checks the arguments of a call (naming the first bad one).
absl::Status CheckArguments(const std::vector<Tensor>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (!args[i].defined()) {
      return absl::InvalidArgumentError(absl::StrCat("aot_function: argument ", i, " is an undefined tensor"));
    }
    if (!args[i].ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("aot_function: argument ", i, " is an error tensor: ", args[i].status().ToString()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<Entry>> AotFunction::State::Lookup(const std::vector<Tensor>& args) {
  std::lock_guard<std::mutex> lock(mu);
  if (num_args >= 0 && num_args != static_cast<int>(args.size())) {
    return absl::InvalidArgumentError(absl::StrCat("aot_function: called with ", args.size(),
                                                   " arguments; it was first called with ", num_args));
  }
  std::string key = CacheKey(args);
  std::shared_ptr<Entry> entry;
  auto it = cache.find(key);
  if (it != cache.end()) {
    entry = it->second;
    // A captured tensor's requires_grad changed: compile again.
    int k = 0;
    for (const trace::ExtraInput& x : entry->traced.extra_inputs) {
      if (x.kind != trace::ExtraInput::Kind::kLifted) continue;
      if (x.value.requires_grad() != entry->lifted_requires_grad[k++]) {
        entry = nullptr;
        break;
      }
    }
  }
  if (entry == nullptr) {
    AOT_ASSIGN_OR_RETURN(entry, Compile(args));
    cache[key] = entry;
    ++num_compilations;
    if (entry->training) summaries.push_back(entry->parts.summary);
    num_args = static_cast<int>(args.size());
  }
  return entry;
}

absl::Status AotFunction::Precompile(const std::vector<Tensor>& args) const {
  AOT_RETURN_IF_ERROR(CheckArguments(args));
  return state_->Lookup(args).status();
}

absl::StatusOr<std::vector<Tensor>> AotFunction::operator()(const std::vector<Tensor>& args) const {
  AOT_RETURN_IF_ERROR(CheckArguments(args));
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].is_fake()) {
      return absl::InvalidArgumentError(absl::StrCat("aot_function: argument ", i, " is a fake tensor (no data)"));
    }
  }
  AOT_ASSIGN_OR_RETURN(std::shared_ptr<Entry> entry, state_->Lookup(args));
  // The graph's inputs: the arguments, then captured tensors and fresh seeds.
  std::vector<Tensor> inputs = args;
  for (const trace::ExtraInput& x : entry->traced.extra_inputs) {
    inputs.push_back(x.kind == trace::ExtraInput::Kind::kLifted ? x.value : NextSeedTensor(x.seed_numel));
  }
  std::vector<Tensor> outs;
  if (entry->training) {
    AOT_ASSIGN_OR_RETURN(outs, RunTraining(entry, inputs));
  } else {
    NoGradGuard no_grad;
    AOT_ASSIGN_OR_RETURN(outs, entry->inference(inputs));
  }
  if (!entry->mutations_in_graph && !entry->traced.mutations.empty()) {
    NoGradGuard no_grad;
    for (const trace::InputMutation& m : entry->traced.mutations) {
      Tensor target = args[m.input_index];
      AOT_RETURN_IF_ERROR(target.copy_(outs[m.output_index]).status());
    }
  }
  outs.resize(entry->traced.num_user_outputs);
  return outs;
}

absl::StatusOr<Tensor> AotFunction::Call1(const std::vector<Tensor>& args) const {
  AOT_ASSIGN_OR_RETURN(std::vector<Tensor> out, (*this)(args));
  if (out.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("aot_function: Call1 on a function with ", out.size(), " outputs"));
  }
  return out[0];
}

std::vector<partition::PartitionSummary> AotFunction::partition_summaries() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->summaries;
}

int AotFunction::num_compilations() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->num_compilations;
}

PartitionFn DefaultPartitionFn() {
  return [](const ir::Graph& joint, const partition::JointInfo& info) {
    return partition::DefaultPartition(joint, info);
  };
}

PartitionFn MinCutPartitionFn() {
  return [](const ir::Graph& joint, const partition::JointInfo& info) {
    return partition::MinCutPartition(joint, info);
  };
}

PartitionFn MemoryBudgetPartitionFn(double budget) {
  return [budget](const ir::Graph& joint, const partition::JointInfo& info) {
    return partition::MemoryBudgetPartition(joint, info, budget);
  };
}

absl::StatusOr<AotFunction> aot_function(TensorFn fn, AotConfig config) {
  if (config.dynamic) {
    return absl::UnimplementedError(
        "aot_function: dynamic=true (symbolic shapes) is not supported yet; each new input shape compiles a new "
        "specialization");
  }
  if (!fn) return absl::InvalidArgumentError("aot_function: the function is empty");
  if (config.num_params_buffers < 0) {
    return absl::InvalidArgumentError("aot_function: num_params_buffers must not be negative");
  }
  auto state = std::make_shared<AotFunction::State>();
  state->fn = std::move(fn);
  state->config = std::move(config);
  return AotFunction(std::move(state));
}

}  // namespace aot
