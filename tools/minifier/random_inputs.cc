#include "tools/minifier/random_inputs.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/base/status_macros.h"
#include "aot/ir/dtype.h"
#include "aot/tensor/ops.h"

namespace aot::minifier {
namespace {

// The C++ enumerator of `dtype`, e.g. "aot::DType::kFloat32".
std::string DTypeExpr(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "aot::DType::kFloat32";
    case DType::kFloat64:
      return "aot::DType::kFloat64";
    case DType::kFloat16:
      return "aot::DType::kFloat16";
    case DType::kBFloat16:
      return "aot::DType::kBFloat16";
    case DType::kInt32:
      return "aot::DType::kInt32";
    case DType::kInt64:
      return "aot::DType::kInt64";
    case DType::kBool:
      return "aot::DType::kBool";
    case DType::kUInt8:
      return "aot::DType::kUInt8";
  }
  return "aot::DType::kFloat32";
}

}  // namespace

absl::StatusOr<Tensor> MakeRandomInput(const ir::TensorMeta& meta, int index, uint64_t seed) {
  std::optional<std::vector<int64_t>> sizes = meta.shape.concrete_sizes();
  if (!sizes.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot make an input of symbolic type ", meta.ToString(), ": give concrete sizes"));
  }
  if (!meta.device.is_cpu()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot make an input of type ", meta.ToString(), ": only CPU inputs are supported"));
  }
  Tensor t;
  if (ir::IsFloating(meta.dtype)) {
    t = randn(*sizes, seed + static_cast<uint64_t>(index));
    if (meta.dtype != DType::kFloat32) t = t.to(meta.dtype);
  } else {
    t = zeros(*sizes, {.dtype = meta.dtype});
  }
  return t.Checked();
}

absl::StatusOr<std::vector<Tensor>> MakeRandomInputs(const ir::Graph& graph, uint64_t seed) {
  std::vector<Tensor> inputs;
  inputs.reserve(graph.num_inputs());
  for (int i = 0; i < graph.num_inputs(); ++i) {
    absl::StatusOr<Tensor> t = MakeRandomInput(graph.input(i)->meta(), i, seed);
    if (!t.ok()) {
      return absl::Status(t.status().code(),
                          absl::StrCat("input ", i, " (", graph.input(i)->name(), "): ", t.status().message()));
    }
    inputs.push_back(*std::move(t));
  }
  return inputs;
}

std::string RandomInputExpr(const ir::TensorMeta& meta, int index, uint64_t seed) {
  std::vector<int64_t> sizes = meta.shape.concrete_sizes().value_or(std::vector<int64_t>{});
  const std::string size_list = absl::StrCat("{", absl::StrJoin(sizes, ", "), "}");
  if (ir::IsFloating(meta.dtype)) {
    std::string expr = absl::StrCat("aot::randn(", size_list, ", /*seed=*/", seed + static_cast<uint64_t>(index), ")");
    if (meta.dtype != DType::kFloat32) absl::StrAppend(&expr, ".to(", DTypeExpr(meta.dtype), ")");
    return expr;
  }
  return absl::StrCat("aot::zeros(", size_list, ", {.dtype = ", DTypeExpr(meta.dtype), "})");
}

std::vector<Tensor> FakeLike(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> fakes;
  fakes.reserve(inputs.size());
  for (const Tensor& t : inputs) fakes.push_back(Tensor::Fake(t.sizes(), t.dtype(), t.device()));
  return fakes;
}

}  // namespace aot::minifier
