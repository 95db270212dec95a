#include "aot/ir/graph.h"

#include <algorithm>
#include <memory>

#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "aot/base/check.h"
#include "aot/base/status_macros.h"

namespace aot::ir {

// ---------------------------------------------------------------------------
// Use / Value

void Use::set(Value* value) {
  if (value_ == value) return;
  if (value_ != nullptr) {
    if (prev_ != nullptr) {
      prev_->next_ = next_;
    } else {
      value_->first_use_ = next_;
    }
    if (next_ != nullptr) next_->prev_ = prev_;
    prev_ = next_ = nullptr;
  }
  value_ = value;
  if (value_ != nullptr) {
    next_ = value_->first_use_;
    if (next_ != nullptr) next_->prev_ = this;
    value_->first_use_ = this;
  }
}

void Value::set_meta(const TensorMeta& meta) { meta_ = graph_->InternMeta(meta); }

Value::~Value() { AOT_CHECK(first_use_ == nullptr) << "value " << name_ << " destroyed with uses"; }

int Value::num_uses() const {
  int n = 0;
  for (Use* u = first_use_; u != nullptr; u = u->next_use()) ++n;
  return n;
}

std::vector<Node*> Value::users() const {
  std::vector<Node*> out;
  for (Use* u = first_use_; u != nullptr; u = u->next_use()) {
    if (u->owner() != nullptr) out.push_back(u->owner());
  }
  std::sort(out.begin(), out.end(),
            [this](const Node* a, const Node* b) { return graph_->OrderOf(a) < graph_->OrderOf(b); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool Value::is_output() const {
  for (Use* u = first_use_; u != nullptr; u = u->next_use()) {
    if (u->owner() == nullptr) return true;
  }
  return false;
}

void Value::ReplaceAllUsesWith(Value* other) {
  AOT_CHECK(other != this);
  while (first_use_ != nullptr) first_use_->set(other);
}

// ---------------------------------------------------------------------------
// Node

void Node::DropOperands() {
  for (int k = 0; k < num_operands_; ++k) operands_[k].~Use();
  operands_ = nullptr;
  num_operands_ = 0;
}

const std::string& Node::name() const {
  static const std::string* const kEmpty = new std::string;
  return num_results_ == 0 ? *kEmpty : results_[0].name();
}

int Node::group_start(int g) const {
  int start = 0;
  for (int i = 0; i < g; ++i) start += group_sizes_[i];
  return start;
}

std::vector<Value*> Node::group(int g) const {
  std::vector<Value*> out;
  int start = group_start(g);
  for (int i = 0; i < group_sizes_[g]; ++i) out.push_back(operand(start + i));
  return out;
}

const AttrValue& Node::attr(absl::string_view name) const {
  int i = op_->schema().AttrIndex(name);
  AOT_CHECK(i >= 0) << op_->name() << " has no attribute " << name;
  return attrs_[i];
}

absl::Status Node::set_attr(absl::string_view name, AttrValue value) {
  const OpSchema& schema = op_->schema();
  int i = schema.AttrIndex(name);
  if (i < 0) {
    return absl::InvalidArgumentError(absl::StrCat(op_->name(), ": no attribute named '", name, "'"));
  }
  AOT_RETURN_IF_ERROR(CheckAttrValue(*op_, i, &value));
  attrs_[i] = std::move(value);
  return absl::OkStatus();
}

const Node::Annotations& Node::annotations() const {
  static const Annotations* const kNone = new Annotations;
  return annotations_ != nullptr ? *annotations_ : *kNone;
}

absl::string_view Node::annotation(absl::string_view key) const {
  if (annotations_ == nullptr) return "";
  for (const auto& [k, v] : *annotations_) {
    if (k == key) return v;
  }
  return "";
}

void Node::set_annotation(absl::string_view key, absl::string_view value) {
  if (annotations_ == nullptr) annotations_ = std::make_unique<Annotations>();
  for (auto& [k, v] : *annotations_) {
    if (k == key) {
      v = std::string(value);
      return;
    }
  }
  annotations_->emplace_back(std::string(key), std::string(value));
}

bool Node::is_dead() const {
  for (int r = 0; r < num_results_; ++r) {
    if (results_[r].has_uses()) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------
// Graph

Graph::~Graph() {
  // Everything goes at once: the use lists need not be kept consistent, so
  // no operand slot is unlinked (the arena takes the memory).
  outputs_.clear();
  for (Node* n = first_; n != nullptr;) {
    Node* next = n->next_;
    Destroy(n, /*unlink_uses=*/false);
    n = next;
  }
  for (auto& in : inputs_) in->first_use_ = nullptr;
  inputs_.clear();
}

void Graph::Destroy(Node* node, bool unlink_uses) {
  if (unlink_uses) {
    node->DropOperands();
  } else {
    node->operands_ = nullptr;
    node->num_operands_ = 0;
  }
  for (int r = 0; r < node->num_results_; ++r) {
    Value& v = node->results_[r];
    if (!unlink_uses) v.first_use_ = nullptr;
    v.~Value();
  }
  node->num_results_ = 0;
  std::destroy_n(node->attrs_, node->num_attrs_);
  node->num_attrs_ = 0;
  node->~Node();
}

namespace {

bool IsKeyword(absl::string_view name) {
  return name == "graph" || name == "return" || name == "None" || name == "true" || name == "false" ||
         name == "requires_grad" || name == "inf" || name == "nan";
}

bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Returns true if `name` is already an identifier the text form can read
// back: [A-Za-z_][A-Za-z0-9_]*, not a keyword of the text form.
bool IsSanitized(absl::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    if (!IsIdentifierChar(c)) return false;
  }
  return !IsKeyword(name);
}

// Makes `name` an identifier the text form can read back.
std::string SanitizeName(absl::string_view name) {
  if (IsSanitized(name)) return std::string(name);
  std::string out;
  out.reserve(name.size() + 1);
  for (char c : name) out += IsIdentifierChar(c) ? c : '_';
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out.insert(out.begin(), '_');
  if (IsKeyword(out)) out += '_';
  return out;
}

}  // namespace

size_t Graph::NameHash(absl::string_view name) { return absl::Hash<absl::string_view>()(name); }

bool Graph::NameTaken(absl::string_view name, size_t hash) const {
  return values_by_name_.contains(NameKey{name, hash});
}

std::string Graph::UniqueName(absl::string_view base) {
  size_t hash;
  return UniqueName(base, &hash);
}

std::string Graph::UniqueName(absl::string_view base, size_t* hash) {
  std::string b = SanitizeName(base);
  *hash = NameHash(b);
  if (!NameTaken(b, *hash)) return b;
  int64_t& counter = name_counters_[b];
  // The candidate reuses one buffer: `b`, then "_N".
  const size_t prefix = b.size();
  b += '_';
  while (true) {
    b.resize(prefix + 1);
    absl::StrAppend(&b, ++counter);
    *hash = NameHash(b);
    if (!NameTaken(b, *hash)) return b;
  }
}

// Note [Interned metadata]
// A value's TensorMeta (88 bytes) was a field of its own, though nearly
// every value of a big graph has the metadata of many others (in
// bench:compile_latency's chain every value is an f32[16]).
// Values now point into the graph's table of distinct metadata, which makes
// a Value 72 bytes instead of 152, and a graph that no longer fits in cache
// that much less to read on every walk. Interning costs a comparison with
// the last metadata interned, which nearly always matches (a node's results
// usually have the metadata of its operands), or else a hash lookup.
// Equality here is field by field (explicit contiguous strides differ from
// none), so that a value reads back exactly what it was given.
size_t Graph::MetaPtrHash::operator()(const TensorMeta* m) const {
  return absl::HashOf(m->shape, m->dtype, m->device, m->strides, m->requires_grad);
}

bool Graph::MetaPtrEq::operator()(const TensorMeta* a, const TensorMeta* b) const {
  return a->shape == b->shape && a->dtype == b->dtype && a->device == b->device && a->strides == b->strides &&
         a->requires_grad == b->requires_grad;
}

const TensorMeta* Graph::InternMeta(const TensorMeta& meta) {
  if (last_meta_ != nullptr && MetaPtrEq()(last_meta_, &meta)) return last_meta_;
  auto it = meta_index_.find(&meta);
  if (it == meta_index_.end()) {
    metas_.push_back(meta);
    it = meta_index_.insert(&metas_.back()).first;
  }
  last_meta_ = *it;
  return last_meta_;
}

void Graph::ReleaseName(const std::string& name) { values_by_name_.erase(NameKey{name, NameHash(name)}); }

Value* Graph::AddInput(absl::string_view name, TensorMeta meta) {
  size_t hash;
  std::string unique = UniqueName(name, &hash);
  auto v = std::unique_ptr<Value>(new Value(this, nullptr, num_inputs(), next_value_id_++, unique, InternMeta(meta)));
  values_by_name_.insert(NamedValue{v.get(), hash});
  inputs_.push_back(std::move(v));
  return inputs_.back().get();
}

std::vector<Value*> Graph::inputs() const {
  std::vector<Value*> out;
  out.reserve(inputs_.size());
  for (const auto& v : inputs_) out.push_back(v.get());
  return out;
}

absl::Status Graph::EraseInput(Value* input) {
  if (input->graph() != this || !input->is_input()) {
    return absl::InvalidArgumentError(absl::StrCat("EraseInput: ", input->name(), " is not an input of this graph"));
  }
  if (input->has_uses()) {
    return absl::FailedPreconditionError(absl::StrCat("EraseInput: input ", input->name(), " still has uses"));
  }
  int idx = input->index();
  ReleaseName(input->name());
  inputs_.erase(inputs_.begin() + idx);
  for (int i = idx; i < num_inputs(); ++i) inputs_[i]->index_ = i;
  return absl::OkStatus();
}

absl::Status Graph::CheckGroups(const OpDef& op, absl::Span<Value* const> operands,
                               absl::Span<const int> group_sizes) const {
  const OpSchema& schema = op.schema();
  if (group_sizes.size() != schema.tensor_args().size()) {
    return absl::InvalidArgumentError(absl::StrCat(op.name(), ": expected ", schema.tensor_args().size(),
                                                   " tensor arguments, got ", group_sizes.size()));
  }
  size_t k = 0;
  for (size_t g = 0; g < group_sizes.size(); ++g) {
    const SchemaArg& arg = schema.args()[schema.tensor_args()[g]];
    const int n = group_sizes[g];
    if (n < 0 || (arg.kind == SchemaArg::Kind::kTensor && n != 1) ||
        (arg.kind == SchemaArg::Kind::kOptionalTensor && n > 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat(op.name(), ": argument '", arg.name, "' takes ",
                       arg.kind == SchemaArg::Kind::kTensor ? "one tensor" : "at most one tensor", ", got ", n));
    }
    if (k + n > operands.size()) {
      return absl::InvalidArgumentError(absl::StrCat(op.name(), ": operand groups hold more than the ",
                                                     operands.size(), " operands given"));
    }
    for (int i = 0; i < n; ++i, ++k) {
      Value* v = operands[k];
      if (v == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(op.name(), ": argument '", arg.name, "' is null"));
      }
      if (v->graph() != this) {
        return absl::InvalidArgumentError(
            absl::StrCat(op.name(), ": argument '", arg.name, "' (", v->name(), ") belongs to another graph"));
      }
    }
  }
  if (k != operands.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(op.name(), ": operand groups hold ", k, " operands, ", operands.size(), " given"));
  }
  return absl::OkStatus();
}

namespace {

// Flattens operand groups into operands and group sizes.
void Flatten(const std::vector<std::vector<Value*>>& groups, absl::InlinedVector<Value*, 4>* operands,
             absl::InlinedVector<int, 4>* group_sizes) {
  for (const std::vector<Value*>& group : groups) {
    group_sizes->push_back(static_cast<int>(group.size()));
    operands->insert(operands->end(), group.begin(), group.end());
  }
}

}  // namespace

absl::StatusOr<Node*> Graph::Create(OpKind kind, absl::Span<Value* const> operands, const AttrList& attrs,
                                    const CreateOptions& options) {
  const OpDef& op = GetOpDef(kind);
  size_t num_groups = op.schema().tensor_args().size();
  if (operands.size() != num_groups) {
    return absl::InvalidArgumentError(absl::StrCat(op.name(), ": expected ", num_groups, " operands, got ",
                                                   operands.size(), " (schema: ", op.schema().ToString(), ")"));
  }
  std::vector<std::vector<Value*>> groups;
  groups.reserve(num_groups);
  for (Value* v : operands) {
    if (v == nullptr) {
      groups.emplace_back();  // An absent optional tensor.
    } else {
      groups.push_back({v});
    }
  }
  return CreateWithGroups(kind, std::move(groups), attrs, options);
}

absl::StatusOr<Node*> Graph::CreateWithGroups(OpKind kind, std::vector<std::vector<Value*>> groups,
                                              const AttrList& attrs, const CreateOptions& options) {
  const OpDef& op = GetOpDef(kind);
  absl::InlinedVector<Value*, 4> operands;
  absl::InlinedVector<int, 4> group_sizes;
  Flatten(groups, &operands, &group_sizes);
  AOT_RETURN_IF_ERROR(CheckGroups(op, operands, group_sizes));
  std::vector<AttrValue> resolved;
  AOT_RETURN_IF_ERROR(ResolveAttrs(op, attrs, &resolved));
  absl::InlinedVector<const TensorMeta*, 4> metas;
  for (Value* v : operands) metas.push_back(&v->meta());
  ShapeContext ctx(op, metas, group_sizes, resolved);
  AOT_ASSIGN_OR_RETURN(std::vector<TensorMeta> result_metas, op.shape_fn()(ctx));
  std::string base = options.name.empty() ? op.schema().name() : options.name;
  Node* node = NewNode(&op, operands, group_sizes, std::move(resolved), static_cast<int>(result_metas.size()));
  for (size_t i = 0; i < result_metas.size(); ++i) {
    size_t hash;
    std::string name = UniqueName(base, &hash);
    AddResult(node, std::move(name), hash, result_metas[i]);
  }
  return Insert(node, options.insert_before);
}

absl::StatusOr<Node*> Graph::CreateUnchecked(OpKind kind, std::vector<std::vector<Value*>> groups,
                                             const AttrList& attrs, std::vector<TensorMeta> result_metas,
                                             std::vector<std::string> result_names, Node* insert_before) {
  const OpDef& op = GetOpDef(kind);
  absl::InlinedVector<Value*, 4> operands;
  absl::InlinedVector<int, 4> group_sizes;
  Flatten(groups, &operands, &group_sizes);
  AOT_RETURN_IF_ERROR(CheckGroups(op, operands, group_sizes));
  std::vector<AttrValue> resolved;
  AOT_RETURN_IF_ERROR(ResolveAttrs(op, attrs, &resolved));
  return CreateUncheckedResolved(kind, operands, group_sizes, std::move(resolved), result_metas, result_names,
                                 insert_before);
}

absl::StatusOr<Node*> Graph::CreateUncheckedResolved(OpKind kind, absl::Span<Value* const> operands,
                                                     absl::Span<const int> group_sizes, std::vector<AttrValue> attrs,
                                                     absl::Span<const TensorMeta> result_metas,
                                                     absl::Span<const std::string> result_names,
                                                     Node* insert_before) {
  const OpDef& op = GetOpDef(kind);
  AOT_RETURN_IF_ERROR(CheckGroups(op, operands, group_sizes));
  if (result_names.size() != result_metas.size()) {
    return absl::InvalidArgumentError(absl::StrCat(op.name(), ": ", result_names.size(), " result names for ",
                                                   result_metas.size(), " results"));
  }
  absl::InlinedVector<size_t, 1> hashes;
  for (size_t i = 0; i < result_names.size(); ++i) {
    const std::string& n = result_names[i];
    hashes.push_back(NameHash(n));
    if (NameTaken(n, hashes.back()) ||
        std::find(result_names.begin(), result_names.begin() + i, n) != result_names.begin() + i) {
      return absl::InvalidArgumentError(absl::StrCat(op.name(), ": value name '", n, "' is already defined"));
    }
  }
  absl::InlinedVector<std::string, 1> names(result_names.begin(), result_names.end());
  return AddCheckedNode(op, operands, group_sizes, std::move(attrs), result_metas, absl::MakeSpan(names), hashes,
                        insert_before);
}

absl::StatusOr<Node*> Graph::CreateUncheckedResolvedNamed(OpKind kind, absl::Span<Value* const> operands,
                                                          absl::Span<const int> group_sizes,
                                                          std::vector<AttrValue> attrs,
                                                          absl::Span<const TensorMeta> result_metas,
                                                          absl::string_view name_base, Node* insert_before) {
  const OpDef& op = GetOpDef(kind);
  AOT_RETURN_IF_ERROR(CheckGroups(op, operands, group_sizes));
  // UniqueName reserves nothing, so the names are distinct by construction
  // ("<first>_<i>" and what UniqueName makes of it differ from the first
  // name and from each other) and free: no second look-up.
  absl::InlinedVector<std::string, 1> names;
  absl::InlinedVector<size_t, 1> hashes;
  names.reserve(result_metas.size());
  hashes.reserve(result_metas.size());
  for (size_t i = 0; i < result_metas.size(); ++i) {
    size_t hash;
    names.push_back(i == 0 ? UniqueName(name_base, &hash) : UniqueName(absl::StrCat(names[0], "_", i), &hash));
    hashes.push_back(hash);
  }
  return AddCheckedNode(op, operands, group_sizes, std::move(attrs), result_metas, absl::MakeSpan(names), hashes,
                        insert_before);
}

absl::StatusOr<Node*> Graph::AddCheckedNode(const OpDef& op, absl::Span<Value* const> operands,
                                            absl::Span<const int> group_sizes, std::vector<AttrValue> attrs,
                                            absl::Span<const TensorMeta> result_metas, absl::Span<std::string> names,
                                            absl::Span<const size_t> hashes, Node* insert_before) {
  if (static_cast<int>(attrs.size()) != op.schema().num_attrs()) {
    return absl::InvalidArgumentError(absl::StrCat(op.name(), ": ", attrs.size(), " attributes, the schema has ",
                                                   op.schema().num_attrs()));
  }
  for (int i = 0; i < static_cast<int>(attrs.size()); ++i) AOT_RETURN_IF_ERROR(CheckAttrValue(op, i, &attrs[i]));
  Node* node = NewNode(&op, operands, group_sizes, std::move(attrs), static_cast<int>(result_metas.size()));
  for (size_t i = 0; i < result_metas.size(); ++i) AddResult(node, std::move(names[i]), hashes[i], result_metas[i]);
  return Insert(node, insert_before);
}

absl::StatusOr<Node*> Graph::CreateCopy(const Node& from, absl::Span<Value* const> operands, Node* insert_before) {
  const OpDef& op = from.op();
  AOT_RETURN_IF_ERROR(CheckGroups(op, operands, from.group_sizes()));
  absl::InlinedVector<size_t, 1> hashes;
  for (int r = 0; r < from.num_results_; ++r) {
    hashes.push_back(NameHash(from.results_[r].name()));
    if (NameTaken(from.results_[r].name(), hashes.back())) {
      return absl::InvalidArgumentError(
          absl::StrCat(op.name(), ": value name '", from.results_[r].name(), "' is already defined"));
    }
  }
  // The attributes were checked when `from` was made.
  Node* node = NewNode(&op, operands, from.group_sizes(), from.attrs(), from.num_results_);
  if (from.annotations_ != nullptr) node->annotations_ = std::make_unique<Node::Annotations>(*from.annotations_);
  for (int r = 0; r < from.num_results_; ++r) {
    AddResult(node, from.results_[r].name(), hashes[r], from.results_[r].meta());
  }
  return Insert(node, insert_before);
}

// Note [The size of a graph node]
// A node held its group sizes in an InlinedVector, its attributes in a
// std::vector and its annotations in another (72 bytes between them, and a
// malloc for every node with attributes, copied again with each copy of the
// node). The group sizes and attributes now go in the arena right after the
// node, and the annotations behind a pointer that is null for most nodes:
// sizeof(Node) 136 -> 96 bytes.
Node* Graph::NewNodeShell(const OpDef* op, absl::Span<Value* const> operands, absl::Span<const int> group_sizes,
                          int num_attrs, int num_results) {
  Node* node = new (arena_.Allocate(sizeof(Node), alignof(Node))) Node(this, op);
  const int num_operands = static_cast<int>(operands.size());
  if (num_operands > 0) node->operands_ = arena_.AllocateArray<Use>(num_operands);
  node->num_operands_ = num_operands;
  for (int k = 0; k < num_operands; ++k) {
    Use* use = new (&node->operands_[k]) Use(node, k);
    use->set(operands[k]);
  }
  if (num_results > 0) node->results_ = arena_.AllocateArray<Value>(num_results);
  if (num_attrs > 0) node->attrs_ = arena_.AllocateArray<AttrValue>(num_attrs);
  node->num_attrs_ = num_attrs;
  node->num_groups_ = static_cast<int>(group_sizes.size());
  if (!group_sizes.empty()) {
    node->group_sizes_ = arena_.AllocateArray<int>(group_sizes.size());
    std::copy(group_sizes.begin(), group_sizes.end(), node->group_sizes_);
  }
  return node;
}

Node* Graph::NewNode(const OpDef* op, absl::Span<Value* const> operands, absl::Span<const int> group_sizes,
                     absl::Span<const AttrValue> attrs, int num_results) {
  Node* node = NewNodeShell(op, operands, group_sizes, static_cast<int>(attrs.size()), num_results);
  std::uninitialized_copy(attrs.begin(), attrs.end(), node->attrs_);
  return node;
}

Node* Graph::NewNode(const OpDef* op, absl::Span<Value* const> operands, absl::Span<const int> group_sizes,
                     std::vector<AttrValue>&& owned_attrs, int num_results) {
  Node* node = NewNodeShell(op, operands, group_sizes, static_cast<int>(owned_attrs.size()), num_results);
  std::uninitialized_move(owned_attrs.begin(), owned_attrs.end(), node->attrs_);
  return node;
}

Value* Graph::AddResult(Node* node, std::string name, size_t name_hash, const TensorMeta& meta) {
  // NewNode reserved the slot; results are added in order.
  Value* v = new (&node->results_[node->num_results_])
      Value(this, node, node->num_results_, next_value_id_++, std::move(name), InternMeta(meta));
  ++node->num_results_;
  values_by_name_.insert(NamedValue{v, name_hash});
  return v;
}

void Graph::Link(Node* node, Node* pos) {
  Node* prev = pos == nullptr ? last_ : pos->prev_;
  node->prev_ = prev;
  node->next_ = pos;
  (prev == nullptr ? first_ : prev->next_) = node;
  (pos == nullptr ? last_ : pos->prev_) = node;
  ++num_nodes_;
}

void Graph::Unlink(Node* node) {
  (node->prev_ == nullptr ? first_ : node->prev_->next_) = node->next_;
  (node->next_ == nullptr ? last_ : node->next_->prev_) = node->prev_;
  node->prev_ = node->next_ = nullptr;
  --num_nodes_;
}

Node* Graph::Insert(Node* node, Node* insert_before) {
  Node* prev = insert_before == nullptr ? last_ : insert_before->prev_;
  Link(node, insert_before);
  if (insert_before == nullptr && order_valid_) {
    // Appending keeps the cached order valid.
    node->order_ = prev == nullptr ? 0 : prev->order_ + 1;
  } else {
    order_valid_ = false;
  }
  return node;
}

std::vector<Node*> Graph::nodes() const {
  std::vector<Node*> out;
  out.reserve(num_nodes_);
  for (Node* n = first_; n != nullptr; n = n->next_) out.push_back(n);
  return out;
}

absl::Status Graph::EraseNode(Node* node) {
  if (node->graph() != this) return absl::InvalidArgumentError("EraseNode: node belongs to another graph");
  for (int i = 0; i < node->num_results_; ++i) {
    const Value& r = node->results_[i];
    if (Use* u = r.first_use()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "EraseNode: ", r.name(), " is still used by ",
          u->owner() ? absl::StrCat("node ", u->owner()->name()) : std::string("the graph outputs")));
    }
  }
  for (int i = 0; i < node->num_results_; ++i) ReleaseName(node->results_[i].name());
  Unlink(node);
  Destroy(node, /*unlink_uses=*/true);
  return absl::OkStatus();
}

void Graph::MoveBefore(Node* node, Node* pos) {
  if (node == pos) return;
  Unlink(node);
  Link(node, pos);
  order_valid_ = false;
}

void Graph::SetOutputs(absl::Span<Value* const> values) {
  outputs_.clear();
  for (Value* v : values) AddOutput(v);
}

void Graph::AddOutput(Value* value) {
  AOT_CHECK(value != nullptr && value->graph() == this) << "output from another graph";
  outputs_.push_back(std::make_unique<Use>(nullptr, num_outputs()));
  outputs_.back()->set(value);
}

std::vector<Value*> Graph::outputs() const {
  std::vector<Value*> out;
  out.reserve(outputs_.size());
  for (const auto& u : outputs_) out.push_back(u->get());
  return out;
}

int64_t Graph::OrderOf(const Node* node) const {
  AOT_CHECK(node->graph() == this) << "node not in graph";
  if (!order_valid_) {
    int64_t i = 0;
    for (Node* n = first_; n != nullptr; n = n->next_) n->order_ = i++;
    order_valid_ = true;
  }
  return node->order_;
}

absl::Status Graph::SortTopologically() {
  // Iterative DFS in program order: a node is placed after all producers of
  // its operands. Nodes already in order stay in order.
  enum State : uint8_t { kUnvisited, kVisiting, kDone };
  absl::flat_hash_map<const Node*, State> state;
  state.reserve(num_nodes_);
  std::vector<Node*> order;
  order.reserve(num_nodes_);
  std::vector<std::pair<Node*, int>> stack;
  for (Node* root = first_; root != nullptr; root = root->next_) {
    if (state[root] != kUnvisited) continue;
    stack.emplace_back(root, 0);
    state[root] = kVisiting;
    while (!stack.empty()) {
      auto& [n, next] = stack.back();
      if (next < n->num_operands()) {
        Value* v = n->operand(next++);
        Node* p = v->producer();
        if (p == nullptr) continue;
        State& s = state[p];
        if (s == kVisiting) {
          return absl::InternalError(absl::StrCat("graph has a cycle through ", p->name()));
        }
        if (s == kUnvisited) {
          s = kVisiting;
          stack.emplace_back(p, 0);
        }
        continue;
      }
      state[n] = kDone;
      order.push_back(n);
      stack.pop_back();
    }
  }
  // Relink in the new order.
  first_ = last_ = nullptr;
  num_nodes_ = 0;
  for (Node* n : order) Link(n, nullptr);
  order_valid_ = false;
  return absl::OkStatus();
}

std::unique_ptr<Graph> Graph::Clone() const {
  auto g = std::make_unique<Graph>(name_);
  // This graph's values by Value::id().
  std::vector<Value*> map(next_value_id_, nullptr);
  g->values_by_name_.reserve(values_by_name_.size());
  for (const auto& in : inputs_) map[in->id()] = g->AddInput(in->name(), in->meta());
  for (const Node* n = first_; n != nullptr; n = n->next_) {
    absl::InlinedVector<Value*, 4> operands;
    operands.reserve(n->num_operands());
    for (int k = 0; k < n->num_operands(); ++k) operands.push_back(map[n->operand(k)->id()]);
    Node* node = g->NewNode(n->op_, operands, n->group_sizes(), n->attrs(), n->num_results_);
    if (n->annotations_ != nullptr) node->annotations_ = std::make_unique<Node::Annotations>(*n->annotations_);
    for (int r = 0; r < n->num_results_; ++r) {
      const Value* v = n->result(r);
      map[v->id()] = g->AddResult(node, v->name(), NameHash(v->name()), v->meta());
    }
    g->Insert(node, nullptr);
  }
  g->name_counters_ = name_counters_;
  for (const auto& o : outputs_) g->AddOutput(map[o->get()->id()]);
  return g;
}

Value* Graph::FindValue(absl::string_view name) const {
  auto it = values_by_name_.find(NameKey{name, NameHash(name)});
  return it == values_by_name_.end() ? nullptr : it->value;
}

}  // namespace aot::ir
