#!/usr/bin/env bash
# Usage: partition_curve_test.sh PARTITION_CURVE COS_COS_JOINT
# Runs the curve tool on the cos(cos(x)) joint graph and checks its summaries
# and the two ends of the curve.
set -euo pipefail
tool=$1 graph=$2
out="${TEST_TMPDIR:-$(mktemp -d)}/curve.txt"
"$tool" "$graph" 1 1 4 >"$out"
cat "$out"
expect() {
  if ! grep -qE -- "$1" "$out"; then
    echo "missing: $1"
    exit 1
  fi
}
expect '^# default: forward 2 nodes, backward 6 nodes$'
expect '^#   saved 2 values, 96 bytes: cos, primals_1$'
expect '^# min_cut: forward 2 nodes, backward 7 nodes$'
expect '^#   saved 1 value, 48 bytes: primals_1$'
expect '^1\.000 +96 +96 +1\.000 +0 +2 +0$'
expect '^0\.000 +0 +48 +0\.500 +4\.8 +1 +1$'
[[ $(grep -c '^[01]\.' "$out") == 5 ]] || { echo "expected 5 budget rows"; exit 1; }
# Bad arguments: usage and exit status 2.
if "$tool" "$graph" 1 >/dev/null 2>&1; then echo "accepted too few arguments"; exit 1; fi
echo "partition_curve output as expected"
