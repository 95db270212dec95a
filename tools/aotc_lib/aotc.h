// aotc: the command-line tool over saved graphs (docs/debugging.md).
//
//   aotc print GRAPH                  print a graph (text or protobuf file)
//   aotc verify GRAPH                 run the verifier
//   aotc joint GRAPH [--out=FILE]     build the joint forward+backward graph
//   aotc partition GRAPH --partitioner=default|mincut|budget=B
//                                     split a joint graph, print both halves
//                                     and what is saved and recomputed
//   aotc run GRAPH --inputs=random|FILE
//                                     run it with the interpreter
//   aotc draw GRAPH -o out.svg        draw it (DOT, SVG or PNG)
//   aotc minify GRAPH --compiler=SPEC shrink a graph a compiler fails on
//
// `aotc CMD --help` describes each. A GRAPH file is in the text form or the
// protobuf form, told apart by its content (graph_file.h). Exit status: 0 on
// success, 1 when the command fails (unreadable or invalid graph, a failing
// verifier, a tool error), 2 for bad usage (unknown command or flag, a bad
// flag value); the error goes to stderr as "aotc CMD: error: ...".
//
// The commands are a library so that tests run them in-process:
//
//   std::ostringstream out, err;
//   int status = aotc::RunAotc({"verify", "g.txt"}, out, err);
#ifndef TOOLS_AOTC_LIB_AOTC_H_
#define TOOLS_AOTC_LIB_AOTC_H_

#include <ostream>
#include <string>
#include <vector>

namespace aot::aotc {

struct Env {
  // Relative paths in arguments are taken from here ("" for the current
  // directory); the binary sets it from BUILD_WORKING_DIRECTORY under
  // `bazel run`.
  std::string working_dir;
  // The Graphviz program `aotc draw` runs for SVG and PNG (AOTC_DOT in the
  // environment overrides it).
  std::string dot_program = "dot";
};

// Runs aotc with `args` (without the program name), writing results to
// `out` and errors to `err`. Returns the exit status.
int RunAotc(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, const Env& env = {});

}  // namespace aot::aotc

#endif  // TOOLS_AOTC_LIB_AOTC_H_
