#!/usr/bin/env bash
# Usage: ops_doc_test.sh OPS_DOC OPS_MD
# Fails when OPS_MD (docs/ops.md) differs from what the OPS_DOC binary prints,
# shows the difference and says how to regenerate the file.
set -euo pipefail
ops_doc=$1 ops_md=$2
actual="${TEST_TMPDIR:-$(mktemp -d)}/ops.md"
"$ops_doc" >"$actual"
if ! diff -u --label docs/ops.md --label "bazel run //tools:ops_doc" "$ops_md" "$actual"; then
  echo
  echo "docs/ops.md is stale: it differs from what //tools:ops_doc prints (diff above)."
  echo "Regenerate it from the workspace root with:"
  echo "  bazel run //tools:ops_doc > docs/ops.md"
  exit 1
fi
echo "docs/ops.md is up to date ($(grep -c '^| `' "$ops_md") ops)."
