// Interop test of the Streamable HTTP transport with the official MCP TypeScript SDK client
// (StreamableHTTPClientTransport): several clients on one server, each with its own sessions.
//
// Run: node --test http.test.mjs   (server binary from $CUA_SERVER_BIN, else ../../build/cua-mcp-server)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { startHttpServer } from './http_server.mjs';

// Looks, waits three seconds, answers: long enough to see progress, and to cancel.
const SLOW_TASK = [
  { text: 'Looking.', actions: [{ action: 'screenshot' }] },
  { text: 'Waiting.', actions: [{ action: 'wait', duration: 3 }] },
  { text: 'Done waiting.' },
];

const textOf = (result) =>
  result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

async function connect(url, init = {}) {
  const client = new Client({ name: 'http-interop', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: init });
  await client.connect(transport);
  return { client, transport };
}

const stats = async (client) =>
  (await client.callTool({ name: 'get_session_stats', arguments: {} })).structuredContent;

async function until(what, check, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

test('many clients over Streamable HTTP, each with its own sessions', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cua-http-'));
  const replay = join(dir, 'slow.jsonl');
  writeFileSync(replay, SLOW_TASK.map((turn) => JSON.stringify(turn)).join('\n') + '\n');
  const server = await startHttpServer(
    ['--model', `replay:${replay}`, '--settle-ms', '0', '--max-sessions', '8', '--pool-size', '8']);
  const a = await connect(server.url);
  const b = await connect(server.url);
  try {
    await t.test('two clients in parallel each get their own default session', async () => {
      const [shotA, shotB] = await Promise.all([
        a.client.callTool({ name: 'screenshot_cua', arguments: {} }),
        b.client.callTool({ name: 'screenshot_cua', arguments: {} }),
      ]);
      assert.notEqual(shotA.isError, true, textOf(shotA));
      assert.notEqual(shotB.isError, true, textOf(shotB));
      const [sa, sb] = [await stats(a.client), await stats(b.client)];
      assert.equal(sa.total_sessions, 1);
      assert.equal(sb.total_sessions, 1);
      assert.equal(sa.server_sessions, 2);
      const [onlyA] = Object.values(sa.sessions);
      const [onlyB] = Object.values(sb.sessions);
      assert.equal(onlyA.is_default, true);
      assert.equal(onlyB.is_default, true);
      assert.notEqual(onlyA.computer, onlyB.computer);
    });

    await t.test('one client cannot see, use or clean up the other one\'s sessions', async () => {
      const made = await a.client.callTool({ name: 'screenshot_cua', arguments: { session_id: 'mine' } });
      assert.notEqual(made.isError, true, textOf(made));
      assert.ok('mine' in (await stats(a.client)).sessions);
      assert.ok(!('mine' in (await stats(b.client)).sessions));
      const cleanup = await b.client.callTool({ name: 'cleanup_session', arguments: { session_id: 'mine' } });
      assert.equal(cleanup.isError, true);
      assert.match(textOf(cleanup), /there is no session "mine"/);
      assert.ok('mine' in (await stats(a.client)).sessions, 'A\'s session survived B\'s cleanup');
      // The same name from B is a session of B's own, on another computer.
      await b.client.callTool({ name: 'screenshot_cua', arguments: { session_id: 'mine' } });
      assert.notEqual((await stats(a.client)).sessions.mine.computer,
                      (await stats(b.client)).sessions.mine.computer);
    });

    await t.test('log messages reach the client they are about, and no other', async () => {
      const logs = { a: [], b: [] };
      a.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.a.push(n.params.data));
      b.client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.b.push(n.params.data));
      await a.client.setLoggingLevel('info');
      await b.client.setLoggingLevel('info');
      await a.client.callTool({ name: 'screenshot_cua', arguments: { session_id: 'logged' } });
      await until('A hears about its new session', async () =>
        logs.a.some((line) => /session logged \(client .*\) created/.test(line)));
      await sleep(200);
      assert.deepEqual(logs.b.filter((line) => line.includes('logged')), []);
    });

    await t.test('progress arrives over SSE while a task runs', async () => {
      const progress = [];
      const result = await a.client.callTool(
        { name: 'run_cua_task', arguments: { task: 'wait a little' } }, undefined,
        { onprogress: (p) => progress.push(p) });
      assert.notEqual(result.isError, true, textOf(result));
      assert.equal(result.structuredContent.text, 'Done waiting.');
      assert.ok(progress.length >= 2, `progress: ${JSON.stringify(progress)}`);
      for (let i = 1; i < progress.length; ++i)
        assert.ok(progress[i].progress > progress[i - 1].progress, 'progress increases');
    });

    await t.test('a cancelled call stops its task', async () => {
      const controller = new AbortController();
      const call = a.client.callTool({ name: 'run_cua_task', arguments: { task: 'wait', session_id: 'cancel-me' } },
                                     undefined, { signal: controller.signal });
      await until('the task runs', async () =>
        (await stats(a.client)).sessions['cancel-me']?.active_tasks === 1);
      controller.abort('changed my mind');
      await assert.rejects(call);
      await until('the task stopped', async () =>
        (await stats(a.client)).sessions['cancel-me'].active_tasks === 0);
    });

    await t.test('a dropped connection cancels the call it carried', async () => {
      const controller = new AbortController();
      const headers = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': a.transport.sessionId,
        'mcp-protocol-version': '2025-11-25',
      };
      const body = JSON.stringify({
        jsonrpc: '2.0', id: 'dropped', method: 'tools/call',
        params: { name: 'run_cua_task', arguments: { task: 'wait', session_id: 'drop-me' } },
      });
      const pending = fetch(server.url, { method: 'POST', headers, body, signal: controller.signal })
        .catch(() => 'aborted');
      await until('the task runs', async () =>
        (await stats(a.client)).sessions['drop-me']?.active_tasks === 1);
      controller.abort();
      assert.equal(await pending, 'aborted');
      await until('the task stopped', async () =>
        (await stats(a.client)).sessions['drop-me'].active_tasks === 0);
    });

    await t.test('ending a client (DELETE) cleans up its sessions and no other', async () => {
      const before = (await stats(a.client)).server_sessions;
      const ownedByB = (await stats(b.client)).total_sessions;
      assert.equal(ownedByB, 2);
      const ended = b.transport.sessionId;
      await b.transport.terminateSession();
      await until('B\'s sessions are gone', async () =>
        (await stats(a.client)).server_sessions === before - ownedByB);
      assert.equal((await stats(a.client)).total_sessions, before - ownedByB);
      // Its id is now unknown: 404, as the spec asks, so that a client knows to initialize again.
      const after = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
                   'mcp-session-id': ended },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      assert.equal(after.status, 404);
    });

    await t.test('a page from another origin is refused with 403', async () => {
      await assert.rejects(connect(server.url, { headers: { Origin: 'http://evil.example' } }),
                           (err) => err.code === 403 && /Origin/.test(err.message));
    });
  } finally {
    await a.client.close();
    await b.client.close();
    assert.equal(await server.stop(), 0, server.stderr());
    assert.equal(server.stdout(), '', 'nothing on stdout over HTTP');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with a bearer token, clients without it get 401', async () => {
  const token = 'cua-mcp-interop-token-4711';
  const server = await startHttpServer([], { CUA_MCP_AUTH_TOKEN: token });
  try {
    await assert.rejects(connect(server.url), (err) => err.code === 401);
    await assert.rejects(connect(server.url, { headers: { Authorization: 'Bearer wrong' } }),
                         (err) => err.code === 401);
    const { client } = await connect(server.url, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal((await stats(client)).total_sessions, 0);
    await client.close();
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
    assert.ok(!server.stderr().includes(token), 'the token is never logged');
  }
});
