#!/usr/bin/env bash
# Runs as a oneshot unit of the systemd that package_test.sh install boots in a throw-away root:
# installs the package (its postinst enables and starts the service under this systemd), checks
# the running service's hardening from outside and inside, speaks MCP to it, upgrades, stops and
# purges it. Its exit status ends the boot (the unit's SuccessAction/FailureAction).
# Under pipefail a failed pipe in an assignment would end the script without a word: each
# assignment whose pipe may find nothing ends in `|| true`, and the check after it says what.
set -euo pipefail
deb=$1
unit=cua-mcp-server.service
fail() {
  echo "FAIL: $*" >&2
  echo "--- the service's journal:" >&2
  journalctl -u $unit --no-pager -n 30 -o cat >&2 || true
  exit 1
}
ip link set lo up

dpkg -i "$deb" >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log >&2; fail "dpkg -i"; }
getent passwd cua-mcp >/dev/null || fail "postinst made no cua-mcp user"
token_file=/etc/cua-mcp-server/token
[[ $(stat -c '%a %U %G' $token_file) == "640 root cua-mcp" ]] || fail "token file: $(stat -c '%a %U %G' $token_file)"
token=$(head -1 $token_file)
((${#token} == 64)) || fail "token of ${#token} characters"
[[ $(systemctl is-enabled $unit) == enabled ]] || fail "postinst did not enable the service"

url=http://127.0.0.1:8765/mcp
restarts() { systemctl show -p NRestarts --value $unit; }
main_pid() { systemctl show -p MainPID --value $unit; }
for _ in $(seq 100); do
  curl -s -o /dev/null "$url" 2>/dev/null && break
  # Restart=on-failure shows a crashing service as "activating", never as failed.
  systemctl -q is-failed $unit && fail "the service failed"
  (($(restarts) == 0)) || fail "the service crashed and was restarted"
  sleep 0.1
done
[[ $(systemctl is-active $unit) == active ]] || fail "the service is $(systemctl is-active $unit)"
echo "dpkg -i: the service is enabled and running under systemd" >&2

# The running server as the unit made it: its user, no privileges, a syscall filter, and the
# system read-only, /home hidden and /tmp private in its mount namespace.
pid=$(main_pid)
status_of() { sed -n "s/^$1:[[:space:]]*//p" "/proc/$pid/status"; }
uid=$(id -u cua-mcp)
[[ $(status_of Uid) == "$uid"$'\t'"$uid"$'\t'"$uid"$'\t'"$uid" ]] || fail "the server runs with Uid $(status_of Uid)"
[[ $(status_of NoNewPrivs) == 1 ]] || fail "NoNewPrivs is $(status_of NoNewPrivs)"
[[ $(status_of CapBnd) == 0000000000000000 ]] || fail "capability bounding set $(status_of CapBnd)"
[[ $(status_of CapEff) == 0000000000000000 ]] || fail "effective capabilities $(status_of CapEff)"
[[ $(status_of Seccomp) == 2 ]] || fail "no system-call filter (Seccomp $(status_of Seccomp))"
in_service() { nsenter --target "$pid" --mount -- "$@"; }
in_service touch /usr/probe 2>/dev/null && fail "/usr is writable in the service's namespace"
in_service touch /etc/probe 2>/dev/null && fail "/etc is writable in the service's namespace"
touch /tmp/outside-probe
in_service test -e /tmp/outside-probe && fail "the service's /tmp is not private"
in_service test -w /var/lib/cua-mcp-server || fail "the state directory is not writable"
echo "hardening: user cua-mcp, no capabilities, no new privileges, seccomp, read-only system, private /tmp" >&2

post() { # BODY [SESSION]: prints the response's headers and body
  curl -sS -i --max-time 30 -X POST "$url" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-11-25' ${2:+-H "Mcp-Session-Id: $2"} -d "$1" || true
}
open_session() { # prints the id of a new MCP session
  local init id
  init=$(post '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"package-test","version":"1"}}}')
  grep -q '"serverInfo"' <<<"$init" || fail "initialize: $init"
  id=$(sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: *\([^\r]*\).*/\1/p' <<<"$init")
  [[ -n $id ]] || fail "no session id: $init"
  post '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$id" >/dev/null
  echo "$id"
}
session_stats() { # SESSION: prints the answer to get_session_stats in SESSION
  post '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_session_stats","arguments":{}}}' "$1"
}
session=$(open_session)
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"ping"}' || true)
[[ $code == 401 ]] || fail "a request without the token got $code"

# A screen of a desktop the service made under all of the unit's hardening: its bubblewrap
# sandbox (user namespace, mounts, its own /proc), its isolated network (slirp4netns over
# /dev/net/tun) and its limits (a cgroup in the service's delegated subtree).
shot=$(post '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"screenshot_cua","arguments":{}}}' "$session")
grep -q '"type":"image"' <<<"$shot" || fail "screenshot_cua: ${shot:0:600}"
xvfb=$(pgrep -x Xvfb | head -1 || true)
[[ -n $xvfb ]] || fail "no Xvfb runs"
[[ $(stat -c %U "/proc/$xvfb") != root ]] || fail "Xvfb runs as root"
grep -q "^0::/system.slice/$unit" "/proc/$xvfb/cgroup" ||
  fail "the desktop is not in the service's cgroup: $(cat "/proc/$xvfb/cgroup")"
stats=$(session_stats "$session")
isolation=$(grep -o '"isolation":"[^"]*' <<<"$stats" | head -1 | cut -d'"' -f4 || true)
grep -q '^bwrap sandbox per desktop' <<<"$isolation" || fail "isolation: ${isolation:-none in ${stats:0:600}}"
echo "isolation under the unit: $isolation" >&2
# Under cgroup v2 (Debian 12's default) Delegate=yes hands the service its subtree, and each
# desktop gets a group of its own there, if this boot's cgroup was given the controllers. Under
# v1 (as on some container hosts) systemd delegates only the controllers it manages, and the
# desktops' limits may fall back to rlimits.
if [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]; then
  available=$(cat /sys/fs/cgroup/cgroup.controllers)
  if [[ " $available " == *" pids "* && " $available " == *" memory "* && " $available " == *" cpu "* ]]; then
    grep -q 'limits by cgroup v2' <<<"$isolation" || fail "a cgroup v2 host, but: $isolation"
    grep -q "^0::/system.slice/$unit/." "/proc/$xvfb/cgroup" ||
      fail "the desktop has no cgroup of its own: $(cat "/proc/$xvfb/cgroup")"
  else
    echo "cgroup v2, but the boot's cgroup has only the controllers \"$available\": per-desktop groups not checked" >&2
  fi
fi
echo "MCP: initialize, 401 without the token, a screenshot of a sandboxed desktop in the service's cgroup" >&2

# An upgrade (the same package again) keeps the operator's edited config and the token, and
# restarts the service, which then serves with the edited config.
sed -i 's/^max-sessions = 4$/max-sessions = 2/' /etc/cua-mcp-server/config.toml
grep -q '^max-sessions = 2$' /etc/cua-mcp-server/config.toml || fail "the default config has no max-sessions = 4"
dpkg -i "$deb" >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log >&2; fail "dpkg -i over the installed package"; }
grep -q '^max-sessions = 2$' /etc/cua-mcp-server/config.toml || fail "the upgrade replaced the edited config"
[[ $(head -1 $token_file) == "$token" ]] || fail "the upgrade made a new token"
for _ in $(seq 100); do
  [[ $(main_pid) != "$pid" ]] && curl -s -o /dev/null "$url" && break
  sleep 0.1
done
[[ $(main_pid) != "$pid" ]] || fail "the upgrade did not restart the service"
(($(restarts) == 0)) || fail "the service crashed after the upgrade and was restarted"
session=$(open_session)
stats=$(session_stats "$session")
grep -Eq '"max_concurrent":2[,}]' <<<"$stats" || fail "after the upgrade: ${stats:0:600}"
echo "upgrade: the edited config and the token kept, the service restarted with the config" >&2

(($(restarts) == 0)) || fail "the service crashed and was restarted"
systemctl stop $unit
pgrep -u cua-mcp >/dev/null && fail "processes of cua-mcp outlived the service: $(pgrep -a -u cua-mcp)"
echo "systemctl stop: nothing of the service is left" >&2

dpkg --purge cua-mcp-server >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log >&2; fail "dpkg --purge"; }
[[ ! -e /usr/bin/cua-mcp-server && ! -e /etc/cua-mcp-server ]] || fail "purge left files behind"
[[ ! -e /etc/systemd/system/multi-user.target.wants/$unit ]] || fail "purge left the service enabled"
echo "purged: ok" >&2
