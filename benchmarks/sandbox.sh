#!/usr/bin/env bash
# What the desktop sandbox costs: cold and warm session start, a screenshot through the whole MCP
# call, and one desktop's memory, with `--desktop-sandbox on` and `off` in alternating rounds of
# one run (these machines are noisy: compare within a round). Appends JSON lines to
# benchmarks/results/<date>.jsonl (labels sandbox-on-* and sandbox-off-*) and prints each figure.
# Build first (scripts/build.sh). ROUNDS (default 3) rounds of both; takes ~3 minutes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ours="$build/cua-mcp-server --log-level warn --backend xvfb"
terminal="xterm -e sh -c 'ls -l /usr/bin | head -n 100; exec sleep 600'"

for round in $(seq "${ROUNDS:-3}"); do
  for mode in on off; do
    echo "== round $round, --desktop-sandbox $mode"
    flags="--desktop-sandbox $mode"
    "$bench" --server "$ours $flags --pool-warm 0" --scenario session-start --requests 20 \
      --label "sandbox-$mode-start-cold" --json "$out"
    "$bench" --server "$ours $flags --pool-warm 1" --scenario session-start --requests 20 \
      --wait-for-spare --label "sandbox-$mode-start-warm" --json "$out"
    "$bench" --server "$ours $flags --desktop-startup \"$terminal\"" --scenario screenshot \
      --requests 100 --warmup 20 --label "sandbox-$mode-screenshot" --json "$out"
    "$build/cua-capture-bench" --rounds 20 --desktop-sandbox "$mode" --json "$out" \
      | grep -E "sandbox|memory"
  done
done
