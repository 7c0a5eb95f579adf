#!/bin/bash
# Side by side: a build from before a change (A, $BEFORE) and this one (B), alternating rounds.
# Build the old one in a worktree first: git worktree add /tmp/base REV; cmake + make cua-mcp-server there.
root="$(cd "$(dirname "$0")/.." && pwd)"
A="${BEFORE:-/tmp/base/build/cua-mcp-server}"; B="$root/build/cua-mcp-server"; bench="$root/build/cua-mcp-bench"
for round in 1 2 3; do
  for side in A B; do
    bin=${!side}
    echo "== round $round $side stats"
    $bench --server "$bin --backend sim --log-level warn" --scenario stats --requests 20000 --in-flight 100 --warmup 2000 --label $side 2>&1 | tail -3
    echo "== round $round $side screenshot x4"
    $bench --server "$bin --backend sim --log-level warn --max-sessions 8" --scenario screenshot --sessions 4 --requests 2000 --in-flight 4 --warmup 200 --label $side 2>&1 | tail -3
  done
done
