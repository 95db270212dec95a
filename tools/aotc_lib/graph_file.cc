#include "tools/aotc_lib/graph_file.h"

#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "aot/ir/graph_proto.h"
#include "aot/ir/parser.h"

namespace aot::aotc {

absl::string_view GraphFormatName(GraphFormat format) { return format == GraphFormat::kText ? "text" : "proto"; }

GraphFormat DetectFormat(absl::string_view contents) {
  for (unsigned char c : contents) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return GraphFormat::kProto;
    if (c == 0x7f) return GraphFormat::kProto;
  }
  return GraphFormat::kText;
}

absl::StatusOr<std::optional<JointHeader>> FindJointHeader(absl::string_view text) {
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    if (!absl::ConsumePrefix(&line, "#")) break;  // The header precedes the graph.
    line = absl::StripLeadingAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "joint ")) continue;
    JointHeader header;
    bool has_primals = false, has_outputs = false;
    for (absl::string_view word : absl::StrSplit(line, ' ', absl::SkipWhitespace())) {
      std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(word, absl::MaxSplits('=', 1));
      int value = 0;
      const bool number = absl::SimpleAtoi(kv.second, &value) && value >= 0;
      if (kv.first == "num_primals" && number) {
        header.num_primals = value;
        has_primals = true;
      } else if (kv.first == "num_fwd_outputs" && number) {
        header.num_fwd_outputs = value;
        has_outputs = true;
      }
    }
    if (!has_primals || !has_outputs) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number,
                                                     ": malformed joint header, expected \"# joint num_primals=P "
                                                     "num_fwd_outputs=F\""));
    }
    return std::optional<JointHeader>(header);
  }
  return std::optional<JointHeader>();
}

std::string JointHeaderLine(const JointHeader& header) {
  return absl::StrCat("# joint num_primals=", header.num_primals, " num_fwd_outputs=", header.num_fwd_outputs, "\n");
}

absl::StatusOr<GraphFile> ParseGraphFile(absl::string_view contents, absl::string_view path) {
  GraphFile file;
  file.format = DetectFormat(contents);
  if (file.format == GraphFormat::kProto) {
    absl::StatusOr<std::unique_ptr<ir::Graph>> g = ir::DeserializeGraph(contents);
    if (!g.ok()) {
      return absl::Status(g.status().code(),
                          absl::StrCat(path, ": not a graph (binary, read as protobuf): ", g.status().message()));
    }
    file.graph = *std::move(g);
    return file;
  }
  if (absl::StripAsciiWhitespace(contents).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": empty file, expected a graph"));
  }
  absl::StatusOr<std::optional<JointHeader>> header = FindJointHeader(contents);
  if (!header.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", header.status().message()));
  file.joint = *header;
  absl::StatusOr<std::unique_ptr<ir::Graph>> g = ir::ParseGraph(contents);
  if (!g.ok()) return absl::Status(g.status().code(), absl::StrCat(path, ": ", g.status().message()));
  file.graph = *std::move(g);
  return file;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot read the file"));
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

absl::StatusOr<GraphFile> ReadGraphFile(const std::string& path) {
  absl::StatusOr<std::string> contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  return ParseGraphFile(*contents, path);
}

absl::Status WriteFile(const std::string& path, absl::string_view contents) {
  std::ofstream f(path, std::ios::binary);
  f << contents;
  f.close();
  if (!f) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot write the file"));
  return absl::OkStatus();
}

}  // namespace aot::aotc
