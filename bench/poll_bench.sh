#!/usr/bin/env bash
# Polls the same generated feeds with `feedwired --once` and with newsboat `-x reload`, all
# served by a private nginx on 127.0.0.1, and prints feeds/s, CPU seconds and peak RSS for a
# cold run (every feed answers 200) and a warm run (every feed answers 304). See bench/README.md.
#
#   bench/poll_bench.sh [--feeds-list N,N...] [--reps R] [--out DIR] [--port P]
#                       [--build-dir DIR] [--skip-newsboat] [--skip-feedwired]
#
#   --feeds-list LIST  feed counts to measure, one table each (default 1000,5000)
#   --reps R           runs per cell, median taken (default 3)
#   --out DIR          corpus, nginx prefix, run directories and results (default
#                      /tmp/feedwire-poll-corpus); a corpus there is reused when its
#                      manifest.json shows the same seed, items and port, enough feeds and
#                      a urls-N file for each smaller N
#   --port P           nginx port on 127.0.0.1, must be free (default 8089)
#   --build-dir DIR    Release build for feedwired (default build-bench)
#   --skip-newsboat    measure feedwired only
#   --skip-feedwired   measure newsboat only (no build)
#
# Environment: FW_SHARED_DIR (default: ../shared beside the checkout); FEEDWIRED=PATH runs that
# feedwired binary instead of building one. Installs nginx-light, newsboat, time, sqlite3 and
# curl with apt when they are missing (as root, or through sudo).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=/tmp/feedwire-poll-corpus
port=8089
feeds_list=1000,5000
reps=3
build_dir=build-bench
skip_newsboat=0
skip_feedwired=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --feeds-list) feeds_list=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --skip-newsboat) skip_newsboat=1; shift ;;
    --skip-feedwired) skip_feedwired=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "poll_bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "poll_bench: $*" >&2; exit 1; }

[[ $feeds_list =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]] || die "--feeds-list wants counts like 1000,5000"
[[ $reps =~ ^[1-9][0-9]*$ ]] || die "--reps wants a positive count"
[[ $port =~ ^[1-9][0-9]*$ && $port -lt 65536 ]] || die "--port wants a port number"
[[ $skip_newsboat -eq 1 && $skip_feedwired -eq 1 ]] && die "nothing to measure: both sides skipped"
IFS=, read -r -a sizes <<<"$feeds_list"
max_feeds=0
for n in "${sizes[@]}"; do
  if ((n > max_feeds)); then max_feeds=$n; fi
done
subsets=()
for n in "${sizes[@]}"; do
  if ((n < max_feeds)); then subsets+=("$n"); fi
done

shared=${FW_SHARED_DIR:-$root/../shared}
[[ $build_dir = /* ]] || build_dir=$root/$build_dir
mkdir -p "$out"
out=$(cd "$out" && pwd)
poll_dir=$root/bench/poll
# Debian's interpreter, as in compare_parse.sh; gen_feeds.py needs only the standard library.
py=/usr/bin/python3
items=20
seed=1
nginx_workers=2
newsboat_threads=32
fw_max_concurrent=64

# --- packages ------------------------------------------------------------------------------
if [[ $skip_feedwired -eq 0 && -z ${FEEDWIRED:-} ]]; then
  "$root/scripts/setup" --no-build
fi
installed() { [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]; }
want=()
installed nginx || installed nginx-light || want+=(nginx-light)
installed time || want+=(time)
installed curl || want+=(curl)
if [[ $skip_newsboat -eq 0 ]]; then
  installed newsboat || want+=(newsboat)
  installed sqlite3 || want+=(sqlite3)
fi
if [[ ${#want[@]} -gt 0 ]]; then
  echo "== installing ${want[*]}"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo; as root: apt-get install ${want[*]}"
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${want[@]}"
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_busy "$port" && die "port $port on 127.0.0.1 is in use; pick another with --port"

# --- feedwired -----------------------------------------------------------------------------
feedwired=
if [[ $skip_feedwired -eq 0 ]]; then
  if [[ -n ${FEEDWIRED:-} ]]; then
    feedwired=$FEEDWIRED
  else
    echo "== build feedwired (Release, -O2) in $build_dir"
    cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
      "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DFEEDWIRE_BUILD_BENCH=ON -DFEEDWIRE_BUILD_TESTS=OFF \
      -DFEEDWIRE_BUILD_FUZZERS=OFF -DFEEDWIRE_SANITIZE= >/dev/null
    cmake --build "$build_dir" --target feedwired -j"$(nproc)"
    feedwired=$build_dir/bin/feedwired
  fi
  [[ -x $feedwired ]] || die "no feedwired binary at $feedwired"
  # The publisher binds a TCP port nobody subscribes to; pick one that is free now.
  pub_port=17701
  while port_busy "$pub_port"; do ((pub_port += 1)); done
fi

# --- corpus --------------------------------------------------------------------------------
# A corpus with at least max_feeds feeds and a urls-N file for every smaller N is reused, so
# that a run of --feeds-list 1000 measures the same 1,000 feeds as the default run does.
corpus_feeds() {
  [[ -f $out/manifest.json ]] || return 1
  "$py" - "$out/manifest.json" "$max_feeds" "$items" "$seed" "$port" "${sizes[@]}" <<'PY'
import json, os, sys
path, max_feeds, items, seed, port, *sizes = sys.argv[1:]
args = json.load(open(path))["summary"]["generator_args"]
feeds = args.get("feeds", 0)
ok = (args.get("items") == int(items) and args.get("seed") == int(seed)
      and args.get("host") == "127.0.0.1" and args.get("port") == int(port)
      and feeds >= int(max_feeds)
      and all(int(n) in args.get("subsets", []) for n in sizes if int(n) < feeds)
      and len(os.listdir(os.path.join(os.path.dirname(path), "feeds"))) == feeds)
print(feeds)
sys.exit(0 if ok else 1)
PY
}
if total_feeds=$(corpus_feeds); then
  echo "== corpus: reusing $total_feeds feeds x $items items, seed $seed in $out"
else
  subsets_arg=$(IFS=,; echo "${subsets[*]}")
  echo "== corpus: $max_feeds feeds x $items items, seed $seed, port $port -> $out"
  rm -rf "$out/feeds"
  "$py" "$shared/bench/gen_feeds.py" --out "$out" --feeds "$max_feeds" --items "$items" \
    --seed "$seed" --subsets "$subsets_arg" --port "$port" >/dev/null
  total_feeds=$max_feeds
fi
urls_file() { if (($1 == total_feeds)); then echo "$out/urls"; else echo "$out/urls-$1"; fi; }
for n in "${sizes[@]}"; do
  [[ $(wc -l <"$(urls_file "$n")") -eq $n ]] || die "$(urls_file "$n") does not list $n URLs"
done
# Read the measured feeds once so that the first timed run does not pay for the disk.
head -n "$max_feeds" "$out/urls" | sed 's|.*/feeds/|feeds/|' | (cd "$out" && xargs cat) >/dev/null

# --- nginx ---------------------------------------------------------------------------------
prefix=$out/nginx
rm -rf "$prefix"
mkdir -p "$prefix/tmp"
user_line=
# A root master drops its workers to nobody, who may not read DIR; use DIR's owner instead.
[[ $(id -u) -eq 0 ]] && user_line="user $(stat -c %U "$out");"
sed -e "s|@PREFIX@|$prefix|g" -e "s|@PORT@|$port|g" -e "s|@ROOT@|$out|g" \
  -e "s|@WORKERS@|$nginx_workers|g" -e "s|@USER_LINE@|$user_line|g" \
  "$poll_dir/nginx.conf.in" >"$prefix/nginx.conf"
nginx_pid=
stop_nginx() {
  if [[ -n $nginx_pid ]] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -TERM "$nginx_pid"
    wait "$nginx_pid" 2>/dev/null || true
  fi
  nginx_pid=
}
trap stop_nginx EXIT
trap 'exit 130' INT TERM
nginx -p "$prefix/" -c "$prefix/nginx.conf" -e "$prefix/error.log" &
nginx_pid=$!
first_url=$(head -n 1 "$out/urls")
for _ in $(seq 100); do
  curl -s -o /dev/null "$first_url" && break
  kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited; see $prefix/error.log"
  sleep 0.1
done
headers=$(curl -s -D - -o /dev/null "$first_url") || die "nginx does not answer $first_url"
status=$(sed -n '1s/^HTTP\/[0-9.]* \([0-9]*\).*/\1/p' <<<"$headers")
etag=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *\(.*[^[:space:]]\)[[:space:]]*$/\1/p' <<<"$headers")
[[ $status == 200 && -n $etag ]] || die "GET $first_url gave status '$status', ETag '$etag'"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$first_url")
[[ $status == 304 ]] || die "conditional GET of $first_url with If-None-Match $etag gave $status"
echo "== nginx $(nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$port (pid $nginx_pid," \
  "worker_processes $nginx_workers): 200 with ETag, then 304 for If-None-Match"

# --- timing --------------------------------------------------------------------------------
runs_tsv=$out/poll_runs.tsv
: >"$runs_tsv"
# timed TOOL N PHASE REP LOG -- COMMAND...: runs COMMAND under GNU time with stdout and stderr
# in LOG, appends one line to $runs_tsv, and stops the whole bench when COMMAND fails.
timed() {
  local tool=$1 n=$2 phase=$3 rep=$4 log=$5
  shift 6
  local load1 tfile=$log.time rc=0
  load1=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -o "$tfile" -f '%e %U %S %M' "$@" >"$log" 2>&1 || rc=$?
  if [[ $rc -ne 0 ]]; then
    tail -n 20 "$log" >&2
    die "$tool $phase run ($n feeds, rep $rep) exited with status $rc; log: $log"
  fi
  local wall user sys rss
  read -r wall user sys rss < <(tail -n 1 "$tfile")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$tool" "$n" "$phase" "$rep" "$wall" "$user" \
    "$sys" "$rss" "$load1" >>"$runs_tsv"
  awk -v t="$tool" -v p="$phase" -v n="$n" -v r="$rep" -v w="$wall" \
    -v u="$user" -v s="$sys" -v m="$rss" 'BEGIN {
      printf "   %-9s %4s  %5d feeds  rep %d: %7.2f s wall, %7.2f s CPU, %6.1f MB peak RSS\n",
        t, p, n, r, w, u + s, m * 1024 / 1e6 }'
}

feedwired_config() { # DIR N: the TOML config for N feeds, state in DIR/state
  local dir=$1 n=$2
  {
    echo "# feedwired config for bench/poll_bench.sh: $n feeds, all on 127.0.0.1."
    echo "state_dir = \"$dir/state\""
    echo 'log_level = "warn"'
    echo
    echo '[publish]'
    echo "endpoints = [\"tcp://127.0.0.1:$pub_port\"]"
    echo 'once_wait_subscribers_ms = 0'
    echo
    echo '# Every feed is on one host, so the per-host limits are lifted to the global one.'
    echo '[fetch]'
    echo "max_concurrent = $fw_max_concurrent"
    echo "per_host_max_concurrent = $fw_max_concurrent"
    echo 'per_host_min_interval_ms = 0'
    awk '{ printf "\n[[feed]]\nid = \"f%04d\"\nurl = \"%s\"\n", NR - 1, $0 }' "$(urls_file "$n")"
  } >"$dir/feedwire.toml"
}

run_feedwired() { # N REP
  local n=$1 rep=$2 dir=$out/runs/feedwired-$1-$2
  rm -rf "$dir"
  mkdir -p "$dir/state"
  feedwired_config "$dir" "$n"
  local phase
  for phase in cold warm; do
    timed feedwired "$n" "$phase" "$rep" "$dir/$phase.log" -- \
      "$feedwired" --once --config "$dir/feedwire.toml"
    grep -q "^$n feeds polled, 0 failed" "$dir/$phase.log" ||
      die "feedwired $phase run did not report '$n feeds polled, 0 failed'; log: $dir/$phase.log"
  done
  # The warm figures mean something only when every feed answered 304.
  local db=$dir/state/feedwire.db not_modified
  if [[ -f $db ]] && command -v sqlite3 >/dev/null; then
    not_modified=$(sqlite3 "$db" 'select count(*) from feed_state where last_status = 304')
    [[ $not_modified -eq $n ]] ||
      die "after the feedwired warm run $not_modified of $n feeds have last_status 304 ($db)"
  fi
}

run_newsboat() { # N REP
  local n=$1 rep=$2 dir=$out/runs/newsboat-$1-$2
  rm -rf "$dir"
  mkdir -p "$dir/home"
  {
    echo "# newsboat config for bench/poll_bench.sh. newsboat has no per-host limit; its only"
    echo "# concurrency setting is reload-threads."
    echo "reload-threads $newsboat_threads"
  } >"$dir/config"
  local cmd=(env HOME="$dir/home" newsboat -x reload -u "$(urls_file "$n")" -c "$dir/cache.db"
    -C "$dir/config")
  timed newsboat "$n" cold "$rep" "$dir/cold.log" -- "${cmd[@]}"
  local cached
  cached=$(sqlite3 "$dir/cache.db" 'select count(*) from rss_feed')
  [[ $cached -eq $n ]] || die "after the newsboat cold run its cache holds $cached of $n feeds"
  # newsboat 2.21 stores a feed's ETag and Last-Modified only from its second fetch on (the
  # first UPDATE runs before the feed's row exists: newsboat issue #2734), so its second run is
  # all 200s again. An untimed second run stores them; the timed warm run is the third.
  local validators
  validators=$(sqlite3 "$dir/cache.db" "select count(*) from rss_feed where etag != ''")
  if [[ $validators -lt $n ]]; then
    HOME="$dir/home" newsboat -x reload -u "$(urls_file "$n")" -c "$dir/cache.db" \
      -C "$dir/config" >"$dir/prime.log" 2>&1 || die "newsboat priming run failed; $dir/prime.log"
    validators=$(sqlite3 "$dir/cache.db" "select count(*) from rss_feed where etag != ''")
    [[ $validators -eq $n ]] || die "newsboat stored an ETag for $validators of $n feeds"
  fi
  # newsboat sends If-None-Match and If-Modified-Since from what it stored; check that nginx
  # answers 304 to exactly those, so the warm run is the all-304 case.
  local url stored_etag stored_lm status
  url=$(head -n 1 "$(urls_file "$n")")
  IFS='|' read -r stored_etag stored_lm < <(sqlite3 "$dir/cache.db" \
    "select etag, lastmodified from rss_feed where rssurl = '$url'")
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $stored_etag" \
    -H "If-Modified-Since: $(LC_ALL=C TZ=GMT date -d "@$stored_lm" '+%a, %d %b %Y %H:%M:%S GMT')" \
    "$url")
  [[ $status == 304 ]] || die "newsboat's stored validators for $url get $status, not 304"
  timed newsboat "$n" warm "$rep" "$dir/warm.log" -- "${cmd[@]}"
  # About 80 MB per 1,000 feeds; every rep starts from an empty cache anyway.
  rm -f "$dir/cache.db"
}

echo "== timing: ${sizes[*]} feeds, $reps reps per cell (cold then warm, tools interleaved)"
for n in "${sizes[@]}"; do
  for rep in $(seq "$reps"); do
    [[ $skip_feedwired -eq 1 ]] || run_feedwired "$n" "$rep"
    [[ $skip_newsboat -eq 1 ]] || run_newsboat "$n" "$rep"
  done
done
stop_nginx

# --- report --------------------------------------------------------------------------------
sizes_json=$(IFS=,; echo "[${sizes[*]}]")
fw_version=skipped
[[ -z $feedwired ]] || fw_version=$("$feedwired" --version 2>/dev/null || echo unknown)
nb_version=skipped
[[ $skip_newsboat -eq 1 ]] || nb_version=$(newsboat --version | head -n 1)
"$py" - "$out/poll_meta.json" <<PY
import json, sys
meta = {
    "feeds_list": $sizes_json, "reps": $reps, "items_per_feed": $items, "seed": $seed,
    "nginx": "$(nginx -v 2>&1 | sed 's/.*: //')", "nginx_worker_processes": $nginx_workers,
    "feedwired": "$fw_version", "feedwired_max_concurrent": $fw_max_concurrent,
    "feedwired_per_host_max_concurrent": $fw_max_concurrent,
    "feedwired_per_host_min_interval_ms": 0,
    "newsboat": "$nb_version", "newsboat_reload_threads": $newsboat_threads,
    "nproc": $(nproc), "date_utc": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
PY
"$py" "$poll_dir/poll_report.py" --runs "$runs_tsv" --manifest "$out/manifest.json" \
  --meta "$out/poll_meta.json" --json "$out/poll_results.json"
echo "results: $out/poll_results.json (logs and configs under $out/runs/)"
