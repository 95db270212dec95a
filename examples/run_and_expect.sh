#!/usr/bin/env bash
# Usage: run_and_expect.sh BINARY TEXT: runs BINARY and fails unless it exits
# 0 and its output contains TEXT.
set -u
out=$("$1" 2>&1)
status=$?
echo "$out"
if [[ $status != 0 ]]; then echo "FAIL: $1 exited with $status"; exit 1; fi
if [[ "$out" != *"$2"* ]]; then echo "FAIL: output lacks '$2'"; exit 1; fi
