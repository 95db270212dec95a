// The graph minifier: shrinks a graph on which a check fails (a compiler
// errors, crashes, or computes outputs that differ from the interpreter's)
// to a small graph that still fails the same way, and writes it as a
// reproducer. The C++ counterpart of functorch.compile's minifier.
//
//   AOT_ASSIGN_OR_RETURN(Compiler compiler, minifier::MakeTestCompiler("miscompile:sin"));
//   minifier::Check check = minifier::CompilerCheck(compiler);
//   AOT_ASSIGN_OR_RETURN(minifier::MinifyResult r, minifier::Minify(*graph, check));
//   if (r.failed) {
//     std::ofstream("repro.txt") << minifier::ReproducerText(r);
//     std::ofstream("repro_test.cc") << minifier::ReproducerTest(r, {});
//   }
//   // # Reproducer written by the aot minifier.
//   // # Failure (mismatch): output 0 (sin_3): max abs diff 1.13 at element 2 ...
//   // graph forward(cos_7: f32[4,3]) {
//   //   sin_3: f32[4,3] = sin(cos_7)
//   //   return (sin_3)
//   // }
//
// Note [Delta debugging graphs]
// A candidate keeps a subset K of the current graph's nodes (Zeller's ddmin
// over the nodes in program order: try each chunk alone, then each chunk's
// complement, then finer chunks). The candidate graph computes the nodes of
// K in order; an operand that K does not compute (a graph input or the
// result of a dropped node) becomes a new graph input with the value's name
// and type; its outputs are the original outputs K computes and every K
// result a dropped node used, so that whatever the dropped part observed is
// still observed. Removing a node thus both cuts the graph above it
// (its users read a new input) and below it (its operands become outputs).
// Between node passes, ddmin drops outputs (and the nodes only they need).
// Rounds repeat until nothing shrinks. A candidate counts only if the check
// fails with the same CheckResult::kind as the original graph: a reduction
// that turns a miscompile into a compile error is not kept. Candidates are
// verified (VerifyGraph) before they are checked, and results are cached by
// the printed graph. On Linux each check runs in a child process, so that a
// compiler that crashes is minified too (Note [Crash isolation]). What is
// not done: shrinking tensor shapes or attributes.
//
// Note [Crash isolation]
// IsolateCrashes forks before each check. The child runs the check (random
// inputs, interpreter, compiler, comparison), writes the CheckResult to a
// pipe and leaves with _exit(0): it runs no atexit handlers or static
// destructors and flushes no stdio buffer it inherited (the parent flushes
// its own before forking, so nothing is written twice). The child's stdout
// and stderr go to a second pipe; the parent keeps the end of it, reads
// the result, and waits for the child. Death by a signal, a non-zero exit
// status, or an exit without a complete result is a failure of kind
// "crash", named in the message ("killed by SIGSEGV (Segmentation fault)")
// with the last lines the child wrote (an AOT_CHECK failure's file, line and
// condition). The child also turns off core dumps, or minifying a crash
// would write one per check.
// Threads: only the forking thread exists in the child, and it never returns
// to the caller (it calls _exit), so the parent's other threads and the
// state they leave half-done do not matter, with one exception: GNU
// OpenMP's thread pool does not survive fork, and a parallel region of more
// than one thread in the child waits forever for threads that are gone. The
// child therefore calls omp_set_num_threads(1) first: the CPU kernels
// (ParallelFor opens no region then) and OpenBLAS run on one thread, so a
// check of a large graph is slower than in-process, and a crash that needs
// several kernel threads is not seen. Not isolated either: a check that
// hangs (the minifier waits for it), and a compiler that uses CUDA in a
// process that already initialized CUDA (CUDA does not work after fork; its
// errors would look like compile or run errors). For those, or to debug the
// crash itself, set MinifyOptions::isolate_crashes = false.
#ifndef TOOLS_MINIFIER_MINIFIER_H_
#define TOOLS_MINIFIER_MINIFIER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"
#include "aot/module/compiler.h"

namespace aot::minifier {

// What a check says about one graph.
struct CheckResult {
  enum class Verdict {
    kPass,     // No failure.
    kFail,     // The failure being minified (or another one).
    kInvalid,  // The graph cannot be tested (e.g. the reference fails).
  };
  Verdict verdict = Verdict::kPass;
  // The kind of failure ("compile error", "run error", "mismatch", "crash"):
  // the minifier keeps only candidates that fail with the original kind.
  std::string kind;
  std::string message;

  bool fails() const { return verdict == Verdict::kFail; }
  static CheckResult Pass() { return {}; }
  static CheckResult Fail(std::string kind, std::string message) {
    return {Verdict::kFail, std::move(kind), std::move(message)};
  }
  static CheckResult Invalid(std::string message) { return {Verdict::kInvalid, "", std::move(message)}; }
};

// Checks one graph. Must be deterministic.
using Check = std::function<CheckResult(const ir::Graph& graph)>;

struct CompilerCheckOptions {
  // Outputs match when |compiled - reference| <= atol + rtol * |reference|
  // elementwise (NaN matches NaN, infinities match themselves).
  double atol = 1e-4;
  double rtol = 1e-4;
  // Inputs are MakeRandomInputs(graph, seed) (random_inputs.h).
  uint64_t seed = 0;
};

// Returns a check that runs `graph` with the interpreter (the reference) and
// with `compiler` on the same random inputs. Fails with kind "compile error"
// when the compiler returns an error, "run error" when the compiled function
// does, "mismatch" when the outputs differ (count, type or values beyond the
// tolerance; the message names the first such output and element). Invalid
// when no inputs can be made or the interpreter fails.
Check CompilerCheck(Compiler compiler, const CompilerCheckOptions& options = {});

// True where IsolateCrashes can run a check in a child process (Linux).
#if defined(__linux__)
inline constexpr bool kCanIsolateCrashes = true;
#else
inline constexpr bool kCanIsolateCrashes = false;
#endif

// Returns a check that runs `check` in a forked child process and returns
// what it returns there, or fails with kind "crash" when the child dies by a
// signal or exits without reporting a result; Invalid if the child cannot be
// started (Note [Crash isolation]). Where kCanIsolateCrashes is false,
// returns `check`.
Check IsolateCrashes(Check check);

struct MinifyOptions {
  // Stops shrinking after this many checks (the result still fails).
  int max_checks = 5000;
  // Runs every check through IsolateCrashes, so that a check that crashes
  // (segfault, abort, failed AOT_CHECK) is a failure of kind "crash" to
  // minify instead of the end of this process. False runs checks in this
  // process. See Note [Crash isolation].
  bool isolate_crashes = kCanIsolateCrashes;
  // Progress lines ("nodes: 300 -> 1 (19 checks)"); may be empty.
  std::function<void(absl::string_view)> log;
};

struct MinifyResult {
  // False when the check does not fail on the input graph: nothing to
  // minify (`graph` is then null and `original` says why).
  bool failed = false;
  // The check's result on the input graph and on the minified graph.
  CheckResult original;
  CheckResult minified;
  std::unique_ptr<ir::Graph> graph;
  int original_nodes = 0;
  int num_checks = 0;
};

// Shrinks `graph` while `check` fails with the same kind of failure (Note
// [Delta debugging graphs]), each check in a child process unless
// `options.isolate_crashes` is false. InvalidArgument if `graph` does not
// verify; FailedPrecondition if `check` says the input graph is invalid.
absl::StatusOr<MinifyResult> Minify(const ir::Graph& graph, const Check& check, const MinifyOptions& options = {});

// Returns the candidate graph of Note [Delta debugging graphs] that keeps
// the nodes of `graph` for which `keep` is true, or null when it would have
// no outputs.
std::unique_ptr<ir::Graph> KeepNodes(const ir::Graph& graph, const std::vector<bool>& keep);

// Returns the reproducer file: comment lines naming the failure, then the
// minified graph in text form (ParseGraph reads it; so does `aotc`).
std::string ReproducerText(const MinifyResult& result);

struct ReproducerTestOptions {
  // A C++ expression of type aot::Compiler for the compiler under test.
  std::string compiler_expr = "YourCompiler()";
  // Headers the expression needs, e.g. "my/compiler.h".
  std::vector<std::string> includes;
  // As the check ran: the inputs' seed and the tolerance.
  CompilerCheckOptions check;
};

// Returns a googletest file that parses the minified graph, runs it with the
// interpreter and with the compiler on the inputs the check used, and
// expects the same outputs (it fails while the bug is there).
std::string ReproducerTest(const MinifyResult& result, const ReproducerTestOptions& options);

}  // namespace aot::minifier

#endif  // TOOLS_MINIFIER_MINIFIER_H_
