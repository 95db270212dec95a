// Prints docs/ops.md, the reference of the op set, from the op registry
// (aot/ir/op_list.h): one section per category, one table row per op with its
// schema, flags and whether it is a core op (aot/decomp/core_ops.h).
//
//   bazel run //tools:ops_doc > docs/ops.md
//
// //tools:ops_doc_test fails while docs/ops.md differs from this output.
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "aot/decomp/core_ops.h"
#include "aot/ir/op.h"

namespace aot::ir {
namespace {

// The sections of the document, in order. Each op is in exactly one.
enum class Category {
  kElementwise,
  kReduction,
  kShape,
  kCompute,
  kCreation,
  kInplace,
  kBackward,
  kOther,
};

struct CategoryInfo {
  Category category;
  absl::string_view title;
  absl::string_view description;
};

constexpr CategoryInfo kCategories[] = {
    {Category::kElementwise, "Elementwise",
     "Output element i depends on input element i only. Binary ops broadcast with NumPy rules and "
     "promote dtypes (bool < integers < floating; the wider type wins within a category; f16 with "
     "bf16 gives f32). `.Scalar` overloads take the number as an attribute; it changes the result "
     "dtype only when its category is higher than the tensor's. Float-only ops (`exp`, `sin`, ...) "
     "compute integer and bool inputs in f32."},
    {Category::kReduction, "Reductions",
     "An absent or empty `dim` reduces every dimension; negative dims count from the end; "
     "`keepdim` keeps reduced dimensions with size 1."},
    {Category::kShape, "Shapes and views",
     "Ops that move or reshape data. Views alias their input (`Tensor(a)`); functionalized graphs "
     "use the copying forms."},
    {Category::kCompute, "Linear algebra and convolution", "The compute-intensive ops."},
    {Category::kCreation, "Creation",
     "Ops that make a tensor from attributes (`size`, fill value, `dtype`, `device`) or, for the "
     "`_like` forms, from an input's metadata."},
    {Category::kInplace, "In-place",
     "Write `self` (`Tensor(a!)`) and return it, keeping its shape, dtype and device. The other "
     "operands must broadcast to `self`, and the computed dtype must cast to `self`'s (not floating "
     "into integral, nothing but bool into bool)."},
    {Category::kBackward, "Backward", "Ops that express the derivatives of other ops."},
    {Category::kOther, "Other", "Neural-network, indexing and triangular ops."},
};

// The first matching rule wins: an in-place or backward op is listed there
// whatever else it is.
Category CategoryOf(const OpDef& op) {
  if (op.is_inplace()) return Category::kInplace;
  if (op.has(kBackward)) return Category::kBackward;
  if (op.has(kCreation)) return Category::kCreation;
  if (op.is_reduction()) return Category::kReduction;
  if (op.is_compute_intensive()) return Category::kCompute;
  if (op.is_view() || (op.has(kShapeOnly) && !op.is_elementwise())) return Category::kShape;
  if (op.is_elementwise()) return Category::kElementwise;
  return Category::kOther;
}

struct FlagInfo {
  OpFlag flag;
  absl::string_view name;
  absl::string_view description;
};

constexpr FlagInfo kFlags[] = {
    {kElementwise, "elementwise", "Output element i depends on input element i only."},
    {kReduction, "reduction", "Reduces dimensions."},
    {kView, "view", "A result aliases an input (`Tensor(a)` in the schema)."},
    {kInplace, "inplace", "Writes an input (`Tensor(a!)` in the schema)."},
    {kRandom, "random",
     "Draws random numbers; with its optional `seed` operand (i64[2]: seed, offset) it is deterministic."},
    {kComputeIntensive, "compute_intensive", "Matmul, convolution: never worth recomputing."},
    {kCreation, "creation", "Makes a tensor from attributes."},
    {kNonDifferentiable, "non_differentiable", "Integer or bool results, or piecewise constant: no gradient."},
    {kBackward, "backward", "Exists to express derivatives of other ops."},
    {kShapeOnly, "shape_only", "Moves or reshapes data, computes nothing."},
};

std::string FlagNames(const OpDef& op) {
  std::vector<absl::string_view> names;
  for (const FlagInfo& f : kFlags) {
    if (op.has(f.flag)) names.push_back(f.name);
  }
  return names.empty() ? "-" : absl::StrJoin(names, ", ");
}

// The Core column: core ops, and how the others leave a graph traced with
// the core decomposition table.
absl::string_view CoreCell(const OpDef& op) {
  if (IsCoreOp(op.kind())) return "yes";
  return op.is_inplace() ? "no (functionalized)" : "no (decomposed)";
}

// Text for a table cell: '|' would end the cell, even inside backticks.
std::string Cell(absl::string_view text) { return absl::StrReplaceAll(text, {{"|", "\\|"}}); }

// GitHub's heading anchor: lower case, spaces to '-', other punctuation dropped.
std::string Anchor(absl::string_view title) {
  std::string out;
  for (char c : title) {
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      out += c;
    } else if (c == ' ') {
      out += '-';
    }
  }
  return out;
}

std::string OpsMarkdown() {
  std::vector<std::vector<const OpDef*>> sections(std::size(kCategories));
  for (const OpDef* op : AllOps()) sections[static_cast<int>(CategoryOf(*op))].push_back(op);

  std::string out;
  absl::StrAppend(&out, "# Ops\n\n");
  absl::StrAppend(&out,
                  "This file is generated from the op registry (`aot/ir/op_list.h`) by `//tools:ops_doc`; "
                  "do not edit it by hand. Regenerate it with `bazel run //tools:ops_doc > docs/ops.md`; "
                  "`//tools:ops_doc_test` fails while it is stale.\n\n");
  absl::StrAppend(&out, "The op set has ", AllOps().size(),
                  " ops. Schemas are PyTorch-style (`aot/ir/op_schema.h`): tensor arguments become a "
                  "node's operands, every other argument an attribute. Within a section, ops are in "
                  "`op_list.h` order.\n\n");
  const size_t num_core = CoreOps().size();
  absl::StrAppend(&out, "The Core column marks the ", num_core,
                  " core ops (`aot/decomp/core_ops.h`), the set a backend implements: tracing with the core "
                  "decomposition table rewrites every other op into them, in-place ops through "
                  "functionalization (see [decompositions.md](decompositions.md)).\n\n");
  absl::StrAppend(&out, "| Section | Ops |\n|---|---:|\n");
  for (const CategoryInfo& c : kCategories) {
    const auto& ops = sections[static_cast<int>(c.category)];
    if (ops.empty()) continue;
    absl::StrAppend(&out, "| [", c.title, "](#", Anchor(c.title), ") | ", ops.size(), " |\n");
  }
  absl::StrAppend(&out, "| [Flags](#flags) | |\n");

  for (const CategoryInfo& c : kCategories) {
    const auto& ops = sections[static_cast<int>(c.category)];
    if (ops.empty()) continue;
    absl::StrAppend(&out, "\n## ", c.title, "\n\n", c.description, "\n\n");
    absl::StrAppend(&out, "| Op | Schema | Flags | Core |\n|---|---|---|---|\n");
    for (const OpDef* op : ops) {
      absl::StrAppend(&out, "| `", Cell(op->name()), "` | `", Cell(op->schema().ToString()), "` | ", FlagNames(*op),
                      " | ", CoreCell(*op), " |\n");
    }
  }

  absl::StrAppend(&out, "\n## Flags\n\n");
  absl::StrAppend(&out,
                  "`view` and `inplace` follow from the schema's alias annotations; the others are "
                  "declared in `op_list.h` (`OpFlag` in `aot/ir/op.h`).\n\n");
  absl::StrAppend(&out, "| Flag | Meaning |\n|---|---|\n");
  for (const FlagInfo& f : kFlags) absl::StrAppend(&out, "| ", f.name, " | ", Cell(f.description), " |\n");
  return out;
}

}  // namespace
}  // namespace aot::ir

int main() {
  std::string doc = aot::ir::OpsMarkdown();
  return std::fwrite(doc.data(), 1, doc.size(), stdout) == doc.size() && std::fflush(stdout) == 0 ? 0 : 1;
}
