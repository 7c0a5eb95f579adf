# Sourced by the benchmark scripts: where the build is (BUILD_DIR, default build/), where the JSON
# lines go (OUT, default benchmarks/results/<date>.jsonl), the server and the harness.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
out="${OUT:-$root/benchmarks/results/$(date +%Y-%m-%d).jsonl}"
mkdir -p "$(dirname "$out")"
bench="$build/cua-mcp-bench"
server="$build/cua-mcp-server"
