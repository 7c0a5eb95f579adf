// Starts the built cua-mcp-server on Streamable HTTP at a free loopback port and tells where.
// Shared by the SDK interop test and the conformance suite.

import { spawn } from 'node:child_process';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const SERVER_BIN = resolve(
  process.env.CUA_SERVER_BIN ?? join(here, '../../build/cua-mcp-server'));

/// Resolves to { url, child, stderr(), stop() } once the server says where it listens.
export function startHttpServer(args = [], env = {}) {
  const child = spawn(
    SERVER_BIN,
    ['--transport', 'http', '--listen', '127.0.0.1:0', '--backend', 'sim', ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let stdout = '';
  child.stdout.on('data', (d) => { stdout += d; });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const ended = new Promise((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 6000);
    const code = await ended;
    clearTimeout(timer);
    return code;
  };
  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(new Error(`the server did not start listening within 10 s:\n${log}`));
    }, 10000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = log.match(/ready on (http:\/\/[^:]+:(\d+)\/mcp)/);
      if (m && timer) {
        clearTimeout(timer);
        resolveStart({ url: m[1], port: Number(m[2]), child, stderr: () => log, stdout: () => stdout, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rejectStart(new Error(`the server exited (${code}) before listening:\n${log}`));
    });
  });
}
