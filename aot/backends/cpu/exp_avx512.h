// The exp loops of the softmax family and logsumexp on 16 lanes (AVX-512F),
// picked at run time where the CPU has them (HasAvx512F): the kernels are
// built for AVX2, and the exp is nearly all of these kernels' arithmetic, so
// twice the lanes is nearly twice the speed. Each element is computed with
// the operations of ExpBoundedF8 (vec_math.h, Note [Fast expf]), so the
// values are the AVX2 path's bit for bit; only the order of the sums
// differs. Private to aot/backends/cpu.
#ifndef AOT_BACKENDS_CPU_EXP_AVX512_H_
#define AOT_BACKENDS_CPU_EXP_AVX512_H_

#include <cstdint>

namespace aot::cpu {

// Whether this CPU runs AVX-512F (checked once).
bool HasAvx512F();

// ExpShiftSum (reduce_utils.h) for float: writes y[i] = exp(x[i] - shift)
// (y may be null) and returns their sum, summed in float within blocks of
// `block` elements and in double across them, prefetching `ahead` elements
// past the end of each block. Requires x[i] - shift <= 89 or NaN, and
// HasAvx512F().
double ExpShiftSumAvx512(const float* x, float shift, float* y, int64_t n, int64_t block, int64_t ahead);

// y[j] = exp(x[j] - m) * scale for j in [0, n), where m >= x[j] or NaN.
// Requires HasAvx512F().
void ExpScaleAvx512(const float* x, float m, float scale, float* y, int64_t n);

}  // namespace aot::cpu

#endif  // AOT_BACKENDS_CPU_EXP_AVX512_H_
