#!/usr/bin/env bash
# Runs fashion_mnist briefly in both modes and checks its output; checks that
# a missing data directory is a clear error.
set -u
bin="$1"
for mode in eager aot; do
  out=$("$bin" --mode=$mode --epochs=1 --train_limit=3000 --test_limit=1000 2>&1)
  status=$?
  echo "$out"
  [[ $status == 0 ]] || { echo "FAIL: --mode=$mode exited with $status"; exit 1; }
  json=$(echo "$out" | tail -1)
  [[ "$json" == "{\"mode\":\"$mode\",\"epochs\":1,\"test_accuracy\":"* ]] || { echo "FAIL: last line is not the JSON summary"; exit 1; }
  acc=$(echo "$json" | sed 's/.*"test_accuracy":\([0-9.]*\).*/\1/')
  # 3000 examples, one epoch: well above chance (0.1).
  awk -v a="$acc" 'BEGIN { exit !(a > 0.6) }' || { echo "FAIL: accuracy $acc after one short epoch"; exit 1; }
done
out=$("$bin" --data_dir=/nonexistent 2>&1)
[[ $? != 0 && "$out" == *"cannot open /nonexistent/"* ]] || { echo "FAIL: missing data: $out"; exit 1; }
out=$("$bin" --mode=fast 2>&1)
[[ $? != 0 && "$out" == *"bad value in --mode=fast"* ]] || { echo "FAIL: bad flag: $out"; exit 1; }
echo PASS
