#include "aot/backends/cpu/elementwise.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "aot/backends/cpu/row_avx512.h"

namespace aot::cpu::internal {
namespace {

int64_t Abs(int64_t v) { return v < 0 ? -v : v; }

// True if dimension `outer` should move inside dimension `inner`: the first
// operand with nonzero strides in both has a smaller stride at `outer`.
bool ShouldSwap(const Plan& p, int outer, int inner) {
  for (int k = 0; k < p.num_operands; ++k) {
    const int64_t so = Abs(p.strides[k][outer]), si = Abs(p.strides[k][inner]);
    if (so == 0 || si == 0) continue;
    if (so != si) return so < si;
  }
  return false;
}

// Transposes an 8x8 block of 32-bit elements: vector i is read at src + i *
// ss (8 contiguous elements), vector j of the result is stored at dst + j *
// ds.
inline void Transpose8x8(const float* src, int64_t ss, float* dst, int64_t ds) {
  __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + ss), r2 = _mm256_loadu_ps(src + 2 * ss),
         r3 = _mm256_loadu_ps(src + 3 * ss), r4 = _mm256_loadu_ps(src + 4 * ss), r5 = _mm256_loadu_ps(src + 5 * ss),
         r6 = _mm256_loadu_ps(src + 6 * ss), r7 = _mm256_loadu_ps(src + 7 * ss);
  __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
         t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
         t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0)), u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2)),
         u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0)), u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2)),
         u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0)), u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2)),
         u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0)), u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
  _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(dst + ds, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(dst + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(dst + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(dst + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(dst + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(dst + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(dst + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
}

// The same for a 4x4 block of 64-bit elements.
inline void Transpose4x4(const double* src, int64_t ss, double* dst, int64_t ds) {
  __m256d r0 = _mm256_loadu_pd(src), r1 = _mm256_loadu_pd(src + ss), r2 = _mm256_loadu_pd(src + 2 * ss),
          r3 = _mm256_loadu_pd(src + 3 * ss);
  __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1), t2 = _mm256_unpacklo_pd(r2, r3),
          t3 = _mm256_unpackhi_pd(r2, r3);
  _mm256_storeu_pd(dst, _mm256_permute2f128_pd(t0, t2, 0x20));
  _mm256_storeu_pd(dst + ds, _mm256_permute2f128_pd(t1, t3, 0x20));
  _mm256_storeu_pd(dst + 2 * ds, _mm256_permute2f128_pd(t0, t2, 0x31));
  _mm256_storeu_pd(dst + 3 * ds, _mm256_permute2f128_pd(t1, t3, 0x31));
}

// Copies a rows x cols tile of U. When src is contiguous along one axis and
// dst along the other, whole blocks go through register transposes (U of 4
// or 8 bytes, reinterpreted as float / double: bits are moved, not values):
// AVX-512's 16 x 16 (8 x 8 for 8 bytes) where the CPU has it, then AVX2's
// 8 x 8 (4 x 4) on what is left, then a loop that walks src in memory order
// (figures in Note [Streaming the output], elementwise.h).
template <typename U>
class TileCopier {
 public:
  TileCopier(const U* src, int64_t sr, int64_t sc, U* dst, int64_t dr, int64_t dc, int64_t rows, int64_t cols) {
    // Name the axes so that src is walked along `a` innermost: a = rows when
    // src is densest along rows.
    const bool a_is_rows = Abs(sr) < Abs(sc);
    src_ = src;
    dst_ = dst;
    na_ = a_is_rows ? rows : cols;
    nb_ = a_is_rows ? cols : rows;
    sa_ = a_is_rows ? sr : sc;
    sb_ = a_is_rows ? sc : sr;
    da_ = a_is_rows ? dr : dc;
    db_ = a_is_rows ? dc : dr;
  }

  void Run() const {
    constexpr bool kBlocks = sizeof(U) == 4 || sizeof(U) == 8;
    const bool transposes = kBlocks && sa_ == 1 && db_ == 1;
    Cover(0, na_, 0, nb_, transposes ? (HasAvx512F() ? 0 : 1) : 2);
  }

 private:
  // The block edge of each level: AVX-512, AVX2, then 0 (the loop).
  static int BlockAt(int level) {
    constexpr int kWide = sizeof(U) == 4 ? 16 : 8;
    return level == 0 ? kWide : level == 1 ? kWide / 2 : 0;
  }

  // Copies a in [a0, a1), b in [b0, b1): whole blocks of `level` from the
  // corner (a0, b0), then the L-shaped rest at the next level.
  void Cover(int64_t a0, int64_t a1, int64_t b0, int64_t b1, int level) const {
    if (a0 >= a1 || b0 >= b1) return;
    const int block = BlockAt(level);
    if (block == 0) return Loop(a0, a1, b0, b1);
    const int64_t a_end = a0 + (a1 - a0) / block * block, b_end = b0 + (b1 - b0) / block * block;
    if (a_end == a0 || b_end == b0) return Cover(a0, a1, b0, b1, level + 1);
    Blocks(level, a0, a_end, b0, b_end);
    Cover(a_end, a1, b0, b1, level + 1);  // Right of the blocks, all of b.
    Cover(a0, a_end, b_end, b1, level + 1);  // Below them.
  }

  // Whole blocks over a region whose extents are multiples of the block.
  void Blocks(int level, int64_t a0, int64_t a1, int64_t b0, int64_t b1) const {
    const U* s = src_ + b0 * sb_ + a0;
    U* d = dst_ + a0 * da_ + b0;
    if (level == 0) {
      if constexpr (sizeof(U) == 4) {
        TransposeBlocks32Avx512(reinterpret_cast<const uint32_t*>(s), sb_, reinterpret_cast<uint32_t*>(d), da_,
                                a1 - a0, b1 - b0);
      } else if constexpr (sizeof(U) == 8) {
        TransposeBlocks64Avx512(reinterpret_cast<const uint64_t*>(s), sb_, reinterpret_cast<uint64_t*>(d), da_,
                                a1 - a0, b1 - b0);
      }
      return;
    }
    const int64_t block = BlockAt(1);
    for (int64_t b = 0; b < b1 - b0; b += block) {
      for (int64_t a = 0; a < a1 - a0; a += block) {
        if constexpr (sizeof(U) == 4) {
          Transpose8x8(reinterpret_cast<const float*>(s + b * sb_ + a), sb_, reinterpret_cast<float*>(d + a * da_ + b),
                       da_);
        } else if constexpr (sizeof(U) == 8) {
          Transpose4x4(reinterpret_cast<const double*>(s + b * sb_ + a), sb_,
                       reinterpret_cast<double*>(d + a * da_ + b), da_);
        }
      }
    }
  }

  void Loop(int64_t a0, int64_t a1, int64_t b0, int64_t b1) const {
    for (int64_t b = b0; b < b1; ++b) {
      const U* s = src_ + b * sb_;
      U* d = dst_ + b * db_;
      for (int64_t a = a0; a < a1; ++a) d[a * da_] = s[a * sa_];
    }
  }

  const U* src_;
  U* dst_;
  int64_t na_, nb_, sa_, sb_, da_, db_;
};

template <typename U>
void CopyTileTyped(const U* src, int64_t sr, int64_t sc, U* dst, int64_t dr, int64_t dc, int64_t rows, int64_t cols) {
  TileCopier<U>(src, sr, sc, dst, dr, dc, rows, cols).Run();
}

}  // namespace

absl::InlinedVector<int64_t, 6> BroadcastStrides(const Tensor& t, absl::Span<const int64_t> out_sizes) {
  const int rank = static_cast<int>(out_sizes.size());
  absl::InlinedVector<int64_t, 6> s(rank, 0);
  const int lead = rank - t.dim();
  for (int i = 0; i < t.dim(); ++i) {
    s[lead + i] = t.sizes()[i] == 1 && out_sizes[lead + i] != 1 ? 0 : t.strides()[i];
  }
  return s;
}

bool IsDense(const Tensor& t, absl::Span<const int64_t> sizes) {
  if (t.dim() != static_cast<int>(sizes.size())) return false;
  for (int i = 0; i < t.dim(); ++i) {
    if (t.sizes()[i] != sizes[i]) return false;
  }
  return t.is_contiguous();
}

int64_t Plan::NumRows() const {
  int64_t n = 1;
  for (size_t d = 0; d + 1 < sizes.size(); ++d) n *= sizes[d];
  return n;
}

namespace {

// The offset of operand k at linear index `i` over the plan's dimensions
// [0, last], the last varying fastest.
int64_t OffsetOfIndex(const Plan& plan, int k, int64_t i, int last) {
  int64_t off = 0;
  for (int d = last; d >= 0 && i > 0; --d) {
    off += (i % plan.sizes[d]) * plan.strides[k][d];
    i /= plan.sizes[d];
  }
  return off;
}

}  // namespace

int64_t Plan::RowOffset(int k, int64_t row) const {
  return OffsetOfIndex(*this, k, row, static_cast<int>(sizes.size()) - 2);
}

int64_t Plan::OuterOffset(int k, int64_t o) const {
  return OffsetOfIndex(*this, k, o, static_cast<int>(sizes.size()) - 3);
}

Plan Plan::WithDimSecondInnermost(int d) const {
  Plan p = *this;
  const int to = static_cast<int>(sizes.size()) - 2;
  std::rotate(p.sizes.begin() + d, p.sizes.begin() + d + 1, p.sizes.begin() + to + 1);
  for (int k = 0; k < num_operands; ++k) {
    std::rotate(p.strides[k].begin() + d, p.strides[k].begin() + d + 1, p.strides[k].begin() + to + 1);
  }
  return p;
}

int ChooseTileDim(const Plan& plan, const int64_t* elem_size, int n, bool* packed) {
  const int rank = static_cast<int>(plan.sizes.size());
  if (rank < 2 || plan.sizes[rank - 1] < 8) return -1;
  auto strided = [&](int k) { return Abs(plan.strides[k][rank - 1]) * elem_size[k] >= 64; };
  int tile_dim = -1;
  for (int k = 0; k < n && tile_dim < 0; ++k) {
    if (!strided(k)) continue;
    // The dimension along which operand k is densest.
    int64_t best = Abs(plan.strides[k][rank - 1]);
    for (int d = 0; d < rank - 1; ++d) {
      const int64_t s = Abs(plan.strides[k][d]);
      if (s != 0 && s < best && plan.sizes[d] >= 8) {
        best = s;
        tile_dim = d;
      }
    }
  }
  if (tile_dim < 0) return -1;
  for (int k = 0; k < n; ++k) packed[k] = strided(k);
  return tile_dim;
}

void StreamRow(char* dst, const char* src, int64_t bytes) {
  const int64_t head = std::min<int64_t>(bytes, (64 - reinterpret_cast<uintptr_t>(dst) % 64) % 64);
  std::memcpy(dst, src, head);
  int64_t i = head;
  for (; i + 64 <= bytes; i += 64) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i), lo);
    _mm256_stream_si256(reinterpret_cast<__m256i*>(dst + i + 32), hi);
  }
  std::memcpy(dst + i, src + i, bytes - i);
}

void CopyTile(const char* src, int64_t src_row, int64_t src_col, char* dst, int64_t dst_row, int64_t dst_col,
              int64_t rows, int64_t cols, int64_t elem_size) {
  switch (elem_size) {
    case 1:
      return CopyTileTyped(reinterpret_cast<const uint8_t*>(src), src_row, src_col, reinterpret_cast<uint8_t*>(dst),
                           dst_row, dst_col, rows, cols);
    case 2:
      return CopyTileTyped(reinterpret_cast<const uint16_t*>(src), src_row, src_col, reinterpret_cast<uint16_t*>(dst),
                           dst_row, dst_col, rows, cols);
    case 4:
      return CopyTileTyped(reinterpret_cast<const uint32_t*>(src), src_row, src_col, reinterpret_cast<uint32_t*>(dst),
                           dst_row, dst_col, rows, cols);
    case 8:
      return CopyTileTyped(reinterpret_cast<const uint64_t*>(src), src_row, src_col, reinterpret_cast<uint64_t*>(dst),
                           dst_row, dst_col, rows, cols);
    default:
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
          std::memcpy(dst + (r * dst_row + c * dst_col) * elem_size, src + (r * src_row + c * src_col) * elem_size,
                      elem_size);
        }
      }
  }
}

Plan MakePlan(absl::Span<const int64_t> out_sizes, absl::Span<const absl::InlinedVector<int64_t, 6>> strides) {
  Plan plan;
  plan.num_operands = static_cast<int>(strides.size());
  // Drop size-1 dimensions.
  for (size_t d = 0; d < out_sizes.size(); ++d) {
    if (out_sizes[d] == 1) continue;
    plan.sizes.push_back(out_sizes[d]);
    for (int k = 0; k < plan.num_operands; ++k) plan.strides[k].push_back(strides[k][d]);
  }
  if (plan.sizes.empty()) {
    plan.sizes.push_back(1);
    for (int k = 0; k < plan.num_operands; ++k) plan.strides[k].push_back(0);
    return plan;
  }
  // Order the dimensions (stable insertion sort, outermost first).
  const int rank = static_cast<int>(plan.sizes.size());
  absl::InlinedVector<int, 6> perm(rank);
  std::iota(perm.begin(), perm.end(), 0);
  for (int i = 1; i < rank; ++i) {
    for (int j = i; j > 0 && ShouldSwap(plan, perm[j - 1], perm[j]); --j) std::swap(perm[j], perm[j - 1]);
  }
  Plan ordered;
  ordered.num_operands = plan.num_operands;
  for (int d : perm) {
    ordered.sizes.push_back(plan.sizes[d]);
    for (int k = 0; k < plan.num_operands; ++k) ordered.strides[k].push_back(plan.strides[k][d]);
  }
  // Merge dimension d into d+1 when every operand's stride makes them one
  // run.
  Plan merged;
  merged.num_operands = ordered.num_operands;
  merged.sizes.push_back(ordered.sizes[0]);
  for (int k = 0; k < ordered.num_operands; ++k) merged.strides[k].push_back(ordered.strides[k][0]);
  for (size_t d = 1; d < ordered.sizes.size(); ++d) {
    bool can_merge = true;
    for (int k = 0; k < ordered.num_operands; ++k) {
      if (merged.strides[k].back() != ordered.strides[k][d] * ordered.sizes[d]) can_merge = false;
    }
    if (can_merge) {
      merged.sizes.back() *= ordered.sizes[d];
      for (int k = 0; k < ordered.num_operands; ++k) merged.strides[k].back() = ordered.strides[k][d];
    } else {
      merged.sizes.push_back(ordered.sizes[d]);
      for (int k = 0; k < ordered.num_operands; ++k) merged.strides[k].push_back(ordered.strides[k][d]);
    }
  }
  return merged;
}

}  // namespace aot::cpu::internal
