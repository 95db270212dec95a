// The row loops of the softmax family and logsumexp on 16 lanes
// (AVX-512F), picked at run time where the CPU has them (HasAvx512F): the
// kernels are built for AVX2, and these loops are nearly all of those
// kernels' work, so twice the lanes is up to twice the speed (Note [Row
// loops on AVX-512] in row_avx512.cc has the figures). They are the AVX2
// loops' templates (row_loops.h) instantiated for 16 lanes, so the values
// are the AVX2 path's bit for bit; only the order of the sums differs.
// Private to aot/backends/cpu.
#ifndef AOT_BACKENDS_CPU_ROW_AVX512_H_
#define AOT_BACKENDS_CPU_ROW_AVX512_H_

#include <immintrin.h>

#include <cstdint>

namespace aot::cpu {

// Marks a function to be compiled for AVX-512F in a file built for AVX2; it
// may then only run where HasAvx512F().
#define AOT_TARGET_AVX512 __attribute__((target("avx512f")))

// Whether this CPU runs AVX-512F (checked once).
bool HasAvx512F();

// Calls avx512(args...) where the CPU has AVX-512F, else avx2(args...): the
// one place a row loop picks between its 16-lane form (declared below) and
// its 8-lane template (row_loops.h), e.g.
//   ByIsa(&SumAvx512, &SumLoop<Avx2>, x, n, kSumBlock, 0).
template <typename F512, typename F256, typename... Args>
inline auto ByIsa(F512 avx512, F256 avx2, Args... args) {
  return HasAvx512F() ? avx512(args...) : avx2(args...);
}

// ExpShiftSum (reduce_utils.h) for float: writes y[i] = exp(x[i] - shift)
// (y may be null) and returns their sum, summed in float within blocks of
// `block` elements and in double across them, prefetching `ahead` elements
// past the end of each block. Requires x[i] - shift <= 89 or NaN, and
// HasAvx512F().
double ExpShiftSumAvx512(const float* x, float shift, float* y, int64_t n, int64_t block, int64_t ahead);

// y[j] = exp(x[j] - m) * scale for j in [0, n), where m >= x[j] or NaN.
// Requires HasAvx512F().
void ExpScaleAvx512(const float* x, float m, float scale, float* y, int64_t n);

// The max (MaxRowAvx512) or min of x[0, n), NaN if any element is NaN, and
// -inf (+inf for the min) when n is 0: MinMaxRowF (reduce_utils.h) on 16
// lanes. Requires HasAvx512F().
float MaxRowAvx512(const float* x, int64_t n);
float MinRowAvx512(const float* x, int64_t n);

// SumLoop and SqDevSumLoop (row_loops.h) on 16 lanes. Require HasAvx512F().
double SumAvx512(const float* x, int64_t n, int64_t block, int64_t ahead);
double SqDevSumAvx512(const float* x, float m, int64_t n, int64_t block, int64_t ahead);
// ShiftedMomentsLoop (row_loops.h) on 16 lanes. Requires HasAvx512F().
void ShiftedMomentsAvx512(const float* x, float k, int64_t n, int64_t block, double* s1, double* s2);

// NormalizeRow (row_loops.h) on 16 lanes. Requires HasAvx512F().
void NormalizeRowAvx512(const float* x, float m, float r, const float* w, const float* b, float* y, int64_t n,
                        int64_t ahead, bool stream);

// Contiguous rows of the elementwise float exp and exact gelu on 16 lanes,
// the values of ExpF8 and GeluErfF8 (vec_math.h) bit for bit: write y[i] for
// the 16-element blocks from the start of [0, n) until the first block with
// a lane those need another path for (exp: x < kExpSubnormalBelow; gelu:
// x < kGeluTail), and return how many elements they wrote (Note [Vector
// functors], elementwise.h). Require HasAvx512F().
int64_t ExpRowAvx512(const float* x, float* y, int64_t n);
int64_t GeluErfRowAvx512(const float* x, float* y, int64_t n);
// The same for sin and cos: SinCosSmall (vec_math.h) while |x| <= kSinCosMax.
int64_t SinRowAvx512(const float* x, float* y, int64_t n);
int64_t CosRowAvx512(const float* x, float* y, int64_t n);

// SLEEF's float functions whose 16-lane forms give the bits of the 8-lane
// ones the elementwise kernels call (see elementwise_kernels.cc).
enum class SleefF16 { kLog, kLog1p, kExpm1, kTanh, kErf };

// The same as ExpRowAvx512 for SLEEF's 16-lane form of `f` (the accuracy
// of the 8-lane one the kernels use: 1 ulp), which leaves no block to the
// 8-lane form. Requires HasAvx512F().
int64_t SleefRowAvx512(SleefF16 f, const float* x, float* y, int64_t n);

// ScaleLoop (row_loops.h) on 16 lanes. Requires HasAvx512F().
void ScaleAvx512(float* y, float scale, int64_t n);

// ShiftSubLoop (row_loops.h) on 16 lanes. Requires HasAvx512F().
void ShiftSubAvx512(const float* x, float m, float c, float* y, int64_t n, bool stream);

// Register transposes for CopyTile (elementwise.cc) on AVX-512F: copy every
// whole 16 x 16 block of 32-bit elements (8 x 8 of 64-bit) of an na x nb
// region whose source is contiguous along a (rows b at stride sb) into a
// destination contiguous along b (rows a at stride da): element (a, b) from
// src[b * sb + a] to dst[a * da + b]. Blocks start at (0, 0); what is left
// of na and nb past the last whole block is not copied. Bits are moved, so
// any type of that size. Require HasAvx512F().
void TransposeBlocks32Avx512(const uint32_t* src, int64_t sb, uint32_t* dst, int64_t da, int64_t na, int64_t nb);
void TransposeBlocks64Avx512(const uint64_t* src, int64_t sb, uint64_t* dst, int64_t da, int64_t na, int64_t nb);

// Transposes the 16 x 16 block of 32-bit elements in r (r[i] is row i) in
// place: bits are moved, never computed on, so any 4-byte type goes through.
// Built for AVX-512F whatever the including file is built for (callers
// check HasAvx512F()).
AOT_TARGET_AVX512 inline void Transpose16x16(__m512* r) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  // Now r[4q + j] holds, in its 128-bit lane l, column 4l + j of rows
  // 4q..4q+3; two rounds of 128-bit lane shuffles gather the lanes.
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xDD);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xDD);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xDD);
    r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0x88);
    r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], 0xDD);
  }
}

}  // namespace aot::cpu

#endif  // AOT_BACKENDS_CPU_ROW_AVX512_H_
