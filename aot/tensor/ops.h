// The eager op API: one function per op of the IR op set (aot/ir/op_list.h),
// named and shaped like PyTorch's. Every function dispatches (dispatcher.h),
// so it runs eagerly, is traced and is differentiated. Errors come back as
// error tensors (see Note [Error tensors] in tensor.h).
//
// Ops not listed here are reachable with CallOp(OpKind::kName, operands,
// attrs).
#ifndef AOT_TENSOR_OPS_H_
#define AOT_TENSOR_OPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "aot/tensor/dispatcher.h"
#include "aot/tensor/tensor.h"

namespace aot {

// --- Creation ---
Tensor full(std::vector<int64_t> size, double value, TensorOptions options = {});
Tensor zeros(std::vector<int64_t> size, TensorOptions options = {});
Tensor ones(std::vector<int64_t> size, TensorOptions options = {});
// [start, end) with `step`; int64 when all three are integral, else f32
// unless options say otherwise.
Tensor arange(double start, double end, double step = 1, std::optional<DType> dtype = std::nullopt,
              Device device = Device::Cpu());
Tensor arange(int64_t end);
// Uniform [0, 1) and standard normal values from the counter-based
// generator: the same (seed, offset) gives the same numbers on every device.
Tensor rand(std::vector<int64_t> size, uint64_t seed, uint64_t offset = 0, TensorOptions options = {});
Tensor randn(std::vector<int64_t> size, uint64_t seed, uint64_t offset = 0, TensorOptions options = {});
// As above from the global generator (see SetGlobalSeed).
Tensor rand(std::vector<int64_t> size, TensorOptions options = {});
Tensor randn(std::vector<int64_t> size, TensorOptions options = {});
// Seeds the global generator used by random ops without an explicit seed.
void SetGlobalSeed(uint64_t seed);
// Returns an i64[2] CPU tensor (seed, offset) and advances the global
// generator's offset by `numel` values.
Tensor NextSeedTensor(int64_t numel);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
// A CPU tensor from values; numel(sizes) must equal values.size().
template <typename T>
Tensor from_vector(const std::vector<T>& values, std::vector<int64_t> sizes) {
  return Tensor::FromVector<T>(values, sizes);
}
// A scalar (rank-0) tensor.
Tensor scalar_tensor(double value, DType dtype = DType::kFloat32);

// --- Elementwise ---
Tensor neg(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor log1p(const Tensor& x);
Tensor expm1(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor rsqrt(const Tensor& x);
Tensor reciprocal(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor erf(const Tensor& x);
Tensor sign(const Tensor& x);
// approximate: "none" or "tanh".
Tensor gelu(const Tensor& x, const std::string& approximate = "none");
Tensor silu(const Tensor& x);
Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max);
Tensor add(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor sub(const Tensor& a, const Tensor& b, double alpha = 1);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, double exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);

// --- Reductions (empty dims: all) ---
Tensor sum(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor amax(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, std::vector<int64_t> dims = {}, bool keepdim = false);
Tensor argmax(const Tensor& x, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor var(const Tensor& x, std::vector<int64_t> dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor stddev(const Tensor& x, std::vector<int64_t> dims = {}, int64_t correction = 1, bool keepdim = false);
Tensor logsumexp(const Tensor& x, std::vector<int64_t> dims, bool keepdim = false);

// --- Shapes and views ---
Tensor reshape(const Tensor& x, std::vector<int64_t> shape);
Tensor view(const Tensor& x, std::vector<int64_t> shape);
Tensor permute(const Tensor& x, std::vector<int64_t> dims);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor expand(const Tensor& x, std::vector<int64_t> sizes);
Tensor squeeze(const Tensor& x, std::optional<std::vector<int64_t>> dims = std::nullopt);
Tensor unsqueeze(const Tensor& x, int64_t dim);
Tensor slice(const Tensor& x, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
             int64_t step = 1);
Tensor select(const Tensor& x, int64_t dim, int64_t index);
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor triu(const Tensor& x, int64_t diagonal = 0);
Tensor tril(const Tensor& x, int64_t diagonal = 0);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source, double alpha = 1);

// --- Linear algebra ---
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
Tensor bmm(const Tensor& a, const Tensor& b);
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, double beta = 1, double alpha = 1);
// x @ weight.T + bias; `bias` may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// --- Neural-network ops ---
Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);
// Returns (output, mean, rstd); weight and bias may be undefined.
std::tuple<Tensor, Tensor, Tensor> layer_norm(const Tensor& x, std::vector<int64_t> normalized_shape,
                                              const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                                              double eps = 1e-5);
// Returns (output, save_mean, save_invstd, new_running_mean, new_running_var).
std::vector<Tensor> batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                               const Tensor& running_mean, const Tensor& running_var, bool training,
                               double momentum = 0.1, double eps = 1e-5);
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              std::vector<int64_t> stride = {1, 1}, std::vector<int64_t> padding = {0, 0},
              std::vector<int64_t> dilation = {1, 1}, int64_t groups = 1);
// Returns (output, indices).
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, std::vector<int64_t> kernel_size,
                                                   std::vector<int64_t> stride = {},
                                                   std::vector<int64_t> padding = {0, 0},
                                                   std::vector<int64_t> dilation = {1, 1},
                                                   bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& x, std::vector<int64_t> kernel_size, std::vector<int64_t> stride = {},
                  std::vector<int64_t> padding = {0, 0}, bool ceil_mode = false, bool count_include_pad = true);
Tensor adaptive_avg_pool2d(const Tensor& x, std::vector<int64_t> output_size);
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1);
// Returns (output, mask). With `seed` (an i64[2] tensor from
// NextSeedTensor) the mask is reproducible.
std::tuple<Tensor, Tensor> dropout(const Tensor& x, double p, bool train, const Tensor& seed = Tensor());
// reduction: 0 none, 1 mean, 2 sum.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight = Tensor(),
                int64_t reduction = 1, int64_t ignore_index = -100);
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const Tensor& weight = Tensor(),
                     int64_t reduction = 1, int64_t ignore_index = -100, double label_smoothing = 0.0);
Tensor mse_loss(const Tensor& x, const Tensor& target, int64_t reduction = 1);

}  // namespace aot

#endif  // AOT_TENSOR_OPS_H_
