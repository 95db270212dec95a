#include "aot/backends/cpu/exp_avx512.h"

#include <immintrin.h>

#include <algorithm>

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

}  // namespace aot::cpu
