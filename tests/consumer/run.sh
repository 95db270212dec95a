#!/usr/bin/env bash
# Builds and runs the external consumer workspace (a nested `bazel test` cannot
# start another Bazel server, so the test command runs this after it).
set -euo pipefail
cd "$(dirname "$0")"
bazel run //:consumer
echo "//tests/consumer:consumer (external workspace) PASSED"
