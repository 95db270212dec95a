#include "aot/ir/internal/lexer.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "aot/base/status_macros.h"

namespace aot::ir::internal {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)); }

}  // namespace

void Lexer::Advance() {
  // Skip whitespace and comments.
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (c == '\n') {
      ++line_;
      line_start_ = ++pos_;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++pos_;
    } else if (c == '#') {
      while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    } else {
      break;
    }
  }
  tok_ = Token();
  tok_.line = line_;
  tok_.column = static_cast<int>(pos_ - line_start_) + 1;
  if (pos_ >= text_.size()) {
    tok_.kind = Token::Kind::kEnd;
    tok_.text = "end of input";
    return;
  }
  const size_t start = pos_;
  char c = text_[pos_];
  if (IsIdentStart(c)) {
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    tok_.kind = Token::Kind::kIdent;
    tok_.text = text_.substr(start, pos_ - start);
    return;
  }
  if (c == '-' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '>') {
    pos_ += 2;
    tok_.kind = Token::Kind::kArrow;
    tok_.text = "->";
    return;
  }
  const bool signed_number =
      (c == '-' || c == '+') && pos_ + 1 < text_.size() &&
      (IsDigit(text_[pos_ + 1]) || text_.substr(pos_ + 1, 3) == "inf");
  if (IsDigit(c) || signed_number) {
    if (signed_number) ++pos_;
    if (text_.substr(pos_, 3) == "inf") {
      pos_ += 3;
      tok_.kind = Token::Kind::kFloat;
      tok_.float_value = c == '-' ? -std::numeric_limits<double>::infinity()
                                  : std::numeric_limits<double>::infinity();
      tok_.text = text_.substr(start, pos_ - start);
      return;
    }
    bool is_float = false;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      is_float = true;
      ++pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t save = pos_++;
      if (pos_ < text_.size() && (text_[pos_] == '-' || text_[pos_] == '+')) ++pos_;
      if (pos_ < text_.size() && IsDigit(text_[pos_])) {
        is_float = true;
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      } else {
        pos_ = save;
      }
    }
    tok_.text = text_.substr(start, pos_ - start);
    std::string digits(tok_.text);
    if (is_float) {
      tok_.kind = Token::Kind::kFloat;
      tok_.float_value = std::strtod(digits.c_str(), nullptr);
    } else {
      tok_.kind = Token::Kind::kInt;
      if (!absl::SimpleAtoi(digits, &tok_.int_value)) {
        tok_.kind = Token::Kind::kPunct;  // Reported by the parser as unexpected.
        lex_error_ = ErrorAt(tok_, "integer out of range");
      }
    }
    return;
  }
  if (c == '"') {
    ++pos_;
    std::string value;
    bool closed = false;
    while (pos_ < text_.size()) {
      char d = text_[pos_++];
      if (d == '"') {
        closed = true;
        break;
      }
      if (d == '\n') break;
      if (d == '\\' && pos_ < text_.size()) {
        char e = text_[pos_++];
        if (e == 'n') {
          value += '\n';
        } else if (e == 't') {
          value += '\t';
        } else if (e == 'x' && pos_ + 2 <= text_.size()) {
          int v = 0;
          std::string hex(text_.substr(pos_, 2));
          v = static_cast<int>(std::strtol(hex.c_str(), nullptr, 16));
          value += static_cast<char>(v);
          pos_ += 2;
        } else {
          value += e;
        }
      } else {
        value += d;
      }
    }
    tok_.text = text_.substr(start, pos_ - start);
    if (!closed) {
      tok_.kind = Token::Kind::kPunct;
      lex_error_ = ErrorAt(tok_, "unterminated string literal");
      return;
    }
    tok_.kind = Token::Kind::kString;
    tok_.str = std::move(value);
    return;
  }
  ++pos_;
  tok_.kind = Token::Kind::kPunct;
  tok_.text = text_.substr(start, 1);
}

Token Lexer::Next() {
  Token t = tok_;
  Advance();
  return t;
}

bool Lexer::Accept(char c) {
  if (!tok_.Is(c)) return false;
  Advance();
  return true;
}

bool Lexer::AcceptIdent(absl::string_view name) {
  if (!tok_.IsIdent(name)) return false;
  Advance();
  return true;
}

absl::Status Lexer::Expect(char c) {
  if (!lex_error_.ok()) return lex_error_;
  if (Accept(c)) return absl::OkStatus();
  return Error(absl::StrCat("expected '", std::string(1, c), "'"));
}

absl::StatusOr<std::string> Lexer::ExpectIdent(absl::string_view what) {
  if (!lex_error_.ok()) return lex_error_;
  if (tok_.kind != Token::Kind::kIdent) return Error(absl::StrCat("expected ", what));
  return std::string(Next().text);
}

absl::StatusOr<int64_t> Lexer::ExpectInt(absl::string_view what) {
  if (!lex_error_.ok()) return lex_error_;
  if (tok_.kind != Token::Kind::kInt) return Error(absl::StrCat("expected ", what));
  return Next().int_value;
}

absl::Status Lexer::Error(absl::string_view message) const {
  if (!lex_error_.ok()) return lex_error_;
  return ErrorAt(tok_, message);
}

absl::Status Lexer::ErrorAt(const Token& tok, absl::string_view message) const {
  std::string found = tok.kind == Token::Kind::kEnd ? "end of input"
                                                    : absl::StrCat("'", tok.text, "'");
  return absl::InvalidArgumentError(
      absl::StrCat("line ", tok.line, ", column ", tok.column, ": ", message, " (found ", found, ")"));
}

namespace {

absl::StatusOr<double> ReadNumber(Lexer& lex, absl::string_view what) {
  const Token& t = lex.peek();
  if (t.kind == Token::Kind::kInt) return static_cast<double>(lex.Next().int_value);
  if (t.kind == Token::Kind::kFloat) return lex.Next().float_value;
  if (t.IsIdent("inf")) {
    lex.Next();
    return std::numeric_limits<double>::infinity();
  }
  if (t.IsIdent("nan")) {
    lex.Next();
    return std::numeric_limits<double>::quiet_NaN();
  }
  return lex.Error(absl::StrCat("expected ", what));
}

}  // namespace

absl::StatusOr<AttrValue> ReadAttrLiteral(Lexer& lex, AttrType type, bool optional) {
  const Token& t = lex.peek();
  if (t.IsIdent("None")) {
    if (!optional) return lex.Error(absl::StrCat("None given for a non-optional ", AttrTypeName(type)));
    lex.Next();
    return AttrValue::None();
  }
  switch (type) {
    case AttrType::kInt: {
      AOT_ASSIGN_OR_RETURN(int64_t v, lex.ExpectInt("an int"));
      return AttrValue(v);
    }
    case AttrType::kFloat: {
      AOT_ASSIGN_OR_RETURN(double v, ReadNumber(lex, "a float"));
      return AttrValue(v);
    }
    case AttrType::kBool:
      if (lex.AcceptIdent("true") || lex.AcceptIdent("True")) return AttrValue(true);
      if (lex.AcceptIdent("false") || lex.AcceptIdent("False")) return AttrValue(false);
      return lex.Error("expected true or false");
    case AttrType::kScalar:
      if (t.kind == Token::Kind::kInt) return AttrValue(lex.Next().int_value);
      if (lex.AcceptIdent("true") || lex.AcceptIdent("True")) return AttrValue(true);
      if (lex.AcceptIdent("false") || lex.AcceptIdent("False")) return AttrValue(false);
      {
        AOT_ASSIGN_OR_RETURN(double v, ReadNumber(lex, "a number"));
        return AttrValue(v);
      }
    case AttrType::kString:
      if (t.kind != Token::Kind::kString) return lex.Error("expected a string literal");
      return AttrValue(lex.Next().str);
    case AttrType::kIntList:
    case AttrType::kFloatList: {
      AOT_RETURN_IF_ERROR(lex.Expect('['));
      std::vector<int64_t> ints;
      std::vector<double> floats;
      if (!lex.peek().Is(']')) {
        do {
          if (type == AttrType::kIntList) {
            AOT_ASSIGN_OR_RETURN(int64_t v, lex.ExpectInt("an int"));
            ints.push_back(v);
          } else {
            AOT_ASSIGN_OR_RETURN(double v, ReadNumber(lex, "a float"));
            floats.push_back(v);
          }
        } while (lex.Accept(','));
      }
      AOT_RETURN_IF_ERROR(lex.Expect(']'));
      if (type == AttrType::kIntList) return AttrValue(std::move(ints));
      return AttrValue(std::move(floats));
    }
    case AttrType::kDType: {
      const Token start = t;
      AOT_ASSIGN_OR_RETURN(std::string name, lex.ExpectIdent("a dtype (f32, i64, ...)"));
      std::optional<DType> d = ParseDType(name);
      if (!d) return lex.ErrorAt(start, absl::StrCat("unknown dtype '", name, "'"));
      return AttrValue(*d);
    }
    case AttrType::kDevice: {
      const Token start = t;
      AOT_ASSIGN_OR_RETURN(std::string name, lex.ExpectIdent("a device (cpu, cuda:N)"));
      if (lex.Accept(':')) {
        AOT_ASSIGN_OR_RETURN(int64_t index, lex.ExpectInt("a device index"));
        absl::StrAppend(&name, ":", index);
      }
      std::optional<Device> d = Device::Parse(name);
      if (!d) return lex.ErrorAt(start, absl::StrCat("unknown device '", name, "'"));
      return AttrValue(*d);
    }
  }
  return lex.Error("unknown attribute type");
}

}  // namespace aot::ir::internal
