#include "tools/aotc_lib/args.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace aot::aotc {
namespace {

const FlagSpec* FindLong(const CommandSpec& spec, absl::string_view name) {
  for (const FlagSpec& f : spec.flags) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const FlagSpec* FindShort(const CommandSpec& spec, char name) {
  for (const FlagSpec& f : spec.flags) {
    if (f.short_name != 0 && f.short_name == name) return &f;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<ParsedArgs> ParseArgs(const CommandSpec& spec, absl::Span<const std::string> args) {
  ParsedArgs parsed;
  bool flags_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_done || arg == "-" || !absl::StartsWith(arg, "-")) {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      parsed.help = true;
      continue;
    }
    const FlagSpec* flag = nullptr;
    std::string shown;  // The flag as the user spelled it, for messages.
    std::string value;
    bool has_value = false;
    if (absl::StartsWith(arg, "--")) {
      const std::string body = arg.substr(2);
      const size_t eq = body.find('=');
      shown = "--" + body.substr(0, eq);
      flag = FindLong(spec, body.substr(0, eq));
      if (eq != std::string::npos) {
        value = body.substr(eq + 1);
        has_value = true;
      }
    } else {
      shown = arg.substr(0, 2);
      flag = FindShort(spec, arg[1]);
      if (arg.size() > 2) {
        value = arg.substr(arg[2] == '=' ? 3 : 2);
        has_value = true;
      }
    }
    if (flag == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag ", shown));
    if (flag->value.empty()) {
      if (has_value) return absl::InvalidArgumentError(absl::StrCat("flag ", shown, " takes no value"));
    } else if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag ", shown, " needs a value (", shown, "=", flag->value, ")"));
      }
      value = args[++i];
    }
    parsed.flags[flag->name] = value;
  }
  if (parsed.help) return parsed;
  const int n = static_cast<int>(parsed.positional.size());
  if (n < spec.min_positional || n > spec.max_positional) {
    if (n > spec.max_positional) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", parsed.positional[spec.max_positional],
                                                     "' (usage: aotc ", spec.name, " ", spec.args, ")"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("missing ", spec.args, " (usage: aotc ", spec.name, " ", spec.args, " [flags])"));
  }
  return parsed;
}

std::string Usage(const CommandSpec& spec) {
  std::string out = absl::StrCat("usage: aotc ", spec.name, " ", spec.args, spec.flags.empty() ? "" : " [flags]",
                                 "\n\n", spec.summary, "\n");
  if (!spec.description.empty()) absl::StrAppend(&out, "\n", spec.description);
  if (!spec.flags.empty()) {
    absl::StrAppend(&out, "\nflags:\n");
    for (const FlagSpec& f : spec.flags) {
      std::string left =
          absl::StrCat("  ", f.short_name != 0 ? absl::StrCat("-", std::string(1, f.short_name), ", ") : "", "--",
                       f.name, f.value.empty() ? "" : absl::StrCat("=", f.value));
      if (left.size() < 28) {
        left.resize(28, ' ');
        absl::StrAppend(&out, left, f.help, "\n");
      } else {
        absl::StrAppend(&out, left, "\n", std::string(28, ' '), f.help, "\n");
      }
    }
  }
  absl::StrAppend(&out, "  -h, --help                show this help\n");
  return out;
}

}  // namespace aot::aotc
