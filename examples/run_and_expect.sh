#!/usr/bin/env bash
# Usage: run_and_expect.sh BINARY TEXT [ARGS...]: runs BINARY with ARGS and
# fails unless it exits 0 and its output contains TEXT.
set -u
bin="$1"
want="$2"
shift 2
out=$("$bin" "$@" 2>&1)
status=$?
echo "$out"
if [[ $status != 0 ]]; then echo "FAIL: $bin exited with $status"; exit 1; fi
if [[ "$out" != *"$want"* ]]; then echo "FAIL: output lacks '$want'"; exit 1; fi
