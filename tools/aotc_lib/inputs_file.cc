#include "tools/aotc_lib/inputs_file.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "aot/ir/dtype.h"
#include "aot/tensor/ops.h"
#include "tools/minifier/random_inputs.h"

namespace aot::aotc {
namespace {

// Parses "f32[2,3]" into dtype and sizes.
absl::Status ParseType(absl::string_view word, DType* dtype, std::vector<int64_t>* sizes) {
  const size_t open = word.find('[');
  if (open == absl::string_view::npos || word.back() != ']') {
    return absl::InvalidArgumentError(absl::StrCat("expected a type such as f32[2,3], got '", word, "'"));
  }
  std::optional<DType> d = ir::ParseDType(word.substr(0, open));
  if (!d.has_value()) return absl::InvalidArgumentError(absl::StrCat("unknown dtype '", word.substr(0, open), "'"));
  *dtype = *d;
  sizes->clear();
  absl::string_view dims = word.substr(open + 1, word.size() - open - 2);
  if (dims.empty()) return absl::OkStatus();
  for (absl::string_view dim : absl::StrSplit(dims, ',')) {
    int64_t size = 0;
    if (!absl::SimpleAtoi(dim, &size) || size < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad size '", dim, "' in ", word, " (sizes must be concrete)"));
    }
    sizes->push_back(size);
  }
  return absl::OkStatus();
}

std::string TypeString(DType dtype, const std::vector<int64_t>& sizes) {
  return ir::TensorMeta(ir::Shape(absl::MakeConstSpan(sizes)), dtype).ToString();
}

}  // namespace

absl::StatusOr<std::vector<Tensor>> ParseInputsFile(absl::string_view text, const ir::Graph& graph, uint64_t seed) {
  std::vector<Tensor> inputs;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = line.substr(0, line.find('#'));
    std::vector<absl::string_view> words = absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (words.empty()) continue;
    auto error = [&](absl::string_view message) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": ", message));
    };
    const int index = static_cast<int>(inputs.size());
    if (index >= graph.num_inputs()) {
      return error(absl::StrCat("graph ", graph.name(), " takes ", graph.num_inputs(), " inputs, the file has more"));
    }
    const ir::Value* input = graph.input(index);
    size_t w = 0;
    if (absl::EndsWith(words[0], ":")) {
      absl::string_view name = words[0].substr(0, words[0].size() - 1);
      if (name != input->name()) {
        return error(absl::StrCat("input ", index, " is named ", input->name(), ", not ", name));
      }
      ++w;
    }
    if (w >= words.size()) return error("expected a type such as f32[2,3]");
    DType dtype;
    std::vector<int64_t> sizes;
    if (absl::Status s = ParseType(words[w], &dtype, &sizes); !s.ok()) return error(s.message());
    ++w;
    ir::TensorMeta want = input->meta();
    want.strides.clear();
    want.requires_grad = false;
    const std::string got = TypeString(dtype, sizes);
    if (got != want.ToString()) {
      return error(absl::StrCat("input ", index, " (", input->name(), ") is ", want.ToString(), ", not ", got));
    }
    int64_t numel = 1;
    for (int64_t s : sizes) numel *= s;
    Tensor t;
    const size_t num_values = words.size() - w;
    if (num_values == 1 && (words[w] == "random" || words[w] == "zeros" || words[w] == "ones")) {
      if (words[w] == "random") {
        absl::StatusOr<Tensor> r = minifier::MakeRandomInput(want, index, seed);
        if (!r.ok()) return error(r.status().message());
        t = *r;
      } else {
        t = full(sizes, words[w] == "ones" ? 1.0 : 0.0, {.dtype = dtype});
      }
    } else {
      if (static_cast<int64_t>(num_values) != numel) {
        return error(absl::StrCat(got, " needs ", numel, " values, got ", num_values));
      }
      if (ir::IsFloating(dtype)) {
        std::vector<double> values;
        for (size_t i = w; i < words.size(); ++i) {
          double v = 0;
          if (!absl::SimpleAtod(words[i], &v)) return error(absl::StrCat("bad number '", words[i], "'"));
          values.push_back(v);
        }
        t = Tensor::FromVector(values, sizes).to(dtype);
      } else {
        std::vector<int64_t> values;
        for (size_t i = w; i < words.size(); ++i) {
          int64_t v = 0;
          if (dtype == DType::kBool && (words[i] == "true" || words[i] == "false")) {
            v = words[i] == "true";
          } else if (!absl::SimpleAtoi(words[i], &v)) {
            return error(absl::StrCat("bad integer '", words[i], "'"));
          }
          values.push_back(v);
        }
        t = Tensor::FromVector(values, sizes).to(dtype);
      }
    }
    if (!t.ok()) return error(t.status().message());
    inputs.push_back(t);
  }
  if (static_cast<int>(inputs.size()) != graph.num_inputs()) {
    return absl::InvalidArgumentError(
        absl::StrCat("graph ", graph.name(), " takes ", graph.num_inputs(), " inputs, the file has ", inputs.size()));
  }
  return inputs;
}

}  // namespace aot::aotc
