// A small tokenizer shared by the schema parser and the graph text parser,
// and the attribute-literal reader both use.
#ifndef AOT_IR_INTERNAL_LEXER_H_
#define AOT_IR_INTERNAL_LEXER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "aot/ir/attr.h"

namespace aot::ir::internal {

struct Token {
  enum class Kind : uint8_t { kEnd, kIdent, kInt, kFloat, kString, kPunct, kArrow };
  Kind kind = Kind::kEnd;
  absl::string_view text;  // For kString: the raw text including quotes.
  std::string str;         // For kString: the unescaped contents.
  int64_t int_value = 0;
  double float_value = 0;
  int line = 1, column = 1;

  bool Is(char punct) const {
    return kind == Kind::kPunct && text.size() == 1 && text[0] == punct;
  }
  bool IsIdent(absl::string_view name) const { return kind == Kind::kIdent && text == name; }
};

// Splits text into tokens on demand. Identifiers are [A-Za-z_][A-Za-z0-9_]*;
// numbers may have a sign, a fraction and an exponent; '#' starts a comment to
// the end of the line. Whitespace and newlines only separate tokens.
class Lexer {
 public:
  explicit Lexer(absl::string_view text) : text_(text) { Advance(); }

  const Token& peek() const { return tok_; }
  // Returns the current token and moves past it.
  Token Next();
  // Consumes the current token if it is the punctuation `c`.
  bool Accept(char c);
  bool AcceptIdent(absl::string_view name);
  // Consumes punctuation `c` or returns an error naming what was found.
  absl::Status Expect(char c);
  absl::StatusOr<std::string> ExpectIdent(absl::string_view what);
  absl::StatusOr<int64_t> ExpectInt(absl::string_view what);

  // Returns InvalidArgument "line L, column C: MESSAGE (found 'TOKEN')".
  absl::Status Error(absl::string_view message) const;
  absl::Status ErrorAt(const Token& tok, absl::string_view message) const;

 private:
  void Advance();
  absl::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  Token tok_;
  absl::Status lex_error_;
};

// Reads an attribute literal of `type` (None allowed if `optional`): 3, -2,
// 1.5, 1e-05, inf, nan, true, false, "text", [1,2], [0.5], f32, cpu, cuda:0.
// An int literal is accepted for a float attribute and stored as a double.
absl::StatusOr<AttrValue> ReadAttrLiteral(Lexer& lex, AttrType type, bool optional);

}  // namespace aot::ir::internal

#endif  // AOT_IR_INTERNAL_LEXER_H_
