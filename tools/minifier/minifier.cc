#include "tools/minifier/minifier.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
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

}  // namespace

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
  MinifyResult result;
  result.original_nodes = graph.num_nodes();
  result.original = check(graph);
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
    CheckResult r = check(*candidate);
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
  result.minified = check(*current);
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
      "//\n"
      "// Fails while the compiler computes something else than the interpreter.\n"
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
