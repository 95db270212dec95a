// The protobuf form of a Graph (graph.proto): lossless save and load.
//
//   AOT_RETURN_IF_ERROR(SaveGraphProto(graph, "/tmp/g.pb"));
//   AOT_ASSIGN_OR_RETURN(std::unique_ptr<Graph> g, LoadGraphProto("/tmp/g.pb"));
//
// Loading never trusts the bytes: malformed, truncated or inconsistent input
// (unknown op or dtype, dangling value names, bad attribute types, metadata
// that disagrees with the shape rules) returns InvalidArgument naming what is
// wrong; the loaded graph has passed VerifyGraph.
#ifndef AOT_IR_GRAPH_PROTO_H_
#define AOT_IR_GRAPH_PROTO_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/graph.h"
#include "aot/ir/graph.pb.h"

namespace aot::ir {

// Converts between Graph and its message. GraphFromProto verifies the result.
proto::GraphProto GraphToProto(const Graph& graph);
absl::StatusOr<std::unique_ptr<Graph>> GraphFromProto(const proto::GraphProto& message);

// Serialized bytes (the wire format of GraphProto).
std::string SerializeGraph(const Graph& graph);
absl::StatusOr<std::unique_ptr<Graph>> DeserializeGraph(absl::string_view bytes);

// Files. Errors name the path (NotFound for a missing file).
absl::Status SaveGraphProto(const Graph& graph, const std::string& path);
absl::StatusOr<std::unique_ptr<Graph>> LoadGraphProto(const std::string& path);

}  // namespace aot::ir

#endif  // AOT_IR_GRAPH_PROTO_H_
