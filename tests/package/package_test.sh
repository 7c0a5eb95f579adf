#!/usr/bin/env bash
# The Debian packages, built by CPack from the build tree and checked from the outside:
#   package_test.sh build    BUILD_DIR OUT_DIR  makes cua-mcp-server and cua-mcp-server-dbgsym
#   package_test.sh contents OUT_DIR            their file lists, control data, stripped binary
#   package_test.sh install  OUT_DIR            dpkg -i in a throw-away root, then the service
# The install check needs root (mounts): it overlays a scratch directory on this machine's own /
# (whose packages satisfy the dependencies), enters it (pivot_root) in new mount, PID, network,
# IPC and UTS namespaces, and boots systemd there as PID 1, as a container manager would. A unit of
# the test's own then installs the package with dpkg (whose postinst starts the service under that
# systemd, with all of the unit's hardening), speaks MCP to it over HTTP on loopback, and purges it.
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
  # Options that would take the desktops' sandbox away under systemd (see the unit's comment),
  # named here; the install check finds them too, but only as a service that cannot start.
  for option in RestrictNamespaces PrivateUsers ProtectKernelTunables ProtectKernelLogs ProtectProc \
                ProtectHostname ProtectControlGroups PrivateDevices; do
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
  [[ -x /lib/systemd/systemd ]] || { echo "SKIP: no systemd to boot in the throw-away root" >&2; exit 77; }
  deb=$(ls "$out"/cua-mcp-server_*.deb)
  scratch=$(mktemp -d /tmp/cua-package-root.XXXXXX)
  trap 'umount -l "$scratch/root" 2>/dev/null || true; rm -rf "$scratch"' EXIT
  mkdir -p "$scratch"/{upper,work,root}
  cp "$deb" "$scratch/package.deb"
  cp "$(dirname "${BASH_SOURCE[0]}")/in_root.sh" "$scratch/in_root.sh"
  # The whole check is bounded: systemd (PID 1 of the new PID namespace) is killed with its
  # namespace if it does not exit by itself, which its test unit makes it do (`systemctl exit`).
  status=0
  timeout --kill-after=10 300 unshare --mount --propagation private --pid --net --ipc --uts \
      --fork --kill-child bash -euc '
    scratch=$1 root=$1/root
    mount -t overlay overlay -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$root"
    mkdir -p "$root/scratch" "$root/old-root"
    mount --bind "$scratch" "$root/scratch"
    # As a container gets them: its own /proc (nothing mounted over it: each desktop sandbox
    # needs a /proc the kernel deems fully visible to mount one of its own), /sys read-only but
    # for the cgroup hierarchies (systemd manages its services, and delegates the server its
    # subtree, there), and /dev of this machine.
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys" && mount -o remount,bind,ro "$root/sys"
    mount --rbind /dev "$root/dev"
    # Debian'"'"'s udev makes /dev/net/tun 0666 (slirp4netns, the desktops'"'"' isolated network,
    # opens it as the service'"'"'s user); a container'"'"'s may be 0600: this root gets a node as
    # Debian has it.
    if [[ $(stat -c %a /dev/net/tun) != 666 ]]; then
      mount -t tmpfs -o mode=0755 tmpfs "$root/dev/net"
      mknod -m 0666 "$root/dev/net/tun" c 10 200
    fi
    # Container images carry a policy-rc.d that forbids maintainer scripts to start services; a
    # Debian host has none, and the test is of what its postinst does there.
    rm -f "$root/usr/sbin/policy-rc.d"
    mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
    mount -t tmpfs -o mode=0755 tmpfs "$root/run"
    # The boot goes to a target of the test'"'"'s own, not to this machine'"'"'s default one (no
    # database or mail server of the image starts).
    units=$root/etc/systemd/system
    # /proc/sys is this machine'"'"'s (a read-only mount over it would cost the sandbox its /proc),
    # so what of the boot would write to the kernel (sysctls, binfmt, modules) is masked.
    for masked in systemd-sysctl.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
                  systemd-modules-load.service; do
      ln -sf /dev/null "$units/$masked"
    done
    cat >"$units/cua-package-test.target" <<UNIT
[Unit]
Description=cua-mcp-server package test
Wants=cua-package-test.service
UNIT
    cat >"$units/cua-package-test.service" <<UNIT
[Unit]
Description=cua-mcp-server package test: install, use, purge
After=basic.target
[Service]
Type=oneshot
ExecStart=/bin/bash /scratch/in_root.sh /scratch/package.deb
StandardOutput=file:/scratch/in_root.log
StandardError=inherit
UNIT
    cd "$root"
    pivot_root . old-root
    umount -l /old-root
    export container=cua-package-test
    exec /lib/systemd/systemd --system --unit=cua-package-test.target --log-target=null \
      --show-status=false
  ' _ "$scratch" || status=$?
  cat "$scratch/in_root.log" >&2 2>/dev/null || echo "FAIL: the test unit never ran" >&2
  ((status == 0)) || fail "the check in the throw-away root ended with $status"
  ;;

*)
  fail "unknown mode $mode"
  ;;
esac
