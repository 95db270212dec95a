#!/usr/bin/env python3
"""Counts the instructions of one compile per size of bench:compile_latency.

Wall time on a shared VM moves by a third between identical runs, and past
the last-level cache it grows faster than the work (docs/building.md,
"Compile latency"). An instruction count does neither: this script runs
each BM_CompileLatency_Aot/N case under valgrind's callgrind, counting only
inside AotFunction::Precompile (trace, joint graph, min-cut partition, nop
compile) for exactly one compile, and prints the instructions per block and
their ratio to the smallest N. Linear work shows as a flat per-block column.

    bazel build --config=opt //bench:compile_latency
    bench/instruction_counts.py bazel-out/k8-opt/bin/bench/compile_latency [N ...]

N defaults to 100 1000 10000 (the benchmark's cases). --cache-sim adds
callgrind's simulated last-level-cache misses per block, with a 32 MB LL
(the VMs here report a 512 MB L3, which would hide every miss). Needs
valgrind; a compile at N=10000 takes about 10 s under it (a minute with
--cache-sim).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

EVENTS_RE = re.compile(r'^events:\s*(.*)$', re.M)
TOTALS_RE = re.compile(r'^(?:totals|summary):\s*(.*)$', re.M)


def count(binary, n, cache_sim):
    """Returns {event: count} for one Precompile of the N-block chain."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'callgrind.out')
        cmd = ['valgrind', '--tool=callgrind', '--callgrind-out-file=' + out,
               '--toggle-collect=aot::AotFunction::Precompile*']
        if cache_sim:
            cmd += ['--cache-sim=yes', '--LL=33554432,16,64']
        # One iteration: any min_time the first iteration exceeds.
        cmd += [binary, '--benchmark_filter=^BM_CompileLatency_Aot/%d$' % n, '--benchmark_min_time=0.000001']
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0 or not os.path.exists(out):
            sys.exit('instruction_counts: %s failed (exit %d):\n%s' % (' '.join(cmd), run.returncode, run.stderr[-2000:]))
        if 'BM_CompileLatency_Aot/%d' % n not in run.stdout:
            sys.exit('instruction_counts: %s has no case BM_CompileLatency_Aot/%d' % (binary, n))
        text = open(out).read()
    events, totals = EVENTS_RE.search(text), TOTALS_RE.search(text)
    if not events or not totals:
        sys.exit('instruction_counts: no event totals in callgrind output for N=%d' % n)
    counts = dict(zip(events.group(1).split(), (int(x) for x in totals.group(1).split())))
    if counts.get('Ir', 0) == 0:
        sys.exit('instruction_counts: nothing counted inside AotFunction::Precompile for N=%d' % n)
    return counts


def main(argv):
    cache_sim = '--cache-sim' in argv
    args = [a for a in argv if a != '--cache-sim']
    if not args or args[0].startswith('-'):
        sys.exit(__doc__)
    binary = args[0]
    if not os.access(binary, os.X_OK):
        sys.exit('instruction_counts: %s is not an executable (build it: bazel build --config=opt '
                 '//bench:compile_latency)' % binary)
    if shutil.which('valgrind') is None:
        sys.exit('instruction_counts: valgrind is not installed (apt-get install valgrind)')
    try:
        sizes = [int(a) for a in args[1:]] or [100, 1000, 10000]
    except ValueError:
        sys.exit('instruction_counts: sizes must be integers, got %s' % ' '.join(args[1:]))
    header = '%8s %15s %12s %8s' % ('N', 'instructions', 'per block', 'ratio')
    if cache_sim:
        header += ' %14s %14s' % ('LL rd/block', 'LL wr/block')
    print(header)
    first = None
    for n in sizes:
        print('N=%d ...' % n, end='\r', file=sys.stderr, flush=True)
        c = count(binary, n, cache_sim)
        per_block = c['Ir'] / n
        first = first or per_block
        line = '%8d %15d %12.0f %8.3f' % (n, c['Ir'], per_block, per_block / first)
        if cache_sim:
            line += ' %14.1f %14.1f' % (c.get('DLmr', 0) / n, c.get('DLmw', 0) / n)
        print(line, flush=True)


if __name__ == '__main__':
    main(sys.argv[1:])
