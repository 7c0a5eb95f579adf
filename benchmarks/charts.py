#!/usr/bin/python3
"""Turns cua-mcp-bench JSON lines (one run a line) into PNG charts: for each scenario run at more
than one concurrency, latency (p50 and p99) and throughput against calls in flight, one line per
server (the label up to its last '-', e.g. "ours-stats-100" and "reference-stats-100" are the
servers "ours-stats" and "reference-stats").

Usage: benchmarks/charts.py RESULTS.jsonl [MORE.jsonl ...] --out DIR
Needs Debian's python3-matplotlib (scripts/setup.sh installs it).
"""

import argparse
import collections
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402


def read_runs(paths):
    runs = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    runs.append(json.loads(line))
                except json.JSONDecodeError as e:
                    sys.exit(f"{path}:{number}: not JSON: {e}")
    return [r for r in runs if "scenario" in r and "in_flight" in r]


def series_name(run):
    label = run.get("label", run["scenario"])
    head, _, tail = label.rpartition("-")
    return head if head and tail.isdigit() else label


def chart(scenario, runs, out_dir):
    by_series = collections.defaultdict(dict)
    for run in runs:
        # The last run at a concurrency wins: files are appended to in time order.
        by_series[series_name(run)][run["in_flight"]] = run
    # A line needs two concurrencies; single runs (e.g. one xvfb figure) are in the tables only.
    by_series = {name: points for name, points in by_series.items() if len(points) >= 2}
    if not by_series:
        return None
    fig, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, points in sorted(by_series.items()):
        xs = sorted(points)
        (line,) = latency.plot(xs, [points[x]["p50_ms"] for x in xs], marker="o", label=f"{name} p50")
        latency.plot(xs, [points[x]["p99_ms"] for x in xs], marker="x", linestyle="--",
                     color=line.get_color(), label=f"{name} p99")
        throughput.plot(xs, [points[x]["throughput_per_s"] for x in xs], marker="o",
                        color=line.get_color(), label=name)
    for axis, title, unit in ((latency, "latency", "ms"), (throughput, "throughput", "calls/s")):
        axis.set_xscale("log")
        axis.set_xlabel("calls in flight")
        axis.set_ylabel(unit)
        axis.set_title(f"{scenario}: {title}")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize="small")
    latency.set_yscale("log")
    fig.tight_layout()
    path = os.path.join(out_dir, f"{scenario}.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", help="JSON lines files from cua-mcp-bench --json")
    parser.add_argument("--out", required=True, help="folder for the PNG files")
    args = parser.parse_args()
    runs = read_runs(args.results)
    if not runs:
        sys.exit("no benchmark runs in the given files")
    os.makedirs(args.out, exist_ok=True)
    by_scenario = collections.defaultdict(list)
    for run in runs:
        by_scenario[run["scenario"]].append(run)
    written = [p for s, rs in sorted(by_scenario.items()) if (p := chart(s, rs, args.out))]
    for path in written:
        print(path)
    if not written:
        print("no scenario was run at more than one concurrency: nothing to draw", file=sys.stderr)


if __name__ == "__main__":
    main()
