#include "aot/ir/op_schema.h"

#include "gtest/gtest.h"

namespace aot::ir {
namespace {

TEST(OpSchemaTest, ParsesTensorsAttributesAndDefaults) {
  absl::StatusOr<OpSchema> s =
      OpSchema::Parse("add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->name(), "add");
  EXPECT_EQ(s->overload(), "Tensor");
  EXPECT_EQ(s->full_name(), "add.Tensor");
  ASSERT_EQ(s->args().size(), 3u);
  EXPECT_EQ(s->tensor_args(), (std::vector<int>{0, 1}));
  EXPECT_EQ(s->attr_args(), (std::vector<int>{2}));
  EXPECT_TRUE(s->args()[2].keyword_only);
  EXPECT_EQ(*s->args()[2].default_value, AttrValue(1));
  EXPECT_EQ(s->AttrIndex("alpha"), 0);
  EXPECT_EQ(s->AttrIndex("beta"), -1);
  EXPECT_EQ(s->TensorArgIndex("other"), 1);
  EXPECT_FALSE(s->mutates());
  EXPECT_EQ(s->ToString(), "add.Tensor(Tensor self, Tensor other, *, Scalar alpha=1) -> Tensor");
}

TEST(OpSchemaTest, ParsesListsOptionalsAliasesAndMultipleResults) {
  absl::StatusOr<OpSchema> s = OpSchema::Parse(
      "f(Tensor[] xs, Tensor? w=None, int[] dims=[0,1], float[] fs=[0.5], ScalarType? dtype=None, "
      "str mode=\"x\", Device device=cuda:1, bool flag=false) -> (Tensor a, Tensor b)");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->args()[0].kind, SchemaArg::Kind::kTensorList);
  EXPECT_EQ(s->args()[1].kind, SchemaArg::Kind::kOptionalTensor);
  EXPECT_EQ(s->args()[2].attr_type, AttrType::kIntList);
  EXPECT_EQ(s->args()[3].attr_type, AttrType::kFloatList);
  EXPECT_TRUE(s->args()[4].optional);
  EXPECT_EQ(s->args()[6].default_value->device(), Device::Cuda(1));
  EXPECT_EQ(s->num_results(), 2);
  EXPECT_EQ(s->results()[1].name, "b");
  // The normalised text parses back to the same text.
  absl::StatusOr<OpSchema> again = OpSchema::Parse(s->ToString());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->ToString(), s->ToString());

  absl::StatusOr<OpSchema> inplace = OpSchema::Parse("add_(Tensor(a!) self, Tensor other) -> Tensor(a!)");
  ASSERT_TRUE(inplace.ok()) << inplace.status();
  EXPECT_TRUE(inplace->mutates());
  EXPECT_EQ(inplace->ToString(), "add_(Tensor(a!) self, Tensor other) -> Tensor(a!)");
  absl::StatusOr<OpSchema> view = OpSchema::Parse("split(Tensor(a) self, int n) -> Tensor(a)[]");
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_TRUE(view->is_alias());
  EXPECT_TRUE(view->variadic_results());
  EXPECT_EQ(view->ToString(), "split(Tensor(a) self, int n) -> Tensor(a)[]");
}

TEST(OpSchemaTest, RejectsMalformedSchemasWithPosition) {
  struct Case {
    const char* text;
    const char* fragment;
  };
  for (const Case& c : {
           Case{"f(Tensor self", "expected ')'"},
           Case{"f(Tensor self) Tensor", "expected '->'"},
           Case{"f(Banana x) -> Tensor", "unknown argument type 'Banana'"},
           Case{"f(int x=1.5) -> Tensor", "expected an int"},
           Case{"f(int x, int x) -> Tensor", "duplicate argument 'x'"},
           Case{"f(Tensor x) -> Tensor(b)", "result alias set 'b' names no argument"},
           Case{"f(Tensor x) -> int", "results must be Tensor"},
           Case{"f(Tensor x=3) -> Tensor", "only optional tensors may have a default"},
           Case{"f(str s=\"abc) -> Tensor", "unterminated string"},
       }) {
    absl::StatusOr<OpSchema> s = OpSchema::Parse(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(s.status().message().find(c.fragment), absl::string_view::npos)
        << c.text << " -> " << s.status().message();
  }
}

}  // namespace
}  // namespace aot::ir
