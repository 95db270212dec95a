// Decomposition tables: for some ops, a function over aot::Tensor that
// computes the op from other ops. Tables are values: build, copy, merge and
// trim them, and pass them to make_graph / aot_function (like PyTorch's
// `decompositions=` argument).
//
//   DecompositionTable table;
//   AOT_RETURN_IF_ERROR(table.Register(OpKind::kSilu, [](const OpCall& call) {
//     const Tensor& x = call.input(0);
//     return std::vector<Tensor>{x * sigmoid(x)};
//   }));
#ifndef AOT_DECOMP_DECOMPOSITION_TABLE_H_
#define AOT_DECOMP_DECOMPOSITION_TABLE_H_

#include <functional>
#include <map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aot/tensor/dispatcher.h"

namespace aot {

// Computes an op's results from other ops; sees the same OpCall a kernel
// does (operands, attributes with defaults, result metadata).
using DecompositionFn = std::function<absl::StatusOr<std::vector<Tensor>>(const OpCall&)>;

class DecompositionTable {
 public:
  // Adds a decomposition for `op`; AlreadyExists if it has one.
  absl::Status Register(OpKind op, DecompositionFn fn);
  // Replaces or adds.
  void Set(OpKind op, DecompositionFn fn) { fns_[op] = std::move(fn); }
  void Remove(OpKind op) { fns_.erase(op); }
  bool Contains(OpKind op) const { return fns_.contains(op); }
  // Returns the decomposition of `op`, or nullptr.
  const DecompositionFn* Find(OpKind op) const;
  // Returns this table with every entry of `other` added (`other` wins where
  // both have one).
  DecompositionTable Merge(const DecompositionTable& other) const;
  std::vector<OpKind> ops() const;
  int size() const { return static_cast<int>(fns_.size()); }

 private:
  std::map<OpKind, DecompositionFn> fns_;
};

}  // namespace aot

#endif  // AOT_DECOMP_DECOMPOSITION_TABLE_H_
