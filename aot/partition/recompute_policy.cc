#include "aot/partition/recompute_policy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aot::partition {

RecomputePolicy& RecomputePolicy::Allow(ir::OpKind kind) {
  allowed_.set(static_cast<int>(kind));
  return *this;
}

RecomputePolicy& RecomputePolicy::Disallow(ir::OpKind kind) {
  allowed_.reset(static_cast<int>(kind));
  return *this;
}

std::vector<ir::OpKind> RecomputePolicy::allowed_kinds() const {
  std::vector<ir::OpKind> out;
  for (int k = 0; k < ir::kNumOps; ++k) {
    if (allowed_[k]) out.push_back(static_cast<ir::OpKind>(k));
  }
  return out;
}

std::string RecomputePolicy::ToString() const {
  std::vector<ir::OpKind> kinds = allowed_kinds();
  return absl::StrCat("recompute policy: ", kinds.size(), " ops (",
                      absl::StrJoin(kinds, ", ",
                                    [](std::string* out, ir::OpKind k) { out->append(ir::GetOpDef(k).name()); }),
                      ")");
}

RecomputePolicy DefaultRecomputePolicy() {
  using ir::OpKind;
  RecomputePolicy policy;
  for (const ir::OpDef* op : ir::AllOps()) {
    if (op->is_compute_intensive() || op->is_inplace()) continue;
    if (op->has(ir::kElementwise) || op->has(ir::kShapeOnly) || op->has(ir::kReduction) ||
        op->has(ir::kCreation)) {
      policy.Allow(op->kind());
    }
  }
  for (OpKind kind : {OpKind::kSoftmax, OpKind::kLogSoftmax, OpKind::kLayerNorm, OpKind::kBatchNorm, OpKind::kTriu,
                      OpKind::kTril, OpKind::kIndexSelect, OpKind::kGather, OpKind::kEmbedding, OpKind::kDropout}) {
    policy.Allow(kind);
  }
  return policy;
}

absl::string_view RecomputeHintName(RecomputeHint hint) {
  switch (hint) {
    case RecomputeHint::kNone:
      return "";
    case RecomputeHint::kMustSave:
      return "must_save";
    case RecomputeHint::kPreferSave:
      return "prefer_save";
    case RecomputeHint::kMustRecompute:
      return "must_recompute";
    case RecomputeHint::kPreferRecompute:
      return "prefer_recompute";
  }
  return "";
}

bool IsUnseededRandom(const ir::Node& node) {
  if (!node.op().is_random()) return false;
  int seed = node.op().schema().TensorArgIndex("seed");
  return seed < 0 || node.group_size(seed) == 0;
}

absl::StatusOr<RecomputeHint> GetRecomputeHint(const ir::Node& node) {
  absl::string_view text = node.annotation(kRecomputeAnnotation);
  if (text.empty()) return RecomputeHint::kNone;
  std::string lower = absl::AsciiStrToLower(text);
  RecomputeHint hint = RecomputeHint::kNone;
  for (RecomputeHint h : {RecomputeHint::kMustSave, RecomputeHint::kPreferSave, RecomputeHint::kMustRecompute,
                          RecomputeHint::kPreferRecompute}) {
    if (lower == RecomputeHintName(h)) hint = h;
  }
  if (hint == RecomputeHint::kNone) {
    return absl::InvalidArgumentError(
        absl::StrCat("node ", node.name(), " (", node.op().name(), "): unknown recompute annotation \"", text,
                     "\"; expected must_save, prefer_save, must_recompute or prefer_recompute"));
  }
  if (hint == RecomputeHint::kMustRecompute || hint == RecomputeHint::kPreferRecompute) {
    if (node.op().is_inplace()) {
      return absl::InvalidArgumentError(absl::StrCat("node ", node.name(), " (", node.op().name(), "): annotated ",
                                                     lower, " but in-place ops are never recomputed"));
    }
    if (IsUnseededRandom(node)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "node ", node.name(), " (", node.op().name(), "): annotated ", lower,
          " but a random op without its seed operand would draw different numbers when recomputed"));
    }
  }
  return hint;
}

bool CanRecompute(const ir::Node& node, const RecomputePolicy& policy, RecomputeHint hint) {
  if (node.op().is_inplace() || IsUnseededRandom(node)) return false;
  if (hint == RecomputeHint::kMustRecompute || hint == RecomputeHint::kPreferRecompute) return true;
  return policy.allows(node.kind());
}

}  // namespace aot::partition
