#!/usr/bin/env bash
# Compares feedwire's parse throughput with a pugixml-only baseline and with Python feedparser
# over the same generated corpus, then prints one table. See bench/README.md.
#
#   bench/compare_parse.sh [--out DIR] [--feeds N] [--items M] [--seed S] [--reps R]
#                          [--build-dir DIR]
#
#   --out DIR        where the corpus and result files go (default /tmp/feedwire-bench-corpus)
#   --feeds/--items/--seed   passed to ../shared/bench/gen_feeds.py (default 200, 50, 1)
#   --reps R         feedparser repetitions, median taken (default 3); parse_bench always does 5
#   --build-dir DIR  Release build for parse_bench (default build-bench)
#
# Environment: FW_SHARED_DIR (default: ../shared beside the checkout); PARSE_BENCH=PATH runs that
# parse_bench binary instead of building one.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=/tmp/feedwire-bench-corpus
feeds=200
items=50
seed=1
reps=3
build_dir=build-bench
while [[ $# -gt 0 ]]; do
  case $1 in
    --out) out=$2; shift 2 ;;
    --feeds) feeds=$2; shift 2 ;;
    --items) items=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "compare_parse: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
shared=${FW_SHARED_DIR:-$root/../shared}
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
# Debian's interpreter, which has python3-feedparser; a pyenv python3 first on PATH has not.
py=/usr/bin/python3

"$root/scripts/setup" --no-build
if ! "$py" -c 'import feedparser' 2>/dev/null; then
  echo "compare_parse: $py cannot import feedparser (apt-get install python3-feedparser)" >&2
  exit 1
fi

echo "== corpus: $feeds feeds x $items items, seed $seed -> $out"
"$py" "$shared/bench/gen_feeds.py" --out "$out" --feeds "$feeds" --items "$items" --seed "$seed" \
  >/dev/null
feeds_dir=$out/feeds

if [[ -n ${PARSE_BENCH:-} ]]; then
  bench_bin=$PARSE_BENCH
else
  echo "== build parse_bench (Release, -O2) in $build_dir"
  cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DFEEDWIRE_BUILD_BENCH=ON -DFEEDWIRE_BUILD_TESTS=OFF \
    -DFEEDWIRE_BUILD_FUZZERS=OFF -DFEEDWIRE_SANITIZE= >/dev/null
  cmake --build "$build_dir" --target parse_bench -j"$(nproc)"
  bench_bin=$build_dir/bin/parse_bench
fi

echo "== parse_bench"
FW_BENCH_CORPUS=$feeds_dir "$bench_bin" \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/parse_bench.json" --benchmark_out_format=json

echo "== feedparser ($reps repetitions)"
"$py" - "$feeds_dir" "$reps" "$out/feedparser.json" <<'PY'
import json, os, statistics, sys, time
import feedparser

feeds_dir, reps, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
exts = (".xml", ".rss", ".atom", ".json")  # the files parse_bench reads
names = sorted(n for n in os.listdir(feeds_dir) if n.endswith(exts))
docs = []
for n in names:
    with open(os.path.join(feeds_dir, n), "rb") as f:
        docs.append(f.read())
total_bytes = sum(len(d) for d in docs)

times, items = [], 0
for rep in range(reps):
    start = time.perf_counter()
    count = 0
    for d in docs:
        count += len(feedparser.parse(d).entries)
    times.append(time.perf_counter() - start)
    items = count
    print(f"  repetition {rep + 1}: {times[-1]:.2f} s, {count} items", flush=True)

median = statistics.median(times)
result = {"files": len(docs), "bytes": total_bytes, "items": items, "seconds_median": median,
          "bytes_per_second": total_bytes / median, "items_per_second": items / median,
          "feedparser_version": feedparser.__version__}
with open(out_path, "w") as f:
    json.dump(result, f, indent=2)
PY

"$py" - "$out/parse_bench.json" "$out/feedparser.json" <<'PY'
import json, sys

bench = json.load(open(sys.argv[1]))
fp = json.load(open(sys.argv[2]))

def median(name):
    for b in bench["benchmarks"]:
        if b.get("run_name", "").split("/")[0] == name and b.get("aggregate_name") == "median":
            return b
    sys.exit(f"compare_parse: no median for {name} in {sys.argv[1]}")

full, load, fields = median("BM_FeedwireFull"), median("BM_PugixmlLoad"), median("BM_PugixmlItemFields")
mb = lambda bps: bps / 1e6
rows = [
    ("feedwire full (parse+normalize+json)", mb(full["bytes_per_second"]), full["items_per_second"]),
    ("pugixml load_buffer only", mb(load["bytes_per_second"]), None),
    ("pugixml + item fields", mb(fields["bytes_per_second"]), fields["items_per_second"]),
    (f"feedparser {fp['feedparser_version']}", mb(fp["bytes_per_second"]), fp["items_per_second"]),
]
# Items per pass, as a check that both sides saw the same items.
fw_items = full["items_per_second"] * full["real_time"] / {"ms": 1e3, "us": 1e6, "ns": 1e9, "s": 1}[full["time_unit"]]

print()
print(f"corpus: {fp['files']} files, {fp['bytes'] / 1e6:.1f} MB; items per pass: "
      f"feedwire {fw_items:.0f}, feedparser {fp['items']}; medians, MB = 10^6 bytes")
print(f"{'':40} {'MB/s':>10} {'items/s':>12}")
for name, mbs, ips in rows:
    print(f"{name:40} {mbs:10.1f} {ips if ips is not None else float('nan'):12.0f}"
          .replace("         nan", "           -"))
print(f"{'feedwire items/s / feedparser items/s':40} {full['items_per_second'] / fp['items_per_second']:10.1f}x")
print(f"{'feedwire MB/s / pugixml-only MB/s':40} {full['bytes_per_second'] / load['bytes_per_second']:10.2f}x")
failed = full.get("failed", 0)
if failed:
    print(f"warning: parse_feed rejected {failed:.0f} files per pass; the feedwire figures exclude their work")
PY
echo "results: $out/parse_bench.json $out/feedparser.json"
