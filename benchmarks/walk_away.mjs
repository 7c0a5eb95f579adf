// What clients that never send DELETE cost the HTTP transport: N one-shot clients (initialize,
// notifications/initialized, tools/list), K at a time, each either ending with DELETE (the
// baseline) or walking away (what most clients do), against a fresh server each, in alternating
// rounds of one run (these machines are noisy: compare within a round). Reports clients per
// second, each client's latency, refusals, and the server's memory and CPU time after the crowd;
// appends JSON lines (labels walk-away-delete, walk-away-leave) to benchmarks/results/<date>.jsonl.
//
// Run: node benchmarks/walk_away.mjs [--clients N (2000)] [--concurrency K (8)] [--rounds R (3)]
// Needs the built server (scripts/build.sh; $CUA_SERVER_BIN, else build/cua-mcp-server).

import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

import { option, percentile, proc_figures, results_file as out, server_bin, start_server, stop_server } from './http_bench.mjs';


const clients = option('--clients', 2000);
const concurrency = option('--concurrency', 8);
const rounds = option('--rounds', 3);


const headers = (id) => ({
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  ...(id ? { 'Mcp-Session-Id': id } : {}),
});
const rpc = (id, method, params = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

// One client's whole life; returns its HTTP status (the first that was not a success).
async function one_shot(url, delete_at_end) {
  const init = await fetch(url, {
    method: 'POST', headers: headers(),
    body: rpc(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {},
                                 clientInfo: { name: 'walk-away-bench', version: '1' } }),
  });
  await init.text();
  if (init.status !== 200) return init.status;
  const id = init.headers.get('mcp-session-id');
  const done = await fetch(url, { method: 'POST', headers: headers(id),
                                  body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  await done.text();
  const list = await fetch(url, { method: 'POST', headers: headers(id), body: rpc(1, 'tools/list') });
  await list.text();
  if (list.status !== 200) return list.status;
  if (delete_at_end) {
    const end = await fetch(url, { method: 'DELETE', headers: headers(id) });
    await end.text();
    if (end.status !== 200) return end.status;
  }
  return 200;
}



async function measure(mode) {
  const { url, child } = await start_server();
  const latencies = [];
  const refused = {};
  let next = 0;
  const began = performance.now();
  const worker = async () => {
    while (next < clients) {
      ++next;
      const t = performance.now();
      const status = await one_shot(url, mode === 'delete');
      latencies.push(performance.now() - t);
      if (status !== 200) refused[status] = (refused[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed_s = (performance.now() - began) / 1000;
  const after = proc_figures(child.pid);
  const t = performance.now();
  const late = await one_shot(url, true); // does one more client still get in?
  const late_ms = performance.now() - t;
  await stop_server(child);
  latencies.sort((a, b) => a - b);
  return {
    label: `walk-away-${mode}`, clients, concurrency, elapsed_s,
    clients_per_s: clients / elapsed_s,
    p50_ms: percentile(latencies, 0.5), p99_ms: percentile(latencies, 0.99),
    refused, server_rss_mib: after.rss_mib, server_cpu_s: after.cpu_s,
    cpu_us_per_client: (after.cpu_s * 1e6) / clients,
    one_more_client: late, one_more_client_ms: late_ms,
  };
}

mkdirSync(dirname(out), { recursive: true });
const fmt = (x, d = 2) => Number(x).toFixed(d);
console.log(`${clients} one-shot clients, ${concurrency} at a time, ${rounds} round(s); server ${server_bin}`);
console.log('round | mode   | clients/s | p50 ms | p99 ms | refused | RSS after MiB | CPU us/client | one more');
for (let round = 1; round <= rounds; ++round) {
  const figures = {};
  for (const mode of ['delete', 'leave']) {
    const f = await measure(mode);
    figures[mode] = f;
    appendFileSync(out, JSON.stringify({ date: new Date().toISOString(), round, ...f }) + '\n');
    console.log(`${round}     | ${mode.padEnd(6)} | ${fmt(f.clients_per_s, 0).padStart(9)} | ${fmt(f.p50_ms).padStart(6)} | ` +
                `${fmt(f.p99_ms).padStart(6)} | ${JSON.stringify(f.refused).padStart(7)} | ` +
                `${fmt(f.server_rss_mib, 1).padStart(13)} | ${fmt(f.cpu_us_per_client, 0).padStart(13)} | ${f.one_more_client}`);
  }
  const d = figures.delete, l = figures.leave;
  console.log(`ratio leave/delete: throughput ${fmt(l.clients_per_s / d.clients_per_s)}x, ` +
              `p50 ${fmt(l.p50_ms / d.p50_ms)}x, RSS ${fmt(l.server_rss_mib / d.server_rss_mib)}x, ` +
              `CPU per client ${fmt(l.cpu_us_per_client / d.cpu_us_per_client)}x`);
}
console.log(`figures appended to ${out}`);
