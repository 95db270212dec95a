// The row loops of the softmax family, logsumexp and amax/amin over float
// rows, written once over a vector Isa (Note [One loop for every vector
// width], vec_math.h) and instantiated for AVX2 (reduce_utils.h,
// nn_kernels.cc) and AVX-512F (row_avx512.cc). Each row's last, partial
// vector is handled with masked loads and stores, which read and write no
// memory past the row. Private to aot/backends/cpu.
#ifndef AOT_BACKENDS_CPU_ROW_LOOPS_H_
#define AOT_BACKENDS_CPU_ROW_LOOPS_H_

#include <algorithm>
#include <cstdint>
#include <limits>

#include "aot/backends/cpu/vec_math.h"

namespace aot::cpu {

// exp(d) for ExpShiftSumLoop: ExpBounded where the exps are stored, and
// ExpForSum where only their sum is kept (Note [A cheaper exp for sums]).
template <typename Isa, bool kStore>
inline typename Isa::V ExpTerm(typename Isa::V d) {
  if constexpr (kStore) {
    return ExpBounded<Isa>(d);
  } else {
    return ExpForSum<Isa>(d);
  }
}

// ExpShiftSumLoop's last n (< Isa::kLanes) elements, in float, with masked
// loads and stores. Kept out of the loop's body: inlined there, its masks
// and constants made the AVX2 loop spill its accumulators (22% slower).
template <typename Isa, bool kStore>
[[gnu::noinline]] float ExpShiftSumTail(const float* x, float shift, float* y, int64_t n) {
  using V = typename Isa::V;
  // Masked-off lanes load 0 and add 0.
  const typename Isa::Mask m = Isa::FirstLanes(n);
  const V e = ExpTerm<Isa, kStore>(Isa::Sub(Isa::LoadMasked(m, x, Isa::Zero()), Isa::Set1(shift)));
  if constexpr (kStore) Isa::StoreMasked(m, y, e);
  return Isa::ReduceAdd(Isa::Select(m, e, Isa::Zero()));
}

// Writes y[i] = exp(x[i] - shift) (y may be null: not stored) for i in
// [0, n) and returns their sum: in float within blocks of `block` elements
// (four accumulators), in double across blocks. Prefetches the elements
// `ahead` past each one (Note [Prefetching the next block]), and y's for
// writing when storing a row of at most `ahead` elements (Note
// [Prefetching the next row's output]). Requires
// x[i] - shift <= 89 or NaN. Without y, a cheaper exp (ExpTerm).
template <typename Isa, bool kStore>
double ExpShiftSumLoop(const float* x, float shift, float* y, int64_t n, int64_t block, int64_t ahead) {
  using V = typename Isa::V;
  constexpr int64_t kL = Isa::kLanes;
  const V sh = Isa::Set1(shift);
  auto exp_at = [&](const float* p) { return ExpTerm<Isa, kStore>(Isa::Sub(Isa::Load(p), sh)); };
  // See Note [Prefetching the next row's output].
  const bool prefetch_out = kStore && n <= ahead;
  ahead = std::min(n, ahead);
  double total = 0;
  for (int64_t b = 0; b < n; b += block) {
    const int64_t len = std::min(block, n - b);
    const float* in = x + b;
    float* out = kStore ? y + b : nullptr;
    V a0 = Isa::Zero(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 4 * kL <= len; i += 4 * kL) {
      // One prefetch per cache line of 16 floats.
      for (int64_t k = 0; k < 4 * kL; k += 16) {
        PrefetchAt(in + i + k, ahead);
        if (prefetch_out) PrefetchForWriteAt(out + i + k, ahead);
      }
      const V e0 = exp_at(in + i), e1 = exp_at(in + i + kL), e2 = exp_at(in + i + 2 * kL), e3 = exp_at(in + i + 3 * kL);
      if constexpr (kStore) {
        Isa::Store(out + i, e0);
        Isa::Store(out + i + kL, e1);
        Isa::Store(out + i + 2 * kL, e2);
        Isa::Store(out + i + 3 * kL, e3);
      }
      a0 = Isa::Add(a0, e0);
      a1 = Isa::Add(a1, e1);
      a2 = Isa::Add(a2, e2);
      a3 = Isa::Add(a3, e3);
    }
    for (; i + kL <= len; i += kL) {
      const V e = exp_at(in + i);
      if constexpr (kStore) Isa::Store(out + i, e);
      a0 = Isa::Add(a0, e);
    }
    total += static_cast<double>(Isa::ReduceAdd(Isa::Add(Isa::Add(a0, a1), Isa::Add(a2, a3))));
    if (i < len) total += ExpShiftSumTail<Isa, kStore>(in + i, shift, kStore ? out + i : nullptr, len - i);
  }
  return total;
}

// The sum of x[i] (kSqDev false) or of (x[i] - m)^2 (kSqDev true) for i
// in [0, n): in float within blocks of `block` elements (four
// accumulators), in double across blocks. Prefetches the elements `ahead`
// past each one where `ahead` > 0: a second pass over a row in L1 (the
// squared deviations, after the row's mean) otherwise leaves memory idle
// (Note [Prefetching the next block], reduce_utils.h).
template <typename Isa, bool kSqDev>
double BlockSumLoop(const float* x, float m, int64_t n, int64_t block, int64_t ahead) {
  using V = typename Isa::V;
  constexpr int64_t kL = Isa::kLanes;
  const V mv = Isa::Set1(m);
  auto add = [&](V acc, V v) {
    if constexpr (kSqDev) {
      const V d = Isa::Sub(v, mv);
      return Isa::FmAdd(d, d, acc);
    } else {
      return Isa::Add(acc, v);
    }
  };
  // What masked-off lanes load: a deviation of 0, or 0.
  const V fill = kSqDev ? mv : Isa::Zero();
  ahead = std::min(n, ahead);
  double total = 0;
  for (int64_t b = 0; b < n; b += block) {
    const int64_t len = std::min(block, n - b);
    const float* in = x + b;
    V a0 = Isa::Zero(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 4 * kL <= len; i += 4 * kL) {
      if (ahead > 0) {
        for (int64_t k = 0; k < 4 * kL; k += 16) PrefetchAt(in + i + k, ahead);
      }
      a0 = add(a0, Isa::Load(in + i));
      a1 = add(a1, Isa::Load(in + i + kL));
      a2 = add(a2, Isa::Load(in + i + 2 * kL));
      a3 = add(a3, Isa::Load(in + i + 3 * kL));
    }
    for (; i + kL <= len; i += kL) a0 = add(a0, Isa::Load(in + i));
    if (i < len) a1 = add(a1, Isa::LoadMasked(Isa::FirstLanes(len - i), in + i, fill));
    total += static_cast<double>(Isa::ReduceAdd(Isa::Add(Isa::Add(a0, a1), Isa::Add(a2, a3))));
  }
  return total;
}

// The sums of d = x[i] - k and of d^2 for i in [0, n) in one pass, into
// *s1 and *s2: in float within blocks of `block` elements (two accumulators
// each), in double across blocks; no software prefetch, as for a sum. The
// one-pass moments of MomentsOp (Note [One-pass moments about a shift],
// reduce_utils.h).
template <typename Isa>
void ShiftedMomentsLoop(const float* x, float k, int64_t n, int64_t block, double* s1, double* s2) {
  using V = typename Isa::V;
  constexpr int64_t kL = Isa::kLanes;
  const V kv = Isa::Set1(k);
  double t1 = 0, t2 = 0;
  for (int64_t b = 0; b < n; b += block) {
    const int64_t len = std::min(block, n - b);
    const float* in = x + b;
    V a0 = Isa::Zero(), a1 = a0, q0 = a0, q1 = a0;
    int64_t i = 0;
    for (; i + 2 * kL <= len; i += 2 * kL) {
      const V d0 = Isa::Sub(Isa::Load(in + i), kv), d1 = Isa::Sub(Isa::Load(in + i + kL), kv);
      a0 = Isa::Add(a0, d0);
      a1 = Isa::Add(a1, d1);
      q0 = Isa::FmAdd(d0, d0, q0);
      q1 = Isa::FmAdd(d1, d1, q1);
    }
    for (; i < len; i += kL) {
      // Masked-off lanes load k: a deviation of 0.
      const V d = Isa::Sub(len - i >= kL ? Isa::Load(in + i) : Isa::LoadMasked(Isa::FirstLanes(len - i), in + i, kv), kv);
      a0 = Isa::Add(a0, d);
      q0 = Isa::FmAdd(d, d, q0);
    }
    t1 += static_cast<double>(Isa::ReduceAdd(Isa::Add(a0, a1)));
    t2 += static_cast<double>(Isa::ReduceAdd(Isa::Add(q0, q1)));
  }
  *s1 = t1;
  *s2 = t2;
}

// The sum of x[i] for i in [0, n) (BlockSumLoop).
template <typename Isa>
double SumLoop(const float* x, int64_t n, int64_t block, int64_t ahead) {
  return BlockSumLoop<Isa, false>(x, 0.0f, n, block, ahead);
}

// The sum of (x[i] - m)^2 for i in [0, n) (BlockSumLoop).
template <typename Isa>
double SqDevSumLoop(const float* x, float m, int64_t n, int64_t block, int64_t ahead) {
  return BlockSumLoop<Isa, true>(x, m, n, block, ahead);
}

// Writes y[j] for j in [0, n) a vector at a time: full(j) is the vector of
// elements j.. j + kLanes - 1, part(j, mask) that of the first lanes of
// `mask` (its loads masked too, reading nothing past the row), and
// before(j) runs before each full vector (prefetches). Where `stream` the
// full vectors from y's first vector boundary on go out with streaming
// stores, the few before it and the last partial one with masked plain
// ones, and the loop ends with an sfence (Note [Streaming stores],
// vec_math.h).
template <typename Isa, typename Full, typename Part, typename Before>
inline void WriteRow(float* y, int64_t n, bool stream, const Full& full, const Part& part, const Before& before) {
  constexpr int64_t kL = Isa::kLanes;
  int64_t j = 0;
  if (stream) {
    constexpr uintptr_t kVecBytes = kL * sizeof(float);
    const uintptr_t off = reinterpret_cast<uintptr_t>(y) % kVecBytes;
    const int64_t head = std::min<int64_t>(n, off == 0 ? 0 : static_cast<int64_t>((kVecBytes - off) / sizeof(float)));
    if (head > 0) {
      const typename Isa::Mask mask = Isa::FirstLanes(head);
      Isa::StoreMasked(mask, y, part(0, mask));
      j = head;
    }
    for (; j + kL <= n; j += kL) {
      before(j);
      Isa::Stream(y + j, full(j));
    }
  } else {
    for (; j + kL <= n; j += kL) {
      before(j);
      Isa::Store(y + j, full(j));
    }
  }
  if (j < n) {
    const typename Isa::Mask mask = Isa::FirstLanes(n - j);
    Isa::StoreMasked(mask, y + j, part(j, mask));
  }
  if (stream) _mm_sfence();
}

// Note [Prefetching the next row's output]
// A row kernel's stores to a row of y first read each line of it from
// memory (a plain store owns the line before writing it), and nothing
// prefetches those reads: the hardware prefetcher follows x. So a loop
// that writes a row of at most `ahead` elements (a row of 4096 floats, for
// softmax and layer_norm over [4096, 4096]) also prefetches, for writing
// (prefetchw), the element `ahead` past each one of y: the next row's
// output, which then is owned by the time that row is written. Softmax over
// rows (its exp pass stores) went from 39.4-42.8 to 43.7-48.9 GB/s in
// back-to-back two-thread runs, layer_norm from 38.5-44.0 to 39.6-47.4 (and
// 22.0-23.8 to 23.6-25.5 on one thread; docs/design/cpu_backend.md). A long
// row does without: prefetching its own output 16 KiB ahead made the
// one-thread softmax of a 16M row 12% slower. Prefetching log_softmax's
// output the same way (from its output pass) gained nothing, so it has none.
// A streamed output (WriteRow) is not prefetched: its stores read nothing.
//
// y[j] = (x[j] - m) * r * w[j] + b[j] for j in [0, n), without w (kW
// false: 1) or b (kB false: 0): layer_norm's output, as the scalar
// expression compiles (the multiply by w and the add of b fused).
// Prefetches the elements `ahead` past each x[j], and y's for writing when
// n <= ahead (Note [Prefetching the next row's output]) unless it streams
// y (`stream`, WriteRow).
template <typename Isa, bool kW, bool kB>
void NormalizeRowLoop(const float* x, float m, float r, const float* w, const float* b, float* y, int64_t n,
                      int64_t ahead, bool stream) {
  using V = typename Isa::V;
  using Mask = typename Isa::Mask;
  constexpr int64_t kL = Isa::kLanes;
  const V mv = Isa::Set1(m), rv = Isa::Set1(r);
  auto at = [&](V xv, V wv, V bv) {
    const V t = Isa::Mul(Isa::Sub(xv, mv), rv);
    if constexpr (kW && kB) return Isa::FmAdd(t, wv, bv);
    if constexpr (kW) return Isa::Mul(t, wv);
    if constexpr (kB) return Isa::Add(t, bv);
    return t;
  };
  auto load = [](bool use, const float* p) { return use ? Isa::Load(p) : Isa::Zero(); };
  auto load_masked = [](bool use, Mask mask, const float* p) {
    return use ? Isa::LoadMasked(mask, p, Isa::Zero()) : Isa::Zero();
  };
  const bool prefetch_out = !stream && n <= ahead;
  WriteRow<Isa>(
      y, n, stream, [&](int64_t j) { return at(Isa::Load(x + j), load(kW, w + j), load(kB, b + j)); },
      [&](int64_t j, Mask mask) {
        return at(Isa::LoadMasked(mask, x + j, Isa::Zero()), load_masked(kW, mask, w + j),
                  load_masked(kB, mask, b + j));
      },
      [&](int64_t j) {
        // Once per cache line of 16 floats (from any start: see WriteRow).
        if ((j & 15) < kL) {
          PrefetchAt(x + j, ahead);
          if (prefetch_out) PrefetchForWriteAt(y + j, ahead);
        }
      });
}

// NormalizeRowLoop for any w and b (null: absent), streaming y or not.
template <typename Isa>
void NormalizeRow(const float* x, float m, float r, const float* w, const float* b, float* y, int64_t n,
                  int64_t ahead, bool stream) {
  if (w != nullptr && b != nullptr) {
    NormalizeRowLoop<Isa, true, true>(x, m, r, w, b, y, n, ahead, stream);
  } else if (w != nullptr) {
    NormalizeRowLoop<Isa, true, false>(x, m, r, w, b, y, n, ahead, stream);
  } else if (b != nullptr) {
    NormalizeRowLoop<Isa, false, true>(x, m, r, w, b, y, n, ahead, stream);
  } else {
    NormalizeRowLoop<Isa, false, false>(x, m, r, w, b, y, n, ahead, stream);
  }
}

// y[j] = exp(x[j] - m) * scale for j in [0, n), where m >= x[j] or NaN.
template <typename Isa>
void ExpScaleLoop(const float* x, float m, float scale, float* y, int64_t n) {
  using V = typename Isa::V;
  constexpr int64_t kL = Isa::kLanes;
  const V mv = Isa::Set1(m), sv = Isa::Set1(scale);
  int64_t j = 0;
  for (; j + kL <= n; j += kL) Isa::Store(y + j, Isa::Mul(ExpBounded<Isa>(Isa::Sub(Isa::Load(x + j), mv)), sv));
  if (j < n) {
    const typename Isa::Mask mask = Isa::FirstLanes(n - j);
    const V e = ExpBounded<Isa>(Isa::Sub(Isa::LoadMasked(mask, x + j, Isa::Zero()), mv));
    Isa::StoreMasked(mask, y + j, Isa::Mul(e, sv));
  }
}

// y[j] *= scale for j in [0, n): softmax's output pass.
template <typename Isa>
void ScaleLoop(float* y, float scale, int64_t n) {
  const typename Isa::V sv = Isa::Set1(scale);
  int64_t j = 0;
  for (; j + Isa::kLanes <= n; j += Isa::kLanes) Isa::Store(y + j, Isa::Mul(Isa::Load(y + j), sv));
  if (j < n) {
    const typename Isa::Mask mask = Isa::FirstLanes(n - j);
    Isa::StoreMasked(mask, y + j, Isa::Mul(Isa::LoadMasked(mask, y + j, Isa::Zero()), sv));
  }
}

// y[j] = (x[j] - m) - c for j in [0, n): log_softmax's output, the exact
// shift first, as PyTorch (m + c would round at the magnitude of m),
// streaming y or not (WriteRow).
template <typename Isa>
void ShiftSubLoop(const float* x, float m, float c, float* y, int64_t n, bool stream) {
  using V = typename Isa::V;
  const V mv = Isa::Set1(m), cv = Isa::Set1(c);
  auto full = [&](int64_t j) { return Isa::Sub(Isa::Sub(Isa::Load(x + j), mv), cv); };
  auto part = [&](int64_t j, typename Isa::Mask mask) {
    return Isa::Sub(Isa::Sub(Isa::LoadMasked(mask, x + j, Isa::Zero()), mv), cv);
  };
  WriteRow<Isa>(y, n, stream, full, part, [](int64_t) {});
}

// The max (kMax) or min of x[0, n): NaN if any element is NaN (vmaxps
// drops a NaN in its first operand, so NaN is tracked apart), -inf (+inf
// for the min) when n is 0.
template <typename Isa, bool kMax>
float MinMaxLoop(const float* x, int64_t n) {
  using V = typename Isa::V;
  constexpr int64_t kL = Isa::kLanes;
  const V init = Isa::Set1(kMax ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity());
  auto comb = [](V a, V b) { return kMax ? Isa::Max(a, b) : Isa::Min(a, b); };
  V a0 = init, a1 = init, a2 = init, a3 = init;
  typename Isa::Mask nan = Isa::NoLanes();
  int64_t i = 0;
  for (; i + 4 * kL <= n; i += 4 * kL) {
    const V v0 = Isa::Load(x + i), v1 = Isa::Load(x + i + kL);
    const V v2 = Isa::Load(x + i + 2 * kL), v3 = Isa::Load(x + i + 3 * kL);
    a0 = comb(a0, v0);
    a1 = comb(a1, v1);
    a2 = comb(a2, v2);
    a3 = comb(a3, v3);
    nan = Isa::Or(nan, Isa::Or(Isa::Unordered(v0, v1), Isa::Unordered(v2, v3)));
  }
  for (; i < n; i += kL) {
    // Lanes past the end load the identity.
    const V v = n - i >= kL ? Isa::Load(x + i) : Isa::LoadMasked(Isa::FirstLanes(n - i), x + i, init);
    a0 = comb(a0, v);
    nan = Isa::Or(nan, Isa::Unordered(v, v));
  }
  if (Isa::Any(nan)) return std::numeric_limits<float>::quiet_NaN();
  const V v = comb(comb(a0, a1), comb(a2, a3));
  return kMax ? Isa::ReduceMax(v) : Isa::ReduceMin(v);
}

}  // namespace aot::cpu

#endif  // AOT_BACKENDS_CPU_ROW_LOOPS_H_
