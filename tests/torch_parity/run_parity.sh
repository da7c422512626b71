#!/bin/sh
# Meson test driver: generate the torch / PIL goldens into a fresh directory, then check them.
# usage: run_parity.sh PYTHON GENERATOR CHECKER
# Exits 77 (meson's "skipped") when PYTHON cannot import torch, PIL and numpy.
python=$1 generator=$2 checker=$3
if ! "$python" -c 'import torch, PIL, numpy' 2>/dev/null; then
  echo "SKIP: $python cannot import torch, PIL and numpy (set -Dpython=/path/to/python3 with them)"
  exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/lsam_parity.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
"$python" "$generator" "$dir" && "$checker" "$dir"
