#!/usr/bin/env python3
"""Runs Google Benchmark cases one process each, only while the machine is idle.

On a shared machine (other builds and tests running), threaded CPU benchmarks
measure the neighbours more than the code: an OpenMP team waits at every
barrier for a thread that another process has descheduled. This driver waits
until the CPUs have been idle for a second, runs one case in a fresh process,
and keeps the sample only if other processes used under 0.15 cores meanwhile
(total CPU time from /proc/stat minus the child's own). It cycles through the
cases `rounds` times and prints the median of one reported value per case:
the GFLOP/s counter unless --value names another field of Google
Benchmark's JSON (bytes_per_second, real_time, any counter).
--min_time sets --benchmark_min_time (0.3 s unless given): a case whose
first iteration takes longer than it reports that iteration alone, the
first in a fresh process (faulting in its memory); --min_time=1e-6 times
exactly that, and a few seconds make slow cases report the steady state.

    bench/run_when_idle.py bazel-bin/bench/cpu_library_benchmark 5 out.json \\
        $(bazel-bin/bench/cpu_library_benchmark --benchmark_list_tests)
    bench/run_when_idle.py --value=real_time bazel-out/k8-opt/bin/bench/compile_latency \\
        5 out.json BM_CompileLatency_Aot/1000
    bench/run_when_idle.py --value=real_time --min_time=3 bazel-out/k8-opt/bin/bench/compile_latency \\
        5 out.json BM_CompileLatency_Aot/10000

docs/design/cpu_backend.md reports numbers taken this way.
"""
import json
import os
import statistics
import subprocess
import sys
import time

HZ = os.sysconf('SC_CLK_TCK')
NCPU = os.cpu_count()
MAX_OTHER_CORES = 0.15


def cpu_busy():
    """Returns (busy, total) jiffies over all CPUs."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4], sum(v[:8])


def wait_idle(max_cores=0.1, window=1.0, timeout=600):
    start = time.time()
    while time.time() - start < timeout:
        b0, a0 = cpu_busy()
        time.sleep(window)
        b1, a1 = cpu_busy()
        if (b1 - b0) / max(1, a1 - a0) * NCPU < max_cores:
            return True
    return False


def run_one(binary, name, min_time, value='GFLOP/s'):
    """Returns (the value, cores used by other processes, label)."""
    b0, _ = cpu_busy()
    t0 = time.time()
    p = subprocess.Popen([binary, '--benchmark_filter=^%s$' % name, '--benchmark_min_time=%s' % min_time,
                          '--benchmark_format=json'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, _, usage = os.wait4(p.pid, 0)
    wall = time.time() - t0
    b1, _ = cpu_busy()
    other = ((b1 - b0) / HZ - (usage.ru_utime + usage.ru_stime)) / wall
    result = json.loads(out)['benchmarks'][0]
    if value not in result:
        sys.exit('%s reports no %r (it has: %s)' % (name, value, ', '.join(sorted(result))))
    return result[value], other, result.get('label', '')


def main():
    args = sys.argv[1:]
    value = 'GFLOP/s'
    min_time = 0.3
    while args and args[0].startswith('--'):
        flag = args.pop(0)
        if flag.startswith('--value='):
            value = flag[len('--value='):]
        elif flag.startswith('--min_time='):
            min_time = float(flag[len('--min_time='):])
        else:
            sys.exit('unknown flag %s' % flag)
    if len(args) < 4:
        sys.exit('usage: run_when_idle.py [--value=FIELD] [--min_time=SECONDS] BINARY ROUNDS OUT_JSON CASE...')
    binary, rounds, out_path = args[0], int(args[1]), args[2]
    names = args[3:]
    samples = {n: [] for n in names}
    rejected = {n: 0 for n in names}
    labels = {}
    for _ in range(rounds):
        for n in names:
            for _ in range(6):
                if not wait_idle():
                    continue
                sample, other, label = run_one(binary, n, min_time, value)
                labels[n] = label
                if other < MAX_OTHER_CORES:
                    samples[n].append(sample)
                    break
                rejected[n] += 1
        with open(out_path, 'w') as f:
            json.dump({'samples': samples, 'rejected': rejected, 'labels': labels}, f, indent=1)
    for n in names:
        s = samples[n]
        median = statistics.median(s) if s else float('nan')
        print('%-75s median %10.4g %s  n=%d rejected=%d %s' % (n, median, value, len(s), rejected[n], labels.get(n, '')))


if __name__ == '__main__':
    main()
