#!/usr/bin/env python3
"""Turns the raw runs of bench/poll_bench.sh into one table per feed count and a JSON file.

  poll_report.py --runs RUNS.tsv --manifest manifest.json --meta META.json --json OUT.json

RUNS.tsv has one line per timed process: tool, feeds, phase (cold|warm), rep, wall s, user s,
sys s, max RSS KiB (GNU time's %M), 1-minute load average just before the run. Every figure in
the table is the median over the repetitions of one cell, each column taken on its own.
"""
import argparse
import json
import statistics
import sys

TOOLS = ("feedwired", "newsboat")
PHASES = ("cold", "warm")
COLD_RATIO_TARGET = 5.0
WARM_RATIO_TARGET = 10.0
WARM_FEEDS_PER_S_TARGET = 5000.0
RSS_LIMIT_MB = 150.0
RSS_LIMIT_FEEDS = 5000


def load_runs(path):
    runs = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            tool, feeds, phase, rep, wall, user, sys_s, rss_kib, load1 = line.split("\t")
            runs.append({"tool": tool, "feeds": int(feeds), "phase": phase, "rep": int(rep),
                         "wall_s": float(wall), "user_s": float(user), "sys_s": float(sys_s),
                         "max_rss_kib": int(rss_kib), "load1_before": float(load1)})
    return runs


def cell_medians(runs):
    """Median of each figure over one cell's repetitions; feeds/s is N / wall of each run."""
    return {
        "reps": len(runs),
        "feeds_per_s": statistics.median(r["feeds"] / r["wall_s"] for r in runs),
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "cpu_s": statistics.median(r["user_s"] + r["sys_s"] for r in runs),
        # MB = 10^6 bytes, as everywhere in bench/; GNU time reports KiB.
        "peak_rss_mb": statistics.median(r["max_rss_kib"] * 1024 / 1e6 for r in runs),
        "load1_before": statistics.median(r["load1_before"] for r in runs),
    }


def verdict(ok):
    return "met" if ok else "NOT met"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--json", required=True)
    args = ap.parse_args()

    runs = load_runs(args.runs)
    manifest = json.load(open(args.manifest))
    meta = json.load(open(args.meta))
    summary = manifest["summary"]
    sizes = meta["feeds_list"]

    medians = {}
    for n in sizes:
        for tool in TOOLS:
            for phase in PHASES:
                cell = [r for r in runs if r["feeds"] == n and r["tool"] == tool
                        and r["phase"] == phase]
                if cell:
                    medians.setdefault(str(n), {})[f"{tool} {phase}"] = cell_medians(cell)

    for n in sizes:
        cells = medians.get(str(n), {})
        kb_each = sum(f["bytes"] for f in manifest["feeds"][:n]) / n / 1e3
        print()
        print(f"feeds: {n} ({summary['items_per_feed']} items, ~{kb_each:.0f} KB each), "
              f"nginx worker_processes {meta['nginx_worker_processes']}, per-host limits lifted")
        print(f"{'':22}{'feeds/s':>10}{'CPU s':>10}{'peak RSS MB':>14}")
        for phase in PHASES:
            for tool in TOOLS:
                c = cells.get(f"{tool} {phase}")
                label = f"{tool:9} {phase}"
                if c is None:
                    print(f"{label:22}{'-':>10}{'-':>10}{'-':>14}   (skipped)")
                else:
                    print(f"{label:22}{c['feeds_per_s']:10.0f}{c['cpu_s']:10.2f}"
                          f"{c['peak_rss_mb']:14.1f}")
        fw_cold, nb_cold = cells.get("feedwired cold"), cells.get("newsboat cold")
        fw_warm, nb_warm = cells.get("feedwired warm"), cells.get("newsboat warm")
        if fw_cold and nb_cold:
            ratio = fw_cold["feeds_per_s"] / nb_cold["feeds_per_s"]
            print(f"{'cold ratio (feedwired/newsboat feeds/s)':42}{ratio:6.1f}x   "
                  f"(target >= {COLD_RATIO_TARGET:.0f}x: {verdict(ratio >= COLD_RATIO_TARGET)})")
        else:
            print(f"{'cold ratio (feedwired/newsboat feeds/s)':42}{'n/a':>7}   (one side skipped)")
        if fw_warm and nb_warm:
            ratio = fw_warm["feeds_per_s"] / nb_warm["feeds_per_s"]
            fast = fw_warm["feeds_per_s"] >= WARM_FEEDS_PER_S_TARGET
            print(f"{'warm ratio':42}{ratio:6.1f}x   (target >= {WARM_RATIO_TARGET:.0f}x: "
                  f"{verdict(ratio >= WARM_RATIO_TARGET)}; feedwired >= "
                  f"{WARM_FEEDS_PER_S_TARGET:.0f} feeds/s: {verdict(fast)})")
        else:
            print(f"{'warm ratio':42}{'n/a':>7}   (one side skipped)")
        # Against the limit, the worst run counts, not the median.
        fw_runs = [r for r in runs if r["feeds"] == n and r["tool"] == "feedwired"]
        if fw_runs:
            fw_rss = max(r["max_rss_kib"] for r in fw_runs) * 1024 / 1e6
            which = f"highest of {len(fw_runs)} feedwired runs"
            if n == RSS_LIMIT_FEEDS:
                print(f"feedwired peak RSS {fw_rss:.1f} MB, {which} (limit <= "
                      f"{RSS_LIMIT_MB:.0f} MB at {RSS_LIMIT_FEEDS} feeds: "
                      f"{verdict(fw_rss <= RSS_LIMIT_MB)})")
            else:
                print(f"feedwired peak RSS {fw_rss:.1f} MB, {which} (the {RSS_LIMIT_MB:.0f} MB "
                      f"limit is for {RSS_LIMIT_FEEDS} feeds)")
        loads = [c["load1_before"] for c in cells.values()]
        if loads and max(loads) > 1.0:
            print(f"note: 1-minute load average before the runs was up to {max(loads):.1f}; "
                  f"other work on the machine lowers every figure")

    result = {"meta": meta, "corpus": summary, "runs": runs, "medians": medians}
    with open(args.json, "w") as f:
        json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
