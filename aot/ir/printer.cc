#include "aot/ir/printer.h"

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "aot/ir/attr.h"
#include "aot/ir/dtype.h"
#include "aot/ir/op.h"
#include "aot/ir/op_schema.h"
#include "aot/ir/shape.h"

namespace aot::ir {
namespace {

bool IsIdentifier(absl::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

// Words of the text form that a value name must not be spelled as bare (the
// same list Graph::UniqueName avoids).
bool IsKeyword(absl::string_view s) {
  return s == "graph" || s == "return" || s == "None" || s == "true" || s == "false" ||
         s == "requires_grad" || s == "inf" || s == "nan";
}

void AppendQuoted(std::string* out, absl::string_view s) {
  absl::StrAppend(out, AttrValue(std::string(s)).ToString());
}

// A graph name, symbol or annotation key: bare if an identifier, else quoted.
void AppendWord(std::string* out, absl::string_view s) {
  if (IsIdentifier(s)) {
    absl::StrAppend(out, s);
  } else {
    AppendQuoted(out, s);
  }
}

// A value name: bare if an identifier that is not a keyword, else quoted.
void AppendValueName(std::string* out, const Value* v) {
  if (v == nullptr) {
    absl::StrAppend(out, "<null>");
    return;
  }
  const std::string& name = v->name();
  if (IsIdentifier(name) && !IsKeyword(name)) {
    absl::StrAppend(out, name);
  } else {
    AppendQuoted(out, name);
  }
}

// As TensorMeta::ToString, with symbols that are not identifiers quoted.
void AppendType(std::string* out, const TensorMeta& meta) {
  absl::StrAppend(out, DTypeName(meta.dtype), "[");
  const Shape& shape = meta.shape;
  for (int i = 0; i < shape.rank(); ++i) {
    if (i > 0) out->push_back(',');
    const Dim& d = shape.dim(i);
    if (d.is_symbolic()) {
      AppendWord(out, d.symbol());
    } else {
      absl::StrAppend(out, d.value());
    }
  }
  out->push_back(']');
  if (!meta.is_contiguous()) {
    out->push_back('{');
    for (size_t i = 0; i < meta.strides.size(); ++i) {
      if (i > 0) out->push_back(',');
      absl::StrAppend(out, meta.strides[i]);
    }
    out->push_back('}');
  }
  if (!meta.device.is_cpu()) absl::StrAppend(out, "@", meta.device.ToString());
  if (meta.requires_grad) absl::StrAppend(out, " requires_grad");
}

void AppendTypedValue(std::string* out, const Value* v) {
  AppendValueName(out, v);
  absl::StrAppend(out, ": ");
  AppendType(out, v->meta());
}

void AppendNode(std::string* out, const Node& node) {
  for (int i = 0; i < node.num_results(); ++i) {
    if (i > 0) absl::StrAppend(out, ", ");
    AppendTypedValue(out, node.result(i));
  }
  const OpDef& op = node.op();
  const OpSchema& schema = op.schema();
  absl::StrAppend(out, " = ", op.name(), "(");
  bool first = true;
  auto separate = [&] {
    if (!first) absl::StrAppend(out, ", ");
    first = false;
  };
  // Operands, one per schema tensor argument.
  int next = 0;
  for (int g = 0; g < node.num_groups(); ++g) {
    separate();
    const int size = node.group_size(g);
    const std::vector<int>& tensor_args = schema.tensor_args();
    const bool is_list = g < static_cast<int>(tensor_args.size()) &&
                         schema.args()[tensor_args[g]].kind == SchemaArg::Kind::kTensorList;
    if (is_list) {
      out->push_back('[');
      for (int i = 0; i < size; ++i) {
        if (i > 0) absl::StrAppend(out, ", ");
        AppendValueName(out, node.operand(next + i));
      }
      out->push_back(']');
    } else if (size == 0) {
      absl::StrAppend(out, "None");
    } else {
      AppendValueName(out, node.operand(next));
    }
    next += size;
  }
  // Attributes that differ from their defaults.
  const std::vector<int>& attr_args = schema.attr_args();
  absl::Span<const AttrValue> attrs = node.attrs();
  for (size_t i = 0; i < attr_args.size() && i < attrs.size(); ++i) {
    const SchemaArg& arg = schema.args()[attr_args[i]];
    bool is_default = false;
    if (arg.default_value.has_value()) {
      is_default = attrs[i] == *arg.default_value;
    } else if (arg.optional) {
      is_default = attrs[i].is_none();
    }
    if (is_default) continue;
    separate();
    absl::StrAppend(out, arg.name, "=", attrs[i].ToString());
  }
  out->push_back(')');
  const auto& annotations = node.annotations();
  if (!annotations.empty()) {
    absl::StrAppend(out, " {");
    for (size_t i = 0; i < annotations.size(); ++i) {
      if (i > 0) absl::StrAppend(out, ", ");
      AppendWord(out, annotations[i].first);
      out->push_back('=');
      AppendQuoted(out, annotations[i].second);
    }
    out->push_back('}');
  }
}

}  // namespace

std::string PrintGraph(const Graph& graph) {
  std::string out = "graph ";
  AppendWord(&out, graph.name());
  out.push_back('(');
  for (int i = 0; i < graph.num_inputs(); ++i) {
    if (i > 0) absl::StrAppend(&out, ", ");
    AppendTypedValue(&out, graph.input(i));
  }
  absl::StrAppend(&out, ") {\n");
  for (const Node* node : graph.node_range()) {
    absl::StrAppend(&out, "  ");
    AppendNode(&out, *node);
    out.push_back('\n');
  }
  absl::StrAppend(&out, "  return (");
  for (int i = 0; i < graph.num_outputs(); ++i) {
    if (i > 0) absl::StrAppend(&out, ", ");
    AppendValueName(&out, graph.output(i));
  }
  absl::StrAppend(&out, ")\n}\n");
  return out;
}

std::string PrintNode(const Node& node) {
  std::string out;
  AppendNode(&out, node);
  return out;
}

}  // namespace aot::ir
