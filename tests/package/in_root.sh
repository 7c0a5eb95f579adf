#!/usr/bin/env bash
# Runs inside the throw-away root of package_test.sh install: installs the package, starts the
# service's command as the service's user, speaks MCP to it, removes and purges the package.
set -euo pipefail
deb=$1
fail() { echo "FAIL: $*" >&2; [[ -f /tmp/server.log ]] && tail -20 /tmp/server.log >&2; exit 1; }
ip link set lo up
chmod 1777 /tmp # as systemd's PrivateTmp= makes it
# Debian's udev makes /dev/net/tun 0666 (slirp4netns, the desktops' isolated network, opens it as
# the service's user); a container's may be 0600: this root gets a node as Debian has it.
if [[ $(stat -c %a /dev/net/tun) != 666 ]]; then
  mount -t tmpfs -o mode=0755 tmpfs /dev/net
  mknod -m 0666 /dev/net/tun c 10 200
fi

dpkg -i "$deb" >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log >&2; fail "dpkg -i"; }
getent passwd cua-mcp >/dev/null || fail "postinst made no cua-mcp user"
token_file=/etc/cua-mcp-server/token
[[ $(stat -c '%a %U %G' $token_file) == "640 root cua-mcp" ]] || fail "token file: $(stat -c '%a %U %G' $token_file)"
token=$(head -1 $token_file)
((${#token} == 64)) || fail "token of ${#token} characters"

# The unit's own command, user and environment; the directories systemd would make.
unit=/usr/lib/systemd/system/cua-mcp-server.service
exec_start=$(sed -n 's/^ExecStart=//p' $unit)
user=$(sed -n 's/^User=//p' $unit)
home=$(sed -n 's/^Environment=HOME=//p' $unit)
mkdir -p "$home" /var/log/cua-mcp-server && chown "$user:$user" "$home" /var/log/cua-mcp-server
cd "$home"
# shellcheck disable=SC2086 # the unit's command line is split as systemd splits it (no quotes in it)
HOME=$home setpriv --reuid="$user" --regid="$user" --init-groups --no-new-privs \
  $exec_start >/tmp/server.log 2>&1 &
server=$!

url=http://127.0.0.1:8765/mcp
post() { # BODY [SESSION]: prints the response's headers and body
  curl -sS -i --max-time 30 -X POST "$url" -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H 'MCP-Protocol-Version: 2025-11-25' ${2:+-H "Mcp-Session-Id: $2"} -d "$1"
}
for _ in $(seq 100); do
  curl -s -o /dev/null "$url" 2>/dev/null && break
  kill -0 $server 2>/dev/null || fail "the service's command ended"
  sleep 0.1
done
init=$(post '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"package-test","version":"1"}}}')
grep -q '"serverInfo"' <<<"$init" || fail "initialize: $init"
session=$(sed -n 's/^[Mm]cp-[Ss]ession-[Ii]d: *\([^\r]*\).*/\1/p' <<<"$init")
[[ -n $session ]] || fail "no session id: $init"
post '{"jsonrpc":"2.0","method":"notifications/initialized"}' "$session" >/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" -H 'Content-Type: application/json' \
  -H 'Accept: application/json, text/event-stream' -d '{"jsonrpc":"2.0","id":1,"method":"ping"}')
[[ $code == 401 ]] || fail "a request without the token got $code"
# A screen of the desktop the service made, as its unprivileged user, in its sandbox.
shot=$(post '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"screenshot_cua","arguments":{}}}' "$session")
grep -q '"type":"image"' <<<"$shot" || fail "screenshot_cua: ${shot:0:600}"
xvfb_users=$(ps -o user= -C Xvfb)
[[ -n $xvfb_users ]] && ! grep -q root <<<"$xvfb_users" || fail "Xvfb runs as: $xvfb_users"
kill $server && wait $server || true
echo "installed package: initialize, 401 without the token, a screenshot as $user: ok" >&2

dpkg --purge cua-mcp-server >/tmp/dpkg.log 2>&1 || { cat /tmp/dpkg.log >&2; fail "dpkg --purge"; }
[[ ! -e /usr/bin/cua-mcp-server && ! -e /etc/cua-mcp-server ]] || fail "purge left files behind"
echo "purged: ok" >&2
