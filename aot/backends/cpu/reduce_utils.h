// Building blocks of the CPU reduction and normalisation kernels (private to
// aot/backends/cpu): a vectorisable expf (and a fused AVX2
// exp-and-sum), lane-parallel row reductions, and a generic reduction
// engine over any set of dimensions.
//
// The engine (Reduce) works on a contiguous input whose dimensions are
// coalesced into an innermost group and outer offsets:
//
//   row mode     (innermost group reduced):  out[o] = op over rows of length
//                `inner` at outer_offsets[o] + reduced_offsets[r];
//   column mode  (innermost group kept):      out[o * inner + j] accumulates
//                element j of those rows, so the inner loop runs over
//                contiguous memory and vectorises (no strided walks).
//
// An Op supplies
//   using Acc;                       the accumulator type;
//   Acc Init() const;                the identity;
//   Acc Combine(Acc a, Acc b) const;
//   Acc Row(int64_t base, int64_t n, int64_t out) const;
//                                    reduces input elements [base, base + n)
//                                    for output `out`;
//   void Cols(Acc* acc, int64_t base, int64_t n, int64_t out0) const;
//                                    acc[j] = Combine(acc[j], f(base + j))
//                                    for outputs out0 + j.
// Row and Cols index the input by element offsets, so an op may read several
// inputs of the same layout.
#ifndef AOT_BACKENDS_CPU_REDUCE_UTILS_H_
#define AOT_BACKENDS_CPU_REDUCE_UTILS_H_

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/row_avx512.h"
#include "aot/backends/cpu/row_loops.h"
#include "aot/backends/cpu/vec_math.h"
#include "aot/tensor/scalar_types.h"
#include "aot/tensor/tensor.h"

namespace aot::cpu {

// Calls fn.template operator()<T>() with T the C++ type of a floating
// `dtype` (float for anything else; callers have checked).
template <typename Fn>
decltype(auto) VisitFloatDType(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::kFloat64:
      return fn.template operator()<double>();
    case DType::kFloat16:
      return fn.template operator()<Half>();
    case DType::kBFloat16:
      return fn.template operator()<BFloat16>();
    default:
      return fn.template operator()<float>();
  }
}

// Normalises a possibly negative dim against `rank` (a scalar has one
// addressable dim, as in PyTorch). The shape rule has checked the range.
inline int WrapDim(int64_t dim, int rank) { return static_cast<int>(dim < 0 ? dim + std::max(rank, 1) : dim); }

// --- Vectorisable math ---------------------------------------------------------

// exp(x) for float without branches, so loops calling it vectorise: ExpF8's
// operations (ExpBounded, vec_math.h; see Note [Fast expf]) on one float,
// so that a scalar loop gives the bits a vector loop would. Within
// 1.06 ulp; results below 2^-125.5 flush to 0; x > ln(FLT_MAX) gives inf;
// NaN stays NaN.
inline float ExpF(float x) { return ExpBounded<Scalar>(Scalar::Min(kExpHi, x)); }

template <typename C>
inline C Exp(C x) {
  if constexpr (std::is_same_v<C, float>) {
    return ExpF(x);
  } else {
    return std::exp(x);
  }
}

// Converts an element to the accumulation type A (through the 16-bit floats'
// compute type).
template <typename A, typename T>
inline A Load(T v) {
  return static_cast<A>(static_cast<ComputeType<T>>(v));
}

// Reduces elem(0..n) with L independent accumulators (L a power of two) and
// combines them as a tree: vectorises for simple elem/comb and keeps sums
// accurate over long rows. kSelect: comb is a select (min/max), see below.
template <int L, typename A, typename Elem, typename Comb, bool kSelect = false>
inline A LaneReduce(int64_t n, A init, const Elem& elem, const Comb& comb) {
  A acc[L];
  for (int j = 0; j < L; ++j) acc[j] = init;
  int64_t i = 0;
  for (; i + L <= n; i += L) {
    if constexpr (kSelect) {
      // Kept a loop (not unrolled into L scalar copies, which the SLP
      // vectoriser cannot if-convert) so that the loop vectoriser turns the
      // selects into blends.
#pragma GCC unroll 1
      for (int j = 0; j < L; ++j) acc[j] = comb(acc[j], elem(i + j));
    } else {
      for (int j = 0; j < L; ++j) acc[j] = comb(acc[j], elem(i + j));
    }
  }
  for (; i < n; ++i) acc[0] = comb(acc[0], elem(i));
  for (int w = L / 2; w >= 1; w /= 2) {
    for (int j = 0; j < w; ++j) acc[j] = comb(acc[j], acc[j + w]);
  }
  return acc[0];
}

// True for a NaN of a floating type; false for every other type.
template <typename A>
inline bool IsNan(A v) {
  if constexpr (std::is_floating_point_v<A>) {
    return v != v;
  } else {
    return false;
  }
}

struct Plus {
  template <typename A>
  A operator()(A a, A b) const {
    return a + b;
  }
};
// Max / min that propagate NaN (as PyTorch's amax): once NaN, stays NaN.
// Vectorised as compare + blend; needs -fno-trapping-math (BUILD).
struct MaxNan {
  template <typename A>
  A operator()(A a, A b) const {
    return (b > a || IsNan(b)) ? b : a;
  }
};
struct MinNan {
  template <typename A>
  A operator()(A a, A b) const {
    return (b < a || IsNan(b)) ? b : a;
  }
};

// Elements per float block of SumFloat: each of the loop's 32 (AVX2) or 64
// (AVX-512) float lanes adds 32 or 16 values, and blocks are added in
// double (a two-level cascade: float speed, error independent of n in
// practice).
inline constexpr int64_t kSumBlock = 1024;

// The sum of float x[0, n) in double: SumLoop (row_loops.h), on 16 lanes
// where the CPU has AVX-512F, else on 8. No software prefetch: it reads
// from memory at the rate the hardware prefetcher keeps up with.
inline double SumFloat(const float* x, int64_t n) {
  return ByIsa(&SumAvx512, &SumLoop<Avx2>, x, n, kSumBlock, /*ahead=*/int64_t{0});
}

// Sums x[0, n) in C's accumulation type (double).
template <typename C>
inline double SumRow(const C* x, int64_t n) {
  if constexpr (std::is_same_v<C, float>) {
    return SumFloat(x, n);
  } else {
    return LaneReduce<16, double>(n, 0.0, [x](int64_t i) { return Load<double>(x[i]); }, Plus());
  }
}

// Accumulators for min/max of C: four AVX2 registers' worth.
template <typename C>
inline constexpr int kMinMaxLanes = sizeof(C) >= 16 ? 8 : static_cast<int>(128 / sizeof(C));

// Max (kMax) or min of float x[0, n), NaN-propagating as MaxNan / MinNan
// (MinMaxLoop, row_loops.h): on 16 lanes where the CPU has AVX-512F, else
// on 8.
template <bool kMax>
inline float MinMaxRowF(const float* x, int64_t n) {
  // Twice the lanes where the CPU has them (row_avx512.h).
  return ByIsa(kMax ? &MaxRowAvx512 : &MinRowAvx512, &MinMaxLoop<Avx2, kMax>, x, n);
}

template <typename C>
inline C MaxRow(const C* x, int64_t n) {
  if constexpr (std::is_same_v<C, float>) return MinMaxRowF<true>(x, n);
  auto elem = [x](int64_t i) { return x[i]; };
  return LaneReduce<kMinMaxLanes<C>, C, decltype(elem), MaxNan, /*kSelect=*/true>(
      n, -std::numeric_limits<C>::infinity(), elem, MaxNan());
}

// Elements that ExpShiftSum prefetches ahead (16 KiB of float).
inline constexpr int64_t kExpPrefetch = 4096;

// ExpShiftSum's AVX2 loop for float (see below).
inline double ExpShiftSumAvx2(const float* x, float shift, float* y, int64_t n) {
  return y != nullptr ? ExpShiftSumLoop<Avx2, true>(x, shift, y, n, kSumBlock, kExpPrefetch)
                      : ExpShiftSumLoop<Avx2, false>(x, shift, y, n, kSumBlock, kExpPrefetch);
}

// Writes y[i] = exp(x[i] - shift) (y may be null: not stored) and returns
// the sum of those values in double. Requires x[i] - shift <= 89 or NaN for
// every i, as when shift is the max of x[0, n) (every caller's). float: one
// fused loop (ExpShiftSumLoop, row_loops.h: four float accumulators per
// block of kSumBlock, blocks added in double), on 16 lanes where the CPU
// has AVX-512F (row_avx512.h), else on 8 (ExpShiftSumAvx2).
//
// Note [Prefetching the next block]
// The row kernels make two passes over each block that fits in L1 (the max,
// then the exp-and-sum), and the max pass would wait on memory while the
// exp pass, which the exps bound, leaves it idle. So the float loop here
// prefetches the min(n, kExpPrefetch) elements that follow x[0, n): the
// caller's next block, or the next row when rows are adjacent (softmax,
// logsumexp and cross_entropy over the last dim), so that the next max pass
// reads from cache and memory traffic overlaps the exps. Past the end of a
// tensor a prefetch reads at most that many elements for nothing (it never
// faults).
template <typename C>
inline double ExpShiftSum(const C* x, C shift, C* y, int64_t n) {
  if constexpr (std::is_same_v<C, float>) {
    // Twice the lanes where the CPU has them (row_avx512.h).
    if (HasAvx512F()) return ExpShiftSumAvx512(x, shift, y, n, kSumBlock, kExpPrefetch);
    return ExpShiftSumAvx2(x, shift, y, n);
  } else {
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
      C e = std::exp(x[i] - shift);
      if (y != nullptr) y[i] = e;
      total += e;
    }
    return total;
  }
}

// --- Parallel helpers ------------------------------------------------------------

// Splits [0, n) into at most NumThreads() chunks of at least `grain` items
// and calls f(task, begin, end) for each, in parallel. Returns the number of
// tasks (each task index < it), so callers can keep per-task partials and
// combine them in order (deterministic for a given thread count).
template <typename F>
int ParallelChunks(int64_t n, int64_t grain, const F& f) {
  if (n <= 0) return 0;
  int64_t tasks = std::clamp<int64_t>(n / std::max<int64_t>(grain, 1), 1, NumThreads());
  if (tasks == 1) {
    f(0, int64_t{0}, n);
    return 1;
  }
  int64_t chunk = (n + tasks - 1) / tasks;
#pragma omp parallel for num_threads(static_cast<int>(tasks)) schedule(static)
  for (int64_t t = 0; t < tasks; ++t) {
    int64_t b = t * chunk, e = std::min(n, b + chunk);
    if (b < e) f(static_cast<int>(t), b, e);
  }
  return static_cast<int>(tasks);
}

// --- The reduction engine -----------------------------------------------------------

struct ReduceLayout {
  int64_t inner = 1;
  bool inner_reduced = true;
  std::vector<int64_t> outer_offsets;    // One per kept outer position, in output order.
  std::vector<int64_t> reduced_offsets;  // One per reduced outer position, row-major.

  int64_t num_outputs() const {
    return static_cast<int64_t>(outer_offsets.size()) * (inner_reduced ? 1 : inner);
  }
  // Elements reduced into each output.
  int64_t reduce_count() const {
    return static_cast<int64_t>(reduced_offsets.size()) * (inner_reduced ? inner : 1);
  }
};

// The layout of reducing the dims marked in `reduce` of a contiguous tensor
// of `sizes` with numel > 0. The reduction visits elements in row-major
// order of the reduced dims (argmax's indices rely on it).
ReduceLayout MakeReduceLayout(absl::Span<const int64_t> sizes, const std::vector<bool>& reduce);

// The reduce mask of `dims` (empty: all) for a tensor of rank `rank`.
std::vector<bool> ReduceMask(const std::vector<int64_t>& dims, int rank);

inline constexpr int64_t kRowChunk = 16384;  // Elements per parallel item of a long row.
inline constexpr int64_t kColBlock = 1024;   // Columns accumulated at a time (in L1).

template <typename Op>
std::vector<typename Op::Acc> Reduce(const ReduceLayout& layout, const Op& op) {
  using Acc = typename Op::Acc;
  const std::vector<int64_t>& oo = layout.outer_offsets;
  const std::vector<int64_t>& ro = layout.reduced_offsets;
  const int64_t ko = static_cast<int64_t>(oo.size());
  const int64_t nr = static_cast<int64_t>(ro.size());
  const int64_t n = layout.inner;
  const int64_t work = nr * n;  // Elements per output slice.
  const int threads = NumThreads();
  const bool over_outputs = ko >= 4 * threads || ko * work < 2 * kGrain;
  std::vector<Acc> out(layout.num_outputs(), op.Init());
  if (layout.inner_reduced) {
    if (over_outputs) {
      ParallelFor(ko, std::max<int64_t>(1, kGrain / work), [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) {
          Acc a = op.Init();
          for (int64_t r = 0; r < nr; ++r) a = op.Combine(a, op.Row(oo[o] + ro[r], n, o));
          out[o] = a;
        }
      });
      return out;
    }
    // Few outputs: split each one's rows into chunks, with per-task partials.
    const int64_t chunk = std::min(n, kRowChunk);
    const int64_t nchunks = (n + chunk - 1) / chunk;
    std::vector<Acc> partial(threads);
    for (int64_t o = 0; o < ko; ++o) {
      int tasks = ParallelChunks(nr * nchunks, std::max<int64_t>(1, kGrain / chunk), [&](int t, int64_t b, int64_t e) {
        Acc a = op.Init();
        for (int64_t it = b; it < e; ++it) {
          int64_t r = it / nchunks, s = (it % nchunks) * chunk;
          a = op.Combine(a, op.Row(oo[o] + ro[r] + s, std::min(chunk, n - s), o));
        }
        partial[t] = a;
      });
      Acc a = op.Init();
      for (int t = 0; t < tasks; ++t) a = op.Combine(a, partial[t]);
      out[o] = a;
    }
    return out;
  }
  // Column mode: accumulate rows of `n` kept elements.
  auto cols = [&](int64_t o, int64_t rb, int64_t re, int64_t j0, int64_t j1, Acc* acc) {
    for (int64_t j = j0; j < j1; j += kColBlock) {
      int64_t len = std::min(kColBlock, j1 - j);
      int64_t r = rb;
      if constexpr (requires(int64_t* b) { op.Cols8(acc, b, len); }) {
        int64_t bases[8];
        for (; r + 8 <= re; r += 8) {
          for (int k = 0; k < 8; ++k) bases[k] = oo[o] + ro[r + k] + j;
          op.Cols8(acc + (j - j0), bases, len);
        }
      }
      for (; r < re; ++r) op.Cols(acc + (j - j0), oo[o] + ro[r] + j, len, o * n + j);
    }
  };
  if (over_outputs) {
    ParallelFor(ko, std::max<int64_t>(1, kGrain / work), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) cols(o, 0, nr, 0, n, out.data() + o * n);
    });
  } else if (n >= threads * kColBlock) {
    for (int64_t o = 0; o < ko; ++o) {
      ParallelFor(n, kColBlock, [&](int64_t j0, int64_t j1) { cols(o, 0, nr, j0, j1, out.data() + o * n + j0); });
    }
  } else {
    std::vector<Acc> partial(static_cast<size_t>(threads) * n);
    for (int64_t o = 0; o < ko; ++o) {
      std::fill(partial.begin(), partial.end(), op.Init());
      int tasks = ParallelChunks(nr, std::max<int64_t>(1, kGrain / n), [&](int t, int64_t b, int64_t e) {
        cols(o, b, e, 0, n, partial.data() + t * n);
      });
      Acc* dst = out.data() + o * n;
      for (int t = 0; t < tasks; ++t) {
        for (int64_t j = 0; j < n; ++j) dst[j] = op.Combine(dst[j], partial[t * n + j]);
      }
    }
  }
  return out;
}

// --- Ops for the engine ----------------------------------------------------------------

// Sum of the elements converted to A (double for floating results, int64_t
// for integral ones). Float input summed into double uses the float-lane
// cascade of SumFloat unless kCascade is false (a result asked for in f64
// sums the values as doubles throughout).
template <typename T, typename A, bool kCascade = true>
struct SumOp {
  using Acc = A;
  const T* x;
  A Init() const { return A(0); }
  A Combine(A a, A b) const { return a + b; }
  A Row(int64_t base, int64_t n, int64_t) const {
    const T* p = x + base;
    if constexpr (kCascade && std::is_same_v<T, float> && std::is_same_v<A, double>) {
      return SumFloat(p, n);
    } else {
      return LaneReduce<16, A>(n, A(0), [p](int64_t i) { return Load<A>(p[i]); }, Plus());
    }
  }
  void Cols(A* acc, int64_t base, int64_t n, int64_t) const {
    const T* p = x + base;
    for (int64_t j = 0; j < n; ++j) acc[j] += Load<A>(p[j]);
  }
  // Eight rows at once for float: summed pairwise in float, then added to
  // the double accumulators (an eighth of the accumulator traffic).
  void Cols8(A* acc, const int64_t* bases, int64_t n) const
    requires(kCascade && std::is_same_v<T, float> && std::is_same_v<A, double>)
  {
    const float *p0 = x + bases[0], *p1 = x + bases[1], *p2 = x + bases[2], *p3 = x + bases[3];
    const float *p4 = x + bases[4], *p5 = x + bases[5], *p6 = x + bases[6], *p7 = x + bases[7];
    for (int64_t j = 0; j < n; ++j) {
      acc[j] += static_cast<double>(((p0[j] + p1[j]) + (p2[j] + p3[j])) + ((p4[j] + p5[j]) + (p6[j] + p7[j])));
    }
  }
};

// Max (kMax) or min of the elements in ComputeType<T> (uint8_t for bool, so
// that results fit a std::vector), propagating NaN.
template <typename T, bool kMax>
struct MinMaxOp {
  using C = std::conditional_t<std::is_same_v<T, bool>, uint8_t, ComputeType<T>>;
  using Acc = C;
  const T* x;
  static C Identity() {
    if constexpr (std::is_same_v<T, bool>) {
      return kMax ? 0 : 1;
    } else if constexpr (std::numeric_limits<C>::has_infinity) {
      return kMax ? -std::numeric_limits<C>::infinity() : std::numeric_limits<C>::infinity();
    } else {
      return kMax ? std::numeric_limits<C>::lowest() : std::numeric_limits<C>::max();
    }
  }
  C Init() const { return Identity(); }
  C Combine(C a, C b) const {
    if constexpr (kMax) {
      return MaxNan()(a, b);
    } else {
      return MinNan()(a, b);
    }
  }
  C Row(int64_t base, int64_t n, int64_t) const {
    const T* p = x + base;
    if constexpr (std::is_same_v<T, float>) return MinMaxRowF<kMax>(p, n);
    auto elem = [p](int64_t i) { return static_cast<C>(p[i]); };
    auto comb = [this](C a, C b) { return Combine(a, b); };
    return LaneReduce<kMinMaxLanes<C>, C, decltype(elem), decltype(comb), /*kSelect=*/true>(n, Identity(), elem, comb);
  }
  void Cols(C* acc, int64_t base, int64_t n, int64_t) const {
    const T* p = x + base;
    for (int64_t j = 0; j < n; ++j) acc[j] = Combine(acc[j], static_cast<C>(p[j]));
  }
};

// Sum of (x[i] - m)^2 over a row, in double. float: SqDevSumLoop
// (row_loops.h: float lanes within blocks), on 16 lanes where the CPU has
// AVX-512F, prefetching the kExpPrefetch elements after the row (the next
// row, for the row kernels).
template <typename C>
double SqDevRow(const C* x, int64_t n, C m) {
  if constexpr (std::is_same_v<C, float>) {
    return ByIsa(&SqDevSumAvx512, &SqDevSumLoop<Avx2>, x, m, n, kSumBlock, kExpPrefetch);
  } else {
    return LaneReduce<16, double>(n, 0.0, [x, m](int64_t i) {
      double d = x[i] - m;
      return d * d;
    }, Plus());
  }
}

// Sum of squared deviations from a per-output mean, in double.
template <typename T>
struct SqDevOp {
  using Acc = double;
  const T* x;
  const double* mean;
  double Init() const { return 0; }
  double Combine(double a, double b) const { return a + b; }
  double Row(int64_t base, int64_t n, int64_t out) const {
    const T* p = x + base;
    const double m = mean[out];
    // float: float lanes about the mean rounded to float (the rounding adds
    // n (m - float(m))^2, nothing next to the sum's own rounding).
    if constexpr (std::is_same_v<T, float>) return SqDevRow<float>(p, n, static_cast<float>(m));
    return LaneReduce<16, double>(n, 0.0, [p, m](int64_t i) {
      double d = Load<double>(p[i]) - m;
      return d * d;
    }, Plus());
  }
  void Cols(double* acc, int64_t base, int64_t n, int64_t out0) const {
    const T* p = x + base;
    const double* m = mean + out0;
    for (int64_t j = 0; j < n; ++j) {
      double d = Load<double>(p[j]) - m[j];
      acc[j] += d * d;
    }
  }
};

// Sum of exp(x - shift[out]) in double (logsumexp's second pass). Row
// requires shift[out] >= the row's elements, or NaN (see ExpShiftSum).
template <typename T>
struct SumExpOp {
  using C = ComputeType<T>;
  using Acc = double;
  const T* x;
  const C* shift;
  double Init() const { return 0; }
  double Combine(double a, double b) const { return a + b; }
  double Row(int64_t base, int64_t n, int64_t out) const {
    const T* p = x + base;
    if constexpr (std::is_same_v<T, C>) {
      return ExpShiftSum<C>(p, shift[out], nullptr, n);
    } else {
      double total = 0;
      for (int64_t i = 0; i < n; ++i) total += Exp<C>(static_cast<C>(p[i]) - shift[out]);
      return total;
    }
  }
  void Cols(double* acc, int64_t base, int64_t n, int64_t out0) const {
    const T* p = x + base;
    const C* s = shift + out0;
    for (int64_t j = 0; j < n; ++j) acc[j] += Exp<C>(static_cast<C>(p[j]) - s[j]);
  }
};

// --- Single-pass ops for row layouts ------------------------------------------------------
//
// In row mode these read each element from memory once: Row splits its range
// into blocks that stay in L1, makes two passes over each block and merges
// block results. Their Cols are plain online updates (correct, not fast):
// the kernels use two-pass ops for column layouts.

inline constexpr int64_t kBlock = 4096;

// Count, mean and sum of squared deviations (M2).
struct Moments {
  double n = 0;
  double mean = 0;
  double m2 = 0;
};

// Chan et al.'s pairwise update: exact for any split.
inline Moments CombineMoments(const Moments& a, const Moments& b) {
  if (b.n == 0) return a;
  if (a.n == 0) return b;
  const double n = a.n + b.n;
  const double delta = b.mean - a.mean;
  return {n, a.mean + delta * (b.n / n), a.m2 + b.m2 + delta * delta * (a.n * b.n / n)};
}

// Note [One-pass moments about a shift]
// var over float rows read each block of kBlock elements twice (its sum,
// then its squared deviations from the mean, from L1), and the second pass
// left memory idle: 36-40 GB/s where a sum reads 64-68. A block's moments
// now come from one pass over d = x - k, with k the mean of its first 16
// elements: s1 = sum d, s2 = sum d^2, mean = k + s1 / n and
// M2 = s2 - s1^2 / n. The subtraction cancels s2's leading digits where k
// is far from the mean, since s2 = M2 + n (mean - k)^2; where
// n (mean - k)^2 > M2 (s2 > 2 M2: more than one digit of cancellation
// against the float lanes' rounding, whose error is relative to s2), and
// where the sums are not finite, the block falls back to the two passes
// (it is still in L1 or L2). For i.i.d. data, n (mean - k)^2 averages M2 / 16
// and the fallback is rare; a trend across a block (a sorted row) takes it.
// bench:cpu_reduction_benchmark's var over [4096, 4096]: 44.3-44.6 GB/s
// (0.61-0.63 of the paired copy) before, 49.5-53.2 (0.69-0.72) after. No
// software prefetch: like a sum, one pass streams at the rate the hardware
// prefetcher keeps up with (prefetching the next 16 KiB measured the same).
inline std::optional<Moments> OnePassMoments(const float* p, int64_t len) {
  const int64_t head = std::min<int64_t>(len, 16);
  float k = 0;
  for (int64_t i = 0; i < head; ++i) k += p[i];
  k /= static_cast<float>(head);
  double s1, s2;
  ByIsa(&ShiftedMomentsAvx512, &ShiftedMomentsLoop<Avx2>, p, k, len, kSumBlock, &s1, &s2);
  const double n = static_cast<double>(len);
  const double m2 = s2 - s1 * (s1 / n);
  if (!(std::isfinite(s2) && 2 * m2 >= s2)) return std::nullopt;
  return Moments{n, static_cast<double>(k) + s1 / n, m2};
}

template <typename T>
struct MomentsOp {
  using Acc = Moments;
  const T* x;
  Moments Init() const { return {}; }
  Moments Combine(const Moments& a, const Moments& b) const { return CombineMoments(a, b); }
  Moments Row(int64_t base, int64_t n, int64_t) const {
    Moments total;
    for (int64_t b = 0; b < n; b += kBlock) {
      const T* p = x + base + b;
      const int64_t len = std::min(kBlock, n - b);
      if constexpr (std::is_same_v<T, float>) {
        if (std::optional<Moments> m = OnePassMoments(p, len)) {
          total = CombineMoments(total, *m);
          continue;
        }
      }
      const double mean = SumOp<T, double>{p}.Row(0, len, 0) / static_cast<double>(len);
      const double m2 = SqDevOp<T>{p, &mean}.Row(0, len, 0);
      total = CombineMoments(total, {static_cast<double>(len), mean, m2});
    }
    return total;
  }
  void Cols(Moments* acc, int64_t base, int64_t n, int64_t) const {
    const T* p = x + base;
    for (int64_t j = 0; j < n; ++j) {  // Welford.
      const double v = Load<double>(p[j]);
      Moments& a = acc[j];
      a.n += 1;
      const double d = v - a.mean;
      a.mean += d / a.n;
      a.m2 += d * (v - a.mean);
    }
  }
};

// log(sum) + shift, the running state of logsumexp.
struct ShiftedSum {
  double shift = 0;
  double sum = 0;
};

inline ShiftedSum CombineShifted(const ShiftedSum& a, const ShiftedSum& b) {
  if (a.sum == 0) return b;  // log(0): the identity.
  if (b.sum == 0) return a;
  if (std::isinf(a.sum) || std::isinf(b.sum)) return {0, a.sum + b.sum};  // +inf (NaN stays NaN).
  const double m = MaxNan()(a.shift, b.shift);
  return {m, a.sum * std::exp(a.shift - m) + b.sum * std::exp(b.shift - m)};
}

template <typename T>
struct LogSumExpOp {
  using C = ComputeType<T>;
  using Acc = ShiftedSum;
  const T* x;
  // The shift of a block with max m: m, or 0 where m is infinite (as
  // PyTorch, so that all -inf gives -inf and +inf gives +inf).
  static C Shift(C m) { return std::isinf(m) ? C(0) : m; }
  ShiftedSum Init() const { return {}; }
  ShiftedSum Combine(const ShiftedSum& a, const ShiftedSum& b) const { return CombineShifted(a, b); }
  ShiftedSum Row(int64_t base, int64_t n, int64_t) const {
    ShiftedSum total;
    for (int64_t b = 0; b < n; b += kBlock) {
      const T* p = x + base + b;
      const int64_t len = std::min(kBlock, n - b);
      const C m = MinMaxOp<T, true>{p}.Row(0, len, 0);
      if (m == std::numeric_limits<C>::infinity()) {
        // exp(inf - 0) = inf; no NaN, or m would be NaN.
        total = CombineShifted(total, {0, std::numeric_limits<double>::infinity()});
        continue;
      }
      const C shift = Shift(m);
      total = CombineShifted(total, {static_cast<double>(shift), SumExpOp<T>{p, &shift}.Row(0, len, 0)});
    }
    return total;
  }
  void Cols(ShiftedSum* acc, int64_t base, int64_t n, int64_t) const {
    const T* p = x + base;
    for (int64_t j = 0; j < n; ++j) {
      const C v = static_cast<C>(p[j]);
      const C shift = Shift(v);
      acc[j] = CombineShifted(acc[j], {static_cast<double>(shift), static_cast<double>(Exp<C>(v - shift))});
    }
  }
};

}  // namespace aot::cpu

#endif  // AOT_BACKENDS_CPU_REDUCE_UTILS_H_
