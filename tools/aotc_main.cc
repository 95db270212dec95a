// aotc: print, verify, joint-ify, partition, run, draw and minify saved
// graphs. See tools/aotc_lib/aotc.h and docs/debugging.md.
//
//   bazel run //tools:aotc -- print dumps/forward_0_joint.txt
//   bazel build //tools:aotc && cp bazel-bin/tools/aotc ~/bin/
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "tools/aotc_lib/aotc.h"

int main(int argc, char** argv) {
  aot::aotc::Env env;
  // `bazel run` starts in the runfiles; relative paths mean the caller's.
  if (const char* dir = std::getenv("BUILD_WORKING_DIRECTORY")) env.working_dir = dir;
  if (const char* dot = std::getenv("AOTC_DOT")) env.dot_program = dot;
  std::vector<std::string> args(argv + 1, argv + argc);
  return aot::aotc::RunAotc(args, std::cout, std::cerr, env);
}
