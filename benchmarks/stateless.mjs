// What the stateless revision (MCP 2026-07-28) costs over HTTP against the 2025 way, side by side
// in one run: the same requests (tools/list, then get_session_stats calls), K at a time, either on
// one MCP session (initialize once, Mcp-Session-Id on every POST) or stateless (no session: every
// POST carries its _meta and headers, and the server serves it with an actor of its own). Reports
// requests per second, latency and the server's CPU per request; appends JSON lines (labels
// stateless-legacy-*, stateless-modern-*) to benchmarks/results/<date>.jsonl.
//
// Run: node benchmarks/stateless.mjs [--requests N (5000)] [--concurrency K (8)] [--rounds R (3)]
// Needs the built server (scripts/build.sh; $CUA_SERVER_BIN, else build/cua-mcp-server).

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { option, percentile, proc_figures, results_file as out, server_bin, start_server, stop_server } from './http_bench.mjs';

const requests = option('--requests', 5000);
const concurrency = option('--concurrency', 8);
const rounds = option('--rounds', 3);


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
  const cpu_before = proc_figures(child.pid).cpu_s;
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
  const cpu = proc_figures(child.pid).cpu_s - cpu_before;
  await stop_server(child);
  latencies.sort((a, b) => a - b);
  const at = (p) => percentile(latencies, p);
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
