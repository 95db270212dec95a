#include "aot/decomp/decomposition_table.h"

#include "absl/strings/str_cat.h"

namespace aot {

absl::Status DecompositionTable::Register(OpKind op, DecompositionFn fn) {
  if (fns_.contains(op)) {
    return absl::AlreadyExistsError(
        absl::StrCat("a decomposition of ", ir::GetOpDef(op).name(), " is already in this table"));
  }
  fns_[op] = std::move(fn);
  return absl::OkStatus();
}

const DecompositionFn* DecompositionTable::Find(OpKind op) const {
  auto it = fns_.find(op);
  return it == fns_.end() ? nullptr : &it->second;
}

DecompositionTable DecompositionTable::Merge(const DecompositionTable& other) const {
  DecompositionTable out = *this;
  for (const auto& [op, fn] : other.fns_) out.fns_[op] = fn;
  return out;
}

std::vector<OpKind> DecompositionTable::ops() const {
  std::vector<OpKind> out;
  for (const auto& [op, fn] : fns_) out.push_back(op);
  return out;
}

}  // namespace aot
