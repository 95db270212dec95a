#!/usr/bin/env bash
# Usage: golden_test.sh BINARY GOLDEN: runs BINARY and fails unless it exits
# 0 and its standard output equals the file GOLDEN.
set -u
out=$("$1")
status=$?
if [[ $status != 0 ]]; then echo "FAIL: $1 exited with $status"; exit 1; fi
if ! diff -u "$2" <(printf '%s\n' "$out"); then
  echo "FAIL: output differs from $2 (regenerate with: bazel run //examples:quickstart > examples/quickstart.golden)"
  exit 1
fi
