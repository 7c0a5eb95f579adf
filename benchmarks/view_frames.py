#!/usr/bin/env python3
"""The live view, measured against a baseline run side by side in the same run.

latency: how long after a `computer` action's answer the view's held frame request brings the
  new picture (p50/p90), beside the baseline of a client that polls MCP screenshots at the same
  rate (--view-fps) and compares them (what it takes to see a change without the view).
cpu: the server's own CPU with N busy desktops (xvfb, `top` redrawing 5 times a second in an
  xterm) that nobody watches, that W pages watch (a frame loop per screen, as the page runs it),
  and with the view turned off (--no-view), rounds alternating.

Usage: benchmarks/view_frames.py latency [--backend sim] [--actions 40]
       benchmarks/view_frames.py cpu [--sessions 4] [--watched 1] [--seconds 15] [--rounds 3]
Prints one JSON line per measurement."""

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import threading
import time

SERVER = "build/cua-mcp-server"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class server:
    """The server on stdio (an MCP client with requests in flight at once) with --view-listen."""

    def __init__(self, args, view=True):
        cmd = [SERVER, "--log-level", "info"] + args
        if view:
            cmd += ["--view-listen", "127.0.0.1:0"]
        else:
            cmd += ["--no-view"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, "CUA_MCP_AUTH_TOKEN": ""})
        self.lock = threading.Lock()
        self.next_id = 0
        self.waiting = {}
        self.port = None
        found = threading.Event()

        def read_stderr():
            for line in self.proc.stderr:
                m = re.search(r"live view on http://127\.0\.0\.1:(\d+)/", line)
                if m:
                    self.port = int(m.group(1))
                    found.set()
                if "ready on stdio" in line and not view:
                    found.set()

        def read_stdout():
            for line in self.proc.stdout:
                message = json.loads(line)
                if "id" in message and message["id"] in self.waiting:
                    slot = self.waiting.pop(message["id"])
                    slot["answer"] = message
                    slot["at"] = time.monotonic()
                    slot["done"].set()

        threading.Thread(target=read_stderr, daemon=True).start()
        threading.Thread(target=read_stdout, daemon=True).start()
        found.wait(15)
        self.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                    "clientInfo": {"name": "view-bench", "version": "1"}})

    def request(self, method, params=None):
        """Returns (answer, monotonic time it arrived)."""
        with self.lock:
            self.next_id += 1
            rid = self.next_id
            slot = {"done": threading.Event()}
            self.waiting[rid] = slot
            self.proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method,
                                              "params": params or {}}) + "\n")
            self.proc.stdin.flush()
        slot["done"].wait(60)
        return slot["answer"], slot["at"]

    def tool(self, name, arguments):
        return self.request("tools/call", {"name": name, "arguments": arguments})

    def keys(self):
        """The view's key of each session, from the first event of its stream."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.request("GET", "/view/api/events")
        response = conn.getresponse()
        buffer = ""
        while "\n\n" not in buffer:
            buffer += response.fp.readline().decode()
        conn.close()
        data = json.loads(buffer.split("data: ", 1)[1].split("\n", 1)[0])
        return {s["id"]: s["key"] for s in data["sessions"]}

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=20)


class watcher(threading.Thread):
    """A page watching one screen: one held frame request after another."""

    def __init__(self, port, key):
        super().__init__(daemon=True)
        self.port, self.key = port, key
        self.frames = []  # (monotonic time, sequence number)
        self.stop = False

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        after = 0
        while not self.stop:
            try:
                conn.request("GET", f"/view/api/sessions/{self.key}/frame?after={after}")
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                return  # the server has stopped
            if response.status == 200:
                after = int(response.getheader("X-Frame"))
                self.frames.append((time.monotonic(), after))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def latency(a):
    s = server(["--backend", a.backend, "--settle-ms", "0"])
    s.tool("computer", {"action": "screenshot", "session_id": "v"})
    w = watcher(s.port, s.keys()["v"])
    w.start()
    time.sleep(1)
    view_ms, poll_ms = [], []
    interval = 1 / a.fps
    for i in range(a.actions):
        # A click changes a sim screen; on a real desktop a typed letter shows in its terminal.
        if a.backend == "sim":
            action = {"action": "left_click",
                      "coordinate": [random.randrange(20, 1000), random.randrange(20, 700)]}
        else:
            action = {"action": "type", "text": random.choice("abcdefghij")}
        before = len(w.frames)
        _, answered = s.tool("computer", {**action, "session_id": "v"})
        deadline = answered + 5
        while len(w.frames) == before and time.monotonic() < deadline:
            time.sleep(0.001)
        if len(w.frames) > before:
            view_ms.append((w.frames[before][0] - answered) * 1000)
        # The baseline: a client that polls screenshots at the view's rate sees the change with the
        # first screenshot that starts after it, a random phase of the interval later.
        time.sleep(random.uniform(0, interval))
        _, shot_at = s.tool("computer", {"action": "screenshot", "session_id": "v"})
        poll_ms.append((shot_at - answered) * 1000)
        time.sleep(0.3)
    w.stop = True
    s.close()
    for name, values in (("view", view_ms), ("screenshot_polling", poll_ms)):
        print(json.dumps({"measure": "latency", "backend": a.backend, "fps": a.fps, "seen_by": name,
                          "n": len(values), "p50_ms": round(statistics.median(values), 1),
                          "p90_ms": round(percentile(values, 90), 1)}), flush=True)
    print(json.dumps({"measure": "latency_ratio", "view_over_polling_p50":
                      round(statistics.median(view_ms) / statistics.median(poll_ms), 3),
                      "view_over_polling_p90":
                      round(percentile(view_ms, 90) / percentile(poll_ms, 90), 3)}), flush=True)


def cpu(a):
    busy = ["--backend", "xvfb", "--desktop-startup", "xterm -e top -d 0.2",
            "--max-sessions", str(a.sessions + 1), "--pool-size", str(a.sessions + 1)]
    rows = []
    for r in range(a.rounds):
        for mode in ("view_off", "unwatched", "watched"):
            s = server(busy, view=mode != "view_off")
            for i in range(a.sessions):
                s.tool("computer", {"action": "cursor_position", "session_id": f"w{i}"})
            watchers = []
            if mode == "watched":
                keys = s.keys()
                watchers = [watcher(s.port, keys[f"w{i}"]) for i in range(a.watched)]
                for w in watchers:
                    w.start()
            time.sleep(3)
            before = cpu_seconds(s.proc.pid)
            frames_before = sum(len(w.frames) for w in watchers)
            time.sleep(a.seconds)
            used = (cpu_seconds(s.proc.pid) - before) / a.seconds * 100
            frames = sum(len(w.frames) for w in watchers) - frames_before
            for w in watchers:
                w.stop = True
            s.close()
            row = {"measure": "cpu", "round": r + 1, "mode": mode, "sessions": a.sessions,
                   "watched": a.watched if mode == "watched" else 0,
                   "server_cpu_percent": round(used, 2)}
            if watchers:
                row["fps_per_watched"] = round(frames / a.seconds / len(watchers), 2)
            rows.append(row)
            print(json.dumps(row), flush=True)
    def median(mode):
        return statistics.median(r["server_cpu_percent"] for r in rows if r["mode"] == mode)
    print(json.dumps({"measure": "cpu_summary", "view_off": median("view_off"),
                      "unwatched": median("unwatched"), "watched": median("watched"),
                      "per_watched_session_percent":
                      round((median("watched") - median("unwatched")) / a.watched, 2),
                      "unwatched_over_view_off": round(median("unwatched") / median("view_off"), 3)}),
          flush=True)


def main():
    global SERVER
    ap = argparse.ArgumentParser()
    ap.add_argument("measure", choices=["latency", "cpu"])
    ap.add_argument("--server", default=SERVER)
    ap.add_argument("--backend", default="sim")
    ap.add_argument("--fps", type=float, default=5)
    ap.add_argument("--actions", type=int, default=40)
    ap.add_argument("--sessions", type=int, default=4)
    ap.add_argument("--watched", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    SERVER = a.server
    latency(a) if a.measure == "latency" else cpu(a)


if __name__ == "__main__":
    main()
