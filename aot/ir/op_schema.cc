#include "aot/ir/op_schema.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/status_macros.h"
#include "aot/ir/internal/lexer.h"

namespace aot::ir {
namespace {

using internal::Lexer;
using internal::Token;

struct TypeSpelling {
  absl::string_view name;
  AttrType type;
};

constexpr TypeSpelling kAttrTypes[] = {
    {"int", AttrType::kInt},         {"float", AttrType::kFloat},
    {"bool", AttrType::kBool},       {"str", AttrType::kString},
    {"ScalarType", AttrType::kDType}, {"Scalar", AttrType::kScalar},
    {"Device", AttrType::kDevice},
};

// Reads `(a)` or `(a!)` after Tensor.
absl::Status ReadAlias(Lexer& lex, char* alias_set, bool* mutated) {
  if (!lex.Accept('(')) return absl::OkStatus();
  AOT_ASSIGN_OR_RETURN(std::string set, lex.ExpectIdent("an alias set name"));
  if (set.size() != 1) return lex.Error("alias set names are one letter");
  *alias_set = set[0];
  if (lex.Accept('!')) *mutated = true;
  return lex.Expect(')');
}

absl::StatusOr<SchemaArg> ReadArg(Lexer& lex, bool keyword_only) {
  SchemaArg arg;
  arg.keyword_only = keyword_only;
  AOT_ASSIGN_OR_RETURN(std::string type, lex.ExpectIdent("an argument type"));
  if (type == "Tensor") {
    AOT_RETURN_IF_ERROR(ReadAlias(lex, &arg.alias_set, &arg.mutated));
    if (lex.Accept('[')) {
      AOT_RETURN_IF_ERROR(lex.Expect(']'));
      arg.kind = SchemaArg::Kind::kTensorList;
    } else if (lex.Accept('?')) {
      arg.kind = SchemaArg::Kind::kOptionalTensor;
    }
  } else {
    arg.kind = SchemaArg::Kind::kAttr;
    bool found = false;
    for (const TypeSpelling& t : kAttrTypes) {
      if (t.name == type) {
        arg.attr_type = t.type;
        found = true;
      }
    }
    if (!found) return lex.Error(absl::StrCat("unknown argument type '", type, "'"));
    if (lex.Accept('[')) {
      // Optional fixed length (int[2]) is accepted and ignored.
      if (lex.peek().kind == Token::Kind::kInt) lex.Next();
      AOT_RETURN_IF_ERROR(lex.Expect(']'));
      if (arg.attr_type == AttrType::kInt) {
        arg.attr_type = AttrType::kIntList;
      } else if (arg.attr_type == AttrType::kFloat) {
        arg.attr_type = AttrType::kFloatList;
      } else {
        return lex.Error(absl::StrCat("lists of ", type, " are not supported"));
      }
    }
    if (lex.Accept('?')) arg.optional = true;
  }
  AOT_ASSIGN_OR_RETURN(arg.name, lex.ExpectIdent("an argument name"));
  if (lex.Accept('=')) {
    if (!arg.is_tensor()) {
      AOT_ASSIGN_OR_RETURN(arg.default_value, internal::ReadAttrLiteral(lex, arg.attr_type, arg.optional));
    } else if (arg.kind == SchemaArg::Kind::kOptionalTensor && lex.AcceptIdent("None")) {
      // An optional tensor defaults to absent; nothing to store.
    } else {
      return lex.Error("only optional tensors may have a default (None)");
    }
  }
  return arg;
}

}  // namespace

absl::StatusOr<OpSchema> OpSchema::Parse(absl::string_view text) {
  Lexer lex(text);
  OpSchema s;
  auto error = [&](absl::Status st) {
    return absl::InvalidArgumentError(absl::StrCat("schema '", text, "': ", st.message()));
  };
  absl::StatusOr<std::string> name = lex.ExpectIdent("an op name");
  if (!name.ok()) return error(name.status());
  s.name_ = *name;
  if (lex.Accept('.')) {
    absl::StatusOr<std::string> overload = lex.ExpectIdent("an overload name");
    if (!overload.ok()) return error(overload.status());
    s.overload_ = *overload;
  }
  s.full_name_ = s.overload_.empty() ? s.name_ : absl::StrCat(s.name_, ".", s.overload_);
  if (absl::Status st = lex.Expect('('); !st.ok()) return error(st);
  bool keyword_only = false;
  if (!lex.peek().Is(')')) {
    do {
      if (lex.Accept('*')) {
        keyword_only = true;
        continue;
      }
      absl::StatusOr<SchemaArg> arg = ReadArg(lex, keyword_only);
      if (!arg.ok()) return error(arg.status());
      for (const SchemaArg& other : s.args_) {
        if (other.name == arg->name) {
          return error(absl::InvalidArgumentError(absl::StrCat("duplicate argument '", arg->name, "'")));
        }
      }
      s.args_.push_back(*std::move(arg));
    } while (lex.Accept(','));
  }
  if (absl::Status st = lex.Expect(')'); !st.ok()) return error(st);
  if (lex.peek().kind != Token::Kind::kArrow) return error(lex.Error("expected '->'"));
  lex.Next();
  auto read_result = [&]() -> absl::Status {
    AOT_ASSIGN_OR_RETURN(std::string type, lex.ExpectIdent("a result type"));
    if (type != "Tensor") return lex.Error("results must be Tensor");
    SchemaResult r;
    AOT_RETURN_IF_ERROR(ReadAlias(lex, &r.alias_set, &r.mutated));
    if (lex.Accept('[')) {
      AOT_RETURN_IF_ERROR(lex.Expect(']'));
      if (!s.results_.empty() || s.variadic_results_) return lex.Error("Tensor[] must be the only result");
      s.variadic_results_ = true;
    }
    if (lex.peek().kind == Token::Kind::kIdent) r.name = std::string(lex.Next().text);
    s.results_.push_back(std::move(r));
    return absl::OkStatus();
  };
  if (lex.Accept('(')) {
    if (!lex.peek().Is(')')) {
      do {
        if (absl::Status st = read_result(); !st.ok()) return error(st);
      } while (lex.Accept(','));
    }
    if (absl::Status st = lex.Expect(')'); !st.ok()) return error(st);
  } else if (absl::Status st = read_result(); !st.ok()) {
    return error(st);
  }
  if (s.variadic_results_ && s.results_.size() != 1) {
    return error(absl::InvalidArgumentError("Tensor[] must be the only result"));
  }
  if (lex.peek().kind != Token::Kind::kEnd) return error(lex.Error("unexpected text after the results"));
  for (int i = 0; i < static_cast<int>(s.args_.size()); ++i) {
    (s.args_[i].is_tensor() ? s.tensor_args_ : s.attr_args_).push_back(i);
  }
  for (const SchemaResult& r : s.results_) {
    if (r.alias_set == 0) continue;
    bool found = false;
    for (const SchemaArg& a : s.args_) found |= a.alias_set == r.alias_set;
    if (!found) {
      return error(absl::InvalidArgumentError(
          absl::StrCat("result alias set '", std::string(1, r.alias_set), "' names no argument")));
    }
  }
  return s;
}

int OpSchema::AttrIndex(absl::string_view name) const {
  for (int i = 0; i < num_attrs(); ++i) {
    if (args_[attr_args_[i]].name == name) return i;
  }
  return -1;
}

int OpSchema::TensorArgIndex(absl::string_view name) const {
  for (int i = 0; i < static_cast<int>(tensor_args_.size()); ++i) {
    if (args_[tensor_args_[i]].name == name) return i;
  }
  return -1;
}

bool OpSchema::mutates() const {
  for (const SchemaArg& a : args_) {
    if (a.mutated) return true;
  }
  return false;
}

bool OpSchema::is_alias() const {
  for (const SchemaResult& r : results_) {
    if (r.alias_set != 0) return true;
  }
  return false;
}

std::string OpSchema::ToString() const {
  auto alias = [](char set, bool mutated) -> std::string {
    if (set == 0) return "";
    return absl::StrCat("(", std::string(1, set), mutated ? "!" : "", ")");
  };
  std::vector<std::string> args;
  bool keyword_only = false;
  for (const SchemaArg& a : args_) {
    if (a.keyword_only && !keyword_only) {
      args.push_back("*");
      keyword_only = true;
    }
    std::string type;
    switch (a.kind) {
      case SchemaArg::Kind::kTensor:
        type = absl::StrCat("Tensor", alias(a.alias_set, a.mutated));
        break;
      case SchemaArg::Kind::kOptionalTensor:
        type = "Tensor?";
        break;
      case SchemaArg::Kind::kTensorList:
        type = "Tensor[]";
        break;
      case SchemaArg::Kind::kAttr:
        type = absl::StrCat(AttrTypeName(a.attr_type), a.optional ? "?" : "");
        break;
    }
    std::string text = absl::StrCat(type, " ", a.name);
    if (a.default_value) absl::StrAppend(&text, "=", a.default_value->ToString());
    if (a.kind == SchemaArg::Kind::kOptionalTensor) absl::StrAppend(&text, "=None");
    args.push_back(std::move(text));
  }
  std::vector<std::string> results;
  for (const SchemaResult& r : results_) {
    std::string text = absl::StrCat("Tensor", alias(r.alias_set, r.mutated), variadic_results_ ? "[]" : "");
    if (!r.name.empty()) absl::StrAppend(&text, " ", r.name);
    results.push_back(std::move(text));
  }
  std::string result_text = results.size() == 1 && !results[0].empty() ? results[0]
                                                : absl::StrCat("(", absl::StrJoin(results, ", "), ")");
  return absl::StrCat(full_name_, "(", absl::StrJoin(args, ", "), ") -> ", result_text);
}

}  // namespace aot::ir
