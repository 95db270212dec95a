// The graph IR: a Graph owns Nodes; a Node has operand Values (uses) and
// result Values; graph inputs are Values without a producer; graph outputs
// are a list of uses. SSA: every Value is defined once, before its uses in
// the node order.
//
//   Graph g("forward");
//   Value* x = g.AddInput("primals_1", TensorMeta(Shape{4}, DType::kFloat32));
//   AOT_ASSIGN_OR_RETURN(Node* c, g.Create(OpKind::kCos, {x}));
//   AOT_ASSIGN_OR_RETURN(Node* c1, g.Create(OpKind::kCos, {c->result()}));
//   g.SetOutputs({c1->result(), c->result()});
//   // def forward(primals_1: f32[4]):
//   //     cos: f32[4] = cos(primals_1)
//   //     cos_1: f32[4] = cos(cos)
//   //     return (cos_1, cos)
//
// Ownership: the Graph owns Nodes and input Values (stable addresses until
// erased); a Node owns its result Values. Nodes, their operand slots and
// result Values live in the graph's arena (aot/base/arena.h): an erased
// node's bytes are reclaimed with the graph. Each operand slot (Use) links itself
// into its Value's use list, so users(), ReplaceAllUsesWith and DCE cost
// O(uses). Editing while iterating: copy the list first, or step past a node
// before erasing it.
#ifndef AOT_IR_GRAPH_H_
#define AOT_IR_GRAPH_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "aot/base/arena.h"
#include "aot/ir/attr.h"
#include "aot/ir/op.h"
#include "aot/ir/shape.h"

namespace aot::ir {

class Graph;
class Node;
class Value;

// One operand slot of a node, or one graph output. Links itself into the use
// list of the value it refers to.
class Use {
 public:
  Use(Node* owner, int index) : owner_(owner), index_(index) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  ~Use() { set(nullptr); }

  Value* get() const { return value_; }
  // The node whose operand this is; nullptr for a graph output.
  Node* owner() const { return owner_; }
  // The operand index in the owner, or the output index.
  int index() const { return index_; }
  void set(Value* value);
  Use* next_use() const { return next_; }

 private:
  friend class Graph;
  // For a node's operand array, which Graph::NewNode fills in.
  Use() = default;

  Value* value_ = nullptr;
  Node* owner_ = nullptr;
  int index_ = 0;
  Use* next_ = nullptr;
  Use* prev_ = nullptr;
};

// A tensor value: a graph input or a node result.
class Value {
 public:
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  ~Value();

  const std::string& name() const { return name_; }
  const TensorMeta& meta() const { return *meta_; }
  void set_meta(const TensorMeta& meta);
  // The node that defines this value; nullptr for a graph input.
  Node* producer() const { return producer_; }
  bool is_input() const { return producer_ == nullptr; }
  // The result index in the producer, or the input index.
  int index() const { return index_; }
  // A key for side tables indexed by value: unique among the values the
  // graph has made, in creation order, below Graph::value_id_bound(). Not
  // reused after an erasure and not kept by Clone; a vector indexed by it
  // replaces a hash map keyed by Value* (and walks memory in order).
  int id() const { return id_; }
  Graph* graph() const { return graph_; }

  // The first use; walk with Use::next_use(). Order is unspecified.
  Use* first_use() const { return first_use_; }
  bool has_uses() const { return first_use_ != nullptr; }
  int num_uses() const;
  // The distinct nodes that use this value, in node order.
  std::vector<Node*> users() const;
  // Returns true if a graph output refers to this value.
  bool is_output() const;
  // Points every use of this value at `other` (same graph).
  void ReplaceAllUsesWith(Value* other);

 private:
  friend class Graph;
  friend class Node;
  friend class Use;
  Value(Graph* graph, Node* producer, int index, int id, std::string name, const TensorMeta* meta)
      : graph_(graph), producer_(producer), index_(index), id_(id), name_(std::move(name)), meta_(meta) {}

  Graph* graph_;
  Node* producer_;
  int index_;
  int id_;  // In what was padding after index_.
  std::string name_;
  // Shared with every value of the graph that has the same metadata (Note
  // [Interned metadata] in graph.cc).
  const TensorMeta* meta_;
  Use* first_use_ = nullptr;
};

// An operation in a graph.
class Node {
 public:
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const OpDef& op() const { return *op_; }
  OpKind kind() const { return op_->kind(); }
  Graph* graph() const { return graph_; }
  // The name of the first result (or of the node, if it has none).
  const std::string& name() const;

  // Operands, flattened over the schema's tensor arguments.
  int num_operands() const { return num_operands_; }
  Value* operand(int i) const { return operands_[i].get(); }
  void set_operand(int i, Value* v) { operands_[i].set(v); }
  const Use& operand_use(int i) const { return operands_[i]; }
  // Operand groups: group g belongs to schema tensor argument g and holds
  // group_size(g) operands starting at group_start(g).
  int num_groups() const { return num_groups_; }
  int group_size(int g) const { return group_sizes_[g]; }
  absl::Span<const int> group_sizes() const { return absl::MakeConstSpan(group_sizes_, num_groups_); }
  int group_start(int g) const;
  std::vector<Value*> group(int g) const;

  // Attributes in the schema's attr_args() order, defaults filled in.
  absl::Span<const AttrValue> attrs() const { return absl::MakeConstSpan(attrs_, num_attrs_); }
  // The attribute named `name`; AOT_CHECKs that the schema has it.
  const AttrValue& attr(absl::string_view name) const;
  // Sets attribute `name`; InvalidArgument if unknown or of the wrong type.
  absl::Status set_attr(absl::string_view name, AttrValue value);

  int num_results() const { return num_results_; }
  Value* result(int i = 0) const { return &results_[i]; }

  // The neighbours in program order; nullptr at either end.
  Node* prev_node() const { return prev_; }
  Node* next_node() const { return next_; }

  // Free-form annotations that passes and tools read (e.g. "scope" for the
  // module a node came from, "recompute" for partitioner hints). Printed and
  // serialized with the node.
  using Annotations = std::vector<std::pair<std::string, std::string>>;
  const Annotations& annotations() const;
  // Returns the annotation `key`, or "" if unset.
  absl::string_view annotation(absl::string_view key) const;
  void set_annotation(absl::string_view key, absl::string_view value);

  // Returns true if no result has uses.
  bool is_dead() const;

 private:
  friend class Graph;
  Node(Graph* graph, const OpDef* op) : graph_(graph), op_(op) {}
  // Only the graph destroys nodes (they live in its arena), after
  // DropOperands and with every result already destroyed.
  ~Node() = default;

  // Drops every operand use (before the node or its operands go away).
  void DropOperands();

  Graph* graph_;
  const OpDef* op_;
  // The program order: a doubly linked list threaded through the nodes.
  Node* prev_ = nullptr;
  Node* next_ = nullptr;
  // Operand slots and results, in the graph's arena: their addresses are
  // linked into use lists, and the counts are fixed at creation.
  Use* operands_ = nullptr;
  int num_operands_ = 0;
  int num_results_ = 0;
  int num_groups_ = 0;
  int num_attrs_ = 0;
  Value* results_ = nullptr;
  // Group sizes and attributes live in the arena too, right after the node
  // (Note [The size of a graph node] in graph.cc); Graph::Destroy destroys
  // the attributes.
  int* group_sizes_ = nullptr;
  AttrValue* attrs_ = nullptr;
  // Null until the first annotation: most nodes have none.
  std::unique_ptr<Annotations> annotations_;
  // The node's key in program order, valid while the graph's order_valid_
  // is set (see Graph::OrderOf).
  int64_t order_ = 0;
};

// Options for Graph::Create.
struct CreateOptions {
  // Base for result names; "" uses the op's name (without overload).
  std::string name;
  // Insert before this node; nullptr appends at the end.
  Node* insert_before = nullptr;
};

// A computation: inputs, nodes in program order, outputs.
class Graph {
 public:
  explicit Graph(std::string name = "graph") : name_(std::move(name)) {}
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  ~Graph();

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // --- Inputs ---
  // Adds an input (placeholder) named UniqueName(name).
  Value* AddInput(absl::string_view name, TensorMeta meta);
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  Value* input(int i) const { return inputs_[i].get(); }
  std::vector<Value*> inputs() const;
  // Removes an input without uses; later inputs shift down.
  absl::Status EraseInput(Value* input);

  // --- Nodes ---
  // Creates a node of `kind` with one operand per tensor argument of its
  // schema, runs its shape rule and inserts it. Returns InvalidArgument for
  // a wrong operand count, unknown or ill-typed attribute, or operands the
  // shape rule rejects; the message names the op.
  absl::StatusOr<Node*> Create(OpKind kind, absl::Span<Value* const> operands,
                               const AttrList& attrs = {}, const CreateOptions& options = {});
  // As Create, with explicit operand groups (for Tensor[] and Tensor?).
  absl::StatusOr<Node*> CreateWithGroups(OpKind kind, std::vector<std::vector<Value*>> groups,
                                         const AttrList& attrs = {},
                                         const CreateOptions& options = {});
  // Creates a node with the given result metadata and names, without running
  // the shape rule (loaders do this, then run the verifier). Attributes are
  // checked against the schema.
  absl::StatusOr<Node*> CreateUnchecked(OpKind kind, std::vector<std::vector<Value*>> groups,
                                        const AttrList& attrs, std::vector<TensorMeta> result_metas,
                                        std::vector<std::string> result_names,
                                        Node* insert_before = nullptr);
  // As CreateUnchecked, with the operands flattened over groups of the
  // given sizes and the attributes in the schema's attr_args() order, all
  // present (as Node::attrs() returns them): copying a node or recording a
  // dispatched call needs no lookup by name and no nested vectors. Each
  // attribute is checked against the schema.
  absl::StatusOr<Node*> CreateUncheckedResolved(OpKind kind, absl::Span<Value* const> operands,
                                                absl::Span<const int> group_sizes, std::vector<AttrValue> attrs,
                                                absl::Span<const TensorMeta> result_metas,
                                                absl::Span<const std::string> result_names,
                                                Node* insert_before = nullptr);
  // As CreateUncheckedResolved, naming the results as the tracer does: the
  // first UniqueName(name_base), result i > 0 UniqueName("<first>_<i>")
  // (chosen before the node is added, so from the names taken before it).
  // Each name is hashed and looked up once, where choosing names with
  // UniqueName and passing them in hashes and looks each up again.
  absl::StatusOr<Node*> CreateUncheckedResolvedNamed(OpKind kind, absl::Span<Value* const> operands,
                                                     absl::Span<const int> group_sizes, std::vector<AttrValue> attrs,
                                                     absl::Span<const TensorMeta> result_metas,
                                                     absl::string_view name_base, Node* insert_before = nullptr);
  // Creates a copy of `from` (a node of any graph: op, attributes, result
  // names and metadata, annotations) over `operands` of this graph, as
  // CreateUncheckedResolved checks it.
  absl::StatusOr<Node*> CreateCopy(const Node& from, absl::Span<Value* const> operands,
                                   Node* insert_before = nullptr);

  int num_nodes() const { return num_nodes_; }
  // One more than the largest Value::id() of this graph (inputs and results
  // made so far, erased ones included).
  int value_id_bound() const { return next_value_id_; }
  // The nodes in program order. Valid until the next insertion or erasure.
  std::vector<Node*> nodes() const;
  // Iterates nodes in order without copying: for (Node* n : g.node_range()).
  class NodeRange;
  NodeRange node_range() const;

  // Erases a node none of whose results have uses. FailedPrecondition names
  // the first remaining user otherwise.
  absl::Status EraseNode(Node* node);
  // Moves `node` to just before `pos` (nullptr: the end).
  void MoveBefore(Node* node, Node* pos);

  // --- Outputs ---
  void SetOutputs(absl::Span<Value* const> values);
  void AddOutput(Value* value);
  int num_outputs() const { return static_cast<int>(outputs_.size()); }
  Value* output(int i) const { return outputs_[i]->get(); }
  void set_output(int i, Value* v) { outputs_[i]->set(v); }
  std::vector<Value*> outputs() const;

  // --- Whole-graph operations ---
  // Reorders the nodes so that every operand is defined before its use,
  // keeping the current order where it already is. Returns Internal if the
  // graph has a cycle.
  absl::Status SortTopologically();
  // Returns a deep copy (same names, metadata and order).
  std::unique_ptr<Graph> Clone() const;
  // Returns the value named `name`, or nullptr.
  Value* FindValue(absl::string_view name) const;
  // Returns a name not yet used in this graph, based on `base` made an
  // identifier (other characters become '_'; keywords of the text form get
  // a trailing '_'), with "_N" appended if taken.
  std::string UniqueName(absl::string_view base);

  // The position of `node` in program order, recomputed lazily: O(1)
  // amortised between edits. Erasing a node leaves a gap: the keys stay
  // ordered but need not be consecutive. AOT_CHECKs that `node` belongs to
  // this graph. The first call after an insert-before or a move renumbers
  // the nodes (through this const method), so concurrent readers of such a
  // graph must synchronise, as for Value::users().
  int64_t OrderOf(const Node* node) const;

 private:
  friend class Node;
  friend class Value;
  // Checks operands, flattened over groups of the given sizes, against the
  // schema's tensor arguments.
  absl::Status CheckGroups(const OpDef& op, absl::Span<Value* const> operands,
                           absl::Span<const int> group_sizes) const;
  // Allocates a node with room for `num_results` results (added with
  // AddResult) in the arena, its attributes copied from `attrs` or moved
  // from `owned_attrs`; the caller inserts it.
  Node* NewNode(const OpDef* op, absl::Span<Value* const> operands, absl::Span<const int> group_sizes,
                absl::Span<const AttrValue> attrs, int num_results);
  Node* NewNode(const OpDef* op, absl::Span<Value* const> operands, absl::Span<const int> group_sizes,
                std::vector<AttrValue>&& owned_attrs, int num_results);
  // NewNode without its attributes: room for `num_attrs`, not constructed.
  Node* NewNodeShell(const OpDef* op, absl::Span<Value* const> operands, absl::Span<const int> group_sizes,
                     int num_attrs, int num_results);
  // Adds result `name` (not taken; `name_hash` is NameHash(name)).
  Value* AddResult(Node* node, std::string name, size_t name_hash, const TensorMeta& meta);
  // The second half of the CreateUncheckedResolved* methods, after operands
  // and result names are checked: checks the attributes and inserts the node,
  // its results named `names` (free and distinct; `hashes` theirs).
  absl::StatusOr<Node*> AddCheckedNode(const OpDef& op, absl::Span<Value* const> operands,
                                       absl::Span<const int> group_sizes, std::vector<AttrValue> attrs,
                                       absl::Span<const TensorMeta> result_metas, absl::Span<std::string> names,
                                       absl::Span<const size_t> hashes, Node* insert_before);
  Node* Insert(Node* node, Node* insert_before);
  // Links `node` (not in the list) before `pos` (nullptr: at the end).
  void Link(Node* node, Node* pos);
  void Unlink(Node* node);
  // Destroys a node's results and the node itself; with `unlink_uses`
  // false (graph teardown) the use lists are left as they are.
  static void Destroy(Node* node, bool unlink_uses);
  void ReleaseName(const std::string& name);
  // The name index's hash of `name`.
  static size_t NameHash(absl::string_view name);
  bool NameTaken(absl::string_view name, size_t hash) const;
  // UniqueName, also returning the chosen name's NameHash in `*hash`.
  std::string UniqueName(absl::string_view base, size_t* hash);
  // The graph's copy of `meta` (the same for equal metadata, field by
  // field: strides as given), made on first sight.
  const TensorMeta* InternMeta(const TensorMeta& meta);

  std::string name_;
  // Declared first: destroyed after everything that lives in it.
  Arena arena_;
  // The interned metadata that values point to (Note [Interned metadata]):
  // a deque, so that each keeps its address; the index finds one by
  // content, and the last one interned is tried first.
  struct MetaPtrHash {
    size_t operator()(const TensorMeta* m) const;
  };
  struct MetaPtrEq {
    bool operator()(const TensorMeta* a, const TensorMeta* b) const;
  };
  std::deque<TensorMeta> metas_;
  absl::flat_hash_set<const TensorMeta*, MetaPtrHash, MetaPtrEq> meta_index_;
  const TensorMeta* last_meta_ = nullptr;
  std::vector<std::unique_ptr<Value>> inputs_;
  Node* first_ = nullptr;
  Node* last_ = nullptr;
  int num_nodes_ = 0;
  int next_value_id_ = 0;
  std::vector<std::unique_ptr<Use>> outputs_;
  // The name index: each named value with its name's hash, so that growing
  // the table reads only the table and not every value again (in a big
  // graph those are long out of cache), and a lookup followed by an insert
  // hashes the name once. Looked up by NameKey.
  struct NamedValue {
    Value* value;
    size_t hash;
  };
  struct NameKey {
    absl::string_view name;
    size_t hash;
  };
  struct NamedValueHash {
    using is_transparent = void;
    size_t operator()(const NamedValue& v) const { return v.hash; }
    size_t operator()(const NameKey& k) const { return k.hash; }
  };
  struct NamedValueEq {
    using is_transparent = void;
    bool operator()(const NamedValue& a, const NamedValue& b) const { return a.value == b.value; }
    bool operator()(const NamedValue& a, const NameKey& k) const {
      return a.hash == k.hash && a.value->name() == k.name;
    }
    bool operator()(const NameKey& k, const NamedValue& a) const { return (*this)(a, k); }
  };
  absl::flat_hash_set<NamedValue, NamedValueHash, NamedValueEq> values_by_name_;
  absl::flat_hash_map<std::string, int64_t> name_counters_;
  // Whether every node's Node::order_ is current (see OrderOf). Appending
  // keeps it so; inserting before a node or moving one clears it.
  mutable bool order_valid_ = true;
};

class Graph::NodeRange {
 public:
  class iterator {
   public:
    explicit iterator(Node* node) : node_(node) {}
    Node* operator*() const { return node_; }
    iterator& operator++() {
      node_ = node_->next_node();
      return *this;
    }
    bool operator!=(const iterator& o) const { return node_ != o.node_; }
    bool operator==(const iterator& o) const { return node_ == o.node_; }

   private:
    Node* node_;
  };
  explicit NodeRange(Node* first) : first_(first) {}
  iterator begin() const { return iterator(first_); }
  iterator end() const { return iterator(nullptr); }

 private:
  Node* first_;
};

inline Graph::NodeRange Graph::node_range() const { return NodeRange(first_); }

}  // namespace aot::ir

#endif  // AOT_IR_GRAPH_H_
