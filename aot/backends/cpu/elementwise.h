// The elementwise engine of the CPU backend: applies a functor to every
// element of operands that broadcast to one output shape, with any strides.
//
//   // out[i] = a[i] + alpha * b[i], inputs broadcast to out's shape:
//   MapBinary<float>(out, a, b, [alpha](float x, float y) { return x + alpha * y; });
//
// Inputs must already have the element type the functor takes (strided.h's
// Contiguous() or ContiguousCopy() converts); the output may be a strided view (in-place ops
// write through self's strides). The fast path (every operand contiguous and
// of the output's shape) is one flat loop that GCC vectorizes, split across
// threads in chunks of kGrain; otherwise dimensions are ordered and
// coalesced and the innermost one runs as a strided loop per row, through
// cache-blocked tiles where an operand is transposed (Note [Strided tiles]).
// Functors may also provide a vector form for 8 floats / 4 doubles (see
// Note [Vector functors]).
#ifndef AOT_BACKENDS_CPU_ELEMENTWISE_H_
#define AOT_BACKENDS_CPU_ELEMENTWISE_H_

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "absl/container/inlined_vector.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/backends/cpu/row_avx512.h"
#include "aot/backends/cpu/vec_math.h"
#include "aot/tensor/tensor.h"

namespace aot::cpu {

// Note [Vector functors]
// A unary functor for float may define `__m256 Vec(__m256 x) const` (and for
// double `__m256d Vec(__m256d x) const`); UnaryRow then runs every element
// 8 (4) lanes at a time through it (tails and strided rows through a padded
// buffer), and operator() serves the other types. This is how
// transcendental functions use SLEEF's vectorised versions.
//
// A float functor with a vector form may also define
// `int64_t Row16(const float* a, float* o, int64_t n) const`: 16 lanes
// (AVX-512F, row_avx512.h) over a contiguous row, used where the CPU has
// them. It writes o[i] for the 16-element blocks from the start of the row
// until the first block it leaves to the 8-lane form, and returns how many
// elements it wrote; its values must be Vec's bit for bit, so that results
// still do not depend on layout or splits.
template <typename F>
concept HasVecF = requires(const F& f, __m256 v) { f.Vec(v); };
template <typename F>
concept HasRow16 = requires(const F& f, const float* a, float* o, int64_t n) {
  { f.Row16(a, o, n) } -> std::same_as<int64_t>;
};
template <typename F>
concept HasVecD = requires(const F& f, __m256d v) { f.Vec(v); };

namespace internal {

// Strides (in elements) of `t` broadcast to `out_sizes` (0 where broadcast).
absl::InlinedVector<int64_t, 6> BroadcastStrides(const Tensor& t, absl::Span<const int64_t> out_sizes);

// An iteration space after coalescing: sizes and per-operand strides, the
// innermost dimension last. Operand 0 is the output.
// Dimensions are ordered so that the output's strides decrease towards the
// innermost one (ties and broadcast dimensions decided by the next operand),
// as PyTorch's TensorIterator: an in-place op on a transposed view then
// walks memory in order.
struct Plan {
  absl::InlinedVector<int64_t, 6> sizes;
  std::array<absl::InlinedVector<int64_t, 6>, 4> strides;
  int num_operands = 0;

  // Product of every size but the innermost.
  int64_t NumRows() const;
  // Element offset for operand k of row `row` (row-major over every
  // dimension but the innermost).
  int64_t RowOffset(int k, int64_t row) const;
  // Element offset for operand k of index `o` over the dimensions outside
  // the two innermost.
  int64_t OuterOffset(int k, int64_t o) const;
  // The same iteration space with dimension `d` moved to second-innermost.
  Plan WithDimSecondInnermost(int d) const;
};
Plan MakePlan(absl::Span<const int64_t> out_sizes, absl::Span<const absl::InlinedVector<int64_t, 6>> strides);

// Note [Strided tiles]
// An operand that walks the innermost dimension with a stride of a cache
// line or more (a transposed input) would read one line per element. Instead
// RunPlan picks the dimension along which that operand is densest (its
// smallest nonzero stride), makes it the row dimension of kTileRows x
// kTileCols tiles, and per strip of kStripRows rows of a tile copies every
// such operand into a dense buffer (CopyTile: register transposes for 4- and
// 8-byte elements that are contiguous along the rows, 16 x 16 / 8 x 8 on
// AVX-512 and 8 x 8 / 4 x 4 on AVX2), so that the lines it reads are used
// whole and the body runs on unit strides (and vectorises); a strip's
// buffer (8 KiB of floats) stays in L1 until the body reads it. A strided
// output is written to a buffer and copied out the same way; a large dense
// one is streamed (Note [Streaming the output]). Any rank, permutation,
// broadcast and dtype; tiles are split across threads by bands of rows.
// The operands read in place (unit or zero inner stride) are 128 runs of
// 512 bytes per tile, a row stride apart: too short for the hardware
// prefetcher to follow, so each row prefetches the run of the row
// kTileRowsAhead below it (for writing, the output's; runs of positive
// stride), and the packed operands' runs of the thread's next tile are
// prefetched, each whole, while a tile is worked on. On one thread the row
// prefetch took `a.t() + b` over [4096, 4096] from 13.4-13.8 to 14.8-16.1
// GB/s; 256 x 256 tiles were slower (10-11 GB/s on one thread), 256 x 128
// ones within noise of 128 x 128. In a standalone copy of the loops (Note
// [Transposed blocks in registers] has the setup), strips with the
// next-tile prefetch against whole-tile buffers: 47.8 against 44.4 GB/s on
// two threads, 25.8 against 23.6 on one (docs/design/cpu_backend.md).
inline constexpr int64_t kTileRows = 128;
inline constexpr int64_t kTileCols = 128;
inline constexpr int64_t kTileRowsAhead = 4;
inline constexpr int64_t kStripRows = 16;

// Note [Streaming the output]
// A tiled output of kStreamingStoreBytes or more (Note [Streaming stores],
// vec_math.h) that runs along the tiles' rows is not written in place: each
// row's body writes a row buffer (in L1), which StreamRow then copies out
// with non-temporal stores. Measured in one process, alternating the
// variants 40 times (medians, two threads, GB/s as in
// bench:cpu_elementwise_benchmark, three runs): `a.t() + b` over [4096,
// 4096] 35.2 with AVX2 8 x 8 transposes, 36.7 streaming with them, 39.0
// with AVX-512 16 x 16 ones (CopyTile) and 41.1 with both; the [256, 256,
// 256] permuted add 33.3, 33.6, 37.4 and 37.3.

// Copies `bytes` from src to dst, the whole 64-byte lines of dst with
// non-temporal stores (the rest with plain ones). The caller issues an
// sfence (_mm_sfence) before another thread reads dst.
void StreamRow(char* dst, const char* src, int64_t bytes);

// Prefetches the cache lines of [p, p + bytes) into L1, for writing when
// `for_write` (PrefetchLine, vec_math.h).
inline void PrefetchLines(const char* p, int64_t bytes, bool for_write) {
  for (int64_t o = 0; o < bytes; o += 64) PrefetchLine(p + o, for_write);
}

// Returns the dimension to tile (see Note [Strided tiles]) and sets
// packed[k] for the operands to copy through a buffer, or returns -1.
int ChooseTileDim(const Plan& plan, const int64_t* elem_size, int n, bool* packed);

// Copies a rows x cols tile of elements of `elem_size` bytes from src (row
// and column strides in elements) to dst.
void CopyTile(const char* src, int64_t src_row, int64_t src_col, char* dst, int64_t dst_row, int64_t dst_col,
              int64_t rows, int64_t cols, int64_t elem_size);

// True if `t` is contiguous with exactly `sizes`.
bool IsDense(const Tensor& t, absl::Span<const int64_t> sizes);

// Note [Transposed blocks in registers]
// For a float op of two operands where one is transposed, RunPlan's
// strips store each transposed block to a buffer and load it back for the
// body. Where the op also has a vector form (`vec`, callable on __m512:
// RunBinary passes one for float add, sub, mul and div) and the CPU has
// AVX-512F, TransposedBlocksAvx512 instead applies vec to each 16 x 16
// block straight from the transpose's registers, and while it works on a
// tile's first 16 rows it prefetches the runs the thread's next tile reads
// from the transposed operand, each whole (runs prefetched whole came back
// faster than one line of each run at a time). Those four ops are exact in
// each lane, so the results are the scalar body's bit for bit. Measured in
// a standalone copy of the loops ([4096, 4096] a.t() + b, two threads, one
// process, variants alternated 15 times, medians, against a 64 MiB memcpy
// in the same process): at a copy of 64.5 GB/s, whole-tile buffers 44.4
// GB/s (0.69), strips 47.8 (0.74), registers with the prefetch 55.2
// (0.86); in other runs registers without the prefetch 50.2 against 56.0
// with it (copy 62.4), 8-wide AVX2 transposes in registers 48.1 against
// 59.3 (copy 68.3), and storing each block and loading it back at once to
// run a body on it 35.0 against 47.6 (copy 54.4: a 64-byte load right
// after the 64-byte stores it reads stalls).

// Stands for "no vector form" in RunPlan's `vec`.
struct NoVec {};

// out(r, c) = vec(x(r, c), y(r, c)) for r in [0, rows), c in [0, cols),
// multiples of 16: the transposed operand t (element (r, c) at t[r + c *
// t_col]) is x when t_first, else y; the other, d, is at d[r * d_row + c];
// out is at o[r * o_row + c], stored with non-temporal stores when `stream`
// (o and o_row then 64-byte aligned). While r < 16, prefetches next_t's
// runs of next_bytes at next_t + c * t_col for c < next_cols (none when
// next_t is null). Requires HasAvx512F().
template <bool t_first, typename Vec>
AOT_TARGET_AVX512 void TransposedBlocksAvx512(const float* t, int64_t t_col, const float* d, int64_t d_row, float* o,
                                              int64_t o_row, int64_t rows, int64_t cols, bool stream,
                                              const float* next_t, int64_t next_cols, int64_t next_bytes,
                                              const Vec& vec) {
  for (int64_t r0 = 0; r0 < rows; r0 += 16) {
    for (int64_t c0 = 0; c0 < cols; c0 += 16) {
      __m512 x[16];
      for (int i = 0; i < 16; ++i) x[i] = _mm512_loadu_ps(t + (c0 + i) * t_col + r0);
      if (r0 == 0 && next_t != nullptr) {
        for (int64_t c = c0; c < std::min(c0 + 16, next_cols); ++c) {
          PrefetchLines(reinterpret_cast<const char*>(next_t + c * t_col), next_bytes, /*for_write=*/false);
        }
      }
      Transpose16x16(x);
      for (int i = 0; i < 16; ++i) {
        const __m512 y = _mm512_loadu_ps(d + (r0 + i) * d_row + c0);
        const __m512 v = t_first ? vec(x[i], y) : vec(y, x[i]);
        float* out = o + (r0 + i) * o_row + c0;
        if (stream) {
          _mm512_stream_ps(out, v);
        } else {
          _mm512_storeu_ps(out, v);
        }
      }
    }
  }
}

// Runs body(ptrs, n, inner_strides) over the plan: `ptrs` point at the start
// of a run of `n` elements along the innermost dimension. N = number of
// operands (output first). Work is split across threads by rows; a single
// long row is split into chunks. See Note [Strided tiles] for operands that
// walk the innermost dimension with a large stride (a transposed input).
//
// `vec`, where given (N = 3, float operands), is the body's op on __m512
// vectors, for Note [Transposed blocks in registers].
template <int N, typename Body, typename Vec = NoVec>
void RunPlan(const Plan& plan_in, std::array<char*, N> base, std::array<int64_t, N> elem_size, const Body& body,
             const Vec& vec = {}) {
  const int rank = static_cast<int>(plan_in.sizes.size());
  for (int64_t s : plan_in.sizes) {
    if (s == 0) return;
  }
  std::array<int64_t, N> inner{};
  if (rank == 0) {
    body(base, int64_t{1}, inner);
    return;
  }
  for (int k = 0; k < N; ++k) inner[k] = plan_in.strides[k][rank - 1];
  const int64_t inner_n = plan_in.sizes[rank - 1];
  if (rank == 1) {
    ParallelFor(inner_n, kGrain, [&](int64_t b, int64_t e) {
      std::array<char*, N> ptrs;
      for (int k = 0; k < N; ++k) ptrs[k] = base[k] + b * inner[k] * elem_size[k];
      body(ptrs, e - b, inner);
    });
    return;
  }
  std::array<bool, N> packed{};
  const int tile_dim = ChooseTileDim(plan_in, elem_size.data(), N, packed.data());
  if (tile_dim < 0) {
    // Rows of the innermost dimension.
    const int64_t rows = plan_in.NumRows();
    ParallelFor(rows, std::max<int64_t>(1, kGrain / inner_n), [&](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; ++row) {
        std::array<char*, N> ptrs;
        for (int k = 0; k < N; ++k) ptrs[k] = base[k] + plan_in.RowOffset(k, row) * elem_size[k];
        body(ptrs, inner_n, inner);
      }
    });
    return;
  }
  // Tiles: move the tile dimension next to the innermost one, then visit
  // kTileRows x kTileCols tiles; work items are bands of kTileRows rows (of
  // every outer index), each split into column chunks when there are few.
  const Plan plan = plan_in.WithDimSecondInnermost(tile_dim);
  const int64_t rows2 = plan.sizes[rank - 2];
  const int64_t bands = (rows2 + kTileRows - 1) / kTileRows;
  int64_t outer = 1;
  for (int d = 0; d < rank - 2; ++d) outer *= plan.sizes[d];
  const int64_t col_tiles = (inner_n + kTileCols - 1) / kTileCols;
  const int64_t col_chunks = std::clamp<int64_t>(4 * NumThreads() / std::max<int64_t>(outer * bands, 1), 1, col_tiles);
  const int64_t tiles_per_chunk = (col_tiles + col_chunks - 1) / col_chunks;
  const int64_t items = outer * bands * col_chunks;
  const int64_t per_item = kTileRows * tiles_per_chunk * kTileCols;
  std::array<int64_t, N> row_stride, unit;
  for (int k = 0; k < N; ++k) {
    row_stride[k] = plan.strides[k][rank - 2];
    unit[k] = packed[k] ? 1 : inner[k];
  }
  // See Note [Streaming the output].
  int64_t out_bytes = elem_size[0];
  for (int64_t s : plan.sizes) out_bytes *= s;
  const bool stream_out = !packed[0] && inner[0] == 1 && out_bytes >= kStreamingStoreBytes;
  // See Note [Transposed blocks in registers]: two float inputs, one
  // packed and contiguous along the rows, the other and the output
  // contiguous along the columns.
  constexpr bool kHasVec = N == 3 && !std::is_same_v<Vec, NoVec>;
  bool in_registers = false;
  int tk = 0, dk = 0;  // The transposed input and the other.
  if constexpr (kHasVec) {
    tk = packed[1] ? 1 : 2;
    dk = 3 - tk;
    in_registers = HasAvx512F() && !packed[0] && inner[0] == 1 && packed[tk] && !packed[dk] && row_stride[tk] == 1 &&
                   inner[tk] > 0 && inner[dk] == 1;
    for (int k = 0; k < N; ++k) in_registers = in_registers && elem_size[k] == 4;
  }
  ParallelFor(items, std::max<int64_t>(1, kGrain / per_item), [&](int64_t begin, int64_t end) {
    // The operands' strip buffers, then the output's row buffer where it
    // streams; elements are at most 8 bytes. All 64-byte aligned, so the
    // rows the transposes store and the body loads are whole cache lines.
    constexpr int64_t kStripDoubles = kStripRows * kTileCols;
    std::unique_ptr<double[]> storage(new double[N * kStripDoubles + kTileCols + 64 / sizeof(double)]);
    char* const aligned = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(storage.get()) + 63) & ~uintptr_t{63});
    std::array<char*, N> buf;
    for (int k = 0; k < N; ++k) buf[k] = aligned + k * kStripDoubles * sizeof(double);
    char* const row_buf = aligned + N * kStripDoubles * sizeof(double);
    // Rows [0, nr) and columns [0, nc) from `corner` (the operands'
    // pointers there), in strips of kStripRows rows: each packed operand's
    // strip is copied to its buffer, then the body runs row by row.
    auto run_rect = [&](const std::array<char*, N>& corner, int64_t nr, int64_t nc) {
      if (nr <= 0 || nc <= 0) return;
      for (int64_t s0 = 0; s0 < nr; s0 += kStripRows) {
        const int64_t ns = std::min(kStripRows, nr - s0);
        for (int k = 1; k < N; ++k) {
          if (!packed[k]) continue;
          CopyTile(corner[k] + s0 * row_stride[k] * elem_size[k], row_stride[k], inner[k], buf[k], kTileCols, 1, ns, nc,
                   elem_size[k]);
        }
        for (int64_t r = s0; r < s0 + ns; ++r) {
          if (r + kTileRowsAhead < nr) {
            for (int k = stream_out ? 1 : 0; k < N; ++k) {
              if (packed[k] || inner[k] <= 0) continue;  // (Negative strides, rare, go without.)
              PrefetchLines(corner[k] + (r + kTileRowsAhead) * row_stride[k] * elem_size[k],
                            nc * inner[k] * elem_size[k], /*for_write=*/k == 0);
            }
          }
          std::array<char*, N> ptrs;
          for (int k = 0; k < N; ++k) {
            ptrs[k] = packed[k] ? buf[k] + (r - s0) * kTileCols * elem_size[k]
                                : corner[k] + r * row_stride[k] * elem_size[k];
          }
          char* out_row = ptrs[0];
          if (stream_out) ptrs[0] = row_buf;
          body(ptrs, nc, unit);
          if (stream_out) StreamRow(out_row, row_buf, nc * elem_size[0]);
        }
        if (packed[0]) {
          CopyTile(buf[0], kTileCols, 1, corner[0] + s0 * row_stride[0] * elem_size[0], row_stride[0], inner[0], ns, nc,
                   elem_size[0]);
        }
      }
    };
    // The tile `t` (a column tile index) of work item `item`.
    struct Tile {
      std::array<char*, N> corner;
      int64_t nr, nc;
    };
    auto tile_at = [&](int64_t item, int64_t t) {
      const int64_t band = (item / col_chunks) % bands, o = item / (col_chunks * bands);
      const int64_t r0 = band * kTileRows, c0 = t * kTileCols;
      Tile tile{{}, std::min(kTileRows, rows2 - r0), std::min(kTileCols, inner_n - c0)};
      for (int k = 0; k < N; ++k) {
        tile.corner[k] = base[k] + (plan.OuterOffset(k, o) + r0 * row_stride[k] + c0 * inner[k]) * elem_size[k];
      }
      return tile;
    };
    auto first_tile = [&](int64_t item) { return item % col_chunks * tiles_per_chunk; };
    auto end_tile = [&](int64_t item) { return std::min(col_tiles, (item % col_chunks + 1) * tiles_per_chunk); };
    for (int64_t item = begin; item < end; ++item) {
      for (int64_t t = first_tile(item); t < end_tile(item); ++t) {
        const Tile tile = tile_at(item, t);
        const std::array<char*, N>& corner = tile.corner;
        const int64_t nr = tile.nr, nc = tile.nc;
        // The tile this thread works on next, if any, whose runs of the
        // packed operands are prefetched, each whole, while this one is
        // worked on (Note [Transposed blocks in registers]).
        Tile next{{}, 0, 0};
        if (t + 1 < end_tile(item)) {
          next = tile_at(item, t + 1);
        } else if (item + 1 < end && first_tile(item + 1) < end_tile(item + 1)) {
          next = tile_at(item + 1, first_tile(item + 1));
        }
        if constexpr (kHasVec) {
          if (in_registers) {
            // The whole 16 x 16 blocks in registers, the rest in strips.
            const int64_t nr16 = nr / 16 * 16, nc16 = nc / 16 * 16;
            const bool stream = stream_out && reinterpret_cast<uintptr_t>(corner[0]) % 64 == 0 && row_stride[0] % 16 == 0;
            const float* next_t = next.nc > 0 ? reinterpret_cast<const float*>(next.corner[tk]) : nullptr;
            auto blocks = [&]<bool kFirst>() {
              TransposedBlocksAvx512<kFirst>(reinterpret_cast<const float*>(corner[tk]), inner[tk],
                                             reinterpret_cast<const float*>(corner[dk]), row_stride[dk],
                                             reinterpret_cast<float*>(corner[0]), row_stride[0], nr16, nc16, stream,
                                             next_t, next.nc, next.nr * 4, vec);
            };
            if (tk == 1) {
              blocks.template operator()<true>();
            } else {
              blocks.template operator()<false>();
            }
            std::array<char*, N> below, right;
            for (int k = 0; k < N; ++k) {
              below[k] = corner[k] + nr16 * row_stride[k] * elem_size[k];
              right[k] = corner[k] + nc16 * inner[k] * elem_size[k];
            }
            run_rect(below, nr - nr16, nc);
            run_rect(right, nr16, nc - nc16);
            continue;
          }
        }
        for (int k = 1; k < N; ++k) {
          if (!packed[k] || row_stride[k] != 1) continue;
          for (int64_t c = 0; c < next.nc; ++c) {
            PrefetchLines(next.corner[k] + c * inner[k] * elem_size[k], next.nr * elem_size[k], /*for_write=*/false);
          }
        }
        run_rect(corner, nr, nc);
      }
    }
    if (stream_out) _mm_sfence();
  });
}

// Loads / stores W lanes of T (8 floats or 4 doubles).
template <typename T>
inline auto LoadVec(const T* p) {
  if constexpr (std::is_same_v<T, float>) {
    return _mm256_loadu_ps(p);
  } else {
    return _mm256_loadu_pd(p);
  }
}
inline void StoreVec(float* p, __m256 v) { _mm256_storeu_ps(p, v); }
inline void StoreVec(double* p, __m256d v) { _mm256_storeu_pd(p, v); }

template <typename Out, typename In, typename F>
void UnaryRow(Out* o, const In* a, int64_t n, int64_t so, int64_t sa, const F& f) {
  constexpr bool kVec = std::is_same_v<Out, In> && ((std::is_same_v<In, float> && HasVecF<F>) ||
                                                    (std::is_same_v<In, double> && HasVecD<F>));
  if constexpr (kVec) {
    // Every element goes through the vector form (tails and strided rows
    // through a padded buffer), so that results do not depend on where a
    // row or chunk splits or on the layout.
    constexpr int W = 32 / sizeof(In);
    int64_t i = 0;
    if (so == 1 && sa == 1) {
      if constexpr (std::is_same_v<In, float> && HasRow16<F>) {
        if (HasAvx512F()) {
          while (n - i >= 16) {
            i += f.Row16(a + i, o + i, n - i);
            if (n - i >= 16) {
              // A block Row16 leaves to the 8-lane form.
              StoreVec(o + i, f.Vec(LoadVec(a + i)));
              StoreVec(o + i + 8, f.Vec(LoadVec(a + i + 8)));
              i += 16;
            }
          }
        }
      }
      for (; i + W <= n; i += W) StoreVec(o + i, f.Vec(LoadVec(a + i)));
      if (i == n) return;
    }
    In buf[W];
    if (sa == 0) {
      std::fill_n(buf, W, a[0]);
      StoreVec(buf, f.Vec(LoadVec(buf)));
      for (; i < n; ++i) o[i * so] = buf[0];
      return;
    }
    for (; i < n; i += W) {
      const int64_t m = std::min<int64_t>(W, n - i);
      for (int64_t j = 0; j < W; ++j) buf[j] = j < m ? a[(i + j) * sa] : In(0);
      StoreVec(buf, f.Vec(LoadVec(buf)));
      for (int64_t j = 0; j < m; ++j) o[(i + j) * so] = buf[j];
    }
  } else if (so == 1 && sa == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
  } else if (so == 1 && sa == 0) {
    const Out v = f(a[0]);
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  } else {
    for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * sa]);
  }
}

template <typename Out, typename A, typename B, typename F>
void BinaryRow(Out* o, const A* a, const B* b, int64_t n, int64_t so, int64_t sa, int64_t sb, const F& f) {
  if (so == 1 && sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
  } else if (so == 1 && sa == 1 && sb == 0) {
    const B y = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], y);
  } else if (so == 1 && sa == 0 && sb == 1) {
    const A x = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = f(x, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i * so] = f(a[i * sa], b[i * sb]);
  }
}

}  // namespace internal

// out[i] = f(a[i]); `a` broadcasts to out's shape.
template <typename Out, typename In, typename F>
void MapUnary(const Tensor& out, const Tensor& a, const F& f) {
  Out* o = out.data_ptr<Out>();
  const In* x = a.data_ptr<In>();
  const int64_t n = out.numel();
  if (internal::IsDense(out, out.sizes()) && internal::IsDense(a, out.sizes())) {
    ParallelFor(n, kGrain, [&](int64_t b, int64_t e) { internal::UnaryRow<Out, In>(o + b, x + b, e - b, 1, 1, f); });
    return;
  }
  absl::InlinedVector<int64_t, 6> s[2] = {
      absl::InlinedVector<int64_t, 6>(out.strides().begin(), out.strides().end()),
      internal::BroadcastStrides(a, out.sizes())};
  internal::Plan plan = internal::MakePlan(out.sizes(), s);
  internal::RunPlan<2>(plan, {reinterpret_cast<char*>(o), reinterpret_cast<char*>(const_cast<In*>(x))},
                       {sizeof(Out), sizeof(In)},
                       [&](std::array<char*, 2> p, int64_t len, std::array<int64_t, 2> st) {
                         internal::UnaryRow<Out, In>(reinterpret_cast<Out*>(p[0]), reinterpret_cast<const In*>(p[1]),
                                                     len, st[0], st[1], f);
                       });
}

// out[i] = f(a[i], b[i]); `a` and `b` broadcast to out's shape. `vec`,
// where given (float operands only), is f on __m512 vectors (Note
// [Transposed blocks in registers]), e.g. [](auto x, auto y) { return x + y; }.
template <typename Out, typename A, typename B, typename F, typename Vec = internal::NoVec>
void MapBinary(const Tensor& out, const Tensor& a, const Tensor& b, const F& f, const Vec& vec = {}) {
  static_assert(std::is_same_v<Vec, internal::NoVec> ||
                    (std::is_same_v<Out, float> && std::is_same_v<A, float> && std::is_same_v<B, float>),
                "a vector form is for float operands");
  Out* o = out.data_ptr<Out>();
  const A* x = a.data_ptr<A>();
  const B* y = b.data_ptr<B>();
  const int64_t n = out.numel();
  if (internal::IsDense(out, out.sizes()) && internal::IsDense(a, out.sizes()) && internal::IsDense(b, out.sizes())) {
    ParallelFor(n, kGrain, [&](int64_t s, int64_t e) {
      internal::BinaryRow<Out, A, B>(o + s, x + s, y + s, e - s, 1, 1, 1, f);
    });
    return;
  }
  absl::InlinedVector<int64_t, 6> s[3] = {
      absl::InlinedVector<int64_t, 6>(out.strides().begin(), out.strides().end()),
      internal::BroadcastStrides(a, out.sizes()), internal::BroadcastStrides(b, out.sizes())};
  internal::Plan plan = internal::MakePlan(out.sizes(), s);
  internal::RunPlan<3>(
      plan,
      {reinterpret_cast<char*>(o), reinterpret_cast<char*>(const_cast<A*>(x)),
       reinterpret_cast<char*>(const_cast<B*>(y))},
      {sizeof(Out), sizeof(A), sizeof(B)}, [&](std::array<char*, 3> p, int64_t len, std::array<int64_t, 3> st) {
        internal::BinaryRow<Out, A, B>(reinterpret_cast<Out*>(p[0]), reinterpret_cast<const A*>(p[1]),
                                       reinterpret_cast<const B*>(p[2]), len, st[0], st[1], st[2], f);
      },
      vec);
}

// out[i] = f(a[i], b[i], c[i]) (where, and backward ops with three inputs).
template <typename Out, typename A, typename B, typename C, typename F>
void MapTernary(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& c, const F& f) {
  Out* o = out.data_ptr<Out>();
  const A* x = a.data_ptr<A>();
  const B* y = b.data_ptr<B>();
  const C* z = c.data_ptr<C>();
  absl::InlinedVector<int64_t, 6> s[4] = {
      absl::InlinedVector<int64_t, 6>(out.strides().begin(), out.strides().end()),
      internal::BroadcastStrides(a, out.sizes()), internal::BroadcastStrides(b, out.sizes()),
      internal::BroadcastStrides(c, out.sizes())};
  internal::Plan plan = internal::MakePlan(out.sizes(), s);
  internal::RunPlan<4>(plan,
                       {reinterpret_cast<char*>(o), reinterpret_cast<char*>(const_cast<A*>(x)),
                        reinterpret_cast<char*>(const_cast<B*>(y)), reinterpret_cast<char*>(const_cast<C*>(z))},
                       {sizeof(Out), sizeof(A), sizeof(B), sizeof(C)},
                       [&](std::array<char*, 4> p, int64_t len, std::array<int64_t, 4> st) {
                         Out* po = reinterpret_cast<Out*>(p[0]);
                         const A* pa = reinterpret_cast<const A*>(p[1]);
                         const B* pb = reinterpret_cast<const B*>(p[2]);
                         const C* pc = reinterpret_cast<const C*>(p[3]);
                         if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
                           for (int64_t i = 0; i < len; ++i) po[i] = f(pa[i], pb[i], pc[i]);
                         } else {
                           for (int64_t i = 0; i < len; ++i) po[i * st[0]] = f(pa[i * st[1]], pb[i * st[2]], pc[i * st[3]]);
                         }
                       });
}

}  // namespace aot::cpu

#endif  // AOT_BACKENDS_CPU_ELEMENTWISE_H_
