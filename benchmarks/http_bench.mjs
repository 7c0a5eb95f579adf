// What the Node benchmarks of the HTTP transport share: options, a fresh server per measurement,
// the server's memory and CPU time, and where results go.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const server_bin = process.env.CUA_SERVER_BIN ?? join(root, 'build/cua-mcp-server');
export const results_file = join(root, 'benchmarks/results', `${new Date().toISOString().slice(0, 10)}.jsonl`);

/// Returns the number after `name` on the command line, or `fallback`.
export function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/// Starts the server on HTTP (sim backend, a free port); resolves to { url, child } once it listens.
export function start_server() {
  const child = spawn(server_bin, ['--transport', 'http', '--listen', '127.0.0.1:0', '--backend', 'sim'],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  return new Promise((resolve_start, reject) => {
    child.stderr.on('data', (d) => {
      if (log === null) return; // started: the rest is drained and dropped
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

/// Stops a server start_server() started.
export async function stop_server(child) {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/// Returns a process's resident memory (MiB) and CPU time so far (s).
export function proc_figures(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rss_mib: Number(status.match(/VmRSS:\s+(\d+)/)[1]) / 1024,
           cpu_s: (Number(fields[11]) + Number(fields[12])) / 100 }; // utime + stime
}

/// Returns the p-th quantile of sorted numbers.
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
