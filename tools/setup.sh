#!/usr/bin/env bash
# Installs what building and testing `aot` needs, skipping what is present.
# Safe to run any number of times; run by the README's commands and CI.
set -euo pipefail

PACKAGES=(
  bazel-bootstrap        # Bazel 4.2.3 (WORKSPACE mode, works offline)
  g++
  libabsl-dev            # Abseil 20220623
  libgtest-dev libgmock-dev
  libbenchmark-dev       # Google Benchmark 1.7
  libprotobuf-dev protobuf-compiler zlib1g-dev
  dataset-fashion-mnist
  libopenblas-dev        # CPU BLAS
  libopenblas-pthread-dev # its pthread build's headers (@openblas); apt may
                          # satisfy libopenblas-dev with the OpenMP build alone
  libopenblas-openmp-dev # its OpenMP build: float64 matmul (docs/design/cpu_backend.md)
  libsleef-dev           # SLEEF: vectorized exp/log/sin/... for elementwise kernels
  libdnnl-dev            # oneDNN 2.6: float32 matmul and convolution (docs/design/cpu_backend.md)
  libeigen3-dev          # Eigen 3.4, header-only: bench/cpu_library_benchmark
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: all ${#PACKAGES[@]} packages present"
fi

cuda=${CUDA_PATH:-/usr/local/cuda}
if [[ ! -x "$cuda/bin/nvcc" ]]; then
  echo "setup: warning: no CUDA toolkit at $cuda (set CUDA_PATH); CUDA targets will not build" >&2
fi
