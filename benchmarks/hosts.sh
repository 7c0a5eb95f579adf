#!/usr/bin/env bash
# Computers on another machine (issue 19): screenshots through a computer host on loopback
# (--role host, sim backend) against the same front with local sim computers, in alternating rounds
# of one run; then sessions started per second across two hosts against local ones; then the
# front's memory per session with 150 sessions alive (--scenario scale), through the two hosts
# against local sim computers. Appends JSON lines to benchmarks/results/<date>.jsonl (labels
# hosts-*). Build first. ROUNDS (default 3); ~2 minutes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
secret="$(mktemp /tmp/cua-hosts-bench-XXXXXX)"
echo "benchmark secret $$" > "$secret"
hosts=()
cleanup() {
  for pid in "${hosts[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -f "$secret"
}
trap cleanup EXIT
for port in 4391 4392; do
  "$server" --role host --backend sim --log-level warn --node-listen "127.0.0.1:$port" \
    --node-secret-file "$secret" --pool-size 100 --pool-warm 4 --settle-ms 0 &
  hosts+=($!)
done
sleep 1
remote="$server --log-level warn --node-secret-file $secret"
local_sim="$server --log-level warn --backend sim --settle-ms 0 --pool-warm 4"
local_front="$local_sim --max-sessions 40 --pool-size 40"
for round in $(seq "${ROUNDS:-3}"); do
  echo "== round $round"
  "$bench" --server "$local_front" --scenario screenshot --sessions 4 --in-flight 4 --requests 2000 \
    --warmup 200 --label hosts-screenshot-local --json "$out" 2>&1 | tail -1
  "$bench" --server "$remote --max-sessions 40 --hosts 127.0.0.1:4391" --scenario screenshot --sessions 4 \
    --in-flight 4 --requests 2000 --warmup 200 --label hosts-screenshot-remote --json "$out" 2>&1 | tail -1
  "$bench" --server "$local_front" --scenario screenshot --sessions 1 --in-flight 1 --requests 1000 \
    --warmup 100 --label hosts-screenshot-1-local --json "$out" 2>&1 | tail -1
  "$bench" --server "$remote --max-sessions 40 --hosts 127.0.0.1:4391" --scenario screenshot --sessions 1 \
    --in-flight 1 --requests 1000 --warmup 100 --label hosts-screenshot-1-remote --json "$out" 2>&1 | tail -1
  "$bench" --server "$local_front" --scenario session-start --requests 30 \
    --label hosts-session-start-local --json "$out" 2>&1 | tail -1
  "$bench" --server "$remote --max-sessions 40 --hosts 127.0.0.1:4391,127.0.0.1:4392" --scenario session-start \
    --requests 30 --label hosts-session-start-two-hosts --json "$out" 2>&1 | tail -1
  "$bench" --server "$local_sim --max-sessions 160 --pool-size 160" --scenario scale \
    --sessions 150 --in-flight 8 --label hosts-scale-150-local --json "$out" 2>&1 | tail -1
  "$bench" --server "$remote --max-sessions 160 --hosts 127.0.0.1:4391,127.0.0.1:4392" \
    --scenario scale --sessions 150 --in-flight 8 --label hosts-scale-150-two-hosts --json "$out" \
    2>&1 | tail -1
done
