#!/usr/bin/env bash
# Configures and builds into build/ (the server lands at build/cua-mcp-server). Output goes to stderr.
# BUILD_TYPE (default RelWithDebInfo) and CMAKE_ARGS are passed through.
set -euo pipefail
exec 1>&2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build" -j "$(nproc)"
