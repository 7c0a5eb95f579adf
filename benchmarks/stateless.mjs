// What the stateless revision (MCP 2026-07-28) costs over HTTP against the 2025 way, side by side
// in one run: the same requests (tools/list, then get_session_stats calls), K at a time, either on
// one MCP session (initialize once, Mcp-Session-Id on every POST) or stateless (no session: every
// POST carries its _meta and headers, and the server serves it with an actor of its own). Reports
// requests per second, latency and the server's CPU per request; appends JSON lines (labels
// stateless-legacy-*, stateless-modern-*) to benchmarks/results/<date>.jsonl.
//
// Run: node benchmarks/stateless.mjs [--requests N (5000)] [--concurrency K (8)] [--rounds R (3)]
// Needs the built server (scripts/build.sh; $CUA_SERVER_BIN, else build/cua-mcp-server).

import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const server_bin = process.env.CUA_SERVER_BIN ?? join(root, 'build/cua-mcp-server');
const option = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const requests = option('--requests', 5000);
const concurrency = option('--concurrency', 8);
const rounds = option('--rounds', 3);
const out = join(root, 'benchmarks/results', `${new Date().toISOString().slice(0, 10)}.jsonl`);

function start_server() {
  const child = spawn(server_bin, ['--transport', 'http', '--listen', '127.0.0.1:0', '--backend', 'sim'],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve_start, reject) => {
    child.stderr.on('data', (d) => {
      if (log === null) return;
      log += d;
      const m = log.match(/ready on (http:\/\/[^:]+:\d+\/mcp)/);
      if (m) {
        log = null;
        resolve_start({ url: m[1], child });
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}):\n${log}`)));
  });
}

const cpu_seconds = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const base_headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28',
               'io.modelcontextprotocol/clientCapabilities': {} };

// The i-th request of a run: every tenth a tools/list, the others get_session_stats.
function request(i, modern) {
  const list = i % 10 === 0;
  const params = list ? {} : { name: 'get_session_stats', arguments: {} };
  if (modern) params._meta = meta;
  const body = JSON.stringify({ jsonrpc: '2.0', id: i, method: list ? 'tools/list' : 'tools/call', params });
  const headers = modern
    ? { ...base_headers, 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Method': list ? 'tools/list' : 'tools/call',
        ...(list ? {} : { 'Mcp-Name': 'get_session_stats' }) }
    : { ...base_headers };
  return { body, headers };
}

async function legacy_session(url) {
  const init = await fetch(url, { method: 'POST', headers: base_headers, body: JSON.stringify({
    jsonrpc: '2.0', id: 0, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) });
  await init.text();
  const id = init.headers.get('mcp-session-id');
  const done = await fetch(url, { method: 'POST', headers: { ...base_headers, 'Mcp-Session-Id': id },
                                  body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  await done.text();
  return id;
}

async function measure(mode) {
  const { url, child } = await start_server();
  const session = mode === 'legacy' ? await legacy_session(url) : null;
  const latencies = [];
  let failures = 0;
  let next = 0;
  const cpu_before = cpu_seconds(child.pid);
  const began = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < requests) {
      const { body, headers } = request(next++, mode === 'modern');
      if (session) headers['Mcp-Session-Id'] = session;
      const t = performance.now();
      const res = await fetch(url, { method: 'POST', headers, body });
      const text = await res.text();
      latencies.push(performance.now() - t);
      if (res.status !== 200 || JSON.parse(text).error) ++failures;
    }
  }));
  const elapsed = (performance.now() - began) / 1000;
  const cpu = cpu_seconds(child.pid) - cpu_before;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return { label: `stateless-${mode}`, requests, concurrency, failures, per_s: requests / elapsed,
           p50_ms: at(0.5), p99_ms: at(0.99), cpu_us_per_request: (cpu * 1e6) / requests };
}

mkdirSync(dirname(out), { recursive: true });
const fmt = (x, d = 2) => Number(x).toFixed(d);
console.log(`${requests} requests (1 in 10 tools/list, the rest get_session_stats), ${concurrency} at a time`);
console.log('round | mode    | req/s | p50 ms | p99 ms | failures | server CPU us/req');
for (let round = 1; round <= rounds; ++round) {
  const f = {};
  for (const mode of ['legacy', 'modern']) {
    f[mode] = await measure(mode);
    appendFileSync(out, JSON.stringify({ date: new Date().toISOString(), round, ...f[mode] }) + '\n');
    console.log(`${round}     | ${mode.padEnd(7)} | ${fmt(f[mode].per_s, 0).padStart(5)} | ${fmt(f[mode].p50_ms).padStart(6)} | ` +
                `${fmt(f[mode].p99_ms).padStart(6)} | ${String(f[mode].failures).padStart(8)} | ${fmt(f[mode].cpu_us_per_request, 0)}`);
  }
  console.log(`ratio stateless/session: throughput ${fmt(f.modern.per_s / f.legacy.per_s)}x, ` +
              `p50 ${fmt(f.modern.p50_ms / f.legacy.p50_ms)}x, CPU per request ${fmt(f.modern.cpu_us_per_request / f.legacy.cpu_us_per_request)}x`);
}
console.log(`figures appended to ${out}`);
