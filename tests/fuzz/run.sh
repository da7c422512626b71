#!/bin/sh
# Builds the libFuzzer targets with clang (ASan + UBSan) in build-fuzz/ and runs each for SECONDS (default
# 60) on a copy of the committed corpus. What the fuzzer saves (crash-*, oom-*, timeout-*, leak-*) is
# copied into tests/fuzz/corpus/<target>/, where the unit tests (tests/weights/corpus_test.cpp) replay it.
# These builds do not enforce checksums (weights/crc32.h): when a reproducer relies on a wrong checksum,
# also add a test that rebuilds it with valid ones (see lsam_format_test.cpp, tests/weights/bad_inputs.py).
#
#   tests/fuzz/run.sh [SECONDS]
#
# The seeds (seed_*) come from tests/weights/make_checkpoints.py seeds DIR (torch) and `lsam convert` of
# those (lsam).
set -eu
seconds=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build="$root/build-fuzz"
if [ ! -d "$build" ]; then
  CC=clang CXX=clang++ meson setup "$build" "$root" -Dfuzz=true -Dbuildtype=debugoptimized >/dev/null
fi
ninja -C "$build" -j2 tests/fuzz/fuzz_torch tests/fuzz/fuzz_lsam

status=0
for target in torch lsam; do
  work="$build/fuzz_corpus_$target"
  artifacts="$build/fuzz_artifacts_$target"
  rm -rf "$artifacts"
  mkdir -p "$work" "$artifacts"
  cp "$root/tests/fuzz/corpus/$target/"* "$work/"
  # bounded memory and time per input: a reader that trusts a size field shows up as a failure here
  "$build/tests/fuzz/fuzz_$target" "$work" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -timeout=10 -max_len=262144 -print_final_stats=1 -artifact_prefix="$artifacts/" || status=1
  for crash in "$artifacts"/*; do
    [ -e "$crash" ] || continue
    cp "$crash" "$root/tests/fuzz/corpus/$target/"
    echo "new reproducer: tests/fuzz/corpus/$target/$(basename "$crash")"
  done
done
exit $status
