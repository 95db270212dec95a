#include "aot/backends/cpu/row_avx512.h"

#include <immintrin.h>

#include <algorithm>
#include <limits>

#include "aot/backends/cpu/vec_math.h"

namespace aot::cpu {
namespace {

// ExpBoundedF8 on 16 lanes: the same operations in the same order.
inline __m512 ExpBoundedF16(__m512 x) {
  const __m512 xc = _mm512_max_ps(_mm512_set1_ps(kExpLo), x);
  const __m512 t = _mm512_fmadd_ps(xc, _mm512_set1_ps(kExpLog2e), _mm512_set1_ps(kExpShifter));
  const __m512 nf = _mm512_sub_ps(t, _mm512_set1_ps(kExpShifter));
  __m512 r = _mm512_fnmadd_ps(nf, _mm512_set1_ps(kExpLn2Hi), xc);
  r = _mm512_fnmadd_ps(nf, _mm512_set1_ps(kExpLn2Lo), r);
  __m512 y = _mm512_fmadd_ps(_mm512_set1_ps(kExpC6), r, _mm512_set1_ps(kExpC5));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(kExpC4));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(kExpC3));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(kExpC2));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(2.0f));
  y = _mm512_fmadd_ps(y, r, _mm512_set1_ps(2.0f));
  const __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(t), 23));
  return _mm512_mul_ps(y, scale);
}

// The mask of the first `n` (< 16) lanes.
inline __mmask16 FirstLanes(int64_t n) { return static_cast<__mmask16>((1u << n) - 1); }

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
// (0.117 against 0.110 ns), so the exp keeps ExpBoundedF8's operations.
template <bool kMax>
float MinMaxRow(const float* x, int64_t n) {
  const __m512 init = _mm512_set1_ps(kMax ? -std::numeric_limits<float>::infinity()
                                          : std::numeric_limits<float>::infinity());
  auto comb = [](__m512 a, __m512 b) { return kMax ? _mm512_max_ps(a, b) : _mm512_min_ps(a, b); };
  __m512 a0 = init, a1 = init, a2 = init, a3 = init;
  __mmask16 nan = 0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512 v0 = _mm512_loadu_ps(x + i), v1 = _mm512_loadu_ps(x + i + 16);
    const __m512 v2 = _mm512_loadu_ps(x + i + 32), v3 = _mm512_loadu_ps(x + i + 48);
    a0 = comb(a0, v0);
    a1 = comb(a1, v1);
    a2 = comb(a2, v2);
    a3 = comb(a3, v3);
    // vmaxps drops a NaN in its first operand, so NaN is tracked apart.
    nan |= _mm512_cmp_ps_mask(v0, v1, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(v2, v3, _CMP_UNORD_Q);
  }
  for (; i < n; i += 16) {
    // Lanes past the end load the identity.
    const __mmask16 m = n - i >= 16 ? __mmask16{0xffff} : FirstLanes(n - i);
    const __m512 v = _mm512_mask_loadu_ps(init, m, x + i);
    a0 = comb(a0, v);
    nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  }
  if (nan != 0) return std::numeric_limits<float>::quiet_NaN();
  const __m512 v = comb(comb(a0, a1), comb(a2, a3));
  return kMax ? _mm512_reduce_max_ps(v) : _mm512_reduce_min_ps(v);
}

template <bool kStore>
double ExpShiftSumImpl(const float* x, float shift, float* y, int64_t n, int64_t block, int64_t ahead) {
  const __m512 sh = _mm512_set1_ps(shift);
  ahead = std::min(n, ahead);
  double total = 0;
  for (int64_t b = 0; b < n; b += block) {
    const int64_t len = std::min(block, n - b);
    const float* in = x + b;
    float* out = kStore ? y + b : nullptr;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 64 <= len; i += 64) {
      // 64 floats are four cache lines.
      for (int k = 0; k < 64; k += 16) PrefetchAt(in + i + k, ahead);
      const __m512 e0 = ExpBoundedF16(_mm512_sub_ps(_mm512_loadu_ps(in + i), sh));
      const __m512 e1 = ExpBoundedF16(_mm512_sub_ps(_mm512_loadu_ps(in + i + 16), sh));
      const __m512 e2 = ExpBoundedF16(_mm512_sub_ps(_mm512_loadu_ps(in + i + 32), sh));
      const __m512 e3 = ExpBoundedF16(_mm512_sub_ps(_mm512_loadu_ps(in + i + 48), sh));
      if constexpr (kStore) {
        _mm512_storeu_ps(out + i, e0);
        _mm512_storeu_ps(out + i + 16, e1);
        _mm512_storeu_ps(out + i + 32, e2);
        _mm512_storeu_ps(out + i + 48, e3);
      }
      a0 = _mm512_add_ps(a0, e0);
      a1 = _mm512_add_ps(a1, e1);
      a2 = _mm512_add_ps(a2, e2);
      a3 = _mm512_add_ps(a3, e3);
    }
    for (; i + 16 <= len; i += 16) {
      const __m512 e = ExpBoundedF16(_mm512_sub_ps(_mm512_loadu_ps(in + i), sh));
      if constexpr (kStore) _mm512_storeu_ps(out + i, e);
      a0 = _mm512_add_ps(a0, e);
    }
    if (i < len) {
      // The last 1-15 elements, masked: loads and stores of other lanes
      // touch no memory, and those lanes add nothing.
      const __mmask16 m = FirstLanes(len - i);
      const __m512 e = ExpBoundedF16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, in + i), sh));
      if constexpr (kStore) _mm512_mask_storeu_ps(out + i, m, e);
      a1 = _mm512_mask_add_ps(a1, m, a1, e);
    }
    total += static_cast<double>(_mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3))));
  }
  return total;
}

}  // namespace

bool HasAvx512F() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

double ExpShiftSumAvx512(const float* x, float shift, float* y, int64_t n, int64_t block, int64_t ahead) {
  return y != nullptr ? ExpShiftSumImpl<true>(x, shift, y, n, block, ahead)
                      : ExpShiftSumImpl<false>(x, shift, y, n, block, ahead);
}

void ExpScaleAvx512(const float* x, float m, float scale, float* y, int64_t n) {
  const __m512 mv = _mm512_set1_ps(m), sv = _mm512_set1_ps(scale);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    _mm512_storeu_ps(y + j, _mm512_mul_ps(ExpBoundedF16(_mm512_sub_ps(_mm512_loadu_ps(x + j), mv)), sv));
  }
  if (j < n) {
    const __mmask16 mask = FirstLanes(n - j);
    const __m512 e = ExpBoundedF16(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + j), mv));
    _mm512_mask_storeu_ps(y + j, mask, _mm512_mul_ps(e, sv));
  }
}

float MaxRowAvx512(const float* x, int64_t n) { return MinMaxRow<true>(x, n); }
float MinRowAvx512(const float* x, int64_t n) { return MinMaxRow<false>(x, n); }

void ScaleAvx512(float* y, float scale, int64_t n) {
  const __m512 sv = _mm512_set1_ps(scale);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) _mm512_storeu_ps(y + j, _mm512_mul_ps(_mm512_loadu_ps(y + j), sv));
  if (j < n) {
    const __mmask16 mask = FirstLanes(n - j);
    _mm512_mask_storeu_ps(y + j, mask, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, y + j), sv));
  }
}

void ShiftSubAvx512(const float* x, float m, float c, float* y, int64_t n) {
  const __m512 mv = _mm512_set1_ps(m), cv = _mm512_set1_ps(c);
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) _mm512_storeu_ps(y + j, _mm512_sub_ps(_mm512_sub_ps(_mm512_loadu_ps(x + j), mv), cv));
  if (j < n) {
    const __mmask16 mask = FirstLanes(n - j);
    _mm512_mask_storeu_ps(y + j, mask, _mm512_sub_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(mask, x + j), mv), cv));
  }
}

}  // namespace aot::cpu
