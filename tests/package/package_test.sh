#!/usr/bin/env bash
# The Debian packages, built by CPack from the build tree and checked from the outside:
#   package_test.sh build    BUILD_DIR OUT_DIR  makes cua-mcp-server and cua-mcp-server-dbgsym
#   package_test.sh contents OUT_DIR            their file lists, control data, stripped binary
#   package_test.sh install  OUT_DIR            dpkg -i in a throw-away root, then the service
#   package_test.sh fresh    OUT_DIR            the same on a fresh minimal Debian 12 whose
#                                               dependencies apt took from Debian's archive
# The install check needs root (mounts): it overlays a scratch directory on this machine's own /
# (whose packages satisfy the dependencies), enters it (pivot_root) in new mount, PID, network,
# IPC, UTS and cgroup namespaces, and boots systemd there as PID 1, as a container manager would
# (boot_root.sh). A unit of the test's own then installs the package with dpkg (whose postinst
# starts the service under that systemd, with all of the unit's hardening), checks the service,
# speaks MCP to it over HTTP on loopback, upgrades and purges it (in_root.sh).
set -euo pipefail
mode=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

# install_and_check LOWER DEB: boots systemd in a throw-away root over the system at LOWER
# (boot_root.sh), where in_root.sh installs DEB, checks the service, upgrades and purges it.
install_and_check() {
  local lower=$1 deb=$2 here dir mount_point status key changed=""
  # scratch and cgroups are global: the EXIT trap removes them, after this function returned.
  here=$(dirname "${BASH_SOURCE[0]}")
  scratch=$(mktemp -d /tmp/cua-package-root.XXXXXX)
  # The boot gets a cgroup of its own in every hierarchy, below this test's, and a cgroup
  # namespace rooted there (boot_root.sh): systemd builds its tree inside it (this machine's
  # limits still hold), and it goes with the test.
  cgroups=()
  remove_cgroups() {
    local dir
    for dir in "${cgroups[@]}"; do
      for _ in $(seq 50); do # a killed process leaves its cgroup a moment later
        find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
        [[ -d $dir ]] || break
        sleep 0.1
      done
    done
  }
  trap 'umount -l "$scratch/root" 2>/dev/null || true; rm -rf "$scratch"; remove_cgroups' EXIT
  # The mount point of the hierarchy of a /proc/self/cgroup line's controllers ("" for v2).
  hierarchy_of() {
    if [[ -z $1 ]]; then
      findmnt -rn -t cgroup2 -o TARGET | head -1
    else
      findmnt -rn -t cgroup -o TARGET,OPTIONS | awk -v want="$1" '{
        n = split(want, w, ","); all = 1
        for (i = 1; i <= n; i++) if (index("," $2 ",", "," w[i] ",") == 0) all = 0
        if (all) { print $1; exit } }'
    fi
  }
  while IFS=: read -r _ controllers path; do
    mount_point=$(hierarchy_of "$controllers")
    [[ -n $mount_point ]] || continue
    dir=$mount_point${path%/}/cua-package-test.$$
    mkdir "$dir"
    cgroups+=("$dir")
    if [[ -e $dir/cpuset.cpus ]]; then # a v1 cpuset group takes no process before these are set
      cat "$dir/../cpuset.cpus" >"$dir/cpuset.cpus"
      cat "$dir/../cpuset.mems" >"$dir/cpuset.mems"
    fi
  done </proc/self/cgroup
  mkdir -p "$scratch"/{upper,work,root}
  cp "$deb" "$scratch/package.deb"
  cp "$here/in_root.sh" "$scratch/in_root.sh"
  # What systemd may change of this machine's kernel without a unit (it is PID 1 of a PID
  # namespace, not of the machine): the test puts it back and fails if anything did.
  local -A kernel_before
  for key in fs/nr_open fs/file-max; do kernel_before[$key]=$(</proc/sys/$key); done
  # The whole check is bounded (within ctest's own bound, so the traps above still run):
  # systemd is killed with its PID namespace if it does not exit by itself, which the test's
  # unit makes it do when it ends (SuccessAction/FailureAction=exit-force).
  status=0
  timeout --kill-after=10 200 unshare --mount --propagation private --pid --net --ipc --uts \
    --fork --kill-child bash "$here/boot_root.sh" "$lower" "$scratch" "${cgroups[@]}" || status=$?
  for key in "${!kernel_before[@]}"; do
    [[ $(</proc/sys/$key) == "${kernel_before[$key]}" ]] && continue
    echo "${kernel_before[$key]}" >"/proc/sys/$key"
    changed+=" $key"
  done
  [[ -z $changed ]] || fail "the boot changed$changed of this machine (put back)"
  cat "$scratch/in_root.log" >&2 2>/dev/null || echo "FAIL: the test unit never ran" >&2
  ((status == 0)) || fail "the check in the throw-away root ended with $status"
}

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
  install_and_check / "$(ls "$out"/cua-mcp-server_*.deb)"
  ;;

fresh)
  out=$2 cache=${CUA_TEST_ROOTS:-/var/cache/cua-mcp-server-tests}
  [[ $(id -u) -eq 0 ]] || { echo "SKIP: making a Debian root needs root" >&2; exit 77; }
  command -v debootstrap >/dev/null || { echo "SKIP: no debootstrap (scripts/setup.sh installs it)" >&2; exit 77; }
  mirror=http://deb.debian.org/debian
  curl -sf -o /dev/null --max-time 20 "$mirror/dists/bookworm/Release" ||
    { echo "SKIP: Debian's archive ($mirror) cannot be reached" >&2; exit 77; }
  deb=$(ls "$out"/cua-mcp-server_*.deb)
  # A minimal Debian 12 (debootstrap's minbase, with the updates and security suites a real
  # install has) where apt installed the package, so pulling every dependency it declares from
  # Debian's archive, and then purged it: what is left is what a fresh machine gets from its
  # Depends, and nothing of this machine. Kept between runs (made again when the Depends change).
  key=$( (echo "root 2"; dpkg-deb -f "$deb" Depends) | sha256sum | cut -c1-12) # 2: how it is made
  lower=$cache/bookworm-$key
  if [[ ! -e $lower/.ready ]]; then
    mkdir -p "$cache" && rm -rf "$cache"/bookworm-*
    echo "making a fresh Debian 12 root in $lower (once; about 2 minutes)" >&2
    # Bounded, as everything here, within ctest's bound for the test (600 s).
    timeout 240 debootstrap --variant=minbase bookworm "$lower" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
      { tail -20 "$cache/debootstrap.log" >&2; rm -rf "$lower"; fail "debootstrap"; }
    cat >"$lower/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
    cp /etc/resolv.conf "$lower/etc/resolv.conf"
    cp "$deb" "$lower/tmp/package.deb"
    # What in_root.sh uses besides the package: systemd to boot, curl, pgrep, ip.
    timeout 120 unshare --mount --fork --kill-child bash -euc '
      mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev"
      chroot "$1" bash -euc "
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends /tmp/package.deb systemd curl procps iproute2
        dpkg --purge cua-mcp-server
        userdel cua-mcp # a purge keeps the system user; a fresh machine has none
        apt-get clean
        rm /tmp/package.deb"' _ "$lower" >"$cache/apt.log" 2>&1 ||
      { tail -30 "$cache/apt.log" >&2; rm -rf "$lower"; fail "apt-get install of the package in a fresh Debian 12"; }
    touch "$lower/.ready"
  fi
  install_and_check "$lower" "$deb"
  ;;

*)
  fail "unknown mode $mode"
  ;;
esac
