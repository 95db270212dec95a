#include "tools/minifier/minifier.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <fcntl.h>
#include <omp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/ir/printer.h"
#include "aot/ir/verifier.h"
#include "tools/minifier/random_inputs.h"

namespace aot::minifier {
namespace {

// The node's attributes as a named list (for CreateUnchecked).
ir::AttrList NamedAttrs(const ir::Node& node) {
  const ir::OpSchema& schema = node.op().schema();
  ir::AttrList attrs;
  for (int i = 0; i < schema.num_attrs(); ++i) {
    attrs.emplace_back(schema.args()[schema.attr_args()[i]].name, node.attrs()[i]);
  }
  return attrs;
}

// Builds the graph that computes the nodes of `graph` with keep[i] true (in
// order), turning other operands into new inputs. Outputs: `output_indices`
// of `graph`'s outputs when given, else those of Note [Delta debugging
// graphs]. Returns null when the result would have no outputs or cannot be
// built.
std::unique_ptr<ir::Graph> Materialize(const ir::Graph& graph, const std::vector<bool>& keep,
                                       const std::vector<int>* output_indices) {
  std::vector<ir::Node*> nodes = graph.nodes();
  absl::flat_hash_set<const ir::Node*> kept;
  absl::flat_hash_set<const ir::Value*> used;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!keep[i]) continue;
    kept.insert(nodes[i]);
    for (int k = 0; k < nodes[i]->num_operands(); ++k) used.insert(nodes[i]->operand(k));
  }
  if (output_indices != nullptr) {
    for (int i : *output_indices) used.insert(graph.output(i));
  }
  auto g = std::make_unique<ir::Graph>(graph.name());
  absl::flat_hash_map<const ir::Value*, ir::Value*> map;
  // The original inputs first, in their order; new inputs as first used.
  for (int i = 0; i < graph.num_inputs(); ++i) {
    const ir::Value* in = graph.input(i);
    if (used.contains(in)) map[in] = g->AddInput(in->name(), in->meta());
  }
  auto lookup = [&](const ir::Value* v) -> ir::Value* {
    auto it = map.find(v);
    if (it != map.end()) return it->second;
    ir::TensorMeta meta = v->meta();
    meta.strides.clear();
    meta.requires_grad = false;
    ir::Value* in = g->AddInput(v->name(), std::move(meta));
    map[v] = in;
    return in;
  };
  for (const ir::Node* node : nodes) {
    if (!kept.contains(node)) continue;
    std::vector<std::vector<ir::Value*>> groups;
    for (int gi = 0; gi < node->num_groups(); ++gi) {
      groups.emplace_back();
      for (const ir::Value* v : node->group(gi)) groups.back().push_back(lookup(v));
    }
    std::vector<ir::TensorMeta> metas;
    std::vector<std::string> names;
    for (int r = 0; r < node->num_results(); ++r) {
      metas.push_back(node->result(r)->meta());
      names.push_back(node->result(r)->name());
    }
    absl::StatusOr<ir::Node*> copy =
        g->CreateUnchecked(node->kind(), std::move(groups), NamedAttrs(*node), std::move(metas), std::move(names));
    if (!copy.ok()) return nullptr;
    for (const auto& [key, value] : node->annotations()) (*copy)->set_annotation(key, value);
    for (int r = 0; r < node->num_results(); ++r) map[node->result(r)] = (*copy)->result(r);
  }
  if (output_indices != nullptr) {
    for (int i : *output_indices) g->AddOutput(lookup(graph.output(i)));
  } else {
    for (const ir::Value* o : graph.outputs()) {
      if (!o->is_input() && kept.contains(o->producer())) g->AddOutput(map.at(o));
    }
    for (const ir::Node* node : nodes) {
      if (!kept.contains(node)) continue;
      for (int r = 0; r < node->num_results(); ++r) {
        const ir::Value* v = node->result(r);
        if (v->is_output()) continue;
        for (const ir::Node* user : v->users()) {
          if (!kept.contains(user)) {
            g->AddOutput(map.at(v));
            break;
          }
        }
      }
    }
  }
  if (g->num_outputs() == 0) return nullptr;
  return g;
}

// Returns `graph` with only the outputs `indices` and the nodes they need.
std::unique_ptr<ir::Graph> SelectOutputs(const ir::Graph& graph, const std::vector<int>& indices) {
  std::vector<ir::Node*> nodes = graph.nodes();
  absl::flat_hash_set<const ir::Node*> live;
  std::vector<const ir::Node*> stack;
  for (int i : indices) {
    if (ir::Node* p = graph.output(i)->producer(); p != nullptr && live.insert(p).second) stack.push_back(p);
  }
  while (!stack.empty()) {
    const ir::Node* n = stack.back();
    stack.pop_back();
    for (int k = 0; k < n->num_operands(); ++k) {
      if (ir::Node* p = n->operand(k)->producer(); p != nullptr && live.insert(p).second) stack.push_back(p);
    }
  }
  std::vector<bool> keep(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) keep[i] = live.contains(nodes[i]);
  return Materialize(graph, keep, &indices);
}

// Zeller's ddmin: returns a subset of `items` on which `fails` holds, with
// no single chunk at the finest granularity removable. `fails(items)` is
// assumed.
std::vector<int> DeltaDebug(std::vector<int> items, const std::function<bool(const std::vector<int>&)>& fails) {
  size_t n = 2;
  while (items.size() >= 2) {
    n = std::min(n, items.size());
    std::vector<std::vector<int>> chunks(n);
    for (size_t i = 0; i < items.size(); ++i) chunks[i * n / items.size()].push_back(items[i]);
    bool reduced = false;
    for (const std::vector<int>& chunk : chunks) {
      if (fails(chunk)) {
        items = chunk;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && n > 2) {
      for (size_t c = 0; c < n && !reduced; ++c) {
        std::vector<int> complement;
        for (size_t d = 0; d < n; ++d) {
          if (d != c) complement.insert(complement.end(), chunks[d].begin(), chunks[d].end());
        }
        std::sort(complement.begin(), complement.end());
        if (fails(complement)) {
          items = std::move(complement);
          n = std::max<size_t>(n - 1, 2);
          reduced = true;
        }
      }
    }
    if (!reduced) {
      if (n >= items.size()) break;
      n = std::min(2 * n, items.size());
    }
  }
  return items;
}

std::vector<int> Iota(int n) {
  std::vector<int> v(n);
  for (int i = 0; i < n; ++i) v[i] = i;
  return v;
}

std::string Plural(int64_t n, absl::string_view word) { return absl::StrCat(n, " ", word, n == 1 ? "" : "s"); }

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

// Compares one output; returns "" when it matches.
std::string CompareOutput(const Tensor& want, const Tensor& got, const CompilerCheckOptions& options) {
  ir::TensorMeta wm = want.meta(), gm = got.meta();
  wm.strides.clear();
  gm.strides.clear();
  wm.requires_grad = gm.requires_grad = false;
  if (wm != gm) return absl::StrCat("expected ", wm.ToString(), ", got ", gm.ToString());
  absl::StatusOr<std::vector<double>> w = want.ToVector<double>();
  absl::StatusOr<std::vector<double>> g = got.ToVector<double>();
  if (!w.ok()) return absl::StrCat("cannot read the reference: ", w.status().ToString());
  if (!g.ok()) return absl::StrCat("cannot read the compiled output: ", g.status().ToString());
  int64_t bad = -1, num_bad = 0;
  double max_diff = 0;
  for (size_t i = 0; i < w->size(); ++i) {
    const double a = (*w)[i], b = (*g)[i];
    if (std::isnan(a) && std::isnan(b)) continue;
    if (a == b) continue;  // Also equal infinities.
    const double diff = std::abs(a - b);
    if (!(diff <= options.atol + options.rtol * std::abs(a))) {
      ++num_bad;
      if (bad < 0) bad = static_cast<int64_t>(i);
      if (std::isnan(diff) || diff > max_diff) max_diff = diff;
    }
  }
  if (num_bad == 0) return "";
  return absl::StrCat(num_bad, " of ", w->size(), " elements differ, max abs diff ", FormatDouble(max_diff),
                      "; first at element ", bad, ": expected ", FormatDouble((*w)[bad]), ", got ",
                      FormatDouble((*g)[bad]));
}

std::vector<Tensor> CloneAll(const std::vector<Tensor>& tensors) {
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors) out.push_back(t.clone());
  return out;
}

// Prefixes each line of `text` with "# ".
std::string Commented(absl::string_view text) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) absl::StrAppend(&out, "# ", line, "\n");
  return out;
}

#if defined(__linux__)

// --- Crash isolation (Note [Crash isolation]) ----------------------------------

// How much of the child's output the parent keeps (the end of it).
constexpr size_t kOutputTailBytes = 4096;
// Lines of that output a crash message quotes.
constexpr size_t kOutputTailLines = 10;
// The child's exit status when it cannot write its result.
constexpr int kWriteFailedStatus = 125;

// Returns "<verdict> <kind size> <message size>\n<kind><message>".
std::string EncodeResult(const CheckResult& r) {
  return absl::StrCat(static_cast<int>(r.verdict), " ", r.kind.size(), " ", r.message.size(), "\n", r.kind, r.message);
}

// Returns false unless `bytes` is exactly one EncodeResult.
bool DecodeResult(absl::string_view bytes, CheckResult* r) {
  const size_t eol = bytes.find('\n');
  if (eol == absl::string_view::npos) return false;
  std::vector<absl::string_view> header = absl::StrSplit(bytes.substr(0, eol), ' ');
  int verdict = 0;
  size_t kind_size = 0, message_size = 0;
  if (header.size() != 3 || !absl::SimpleAtoi(header[0], &verdict) || !absl::SimpleAtoi(header[1], &kind_size) ||
      !absl::SimpleAtoi(header[2], &message_size)) {
    return false;
  }
  const absl::string_view body = bytes.substr(eol + 1);
  if (verdict < 0 || verdict > static_cast<int>(CheckResult::Verdict::kInvalid) ||
      body.size() != kind_size + message_size) {
    return false;
  }
  r->verdict = static_cast<CheckResult::Verdict>(verdict);
  r->kind = std::string(body.substr(0, kind_size));
  r->message = std::string(body.substr(kind_size));
  return true;
}

// Writes all of `data` to `fd`. Returns false on an error.
bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Returns "SIGSEGV (Segmentation fault)".
std::string SignalName(int sig) {
  static constexpr std::pair<int, const char*> kNames[] = {
      {SIGABRT, "SIGABRT"}, {SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},   {SIGFPE, "SIGFPE"},
      {SIGILL, "SIGILL"},   {SIGTRAP, "SIGTRAP"}, {SIGSYS, "SIGSYS"},   {SIGKILL, "SIGKILL"},
      {SIGTERM, "SIGTERM"}, {SIGINT, "SIGINT"},   {SIGPIPE, "SIGPIPE"}, {SIGXCPU, "SIGXCPU"},
  };
  std::string name = absl::StrCat("signal ", sig);
  for (const auto& [number, signal_name] : kNames) {
    if (number == sig) name = signal_name;
  }
  const char* description = strsignal(sig);
  return description != nullptr ? absl::StrCat(name, " (", description, ")") : name;
}

// Returns "; its output ends:\n  LINE..." quoting the last lines of the
// child's output, or "" if it wrote nothing. `truncated`: the output's
// start was dropped, so its first line may be partial.
std::string OutputTail(absl::string_view output, bool truncated) {
  if (truncated) {
    const size_t eol = output.find('\n');
    output = eol == absl::string_view::npos ? absl::string_view() : output.substr(eol + 1);
  }
  std::vector<absl::string_view> lines;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    line = absl::StripTrailingAsciiWhitespace(line);
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.empty()) return "";
  if (lines.size() > kOutputTailLines) lines.erase(lines.begin(), lines.end() - kOutputTailLines);
  return absl::StrCat("; its output ends:\n  ", absl::StrJoin(lines, "\n  "));
}

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// Runs `check(graph)` in a child process. See Note [Crash isolation].
CheckResult RunInChild(const Check& check, const ir::Graph& graph) {
  int result_pipe[2], output_pipe[2];
  if (pipe2(result_pipe, O_CLOEXEC) != 0) {
    return CheckResult::Invalid(absl::StrCat("cannot isolate the check: pipe: ", std::strerror(errno)));
  }
  if (pipe2(output_pipe, O_CLOEXEC) != 0) {
    const int error = errno;
    CloseFd(&result_pipe[0]);
    CloseFd(&result_pipe[1]);
    return CheckResult::Invalid(absl::StrCat("cannot isolate the check: pipe: ", std::strerror(error)));
  }
  // What the parent buffered is written once, now, and not by the child.
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // The child: it never returns from this block. The write ends move
    // above stderr first (a pipe end may be fd 1 or 2 if the parent closed
    // those).
    const int result_fd = fcntl(result_pipe[1], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    const int output_fd = fcntl(output_pipe[1], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (result_fd < 0 || output_fd < 0) _exit(kWriteFailedStatus);
    dup2(output_fd, STDOUT_FILENO);
    dup2(output_fd, STDERR_FILENO);
    prctl(PR_SET_DUMPABLE, 0);
    // GNU OpenMP's thread pool did not survive the fork: keep every
    // parallel region to one thread.
    omp_set_num_threads(1);
    const CheckResult r = check(graph);
    _exit(WriteAll(result_fd, EncodeResult(r)) ? 0 : kWriteFailedStatus);
  }
  CloseFd(&result_pipe[1]);
  CloseFd(&output_pipe[1]);
  if (pid < 0) {
    const int error = errno;
    CloseFd(&result_pipe[0]);
    CloseFd(&output_pipe[0]);
    return CheckResult::Invalid(absl::StrCat("cannot isolate the check: fork: ", std::strerror(error)));
  }
  // Read both pipes until the child closes them (reading one only could
  // leave the child blocked on a full other one).
  std::string result_bytes, output;
  bool truncated = false;
  pollfd fds[2] = {{result_pipe[0], POLLIN, 0}, {output_pipe[0], POLLIN, 0}};
  char buffer[4096];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    if (poll(fds, 2, /*timeout=*/-1) < 0) {
      if (errno == EINTR) continue;
      kill(pid, SIGKILL);
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        CloseFd(&fds[i].fd);
        continue;
      }
      std::string& to = i == 0 ? result_bytes : output;
      to.append(buffer, static_cast<size_t>(n));
      if (i == 1 && output.size() > 2 * kOutputTailBytes) {
        output.erase(0, output.size() - kOutputTailBytes);
        truncated = true;
      }
    }
  }
  CloseFd(&fds[0].fd);
  CloseFd(&fds[1].fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return CheckResult::Invalid(absl::StrCat("cannot isolate the check: waitpid: ", std::strerror(errno)));
    }
  }
  if (WIFSIGNALED(status)) {
    return CheckResult::Fail("crash",
                             absl::StrCat("killed by ", SignalName(WTERMSIG(status)), OutputTail(output, truncated)));
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  CheckResult r;
  if (code == 0 && DecodeResult(result_bytes, &r)) return r;
  return CheckResult::Fail(
      "crash", absl::StrCat("exited with status ", code, " before reporting a result", OutputTail(output, truncated)));
}

#endif  // defined(__linux__)

}  // namespace

Check IsolateCrashes(Check check) {
#if defined(__linux__)
  return [check = std::move(check)](const ir::Graph& graph) { return RunInChild(check, graph); };
#else
  return check;
#endif
}

Check CompilerCheck(Compiler compiler, const CompilerCheckOptions& options) {
  return [compiler = std::move(compiler), options](const ir::Graph& graph) -> CheckResult {
    absl::StatusOr<std::vector<Tensor>> inputs = MakeRandomInputs(graph, options.seed);
    if (!inputs.ok()) return CheckResult::Invalid(inputs.status().ToString());
    absl::StatusOr<std::vector<Tensor>> reference = RunGraph(graph, CloneAll(*inputs));
    if (!reference.ok()) {
      return CheckResult::Invalid(absl::StrCat("the interpreter fails: ", reference.status().ToString()));
    }
    absl::StatusOr<CompiledFn> compiled = compiler(graph, FakeLike(*inputs));
    if (!compiled.ok()) return CheckResult::Fail("compile error", compiled.status().ToString());
    absl::StatusOr<std::vector<Tensor>> outputs = (*compiled)(CloneAll(*inputs));
    if (!outputs.ok()) return CheckResult::Fail("run error", outputs.status().ToString());
    if (outputs->size() != reference->size()) {
      return CheckResult::Fail("mismatch",
                               absl::StrCat("expected ", reference->size(), " outputs, got ", outputs->size()));
    }
    for (size_t i = 0; i < outputs->size(); ++i) {
      std::string diff = CompareOutput((*reference)[i], (*outputs)[i], options);
      if (!diff.empty()) {
        return CheckResult::Fail(
            "mismatch", absl::StrCat("output ", i, " (", graph.output(static_cast<int>(i))->name(), "): ", diff));
      }
    }
    return CheckResult::Pass();
  };
}

std::unique_ptr<ir::Graph> KeepNodes(const ir::Graph& graph, const std::vector<bool>& keep) {
  return Materialize(graph, keep, nullptr);
}

absl::StatusOr<MinifyResult> Minify(const ir::Graph& graph, const Check& check, const MinifyOptions& options) {
  if (absl::Status s = ir::VerifyGraph(graph); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("minify: the input graph does not verify: ", s.message()));
  }
  auto log = [&](const std::string& line) {
    if (options.log) options.log(line);
  };
  const Check run = options.isolate_crashes ? IsolateCrashes(check) : check;
  MinifyResult result;
  result.original_nodes = graph.num_nodes();
  result.original = run(graph);
  result.num_checks = 1;
  if (result.original.verdict == CheckResult::Verdict::kInvalid) {
    return absl::FailedPreconditionError(
        absl::StrCat("minify: the check cannot test the input graph: ", result.original.message));
  }
  if (!result.original.fails()) return result;
  result.failed = true;
  log(absl::StrCat("the input graph fails (", result.original.kind, "): ", result.original.message));

  absl::flat_hash_map<std::string, bool> cache;
  // Returns true if `candidate` fails as the input graph does.
  auto interesting = [&](const std::unique_ptr<ir::Graph>& candidate) -> bool {
    if (candidate == nullptr || !ir::VerifyGraph(*candidate).ok()) return false;
    std::string key = ir::PrintGraph(*candidate);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    if (result.num_checks >= options.max_checks) return false;
    CheckResult r = run(*candidate);
    ++result.num_checks;
    const bool same = r.fails() && r.kind == result.original.kind;
    cache.emplace(std::move(key), same);
    return same;
  };

  std::unique_ptr<ir::Graph> current = graph.Clone();
  // Drop unused inputs first, if that keeps the failure.
  if (std::unique_ptr<ir::Graph> all = KeepNodes(*current, std::vector<bool>(current->num_nodes(), true));
      interesting(all)) {
    current = std::move(all);
  }
  for (int round = 1;; ++round) {
    bool changed = false;
    if (current->num_outputs() > 1) {
      const int before = current->num_outputs();
      std::vector<int> best = DeltaDebug(
          Iota(before), [&](const std::vector<int>& subset) { return interesting(SelectOutputs(*current, subset)); });
      if (static_cast<int>(best.size()) < before) {
        current = SelectOutputs(*current, best);
        changed = true;
        log(absl::StrCat("round ", round, ": outputs ", before, " -> ", current->num_outputs(), ", nodes -> ",
                         current->num_nodes(), " (", Plural(result.num_checks, "check"), " so far)"));
      }
    }
    const int before = current->num_nodes();
    if (before > 1) {
      std::vector<int> best = DeltaDebug(Iota(before), [&](const std::vector<int>& subset) {
        std::vector<bool> keep(before, false);
        for (int i : subset) keep[i] = true;
        return interesting(KeepNodes(*current, keep));
      });
      if (static_cast<int>(best.size()) < before) {
        std::vector<bool> keep(before, false);
        for (int i : best) keep[i] = true;
        current = KeepNodes(*current, keep);
        changed = true;
        log(absl::StrCat("round ", round, ": nodes ", before, " -> ", current->num_nodes(), " (",
                         Plural(result.num_checks, "check"), " so far)"));
      }
    }
    if (!changed || result.num_checks >= options.max_checks) break;
  }
  result.minified = run(*current);
  ++result.num_checks;
  result.graph = std::move(current);
  log(absl::StrCat("minified ", Plural(result.original_nodes, "node"), " to ",
                   Plural(result.graph->num_nodes(), "node"), " in ", Plural(result.num_checks, "check")));
  return result;
}

std::string ReproducerText(const MinifyResult& result) {
  if (result.graph == nullptr) return "";
  std::string out = "# Reproducer written by the aot minifier (tools/minifier, `aotc minify`).\n";
  absl::StrAppend(&out, Commented(absl::StrCat("Failure (", result.minified.kind, "): ", result.minified.message)));
  absl::StrAppend(&out, "# Minified from ", Plural(result.original_nodes, "node"), " to ",
                  Plural(result.graph->num_nodes(), "node"), " in ", Plural(result.num_checks, "check"), ".\n");
  absl::StrAppend(&out, ir::PrintGraph(*result.graph));
  return out;
}

std::string ReproducerTest(const MinifyResult& result, const ReproducerTestOptions& options) {
  if (result.graph == nullptr) return "";
  const ir::Graph& g = *result.graph;
  std::string inputs;
  for (int i = 0; i < g.num_inputs(); ++i) {
    absl::StrAppend(&inputs, "      ", RandomInputExpr(g.input(i)->meta(), i, options.check.seed), ",  // ",
                    g.input(i)->name(), "\n");
  }
  std::string includes;
  for (const std::string& h : options.includes) absl::StrAppend(&includes, "#include \"", h, "\"\n");
  std::string failure =
      absl::StrReplaceAll(absl::StrCat("(", result.minified.kind, "): ", result.minified.message), {{"\n", "\n// "}});
  return absl::StrCat(
      "// Reproducer written by the aot minifier (tools/minifier, `aotc minify`).\n"
      "// Failure ",
      failure,
      "\n"
      "//\n",
      result.minified.kind == "crash" ? "// Crashes while the compiler crashes on this graph.\n"
                                      : "// Fails while the compiler computes something else than the interpreter.\n",
      "// Deps: //aot/backends/cpu, //aot/backends/interpreter, //aot/ir:parser,\n"
      "// //aot/module:compiler, //aot/tensor, @com_google_googletest//:gtest_main\n"
      "// and the target that defines the compiler under test.\n"
      "#include <cmath>\n"
      "#include <memory>\n"
      "#include <vector>\n"
      "\n"
      "#include \"aot/backends/interpreter/interpreter.h\"\n"
      "#include \"aot/ir/parser.h\"\n"
      "#include \"aot/module/compiler.h\"\n"
      "#include \"aot/tensor/ops.h\"\n"
      "#include \"aot/tensor/tensor.h\"\n"
      "#include \"gtest/gtest.h\"\n",
      includes,
      "\n"
      "namespace {\n"
      "\n"
      "// The compiler under test.\n"
      "aot::Compiler CompilerUnderTest() { return ",
      options.compiler_expr,
      "; }\n"
      "\n"
      "TEST(MinifiedReproTest, CompiledMatchesInterpreter) {\n"
      "  absl::StatusOr<std::unique_ptr<aot::ir::Graph>> graph = aot::ir::ParseGraph(R\"aot(\n",
      ir::PrintGraph(g),
      ")aot\");\n"
      "  ASSERT_TRUE(graph.ok()) << graph.status();\n"
      "  const std::vector<aot::Tensor> inputs = {\n",
      inputs,
      "  };\n"
      "  absl::StatusOr<std::vector<aot::Tensor>> expected = aot::RunGraph(**graph, inputs);\n"
      "  ASSERT_TRUE(expected.ok()) << expected.status();\n"
      "  std::vector<aot::Tensor> examples;\n"
      "  for (const aot::Tensor& t : inputs) examples.push_back(aot::Tensor::Fake(t.sizes(), t.dtype()));\n"
      "  absl::StatusOr<aot::CompiledFn> compiled = CompilerUnderTest()(**graph, examples);\n"
      "  ASSERT_TRUE(compiled.ok()) << compiled.status();\n"
      "  absl::StatusOr<std::vector<aot::Tensor>> actual = (*compiled)(inputs);\n"
      "  ASSERT_TRUE(actual.ok()) << actual.status();\n"
      "  ASSERT_EQ(actual->size(), expected->size());\n"
      "  for (size_t i = 0; i < expected->size(); ++i) {\n"
      "    absl::StatusOr<std::vector<double>> want = (*expected)[i].ToVector<double>();\n"
      "    absl::StatusOr<std::vector<double>> got = (*actual)[i].ToVector<double>();\n"
      "    ASSERT_TRUE(want.ok() && got.ok());\n"
      "    ASSERT_EQ(got->size(), want->size()) << \"output \" << i;\n"
      "    for (size_t j = 0; j < want->size(); ++j) {\n"
      "      EXPECT_NEAR((*got)[j], (*want)[j], ",
      FormatDouble(options.check.atol), " + ", FormatDouble(options.check.rtol),
      " * std::abs((*want)[j]))\n"
      "          << \"output \" << i << \", element \" << j;\n"
      "    }\n"
      "  }\n"
      "}\n"
      "\n"
      "}  // namespace\n");
}

}  // namespace aot::minifier
