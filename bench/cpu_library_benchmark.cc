// The measurement behind docs/design/cpu_backend.md: which CPU library the
// matmul and convolution kernels call. Each candidate runs on the same
// buffers, as the kernels would use it (plain row-major matrices, NCHW
// activations and OIHW weights in and out); primitives and plans are built
// once, outside the timed loop, as a kernel would cache them.
//
//   Matmul (C[M,N] = A[M,K] B[K,N], float32): OpenBLAS cblas_sgemm, Eigen 3.4
//   (OpenMP-threaded GEMM, compiled with the kernels' -mavx2 -mfma), oneDNN
//   2.6's matmul primitive and its BLAS-style dnnl::sgemm.
//   Conv2d (float32, NCHW): oneDNN convolution on plain nchw/oihw memory,
//   oneDNN on its preferred blocked layouts with the reorders to and from NCHW
//   counted, and im2col (serial or OpenMP) + OpenBLAS sgemm per image
//   (PyTorch's slow_conv2d).
//   An MLP training step mixing the BLAS with OpenMP-parallel elementwise
//   work, OpenBLAS vs oneDNN.
//
//   bazel run --config=opt //bench:cpu_library_benchmark --
//     --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// (one command line). On a shared machine, run each case in its own process
// while the machine is otherwise idle (see the design doc): the OpenMP
// libraries lose most when another process takes a core.
#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "Eigen/Core"
#include "benchmark/benchmark.h"
#include "cblas.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace aot::bench {
namespace {

std::vector<float> Random(int64_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(gen);
  return v;
}

void SetGflops(benchmark::State& state, double flops) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// --- Matmul -------------------------------------------------------------------

struct Gemm {
  int64_t m, n, k;
  std::vector<float> a, b, c;
  explicit Gemm(const benchmark::State& state)
      : m(state.range(0)), n(state.range(1)), k(state.range(2)),
        a(Random(m * k, 1)), b(Random(k * n, 2)), c(static_cast<size_t>(m * n)) {}
  double flops() const { return 2.0 * m * n * k; }
};

void BM_Sgemm_OpenBlas(benchmark::State& state) {
  Gemm g(state);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g.m, g.n, g.k, 1.f, g.a.data(), g.k, g.b.data(), g.n,
                0.f, g.c.data(), g.n);
    benchmark::DoNotOptimize(g.c.data());
  }
  SetGflops(state, g.flops());
}

void BM_Sgemm_Eigen(benchmark::State& state) {
  Gemm g(state);
  using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> a(g.a.data(), g.m, g.k);
  Eigen::Map<const Mat> b(g.b.data(), g.k, g.n);
  Eigen::Map<Mat> c(g.c.data(), g.m, g.n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(g.c.data());
  }
  SetGflops(state, g.flops());
}

void BM_Sgemm_OneDnn(benchmark::State& state) {
  Gemm g(state);
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  dnnl::memory::desc ad({g.m, g.k}, dt::f32, tag::ab), bd({g.k, g.n}, dt::f32, tag::ab),
      cd({g.m, g.n}, dt::f32, tag::ab);
  dnnl::matmul prim(dnnl::matmul::primitive_desc(dnnl::matmul::desc(ad, bd, cd), eng));
  dnnl::memory am(ad, eng, g.a.data()), bm(bd, eng, g.b.data()), cm(cd, eng, g.c.data());
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}};
  for (auto _ : state) {
    prim.execute(strm, args);
    strm.wait();
    benchmark::DoNotOptimize(g.c.data());
  }
  SetGflops(state, g.flops());
}

// oneDNN's BLAS-style entry point: no primitive to create, same JIT kernels.
void BM_Sgemm_OneDnnSgemm(benchmark::State& state) {
  Gemm g(state);
  for (auto _ : state) {
    dnnl::sgemm('N', 'N', g.m, g.n, g.k, 1.f, g.a.data(), g.k, g.b.data(), g.n, 0.f, g.c.data(), g.n);
    benchmark::DoNotOptimize(g.c.data());
  }
  SetGflops(state, g.flops());
}

void MatmulArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"M", "N", "K"});
  for (int64_t s : {256, 512, 1024, 2048}) b->Args({s, s, s});
  // An MLP on MNIST, batch 128: 784 -> 256 forward, and the weight gradient.
  b->Args({128, 256, 784});
  b->Args({784, 256, 128});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Sgemm_OpenBlas)->Apply(MatmulArgs);
BENCHMARK(BM_Sgemm_Eigen)->Apply(MatmulArgs);
BENCHMARK(BM_Sgemm_OneDnn)->Apply(MatmulArgs);
BENCHMARK(BM_Sgemm_OneDnnSgemm)->Apply(MatmulArgs);

// --- Conv2d -------------------------------------------------------------------

struct Conv {
  int64_t n, c, h, w, oc, kh, kw, stride, pad;
  int64_t oh, ow;
  std::vector<float> x, wt, y;
  explicit Conv(const benchmark::State& state)
      : n(state.range(0)), c(state.range(1)), h(state.range(2)), w(state.range(2)), oc(state.range(3)),
        kh(state.range(4)), kw(state.range(4)), stride(state.range(5)), pad(state.range(6)),
        oh((h + 2 * pad - kh) / stride + 1), ow((w + 2 * pad - kw) / stride + 1),
        x(Random(n * c * h * w, 3)), wt(Random(oc * c * kh * kw, 4)), y(static_cast<size_t>(n * oc * oh * ow)) {}
  double flops() const { return 2.0 * n * oc * oh * ow * c * kh * kw; }
  dnnl::memory::dims src_dims() const { return {n, c, h, w}; }
  dnnl::memory::dims wei_dims() const { return {oc, c, kh, kw}; }
  dnnl::memory::dims dst_dims() const { return {n, oc, oh, ow}; }
};

void RunOneDnnConv(benchmark::State& state, bool blocked) {
  Conv cv(state);
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  dnnl::memory::desc src_plain(cv.src_dims(), dt::f32, tag::nchw), wei_plain(cv.wei_dims(), dt::f32, tag::oihw),
      dst_plain(cv.dst_dims(), dt::f32, tag::nchw);
  tag want = blocked ? tag::any : tag::undef;
  auto md = [&](const dnnl::memory::dims& d, const dnnl::memory::desc& plain) {
    return blocked ? dnnl::memory::desc(d, dt::f32, want) : plain;
  };
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                       md(cv.src_dims(), src_plain), md(cv.wei_dims(), wei_plain),
                                       md(cv.dst_dims(), dst_plain), {cv.stride, cv.stride}, {cv.pad, cv.pad},
                                       {cv.pad, cv.pad});
  dnnl::convolution_forward::primitive_desc pd(desc, eng);
  dnnl::memory x(src_plain, eng, cv.x.data()), w(wei_plain, eng, cv.wt.data()), y(dst_plain, eng, cv.y.data());
  dnnl::memory xi = x, wi = w, yi = y;
  std::vector<std::pair<dnnl::reorder, std::unordered_map<int, dnnl::memory>>> pre, post;
  if (pd.src_desc() != src_plain) {
    xi = dnnl::memory(pd.src_desc(), eng);
    pre.push_back({dnnl::reorder(x, xi), {{DNNL_ARG_FROM, x}, {DNNL_ARG_TO, xi}}});
  }
  if (pd.weights_desc() != wei_plain) {
    wi = dnnl::memory(pd.weights_desc(), eng);
    pre.push_back({dnnl::reorder(w, wi), {{DNNL_ARG_FROM, w}, {DNNL_ARG_TO, wi}}});
  }
  if (pd.dst_desc() != dst_plain) {
    yi = dnnl::memory(pd.dst_desc(), eng);
    post.push_back({dnnl::reorder(yi, y), {{DNNL_ARG_FROM, yi}, {DNNL_ARG_TO, y}}});
  }
  dnnl::convolution_forward prim(pd);
  std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, xi}, {DNNL_ARG_WEIGHTS, wi}, {DNNL_ARG_DST, yi}};
  for (auto _ : state) {
    for (auto& [r, a] : pre) r.execute(strm, a);
    prim.execute(strm, args);
    for (auto& [r, a] : post) r.execute(strm, a);
    strm.wait();
    benchmark::DoNotOptimize(cv.y.data());
  }
  state.SetLabel(pd.impl_info_str());
  SetGflops(state, cv.flops());
}

void BM_Conv2d_OneDnnPlain(benchmark::State& state) { RunOneDnnConv(state, /*blocked=*/false); }
void BM_Conv2d_OneDnnBlocked(benchmark::State& state) { RunOneDnnConv(state, /*blocked=*/true); }

// im2col (threaded with OpenMP when `omp_im2col`, else serial) and one
// OpenBLAS sgemm per image.
void RunIm2colSgemm(benchmark::State& state, bool omp_im2col) {
  Conv cv(state);
  int64_t kdim = cv.c * cv.kh * cv.kw, cols = cv.oh * cv.ow;
  std::vector<float> col(static_cast<size_t>(kdim * cols));
  for (auto _ : state) {
    for (int64_t b = 0; b < cv.n; ++b) {
      const float* img = cv.x.data() + b * cv.c * cv.h * cv.w;
#pragma omp parallel for schedule(static) if (omp_im2col)
      for (int64_t r = 0; r < kdim; ++r) {
        int64_t ci = r / (cv.kh * cv.kw), ky = r / cv.kw % cv.kh, kx = r % cv.kw;
        float* out = col.data() + r * cols;
        for (int64_t oy = 0; oy < cv.oh; ++oy) {
          int64_t iy = oy * cv.stride - cv.pad + ky;
          for (int64_t ox = 0; ox < cv.ow; ++ox) {
            int64_t ix = ox * cv.stride - cv.pad + kx;
            out[oy * cv.ow + ox] = (iy >= 0 && iy < cv.h && ix >= 0 && ix < cv.w)
                                       ? img[(ci * cv.h + iy) * cv.w + ix]
                                       : 0.f;
          }
        }
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cv.oc, cols, kdim, 1.f, cv.wt.data(), kdim,
                  col.data(), cols, 0.f, cv.y.data() + b * cv.oc * cols, cols);
    }
    benchmark::DoNotOptimize(cv.y.data());
  }
  SetGflops(state, cv.flops());
}

void BM_Conv2d_Im2colSgemm(benchmark::State& state) { RunIm2colSgemm(state, /*omp_im2col=*/false); }
void BM_Conv2d_Im2colOmpSgemm(benchmark::State& state) { RunIm2colSgemm(state, /*omp_im2col=*/true); }

void ConvArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"N", "C", "HW", "OC", "K", "S", "P"});
  b->Args({8, 64, 56, 64, 3, 1, 1});  // ResNet layer1 3x3.
  b->Args({8, 3, 224, 64, 7, 2, 3});  // ResNet stem.
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Conv2d_OneDnnPlain)->Apply(ConvArgs);
BENCHMARK(BM_Conv2d_OneDnnBlocked)->Apply(ConvArgs);
BENCHMARK(BM_Conv2d_Im2colSgemm)->Apply(ConvArgs);
BENCHMARK(BM_Conv2d_Im2colOmpSgemm)->Apply(ConvArgs);

// --- Mixing BLAS and OpenMP ---------------------------------------------------------

// One MLP training step's products (batch 128, 784 -> 256 -> 10: forward,
// input and weight gradients) with an OpenMP-parallel ReLU between them, as
// the elementwise kernels run it: with OpenBLAS (its own pthreads, which
// compete with the OpenMP threads for the cores) and with oneDNN's sgemm
// (on the OpenMP threads).
void BM_MlpStep_OpenBlasAndOmp(benchmark::State& state) {
  const int b = 128, in = 784, hid = 256, out = 10;
  std::vector<float> x = Random(b * in, 1), w1 = Random(hid * in, 2), w2 = Random(out * hid, 3);
  std::vector<float> h(b * hid), y(b * out), dy = Random(b * out, 4), dh(b * hid), dw1(hid * in), dw2(out * hid);
  auto relu = [](float* p, int64_t n) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) p[i] = p[i] > 0.f ? p[i] : 0.f;
  };
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, hid, in, 1.f, x.data(), in, w1.data(), in, 0.f, h.data(),
                hid);
    relu(h.data(), b * hid);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, out, hid, 1.f, h.data(), hid, w2.data(), hid, 0.f,
                y.data(), out);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, hid, b, 1.f, dy.data(), out, h.data(), hid, 0.f,
                dw2.data(), hid);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, hid, out, 1.f, dy.data(), out, w2.data(), hid, 0.f,
                dh.data(), hid);
    relu(dh.data(), b * hid);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, hid, in, b, 1.f, dh.data(), hid, x.data(), in, 0.f,
                dw1.data(), in);
    benchmark::DoNotOptimize(dw1.data());
  }
  SetGflops(state, 2.0 * (2.0 * b * in * hid + 3.0 * b * hid * out));
}
BENCHMARK(BM_MlpStep_OpenBlasAndOmp)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same step with oneDNN's sgemm, which runs on the OpenMP threads.
void BM_MlpStep_OneDnnAndOmp(benchmark::State& state) {
  const int b = 128, in = 784, hid = 256, out = 10;
  std::vector<float> x = Random(b * in, 1), w1 = Random(hid * in, 2), w2 = Random(out * hid, 3);
  std::vector<float> h(b * hid), y(b * out), dy = Random(b * out, 4), dh(b * hid), dw1(hid * in), dw2(out * hid);
  auto relu = [](float* p, int64_t n) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) p[i] = p[i] > 0.f ? p[i] : 0.f;
  };
  for (auto _ : state) {
    dnnl::sgemm('N', 'T', b, hid, in, 1.f, x.data(), in, w1.data(), in, 0.f, h.data(), hid);
    relu(h.data(), b * hid);
    dnnl::sgemm('N', 'T', b, out, hid, 1.f, h.data(), hid, w2.data(), hid, 0.f, y.data(), out);
    dnnl::sgemm('T', 'N', out, hid, b, 1.f, dy.data(), out, h.data(), hid, 0.f, dw2.data(), hid);
    dnnl::sgemm('N', 'N', b, hid, out, 1.f, dy.data(), out, w2.data(), hid, 0.f, dh.data(), hid);
    relu(dh.data(), b * hid);
    dnnl::sgemm('T', 'N', hid, in, b, 1.f, dh.data(), hid, x.data(), in, 0.f, dw1.data(), in);
    benchmark::DoNotOptimize(dw1.data());
  }
  SetGflops(state, 2.0 * (2.0 * b * in * hid + 3.0 * b * hid * out));
}
BENCHMARK(BM_MlpStep_OneDnnAndOmp)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace aot::bench

BENCHMARK_MAIN();
