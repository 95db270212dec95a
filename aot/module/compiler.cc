#include "aot/module/compiler.h"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "aot/backends/interpreter/interpreter.h"
#include "aot/ir/dot.h"
#include "aot/ir/printer.h"

namespace aot {
namespace {

CompiledFn Interpret(const ir::Graph& graph) {
  const ir::Graph* g = &graph;
  return [g](const std::vector<Tensor>& inputs) { return RunGraph(*g, inputs); };
}

// Quotes `s` for the shell.
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

}  // namespace

Compiler NopCompiler() {
  return [](const ir::Graph& graph, const std::vector<Tensor>&) -> absl::StatusOr<CompiledFn> {
    return Interpret(graph);
  };
}

Compiler PrintCompiler(std::string name, std::ostream* out) {
  return [name, out](const ir::Graph& graph, const std::vector<Tensor>&) -> absl::StatusOr<CompiledFn> {
    std::ostream& os = out != nullptr ? *out : std::cout;
    os << name << "\n" << ir::PrintGraph(graph) << std::flush;
    return Interpret(graph);
  };
}

absl::StatusOr<std::vector<std::string>> DrawGraph(const ir::Graph& graph, const std::string& path_prefix) {
  std::string dot_path = path_prefix + ".dot";
  {
    std::ofstream f(dot_path);
    f << ir::GraphToDot(graph);
    if (!f) return absl::InvalidArgumentError(absl::StrCat("draw_graph: cannot write ", dot_path));
  }
  std::vector<std::string> written = {dot_path};
  if (std::system("command -v dot >/dev/null 2>&1") == 0) {
    std::string svg_path = path_prefix + ".svg";
    std::string cmd = absl::StrCat("dot -Tsvg ", ShellQuote(dot_path), " -o ", ShellQuote(svg_path));
    if (std::system(cmd.c_str()) == 0) written.push_back(svg_path);
  }
  return written;
}

Compiler DrawGraphCompiler(std::string path_prefix) {
  return [path_prefix](const ir::Graph& graph, const std::vector<Tensor>&) -> absl::StatusOr<CompiledFn> {
    absl::StatusOr<std::vector<std::string>> files = DrawGraph(graph, path_prefix);
    if (!files.ok()) return files.status();
    return Interpret(graph);
  };
}

}  // namespace aot
