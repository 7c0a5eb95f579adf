#!/usr/bin/env bash
# Settling screens (issue 15): the old fixed pause (--settle-mode fixed --settle-ms 500) against
# settling (the defaults), in alternating rounds of one run, on the default desktop (matchbox and
# xterm): a click that changes nothing, typing 14 characters (each answer's screenshot compared
# with one taken a second later: stale answers are counted), a key that opens a window (xlogo,
# which closes itself a second later), and a
# 20-step replayed task that types into the terminal (time per step). Appends JSON lines to
# benchmarks/results/<date>.jsonl (labels settle-fixed-* and settle-screen-*). Build first.
# ROUNDS (default 2); takes ~4 minutes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
script="$(mktemp /tmp/cua-settle-bench-XXXXXX.jsonl)"
trap 'rm -f "$script"' EXIT
for i in $(seq 20); do
  printf '{"text":"step %d","actions":[{"action":"type","text":"echo step %d\\n"}]}\n' "$i" "$i"
done > "$script"
echo '{"text":"done"}' >> "$script"

for round in $(seq "${ROUNDS:-2}"); do
  for mode in fixed screen; do
    flags="--settle-mode fixed --settle-ms 500"
    [[ $mode == screen ]] && flags=""
    ours="$build/cua-mcp-server --log-level warn --backend xvfb --model replay:$script $flags"
    echo "== round $round, $mode"
    "$bench" --server "$ours" --scenario action --requests 20 --label "settle-$mode-click-nothing" \
      --action '{"action":"left_click","coordinate":[640,400]}' --json "$out"
    "$bench" --server "$ours" --scenario action --requests 15 --label "settle-$mode-type-14" \
      --before '{"action":"key","text":"ctrl+u"}' --action '{"action":"type","text":"echo abcdefghi"}' \
      --stale-check-ms 1000 --json "$out"
    "$bench" --server "$ours" --scenario action --requests 10 --label "settle-$mode-key-opens-window" \
      --before '{"action":"type","text":"timeout 1 xlogo &"}' --action '{"action":"key","text":"Return"}' \
      --pause-ms 1500 --json "$out"
    "$bench" --server "$ours" --scenario task --requests 3 --label "settle-$mode-task-20-steps" \
      --json "$out"
  done
done
