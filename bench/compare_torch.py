#!/usr/bin/env python3
"""Times in PyTorch eager the workloads of //bench:cuda_ops, beside aot.

Each workload has the name of its Google Benchmark case in
bench/cuda_ops_benchmark.cc (same sizes, dtypes and ops) and is timed as
cuda_ops times it, after a warm-up: with CUDA events around each call, and
with events around a batch of calls enqueued back to back (see time_ms);
each reports the median of the repetitions. With --aot_json (the output of
`cuda_ops --benchmark_out=FILE --benchmark_out_format=json` run with
--benchmark_repetitions), the table sets aot's medians beside PyTorch's.

The GPT-2 block (d=768, 12 heads, B=8, T=1024, float32, dropout 0) is the
same module as aot's models::Block: explicit attention (matmul, masked_fill,
softmax, matmul), GELU (tanh), forward + y.sum().backward(), grads set to
None each step. BM_Gpt2Block_sdpa uses scaled_dot_product_attention instead
(a reference only; aot has no fused attention).

Float32 matrix products and convolutions run without TF32, as aot's default.

  python3 bench/compare_torch.py [--aot_json aot.json] [--reps 10]
"""

import argparse
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False

DEV = "cuda"
KN = 1 << 26


def dtype_arg(v):
    return torch.float32 if v == 0 else torch.bfloat16


def rand(shape, dtype=torch.float32):
    return torch.randn(shape, device=DEV, dtype=torch.float32).to(dtype)


def time_ms(fn, reps, iters=None):
    """Per-call and back-to-back GPU times of fn in ms (medians over `reps`).

    Per call, as cuda_ops's manual time: the mean over `iters` calls of the
    time between events recorded just before and just after one call (the
    host's dispatch of the call and its launch latency included). Back to
    back, as cuda_ops's b2b_us counter: after each repetition's calls, one
    pair of events around about 2 ms of calls (1 to 100) enqueued without
    waiting, divided by their number.
    """
    fn()
    torch.cuda.synchronize()
    if iters is None:
        # About 0.1 s per repetition, as --benchmark_min_time=0.1.
        start, stop = torch.cuda.Event(True), torch.cuda.Event(True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        iters = max(1, min(1000, int(100.0 / max(start.elapsed_time(stop), 1e-3))))
    times, b2b = [], []
    for _ in range(reps):
        start, stop = torch.cuda.Event(True), torch.cuda.Event(True)
        total = 0.0
        for _ in range(iters):
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            total += start.elapsed_time(stop)
        per_call = total / iters
        times.append(per_call)
        batch = int(min(100.0, max(1.0, 2.0 / max(per_call, 1e-6))))
        torch.cuda.synchronize()
        start.record()
        for _ in range(batch):
            fn()
        stop.record()
        stop.synchronize()
        b2b.append(start.elapsed_time(stop) / batch)
    times.sort()
    b2b.sort()
    return times[len(times) // 2], b2b[len(b2b) // 2]


class CausalSelfAttention(nn.Module):
    def __init__(self, d, h, sdpa):
        super().__init__()
        self.h, self.sdpa = h, sdpa
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)

    def forward(self, x):
        b, t, c = x.shape
        hd = c // self.h
        q, k, v = self.c_attn(x).split(c, dim=2)
        q = q.reshape(b, t, self.h, hd).transpose(1, 2)
        k = k.reshape(b, t, self.h, hd).transpose(1, 2)
        v = v.reshape(b, t, self.h, hd).transpose(1, 2)
        if self.sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(2, 3)) * (1.0 / math.sqrt(hd))
            mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
            att = att.masked_fill(mask, float("-inf")).softmax(-1)
            y = att @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, c))


class Block(nn.Module):
    def __init__(self, d=768, h=12, sdpa=False):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, h, sdpa)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        m = self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        return x + m


def gpt2_step(sdpa):
    block = Block(sdpa=sdpa).to(DEV).train()
    x = rand((8, 1024, 768)).requires_grad_(True)

    def step():
        y = block(x)
        y.sum().backward()
        for p in block.parameters():
            p.grad = None
        x.grad = None

    return step


def workloads():
    w = {}
    a, b = rand(KN), rand(KN)
    w[f"BM_Copy_Reference/{KN}"] = lambda: b.copy_(a)
    for v in (0, 1):
        x, y = rand(KN, dtype_arg(v)), rand(KN, dtype_arg(v))
        w[f"BM_Elementwise_Add/{KN}/{v}"] = (lambda x=x, y=y: x + y)
        w[f"BM_Elementwise_Gelu/{KN}/{v}"] = (lambda x=x: F.gelu(x))
    x1, y1 = rand(1), rand(1)
    w["BM_Elementwise_Add/1/0"] = lambda: x1 + y1
    m, r = rand((16384, 4096)), rand(4096)
    w["BM_Elementwise_AddBroadcast/16384/4096"] = lambda: m + r
    t = rand((8192, 8192))
    w["BM_Elementwise_TransposeCopy/8192"] = lambda: t.t().contiguous()
    for rows, cols, dim in ((1, KN, 1), (16384, 4096, 1), (262144, 256, 1), (4096, 16384, 0), (KN // 4, 4, 0)):
        s = rand((rows, cols))
        w[f"BM_Reduction_Sum/{rows}/{cols}/{dim}"] = (lambda s=s, dim=dim: s.sum(dim))
    vv = rand((16384, 4096))
    w["BM_Reduction_Var/16384/4096"] = lambda: torch.var(vv, 1)
    for rows, cols, v in ((65536, 1024, 0), (65536, 1024, 1), (2048, 32768, 0)):
        s = rand((rows, cols), dtype_arg(v))
        w[f"BM_Softmax/{rows}/{cols}/{v}"] = (lambda s=s: s.softmax(-1))
    for v in (0, 1):
        dt = dtype_arg(v)
        s, lw, lb = rand((65536, 1024), dt), rand(1024, dt), rand(1024, dt)
        w[f"BM_LayerNorm/65536/1024/{v}"] = (lambda s=s, lw=lw, lb=lb: F.layer_norm(s, (1024,), lw, lb))
    for n, v in ((4096, 0), (8192, 1)):
        p, q = rand((n, n), dtype_arg(v)), rand((n, n), dtype_arg(v))
        w[f"BM_Matmul_Aot/{n}/{v}"] = (lambda p=p, q=q: p @ q)
    for v in (0, 1):
        cx, cw = rand((32, 64, 56, 56), dtype_arg(v)), rand((64, 64, 3, 3), dtype_arg(v))
        w[f"BM_Conv2d/32/64/56/{v}"] = (lambda cx=cx, cw=cw: F.conv2d(cx, cw, None, 1, 1))
    bx, bw, bb = rand((32, 64, 56, 56)), rand(64), rand(64)
    w["BM_BatchNorm/32/64/56"] = lambda: F.batch_norm(bx, None, None, bw, bb, True, 0.1, 1e-5)
    px = rand((32, 64, 112, 112))
    w["BM_MaxPool2d/32/64/112"] = lambda: F.max_pool2d(px, 3, 2, 1, return_indices=True)
    w["BM_Gpt2Block/8/1024"] = gpt2_step(sdpa=False)
    w["BM_Gpt2Block_sdpa/8/1024"] = gpt2_step(sdpa=True)
    return w


def aot_medians(path):
    """Maps a case name to aot's medians from Google Benchmark JSON: the
    per-call time in ms, the bytes one call moves (None if not counted) and
    the back-to-back time in ms (None if not reported)."""
    if not path:
        return {}
    with open(path) as f:
        data = json.load(f)
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    out = {}
    for b in data.get("benchmarks", []):
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].replace("/manual_time", "").replace("/iterations:20", "")
        ms = b["real_time"] * scale[b.get("time_unit", "ns")]
        bps = b.get("bytes_per_second")
        nbytes = bps * ms * 1e-3 if bps else None
        b2b = b.get("b2b_us")
        out[name] = (ms, nbytes, b2b * 1e-3 if b2b is not None else None)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aot_json", default="")
    ap.add_argument("--reps", type=int, default=10)
    args = ap.parse_args()
    print(f"PyTorch {torch.__version__}, {torch.cuda.get_device_name()}, cuDNN {torch.backends.cudnn.version()}")
    aot = aot_medians(args.aot_json)
    rows = []
    for name, fn in workloads().items():
        iters = 20 if name.startswith("BM_Gpt2Block") else None
        ms, b2b = time_ms(fn, args.reps, iters)
        rows.append((name, ms, b2b, aot.get(name)))
    # Memory-bound cases: aot's bandwidth as a share of the copy's in the same
    # aot run (the target of issue 12 is 85%), per call and back to back.
    copy = aot.get(f"BM_Copy_Reference/{KN}")

    def pct(nbytes, ms, ref_ms):
        if not nbytes or not copy or not copy[1] or not ms or not ref_ms:
            return f"{'':>7s}"
        return f"{100.0 * (nbytes / ms) / (copy[1] / ref_ms):6.0f}%"

    print("Per call (events around each call) | back to back (events around a batch of calls), ms")
    print(f"{'workload':44s} {'torch ms':>10s} {'aot ms':>10s} {'aot/torch':>9s} {'% copy':>7s} |"
          f" {'torch b2b':>10s} {'aot b2b':>10s} {'aot/torch':>9s} {'% copy':>7s}")
    for name, ms, b2b, a in rows:
        if a is None:
            print(f"{name:44s} {ms:10.4f} {'-':>10s} {'-':>9s} {'':>7s} | {b2b:10.4f} {'-':>10s}")
            continue
        line = f"{name:44s} {ms:10.4f} {a[0]:10.4f} {a[0] / ms:9.2f} {pct(a[1], a[0], copy[0] if copy else None)} |"
        if a[2] is not None:
            line += (f" {b2b:10.4f} {a[2]:10.4f} {a[2] / b2b:9.2f}"
                     f" {pct(a[1], a[2], copy[2] if copy else None)}")
        print(line)


if __name__ == "__main__":
    main()
