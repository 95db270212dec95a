#include "aot/ir/graph_proto.h"

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "aot/base/status_macros.h"
#include "aot/ir/attr.h"
#include "aot/ir/device.h"
#include "aot/ir/dtype.h"
#include "aot/ir/graph.h"
#include "aot/ir/op.h"
#include "aot/ir/op_schema.h"
#include "aot/ir/shape.h"
#include "aot/ir/verifier.h"

namespace aot::ir {
namespace {

// The format version this code writes and the only one it reads.
constexpr uint32_t kGraphProtoVersion = 1;

// Concrete dimensions of one tensor may not multiply to more elements than
// this (counting 0 as 1), so that element and byte counts cannot overflow.
constexpr int64_t kMaxElements = int64_t{1} << 48;

// ---------------------------------------------------------------------------
// Graph -> message

proto::DataType DTypeToProto(DType dtype) {
  static_assert(kNumDTypes == 8, "map the new DType in graph.proto and here");
  switch (dtype) {
    case DType::kFloat32:
      return proto::DATA_TYPE_F32;
    case DType::kFloat64:
      return proto::DATA_TYPE_F64;
    case DType::kFloat16:
      return proto::DATA_TYPE_F16;
    case DType::kBFloat16:
      return proto::DATA_TYPE_BF16;
    case DType::kInt32:
      return proto::DATA_TYPE_I32;
    case DType::kInt64:
      return proto::DATA_TYPE_I64;
    case DType::kBool:
      return proto::DATA_TYPE_BOOL;
    case DType::kUInt8:
      return proto::DATA_TYPE_U8;
  }
  return proto::DATA_TYPE_UNSPECIFIED;
}

void DeviceToProto(Device device, proto::DeviceProto* out) {
  switch (device.type()) {
    case Device::Type::kCpu:
      out->set_type(proto::DEVICE_TYPE_CPU);
      break;
    case Device::Type::kCuda:
      out->set_type(proto::DEVICE_TYPE_CUDA);
      break;
    case Device::Type::kMeta:
      out->set_type(proto::DEVICE_TYPE_META);
      break;
  }
  out->set_index(device.index());
}

void MetaToProto(const TensorMeta& meta, proto::TensorMetaProto* out) {
  for (const Dim& d : meta.shape.dims()) {
    proto::DimProto* dim = out->add_dims();
    if (d.is_symbolic()) {
      dim->set_symbol(std::string(d.symbol()));
    } else {
      dim->set_size(d.value());
    }
  }
  out->set_dtype(DTypeToProto(meta.dtype));
  DeviceToProto(meta.device, out->mutable_device());
  for (int64_t s : meta.strides) out->add_strides(s);
  out->set_requires_grad(meta.requires_grad);
}

void ValueToProto(const Value& value, proto::ValueProto* out) {
  out->set_name(value.name());
  MetaToProto(value.meta(), out->mutable_meta());
}

void AttrToProto(const AttrValue& value, proto::AttrValueProto* out) {
  std::visit(
      [out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out->mutable_none();
        } else if constexpr (std::is_same_v<T, int64_t>) {
          out->set_i(v);
        } else if constexpr (std::is_same_v<T, double>) {
          out->set_f(v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out->set_b(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out->set_s(v);
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          proto::IntList* list = out->mutable_ints();
          for (int64_t x : v) list->add_values(x);
        } else if constexpr (std::is_same_v<T, std::vector<double>>) {
          proto::FloatList* list = out->mutable_floats();
          for (double x : v) list->add_values(x);
        } else if constexpr (std::is_same_v<T, DType>) {
          out->set_dtype(DTypeToProto(v));
        } else {
          static_assert(std::is_same_v<T, Device>, "unhandled AttrValue alternative");
          DeviceToProto(v, out->mutable_device());
        }
      },
      value.storage());
}

// The name of a possibly null value (a broken graph): "" never loads.
std::string NameOf(const Value* v) { return v == nullptr ? std::string() : v->name(); }

// ---------------------------------------------------------------------------
// Message -> Graph

// Quotes untrusted text for an error message: escaped, cut to a sane length.
std::string Quote(absl::string_view text) {
  constexpr size_t kMaxShown = 64;
  std::string shown = absl::CHexEscape(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) absl::StrAppend(&shown, "...");
  return absl::StrCat("'", shown, "'");
}

absl::Status Invalid(absl::string_view context, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("GraphProto: ", context, ": ", message));
}

// [A-Za-z_][A-Za-z0-9_]*: what the text form reads as a name or a symbol.
bool IsIdentifier(absl::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Returns the DType of a DataType, or nullopt for UNSPECIFIED and unknown
// numbers (proto3 keeps those).
std::optional<DType> DTypeFromProto(int value) {
  switch (value) {
    case proto::DATA_TYPE_F32:
      return DType::kFloat32;
    case proto::DATA_TYPE_F64:
      return DType::kFloat64;
    case proto::DATA_TYPE_F16:
      return DType::kFloat16;
    case proto::DATA_TYPE_BF16:
      return DType::kBFloat16;
    case proto::DATA_TYPE_I32:
      return DType::kInt32;
    case proto::DATA_TYPE_I64:
      return DType::kInt64;
    case proto::DATA_TYPE_BOOL:
      return DType::kBool;
    case proto::DATA_TYPE_U8:
      return DType::kUInt8;
    default:
      return std::nullopt;
  }
}

// Each *FromProto returns a bare message; callers add the context.
absl::StatusOr<DType> ReadDType(int value) {
  std::optional<DType> dtype = DTypeFromProto(value);
  if (!dtype) return absl::InvalidArgumentError(absl::StrCat("unknown dtype ", value));
  return *dtype;
}

absl::StatusOr<Device> ReadDevice(const proto::DeviceProto& message) {
  int type = message.type();
  int index = message.index();
  switch (type) {
    case proto::DEVICE_TYPE_CPU:
    case proto::DEVICE_TYPE_META:
      if (index != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(type == proto::DEVICE_TYPE_CPU ? "cpu" : "meta", " device with index ", index));
      }
      return type == proto::DEVICE_TYPE_CPU ? Device::Cpu() : Device::Meta();
    case proto::DEVICE_TYPE_CUDA:
      if (index < 0) return absl::InvalidArgumentError(absl::StrCat("negative cuda device index ", index));
      return Device::Cuda(index);
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown device type ", type));
  }
}

absl::StatusOr<TensorMeta> ReadMeta(const proto::TensorMetaProto& message) {
  TensorMeta meta;
  int64_t elements = 1;
  for (int i = 0; i < message.dims_size(); ++i) {
    const proto::DimProto& d = message.dims(i);
    switch (d.kind_case()) {
      case proto::DimProto::kSize: {
        int64_t size = d.size();
        if (size < 0) return absl::InvalidArgumentError(absl::StrCat("dimension ", i, " is negative (", size, ")"));
        int64_t factor = size == 0 ? 1 : size;
        if (factor > kMaxElements / elements) {
          return absl::InvalidArgumentError(
              absl::StrCat("dimension ", i, " (", size, ") makes the tensor larger than ", kMaxElements, " elements"));
        }
        elements *= factor;
        meta.shape.push_back(Dim(size));
        break;
      }
      case proto::DimProto::kSymbol:
        if (!IsIdentifier(d.symbol())) {
          return absl::InvalidArgumentError(
              absl::StrCat("dimension ", i, " has an invalid symbol ", Quote(d.symbol())));
        }
        meta.shape.push_back(Dim::Symbol(d.symbol()));
        break;
      case proto::DimProto::KIND_NOT_SET:
        return absl::InvalidArgumentError(absl::StrCat("dimension ", i, " has neither a size nor a symbol"));
    }
  }
  AOT_ASSIGN_OR_RETURN(meta.dtype, ReadDType(message.dtype()));
  if (!message.has_device()) return absl::InvalidArgumentError("missing device");
  AOT_ASSIGN_OR_RETURN(meta.device, ReadDevice(message.device()));
  if (message.strides_size() != 0) {
    if (message.strides_size() != message.dims_size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(message.strides_size(), " strides for rank ", message.dims_size()));
    }
    for (int64_t s : message.strides()) {
      if (s < 0) return absl::InvalidArgumentError(absl::StrCat("negative stride ", s));
      meta.strides.push_back(s);
    }
  }
  meta.requires_grad = message.requires_grad();
  return meta;
}

absl::StatusOr<AttrValue> ReadAttr(const proto::AttrValueProto& message) {
  switch (message.value_case()) {
    case proto::AttrValueProto::kNone:
      return AttrValue::None();
    case proto::AttrValueProto::kI:
      return AttrValue(message.i());
    case proto::AttrValueProto::kF:
      return AttrValue(message.f());
    case proto::AttrValueProto::kB:
      return AttrValue(message.b());
    case proto::AttrValueProto::kS:
      return AttrValue(message.s());
    case proto::AttrValueProto::kInts:
      return AttrValue(std::vector<int64_t>(message.ints().values().begin(), message.ints().values().end()));
    case proto::AttrValueProto::kFloats:
      return AttrValue(std::vector<double>(message.floats().values().begin(), message.floats().values().end()));
    case proto::AttrValueProto::kDtype: {
      AOT_ASSIGN_OR_RETURN(DType dtype, ReadDType(message.dtype()));
      return AttrValue(dtype);
    }
    case proto::AttrValueProto::kDevice: {
      AOT_ASSIGN_OR_RETURN(Device device, ReadDevice(message.device()));
      return AttrValue(device);
    }
    case proto::AttrValueProto::VALUE_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("no value");
}

// The variant kind of an attribute value, for messages.
const char* KindName(const AttrValue& v) {
  if (v.is_none()) return "None";
  if (v.is_int()) return "int";
  if (v.is_float()) return "float";
  if (v.is_bool()) return "bool";
  if (v.is_string()) return "str";
  if (v.is_int_list()) return "int[]";
  if (v.is_float_list()) return "float[]";
  if (v.is_dtype()) return "ScalarType";
  return "Device";
}

// Stricter than AttrValue::Matches: a `float` attribute must hold a float
// (the IR stores it so), so the kind read is the kind written.
bool KindFits(const AttrValue& v, const SchemaArg& arg) {
  if (v.is_none()) return arg.optional;
  if (arg.attr_type == AttrType::kFloat) return v.is_float();
  return v.Matches(arg.attr_type, arg.optional);
}

// Builds a graph from a message, checking every reference and name; the
// caller verifies the result.
class GraphReader {
 public:
  explicit GraphReader(const proto::GraphProto& message) : message_(message) {}

  absl::StatusOr<std::unique_ptr<Graph>> Read() {
    if (message_.version() != kGraphProtoVersion) {
      return absl::InvalidArgumentError(absl::StrCat(
          "GraphProto: unsupported format version ", message_.version(),
          message_.version() == 0 ? " (missing)" : "", "; this reader knows version ", kGraphProtoVersion));
    }
    graph_ = std::make_unique<Graph>(message_.name());
    // Every name the message defines, to tell "used before its definition"
    // from "never defined".
    for (const proto::ValueProto& v : message_.inputs()) defined_anywhere_.emplace(v.name(), true);
    for (const proto::NodeProto& n : message_.nodes()) {
      for (const proto::ValueProto& v : n.results()) defined_anywhere_.emplace(v.name(), true);
    }
    for (int i = 0; i < message_.inputs_size(); ++i) {
      AOT_RETURN_IF_ERROR(ReadInput(i));
    }
    for (int i = 0; i < message_.nodes_size(); ++i) {
      AOT_RETURN_IF_ERROR(ReadNode(i));
    }
    for (int i = 0; i < message_.outputs_size(); ++i) {
      const std::string& name = message_.outputs(i);
      Value* v = graph_->FindValue(name);
      if (v == nullptr) {
        return Invalid(absl::StrCat("output ", i), absl::StrCat("value ", Quote(name), " is not defined"));
      }
      graph_->AddOutput(v);
    }
    return std::move(graph_);
  }

 private:
  // Checks that `name` may name a new value.
  absl::Status CheckNewName(absl::string_view context, const std::string& name) {
    if (!IsIdentifier(name)) return Invalid(context, absl::StrCat("invalid value name ", Quote(name)));
    if (graph_->FindValue(name) != nullptr) {
      return Invalid(context, absl::StrCat("value name ", Quote(name), " is defined twice"));
    }
    // Names the Graph would rename (keywords of the text form).
    if (graph_->UniqueName(name) != name) {
      return Invalid(context, absl::StrCat("reserved value name ", Quote(name)));
    }
    return absl::OkStatus();
  }

  absl::Status ReadInput(int i) {
    const proto::ValueProto& v = message_.inputs(i);
    std::string context = absl::StrCat("input ", i, " ", Quote(v.name()));
    AOT_RETURN_IF_ERROR(CheckNewName(context, v.name()));
    if (!v.has_meta()) return Invalid(context, "missing metadata");
    absl::StatusOr<TensorMeta> meta = ReadMeta(v.meta());
    if (!meta.ok()) return Invalid(context, meta.status().message());
    Value* added = graph_->AddInput(v.name(), *std::move(meta));
    if (added->name() != v.name()) return Invalid(context, "the graph renamed the input");
    return absl::OkStatus();
  }

  absl::Status ReadNode(int index) {
    const proto::NodeProto& n = message_.nodes(index);
    // "node 3 'mul_1' (mul.Scalar)": the position, the first result's name
    // and the op, as far as they are known.
    std::string context = absl::StrCat("node ", index);
    if (n.results_size() > 0) absl::StrAppend(&context, " ", Quote(n.results(0).name()));
    const OpDef* op = FindOp(n.op());
    if (op == nullptr) return Invalid(context, absl::StrCat("unknown op ", Quote(n.op())));
    absl::StrAppend(&context, " (", op->name(), ")");
    const OpSchema& schema = op->schema();

    // Operand groups.
    if (n.groups_size() != static_cast<int>(schema.tensor_args().size())) {
      return Invalid(context, absl::StrCat("expected ", schema.tensor_args().size(), " operand groups, got ",
                                           n.groups_size()));
    }
    std::vector<std::vector<Value*>> groups(n.groups_size());
    for (int g = 0; g < n.groups_size(); ++g) {
      const SchemaArg& arg = schema.args()[schema.tensor_args()[g]];
      const proto::OperandGroup& group = n.groups(g);
      int size = group.values_size();
      if ((arg.kind == SchemaArg::Kind::kTensor && size != 1) ||
          (arg.kind == SchemaArg::Kind::kOptionalTensor && size > 1)) {
        return Invalid(context, absl::StrCat("argument '", arg.name, "' takes ",
                                             arg.kind == SchemaArg::Kind::kTensor ? "one tensor" : "at most one tensor",
                                             ", got ", size));
      }
      for (const std::string& name : group.values()) {
        Value* v = graph_->FindValue(name);
        if (v == nullptr) {
          return Invalid(context, absl::StrCat("operand ", Quote(name), " of argument '", arg.name, "' ",
                                               defined_anywhere_.contains(name) ? "is used before it is defined"
                                                                                : "is not defined"));
        }
        groups[g].push_back(v);
      }
    }

    // Attributes.
    AttrList attrs;
    std::vector<bool> given(schema.num_attrs(), false);
    for (const proto::NamedAttr& a : n.attrs()) {
      int i = schema.AttrIndex(a.name());
      if (i < 0) return Invalid(context, absl::StrCat("unknown attribute ", Quote(a.name())));
      if (given[i]) return Invalid(context, absl::StrCat("attribute '", a.name(), "' given twice"));
      given[i] = true;
      absl::StatusOr<AttrValue> value = ReadAttr(a.value());
      if (!value.ok()) {
        return Invalid(context, absl::StrCat("attribute '", a.name(), "': ", value.status().message()));
      }
      const SchemaArg& arg = schema.args()[schema.attr_args()[i]];
      if (!KindFits(*value, arg)) {
        return Invalid(context, absl::StrCat("attribute '", a.name(), "' expects ", AttrTypeName(arg.attr_type),
                                             arg.optional ? "?" : "", ", got ", KindName(*value)));
      }
      attrs.emplace_back(a.name(), *std::move(value));
    }

    // Results.
    if (!schema.variadic_results() && n.results_size() != schema.num_results()) {
      return Invalid(context, absl::StrCat("expected ", schema.num_results(), " results, got ", n.results_size()));
    }
    std::vector<TensorMeta> metas;
    std::vector<std::string> names;
    absl::flat_hash_map<std::string, bool> seen;
    for (int r = 0; r < n.results_size(); ++r) {
      const proto::ValueProto& v = n.results(r);
      std::string result_context = absl::StrCat(context, ": result ", r);
      AOT_RETURN_IF_ERROR(CheckNewName(result_context, v.name()));
      if (!seen.emplace(v.name(), true).second) {
        return Invalid(result_context, absl::StrCat("value name ", Quote(v.name()), " is defined twice"));
      }
      if (!v.has_meta()) return Invalid(result_context, "missing metadata");
      absl::StatusOr<TensorMeta> meta = ReadMeta(v.meta());
      if (!meta.ok()) return Invalid(result_context, meta.status().message());
      metas.push_back(*std::move(meta));
      names.push_back(v.name());
    }

    // Annotations.
    absl::flat_hash_map<std::string, bool> keys;
    for (const proto::Annotation& a : n.annotations()) {
      if (!keys.emplace(a.key(), true).second) {
        return Invalid(context, absl::StrCat("annotation ", Quote(a.key()), " given twice"));
      }
    }

    absl::StatusOr<Node*> node =
        graph_->CreateUnchecked(op->kind(), std::move(groups), attrs, std::move(metas), std::move(names));
    if (!node.ok()) return Invalid(context, node.status().message());
    for (const proto::Annotation& a : n.annotations()) (*node)->set_annotation(a.key(), a.value());
    return absl::OkStatus();
  }

  const proto::GraphProto& message_;
  std::unique_ptr<Graph> graph_;
  absl::flat_hash_map<std::string, bool> defined_anywhere_;
};

// The status of a failed file operation on `path`: NotFound for a missing
// file, the errno's code otherwise.
absl::Status FileError(int error_number, absl::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(error_number, absl::StrCat(what, " ", path));
}

}  // namespace

proto::GraphProto GraphToProto(const Graph& graph) {
  proto::GraphProto message;
  message.set_version(kGraphProtoVersion);
  message.set_name(graph.name());
  for (const Value* v : graph.inputs()) ValueToProto(*v, message.add_inputs());
  for (const Node* node : graph.node_range()) {
    proto::NodeProto* n = message.add_nodes();
    n->set_op(node->op().name());
    for (int g = 0; g < node->num_groups(); ++g) {
      proto::OperandGroup* group = n->add_groups();
      for (const Value* v : node->group(g)) group->add_values(NameOf(v));
    }
    const OpSchema& schema = node->op().schema();
    absl::Span<const AttrValue> attrs = node->attrs();
    for (int i = 0; i < schema.num_attrs() && i < static_cast<int>(attrs.size()); ++i) {
      proto::NamedAttr* a = n->add_attrs();
      a->set_name(schema.args()[schema.attr_args()[i]].name);
      AttrToProto(attrs[i], a->mutable_value());
    }
    for (int r = 0; r < node->num_results(); ++r) ValueToProto(*node->result(r), n->add_results());
    for (const auto& [key, value] : node->annotations()) {
      proto::Annotation* a = n->add_annotations();
      a->set_key(key);
      a->set_value(value);
    }
  }
  for (int i = 0; i < graph.num_outputs(); ++i) message.add_outputs(NameOf(graph.output(i)));
  return message;
}

absl::StatusOr<std::unique_ptr<Graph>> GraphFromProto(const proto::GraphProto& message) {
  AOT_ASSIGN_OR_RETURN(std::unique_ptr<Graph> graph, GraphReader(message).Read());
  AOT_RETURN_IF_ERROR(VerifyGraph(*graph));
  return graph;
}

std::string SerializeGraph(const Graph& graph) {
  std::string bytes;
  GraphToProto(graph).SerializeToString(&bytes);
  return bytes;
}

absl::StatusOr<std::unique_ptr<Graph>> DeserializeGraph(absl::string_view bytes) {
  proto::GraphProto message;
  if (bytes.size() > static_cast<size_t>(INT_MAX) ||
      !message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid GraphProto (", bytes.size(), " bytes do not parse as the wire format)"));
  }
  return GraphFromProto(message);
}

absl::Status SaveGraphProto(const Graph& graph, const std::string& path) {
  std::string bytes = SerializeGraph(graph);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return FileError(errno, "cannot open for writing", path);
  int error = 0;
  errno = 0;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) error = errno != 0 ? errno : EIO;
  if (std::fclose(file) != 0 && error == 0) error = errno != 0 ? errno : EIO;
  if (error != 0) return FileError(error, "cannot write", path);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Graph>> LoadGraphProto(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return FileError(errno, "cannot open", path);
  std::string bytes;
  char buffer[1 << 16];
  int error = 0;
  errno = 0;
  while (true) {
    size_t n = std::fread(buffer, 1, sizeof(buffer), file);
    bytes.append(buffer, n);
    if (n < sizeof(buffer)) {
      if (std::ferror(file)) error = errno != 0 ? errno : EIO;
      break;
    }
  }
  std::fclose(file);
  if (error != 0) return FileError(error, "cannot read", path);
  absl::StatusOr<std::unique_ptr<Graph>> graph = DeserializeGraph(bytes);
  if (!graph.ok()) {
    return absl::Status(graph.status().code(), absl::StrCat(path, ": ", graph.status().message()));
  }
  return graph;
}

}  // namespace aot::ir
