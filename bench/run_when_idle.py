#!/usr/bin/env python3
"""Runs Google Benchmark cases one process each, only while the machine is idle.

On a shared machine (other builds and tests running), threaded CPU benchmarks
measure the neighbours more than the code: an OpenMP team waits at every
barrier for a thread that another process has descheduled. This driver waits
until the CPUs have been idle for a second, runs one case in a fresh process,
and keeps the sample only if other processes used under 0.15 cores meanwhile
(total CPU time from /proc/stat minus the child's own). It cycles through the
cases `rounds` times and prints the median of the GFLOP/s counter per case.

    bench/run_when_idle.py bazel-bin/bench/cpu_library_benchmark 5 out.json \\
        $(bazel-bin/bench/cpu_library_benchmark --benchmark_list_tests)

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


def run_one(binary, name, min_time):
    """Returns (GFLOP/s, cores used by other processes, label)."""
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
    return result.get('GFLOP/s'), other, result.get('label', '')


def main():
    binary, rounds, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    names = sys.argv[4:]
    samples = {n: [] for n in names}
    rejected = {n: 0 for n in names}
    labels = {}
    for _ in range(rounds):
        for n in names:
            for _ in range(6):
                if not wait_idle():
                    continue
                gflops, other, label = run_one(binary, n, 0.3)
                labels[n] = label
                if other < MAX_OTHER_CORES:
                    samples[n].append(gflops)
                    break
                rejected[n] += 1
        with open(out_path, 'w') as f:
            json.dump({'samples': samples, 'rejected': rejected, 'labels': labels}, f, indent=1)
    for n in names:
        s = samples[n]
        median = statistics.median(s) if s else float('nan')
        print('%-75s median %7.1f GFLOP/s  n=%d rejected=%d %s' % (n, median, len(s), rejected[n], labels.get(n, '')))


if __name__ == '__main__':
    main()
