// Command-line parsing for aotc's subcommands: plain argv, no global flags
// (each subcommand declares its own, so they can be parsed and tested one
// command at a time).
//
//   const CommandSpec spec{.name = "draw", .args = "GRAPH", .summary = "...",
//                          .flags = {{.name = "out", .short_name = 'o', .value = "FILE", .help = "..."}}};
//   AOT_ASSIGN_OR_RETURN(ParsedArgs args, ParseArgs(spec, {"g.txt", "-o", "g.svg"}));
//   args.positional[0];          // "g.txt"
//   args.Get("out");             // "g.svg"
//
// Accepted forms: `--name=value`, `--name value`, `-o value`, `-ovalue` for
// flags that take a value; `--name` for switches; `-h`/`--help`; `--` ends
// the flags.
#ifndef TOOLS_AOTC_LIB_ARGS_H_
#define TOOLS_AOTC_LIB_ARGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace aot::aotc {

struct FlagSpec {
  std::string name;
  // A one-letter alias (`-o`), or 0.
  char short_name = 0;
  // What the value is called in the help ("FILE"); empty for a switch.
  std::string value;
  std::string help;
};

struct CommandSpec {
  std::string name;
  // The positional arguments in the usage line, e.g. "GRAPH".
  std::string args;
  int min_positional = 1;
  int max_positional = 1;
  // One line for `aotc --help`.
  std::string summary;
  // Paragraphs after the usage line of `aotc NAME --help`.
  std::string description;
  std::vector<FlagSpec> flags;
};

struct ParsedArgs {
  std::vector<std::string> positional;
  // Flag name to value ("" for a switch). A repeated flag keeps the last.
  std::map<std::string, std::string> flags;
  bool help = false;

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const {
    auto it = flags.find(name);
    return it == flags.end() ? fallback : it->second;
  }
};

// Parses `args` (without the program and subcommand names). InvalidArgument
// names the offending argument: an unknown flag, a missing or unexpected
// value, or a wrong number of positional arguments (not checked with
// --help).
absl::StatusOr<ParsedArgs> ParseArgs(const CommandSpec& spec, absl::Span<const std::string> args);

// Returns the help text of `spec`: usage line, description, flags.
std::string Usage(const CommandSpec& spec);

}  // namespace aot::aotc

#endif  // TOOLS_AOTC_LIB_ARGS_H_
