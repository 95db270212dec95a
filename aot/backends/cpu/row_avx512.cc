#include "aot/backends/cpu/row_avx512.h"

#include <immintrin.h>

#include <cstdint>
#include <limits>

#include "aot/backends/cpu/row_loops.h"
#include "aot/backends/cpu/vec_math.h"
#include "sleef.h"

namespace aot::cpu {
namespace {

// The Isa of Note [One loop for every vector width] (vec_math.h) on 16
// lanes; only this file is built for AVX-512F.
struct Avx512 {
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  static V Set1(float f) { return _mm512_set1_ps(f); }
  static V Zero() { return _mm512_setzero_ps(); }
  static V Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static void Stream(float* p, V v) { _mm512_stream_ps(p, v); }  // p aligned to 64 bytes.
  static V Add(V a, V b) { return _mm512_add_ps(a, b); }
  static V Sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V Mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V Div(V a, V b) { return _mm512_div_ps(a, b); }
  static V Max(V a, V b) { return _mm512_max_ps(a, b); }
  static V Min(V a, V b) { return _mm512_min_ps(a, b); }
  static V FmAdd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V FnmAdd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
  static V ShiftIntoExponent(V t) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(t), 23)); }
  static float ReduceAdd(V v) { return _mm512_reduce_add_ps(v); }
  static float ReduceMax(V v) { return _mm512_reduce_max_ps(v); }
  static float ReduceMin(V v) { return _mm512_reduce_min_ps(v); }
  static Mask FirstLanes(int64_t n) { return static_cast<Mask>((1u << n) - 1); }
  static V LoadMasked(Mask m, const float* p, V fill) { return _mm512_mask_loadu_ps(fill, m, p); }
  static void StoreMasked(Mask m, float* p, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static V Select(Mask m, V v, V other) { return _mm512_mask_blend_ps(m, other, v); }
  static Mask Unordered(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q); }
  static Mask Or(Mask a, Mask b) { return static_cast<Mask>(a | b); }
  static bool Any(Mask m) { return m != 0; }
  static Mask NoLanes() { return 0; }
  static V Xor(V a, V b) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)));
  }
  static V OrSignOf(V s, V y) {
    return _mm512_castsi512_ps(_mm512_or_si512(
        _mm512_castps_si512(s), _mm512_and_si512(_mm512_castps_si512(y), _mm512_set1_epi32(INT32_MIN))));
  }
  static V SignOfLowBit(V t) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(t), 31)); }
  static Mask AbsAtMost(V x, float bound) {
    return _mm512_cmp_ps_mask(_mm512_abs_ps(x), _mm512_set1_ps(bound), _CMP_LE_OQ);
  }
  static bool All(Mask m) { return m == 0xffff; }
};

// Note [Row loops on AVX-512]
// A row of the softmax family makes a max pass, an exp pass and (softmax,
// log_softmax) an output pass over each block in L1. Per float, in L1, one
// core (a microbenchmark of these loops against the AVX2 ones, 4096-float
// rows, best of 5): max 0.055 ns on 8 lanes against 0.038 on 16; exp and
// sum 0.24 against 0.11; the scale pass 0.044 against 0.021; log_softmax's
// (x - m) - c 0.046 against 0.031. So softmax's rows cost 0.22 ns a float
// with only the exp on 16 lanes and 0.18 with every pass on 16.
// vscalefps in place of the shift and multiply that scale the exp (one
// operation less, and exact down to 0 without the clamp) was slower here
// (0.117 against 0.110 ns), so the exp keeps ExpBounded's operations.

// Writes y[i] = f(x[i]) for the 16-element blocks from the start of
// [0, n) in which every lane passes `ok` (a mask of the lanes f serves),
// stopping before the first block that has a lane failing it, and returns
// how many elements it wrote.
template <typename Ok, typename F>
int64_t RowWhile(const float* x, float* y, int64_t n, Ok ok, F f) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    if (!Avx512::All(ok(v))) break;
    _mm512_storeu_ps(y + i, f(v));
  }
  return i;
}

// RowWhile for the blocks with no lane below `below`.
template <typename F>
int64_t RowUntilBelow(const float* x, float* y, int64_t n, float below, F f) {
  const __m512 lo = _mm512_set1_ps(below);
  return RowWhile(
      x, y, n, [lo](__m512 v) { return static_cast<__mmask16>(~_mm512_cmp_ps_mask(v, lo, _CMP_LT_OQ)); }, f);
}

// RowWhile for SinCosSmall, over the blocks with every |x| <= kSinCosMax.
template <bool kCos>
int64_t SinCosRow(const float* x, float* y, int64_t n) {
  return RowWhile(
      x, y, n, [](__m512 v) { return Avx512::AbsAtMost(v, kSinCosMax); },
      [](__m512 v) { return SinCosSmall<Avx512, kCos>(v); });
}

}  // namespace

int64_t ExpRowAvx512(const float* x, float* y, int64_t n) {
  return RowUntilBelow(x, y, n, kExpSubnormalBelow,
                       [](__m512 v) { return ExpBounded<Avx512>(Avx512::Min(Avx512::Set1(kExpHi), v)); });
}

int64_t SinRowAvx512(const float* x, float* y, int64_t n) { return SinCosRow<false>(x, y, n); }

int64_t CosRowAvx512(const float* x, float* y, int64_t n) { return SinCosRow<true>(x, y, n); }

int64_t GeluErfRowAvx512(const float* x, float* y, int64_t n) {
  return RowUntilBelow(x, y, n, kGeluTail, [](__m512 v) { return GeluErfMain<Avx512>(v); });
}

int64_t SleefRowAvx512(SleefF16 f, const float* x, float* y, int64_t n) {
  constexpr float kNone = -std::numeric_limits<float>::infinity();  // No lane is below it.
  switch (f) {
    case SleefF16::kLog:
      return RowUntilBelow(x, y, n, kNone, [](__m512 v) { return Sleef_logf16_u10avx512f(v); });
    case SleefF16::kLog1p:
      return RowUntilBelow(x, y, n, kNone, [](__m512 v) { return Sleef_log1pf16_u10avx512f(v); });
    case SleefF16::kExpm1:
      return RowUntilBelow(x, y, n, kNone, [](__m512 v) { return Sleef_expm1f16_u10avx512f(v); });
    case SleefF16::kTanh:
      return RowUntilBelow(x, y, n, kNone, [](__m512 v) { return Sleef_tanhf16_u10avx512f(v); });
    case SleefF16::kErf:
      return RowUntilBelow(x, y, n, kNone, [](__m512 v) { return Sleef_erff16_u10avx512f(v); });
  }
  return 0;
}

bool HasAvx512F() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

double ExpShiftSumAvx512(const float* x, float shift, float* y, int64_t n, int64_t block, int64_t ahead) {
  return y != nullptr ? ExpShiftSumLoop<Avx512, true>(x, shift, y, n, block, ahead)
                      : ExpShiftSumLoop<Avx512, false>(x, shift, y, n, block, ahead);
}

void ExpScaleAvx512(const float* x, float m, float scale, float* y, int64_t n) {
  ExpScaleLoop<Avx512>(x, m, scale, y, n);
}

double SumAvx512(const float* x, int64_t n, int64_t block, int64_t ahead) {
  return SumLoop<Avx512>(x, n, block, ahead);
}

double SqDevSumAvx512(const float* x, float m, int64_t n, int64_t block, int64_t ahead) {
  return SqDevSumLoop<Avx512>(x, m, n, block, ahead);
}

void ShiftedMomentsAvx512(const float* x, float k, int64_t n, int64_t block, double* s1, double* s2) {
  ShiftedMomentsLoop<Avx512>(x, k, n, block, s1, s2);
}

void NormalizeRowAvx512(const float* x, float m, float r, const float* w, const float* b, float* y, int64_t n,
                        int64_t ahead, bool stream) {
  NormalizeRow<Avx512>(x, m, r, w, b, y, n, ahead, stream);
}

float MaxRowAvx512(const float* x, int64_t n) { return MinMaxLoop<Avx512, true>(x, n); }
float MinRowAvx512(const float* x, int64_t n) { return MinMaxLoop<Avx512, false>(x, n); }

void ScaleAvx512(float* y, float scale, int64_t n) { ScaleLoop<Avx512>(y, scale, n); }

void ShiftSubAvx512(const float* x, float m, float c, float* y, int64_t n, bool stream) {
  ShiftSubLoop<Avx512>(x, m, c, y, n, stream);
}

namespace {

// Transpose16x16 (row_avx512.h) for an 8 x 8 block of 64-bit elements.
inline void Transpose8x8(__m512d* r) {
  __m512d t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm512_unpacklo_pd(r[i], r[i + 1]);  // Lane l: column 2l of rows i, i + 1.
    t[i + 1] = _mm512_unpackhi_pd(r[i], r[i + 1]);  // Column 2l + 1.
  }
  for (int j = 0; j < 2; ++j) {
    u[j] = _mm512_shuffle_f64x2(t[j], t[j + 2], 0x88);
    u[j + 2] = _mm512_shuffle_f64x2(t[j], t[j + 2], 0xDD);
    u[j + 4] = _mm512_shuffle_f64x2(t[j + 4], t[j + 6], 0x88);
    u[j + 6] = _mm512_shuffle_f64x2(t[j + 4], t[j + 6], 0xDD);
  }
  for (int j = 0; j < 2; ++j) {
    r[j] = _mm512_shuffle_f64x2(u[j], u[j + 4], 0x88);
    r[j + 4] = _mm512_shuffle_f64x2(u[j], u[j + 4], 0xDD);
    r[j + 2] = _mm512_shuffle_f64x2(u[j + 2], u[j + 6], 0x88);
    r[j + 6] = _mm512_shuffle_f64x2(u[j + 2], u[j + 6], 0xDD);
  }
}

// The whole kN x kN blocks of an na x nb region through `transpose`, on
// vectors of kN elements of F (float: 16, double: 8), loaded with `load`
// and stored with `store` (TransposeBlocks32Avx512, row_avx512.h).
template <int kN, typename V, typename F, typename Load, typename Store, typename Transpose>
void TransposeBlocks(const F* src, int64_t sb, F* dst, int64_t da, int64_t na, int64_t nb, Load load, Store store,
                     Transpose transpose) {
  for (int64_t b = 0; b + kN <= nb; b += kN) {
    for (int64_t a = 0; a + kN <= na; a += kN) {
      const F* s = src + b * sb + a;
      F* d = dst + a * da + b;
      V r[kN];
      for (int i = 0; i < kN; ++i) r[i] = load(s + i * sb);
      transpose(r);
      for (int i = 0; i < kN; ++i) store(d + i * da, r[i]);
    }
  }
}

}  // namespace

void TransposeBlocks32Avx512(const uint32_t* src, int64_t sb, uint32_t* dst, int64_t da, int64_t na, int64_t nb) {
  TransposeBlocks<16, __m512>(
      reinterpret_cast<const float*>(src), sb, reinterpret_cast<float*>(dst), da, na, nb,
      [](const float* p) { return _mm512_loadu_ps(p); }, [](float* p, __m512 v) { _mm512_storeu_ps(p, v); },
      [](__m512* r) { Transpose16x16(r); });
}

void TransposeBlocks64Avx512(const uint64_t* src, int64_t sb, uint64_t* dst, int64_t da, int64_t na, int64_t nb) {
  TransposeBlocks<8, __m512d>(
      reinterpret_cast<const double*>(src), sb, reinterpret_cast<double*>(dst), da, na, nb,
      [](const double* p) { return _mm512_loadu_pd(p); }, [](double* p, __m512d v) { _mm512_storeu_pd(p, v); },
      [](__m512d* r) { Transpose8x8(r); });
}

}  // namespace aot::cpu
