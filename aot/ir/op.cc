#include "aot/ir/op.h"

#include <array>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/base/status_macros.h"
#include "aot/ir/shape_rules.h"

namespace aot::ir {

OpDef::OpDef(OpKind kind, OpSchema schema, uint32_t flags, ShapeFn shape_fn)
    : kind_(kind), schema_(std::move(schema)), flags_(flags), shape_fn_(shape_fn) {
  if (schema_.mutates()) flags_ |= kInplace;
  if (schema_.is_alias() && !schema_.mutates()) flags_ |= kView;
}

// Builds every OpDef from op_list.h once and indexes them by name.
class OpRegistry {
 public:
  static const OpRegistry& Get() {
    static const OpRegistry* const registry = new OpRegistry;
    return *registry;
  }

  const OpDef& def(OpKind kind) const { return *defs_[static_cast<int>(kind)]; }
  const OpDef* Find(absl::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : it->second;
  }
  absl::Span<const OpDef* const> all() const { return ptrs_; }

 private:
  struct Entry {
    OpKind kind;
    const char* schema;
    uint32_t flags;
    ShapeFn rule;
  };

  OpRegistry() {
    static constexpr Entry kEntries[] = {
#define AOT_OP_ENTRY_(Name, schema, flags, rule) {OpKind::k##Name, schema, flags, &rules::rule},
        AOT_FOR_EACH_OP(AOT_OP_ENTRY_)
#undef AOT_OP_ENTRY_
    };
    static_assert(sizeof(kEntries) / sizeof(kEntries[0]) == kNumOps);
    for (int i = 0; i < kNumOps; ++i) {
      const Entry& e = kEntries[i];
      AOT_CHECK(static_cast<int>(e.kind) == i);
      absl::StatusOr<OpSchema> schema = OpSchema::Parse(e.schema);
      AOT_CHECK(schema.ok()) << "op_list.h: " << schema.status().message();
      defs_.push_back(std::make_unique<OpDef>(e.kind, *std::move(schema), e.flags, e.rule));
      const OpDef* def = defs_.back().get();
      ptrs_.push_back(def);
      AOT_CHECK(by_name_.emplace(def->name(), def).second) << "op_list.h: duplicate op " << def->name();
    }
    // Pair in-place ops (name ends in '_') with their functional forms.
    for (const auto& def : defs_) {
      const OpSchema& s = def->schema();
      if (!def->is_inplace() || s.name().empty() || s.name().back() != '_') continue;
      std::string functional = s.name().substr(0, s.name().size() - 1);
      if (!s.overload().empty()) absl::StrAppend(&functional, ".", s.overload());
      if (OpDef* f = const_cast<OpDef*>(Find(functional))) {
        def->functional_ = f;
        f->inplace_ = def.get();
      }
    }
  }

  std::vector<std::unique_ptr<OpDef>> defs_;
  std::vector<const OpDef*> ptrs_;
  absl::flat_hash_map<std::string, const OpDef*> by_name_;
};

const OpDef& GetOpDef(OpKind kind) { return OpRegistry::Get().def(kind); }
const OpDef* FindOp(absl::string_view name) { return OpRegistry::Get().Find(name); }
absl::Span<const OpDef* const> AllOps() { return OpRegistry::Get().all(); }

absl::Status ResolveAttrs(const OpDef& op, const AttrList& attrs, std::vector<AttrValue>* out) {
  const OpSchema& schema = op.schema();
  out->assign(schema.num_attrs(), AttrValue());
  std::vector<bool> given(schema.num_attrs(), false);
  for (const auto& [name, value] : attrs) {
    int i = schema.AttrIndex(name);
    if (i < 0) {
      return absl::InvalidArgumentError(absl::StrCat(op.name(), ": no attribute named '", name,
                                                     "' (schema: ", schema.ToString(), ")"));
    }
    if (given[i]) return absl::InvalidArgumentError(absl::StrCat(op.name(), ": attribute '", name, "' given twice"));
    AttrValue v = value;
    AOT_RETURN_IF_ERROR(CheckAttrValue(op, i, &v));
    (*out)[i] = std::move(v);
    given[i] = true;
  }
  for (int i = 0; i < schema.num_attrs(); ++i) {
    if (given[i]) continue;
    const SchemaArg& arg = schema.args()[schema.attr_args()[i]];
    if (arg.default_value) {
      (*out)[i] = *arg.default_value;
    } else if (arg.optional) {
      (*out)[i] = AttrValue::None();
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(op.name(), ": missing required attribute '", arg.name, "'"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckAttrValue(const OpDef& op, int index, AttrValue* value) {
  const OpSchema& schema = op.schema();
  const SchemaArg& arg = schema.args()[schema.attr_args()[index]];
  if (arg.attr_type == AttrType::kFloat && value->is_int()) *value = AttrValue(static_cast<double>(value->i()));
  if (!value->Matches(arg.attr_type, arg.optional)) {
    return absl::InvalidArgumentError(absl::StrCat(op.name(), ": attribute '", arg.name, "' expects ",
                                                   AttrTypeName(arg.attr_type), arg.optional ? "?" : "", ", got ",
                                                   value->ToString()));
  }
  return absl::OkStatus();
}

const AttrValue& ShapeContext::attr(absl::string_view name) const {
  int i = op_.schema().AttrIndex(name);
  AOT_CHECK(i >= 0) << op_.name() << " has no attribute " << name;
  return attrs_[i];
}

std::optional<DType> ShapeContext::OptionalDType(absl::string_view name) const {
  const AttrValue& v = attr(name);
  if (v.is_none()) return std::nullopt;
  return v.dtype();
}

absl::Status ShapeContext::Error(absl::string_view message) const {
  return absl::InvalidArgumentError(absl::StrCat(op_.name(), ": ", message));
}

}  // namespace aot::ir
