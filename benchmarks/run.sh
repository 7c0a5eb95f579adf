#!/usr/bin/env bash
# Runs the recorded benchmarks side by side and prints their tables; JSON lines go to
# benchmarks/results/<date>.jsonl. Build first (scripts/build.sh). Takes a few minutes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
out="$root/benchmarks/results/$(date +%Y-%m-%d).jsonl"
mkdir -p "$(dirname "$out")"
server="$build/cua-mcp-server --log-level warn"
bench="$build/cua-mcp-bench"

echo "== screenshot cost on a real desktop, against xwd | xwdtopnm | pnmtopng"
"$build/cua-capture-bench" --rounds 50 --json "$out"

echo "== screenshot through the whole MCP call (xvfb, one session, terminal-like screen)"
"$bench" --server "$server --backend xvfb --desktop-startup \"xterm -e sh -c 'ls -l /usr/bin; exec sleep 600'\"" \
  --scenario screenshot --requests 200 --label xvfb-screenshot --json "$out"

echo "== session start: warm spare against cold start (display, window manager, terminal)"
"$bench" --server "$server --backend xvfb --pool-warm 1" --scenario session-start --requests 20 \
  --wait-for-spare --label xvfb-start-warm --json "$out"
"$bench" --server "$server --backend xvfb --pool-warm 0" --scenario session-start --requests 20 \
  --label xvfb-start-cold --json "$out"

echo "== protocol overhead: get_session_stats pipelined (sim)"
for k in 1 10 100; do
  "$bench" --server "$server --backend sim" --scenario stats --requests 20000 --in-flight "$k" \
    --label "sim-stats-inflight-$k" --json "$out"
done
echo "results appended to $out"
