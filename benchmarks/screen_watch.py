#!/usr/bin/env python3
"""What a subscribed screen costs: the server's CPU while N idle sessions sit there, with and
without a resources/subscribe on each (its screen looked at every 500 ms), side by side in the
same run, alternating. Usage: benchmarks/screen_watch.py [--backend xvfb|sim] [--sessions N]
[--seconds S] [--rounds R] [--server build/cua-mcp-server]"""

import argparse
import json
import os
import subprocess
import time


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


class server:
    def __init__(self, binary, backend, sessions):
        self.proc = subprocess.Popen([binary, "--backend", backend, "--log-level", "warn",
                                      "--max-sessions", str(sessions + 1),
                                      "--pool-size", str(sessions + 1)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.next_id = 0
        self.updates = 0
        self.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                    "clientInfo": {"name": "screen-watch-bench", "version": "1"}})

    def request(self, method, params=None):
        self.next_id += 1
        self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                                          "params": params or {}}) + "\n")
        self.proc.stdin.flush()
        while True:
            message = json.loads(self.proc.stdout.readline())
            if message.get("id") == self.next_id:
                return message
            if message.get("method") == "notifications/resources/updated":
                self.updates += 1

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=15)


def run(binary, backend, sessions, seconds, subscribe):
    s = server(binary, backend, sessions)
    for i in range(sessions):
        s.request("tools/call", {"name": "computer",
                                 "arguments": {"action": "cursor_position", "session_id": f"w{i}"}})
        if subscribe:
            s.request("resources/subscribe", {"uri": f"cua://sessions/w{i}/screen"})
    time.sleep(2)  # settle: desktops started, first looks taken
    before = cpu_seconds(s.proc.pid)
    time.sleep(seconds)
    used = cpu_seconds(s.proc.pid) - before
    s.request("ping")
    updates = s.updates
    s.close()
    return used / seconds * 100, updates


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="xvfb")
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--server", default="build/cua-mcp-server")
    a = ap.parse_args()
    for r in range(a.rounds):
        for subscribe in (False, True):
            cpu, updates = run(a.server, a.backend, a.sessions, a.seconds, subscribe)
            print(json.dumps({"round": r + 1, "backend": a.backend, "sessions": a.sessions,
                              "subscribed": subscribe, "server_cpu_percent": round(cpu, 2),
                              "updates": updates}), flush=True)


if __name__ == "__main__":
    main()
