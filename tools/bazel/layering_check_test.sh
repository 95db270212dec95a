#!/usr/bin/env bash
# Checks that layering_check.sh rejects upward and forbidden dependencies.
set -u
check=$1
tmp=${TEST_TMPDIR:-/tmp}
printf '//aot/ir:graph\n//aot/base:check\n@com_google_absl//absl/status:status\n' >"$tmp/ok"
printf '//aot/ir:graph\n//aot/backends/cpu:kernels\n' >"$tmp/upward"
printf '//aot/ir:graph\n@local_cuda//:cudart_static\n' >"$tmp/cuda"
fail=0
"$check" "$tmp/ok" aot/ir //aot/base @local_cuda >/dev/null || { echo "FAIL: clean deps rejected"; fail=1; }
out=$("$check" "$tmp/upward" aot/ir //aot/base @local_cuda) && { echo "FAIL: upward dep accepted"; fail=1; }
[[ "$out" == *"//aot/backends/cpu:kernels"* ]] || { echo "FAIL: message does not name the label: $out"; fail=1; }
"$check" "$tmp/cuda" aot/ir //aot/base @local_cuda >/dev/null && { echo "FAIL: forbidden external accepted"; fail=1; }
[[ $fail == 0 ]] && echo "layering_check.sh: all cases behave"
exit $fail
