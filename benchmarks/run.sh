#!/usr/bin/env bash
# Runs the recorded benchmarks, ours and the official-SDK reference server (benchmarks/reference)
# side by side in one run, prints their tables, appends JSON lines to
# benchmarks/results/<date>.jsonl and draws benchmarks/results/charts/*.png. Build first
# (scripts/build.sh; scripts/setup.sh installs the reference's npm packages). Takes ~12 minutes.
# Repeated scenarios warm up first (--warmup): Node's JIT needs a few thousand calls to reach its
# steady state, and a server left running for days is measured in its steady state.
# QUICK=1 runs fewer calls (a smoke test of the harness).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ours="$build/cua-mcp-server --log-level warn"
reference="node $root/benchmarks/reference/server.mjs --log-level warn"
scale() { if [[ ${QUICK:-0} == 1 ]]; then echo $(( ($1 + 9) / 10 )); else echo "$1"; fi; }

# Runs one scenario against both servers (extra server flags in $1), labels ours-NAME and
# reference-NAME; the remaining arguments go to cua-mcp-bench.
both() {
  local flags="$1" name="$2"
  shift 2
  "$bench" --server "$ours --backend sim $flags" --label "ours-$name" --json "$out" "$@"
  "$bench" --server "$reference $flags" --label "reference-$name" --json "$out" "$@"
}

echo "== screenshot cost on a real desktop, against xwd | xwdtopnm | pnmtopng"
"$build/cua-capture-bench" --rounds "$(scale 50)" --json "$out"

echo "== screenshot through the whole MCP call (xvfb, one session): terminal-like, then busy screen"
# A screenful of a listing, then still (a long listing would keep xterm scrolling, and busy, for
# seconds while it is measured).
terminal="xterm -e sh -c 'ls -l /usr/bin | head -n 100; exec sleep 600'"
"$bench" --server "$ours --backend xvfb --desktop-startup \"$terminal\"" \
  --scenario screenshot --requests "$(scale 200)" --warmup 20 --label xvfb-screenshot --json "$out"
# Busy: a full screen of small anti-aliased text (hundreds of colours), still while it is measured.
busy="xterm -geometry 200x60 -fa Monospace -fs 7 -e sh -c 'head -c 12000 /dev/urandom | base64; exec sleep 600'"
"$bench" --server "$ours --backend xvfb --desktop-startup \"$busy\"" \
  --scenario screenshot --requests "$(scale 100)" --warmup 20 --label xvfb-screenshot-busy --json "$out"

echo "== session start (xvfb): warm spare against cold start (display, window manager, terminal)"
"$bench" --server "$ours --backend xvfb --pool-warm 1" --scenario session-start --requests "$(scale 20)" \
  --wait-for-spare --label xvfb-start-warm --json "$out"
"$bench" --server "$ours --backend xvfb --pool-warm 0" --scenario session-start --requests "$(scale 20)" \
  --label xvfb-start-cold --json "$out"

echo "== (1) protocol overhead: get_session_stats pipelined, ours and the SDK reference"
for k in 1 10 100; do
  both "" "stats-$k" --scenario stats --requests "$(scale 20000)" --in-flight "$k" --warmup "$(scale 2000)"
done

echo "== (1b) get_session_stats at 100 in flight: five more rounds, the two servers alternately"
# One round's ratio moves by a third with the machine's noise; RESULTS.md takes the median.
for round in 1 2 3 4 5; do
  both "" "stats-100-round-$round" --scenario stats --requests "$(scale 20000)" --in-flight 100 \
    --warmup "$(scale 2000)"
done

echo "== (2) screenshot storm on sim, 4 sessions"
for k in 1 4 16; do
  both "" "sim-screenshot-$k" --scenario screenshot --requests "$(scale 400)" --in-flight "$k" --sessions 4 \
    --warmup 20
done

echo "== (3) session churn: first action on a new session, cleanup, 1000 cycles"
both "" "churn-10" --scenario churn --requests "$(scale 1000)" --in-flight 10 --warmup "$(scale 100)"

echo "== (4) run_multi_cua_tasks: 8 concurrent replayed tasks a call, 4 calls in flight (ours only)"
script="$(mktemp --suffix=.jsonl)"
trap 'rm -f "$script"' EXIT
cat > "$script" <<'EOF'
{"text":"Looking.","actions":[{"action":"screenshot"}]}
{"text":"Typing.","actions":[{"action":"left_click","coordinate":[100,200]},{"action":"type","text":"hello"}]}
{"text":"Done."}
EOF
"$bench" --server "$ours --backend sim --model replay:$script --settle-ms 0 --max-sessions 40" \
  --scenario multi-task --requests "$(scale 50)" --in-flight 4 --tasks-per-call 8 --label multi-task --json "$out"

echo "== (5) overload: 40 new sessions at once, limit 20 sessions, 8 computers, 1 s acquire bound"
"$bench" --server "$ours --backend sim --max-sessions 20 --pool-size 8 --acquire-timeout 1" \
  --scenario overload --sessions 40 --label ours-overload --json "$out"
"$bench" --server "$reference --max-sessions 20" --scenario overload --sessions 40 \
  --label reference-overload --json "$out"

echo "== (6) scale: 1000 sim sessions alive, then reaped (idle timeout 3 s)"
limits="--max-sessions 1000 --idle-timeout 3 --reap-interval 1"
"$bench" --server "$ours --backend sim $limits --pool-size 1000 --pool-warm 1000" --scenario scale \
  --sessions "$(scale 1000)" --in-flight 50 --reap-wait 60 --label ours-scale --json "$out"
"$bench" --server "$ours --backend sim $limits --pool-size 1000 --pool-warm 0" --scenario scale \
  --sessions "$(scale 1000)" --in-flight 50 --reap-wait 60 --label ours-scale-with-computers --json "$out"
"$bench" --server "$reference $limits" --scenario scale --sessions "$(scale 1000)" --in-flight 50 \
  --reap-wait 60 --label reference-scale --json "$out"

echo "results appended to $out"
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
  "$root/benchmarks/charts.py" "$out" --out "$(dirname "$out")/charts"
fi
