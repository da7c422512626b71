#!/usr/bin/env bash
# One-command set-up on a fresh Debian 12 machine (as root, or with sudo):
#   bash tools/setup.sh run    installs what is missing, builds, runs the main job on an embedded default
#   bash tools/setup.sh test   installs what is missing (torch for the parity tests too), builds, runs every test
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

build_deps=(g++ meson ninja-build pkg-config libstb-dev doctest-dev libbenchmark-dev libdnnl-dev)
# Parity tests compare against PyTorch; Debian's torch needs an optimised BLAS to be usable, as for any user.
test_deps=(python3 python3-torch python3-numpy python3-pil libopenblas0-openmp clang libclang-rt-14-dev)

install_missing() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

case "$mode" in
  run)
    install_missing "${build_deps[@]}"
    [ -d build ] || meson setup build
    ninja -C build
    ./build/tools/lsam demo
    ;;
  test)
    install_missing "${build_deps[@]}" "${test_deps[@]}"
    [ -d build ] || meson setup build
    ninja -C build
    python3 tools/run_tests.py build
    ;;
  *)
    echo "usage: bash tools/setup.sh run|test" >&2
    exit 2
    ;;
esac
