// The elementwise engine of the CPU backend: applies a functor to every
// element of operands that broadcast to one output shape, with any strides.
//
//   // out[i] = a[i] + alpha * b[i], inputs broadcast to out's shape:
//   MapBinary<float>(out, a, b, [alpha](float x, float y) { return x + alpha * y; });
//
// Inputs must already have the element type the functor takes (Contiguous()
// or ConvertTo() converts); the output may be a strided view (in-place ops
// write through self's strides). The fast path (every operand contiguous and
// of the output's shape) is one flat loop that GCC vectorizes, split across
// threads in chunks of kGrain; otherwise dimensions are coalesced and the
// innermost one runs as a strided loop per row. Functors may also provide a
// vector form for 8 floats / 4 doubles (see Note [Vector functors]).
#ifndef AOT_BACKENDS_CPU_ELEMENTWISE_H_
#define AOT_BACKENDS_CPU_ELEMENTWISE_H_

#include <immintrin.h>

#include <array>
#include <cstdint>
#include <type_traits>

#include "absl/container/inlined_vector.h"
#include "aot/backends/cpu/cpu_utils.h"
#include "aot/tensor/tensor.h"

namespace aot::cpu {

// Note [Vector functors]
// A unary functor for float may define `__m256 Vec(__m256 x) const` (and for
// double `__m256d Vec(__m256d x) const`); the contiguous fast path then runs
// 8 (4) lanes at a time through it, with the scalar operator() for the tail.
// This is how transcendental functions use SLEEF's vectorised versions.
template <typename F>
concept HasVecF = requires(const F& f, __m256 v) { f.Vec(v); };
template <typename F>
concept HasVecD = requires(const F& f, __m256d v) { f.Vec(v); };

namespace internal {

// Strides (in elements) of `t` broadcast to `out_sizes` (0 where broadcast).
absl::InlinedVector<int64_t, 6> BroadcastStrides(const Tensor& t, absl::Span<const int64_t> out_sizes);

// An iteration space after coalescing: sizes and per-operand strides, the
// innermost dimension last. Operand 0 is the output.
struct Plan {
  absl::InlinedVector<int64_t, 6> sizes;
  std::array<absl::InlinedVector<int64_t, 6>, 4> strides;
  int num_operands = 0;
};
Plan MakePlan(absl::Span<const int64_t> out_sizes, absl::Span<const absl::InlinedVector<int64_t, 6>> strides);

// True if `t` is contiguous with exactly `sizes`.
bool IsDense(const Tensor& t, absl::Span<const int64_t> sizes);

// Runs body(ptrs, n, inner_strides) over the plan: `ptrs` point at the start
// of a run of `n` elements along the innermost dimension. N = number of
// operands (output first). Work is split across threads by rows; a single
// long row is split into chunks; when an operand walks the innermost
// dimension with a large stride (a transposed input), the two innermost
// dimensions are visited in kTile x kTile tiles so that the lines that
// operand touches are reused from cache.
template <int N, typename Body>
void RunPlan(const Plan& plan, std::array<char*, N> base, std::array<int64_t, N> elem_size, const Body& body) {
  const int rank = static_cast<int>(plan.sizes.size());
  std::array<int64_t, N> inner{};
  if (rank == 0) {
    body(base, int64_t{1}, inner);
    return;
  }
  const int64_t inner_n = plan.sizes[rank - 1];
  for (int k = 0; k < N; ++k) inner[k] = plan.strides[k][rank - 1];
  if (rank == 1) {
    ParallelFor(inner_n, kGrain, [&](int64_t b, int64_t e) {
      std::array<char*, N> ptrs;
      for (int k = 0; k < N; ++k) ptrs[k] = base[k] + b * inner[k] * elem_size[k];
      body(ptrs, e - b, inner);
    });
    return;
  }
  constexpr int64_t kTile = 32;
  bool tile = false;
  for (int k = 0; k < N; ++k) {
    int64_t s = inner[k] < 0 ? -inner[k] : inner[k];
    if (s > 16 && plan.strides[k][rank - 2] != 0) tile = true;
  }
  tile = tile && inner_n >= kTile && plan.sizes[rank - 2] >= kTile;
  // Work items: rows of the outer dimensions, in tiles of kTile rows of the
  // second-innermost dimension when tiling.
  const int64_t rows2 = plan.sizes[rank - 2];
  const int64_t row_groups = tile ? (rows2 + kTile - 1) / kTile : rows2;
  int64_t outer = 1;
  for (int d = 0; d < rank - 2; ++d) outer *= plan.sizes[d];
  const int64_t items = outer * row_groups;
  const int64_t per_item = (tile ? kTile : 1) * inner_n;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(per_item, 1));
  ParallelFor(items, grain, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      int64_t o = item / row_groups, g = item % row_groups;
      std::array<char*, N> origin;
      for (int k = 0; k < N; ++k) {
        int64_t off = 0, r = o;
        for (int d = rank - 3; d >= 0; --d) {
          off += (r % plan.sizes[d]) * plan.strides[k][d];
          r /= plan.sizes[d];
        }
        origin[k] = base[k] + off * elem_size[k];
      }
      auto run_row = [&](int64_t row, int64_t col0, int64_t len) {
        std::array<char*, N> ptrs;
        for (int k = 0; k < N; ++k) {
          ptrs[k] = origin[k] + (row * plan.strides[k][rank - 2] + col0 * inner[k]) * elem_size[k];
        }
        body(ptrs, len, inner);
      };
      if (!tile) {
        run_row(g, 0, inner_n);
        continue;
      }
      const int64_t r0 = g * kTile, r1 = std::min(rows2, r0 + kTile);
      for (int64_t c0 = 0; c0 < inner_n; c0 += kTile) {
        const int64_t len = std::min(kTile, inner_n - c0);
        for (int64_t row = r0; row < r1; ++row) run_row(row, c0, len);
      }
    }
  });
}

template <typename Out, typename In, typename F>
void UnaryRow(Out* o, const In* a, int64_t n, int64_t so, int64_t sa, const F& f) {
  if (so == 1 && sa == 1) {
    int64_t i = 0;
    if constexpr (std::is_same_v<Out, float> && std::is_same_v<In, float> && HasVecF<F>) {
      for (; i + 8 <= n; i += 8) _mm256_storeu_ps(o + i, f.Vec(_mm256_loadu_ps(a + i)));
    } else if constexpr (std::is_same_v<Out, double> && std::is_same_v<In, double> && HasVecD<F>) {
      for (; i + 4 <= n; i += 4) _mm256_storeu_pd(o + i, f.Vec(_mm256_loadu_pd(a + i)));
    }
    for (; i < n; ++i) o[i] = f(a[i]);
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

// out[i] = f(a[i], b[i]); `a` and `b` broadcast to out's shape.
template <typename Out, typename A, typename B, typename F>
void MapBinary(const Tensor& out, const Tensor& a, const Tensor& b, const F& f) {
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
      });
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
