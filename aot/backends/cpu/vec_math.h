// Vectorised float math for the CPU kernels (8 floats per AVX2 register),
// private to aot/backends/cpu: exp (a degree-6 minimax polynomial, within
// 1.1 ulp), exp of a two-float argument, sin and cos (within 2.1 ulp), a
// rational erf, and gelu's normal CDF. Branch-free, so that callers can
// inline them into their loops. The exp, sin and cos are written once over
// the vector width (ExpBounded<Isa>, SinCosSmall<Isa>; Note [One loop for
// every vector width]), the exp's scalar form ExpF in reduce_utils.h.
#ifndef AOT_BACKENDS_CPU_VEC_MATH_H_
#define AOT_BACKENDS_CPU_VEC_MATH_H_

#include <immintrin.h>

#include <cstdint>

namespace aot::cpu {

// exp(hi + lo) for |lo| <= ~1e-6 * max(1, |hi|) (lo may be 0): Cephes' expf
// polynomial on r = hi - n ln 2 + lo, with the scale applied as 2^(n-1) so
// that it stays a normal float for n = 128. Within 1 ulp for results above
// 2^-125; smaller results flush to 0; hi > ln(FLT_MAX) gives inf; a NaN `hi`
// gives NaN.
inline __m256 ExpHiLoF8(__m256 hi, __m256 lo) {
  // Clamping keeps n = round(hi / ln 2) in [-126, 128]; at n = -126 the
  // scale below has a zero exponent field, which makes the result 0.
  // max/min return their second operand for NaN, so NaN is restored last.
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(hi, _mm256_set1_ps(-87.6f)), _mm256_set1_ps(88.8f));
  const __m256 nf = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(0.693359375f), xc);
  r = _mm256_fnmadd_ps(nf, _mm256_set1_ps(-2.12194440e-4f), r);
  r = _mm256_add_ps(r, lo);
  // 2 exp(r), with the polynomial's coefficients doubled (exactly).
  __m256 y = _mm256_set1_ps(2 * 1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(2 * 1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(2 * 8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(2 * 4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(2 * 1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(2 * 5.0000001201e-1f));
  y = _mm256_fmadd_ps(_mm256_mul_ps(y, r), r, _mm256_fmadd_ps(_mm256_set1_ps(2.0f), r, _mm256_set1_ps(2.0f)));
  const __m256i n = _mm256_cvtps_epi32(nf);
  const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(126)), 23));
  const __m256 res = _mm256_mul_ps(y, scale);
  return _mm256_blendv_ps(res, hi, _mm256_cmp_ps(hi, hi, _CMP_UNORD_Q));
}

// Prefetches the cache line of p[ahead] into L1. The address is computed as
// an integer: it may lie past the end of the array.
inline void PrefetchAt(const float* p, int64_t ahead) {
  _mm_prefetch(reinterpret_cast<const char*>(reinterpret_cast<uintptr_t>(p) + ahead * sizeof(float)), _MM_HINT_T0);
}

// Prefetches the cache line holding p into L1, for writing when
// `for_write` (prefetchw, which Intel CPUs before Broadwell execute as a
// no-op), so that a later store to it finds the line owned instead of first
// reading it from memory. Inline asm: GCC 12 drops _mm_prefetch from some
// loops. A prefetch never faults, so p may lie past the end of an array.
inline void PrefetchLine(const void* p, bool for_write) {
  const char* q = static_cast<const char*>(p);
  if (for_write) {
    asm volatile("prefetchw %0" : : "m"(*q));
  } else {
    asm volatile("prefetcht0 %0" : : "m"(*q));
  }
}

// Note [Streaming stores]
// A plain store first reads the line it writes (64 bytes in for every 64
// out); a non-temporal (streaming) store does not, but leaves the line out
// of the cache. Kernels whose output is kStreamingStoreBytes or more stream
// it: an output that size would not stay in the cache for the next op
// anyway. The threshold is half of this machine's 32 MiB L3: below it the
// next op may still find the output in the cache, which streaming would
// forfeit. Streamed stores are weakly ordered: each loop that streams ends
// with an sfence. Users: the elementwise engine's strided tiles (Note
// [Streaming the output], elementwise.h) and the layer_norm and
// log_softmax output loops (WriteRow, row_loops.h).
inline constexpr int64_t kStreamingStoreBytes = int64_t{16} << 20;

// Prefetches the cache line of p[ahead] for writing (PrefetchLine). The
// address is computed as an integer: it may lie past the end of the array.
inline void PrefetchForWriteAt(float* p, int64_t ahead) {
  PrefetchLine(reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(p) + ahead * sizeof(float)), true);
}

// Note [Fast expf]
// ExpF8 (and its scalar twin ExpF in reduce_utils.h) is the exp of the
// softmax family and logsumexp, which it bounds: they read each element
// once, so the exp is nearly all of their arithmetic. It spends 14 vector
// operations per 8 floats, 13 without the upper clamp (ExpBoundedF8), where
// ExpHiLoF8 above spends 21:
//   - the clamps keep NaN, which max/min return when it is their second
//     operand, so no compare-and-blend restores it;
//   - n = round(x / ln 2) comes from adding 1.5 * 2^23 + 126 in the same
//     FMA that multiplies by 1 / ln 2: the float's low mantissa bits are then
//     n + 126, and shifting them into the exponent field gives the scale
//     2^(n - 1) directly (no round, convert or add);
//   - r = x - n ln 2 in two FMAs (Cody and Waite's split of ln 2, whose high
//     part times n is exact);
//   - exp(r) on |r| <= ln(2) / 2 is a degree-6 minimax polynomial (Remez for
//     relative error, 1.9e-9; c0 and c1 round to 1 in float), with every
//     coefficient doubled (exactly) to go with the 2^(n - 1) scale, which
//     stays a normal float for n = 128.
// Within 1.06 ulp of the correctly rounded exp for results of at least
// 2^-125.5 (every float checked when it was written; vec_math_test checks
// every 23rd and the edges of the reduction); smaller results (x < -86.98999)
// flush to 0, an absolute error below 1.7e-38, nothing next to the other
// terms of a softmax; x > ln(FLT_MAX) gives inf, -inf gives 0 and NaN stays
// NaN. A degree-5 polynomial would save one FMA (about 5% of a softmax) for
// about 2 ulp; Cephes' degree-7 one costs one more.
inline constexpr float kExpLo = -87.6f;  // n = -126: scale 0, so the result is 0.
inline constexpr float kExpHi = 88.8f;   // n = 128: the result overflows to inf.
inline constexpr float kExpLog2e = 1.44269504088896341f;
inline constexpr float kExpShifter = 12582912.0f + 126.0f;  // 1.5 * 2^23 + 126.
inline constexpr float kExpLn2Hi = 0.693359375f;            // 9 significant bits.
inline constexpr float kExpLn2Lo = -2.12194440e-4f;
// 2 * (c0 .. c6); c0 and c1 are 1 once rounded to float.
inline constexpr float kExpC2 = 2 * 4.9999991985e-01f;
inline constexpr float kExpC3 = 2 * 1.6666418208e-01f;
inline constexpr float kExpC4 = 2 * 4.1668238062e-02f;
inline constexpr float kExpC5 = 2 * 8.3749809903e-03f;
inline constexpr float kExpC6 = 2 * 1.3836637280e-03f;

// Note [One loop for every vector width]
// The exp below and the row loops of row_loops.h are written once, over an
// "Isa": a struct naming the vector type, its lanes and the operations the
// code uses (Avx2 here, Avx512 in row_avx512.cc, the one file built for
// AVX-512F, and Scalar for one float), so that the 8-lane, 16-lane and
// scalar forms cannot drift apart and give the same bits per element.
// Each instantiation lives in a file built for its ISA; a template is only
// instantiated with an Isa whose instructions its file may use.
struct Avx2 {
  using V = __m256;
  using Mask = __m256;  // All ones in the lanes that take part.
  static constexpr int kLanes = 8;
  static V Set1(float f) { return _mm256_set1_ps(f); }
  static V Zero() { return _mm256_setzero_ps(); }
  static V Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static void Stream(float* p, V v) { _mm256_stream_ps(p, v); }  // p aligned to 32 bytes.
  static V Add(V a, V b) { return _mm256_add_ps(a, b); }
  static V Sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V Mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V Div(V a, V b) { return _mm256_div_ps(a, b); }
  // max/min return b where either is NaN.
  static V Max(V a, V b) { return _mm256_max_ps(a, b); }
  static V Min(V a, V b) { return _mm256_min_ps(a, b); }
  static V FmAdd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }   // a * b + c
  static V FnmAdd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }  // c - a * b
  // The float whose exponent field holds t's low mantissa bits.
  static V ShiftIntoExponent(V t) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23)); }
  static float ReduceAdd(V v) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    h = _mm_add_ss(h, _mm_movehdup_ps(h));
    return _mm_cvtss_f32(h);
  }
  // The first n (< kLanes) lanes.
  static Mask FirstLanes(int64_t n) {
    return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
  }
  // Loads the lanes of m (the others are `fill`; their memory is not read).
  static V LoadMasked(Mask m, const float* p, V fill) {
    return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, _mm256_castps_si256(m)), m);
  }
  static void StoreMasked(Mask m, float* p, V v) { _mm256_maskstore_ps(p, _mm256_castps_si256(m), v); }
  // v in the lanes of m, `other` elsewhere.
  static V Select(Mask m, V v, V other) { return _mm256_blendv_ps(other, v, m); }
  // The max and min of the lanes (none NaN).
  static float ReduceMax(V v) {
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_max_ss(h, _mm_movehdup_ps(h)));
  }
  static float ReduceMin(V v) {
    __m128 h = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_min_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_min_ss(h, _mm_movehdup_ps(h)));
  }
  // The lanes where a or b is NaN, and their union.
  static Mask Unordered(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_UNORD_Q); }
  static Mask Or(Mask a, Mask b) { return _mm256_or_ps(a, b); }
  static bool Any(Mask m) { return _mm256_movemask_ps(m) != 0; }
  static Mask NoLanes() { return _mm256_setzero_ps(); }
  static V Xor(V a, V b) { return _mm256_xor_ps(a, b); }
  // s with the sign bit of y or'ed in.
  static V OrSignOf(V s, V y) { return _mm256_or_ps(s, _mm256_and_ps(y, _mm256_set1_ps(-0.0f))); }
  // -0.0 where t's lowest mantissa bit is set, +0.0 elsewhere.
  static V SignOfLowBit(V t) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 31)); }
  // The lanes where |x| <= bound (NaN: not).
  static Mask AbsAtMost(V x, float bound) {
    return _mm256_cmp_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x), _mm256_set1_ps(bound), _CMP_LE_OQ);
  }
  static bool All(Mask m) { return _mm256_movemask_ps(m) == 0xff; }
};

// exp(x) for x < 89.7 (n <= 129) or NaN on the lanes of Isa (Note [Fast
// expf]): ExpF8 without its upper clamp, for arguments that cannot
// overflow, such as x - max(x) in softmax and logsumexp (one vector
// operation less). The same bits as ExpF8 for x <= 88.8.
// The first steps of ExpBounded and ExpForSum: x clamped below (xc), the
// shifted t whose low mantissa bits hold n + 126, and n as a float (nf).
template <typename Isa>
struct ExpSplit {
  using V = typename Isa::V;
  V xc, t, nf;
  explicit ExpSplit(V x)
      : xc(Isa::Max(Isa::Set1(kExpLo), x)),
        t(Isa::FmAdd(xc, Isa::Set1(kExpLog2e), Isa::Set1(kExpShifter))),
        nf(Isa::Sub(t, Isa::Set1(kExpShifter))) {}
};

template <typename Isa>
inline typename Isa::V ExpBounded(typename Isa::V x) {
  using V = typename Isa::V;
  const auto [xc, t, nf] = ExpSplit<Isa>(x);
  V r = Isa::FnmAdd(nf, Isa::Set1(kExpLn2Hi), xc);
  r = Isa::FnmAdd(nf, Isa::Set1(kExpLn2Lo), r);
  V y = Isa::FmAdd(Isa::Set1(kExpC6), r, Isa::Set1(kExpC5));
  y = Isa::FmAdd(y, r, Isa::Set1(kExpC4));
  y = Isa::FmAdd(y, r, Isa::Set1(kExpC3));
  y = Isa::FmAdd(y, r, Isa::Set1(kExpC2));
  y = Isa::FmAdd(y, r, Isa::Set1(2.0f));
  y = Isa::FmAdd(y, r, Isa::Set1(2.0f));
  return Isa::Mul(y, Isa::ShiftIntoExponent(t));
}

// Note [A cheaper exp for sums]
// Where only the sum of exps is kept (logsumexp, the normaliser of
// log_softmax, cross_entropy and a long softmax row), ExpForSum replaces
// ExpBounded: r = x - n ln 2 in one FMA with ln 2 rounded to float, and a
// degree-5 polynomial (1 + r + c2 r^2 + .. + c5 r^5, c2..c5 fitted here for
// relative error by Lawson's iteration on 4000 Chebyshev points of
// [-ln(2)/2, ln(2)/2]: 1.05e-7), so 8 operations on the FMA pipes instead of
// 10, which bound these loops. The rounded ln 2 is 1.9e-9 off, so a term
// exp(x) with x = -k ln 2 is off by up to 1.9e-9 k relative: 2.4e-7 for the
// smallest terms (k = 126), but every term is at most 1 and the sum at
// least 1 (the max's exp(0) is in it), so a term's error counts 2^-k: below
// 1e-8 of the sum. Each term is within 2.5 ulp of exp for x in [-8, 0]
// (2.2 at worst; vec_math_test), so the sum is within 3e-7 relative of one
// of exact exps before its float accumulation's own rounding, and log(sum)
// within 3e-7 absolute. Same domain and NaN behaviour as
// ExpBounded.
inline constexpr float kExpLn2F = 0.693147182f;  // ln 2 rounded to float.
// 2 * (c2 .. c5), to go with the 2^(n - 1) scale as in ExpBounded.
inline constexpr float kExpSumC2 = 2 * 0.49999231790409815f;
inline constexpr float kExpSumC3 = 2 * 0.16667114464886082f;
inline constexpr float kExpSumC4 = 2 * 0.041890113275242044f;
inline constexpr float kExpSumC5 = 2 * 0.008312524945340651f;

template <typename Isa>
inline typename Isa::V ExpForSum(typename Isa::V x) {
  using V = typename Isa::V;
  const auto [xc, t, nf] = ExpSplit<Isa>(x);
  const V r = Isa::FnmAdd(nf, Isa::Set1(kExpLn2F), xc);
  V y = Isa::FmAdd(Isa::Set1(kExpSumC5), r, Isa::Set1(kExpSumC4));
  y = Isa::FmAdd(y, r, Isa::Set1(kExpSumC3));
  y = Isa::FmAdd(y, r, Isa::Set1(kExpSumC2));
  y = Isa::FmAdd(y, r, Isa::Set1(2.0f));
  y = Isa::FmAdd(y, r, Isa::Set1(2.0f));
  return Isa::Mul(y, Isa::ShiftIntoExponent(t));
}

// One float as an Isa of one lane, for scalar tails (ExpF).
struct Scalar {
  using V = float;
  static V Set1(float f) { return f; }
  static V Sub(V a, V b) { return a - b; }
  static V Mul(V a, V b) { return a * b; }
  // As vmaxps/vminps: b where either is NaN.
  static V Max(V a, V b) { return a > b ? a : b; }
  static V Min(V a, V b) { return a < b ? a : b; }
  static V FmAdd(V a, V b, V c) { return __builtin_fmaf(a, b, c); }
  static V FnmAdd(V a, V b, V c) { return __builtin_fmaf(-a, b, c); }
  static V ShiftIntoExponent(V t) {
    uint32_t bits;
    __builtin_memcpy(&bits, &t, sizeof bits);
    bits <<= 23;
    float f;
    __builtin_memcpy(&f, &bits, sizeof f);
    return f;
  }
};

inline __m256 ExpBoundedF8(__m256 x) { return ExpBounded<Avx2>(x); }

// exp(x), 8 lanes at a time; see Note [Fast expf]. The same operations as
// ExpF (reduce_utils.h), so both give the same bits.
inline __m256 ExpF8(__m256 x) { return ExpBoundedF8(_mm256_min_ps(_mm256_set1_ps(kExpHi), x)); }

// Below this x, ExpF8 flushes exp(x) (a subnormal) to 0 where a correctly
// rounded exp would not: the elementwise exp takes another path there.
inline constexpr float kExpSubnormalBelow = -86.9f;

// Note [Fast sinf and cosf]
// SinCosSmall<Isa, kCos> is the elementwise float sin and cos for
// |x| <= kSinCosMax (larger, infinite and NaN arguments take SLEEF's
// 3.5-ulp functions, which the kernels used before):
//   - q = round(x / pi) for sin, and for cos q = m + 1/2 with
//     m = round(x / pi - 1/2), from the shifter trick of Note [Fast expf]
//     (t's low mantissa bit is then the parity of q, resp. of m + 1);
//   - y = x - q pi in four FMAs with pi split as 16 + 16 + 16 + 24 bits
//     (kPiA..kPiD; Cody and Waite): q is a multiple of 1/2 below 2^7, so the
//     first three products are exact, and y keeps its accuracy where x is
//     close to a multiple of pi;
//   - sin(y) on |y| <= pi / 2 is y + y^3 P(y^2), P of degree 3 fitted for
//     relative error (0.1 ulp in exact arithmetic; Lawson's iteration on
//     4000 Chebyshev points);
//   - sin(x) = (-1)^q sin(y) and cos(x) = (-1)^(m + 1) sin(y): the sign is
//     t's low bit moved into the sign bit and xor'ed in (after y's sign is
//     or'ed into sin(y), which keeps sin(-0) = -0).
// 16 vector operations for sin, 18 for cos, inlined; SLEEF's u35 functions
// are calls that also handle the large arguments. Within 2.1 ulp of sin and
// cos (in double) for every float magnitude up to 125 (all 1.1e9 checked
// when written; the worst are near the zeros of cos of the reduced
// argument, where y + y^3 P(y^2) cancels to about 1; vec_math_test checks
// every 1001st, both signs), where SLEEF's promise 3.5.
inline constexpr float kSinCosMax = 125.0f;
inline constexpr float kInvPi = 0.318309886183790671538f;
inline constexpr float kSinCosShifter = 12582912.0f;  // 1.5 * 2^23.
inline constexpr float kPiA = 3.14154052734375f;           // 16 significant bits
inline constexpr float kPiB = 5.212612450122833e-05f;      // 16
inline constexpr float kPiC = 1.2154188766544394e-10f;     // 16
inline constexpr float kPiD = 1.2246468525851679e-16f;     // 24
inline constexpr float kSinC3 = -1.666665971e-01f;
inline constexpr float kSinC5 = 8.333066478e-03f;
inline constexpr float kSinC7 = -1.980959059e-04f;
inline constexpr float kSinC9 = 2.605750751e-06f;

template <typename Isa, bool kCos>
inline typename Isa::V SinCosSmall(typename Isa::V x) {
  using V = typename Isa::V;
  V t, q;
  if constexpr (kCos) {
    // t = m + 1 + 1.5 * 2^23, exactly; q = m + 1/2.
    t = Isa::Add(Isa::FmAdd(x, Isa::Set1(kInvPi), Isa::Set1(-0.5f)), Isa::Set1(kSinCosShifter + 1.0f));
    q = Isa::Sub(Isa::Sub(t, Isa::Set1(kSinCosShifter)), Isa::Set1(0.5f));
  } else {
    t = Isa::FmAdd(x, Isa::Set1(kInvPi), Isa::Set1(kSinCosShifter));
    q = Isa::Sub(t, Isa::Set1(kSinCosShifter));
  }
  V y = Isa::FnmAdd(q, Isa::Set1(kPiA), x);
  y = Isa::FnmAdd(q, Isa::Set1(kPiB), y);
  y = Isa::FnmAdd(q, Isa::Set1(kPiC), y);
  y = Isa::FnmAdd(q, Isa::Set1(kPiD), y);
  const V z = Isa::Mul(y, y);
  V p = Isa::FmAdd(Isa::Set1(kSinC9), z, Isa::Set1(kSinC7));
  p = Isa::FmAdd(p, z, Isa::Set1(kSinC5));
  p = Isa::FmAdd(p, z, Isa::Set1(kSinC3));
  // sin(y) has y's sign; the sum alone gives +0 for y = -0 (x = -0).
  const V s = Isa::OrSignOf(Isa::FmAdd(Isa::Mul(y, z), p, y), y);
  return Isa::Xor(s, Isa::SignOfLowBit(t));
}

// erf(x) as Eigen's and XLA's rational approximation (odd degree 13 over
// even degree 8 on x clamped to [-4, 4]): within ~5.5 ulp of erf, branch-free
// and without exp. NaN stays NaN.
template <typename Isa>
inline typename Isa::V ErfRational(typename Isa::V x_in) {
  using V = typename Isa::V;
  const V x = Isa::Max(Isa::Min(x_in, Isa::Set1(4.f)), Isa::Set1(-4.f));
  const V x2 = Isa::Mul(x, x);
  V p = Isa::FmAdd(x2, Isa::Set1(-2.72614225801306e-10f), Isa::Set1(2.77068142495902e-08f));
  p = Isa::FmAdd(x2, p, Isa::Set1(-2.10102402082508e-06f));
  p = Isa::FmAdd(x2, p, Isa::Set1(-5.69250639462346e-05f));
  p = Isa::FmAdd(x2, p, Isa::Set1(-7.34990630326855e-04f));
  p = Isa::FmAdd(x2, p, Isa::Set1(-2.95459980854025e-03f));
  p = Isa::FmAdd(x2, p, Isa::Set1(-1.60960333262415e-02f));
  p = Isa::Mul(x, p);
  V q = Isa::FmAdd(x2, Isa::Set1(-1.45660718464996e-05f), Isa::Set1(-2.13374055278905e-04f));
  q = Isa::FmAdd(x2, q, Isa::Set1(-1.68282697438203e-03f));
  q = Isa::FmAdd(x2, q, Isa::Set1(-7.37332916720468e-03f));
  q = Isa::FmAdd(x2, q, Isa::Set1(-1.42647390514189e-02f));
  return Isa::Select(Isa::Unordered(x_in, x_in), x_in, Isa::Div(p, q));
}
inline __m256 ErfRationalF8(__m256 x_in) { return ErfRational<Avx2>(x_in); }

// Phi(-|x|) = erfc(|x| / sqrt 2) / 2, relatively accurate for every x (within
// ~8 ulp): erfc(w) = t exp(-w^2 + P(t)), t = 1 / (1 + w / 2), with P
// Numerical Recipes' erfcc polynomial (relative error below 1.2e-7 for all
// w >= 0), and -w^2 + P(t) = -x^2 / 2 + P(t) carried as two floats so that
// the large exponent does not round away the result's accuracy.
inline __m256 NormalTailF8(__m256 x) {
  const __m256 ax = _mm256_min_ps(_mm256_andnot_ps(_mm256_set1_ps(-0.0f), x), _mm256_set1_ps(14.0f));
  const __m256 w = _mm256_mul_ps(ax, _mm256_set1_ps(0.70710678118654752f));
  const __m256 t = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_fmadd_ps(_mm256_set1_ps(0.5f), w, _mm256_set1_ps(1.0f)));
  __m256 p = _mm256_set1_ps(0.17087277f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.82215223f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.48851587f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.13520398f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.27886807f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.18628806f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.09678418f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.37409196f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.00002368f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.26551223f));
  // -x^2 / 2 exactly as sq_hi + sq_lo (FMA; halving is exact), then
  // (-sq_hi / 2) + p as s + err (TwoSum).
  const __m256 sq = _mm256_mul_ps(ax, ax);
  const __m256 sq_lo = _mm256_fmsub_ps(ax, ax, sq);
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256 a = _mm256_mul_ps(sq, _mm256_set1_ps(-0.5f));
  const __m256 s = _mm256_add_ps(a, p);
  const __m256 bb = _mm256_sub_ps(s, a);
  const __m256 err = _mm256_add_ps(_mm256_sub_ps(a, _mm256_sub_ps(s, bb)), _mm256_sub_ps(p, bb));
  return _mm256_mul_ps(half, _mm256_mul_ps(t, ExpHiLoF8(s, _mm256_fnmadd_ps(half, sq_lo, err))));
}

// Below this x, gelu uses NormalTailF8 instead of 1 + erf (which cancels).
inline constexpr float kGeluTail = -3.0f;

// gelu(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2 with ErfRationalF8: within
// ~3.5 ulp for x >= -1; on [-3, -1) the sum 1 + erf cancels (up to ~1e-4
// relative, absolute error below 3e-7 |x|, as PyTorch's vectorised erf);
// for x < -3, which takes a branch only when a lane needs it, x Phi(-|x|)
// is relatively accurate (NormalTailF8). gelu(inf) = inf, gelu(-inf) = NaN
// (x * 0, as the scalar formula), NaN stays NaN.
// GeluErfMain<Isa>: the formula with ErfRational, GeluErfF8's value for
// lanes at or above kGeluTail.
template <typename Isa>
inline typename Isa::V GeluErfMain(typename Isa::V x) {
  const typename Isa::V e = ErfRational<Isa>(Isa::Mul(x, Isa::Set1(0.70710678118654752f)));
  return Isa::Mul(Isa::Mul(Isa::Set1(0.5f), x), Isa::Add(Isa::Set1(1.0f), e));
}
inline __m256 GeluErfF8(__m256 x) {
  __m256 r = GeluErfMain<Avx2>(x);
  const __m256 tail = _mm256_cmp_ps(x, _mm256_set1_ps(kGeluTail), _CMP_LT_OQ);
  if (_mm256_movemask_ps(tail) != 0) r = _mm256_blendv_ps(r, _mm256_mul_ps(x, NormalTailF8(x)), tail);
  return r;
}

}  // namespace aot::cpu

#endif  // AOT_BACKENDS_CPU_VEC_MATH_H_
