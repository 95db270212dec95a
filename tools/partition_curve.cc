// Prints the saved-bytes / recompute-cost curve of a joint graph: for budgets
// from 1 down to 0, what the memory-budget partitioner saves and the
// estimated time it recomputes, after the default and min-cut summaries.
//
//   bazel run //tools:partition_curve -- /path/joint.txt NUM_PRIMALS NUM_FWD_OUTPUTS [STEPS]
//
// The file holds a joint graph in the text form (aot/ir/printer.h): inputs
// primals then tangents, outputs forward outputs then gradients. STEPS
// (default 10) is the number of budget intervals.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "aot/base/status_macros.h"
#include "aot/ir/graph.h"
#include "aot/ir/parser.h"
#include "aot/ir/verifier.h"
#include "aot/partition/memory_budget.h"
#include "aot/partition/partition.h"

namespace aot::partition {
namespace {

// Prefixes every line of `text` with "# ".
std::string Commented(const std::string& text) {
  std::string out = "# ";
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\n' && i + 1 < text.size()) out += "# ";
  }
  return out;
}

absl::Status Run(std::string path, int num_primals, int num_fwd_outputs, int steps) {
  // `bazel run` starts in the runfiles; relative paths mean the caller's.
  if (const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY"); cwd != nullptr && !path.empty() && path[0] != '/') {
    path = std::string(cwd) + "/" + path;
  }
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrFormat("cannot read %s", path));
  std::stringstream text;
  text << file.rdbuf();
  AOT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> joint, ir::ParseGraph(text.str()));
  AOT_RETURN_IF_ERROR(ir::VerifyGraph(*joint));
  JointInfo info{num_primals, num_fwd_outputs};

  AOT_ASSIGN_OR_RETURN(Partition def, DefaultPartition(*joint, info));
  AOT_ASSIGN_OR_RETURN(Partition cut, MinCutPartition(*joint, info));
  std::cout << "# joint graph " << joint->name() << ": " << joint->num_nodes() << " nodes\n"
            << Commented(def.summary.ToString()) << Commented(cut.summary.ToString());

  AOT_ASSIGN_OR_RETURN(std::unique_ptr<MemoryBudgetPlanner> planner, MemoryBudgetPlanner::Create(*joint, info));
  std::cout << absl::StrFormat("# memory budget: %d Pareto points from %d cuts (%s search): saved_bytes recompute_ns\n",
                               planner->frontier().size(), planner->num_cuts(),
                               planner->exact() ? "exact" : "hull");
  for (const TradeoffPoint& t : planner->frontier()) {
    std::cout << absl::StrFormat("#   %d %.6g\n", t.saved_bytes, t.recompute_cost);
  }
  std::cout << absl::StrFormat("%-8s %14s %14s %10s %16s %7s %11s\n", "budget", "limit_bytes", "saved_bytes",
                               "saved/def", "recompute_ns", "saved", "recomputed");
  const double default_bytes = static_cast<double>(planner->default_saved_bytes());
  for (int i = steps; i >= 0; --i) {
    double budget = static_cast<double>(i) / steps;
    const TradeoffPoint& t = planner->Choose(budget);
    std::cout << absl::StrFormat("%-8.3f %14.0f %14d %10.3f %16.6g %7d %11d\n", budget, budget * default_bytes,
                                 t.saved_bytes,
                                 default_bytes > 0 ? static_cast<double>(t.saved_bytes) / default_bytes : 0.0,
                                 t.recompute_cost, t.num_saved, t.num_recomputed);
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace aot::partition

int main(int argc, char** argv) {
  int num_primals = 0, num_fwd_outputs = 0, steps = 10;
  if (argc < 4 || argc > 5 || !absl::SimpleAtoi(argv[2], &num_primals) ||
      !absl::SimpleAtoi(argv[3], &num_fwd_outputs) || (argc == 5 && !absl::SimpleAtoi(argv[4], &steps)) ||
      steps <= 0) {
    std::fprintf(stderr, "usage: %s JOINT_GRAPH_FILE NUM_PRIMALS NUM_FWD_OUTPUTS [STEPS]\n", argv[0]);
    return 2;
  }
  absl::Status status = aot::partition::Run(argv[1], num_primals, num_fwd_outputs, steps);
  if (!status.ok()) {
    std::fprintf(stderr, "partition_curve: %s\n", std::string(status.ToString()).c_str());
    return 1;
  }
  return 0;
}
