#!/usr/bin/env bash
# The Debian packages, built by CPack from the build tree and checked from the outside:
#   package_test.sh build    BUILD_DIR OUT_DIR  makes cua-mcp-server and cua-mcp-server-dbgsym
#   package_test.sh contents OUT_DIR            their file lists, control data, stripped binary
#   package_test.sh install  OUT_DIR            dpkg -i in a throw-away root, then the service
# The install check needs root (mounts): it overlays a scratch directory on this machine's own /
# (whose packages satisfy the dependencies), enters it (pivot_root) in new mount, PID and
# network namespaces, installs the package with dpkg, runs the unit's ExecStart as the unit's
# user, and speaks MCP to it over HTTP on loopback. systemd is not PID 1 here, so the unit's
# hardening is checked by systemd-analyze, not by starting it under systemd.
set -euo pipefail
mode=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

case $mode in
build)
  build=$2 out=$3
  rm -rf "$out" && mkdir -p "$out"
  (cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log" 2>&1) || { cat "$out/cpack.log" >&2; fail "cpack"; }
  ls "$out"/*.deb >&2
  ;;

contents)
  out=$2
  deb=$(ls "$out"/cua-mcp-server_*.deb) dbg=$(ls "$out"/cua-mcp-server-dbgsym_*.deb)
  files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
  for want in /usr/bin/cua-mcp-server /usr/lib/systemd/system/cua-mcp-server.service \
              /etc/cua-mcp-server/config.toml /usr/share/man/man1/cua-mcp-server.1.gz \
              /usr/share/cua-mcp-server/config-reference.toml /usr/share/doc/cua-mcp-server/copyright; do
    grep -qx "$want" <<<"$files" || fail "$want is not in the package:"$'\n'"$files"
  done
  # Nothing of the build or the tests.
  if grep -E 'test|CMake|\.o$|\.a$|_CPack|/build/|node_modules|\.cpp$|\.hpp$' <<<"$files"; then
    fail "the package holds build or test files"
  fi
  control=$(dpkg-deb -I "$deb")
  for dep in libcaf-core0.17 libspdlog libtomlplusplus3 libcurl4 xvfb bubblewrap slirp4netns \
             matchbox-window-manager xterm adduser; do
    grep -q "^ Depends:.*$dep" <<<"$control" || fail "the package does not depend on $dep:"$'\n'"$control"
  done
  [[ $(dpkg-deb -f "$deb" Package) == cua-mcp-server ]] || fail "package name"
  # (grep -q on a here-string, not at the end of a pipe: under pipefail the writer's SIGPIPE
  # would decide the outcome)
  grep -q '^./conffiles$' <<<"$(dpkg-deb --ctrl-tarfile "$deb" | tar -t)" || fail "no conffiles"
  dpkg-deb -e "$deb" "$out/control"
  grep -qx /etc/cua-mcp-server/config.toml "$out/control/conffiles" || fail "config.toml is not a conffile"
  # A stripped binary of a few MB; its debug information in the -dbgsym package, by build id.
  rm -rf "$out/root" && dpkg-deb -x "$deb" "$out/root" && dpkg-deb -x "$dbg" "$out/root"
  bin=$out/root/usr/bin/cua-mcp-server
  size=$(stat -c %s "$bin")
  ((size < 40 * 1024 * 1024)) || fail "the binary is $size bytes"
  grep -q '\.debug_info' <<<"$(readelf -S "$bin" 2>/dev/null)" && fail "the installed binary still has debug information"
  id=$(readelf -n "$bin" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p')
  [[ -n $id ]] || fail "no build id"
  debug=$out/root/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
  [[ -f $debug ]] || fail "no debug file for build id $id in the dbgsym package"
  grep -q '\.debug_info' <<<"$(readelf -S "$debug" 2>/dev/null)" || fail "the debug file has no .debug_info"
  [[ $(dpkg-deb -f "$dbg" Depends) == "cua-mcp-server (= $(dpkg-deb -f "$deb" Version))" ]] \
    || fail "the dbgsym package's Depends: $(dpkg-deb -f "$dbg" Depends)"
  # The extracted binary runs, and the unit file is one systemd accepts.
  grep -q '^cua-mcp-server ' <<<"$("$bin" --version)" || fail "the packaged binary does not run"
  unit=$out/root/usr/lib/systemd/system/cua-mcp-server.service
  # Options that would take the desktops' sandbox away under systemd (see the unit's comment):
  # the install check below runs without systemd, so it could not see them.
  for option in RestrictNamespaces PrivateUsers ProtectKernelTunables ProtectKernelLogs ProtectProc \
                ProtectControlGroups PrivateDevices; do
    ! grep -q "^$option=" "$unit" || fail "the unit sets $option=, which breaks the desktop sandbox"
  done
  grep -q '^Delegate=yes' "$unit" || fail "the unit does not delegate its cgroup (per-desktop limits)"
  if command -v systemd-analyze >/dev/null; then
    sed "s|/usr/bin/cua-mcp-server|$bin|" "$unit" > "$out/cua-mcp-server.service"
    verdict=$(systemd-analyze verify "$out/cua-mcp-server.service" 2>&1 | grep -v "Failed to resolve user\|Failed to resolve group\|not running\|/run/systemd\|Command 'man " || true)
    [[ -z $verdict ]] || fail "systemd-analyze verify: $verdict"
    systemd-analyze security --offline=true "$out/cua-mcp-server.service" 2>/dev/null | tail -1 >&2 || true
  fi
  echo "package contents: ok ($size bytes binary, build id $id)" >&2
  ;;

install)
  out=$2
  [[ $(id -u) -eq 0 ]] || { echo "SKIP: installing the package needs root" >&2; exit 77; }
  deb=$(ls "$out"/cua-mcp-server_*.deb)
  scratch=$(mktemp -d /tmp/cua-package-root.XXXXXX)
  trap 'umount -l "$scratch/root" 2>/dev/null || true; rm -rf "$scratch"' EXIT
  mkdir -p "$scratch"/{upper,work,root}
  cp "$deb" "$scratch/package.deb"
  cp "$(dirname "${BASH_SOURCE[0]}")/in_root.sh" "$scratch/in_root.sh"
  # New mount, PID, network and IPC namespaces: the overlay and every process in it go when this
  # ends. The root is entered with pivot_root, not chroot (in a chroot, no user namespace can be
  # made, and the desktops' sandbox is made of one), with a /proc of its own and nothing over it.
  unshare --mount --propagation private --pid --net --ipc --fork --kill-child bash -euc '
    scratch=$1 root=$1/root
    mount -t overlay overlay -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$root"
    mkdir -p "$root/scratch" "$root/old-root"
    mount --bind "$scratch" "$root/scratch"
    mount -t proc proc "$root/proc"
    mount --rbind /dev "$root/dev"
    mount -t tmpfs tmpfs "$root/tmp"
    mount -t tmpfs tmpfs "$root/run"
    cd "$root"
    pivot_root . old-root
    umount -l /old-root
    exec bash /scratch/in_root.sh /scratch/package.deb
  ' _ "$scratch"
  ;;

*)
  fail "unknown mode $mode"
  ;;
esac
