#!/usr/bin/env bash
# Builds (incrementally) and runs the libFuzzer targets of tests/fuzz, one after the other, each
# for SECONDS (default 60) over a fresh temp corpus, then prints one line per target: executions,
# exec/s, coverage (cov, ft) and corpus size. TARGET is one of
#
#   parse      parse_feed, normalize_feed and to_json
#   date       parse_date and format_rfc3339
#   html_text  html_to_text and html_to_line
#   url        clean_url, resolve_url, remove_dot_segments and canonical_url
#   config     parse_config and opml_to_toml
#   opml       parse_opml, opml_to_toml and feeds_to_opml
#   control    parse_control_request and control_request
#
# or all (the default; a number alone is SECONDS for all). Each starts from the seeds in
# tests/fuzz/corpus/TARGET/, plus for parse every tests/fixtures/**/*.{xml,json}, for config
# config/feedwire.toml and tests/fixtures/**/*.toml, for opml tests/fixtures/**/*.opml; its
# dictionary is tests/fuzz/TARGET_fuzz.dict. The committed seeds are never modified, and the temp
# corpora (with whatever the fuzzer found) are deleted at the end unless KEEP_CORPUS=1.
#
#   tests/fuzz/run_fuzz.sh [TARGET|all] [SECONDS] [-- EXTRA_LIBFUZZER_FLAGS...]
#
# Environment:
#   FUZZ_BUILD_DIR  build directory (default: build-fuzz; configured with clang if it has no cache)
#   FUZZER=PATH     run this fuzzer binary instead of building $FUZZ_BUILD_DIR/bin/TARGET_fuzz
#                   (one TARGET only)
#   KEEP_CORPUS=1   keep the temp corpora and print where they are
# Crash, leak and timeout inputs are written to $FUZZ_BUILD_DIR/fuzz-artifacts/TARGET-*. The exit
# status is that of the last target that failed, 0 when none did.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
all_targets=(parse date html_text url config opml control)
usage="usage: tests/fuzz/run_fuzz.sh [TARGET|all] [SECONDS] [-- EXTRA_LIBFUZZER_FLAGS...]
TARGET: ${all_targets[*]} or all"

target=all
seconds=60
if [[ $# -gt 0 && $1 != -- && ! $1 =~ ^[0-9]+$ ]]; then
  target=$1
  shift
fi
if [[ $# -gt 0 && $1 != -- ]]; then
  seconds=$1
  shift
fi
[[ ${1:-} == -- ]] && shift
if ! [[ $seconds =~ ^[0-9]+$ ]]; then
  echo "$usage" >&2
  exit 2
fi
if [[ $target == all ]]; then
  targets=("${all_targets[@]}")
elif [[ " ${all_targets[*]} " == *" $target "* ]]; then
  targets=("$target")
else
  echo "run_fuzz: unknown target '$target'" >&2
  echo "$usage" >&2
  exit 2
fi
if [[ -n ${FUZZER:-} && ${#targets[@]} -ne 1 ]]; then
  echo "run_fuzz: FUZZER=$FUZZER needs one TARGET, not all" >&2
  exit 2
fi

build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
[[ $build_dir = /* ]] || build_dir=$root/$build_dir

if [[ -z ${FUZZER:-} ]]; then
  if [[ ! -f $build_dir/CMakeCache.txt ]]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build_dir" \
      -DFEEDWIRE_BUILD_FUZZERS=ON -DFEEDWIRE_BUILD_TESTS=OFF -DFEEDWIRE_BUILD_BENCH=OFF
  fi
  build_targets=()
  for t in "${targets[@]}"; do
    build_targets+=("${t}_fuzz")
  done
  cmake --build "$build_dir" --target "${build_targets[@]}" -j"$(nproc)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/feedwire-fuzz.XXXXXX")
if [[ ${KEEP_CORPUS:-0} != 1 ]]; then
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$build_dir/fuzz-artifacts"

# The seed files of target $1, NUL-separated: its committed corpus and the test fixtures it reads.
seed_files() {
  case $1 in
    parse)
      [[ -d $root/tests/fixtures ]] &&
        find "$root/tests/fixtures" -type f \( -name '*.xml' -o -name '*.json' \) -print0
      ;;
    config)
      find "$root/config" -maxdepth 1 -name 'feedwire.toml' -print0
      [[ -d $root/tests/fixtures ]] && find "$root/tests/fixtures" -type f -name '*.toml' -print0
      ;;
    opml)
      [[ -d $root/tests/fixtures ]] && find "$root/tests/fixtures" -type f -name '*.opml' -print0
      ;;
  esac
  find "$root/tests/fuzz/corpus/$1" -type f -print0
}

# Flags only some targets need: a control request is refused above 64 KiB (maxmsgsize).
target_flags() {
  case $1 in
    control) echo "-max_len=65536" ;;
  esac
}

status=0
summary=()
for t in "${targets[@]}"; do
  fuzzer=${FUZZER:-$build_dir/bin/${t}_fuzz}
  corpus=$work/$t
  mkdir -p "$corpus"
  # Name each seed after its content so fixtures with the same file name in different folders
  # (feeds/rss2/basic.xml, feeds/atom/basic.xml) don't overwrite each other.
  seeds=0
  while IFS= read -r -d '' file; do
    sum=$(sha1sum "$file")
    cp "$file" "$corpus/${sum%% *}"
    seeds=$((seeds + 1))
  done < <(seed_files "$t")
  echo "run_fuzz: ${t}: ${seeds} seed files in ${corpus}; fuzzing for ${seconds}s"

  dict=()
  [[ -f $root/tests/fuzz/${t}_fuzz.dict ]] && dict=(-dict="$root/tests/fuzz/${t}_fuzz.dict")
  set +e
  # shellcheck disable=SC2046 # target_flags gives whole flags, split on purpose
  "$fuzzer" "$corpus" "${dict[@]}" $(target_flags "$t") \
    -max_total_time="$seconds" \
    -rss_limit_mb=2048 \
    -timeout=10 \
    -print_final_stats=1 \
    -artifact_prefix="$build_dir/fuzz-artifacts/${t}-" \
    "$@" 2>&1 | tee "$work/$t.log"
  result=${PIPESTATUS[0]}
  set -e

  # The last status line ("#123<TAB>DONE cov: 812 ft: 3012 corp: 645/40Kb ...") and the stats.
  last=$(grep -E '^#[0-9]+[[:space:]].*cov: ' "$work/$t.log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/$t.log")
  cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1 ft \2/p' <<<"$last")
  line=$(printf '%-9s %10s execs %7s/s  %-20s corpus %5d' "$t" "${execs:-?}" "${rate:-?}" \
    "${cov:-cov ?}" "$(find "$corpus" -type f | wc -l)")
  if [[ $result -ne 0 ]]; then
    status=$result
    line+="  FAILED (exit ${result}); reproduce with ${fuzzer} $build_dir/fuzz-artifacts/${t}-<file>"
  fi
  summary+=("$line")
done

echo
echo "run_fuzz: ${seconds}s per target"
for line in "${summary[@]}"; do
  echo "  $line"
done
if [[ ${KEEP_CORPUS:-0} == 1 ]]; then
  echo "run_fuzz: corpora and logs kept in ${work}"
fi
exit "$status"
