// CUDA kernels of 2-D convolution (conv2d, conv2d_backward_input,
// conv2d_backward_weight; NCHW activations, OIHW weights) through cuDNN's
// convolution API (cudnnConvolutionForward / BackwardData / BackwardFilter).
//
// Note [cuDNN convolution]
// Each call describes its operands with 4-D descriptors (dense NCHW, groups
// through cudnnSetConvolutionGroupCount). For f32 and f64 the first call of a
// geometry times cuDNN's algorithms (cudnnFind*Algorithm, as PyTorch's
// cudnn.benchmark = True) and keeps the first of that ranking that succeeds
// with a workspace of at most kMaxWorkspace: on an H100, for
// f32[32, 64, 56, 56] * [64, 64, 3, 3], timing chose an algorithm taking
// 0.18 ms against the heuristic's 0.33. For f16 and bf16, cudnnFind's
// ranking measured worse than the heuristic's (0.20 against 0.15 ms for that
// shape in bf16, PyTorch's v8-API heuristic taking 0.08), so the first call
// times the candidates itself, on the call's own buffers: each (algorithm,
// math type) pair that cudnnGet*Algorithm_v7 or cudnnFind*Algorithm reports
// as supported within kMaxWorkspace (tensor-op math first), once to warm up
// and then kTimedRuns times, keeping the fastest (min over runs). The choice
// is cached per geometry and dtype.
// Workspaces come from the caching allocator. float32 runs with
// CUDNN_FMA_MATH (no TF32, as the matrix products) unless SetAllowTf32(true);
// f16 and bf16 accumulate in float (tensor cores); f64 in double. The bias of
// conv2d is added by the elementwise engine. cuDNN is linked dynamically
// (libcudnn.so.9 from the toolkit's lib64 through the rpath, or the system
// library path); the legacy API used here is in every cuDNN 9.
#if !__has_include("cudnn.h")
#error "conv_kernels.cc needs cuDNN 9: no cudnn.h in the CUDA toolkit's include/ (see docs/building.md)"
#endif

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aot/backends/common/conv_geometry.h"
#include "aot/backends/cuda/cuda.h"
#include "aot/backends/cuda/cuda_status.h"
#include "aot/backends/cuda/cuda_utils.h"
#include "aot/backends/cuda/device_kernels.h"
#include "aot/base/status_macros.h"
#include "aot/tensor/dispatcher.h"
#include "cudnn.h"

namespace aot::cuda {
namespace {

constexpr size_t kMaxWorkspace = size_t{1} << 30;

const std::string& Name(const OpCall& call) { return call.op->name(); }

absl::Status CudnnStatus(cudnnStatus_t s, absl::string_view what) {
  if (s == CUDNN_STATUS_SUCCESS) return absl::OkStatus();
  std::string message = absl::StrCat(what, ": cuDNN error ", cudnnGetErrorString(s));
  if (s == CUDNN_STATUS_ALLOC_FAILED) return absl::ResourceExhaustedError(message);
  if (s == CUDNN_STATUS_NOT_SUPPORTED) return absl::UnimplementedError(message);
  if (s == CUDNN_STATUS_BAD_PARAM) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

absl::StatusOr<cudnnHandle_t> CudnnHandle(int device) {
  static std::mutex mu;
  static cudnnHandle_t handles[64] = {};
  if (device < 0 || device >= 64) return absl::InvalidArgumentError(absl::StrCat("cuda:", device));
  std::lock_guard<std::mutex> lock(mu);
  if (handles[device] == nullptr) {
    cudnnHandle_t h = nullptr;
    AOT_RETURN_IF_ERROR(CudnnStatus(cudnnCreate(&h), "cudnnCreate"));
    handles[device] = h;
  }
  return handles[device];
}

using backends::CheckFloatPair;
using backends::ConvGeometry;
using backends::ConvGeometryOf;

cudnnDataType_t CudnnType(DType d) {
  switch (d) {
    case DType::kFloat64:
      return CUDNN_DATA_DOUBLE;
    case DType::kFloat16:
      return CUDNN_DATA_HALF;
    case DType::kBFloat16:
      return CUDNN_DATA_BFLOAT16;
    default:
      return CUDNN_DATA_FLOAT;
  }
}

enum class Dir { kForward, kBackwardData, kBackwardFilter };

// The descriptors of one convolution (destroyed with it).
class ConvDescriptors {
 public:
  ConvDescriptors() = default;
  ConvDescriptors(const ConvDescriptors&) = delete;
  ConvDescriptors& operator=(const ConvDescriptors&) = delete;
  ~ConvDescriptors() {
    if (x_ != nullptr) cudnnDestroyTensorDescriptor(x_);
    if (y_ != nullptr) cudnnDestroyTensorDescriptor(y_);
    if (w_ != nullptr) cudnnDestroyFilterDescriptor(w_);
    if (conv_ != nullptr) cudnnDestroyConvolutionDescriptor(conv_);
  }

  absl::Status Init(const ConvGeometry& g, DType dtype, const std::string& op) {
    if (g.n * g.c * g.h * g.w > INT32_MAX || g.n * g.oc * g.oh * g.ow > INT32_MAX) {
      return absl::UnimplementedError(absl::StrCat(op, ": tensors of 2^31 elements or more are not supported on CUDA"));
    }
    const cudnnDataType_t t = CudnnType(dtype);
    const auto i = [](int64_t v) { return static_cast<int>(v); };
    AOT_RETURN_IF_ERROR(CudnnStatus(cudnnCreateTensorDescriptor(&x_), op));
    AOT_RETURN_IF_ERROR(CudnnStatus(cudnnCreateTensorDescriptor(&y_), op));
    AOT_RETURN_IF_ERROR(CudnnStatus(cudnnCreateFilterDescriptor(&w_), op));
    AOT_RETURN_IF_ERROR(CudnnStatus(cudnnCreateConvolutionDescriptor(&conv_), op));
    AOT_RETURN_IF_ERROR(
        CudnnStatus(cudnnSetTensor4dDescriptor(x_, CUDNN_TENSOR_NCHW, t, i(g.n), i(g.c), i(g.h), i(g.w)), op));
    AOT_RETURN_IF_ERROR(
        CudnnStatus(cudnnSetTensor4dDescriptor(y_, CUDNN_TENSOR_NCHW, t, i(g.n), i(g.oc), i(g.oh), i(g.ow)), op));
    AOT_RETURN_IF_ERROR(CudnnStatus(
        cudnnSetFilter4dDescriptor(w_, t, CUDNN_TENSOR_NCHW, i(g.oc), i(g.c / g.groups), i(g.kh), i(g.kw)), op));
    const cudnnDataType_t compute = dtype == DType::kFloat64 ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT;
    AOT_RETURN_IF_ERROR(CudnnStatus(cudnnSetConvolution2dDescriptor(conv_, i(g.ph), i(g.pw), i(g.sh), i(g.sw),
                                                                    i(g.dh), i(g.dw), CUDNN_CROSS_CORRELATION,
                                                                    compute),
                                    op));
    AOT_RETURN_IF_ERROR(CudnnStatus(cudnnSetConvolutionGroupCount(conv_, i(g.groups)), op));
    cudnnMathType_t math = CUDNN_DEFAULT_MATH;
    if (dtype == DType::kFloat32) {
      math = AllowTf32() ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
    } else if (dtype == DType::kFloat16 || dtype == DType::kBFloat16) {
      math = CUDNN_TENSOR_OP_MATH;
    }
    AOT_RETURN_IF_ERROR(CudnnStatus(cudnnSetConvolutionMathType(conv_, math), op));
    return absl::OkStatus();
  }

  cudnnTensorDescriptor_t x_ = nullptr, y_ = nullptr;
  cudnnFilterDescriptor_t w_ = nullptr;
  cudnnConvolutionDescriptor_t conv_ = nullptr;
};

// The algorithm chosen per (direction, device, dtype, tf32, geometry), and
// its workspace size. See Note [cuDNN convolution].
using AlgoKey = std::tuple<int, int, int, bool, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                           int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t>;
struct Algo {
  int algo = 0;
  size_t workspace = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

std::mutex& AlgoMutex() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}
absl::flat_hash_map<AlgoKey, Algo>& AlgoCache() {
  static auto* cache = new absl::flat_hash_map<AlgoKey, Algo>;
  return *cache;
}

// Runs the convolution with `algo` (its math type set on the descriptor).
using ConvRunner = std::function<absl::Status(const Algo&)>;

constexpr int kTimedRuns = 3;

// Adds the supported, fitting (algorithm, math type) pairs of `perf` that
// `out` does not hold yet.
template <typename Perf>
void AddCandidates(const Perf* perf, int count, std::vector<Algo>* out) {
  for (int i = 0; i < count; ++i) {
    if (perf[i].status != CUDNN_STATUS_SUCCESS || perf[i].memory > kMaxWorkspace) continue;
    const Algo a{static_cast<int>(perf[i].algo), perf[i].memory, perf[i].mathType};
    bool seen = false;
    for (const Algo& b : *out) seen |= b.algo == a.algo && b.math == a.math;
    if (!seen) out->push_back(a);
  }
}

// Times each candidate with `run` (see Note [cuDNN convolution]) and returns
// the fastest; candidates that fail to run are skipped.
absl::StatusOr<Algo> FastestOf(const std::vector<Algo>& candidates, const ConvRunner& run, const std::string& op) {
  cudaEvent_t start = nullptr, stop = nullptr;
  AOT_RETURN_IF_ERROR(CudaStatus(cudaEventCreate(&start), op));
  AOT_RETURN_IF_ERROR(CudaStatus(cudaEventCreate(&stop), op));
  float best_ms = 0;
  int best = -1;
  for (size_t i = 0; i < candidates.size(); ++i) {
    if (!run(candidates[i]).ok()) continue;
    float ms_min = 0;
    bool ok = true;
    for (int r = 0; r < kTimedRuns && ok; ++r) {
      cudaEventRecord(start);
      ok = run(candidates[i]).ok();
      cudaEventRecord(stop);
      ok = ok && cudaEventSynchronize(stop) == cudaSuccess;
      float ms = 0;
      ok = ok && cudaEventElapsedTime(&ms, start, stop) == cudaSuccess;
      if (ok && (r == 0 || ms < ms_min)) ms_min = ms;
    }
    if (ok && (best < 0 || ms_min < best_ms)) {
      best = static_cast<int>(i);
      best_ms = ms_min;
    }
  }
  cudaGetLastError();
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  if (best < 0) return absl::UnimplementedError(absl::StrCat(op, ": cuDNN has no algorithm for this convolution"));
  return candidates[best];
}

// Picks the best-ranked algorithm that reports success and fits.
template <typename Perf>
absl::StatusOr<Algo> FirstFitting(const Perf* perf, int count, const std::string& op) {
  for (int i = 0; i < count; ++i) {
    if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].memory <= kMaxWorkspace) {
      return Algo{static_cast<int>(perf[i].algo), perf[i].memory, perf[i].mathType};
    }
  }
  return absl::UnimplementedError(absl::StrCat(op, ": cuDNN has no algorithm for this convolution"));
}

absl::StatusOr<Algo> ChooseAlgo(cudnnHandle_t h, Dir dir, int device, DType dtype, const ConvGeometry& g,
                                const ConvDescriptors& d, const ConvRunner& run, const std::string& op) {
  const AlgoKey key{static_cast<int>(dir), device, static_cast<int>(dtype), AllowTf32(), g.n, g.c, g.h, g.w, g.oc,
                    g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups};
  std::lock_guard<std::mutex> lock(AlgoMutex());
  auto it = AlgoCache().find(key);
  if (it != AlgoCache().end()) return it->second;
  constexpr int kMaxAlgos = 16;
  // cudnnFind's ranking for f32 and f64; our own timing of the candidates
  // for f16 and bf16 (see Note [cuDNN convolution]).
  const bool find = dtype == DType::kFloat32 || dtype == DType::kFloat64;
  int count = 0;
  Algo algo;
  if (!find) {
    std::vector<Algo> candidates;
    if (dir == Dir::kForward) {
      cudnnConvolutionFwdAlgoPerf_t perf[kMaxAlgos];
      if (cudnnGetConvolutionForwardAlgorithm_v7(h, d.x_, d.w_, d.conv_, d.y_, kMaxAlgos, &count, perf) ==
          CUDNN_STATUS_SUCCESS) {
        AddCandidates(perf, count, &candidates);
      }
      if (cudnnFindConvolutionForwardAlgorithm(h, d.x_, d.w_, d.conv_, d.y_, kMaxAlgos, &count, perf) ==
          CUDNN_STATUS_SUCCESS) {
        AddCandidates(perf, count, &candidates);
      }
    } else if (dir == Dir::kBackwardData) {
      cudnnConvolutionBwdDataAlgoPerf_t perf[kMaxAlgos];
      if (cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w_, d.y_, d.conv_, d.x_, kMaxAlgos, &count, perf) ==
          CUDNN_STATUS_SUCCESS) {
        AddCandidates(perf, count, &candidates);
      }
      if (cudnnFindConvolutionBackwardDataAlgorithm(h, d.w_, d.y_, d.conv_, d.x_, kMaxAlgos, &count, perf) ==
          CUDNN_STATUS_SUCCESS) {
        AddCandidates(perf, count, &candidates);
      }
    } else {
      cudnnConvolutionBwdFilterAlgoPerf_t perf[kMaxAlgos];
      if (cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x_, d.y_, d.conv_, d.w_, kMaxAlgos, &count, perf) ==
          CUDNN_STATUS_SUCCESS) {
        AddCandidates(perf, count, &candidates);
      }
      if (cudnnFindConvolutionBackwardFilterAlgorithm(h, d.x_, d.y_, d.conv_, d.w_, kMaxAlgos, &count, perf) ==
          CUDNN_STATUS_SUCCESS) {
        AddCandidates(perf, count, &candidates);
      }
    }
    cudaGetLastError();
    // Tensor-op math first: equal times keep it.
    std::stable_sort(candidates.begin(), candidates.end(), [](const Algo& a, const Algo& b) {
      return (a.math == CUDNN_TENSOR_OP_MATH) > (b.math == CUDNN_TENSOR_OP_MATH);
    });
    AOT_ASSIGN_OR_RETURN(algo, FastestOf(candidates, run, op));
    if (std::getenv("AOT_CUDNN_VERBOSE") != nullptr) {
      std::fprintf(stderr, "%s: %zu candidates, chose algo %d math %d workspace %zu\n", op.c_str(),
                   candidates.size(), algo.algo, static_cast<int>(algo.math), algo.workspace);
    }
    AlgoCache()[key] = algo;
    return algo;
  }
  if (dir == Dir::kForward) {
    cudnnConvolutionFwdAlgoPerf_t perf[kMaxAlgos];
    if (!find || cudnnFindConvolutionForwardAlgorithm(h, d.x_, d.w_, d.conv_, d.y_, kMaxAlgos, &count, perf) !=
                     CUDNN_STATUS_SUCCESS) {
      AOT_RETURN_IF_ERROR(CudnnStatus(
          cudnnGetConvolutionForwardAlgorithm_v7(h, d.x_, d.w_, d.conv_, d.y_, kMaxAlgos, &count, perf), op));
    }
    AOT_ASSIGN_OR_RETURN(algo, FirstFitting(perf, count, op));
  } else if (dir == Dir::kBackwardData) {
    cudnnConvolutionBwdDataAlgoPerf_t perf[kMaxAlgos];
    if (!find || cudnnFindConvolutionBackwardDataAlgorithm(h, d.w_, d.y_, d.conv_, d.x_, kMaxAlgos, &count, perf) !=
                     CUDNN_STATUS_SUCCESS) {
      AOT_RETURN_IF_ERROR(CudnnStatus(
          cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w_, d.y_, d.conv_, d.x_, kMaxAlgos, &count, perf), op));
    }
    AOT_ASSIGN_OR_RETURN(algo, FirstFitting(perf, count, op));
  } else {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[kMaxAlgos];
    if (!find || cudnnFindConvolutionBackwardFilterAlgorithm(h, d.x_, d.y_, d.conv_, d.w_, kMaxAlgos, &count, perf) !=
                     CUDNN_STATUS_SUCCESS) {
      AOT_RETURN_IF_ERROR(CudnnStatus(
          cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x_, d.y_, d.conv_, d.w_, kMaxAlgos, &count, perf), op));
    }
    AOT_ASSIGN_OR_RETURN(algo, FirstFitting(perf, count, op));
  }
  AlgoCache()[key] = algo;
  return algo;
}

absl::Status Launch(cudnnHandle_t h, Dir dir, DType dtype, const ConvDescriptors& d, const Algo& algo, Device dev,
                    const Tensor& x, const Tensor& w, const Tensor& y, const std::string& op);

// Runs one convolution direction: kForward y = conv(x, w); kBackwardData
// x = conv^T(y, w); kBackwardFilter w = dconv(x, y). `out` is overwritten.
absl::Status RunConv(const OpCall& call, Dir dir, const ConvGeometry& g, DType dtype, const Tensor& x,
                     const Tensor& w, const Tensor& y) {
  const std::string& op = Name(call);
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(cudnnHandle_t h, CudnnHandle(dev.index()));
  ConvDescriptors d;
  AOT_RETURN_IF_ERROR(d.Init(g, dtype, op));
  // The math type an algorithm was chosen with (float32 keeps FMA unless
  // TF32 is allowed).
  const bool keep_math = dtype == DType::kFloat32 && !AllowTf32();
  const ConvRunner run = [&](const Algo& algo) -> absl::Status {
    if (!keep_math) AOT_RETURN_IF_ERROR(CudnnStatus(cudnnSetConvolutionMathType(d.conv_, algo.math), op));
    return Launch(h, dir, dtype, d, algo, dev, x, w, y, op);
  };
  AOT_ASSIGN_OR_RETURN(Algo algo, ChooseAlgo(h, dir, dev.index(), dtype, g, d, run, op));
  return run(algo);
}

// Enqueues one convolution with `algo` (workspace from the caching
// allocator).
absl::Status Launch(cudnnHandle_t h, Dir dir, DType dtype, const ConvDescriptors& d, const Algo& algo, Device dev,
                    const Tensor& x, const Tensor& w, const Tensor& y, const std::string& op) {
  Tensor ws;
  if (algo.workspace > 0) {
    AOT_ASSIGN_OR_RETURN(ws, Tensor::Empty({static_cast<int64_t>(algo.workspace)}, DType::kUInt8, dev).Checked());
  }
  void* wsp = algo.workspace > 0 ? ws.raw_data() : nullptr;
  const double one_d = 1, zero_d = 0;
  const float one_f = 1, zero_f = 0;
  const void* one = dtype == DType::kFloat64 ? static_cast<const void*>(&one_d) : &one_f;
  const void* zero = dtype == DType::kFloat64 ? static_cast<const void*>(&zero_d) : &zero_f;
  switch (dir) {
    case Dir::kForward:
      return CudnnStatus(cudnnConvolutionForward(h, one, d.x_, x.raw_data(), d.w_, w.raw_data(), d.conv_,
                                                 static_cast<cudnnConvolutionFwdAlgo_t>(algo.algo), wsp,
                                                 algo.workspace, zero, d.y_, y.raw_data()),
                         op);
    case Dir::kBackwardData:
      return CudnnStatus(cudnnConvolutionBackwardData(h, one, d.w_, w.raw_data(), d.y_, y.raw_data(), d.conv_,
                                                      static_cast<cudnnConvolutionBwdDataAlgo_t>(algo.algo), wsp,
                                                      algo.workspace, zero, d.x_, x.raw_data()),
                         op);
    case Dir::kBackwardFilter:
      return CudnnStatus(cudnnConvolutionBackwardFilter(h, one, d.x_, x.raw_data(), d.y_, y.raw_data(), d.conv_,
                                                        static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo.algo), wsp,
                                                        algo.workspace, zero, d.w_, w.raw_data()),
                         op);
  }
  return absl::OkStatus();
}

absl::Status Zero(const Tensor& t, const std::string& op) {
  if (t.numel() == 0) return absl::OkStatus();
  return CudaStatus(cudaMemsetAsync(t.raw_data(), 0, static_cast<size_t>(t.numel()) * ir::DTypeSize(t.dtype())), op);
}

KernelResult Conv2dKernel(const OpCall& call) {
  const Tensor& input = call.input(0);
  const Tensor& weight = call.input(1);
  const Tensor* bias = call.optional_input(2);
  AOT_RETURN_IF_ERROR(CheckFloatPair(call, input, weight));
  AOT_ASSIGN_OR_RETURN(ConvGeometry g, ConvGeometryOf(call, input.sizes(), weight.sizes()));
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(Tensor out, NewResult(call, 0, dev, input.dtype()));
  if (out.numel() == 0) return std::vector<Tensor>{out};
  if (input.numel() == 0 || weight.numel() == 0) {
    AOT_RETURN_IF_ERROR(Zero(out, Name(call)));
  } else {
    AOT_ASSIGN_OR_RETURN(Tensor x, Dense(input));
    AOT_ASSIGN_OR_RETURN(Tensor w, Dense(weight));
    AOT_RETURN_IF_ERROR(RunConv(call, Dir::kForward, g, input.dtype(), x, w, out));
  }
  if (bias != nullptr && bias->defined()) {
    if (bias->numel() != g.oc) {
      return absl::InvalidArgumentError(absl::StrCat(Name(call), ": bias ", bias->meta().ToString(), " must have ",
                                                     g.oc, " values (the output channels)"));
    }
    AOT_ASSIGN_OR_RETURN(Tensor b, Dense(*bias, input.dtype()));
    AOT_ASSIGN_OR_RETURN(Tensor b4, b.reshape({1, g.oc, 1, 1}).Checked());
    AOT_ASSIGN_OR_RETURN(ElemArgs args, MakeElemArgs(out, {out, b4}));
    AOT_RETURN_IF_ERROR(CheckLaunch(LaunchBinary(BinaryOp::kAdd, ToDT(out.dtype()), args, 1.0), Name(call)));
  }
  return std::vector<Tensor>{out};
}

KernelResult Conv2dBackwardInputKernel(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& weight = call.input(1);
  AOT_ASSIGN_OR_RETURN(ConvGeometry g, backends::ConvBackwardInputGeometry(call));
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(Tensor dx, NewResult(call, 0, dev, grad.dtype()));
  if (dx.numel() == 0) return std::vector<Tensor>{dx};
  if (grad.numel() == 0 || weight.numel() == 0) {
    AOT_RETURN_IF_ERROR(Zero(dx, Name(call)));
    return std::vector<Tensor>{dx};
  }
  AOT_ASSIGN_OR_RETURN(Tensor dy, Dense(grad));
  AOT_ASSIGN_OR_RETURN(Tensor w, Dense(weight));
  AOT_RETURN_IF_ERROR(RunConv(call, Dir::kBackwardData, g, grad.dtype(), dx, w, dy));
  return std::vector<Tensor>{dx};
}

KernelResult Conv2dBackwardWeightKernel(const OpCall& call) {
  const Tensor& grad = call.input(0);
  const Tensor& input = call.input(1);
  AOT_ASSIGN_OR_RETURN(ConvGeometry g, backends::ConvBackwardWeightGeometry(call));
  const Device dev = CallDevice(call);
  AOT_ASSIGN_OR_RETURN(Tensor dw, NewResult(call, 0, dev, grad.dtype()));
  if (dw.numel() == 0) return std::vector<Tensor>{dw};
  if (grad.numel() == 0 || input.numel() == 0) {
    AOT_RETURN_IF_ERROR(Zero(dw, Name(call)));
    return std::vector<Tensor>{dw};
  }
  AOT_ASSIGN_OR_RETURN(Tensor dy, Dense(grad));
  AOT_ASSIGN_OR_RETURN(Tensor x, Dense(input));
  AOT_RETURN_IF_ERROR(RunConv(call, Dir::kBackwardFilter, g, grad.dtype(), x, dw, dy));
  return std::vector<Tensor>{dw};
}

AOT_REGISTER_CUDA_KERNEL(kConv2d, Conv2dKernel);
AOT_REGISTER_CUDA_KERNEL(kConv2dBackwardInput, Conv2dBackwardInputKernel);
AOT_REGISTER_CUDA_KERNEL(kConv2dBackwardWeight, Conv2dBackwardWeightKernel);

}  // namespace
}  // namespace aot::cuda
