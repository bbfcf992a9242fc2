#!/usr/bin/env bash
# Measures near-duplicate detection: generates the syndicated corpus of ../shared/bench/gen_feeds.py
# and the harder one of bench/dedupe/gen_hard.py, builds dedupe_eval and scores fw::dedupe's
# clusters on both (precision and recall over pairs, per variant kind and negative family). See
# bench/README.md, "Near-duplicates: dedupe_eval".
#
#   bench/dedupe_eval.sh [--out DIR] [--feeds N] [--items M] [--seed S] [--hard-seed S]
#                        [--build-dir DIR] [-- DEDUPE_EVAL_ARGS...]
#
#   --out DIR          where both corpora go (default /tmp/feedwire-dedupe-eval): DIR/gen_feeds and
#                      DIR/hard, regenerated on every run
#   --feeds/--items/--seed   passed to gen_feeds.py (default 500, 20, 1)
#   --hard-seed S      passed to gen_hard.py (default 1)
#   --build-dir DIR    Release build for dedupe_eval (default build-bench)
#   -- ARGS            passed to dedupe_eval, e.g. -- --explain 10 --jaccard 0.65 --order feed
#
# Exit status: dedupe_eval's: 0, 1 when the gen_feeds corpus misses precision >= 0.99 or
# recall >= 0.95, 2 on errors. Environment: FW_SHARED_DIR (default: ../shared beside the
# checkout); DEDUPE_EVAL=PATH runs that dedupe_eval binary instead of building one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=/tmp/feedwire-dedupe-eval
feeds=500
items=20
seed=1
hard_seed=1
build_dir=build-bench
eval_args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --feeds) feeds=$2; shift 2 ;;
    --items) items=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --hard-seed) hard_seed=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --) shift; eval_args=("$@"); break ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "dedupe_eval: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
shared=${FW_SHARED_DIR:-$root/../shared}
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
py=/usr/bin/python3

# Stale feed files from a run with other arguments would be read as part of the corpus.
rm -rf "$out/gen_feeds" "$out/hard"
mkdir -p "$out"
echo "== corpus: gen_feeds.py $feeds feeds x $items items, seed $seed -> $out/gen_feeds"
"$py" "$shared/bench/gen_feeds.py" --out "$out/gen_feeds" --feeds "$feeds" --items "$items" \
  --seed "$seed" 2>/dev/null
echo "== corpus: gen_hard.py seed $hard_seed -> $out/hard"
"$py" "$root/bench/dedupe/gen_hard.py" --out "$out/hard" --seed "$hard_seed" 2>/dev/null

if [[ -n ${DEDUPE_EVAL:-} ]]; then
  eval_bin=$DEDUPE_EVAL
else
  "$root/scripts/setup" --no-build
  echo "== build dedupe_eval (Release, -O2) in $build_dir"
  cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DFEEDWIRE_BUILD_BENCH=ON -DFEEDWIRE_BUILD_TESTS=OFF \
    -DFEEDWIRE_BUILD_FUZZERS=OFF -DFEEDWIRE_SANITIZE= >/dev/null
  cmake --build "$build_dir" --target dedupe_eval -j"$(nproc)"
  eval_bin=$build_dir/bin/dedupe_eval
fi

echo "== dedupe_eval"
status=0
"$eval_bin" --corpus "$out/gen_feeds" --corpus "$out/hard" --shuffle 7 \
  ${eval_args[@]+"${eval_args[@]}"} || status=$?
exit "$status"
