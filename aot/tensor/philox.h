// Philox4x32-10, the counter-based generator of Salmon et al. (SC'11) that
// cuRAND and PyTorch use: random numbers are a pure function of (seed,
// counter), so any element can be computed independently on any device, and
// a recomputation with the same (seed, offset) sees the same numbers.
#ifndef AOT_TENSOR_PHILOX_H_
#define AOT_TENSOR_PHILOX_H_

#include <array>
#include <cmath>
#include <cstdint>

namespace aot {

// Returns four 32-bit random words for `counter` under `seed`.
inline std::array<uint32_t, 4> Philox4x32(uint64_t seed, uint64_t counter) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t{0xD2511F53u} * c0;
    uint64_t p1 = uint64_t{0xCD9E8D57u} * c2;
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {c0, c1, c2, c3};
}

// Uniform [0, 1) float from 24 random bits.
inline float UniformFromBits(uint32_t bits) { return static_cast<float>(bits >> 8) * (1.0f / 16777216.0f); }

// Element i of the uniform stream (seed, offset): one Philox call per four
// elements.
inline float PhiloxUniform(uint64_t seed, uint64_t offset, uint64_t i) {
  std::array<uint32_t, 4> r = Philox4x32(seed, (offset + i) / 4);
  return UniformFromBits(r[(offset + i) % 4]);
}

// Element i of the standard normal stream (Box-Muller on a pair of words).
inline float PhiloxNormal(uint64_t seed, uint64_t offset, uint64_t i) {
  std::array<uint32_t, 4> r = Philox4x32(seed, (offset + i) / 2);
  int pair = static_cast<int>((offset + i) % 2);
  float u1 = (static_cast<float>(r[2 * pair] >> 8) + 1.0f) * (1.0f / 16777217.0f);  // (0, 1]
  float u2 = UniformFromBits(r[2 * pair + 1]);
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(6.2831853071795864f * u2);
}

}  // namespace aot

#endif  // AOT_TENSOR_PHILOX_H_
