#!/usr/bin/env bash
# Builds (incrementally) and runs the parse fuzzer for SECONDS (default 60) over a fresh temp
# corpus: every tests/fixtures/**/*.{xml,json} plus the hand-written seeds in
# tests/fuzz/corpus/parse/. The committed seeds are never modified, and the temp corpus (with
# whatever the fuzzer found) is deleted at the end unless KEEP_CORPUS=1.
#
#   tests/fuzz/run_fuzz.sh [SECONDS] [-- EXTRA_LIBFUZZER_FLAGS...]
#
# Environment:
#   FUZZ_BUILD_DIR  build directory (default: build-fuzz; configured with clang if it has no cache)
#   FUZZER=PATH     run this fuzzer binary instead of building $FUZZ_BUILD_DIR/bin/parse_fuzz
#   KEEP_CORPUS=1   keep the temp corpus and print where it is
# Crash, leak and timeout inputs are written to $FUZZ_BUILD_DIR/fuzz-artifacts/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=60
if [[ $# -gt 0 && $1 != -- ]]; then
  seconds=$1
  shift
fi
[[ ${1:-} == -- ]] && shift
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
  echo "usage: tests/fuzz/run_fuzz.sh [SECONDS] [-- EXTRA_LIBFUZZER_FLAGS...]" >&2
  exit 2
fi

build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
[[ $build_dir = /* ]] || build_dir=$root/$build_dir

if [[ -n ${FUZZER:-} ]]; then
  fuzzer=$FUZZER
else
  if [[ ! -f $build_dir/CMakeCache.txt ]]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build_dir" \
      -DFEEDWIRE_BUILD_FUZZERS=ON -DFEEDWIRE_BUILD_TESTS=OFF -DFEEDWIRE_BUILD_BENCH=OFF
  fi
  cmake --build "$build_dir" --target parse_fuzz -j"$(nproc)"
  fuzzer=$build_dir/bin/parse_fuzz
fi

corpus=$(mktemp -d "${TMPDIR:-/tmp}/feedwire-fuzz-corpus.XXXXXX")
if [[ ${KEEP_CORPUS:-0} != 1 ]]; then
  trap 'rm -rf "$corpus"' EXIT
fi

# Name each seed after its content so fixtures with the same file name in different folders
# (feeds/rss2/basic.xml, feeds/atom/basic.xml) don't overwrite each other.
seeds=0
while IFS= read -r -d '' file; do
  sum=$(sha1sum "$file")
  cp "$file" "$corpus/${sum%% *}"
  seeds=$((seeds + 1))
done < <(
  { [[ -d $root/tests/fixtures ]] &&
      find "$root/tests/fixtures" -type f \( -name '*.xml' -o -name '*.json' \) -print0
    find "$root/tests/fuzz/corpus/parse" -type f -print0; }
)
echo "run_fuzz: ${seeds} seed files in ${corpus}; fuzzing for ${seconds}s"

mkdir -p "$build_dir/fuzz-artifacts"
status=0
"$fuzzer" "$corpus" \
  -dict="$root/tests/fuzz/parse_fuzz.dict" \
  -max_total_time="$seconds" \
  -rss_limit_mb=2048 \
  -timeout=10 \
  -print_final_stats=1 \
  -artifact_prefix="$build_dir/fuzz-artifacts/" \
  "$@" || status=$?

echo "run_fuzz: corpus now holds $(find "$corpus" -type f | wc -l) inputs"
if [[ ${KEEP_CORPUS:-0} == 1 ]]; then
  echo "run_fuzz: corpus kept in ${corpus}"
fi
if [[ $status -ne 0 ]]; then
  echo "run_fuzz: the fuzzer failed (exit ${status}); reproduce with:" >&2
  echo "  ${fuzzer} $build_dir/fuzz-artifacts/<crash-file>" >&2
fi
exit "$status"
