#!/usr/bin/env bash
# boot_root.sh LOWER SCRATCH CGROUP_DIR...
# Runs as PID 1 of the new namespaces of package_test.sh install (mount, PID, network, IPC, UTS):
# makes the throw-away root (the system at LOWER under an overlay on SCRATCH), joins the boot's
# cgroups (CGROUP_DIR..., one a hierarchy) and makes a cgroup namespace rooted there, enters the
# root with pivot_root, and boots systemd there as PID 1, as a container manager would, to a
# target of the test's own whose unit runs in_root.sh.
set -euo pipefail

# The root, but for its cgroup hierarchies; then on in a cgroup namespace of the boot's cgroups.
before_cgroup_namespace() {
  local lower=$1 scratch=$2 root=$2/root
  shift 2
  mount -t overlay overlay -o "lowerdir=$lower,upperdir=$scratch/upper,workdir=$scratch/work" "$root"
  mkdir -p "$root/scratch" "$root/old-root"
  mount --bind "$scratch" "$root/scratch"

  # As a container gets them: its own /proc (nothing mounted over it: each desktop sandbox needs a
  # /proc the kernel deems fully visible to mount one of its own); its own /sys, read-only (no udev
  # of the boot acts on this machine's devices); this machine's cgroup hierarchies, mounted afresh
  # in the cgroup namespace, so that they are rooted at the test's own cgroup (systemd manages its
  # services, and delegates the server its subtree, there); and this machine's /dev.
  mount -t proc proc "$root/proc"
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  # Debian's udev makes /dev/net/tun 0666 (slirp4netns, the desktops' isolated network, opens it as
  # the service's user); a container's may be 0600: this root gets a node as Debian has it.
  if [[ $(stat -c %a /dev/net/tun) != 666 ]]; then
    mount -t tmpfs -o mode=0755 tmpfs "$root/dev/net"
    mknod -m 0666 "$root/dev/net/tun" c 10 200
  fi
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  mount -t tmpfs -o mode=0755 tmpfs "$root/run"
  # This process alone joins the boot's cgroups, and stays PID 1 (exec): on cgroup v2 a group
  # with processes of its own could not hand its controllers down to systemd's services.
  local dir
  for dir; do echo $$ >"$dir/cgroup.procs"; done
  exec unshare --cgroup bash "$0" --in-cgroup-namespace "$scratch"
}

if [[ $1 != --in-cgroup-namespace ]]; then
  before_cgroup_namespace "$@"
fi
scratch=$2 root=$2/root
# In the cgroup namespace: the hierarchies mounted here are rooted at the boot's cgroups.
if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then
  mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$root/sys/fs/cgroup"
else
  hierarchies=$(findmnt -rn -t cgroup,cgroup2 -o TARGET,FSTYPE,OPTIONS)
  mount -t tmpfs -o mode=0755,nosuid,nodev,noexec tmpfs "$root/sys/fs/cgroup"
  while read -r target type options; do
    mkdir -p "$root$target"
    mount -t "$type" -o "$options" cgroup "$root$target"
  done <<<"$hierarchies"
  for link in /sys/fs/cgroup/*; do # "cpu -> cpu,cpuacct" and the like
    [[ -L $link ]] && ln -s "$(readlink "$link")" "$root$link"
  done
fi
# Container images carry a policy-rc.d that forbids maintainer scripts to start services; a Debian
# host has none, and the test is of what the postinst does there.
rm -f "$root/usr/sbin/policy-rc.d"

units=$root/etc/systemd/system
# /proc/sys is this machine's (a read-only mount over it would cost the sandbox its /proc), so
# what of the boot would write to the kernel (sysctls, binfmt, modules) is masked.
for masked in systemd-sysctl.service systemd-binfmt.service proc-sys-fs-binfmt_misc.automount \
              systemd-modules-load.service; do
  ln -sf /dev/null "$units/$masked"
done
# The boot goes to a target of the test's own, not to this machine's default one (no database or
# mail server of the image starts).
cat >"$units/cua-package-test.target" <<'UNIT'
[Unit]
Description=cua-mcp-server package test
Wants=cua-package-test.service
UNIT
cat >"$units/cua-package-test.service" <<'UNIT'
[Unit]
Description=cua-mcp-server package test: install, use, purge
After=basic.target
# The boot ends with the test, with its exit status.
SuccessAction=exit-force
FailureAction=exit-force
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
exec /lib/systemd/systemd --system --unit=cua-package-test.target --log-target=null --show-status=false
