// The interface between the CUDA backend's host code (C++, compiled by gcc:
// op semantics, allocation, dtype and layout decisions) and its device code
// (.cu files, compiled by nvcc): plain structs and launch functions.
//
// Nothing here includes Abseil or aot/tensor, so nvcc never parses them
// (aot::Half is the host compiler's _Float16, which nvcc's front end does
// not take). Device code uses __half and __nv_bfloat16 with the same bits.
//
// Every launcher enqueues work on the legacy default stream of the current
// device and returns the launch error (cudaGetLastError), so the host side
// can name the op that failed; it never synchronizes, except where it says
// so. Pointers are device pointers unless the comment says otherwise.
//
//   ElemArgs a = ...;  // filled by MakeElemArgs (cuda_utils.h)
//   AOT_RETURN_IF_ERROR(CudaStatus(LaunchUnary(UnaryOp::kExp, DT::kF32, a, {}), "exp"));
#ifndef AOT_BACKENDS_CUDA_DEVICE_KERNELS_H_
#define AOT_BACKENDS_CUDA_DEVICE_KERNELS_H_

#include <cstdint>

#include "cuda_runtime_api.h"

namespace aot::cuda {

// Element types, in the order of ir::DType (static_cast converts).
enum class DT : uint8_t { kF32, kF64, kF16, kBF16, kI32, kI64, kBool, kU8 };

// Largest rank the elementwise engine takes (after coalescing dimensions).
inline constexpr int kMaxDims = 10;

// One operand of an elementwise launch: a strided array or a scalar.
struct Operand {
  void* data = nullptr;          // Null: every element is `scalar`.
  int64_t strides[kMaxDims] = {};  // In elements; 0 where broadcast.
  uint64_t scalar = 0;           // The bits of one element (low bytes).
};

// An elementwise iteration space: `sizes` (innermost last) shared by the
// output and up to three inputs, each with its own strides.
struct ElemArgs {
  int rank = 0;
  int64_t sizes[kMaxDims] = {};
  int64_t numel = 0;
  // Every array operand is dense in row-major order over `sizes` (so the
  // linear index is the offset): the vectorized path.
  bool contiguous = false;
  Operand out;
  Operand in[3];
};

enum class UnaryOp : int {
  // Any dtype (computed in float for 16-bit floats).
  kNeg,
  kAbs,
  kRelu,
  kSign,
  kClamp,
  // Floating dtypes only.
  kExp,
  kLog,
  kLog1p,
  kExpm1,
  kSqrt,
  kRsqrt,
  kReciprocal,
  kSin,
  kCos,
  kTanh,
  kSigmoid,
  kErf,
  kGelu,
  kGeluTanh,
  kSilu,
};

enum class BinaryOp : int { kAdd, kSub, kRsub, kMul, kDiv, kPow, kMax, kMin, kEq, kNe, kLt, kLe, kGt, kGe };

inline bool IsCompare(BinaryOp op) { return static_cast<int>(op) >= static_cast<int>(BinaryOp::kEq); }

// The elementwise backward ops: out = f(grad, x) (x is the output of the
// forward op for sigmoid and tanh).
enum class GradOp : int { kThreshold, kSigmoid, kTanh, kSilu, kGelu, kGeluTanh };

// Parameters of kClamp (absent bounds are not applied).
struct ClampParams {
  bool has_lo = false, has_hi = false;
  double lo = 0, hi = 0;
};

// out = op(in[0]); out and in[0] have dtype `dtype`.
cudaError_t LaunchUnary(UnaryOp op, DT dtype, const ElemArgs& a, const ClampParams& clamp);
// out = op(in[0], in[1]) (alpha for add/sub/rsub); inputs have dtype
// `dtype`; out has it too, or is bool for comparisons.
cudaError_t LaunchBinary(BinaryOp op, DT dtype, const ElemArgs& a, double alpha);
// out (dtype `out`) = in[0] (dtype `in`) converted as the CPU backend does:
// through the compute types (float for 16-bit floats); to bool is != 0.
cudaError_t LaunchCast(DT out, DT in, const ElemArgs& a);
// out = in[0] (bool) ? in[1] : in[2], all but the condition of `dtype`.
cudaError_t LaunchWhere(DT dtype, const ElemArgs& a);
// out = in[1] (bool) ? in[2] (a scalar) : in[0].
cudaError_t LaunchMaskedFill(DT dtype, const ElemArgs& a);
// out = op(in[0] = grad, in[1] = x), floating `dtype`.
cudaError_t LaunchGrad(GradOp op, DT dtype, const ElemArgs& a, double threshold);

// --- Creation and random (contiguous outputs of n elements) -----------------

// out[i] = start + i * step, in int64 when `exact` (integral result and
// integral arguments), else in double; then converted.
cudaError_t LaunchArange(DT dtype, void* out, int64_t n, double start, double step, bool exact);
// out[i] = PhiloxUniform / PhiloxNormal(seed, offset, i) (philox.h),
// converted from float.
cudaError_t LaunchRandom(bool normal, DT dtype, void* out, int64_t n, uint64_t seed, uint64_t offset);
// Dropout as creation_kernels.cc documents it; x and out contiguous.
cudaError_t LaunchDropout(DT dtype, const void* x, void* out, bool* mask, int64_t n, double p, uint64_t seed,
                          uint64_t offset);

// --- Reductions (reduction.cu) -------------------------------------------------

enum class ReduceOp : int { kSum, kMean, kMax, kMin, kArgmax, kVar, kStd, kVarMean, kLogsumexp };

// A reduction of a contiguous [outer, r, inner] array over r. `out` (and
// `out2`, the mean of var_mean) are contiguous [outer, inner] of `out_dtype`
// (int64 for argmax). `divisor` divides the sum (mean) or the squared
// deviations (var, std, var_mean).
struct ReduceArgs {
  const void* x = nullptr;
  void* out = nullptr;
  void* out2 = nullptr;
  int64_t outer = 1, r = 1, inner = 1;
  double divisor = 1;
};

// Bytes of device workspace LaunchReduce needs for these sizes (0 if none).
int64_t ReduceWorkspaceBytes(ReduceOp op, DT dtype, const ReduceArgs& a);
// Reduces x (dtype `dtype`); the result dtype equals `dtype` except for
// argmax (int64). Sums of floating data accumulate in float (double for
// f64), of integers in int64. Empty reductions (r == 0) give the identity.
cudaError_t LaunchReduce(ReduceOp op, DT dtype, const ReduceArgs& a, void* workspace);

// --- Softmax and layer_norm (norm.cu); floating dtypes, contiguous --------------

// y = softmax or log_softmax of x over d, x viewed as [outer, d, inner].
cudaError_t LaunchSoftmax(bool log, DT dtype, const void* x, void* y, int64_t outer, int64_t d, int64_t inner);
// gi = y * (g - sum(g * y)) (softmax) or g - exp(y) * sum(g) (log_softmax).
cudaError_t LaunchSoftmaxBackward(bool log, DT dtype, const void* g, const void* y, void* gi, int64_t outer,
                                  int64_t d, int64_t inner);
// Normalizes rows of n elements; w and b may be null. mean and rstd have one
// value per row.
cudaError_t LaunchLayerNorm(DT dtype, const void* x, const void* w, const void* b, void* y, void* mean, void* rstd,
                            int64_t rows, int64_t n, double eps);
int64_t LayerNormBackwardWorkspaceBytes(int64_t rows, int64_t n);
// grad_input, grad_weight and grad_bias (w may be null, meaning 1).
cudaError_t LaunchLayerNormBackward(DT dtype, const void* g, const void* x, const void* mean, const void* rstd,
                                    const void* w, void* gi, void* gw, void* gb, int64_t rows, int64_t n,
                                    void* workspace);

// --- Indexing (index.cu); contiguous arrays, int64 indices -----------------------

// Keeps x[b, i, j] where j - i >= diagonal (upper) or <= diagonal (lower).
cudaError_t LaunchTriangular(DT dtype, const void* x, void* out, int64_t batch, int64_t rows, int64_t cols,
                             int64_t diagonal, bool upper);
// out[o, j, i] = x[o, index[j], i]; x is [outer, size, inner]. Indices out
// of [-size, size) set *bad (a device flag) and write 0.
cudaError_t LaunchIndexSelect(DT dtype, const void* x, const int64_t* index, void* out, int64_t outer, int64_t size,
                              int64_t inner, int64_t n_index, int* bad);
// out[o, index[j], i] += alpha * src[o, j, i] (atomic); out is [outer, size,
// inner]. Bad indices set *bad and are skipped.
cudaError_t LaunchIndexAdd(DT dtype, void* out, const int64_t* index, const void* src, int64_t outer, int64_t size,
                           int64_t inner, int64_t n_index, double alpha, int* bad);
// gather / scatter_add along `dim` over the index's shape `sizes` (rank
// dims): gather reads x (contiguous, shape x_sizes) at index values along
// dim; scatter_add adds src (strides src_strides) into out (contiguous,
// shape x_sizes) atomically.
struct GatherArgs {
  int rank = 0;
  int dim = 0;
  int64_t sizes[kMaxDims] = {};     // The index's shape.
  int64_t x_sizes[kMaxDims] = {};   // The data's shape.
  int64_t src_strides[kMaxDims] = {};
  int64_t numel = 0;
};
cudaError_t LaunchGather(DT dtype, const void* x, const int64_t* index, void* out, const GatherArgs& a, int* bad);
cudaError_t LaunchScatterAdd(DT dtype, void* out, const int64_t* index, const void* src, const GatherArgs& a,
                             int* bad);

// --- Pooling and batch_norm (pool.cu); floating dtypes, contiguous --------------

// The window geometry of a 2-D pooling over `planes` contiguous [h, w] planes
// (NCHW: planes = N * C) giving [oh, ow] planes, as
// aot/backends/cpu/pool_kernels.cc computes it.
struct PoolArgs {
  int64_t planes = 0, h = 0, w = 0, oh = 0, ow = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
  bool count_include_pad = true;
  int64_t divisor_override = 0;  // 0: none.
};

// y = the maximum of each window (NaN wins, padding is -inf) and ind = its
// flat index iy * w + ix within the plane.
cudaError_t LaunchMaxPool2d(DT dtype, const void* x, void* y, int64_t* ind, const PoolArgs& a);
// gi[i] = the sum of g over the outputs whose index is i, in output order
// (a gather per input element: deterministic). Indices outside the plane
// add nothing.
cudaError_t LaunchMaxPool2dBackward(DT dtype, const void* g, const int64_t* ind, void* gi, const PoolArgs& a);
// Average pooling and its backward (count_include_pad, divisor_override).
cudaError_t LaunchAvgPool2d(DT dtype, const void* x, void* y, const PoolArgs& a);
cudaError_t LaunchAvgPool2dBackward(DT dtype, const void* g, void* gi, const PoolArgs& a);
// Adaptive average pooling (only planes, h, w, oh, ow are read).
cudaError_t LaunchAdaptiveAvgPool2d(DT dtype, const void* x, void* y, const PoolArgs& a);
cudaError_t LaunchAdaptiveAvgPool2dBackward(DT dtype, const void* g, void* gi, const PoolArgs& a);

// batch_norm over x viewed as [n, c, s] of `dtype`. Per-channel arrays are of
// the compute type (float for f32, f16, bf16; double for f64); w, b,
// running_mean and running_var may be null (training; weight 1, bias 0).
// Writes y (dtype), save_mean, save_invstd, new_rm and new_rv. `workspace`
// holds BatchNormWorkspaceBytes (forward and backward).
struct BatchNormArgs {
  int64_t n = 0, c = 0, s = 0;
  bool training = true;
  double momentum = 0.1, eps = 1e-5;
};
int64_t BatchNormWorkspaceBytes(DT dtype, const BatchNormArgs& a);
cudaError_t LaunchBatchNorm(DT dtype, const void* x, const void* w, const void* b, const void* running_mean,
                            const void* running_var, void* y, void* save_mean, void* save_invstd, void* new_rm,
                            void* new_rv, const BatchNormArgs& a, void* workspace);
// Where batch_norm_backward takes the statistics that normalised x from.
enum class BnStats : int {
  kSaved,      // stat_mean, stat_b = save_mean, save_invstd.
  kRunning,    // stat_mean, stat_b = running_mean, running_var (+ eps).
  kRecompute,  // The batch statistics of x.
};
// gi (dtype), gw and gb (compute type) of batch_norm; `workspace` holds
// BatchNormWorkspaceBytes.
cudaError_t LaunchBatchNormBackward(DT dtype, const void* g, const void* x, const void* w, BnStats stats,
                                    const void* stat_mean, const void* stat_b, void* gi, void* gw, void* gb,
                                    const BatchNormArgs& a, void* workspace);

// True if atomic adds (scatter_add, index_add) exist for `dtype`.
inline bool HasAtomicAdd(DT dtype) { return dtype != DT::kBool && dtype != DT::kU8; }

}  // namespace aot::cuda

#endif  // AOT_BACKENDS_CUDA_DEVICE_KERNELS_H_
