#include "tools/aotc_lib/aotc.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "aot/autodiff/joint_graph.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/base/status_macros.h"
#include "aot/ir/dot.h"
#include "aot/ir/graph_proto.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "aot/partition/memory_budget.h"
#include "aot/partition/partition.h"
#include "aot/partition/partitioner_by_name.h"
#include "aot/partition/partition_types.h"
#include "tools/aotc_lib/args.h"
#include "tools/aotc_lib/graph_file.h"
#include "tools/aotc_lib/inputs_file.h"
#include "tools/minifier/minifier.h"
#include "tools/minifier/random_inputs.h"
#include "tools/minifier/test_compilers.h"

namespace aot::aotc {
namespace {

constexpr absl::string_view kUsagePayload = "aotc.usage";

// An error in how the command was called (exit status 2).
absl::Status UsageError(absl::string_view message) {
  absl::Status s = absl::InvalidArgumentError(message);
  s.SetPayload(kUsagePayload, absl::Cord("1"));
  return s;
}

bool IsUsageError(const absl::Status& s) { return s.GetPayload(kUsagePayload).has_value(); }

struct Context {
  const Env& env;
  std::ostream& out;
  const ParsedArgs& args;

  // `path` relative to the caller's working directory.
  std::string Resolve(const std::string& path) const {
    if (path.empty() || path[0] == '/' || env.working_dir.empty()) return path;
    return absl::StrCat(env.working_dir, "/", path);
  }
};

std::string Plural(int64_t n, absl::string_view word) { return absl::StrCat(n, " ", word, n == 1 ? "" : "s"); }

// Reads GRAPH (the first positional argument); runs the verifier if
// `verify`. Messages name the path as the user wrote it.
absl::StatusOr<GraphFile> LoadGraph(const Context& ctx, bool verify) {
  const std::string& arg = ctx.args.positional[0];
  absl::StatusOr<std::string> contents = ReadFile(ctx.Resolve(arg));
  if (!contents.ok()) return absl::NotFoundError(absl::StrCat(arg, ": cannot read the file"));
  AOT_ASSIGN_OR_RETURN(GraphFile file, ParseGraphFile(*contents, arg));
  if (verify) {
    if (absl::Status s = ir::VerifyGraph(*file.graph); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(arg, " does not verify: ", s.message()));
    }
  }
  return file;
}

absl::StatusOr<int64_t> IntFlag(const Context& ctx, const std::string& name, int64_t fallback, int64_t min) {
  if (!ctx.args.Has(name)) return fallback;
  int64_t v = 0;
  if (!absl::SimpleAtoi(ctx.args.Get(name), &v) || v < min) {
    return UsageError(absl::StrCat("--", name, " must be an integer >= ", min, ", got '", ctx.args.Get(name), "'"));
  }
  return v;
}

absl::StatusOr<double> DoubleFlag(const Context& ctx, const std::string& name, double fallback) {
  if (!ctx.args.Has(name)) return fallback;
  double v = 0;
  if (!absl::SimpleAtod(ctx.args.Get(name), &v) || !(v >= 0)) {
    return UsageError(absl::StrCat("--", name, " must be a number >= 0, got '", ctx.args.Get(name), "'"));
  }
  return v;
}

// Default: every floating-point input needs a gradient.
absl::StatusOr<std::vector<bool>> NeedsGrad(const Context& ctx, const ir::Graph& graph) {
  std::vector<bool> needs;
  if (!ctx.args.Has("needs_grad")) {
    for (const ir::Value* in : graph.inputs()) needs.push_back(ir::IsFloating(in->meta().dtype));
    return needs;
  }
  for (absl::string_view word : absl::StrSplit(ctx.args.Get("needs_grad"), ',')) {
    word = absl::StripAsciiWhitespace(word);
    if (word == "1" || word == "true") {
      needs.push_back(true);
    } else if (word == "0" || word == "false") {
      needs.push_back(false);
    } else {
      return UsageError(absl::StrCat("--needs_grad takes a list of 1 and 0, one per input; got '", word, "'"));
    }
  }
  if (static_cast<int>(needs.size()) != graph.num_inputs()) {
    return UsageError(absl::StrCat("--needs_grad has ", needs.size(), " entries, the graph has ",
                                   Plural(graph.num_inputs(), "input")));
  }
  return needs;
}

// A joint graph to partition: the file's graph (header or flags say how
// to split it) or, for a forward graph, the joint graph built from it.
struct JointSource {
  std::unique_ptr<ir::Graph> built;
  const ir::Graph* joint = nullptr;
  partition::JointInfo info;
};

absl::StatusOr<JointSource> ResolveJoint(const Context& ctx, const GraphFile& file) {
  JointSource src;
  src.joint = file.graph.get();
  const bool has_p = ctx.args.Has("num_primals"), has_f = ctx.args.Has("num_fwd_outputs");
  if (has_p != has_f) return UsageError("--num_primals and --num_fwd_outputs go together");
  if (has_p) {
    AOT_ASSIGN_OR_RETURN(int64_t p, IntFlag(ctx, "num_primals", 0, 0));
    AOT_ASSIGN_OR_RETURN(int64_t f, IntFlag(ctx, "num_fwd_outputs", 0, 0));
    src.info = {static_cast<int>(p), static_cast<int>(f)};
    return src;
  }
  if (file.joint.has_value()) {
    src.info = {file.joint->num_primals, file.joint->num_fwd_outputs};
    return src;
  }
  const std::string& arg = ctx.args.positional[0];
  for (const ir::Value* in : file.graph->inputs()) {
    if (absl::StartsWith(in->name(), "tangents_")) {
      return absl::InvalidArgumentError(absl::StrCat(
          arg,
          " has tangents_ inputs (a joint graph?) but no \"# joint num_primals=P num_fwd_outputs=F\" header: "
          "pass --num_primals and --num_fwd_outputs"));
    }
  }
  AOT_ASSIGN_OR_RETURN(std::vector<bool> needs, NeedsGrad(ctx, *file.graph));
  absl::StatusOr<autodiff::JointGraph> joint = autodiff::BuildJointGraph(*file.graph, needs);
  if (!joint.ok()) {
    return absl::Status(joint.status().code(),
                        absl::StrCat("building the joint graph of ", arg, ": ", joint.status().message()));
  }
  ctx.out << "# " << arg << " has no joint header and no tangents_ inputs: partitioning its joint graph ("
          << Plural(joint->graph->num_nodes(), "node") << ", built as `aotc joint` does)\n";
  src.info = {joint->num_primals, joint->num_fwd_outputs};
  src.built = std::move(joint->graph);
  src.joint = src.built.get();
  return src;
}

absl::StatusOr<partition::Partition> RunPartitioner(const Context& ctx, const JointSource& src) {
  const std::string name = ctx.args.Get("partitioner", "default");
  absl::StatusOr<partition::Partitioner> partitioner = partition::PartitionerByName(name);
  if (!partitioner.ok()) return UsageError(absl::StrCat("--partitioner: ", partitioner.status().message()));
  absl::StatusOr<partition::Partition> p = (*partitioner)(*src.joint, src.info);
  if (!p.ok()) {
    return absl::Status(p.status().code(),
                        absl::StrCat("partitioning ", ctx.args.positional[0], ": ", p.status().message()));
  }
  return p;
}

// --- print -------------------------------------------------------------------

absl::Status Print(const Context& ctx) {
  AOT_ASSIGN_OR_RETURN(GraphFile file, LoadGraph(ctx, /*verify=*/false));
  const std::string text = absl::StrCat(file.joint ? JointHeaderLine(*file.joint) : "", ir::PrintGraph(*file.graph));
  if (!ctx.args.Has("out")) {
    ctx.out << text;
    return absl::OkStatus();
  }
  const std::string out = ctx.args.Get("out");
  std::string format = ctx.args.Get("format");
  if (format.empty()) format = absl::EndsWith(out, ".pb") || absl::EndsWith(out, ".binpb") ? "proto" : "text";
  if (format == "text") {
    AOT_RETURN_IF_ERROR(WriteFile(ctx.Resolve(out), text));
  } else if (format == "proto") {
    AOT_RETURN_IF_ERROR(WriteFile(ctx.Resolve(out), ir::SerializeGraph(*file.graph)));
    if (file.joint) {
      ctx.out << "note: the protobuf form keeps no joint header; give aotc partition --num_primals="
              << file.joint->num_primals << " --num_fwd_outputs=" << file.joint->num_fwd_outputs << "\n";
    }
  } else {
    return UsageError(absl::StrCat("--format must be text or proto, got '", format, "'"));
  }
  ctx.out << "wrote " << out << " (" << format << ", graph " << file.graph->name() << ", "
          << Plural(file.graph->num_nodes(), "node") << ")\n";
  return absl::OkStatus();
}

// --- verify ------------------------------------------------------------------

absl::Status Verify(const Context& ctx) {
  AOT_ASSIGN_OR_RETURN(GraphFile file, LoadGraph(ctx, /*verify=*/false));
  const ir::Graph& g = *file.graph;
  const std::string& arg = ctx.args.positional[0];
  if (absl::Status s = ir::VerifyGraph(g, {.check_metadata = !ctx.args.Has("no_metadata")}); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(arg, " does not verify: ", s.message()));
  }
  ctx.out << arg << ": OK: graph " << g.name() << " (" << GraphFormatName(file.format) << "), "
          << Plural(g.num_inputs(), "input") << ", " << Plural(g.num_nodes(), "node") << ", "
          << Plural(g.num_outputs(), "output");
  if (file.joint) {
    ctx.out << "; joint with " << Plural(file.joint->num_primals, "primal") << " and "
            << Plural(file.joint->num_fwd_outputs, "forward output");
  }
  ctx.out << "\n";
  return absl::OkStatus();
}

// --- joint -------------------------------------------------------------------

absl::Status Joint(const Context& ctx) {
  AOT_ASSIGN_OR_RETURN(GraphFile file, LoadGraph(ctx, /*verify=*/true));
  AOT_ASSIGN_OR_RETURN(std::vector<bool> needs, NeedsGrad(ctx, *file.graph));
  absl::StatusOr<autodiff::JointGraph> joint = autodiff::BuildJointGraph(*file.graph, needs);
  if (!joint.ok()) {
    return absl::Status(joint.status().code(), absl::StrCat("building the joint graph of ", ctx.args.positional[0],
                                                            ": ", joint.status().message()));
  }
  const std::string text =
      absl::StrCat(JointHeaderLine({joint->num_primals, joint->num_fwd_outputs}), ir::PrintGraph(*joint->graph));
  if (!ctx.args.Has("out")) {
    ctx.out << text;
    return absl::OkStatus();
  }
  AOT_RETURN_IF_ERROR(WriteFile(ctx.Resolve(ctx.args.Get("out")), text));
  ctx.out << "wrote " << ctx.args.Get("out") << ": joint graph with " << Plural(joint->num_primals, "primal") << ", "
          << Plural(joint->num_tangents(), "tangent") << ", " << Plural(joint->num_fwd_outputs, "forward output")
          << ", " << Plural(static_cast<int64_t>(joint->grad_inputs.size()), "gradient") << ", "
          << Plural(joint->graph->num_nodes(), "node") << "\n";
  return absl::OkStatus();
}

// --- partition ---------------------------------------------------------------

absl::Status PartitionCmd(const Context& ctx) {
  AOT_ASSIGN_OR_RETURN(GraphFile file, LoadGraph(ctx, /*verify=*/true));
  AOT_ASSIGN_OR_RETURN(JointSource src, ResolveJoint(ctx, file));
  AOT_ASSIGN_OR_RETURN(partition::Partition p, RunPartitioner(ctx, src));
  const std::string fw = ir::PrintGraph(*p.forward), bw = ir::PrintGraph(*p.backward);
  if (ctx.args.Has("fw_out")) AOT_RETURN_IF_ERROR(WriteFile(ctx.Resolve(ctx.args.Get("fw_out")), fw));
  if (ctx.args.Has("bw_out")) AOT_RETURN_IF_ERROR(WriteFile(ctx.Resolve(ctx.args.Get("bw_out")), bw));
  ctx.out << fw << "\n" << bw << "\n" << p.summary.ToString();
  return absl::OkStatus();
}

// --- run ---------------------------------------------------------------------

// "[0.5403, -0.4161, ...] (12 values)".
std::string Abbreviated(const Tensor& t, int max_values) {
  absl::StatusOr<std::vector<double>> v = t.ToVector<double>();
  if (!v.ok()) return absl::StrCat("<", v.status().ToString(), ">");
  std::vector<std::string> parts;
  for (size_t i = 0; i < v->size() && static_cast<int>(i) < max_values; ++i) {
    if (t.dtype() == DType::kBool) {
      parts.push_back((*v)[i] != 0 ? "true" : "false");
    } else if (ir::IsFloating(t.dtype())) {
      parts.push_back(absl::StrFormat("%.4g", (*v)[i]));
    } else {
      parts.push_back(absl::StrCat(static_cast<int64_t>((*v)[i])));
    }
  }
  std::string out = absl::StrCat("[", absl::StrJoin(parts, ", "));
  if (static_cast<int>(v->size()) > max_values) {
    absl::StrAppend(&out, ", ...] (", Plural(static_cast<int64_t>(v->size()), "value"), ")");
  } else {
    out += "]";
  }
  return out;
}

std::string Bytes(int64_t n) {
  if (n < 1024) return Plural(n, "byte");
  if (n < 1024 * 1024) return absl::StrFormat("%d bytes (%.1f KiB)", n, n / 1024.0);
  return absl::StrFormat("%d bytes (%.1f MiB)", n, n / (1024.0 * 1024.0));
}

absl::Status Run(const Context& ctx) {
  AOT_ASSIGN_OR_RETURN(GraphFile file, LoadGraph(ctx, /*verify=*/true));
  const ir::Graph& g = *file.graph;
  AOT_ASSIGN_OR_RETURN(int64_t seed, IntFlag(ctx, "seed", 0, 0));
  AOT_ASSIGN_OR_RETURN(int64_t max_values, IntFlag(ctx, "max_values", 8, 0));
  const std::string source = ctx.args.Get("inputs", "random");
  std::vector<Tensor> inputs;
  if (source == "random") {
    absl::StatusOr<std::vector<Tensor>> r = minifier::MakeRandomInputs(g, static_cast<uint64_t>(seed));
    if (!r.ok()) return absl::Status(r.status().code(), absl::StrCat("random inputs: ", r.status().message()));
    inputs = *std::move(r);
    ctx.out << "inputs: random (seed " << seed << ")\n";
  } else {
    absl::StatusOr<std::string> text = ReadFile(ctx.Resolve(source));
    if (!text.ok()) return absl::NotFoundError(absl::StrCat(source, ": cannot read the inputs file"));
    absl::StatusOr<std::vector<Tensor>> r = ParseInputsFile(*text, g, static_cast<uint64_t>(seed));
    if (!r.ok()) return absl::Status(r.status().code(), absl::StrCat(source, ": ", r.status().message()));
    inputs = *std::move(r);
    ctx.out << "inputs: " << source << "\n";
  }
  for (int i = 0; i < g.num_inputs(); ++i) {
    ctx.out << "  input " << i << " " << g.input(i)->name() << ": " << g.input(i)->meta().ToString() << " = "
            << Abbreviated(inputs[i], static_cast<int>(max_values)) << "\n";
  }
  InterpreterStats stats;
  absl::StatusOr<std::vector<Tensor>> outputs = RunGraph(g, inputs, &stats);
  if (!outputs.ok()) {
    return absl::Status(outputs.status().code(),
                        absl::StrCat("running ", ctx.args.positional[0], ": ", outputs.status().message()));
  }
  ctx.out << "outputs:\n";
  for (int i = 0; i < g.num_outputs(); ++i) {
    ctx.out << "  output " << i << " " << g.output(i)->name() << ": " << (*outputs)[i].meta().ToString() << " = "
            << Abbreviated((*outputs)[i], static_cast<int>(max_values)) << "\n";
  }
  ctx.out << "peak memory: " << Bytes(stats.peak_bytes) << " of node results (" << Plural(stats.nodes_run, "node")
          << " run; graph inputs not counted)\n";
  return absl::OkStatus();
}

// --- draw --------------------------------------------------------------------

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Pipes `dot_text` through Graphviz into `path` as `format`.
absl::Status Render(const std::string& dot_program, const std::string& dot_text, const std::string& format,
                    const std::string& path, const std::string& shown_path) {
  const std::string probe = absl::StrCat("command -v ", ShellQuote(dot_program), " >/dev/null 2>&1");
  if (std::system(probe.c_str()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "writing ", shown_path, " (", format, ") needs Graphviz's `", dot_program,
        "` program, which is not on the PATH: install Graphviz (e.g. apt-get install graphviz) or write DOT "
        "(-o FILE.dot)"));
  }
  const std::string cmd = absl::StrCat(ShellQuote(dot_program), " -T", format, " -o ", ShellQuote(path));
  FILE* pipe = popen(cmd.c_str(), "w");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot start ", dot_program));
  const size_t written = std::fwrite(dot_text.data(), 1, dot_text.size(), pipe);
  const int status = pclose(pipe);
  if (written != dot_text.size() || status != 0) {
    return absl::InternalError(absl::StrCat(dot_program, " failed (status ", status, ") writing ", shown_path));
  }
  return absl::OkStatus();
}

absl::Status Draw(const Context& ctx) {
  AOT_ASSIGN_OR_RETURN(GraphFile file, LoadGraph(ctx, /*verify=*/true));
  ir::DotOptions options;
  const std::string clusters = ctx.args.Get("clusters", "auto");
  if (clusters == "auto") {
    options.clusters = ir::DotOptions::Clusters::kAuto;
  } else if (clusters == "none") {
    options.clusters = ir::DotOptions::Clusters::kNone;
  } else if (clusters == "scope") {
    options.clusters = ir::DotOptions::Clusters::kScope;
  } else if (clusters == "prefix") {
    options.clusters = ir::DotOptions::Clusters::kNamePrefix;
  } else {
    return UsageError(absl::StrCat("--clusters must be auto, none, scope or prefix, got '", clusters, "'"));
  }
  options.collapse_clusters = ctx.args.Has("collapse") || ctx.args.Has("collapse_depth");
  AOT_ASSIGN_OR_RETURN(int64_t depth, IntFlag(ctx, "collapse_depth", 0, 1));
  options.collapse_depth = static_cast<int>(depth);
  if (ctx.args.Has("highlight")) {
    options.highlight = absl::StrSplit(ctx.args.Get("highlight"), ',', absl::SkipEmpty());
  }
  const std::string out = ctx.args.Get("out");
  std::string format = ctx.args.Get("format");
  if (format.empty()) {
    if (out.empty() || absl::EndsWith(out, ".dot") || absl::EndsWith(out, ".gv")) {
      format = "dot";
    } else if (absl::EndsWith(out, ".svg")) {
      format = "svg";
    } else if (absl::EndsWith(out, ".png")) {
      format = "png";
    } else {
      return UsageError(absl::StrCat("cannot tell the format of ", out, " from its name: give --format=dot|svg|png"));
    }
  }
  if (format != "dot" && format != "svg" && format != "png") {
    return UsageError(absl::StrCat("--format must be dot, svg or png, got '", format, "'"));
  }
  if (out.empty() && format != "dot") return UsageError(absl::StrCat("--format=", format, " needs -o FILE"));

  std::string dot;
  std::string what;
  if (ctx.args.Has("partitioner")) {
    AOT_ASSIGN_OR_RETURN(JointSource src, ResolveJoint(ctx, file));
    AOT_ASSIGN_OR_RETURN(partition::Partition p, RunPartitioner(ctx, src));
    std::string summary = p.summary.ToString();
    if (!summary.empty() && summary.back() == '\n') summary.pop_back();
    options.title = summary;
    options.dashed = p.summary.recomputed;
    dot = ir::PartitionToDot(*p.forward, *p.backward, p.summary.saved, options);
    what = absl::StrCat("forward ", Plural(p.forward->num_nodes(), "node"), " and backward ",
                        Plural(p.backward->num_nodes(), "node"), ", ", Plural(p.summary.saved.size(), "saved value"));
  } else {
    dot = ir::GraphToDot(*file.graph, options);
    what = absl::StrCat("graph ", file.graph->name(), ", ", Plural(file.graph->num_nodes(), "node"));
  }
  if (out.empty()) {
    ctx.out << dot;
    return absl::OkStatus();
  }
  if (format == "dot") {
    AOT_RETURN_IF_ERROR(WriteFile(ctx.Resolve(out), dot));
  } else {
    AOT_RETURN_IF_ERROR(Render(ctx.env.dot_program, dot, format, ctx.Resolve(out), out));
  }
  ctx.out << "wrote " << out << " (" << format << ", " << what << ")\n";
  return absl::OkStatus();
}

// --- minify ------------------------------------------------------------------

absl::Status Minify(const Context& ctx) {
  AOT_ASSIGN_OR_RETURN(GraphFile file, LoadGraph(ctx, /*verify=*/true));
  if (!ctx.args.Has("compiler")) {
    return UsageError(
        "--compiler is required: nop, miscompile:OP, error:OP or crash:OP (e.g. --compiler=miscompile:sin)");
  }
  const std::string spec = ctx.args.Get("compiler");
  absl::StatusOr<Compiler> compiler = minifier::MakeTestCompiler(spec);
  if (!compiler.ok()) return UsageError(compiler.status().message());
  minifier::CompilerCheckOptions check_options;
  AOT_ASSIGN_OR_RETURN(check_options.atol, DoubleFlag(ctx, "atol", check_options.atol));
  AOT_ASSIGN_OR_RETURN(check_options.rtol, DoubleFlag(ctx, "rtol", check_options.rtol));
  AOT_ASSIGN_OR_RETURN(int64_t seed, IntFlag(ctx, "seed", 0, 0));
  check_options.seed = static_cast<uint64_t>(seed);
  minifier::MinifyOptions options;
  AOT_ASSIGN_OR_RETURN(int64_t max_checks, IntFlag(ctx, "max_checks", options.max_checks, 1));
  options.max_checks = static_cast<int>(max_checks);
  options.isolate_crashes = minifier::kCanIsolateCrashes && !ctx.args.Has("in_process");
  // Every line a comment (a crash's message quotes the compiler's output).
  options.log = [&ctx](absl::string_view text) {
    for (absl::string_view line : absl::StrSplit(text, '\n')) ctx.out << "# " << line << "\n";
  };
  const std::string& arg = ctx.args.positional[0];
  absl::StatusOr<minifier::MinifyResult> r =
      minifier::Minify(*file.graph, minifier::CompilerCheck(*compiler, check_options), options);
  if (!r.ok()) return absl::Status(r.status().code(), absl::StrCat(arg, ": ", r.status().message()));
  if (!r->failed) {
    ctx.out << "compiler " << spec << " passes on " << arg << " (" << Plural(file.graph->num_nodes(), "node")
            << "): nothing to minify\n";
    return absl::OkStatus();
  }
  const std::string repro = minifier::ReproducerText(*r);
  if (ctx.args.Has("out")) {
    AOT_RETURN_IF_ERROR(WriteFile(ctx.Resolve(ctx.args.Get("out")), repro));
    ctx.out << "# wrote " << ctx.args.Get("out") << "\n";
  } else {
    ctx.out << repro;
  }
  if (ctx.args.Has("test_out")) {
    minifier::ReproducerTestOptions test_options;
    test_options.compiler_expr = absl::StrCat("*aot::minifier::MakeTestCompiler(\"", spec, "\")");
    test_options.includes = {"tools/minifier/test_compilers.h"};
    test_options.check = check_options;
    AOT_RETURN_IF_ERROR(WriteFile(ctx.Resolve(ctx.args.Get("test_out")), minifier::ReproducerTest(*r, test_options)));
    ctx.out << "# wrote " << ctx.args.Get("test_out") << "\n";
  }
  return absl::OkStatus();
}

// --- The command table -------------------------------------------------------

struct Command {
  CommandSpec spec;
  std::function<absl::Status(const Context&)> run;
};

// Flags several commands share.
FlagSpec NumPrimalsFlag() {
  return {.name = "num_primals",
          .value = "P",
          .help = "the joint graph's primal count (with --num_fwd_outputs; overrides the header)"};
}
FlagSpec NumFwdOutputsFlag() { return {.name = "num_fwd_outputs", .value = "F", .help = "its forward output count"}; }
FlagSpec NeedsGradFlag() {
  return {.name = "needs_grad",
          .value = "LIST",
          .help = "1 or 0 per input, e.g. 1,0 (default: 1 for floating-point inputs)"};
}

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {{.name = "print",
        .args = "GRAPH",
        .summary = "Print a graph file (text or protobuf, told apart by content) in the text form.",
        .description = "With --out, writes it instead, as text or protobuf (--format, or .pb in the name).\n",
        .flags = {{.name = "out", .short_name = 'o', .value = "FILE", .help = "write the graph to FILE"},
                  {.name = "format", .value = "text|proto", .help = "the form written by --out"}}},
       Print},
      {{.name = "verify",
        .args = "GRAPH",
        .summary = "Run the graph verifier (aot/ir/verifier.h); exit status 1 if it fails.",
        .flags = {{.name = "no_metadata", .help = "skip re-running the shape rules"}}},
       Verify},
      {{.name = "joint",
        .args = "GRAPH",
        .summary = "Build the joint forward+backward graph of a forward graph.",
        .description = "Prints it (or writes it with --out) in text form, after the header comment\n"
                       "\"# joint num_primals=P num_fwd_outputs=F\" that aotc partition reads.\n",
        .flags = {NeedsGradFlag(),
                  {.name = "out", .short_name = 'o', .value = "FILE", .help = "write the joint graph to FILE"}}},
       Joint},
      {{.name = "partition",
        .args = "GRAPH",
        .summary = "Split a joint graph; print the forward and backward graphs and what is saved.",
        .description = "GRAPH is a joint graph: its \"# joint num_primals=P num_fwd_outputs=F\" header (or the flags)\n"
                       "says how to split it. A forward graph (no header, no tangents_ inputs) is made joint first.\n",
        .flags = {{.name = "partitioner",
                   .value = "NAME",
                   .help = "default, mincut or budget=B with B in [0, 1] (default: default)"},
                  NumPrimalsFlag(),
                  NumFwdOutputsFlag(),
                  NeedsGradFlag(),
                  {.name = "fw_out", .value = "FILE", .help = "also write the forward graph to FILE"},
                  {.name = "bw_out", .value = "FILE", .help = "also write the backward graph to FILE"}}},
       PartitionCmd},
      {{.name = "run",
        .args = "GRAPH",
        .summary = "Run a graph with the interpreter; print its outputs and peak memory.",
        .description = "--inputs=FILE reads one tensor per line, in input order (tools/aotc_lib/inputs_file.h):\n"
                       "  x: f32[2,3] 1 2 3 4 5 6     # NAME: is optional\n"
                       "  f32[3,4] random             # or zeros, ones\n"
                       "  i64[2] 0 1\n"
                       "--inputs=random uses randn for floating-point inputs, zeros for the others.\n",
        .flags = {{.name = "inputs", .value = "random|FILE", .help = "where the inputs come from (default: random)"},
                  {.name = "seed", .value = "N", .help = "seed of random inputs (default: 0)"},
                  {.name = "max_values", .value = "N", .help = "values printed per tensor (default: 8)"}}},
       Run},
      {{.name = "draw",
        .args = "GRAPH",
        .summary = "Draw a graph as Graphviz DOT, SVG or PNG (SVG and PNG need Graphviz's dot).",
        .description =
            "Without -o, prints DOT. With --partitioner, draws the forward and backward graphs of a joint\n"
            "graph side by side, the saved values highlighted. Nodes are grouped into clusters by their\n"
            "\"scope\" annotation or by name prefix (layer1__mm); --collapse draws each cluster as one box.\n",
        .flags = {{.name = "out", .short_name = 'o', .value = "FILE", .help = "write to FILE (.dot, .svg or .png)"},
                  {.name = "format", .value = "dot|svg|png", .help = "the format (default: from the name)"},
                  {.name = "partitioner", .value = "NAME", .help = "draw a partition: default, mincut or budget=B"},
                  NumPrimalsFlag(),
                  NumFwdOutputsFlag(),
                  {.name = "clusters", .value = "MODE", .help = "auto, none, scope or prefix (default: auto)"},
                  {.name = "collapse", .help = "draw each innermost cluster as a single box"},
                  {.name = "collapse_depth", .value = "N", .help = "draw each cluster N levels deep as one box"},
                  {.name = "highlight", .value = "NAMES", .help = "comma-separated values to highlight"}}},
       Draw},
      {{.name = "minify",
        .args = "GRAPH",
        .summary = "Shrink a graph on which a compiler fails to a small reproducer.",
        .description = "Compilers: nop (never fails), miscompile:OP (computes OP wrongly, e.g. miscompile:sin runs\n"
                       "cos instead), error:OP (errors on graphs with OP), crash:OP (aborts on graphs with OP).\n"
                       "A graph fails when the compiler errors, crashes, or its outputs differ from the\n"
                       "interpreter's beyond atol + rtol * |expected|; it is shrunk while it fails the same way.\n"
                       "Each check runs in a child process on one thread, so that a crash is a failure to minify\n"
                       "rather than the end of aotc (--in_process: in aotc's process, on all threads).\n"
                       "Prints the reproducer (a graph file; progress lines are # comments) unless --out is given.\n",
        .flags = {{.name = "compiler", .value = "SPEC", .help = "nop, miscompile:OP, error:OP or crash:OP"},
                  {.name = "out", .short_name = 'o', .value = "FILE", .help = "write the reproducer graph to FILE"},
                  {.name = "test_out", .value = "FILE", .help = "write a googletest reproducer to FILE"},
                  {.name = "atol", .value = "X", .help = "absolute tolerance (default: 1e-4)"},
                  {.name = "rtol", .value = "X", .help = "relative tolerance (default: 1e-4)"},
                  {.name = "seed", .value = "N", .help = "seed of the random inputs (default: 0)"},
                  {.name = "max_checks", .value = "N", .help = "stop shrinking after N checks (default: 5000)"},
                  {.name = "in_process", .help = "run the checks in aotc's process; a crash then ends aotc"}}},
       Minify},
  };
  return *commands;
}

std::string MainUsage() {
  std::string out = "usage: aotc COMMAND GRAPH [flags]\n\nCommands:\n";
  for (const Command& c : Commands())
    absl::StrAppend(&out, absl::StrFormat("  %-10s %s\n", c.spec.name, c.spec.summary));
  absl::StrAppend(&out,
                  "\nGRAPH is a graph file in the text form or the protobuf form (told apart by content).\n"
                  "Run 'aotc COMMAND --help' for a command's flags. See docs/debugging.md.\n");
  return out;
}

}  // namespace

int RunAotc(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Env& env) {
  if (args.empty()) {
    err << MainUsage();
    return 2;
  }
  if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    if (args.size() > 1 && args[0] == "help") {
      for (const Command& c : Commands()) {
        if (c.spec.name == args[1]) {
          out << Usage(c.spec);
          return 0;
        }
      }
    }
    out << MainUsage();
    return 0;
  }
  const Command* command = nullptr;
  for (const Command& c : Commands()) {
    if (c.spec.name == args[0]) command = &c;
  }
  if (command == nullptr) {
    err << "aotc: error: unknown command '" << args[0] << "'\n\n" << MainUsage();
    return 2;
  }
  const std::string prefix = absl::StrCat("aotc ", command->spec.name, ": error: ");
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(command->spec, absl::MakeConstSpan(args).subspan(1));
  if (!parsed.ok()) {
    err << prefix << parsed.status().message() << "\nRun 'aotc " << command->spec.name << " --help' for usage.\n";
    return 2;
  }
  if (parsed->help) {
    out << Usage(command->spec);
    return 0;
  }
  Context ctx{env, out, *parsed};
  absl::Status s = command->run(ctx);
  out.flush();
  if (s.ok()) return 0;
  err << prefix << s.message() << "\n";
  if (IsUsageError(s)) {
    err << "Run 'aotc " << command->spec.name << " --help' for usage.\n";
    return 2;
  }
  return 1;
}

}  // namespace aot::aotc
