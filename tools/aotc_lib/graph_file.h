// Reading and writing the graph files aotc works on: the text form
// (aot/ir/printer.h; `#` comments allowed) or the protobuf form
// (aot/ir/graph_proto.h), told apart by the content, not the file name.
//
//   AOT_ASSIGN_OR_RETURN(GraphFile f, ReadGraphFile("dumps/forward_0_joint.txt"));
//   if (f.joint) partition with {f.joint->num_primals, f.joint->num_fwd_outputs};
//
// Note [Joint header]
// A joint forward+backward graph in text form says how to split it in a
// comment line before the graph: "# joint num_primals=P num_fwd_outputs=F"
// (aot_function's AOT_DUMP_GRAPHS dumps and `aotc joint` write it). The
// inputs are P primals then the tangents; the outputs F forward outputs then
// the gradients.
#ifndef TOOLS_AOTC_LIB_GRAPH_FILE_H_
#define TOOLS_AOTC_LIB_GRAPH_FILE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"

namespace aot::aotc {

enum class GraphFormat { kText, kProto };

// Returns "text" or "proto".
absl::string_view GraphFormatName(GraphFormat format);

struct JointHeader {
  int num_primals = 0;
  int num_fwd_outputs = 0;
};

struct GraphFile {
  std::unique_ptr<ir::Graph> graph;
  GraphFormat format = GraphFormat::kText;
  // From the header comment (text form only); see Note [Joint header].
  std::optional<JointHeader> joint;
};

// Returns kProto if `contents` has bytes no text file has (NUL or other
// control characters than tab, newline and carriage return), else kText.
GraphFormat DetectFormat(absl::string_view contents);

// Returns the joint header of a text graph, nullopt if it has none.
// InvalidArgument for a "# joint" line that does not read as Note [Joint
// header] says, naming its line.
absl::StatusOr<std::optional<JointHeader>> FindJointHeader(absl::string_view text);

// Returns "# joint num_primals=P num_fwd_outputs=F\n".
std::string JointHeaderLine(const JointHeader& header);

// Parses file contents in either form. Errors name `path` and, for text,
// the line and column. The graph is not verified (the protobuf loader
// verifies; run ir::VerifyGraph for text).
absl::StatusOr<GraphFile> ParseGraphFile(absl::string_view contents, absl::string_view path);

// Reads and parses the file at `path`. NotFound if it cannot be read.
absl::StatusOr<GraphFile> ReadGraphFile(const std::string& path);

// Reads a whole file. NotFound names the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `contents` to `path`. InvalidArgument names the path on failure.
absl::Status WriteFile(const std::string& path, absl::string_view contents);

}  // namespace aot::aotc

#endif  // TOOLS_AOTC_LIB_GRAPH_FILE_H_
