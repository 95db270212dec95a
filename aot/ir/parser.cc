#include "aot/ir/parser.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "aot/base/status_macros.h"
#include "aot/ir/attr.h"
#include "aot/ir/internal/lexer.h"
#include "aot/ir/op.h"
#include "aot/ir/op_schema.h"
#include "aot/ir/shape.h"

namespace aot::ir {
namespace {

using internal::Lexer;
using internal::Token;

// Returns InvalidArgument "line L, column C: MESSAGE" at `tok`.
absl::Status ErrorAt(const Token& tok, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("line ", tok.line, ", column ", tok.column, ": ", message));
}

// Reads one graph; every method consumes what it recognises or returns an
// error. No recursion, no lookahead beyond the lexer's one token: linear.
class Parser {
 public:
  explicit Parser(absl::string_view text) : lex_(text) {}

  absl::StatusOr<std::unique_ptr<Graph>> Parse();

 private:
  // A name: an identifier or a quoted string.
  absl::StatusOr<std::string> ReadName(absl::string_view what);
  // A reference to a value defined earlier.
  absl::StatusOr<Value*> ReadValueRef();
  absl::StatusOr<TensorMeta> ReadType();
  absl::Status ReadInputs();
  absl::Status ReadNode();
  absl::Status ReadReturn();

  Lexer lex_;
  std::unique_ptr<Graph> graph_;
  absl::flat_hash_set<std::string> node_names_;  // Per node, reused.
};

absl::StatusOr<std::string> Parser::ReadName(absl::string_view what) {
  const Token& t = lex_.peek();
  if (t.kind == Token::Kind::kString) return lex_.Next().str;
  if (t.kind == Token::Kind::kIdent) return std::string(lex_.Next().text);
  return lex_.Error(absl::StrCat("expected ", what));
}

absl::StatusOr<Value*> Parser::ReadValueRef() {
  const Token tok = lex_.peek();
  AOT_ASSIGN_OR_RETURN(std::string name, ReadName("a value name"));
  Value* v = graph_->FindValue(name);
  if (v == nullptr) return ErrorAt(tok, absl::StrCat("undefined value '", name, "'"));
  return v;
}

absl::StatusOr<TensorMeta> Parser::ReadType() {
  TensorMeta meta;
  AOT_ASSIGN_OR_RETURN(AttrValue dtype, internal::ReadAttrLiteral(lex_, AttrType::kDType, false));
  meta.dtype = dtype.dtype();
  AOT_RETURN_IF_ERROR(lex_.Expect('['));
  DimVec dims;
  if (!lex_.peek().Is(']')) {
    do {
      const Token& t = lex_.peek();
      if (t.kind == Token::Kind::kInt) {
        dims.push_back(Dim(lex_.Next().int_value));
      } else if (t.kind == Token::Kind::kIdent || t.kind == Token::Kind::kString) {
        AOT_ASSIGN_OR_RETURN(std::string symbol, ReadName("a dimension"));
        dims.push_back(Dim::Symbol(symbol));
      } else {
        return lex_.Error("expected a dimension (an integer or a symbol)");
      }
    } while (lex_.Accept(','));
  }
  AOT_RETURN_IF_ERROR(lex_.Expect(']'));
  meta.shape = Shape(std::move(dims));
  if (lex_.Accept('{')) {
    do {
      AOT_ASSIGN_OR_RETURN(int64_t stride, lex_.ExpectInt("a stride"));
      meta.strides.push_back(stride);
    } while (lex_.Accept(','));
    AOT_RETURN_IF_ERROR(lex_.Expect('}'));
  }
  if (lex_.Accept('@')) {
    AOT_ASSIGN_OR_RETURN(AttrValue device, internal::ReadAttrLiteral(lex_, AttrType::kDevice, false));
    meta.device = device.device();
  }
  if (lex_.AcceptIdent("requires_grad")) meta.requires_grad = true;
  return meta;
}

absl::Status Parser::ReadInputs() {
  AOT_RETURN_IF_ERROR(lex_.Expect('('));
  if (lex_.Accept(')')) return absl::OkStatus();
  do {
    const Token tok = lex_.peek();
    AOT_ASSIGN_OR_RETURN(std::string name, ReadName("an input name"));
    if (graph_->FindValue(name) != nullptr) {
      return ErrorAt(tok, absl::StrCat("redefinition of value '", name, "'"));
    }
    AOT_RETURN_IF_ERROR(lex_.Expect(':'));
    AOT_ASSIGN_OR_RETURN(TensorMeta meta, ReadType());
    Value* input = graph_->AddInput(name, std::move(meta));
    if (input->name() != name) {
      // AddInput made the name an identifier or avoided a keyword.
      return ErrorAt(tok, absl::StrCat("invalid input name '", name, "'"));
    }
  } while (lex_.Accept(','));
  return lex_.Expect(')');
}

absl::Status Parser::ReadNode() {
  // Results.
  std::vector<std::string> names;
  std::vector<TensorMeta> metas;
  node_names_.clear();
  do {
    const Token tok = lex_.peek();
    AOT_ASSIGN_OR_RETURN(std::string name,
                         ReadName(names.empty() ? "a node or 'return'" : "a result name"));
    if (graph_->FindValue(name) != nullptr || !node_names_.insert(name).second) {
      return ErrorAt(tok, absl::StrCat("redefinition of value '", name, "'"));
    }
    AOT_RETURN_IF_ERROR(lex_.Expect(':'));
    AOT_ASSIGN_OR_RETURN(TensorMeta meta, ReadType());
    names.push_back(std::move(name));
    metas.push_back(std::move(meta));
  } while (lex_.Accept(','));
  AOT_RETURN_IF_ERROR(lex_.Expect('='));

  // The op.
  const Token op_tok = lex_.peek();
  AOT_ASSIGN_OR_RETURN(std::string op_name, lex_.ExpectIdent("an op name"));
  if (lex_.Accept('.')) {
    AOT_ASSIGN_OR_RETURN(std::string overload, lex_.ExpectIdent("an overload name"));
    absl::StrAppend(&op_name, ".", overload);
  }
  const OpDef* op = FindOp(op_name);
  if (op == nullptr) return ErrorAt(op_tok, absl::StrCat("unknown op '", op_name, "'"));
  const OpSchema& schema = op->schema();
  const int num_results = static_cast<int>(names.size());
  if (schema.variadic_results() ? num_results < 1 : num_results != schema.num_results()) {
    return ErrorAt(op_tok, absl::StrCat(op_name, ": expected ", schema.num_results(), " result",
                                        schema.num_results() == 1 ? "" : "s", ", got ", num_results));
  }

  // Operands, then attributes.
  const std::vector<int>& tensor_args = schema.tensor_args();
  const int num_groups = static_cast<int>(tensor_args.size());
  std::vector<std::vector<Value*>> groups;
  groups.reserve(num_groups);
  AttrList attrs;
  std::vector<bool> given(schema.num_attrs(), false);
  AOT_RETURN_IF_ERROR(lex_.Expect('('));
  if (!lex_.peek().Is(')')) {
    do {
      const Token tok = lex_.peek();
      if (tok.kind == Token::Kind::kIdent && tok.text != "None") {
        lex_.Next();
        if (lex_.Accept('=')) {
          // An attribute.
          const std::string name(tok.text);
          const int index = schema.AttrIndex(name);
          if (index < 0) {
            return ErrorAt(tok, absl::StrCat(op_name, ": no attribute named '", name, "'"));
          }
          if (given[index]) {
            return ErrorAt(tok, absl::StrCat(op_name, ": attribute '", name, "' given twice"));
          }
          given[index] = true;
          const SchemaArg& arg = schema.args()[schema.attr_args()[index]];
          absl::StatusOr<AttrValue> value = internal::ReadAttrLiteral(lex_, arg.attr_type, arg.optional);
          if (!value.ok()) {
            return absl::InvalidArgumentError(absl::StrCat(value.status().message(), "; in attribute '", name,
                                                           "' of ", op_name, " (",
                                                           AttrTypeName(arg.attr_type),
                                                           arg.optional ? "?" : "", ")"));
          }
          attrs.emplace_back(name, *std::move(value));
          continue;
        }
      }
      // An operand: NAME, "NAME", None or [NAME, ...]. `tok` is consumed
      // already if it was an identifier.
      if (!attrs.empty()) return ErrorAt(tok, absl::StrCat(op_name, ": operand after attributes"));
      const int g = static_cast<int>(groups.size());
      if (g >= num_groups) {
        return ErrorAt(tok, absl::StrCat(op_name, ": expected ", num_groups, " operand",
                                         num_groups == 1 ? "" : "s", ", got more"));
      }
      const SchemaArg& arg = schema.args()[tensor_args[g]];
      std::vector<Value*>& group = groups.emplace_back();
      if (tok.kind == Token::Kind::kIdent && tok.text != "None") {
        Value* v = graph_->FindValue(tok.text);
        if (v == nullptr) return ErrorAt(tok, absl::StrCat("undefined value '", tok.text, "'"));
        group.push_back(v);
      } else if (tok.kind == Token::Kind::kString) {
        AOT_ASSIGN_OR_RETURN(Value * v, ReadValueRef());
        group.push_back(v);
      } else if (tok.IsIdent("None")) {
        if (arg.kind != SchemaArg::Kind::kOptionalTensor) {
          return ErrorAt(tok, absl::StrCat(op_name, ": argument '", arg.name, "' is not optional"));
        }
        lex_.Next();
      } else if (tok.Is('[')) {
        if (arg.kind != SchemaArg::Kind::kTensorList) {
          return ErrorAt(tok, absl::StrCat(op_name, ": argument '", arg.name, "' is not a tensor list"));
        }
        lex_.Next();
        if (!lex_.peek().Is(']')) {
          do {
            AOT_ASSIGN_OR_RETURN(Value * v, ReadValueRef());
            group.push_back(v);
          } while (lex_.Accept(','));
        }
        AOT_RETURN_IF_ERROR(lex_.Expect(']'));
        continue;
      } else {
        return lex_.Error("expected an operand or an attribute");
      }
      if (arg.kind == SchemaArg::Kind::kTensorList) {
        return ErrorAt(tok, absl::StrCat(op_name, ": argument '", arg.name, "' takes a list [a, b, ...]"));
      }
    } while (lex_.Accept(','));
  }
  const Token close_tok = lex_.peek();
  AOT_RETURN_IF_ERROR(lex_.Expect(')'));
  if (static_cast<int>(groups.size()) != num_groups) {
    return ErrorAt(close_tok, absl::StrCat(op_name, ": expected ", num_groups, " operand",
                                           num_groups == 1 ? "" : "s", ", got ", groups.size()));
  }
  for (int i = 0; i < schema.num_attrs(); ++i) {
    const SchemaArg& arg = schema.args()[schema.attr_args()[i]];
    if (!given[i] && !arg.default_value.has_value() && !arg.optional) {
      return ErrorAt(close_tok, absl::StrCat(op_name, ": missing attribute '", arg.name, "'"));
    }
  }

  // Annotations.
  std::vector<std::pair<std::string, std::string>> annotations;
  if (lex_.Accept('{')) {
    node_names_.clear();
    do {
      const Token tok = lex_.peek();
      AOT_ASSIGN_OR_RETURN(std::string key, ReadName("an annotation key"));
      if (!node_names_.insert(key).second) {
        return ErrorAt(tok, absl::StrCat("annotation '", key, "' given twice"));
      }
      AOT_RETURN_IF_ERROR(lex_.Expect('='));
      if (lex_.peek().kind != Token::Kind::kString) return lex_.Error("expected a string literal");
      annotations.emplace_back(std::move(key), lex_.Next().str);
    } while (lex_.Accept(','));
    AOT_RETURN_IF_ERROR(lex_.Expect('}'));
  }

  absl::StatusOr<Node*> node = graph_->CreateUnchecked(op->kind(), std::move(groups), attrs, std::move(metas),
                                                       std::move(names));
  if (!node.ok()) return ErrorAt(op_tok, node.status().message());
  for (const auto& [key, value] : annotations) (*node)->set_annotation(key, value);
  return absl::OkStatus();
}

absl::Status Parser::ReadReturn() {
  AOT_RETURN_IF_ERROR(lex_.Expect('('));
  std::vector<Value*> outputs;
  if (!lex_.peek().Is(')')) {
    do {
      AOT_ASSIGN_OR_RETURN(Value * v, ReadValueRef());
      outputs.push_back(v);
    } while (lex_.Accept(','));
  }
  AOT_RETURN_IF_ERROR(lex_.Expect(')'));
  graph_->SetOutputs(outputs);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Graph>> Parser::Parse() {
  if (!lex_.AcceptIdent("graph")) return lex_.Error("expected 'graph'");
  AOT_ASSIGN_OR_RETURN(std::string name, ReadName("a graph name"));
  graph_ = std::make_unique<Graph>(std::move(name));
  AOT_RETURN_IF_ERROR(ReadInputs());
  AOT_RETURN_IF_ERROR(lex_.Expect('{'));
  while (!lex_.AcceptIdent("return")) {
    AOT_RETURN_IF_ERROR(ReadNode());
  }
  AOT_RETURN_IF_ERROR(ReadReturn());
  AOT_RETURN_IF_ERROR(lex_.Expect('}'));
  if (lex_.peek().kind != Token::Kind::kEnd) return lex_.Error("unexpected text after the graph");
  return std::move(graph_);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Graph>> ParseGraph(absl::string_view text) {
  Parser parser(text);
  return parser.Parse();
}

}  // namespace aot::ir
