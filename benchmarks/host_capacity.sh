#!/usr/bin/env bash
# How many sessions one computer host holds (issue 19): one host (--role host, BACKEND sim or xvfb,
# every computer started ahead) and a front on loopback; N sessions on it, every one taking
# screenshots back to back, all N in flight at once (the worst case: agents that never stop to
# think), for N in SIZES; the answer is the largest N whose screenshot p99 stays under 100 ms.
# Front, host and harness share this machine's cores. Appends JSON lines to
# benchmarks/results/<date>.jsonl (labels host-capacity-<backend>-<N>). Build first.
# BACKEND=sim SIZES="4 8 16 32 64" by default; ~2 minutes (xvfb: starting the desktops adds more).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
backend="${BACKEND:-sim}"
sizes="${SIZES:-4 8 16 32 64}"
largest="${sizes##* }"
port="${PORT:-4393}"
secret="$(mktemp /tmp/cua-capacity-bench-XXXXXX)"
echo "benchmark secret $$" > "$secret"
host_pid=""
cleanup() {
  # Waited for, so that the next run can listen on the same port.
  if [[ -n $host_pid ]]; then kill "$host_pid" 2>/dev/null || true; wait "$host_pid" || true; fi
  rm -f "$secret"
}
trap cleanup EXIT
"$server" --role host --backend "$backend" --log-level warn --node-listen "127.0.0.1:$port" \
  --node-secret-file "$secret" --pool-size "$largest" --pool-warm "$largest" &
host_pid=$!
front="$server --log-level warn --max-sessions $largest --acquire-timeout 120 \
  --node-secret-file $secret --hosts 127.0.0.1:$port"
# Wait for the host to listen, then for every computer to be started (sim computers start at
# once; each xvfb one is an Xvfb).
for _ in $(seq 100); do
  kill -0 "$host_pid" 2>/dev/null || { echo "the host did not start (port $port in use?)" >&2; exit 1; }
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
sleep 2
if [[ $backend == xvfb ]]; then
  for _ in $(seq 300); do
    [[ $(pgrep -cx Xvfb || true) -ge $largest ]] && break
    sleep 1
  done
fi
for n in $sizes; do
  "$bench" --server "$front" --scenario screenshot --sessions "$n" --in-flight "$n" \
    --requests $((n * 50)) --warmup $((n * 2)) --label "host-capacity-$backend-$n" --json "$out" \
    2>&1 | tail -1
done
