// The C++ form of functorch.compile's AOT Autograd introduction
// (COMPILE_README.md): every example that needs no model zoo.
//
//   bazel run //examples:quickstart
//
// Drawn graphs go to the directory `bazel run` was started from (or, under
// `bazel test`, the test's output directory).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "aot/autodiff/engine.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/base/status_macros.h"
#include "aot/ir/passes/cse.h"
#include "aot/ir/passes/dce.h"
#include "aot/ir/printer.h"
#include "aot/module/aot_function.h"
#include "aot/tensor/ops.h"

namespace {

using aot::Tensor;
using Tensors = std::vector<Tensor>;

// def f(x): return x.cos().cos()
Tensors F(const Tensors& in) { return {in[0].cos().cos()}; }

std::string OutputDir() {
  for (const char* var : {"TEST_UNDECLARED_OUTPUTS_DIR", "TEST_TMPDIR", "BUILD_WORKING_DIRECTORY"}) {
    if (const char* dir = std::getenv(var)) return dir;
  }
  return ".";
}

std::string Values(const Tensor& t) {
  absl::StatusOr<std::vector<double>> v = t.ToVector<double>();
  if (!v.ok()) return v.status().ToString();
  std::string out = "[";
  for (size_t i = 0; i < v->size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%s%.4f", i == 0 ? "" : ", ", (*v)[i]);
    out += buf;
  }
  return out + "]";
}

// A compiler that transforms the graph before running it, in the role of
// the README's TorchScript compiler: it runs common-subexpression and
// dead-code elimination on a copy, prints the result and runs the copy with
// the interpreter.
absl::StatusOr<aot::CompiledFn> OptimizingCompiler(const aot::ir::Graph& graph, const Tensors& /*examples*/) {
  std::shared_ptr<aot::ir::Graph> g = graph.Clone();
  AOT_RETURN_IF_ERROR(aot::ir::CommonSubexpressionElimination().Run(g.get()).status());
  AOT_RETURN_IF_ERROR(aot::ir::DeadCodeElimination().Run(g.get()).status());
  std::cout << "optimized " << aot::ir::PrintGraph(*g);
  return aot::CompiledFn([g](const Tensors& in) { return aot::RunGraph(*g, in); });
}

absl::Status Main() {
  // 1. Print the forward and backward graphs.
  std::cout << "== 1. print_graph ==\n";
  AOT_ASSIGN_OR_RETURN(aot::AotFunction nf, aot::aot_function(F, {.fw_compiler = aot::PrintCompiler("forward"),
                                                                    .bw_compiler = aot::PrintCompiler("backward")}));
  AOT_RETURN_IF_ERROR(nf({aot::randn({3}, /*seed=*/0).set_requires_grad(true)}).status());

  // 2. Do anything before and after, and still backprop through it.
  std::cout << "\n== 2. backprop through the compiled function ==\n";
  Tensor x = aot::randn({3}, /*seed=*/1).set_requires_grad(true);
  Tensor inp = x.cos();
  AOT_ASSIGN_OR_RETURN(Tensor out, nf.Call1({inp}));
  AOT_RETURN_IF_ERROR(out.sin().sum().backward());
  std::cout << "x.grad()        = " << Values(x.grad()) << "\n";
  Tensor x_eager = x.detach().set_requires_grad(true);
  AOT_RETURN_IF_ERROR(x_eager.cos().cos().cos().sin().sum().backward());
  std::cout << "eager reference = " << Values(x_eager.grad()) << "\n";
  std::cout << "compilations    = " << nf.num_compilations() << "\n";

  // 3. Draw the graphs (DOT, and SVG when Graphviz is installed).
  std::cout << "\n== 3. draw_graph ==\n";
  const std::string dir = OutputDir();
  AOT_ASSIGN_OR_RETURN(aot::AotFunction drawn,
                       aot::aot_function(F, {.fw_compiler = aot::DrawGraphCompiler(dir + "/forward"),
                                             .bw_compiler = aot::DrawGraphCompiler(dir + "/backward")}));
  AOT_RETURN_IF_ERROR(drawn({aot::randn({3}, /*seed=*/2).set_requires_grad(true)}).status());
  std::cout << "wrote forward.dot and backward.dot (and .svg with Graphviz)\n";
  std::cerr << "graphs drawn in " << dir << "\n";

  // 4. A compiler of your own that transforms the graph before running it.
  std::cout << "\n== 4. a compiler that transforms the graph ==\n";
  AOT_ASSIGN_OR_RETURN(aot::AotFunction opt, aot::aot_function(F, {.fw_compiler = OptimizingCompiler}));
  Tensor y = aot::randn({3}, /*seed=*/3).set_requires_grad(true);
  AOT_ASSIGN_OR_RETURN(Tensor r, opt.Call1({y}));
  AOT_RETURN_IF_ERROR(r.sum().backward());
  std::cout << "y.grad() = " << Values(y.grad()) << "\n";
  return absl::OkStatus();
}

}  // namespace

int main() {
  absl::Status s = Main();
  if (!s.ok()) {
    std::cerr << "quickstart failed: " << s << "\n";
    return 1;
  }
  return 0;
}
