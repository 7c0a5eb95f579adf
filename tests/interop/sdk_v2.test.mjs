// Interop with the MCP TypeScript SDK v2 client (@modelcontextprotocol/client 2.4): with
// versionNegotiation 'auto' it probes server/discover and speaks the stateless revision
// (2026-07-28); pinned to 2026-07-28 it never falls back. Over stdio and Streamable HTTP it calls
// every tool, passing back the session ids the results name. (The v1 SDK client, which
// initializes, is interop.test.mjs and http.test.mjs.)
//
// Run: node --test sdk_v2.test.mjs   (server binary from $CUA_SERVER_BIN, else ../../build/cua-mcp-server)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { SERVER_BIN, startHttpServer } from './http_server.mjs';

const REPLAY = [
  { text: 'Looking.', actions: [{ action: 'screenshot' }] },
  { text: 'Typing.', actions: [{ action: 'left_click', coordinate: [100, 200] }, { action: 'type', text: 'hi' }] },
  { text: 'Done: typed hi.' },
];

const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

function replayFile() {
  const dir = mkdtempSync(join(tmpdir(), 'cua-sdk-v2-'));
  const path = join(dir, 'replay.jsonl');
  writeFileSync(path, REPLAY.map((turn) => JSON.stringify(turn)).join('\n') + '\n');
  return { dir, path };
}

const serverArgs = (replay) => ['--backend', 'sim', '--model', `replay:${replay}`, '--settle-ms', '0'];

// Calls every tool as a model would: the first call starts a session and names it; the others
// pass that id back.
async function useEveryTool(client) {
  assert.equal(client.getProtocolEra(), 'modern');
  assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
  const { tools, ttlMs, cacheScope } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(),
                   ['cleanup_session', 'computer', 'get_session_stats', 'run_cua_task',
                    'run_multi_cua_tasks', 'screenshot_cua']);
  assert.ok(ttlMs >= 0 && cacheScope === 'public');

  const first = await client.callTool({ name: 'screenshot_cua', arguments: {} });
  assert.ok(!first.isError, textOf(first));
  assert.equal(first.content.filter((c) => c.type === 'image').length, 1);
  const id = textOf(first).match(/started session ([0-9a-f-]{36})/)?.[1];
  assert.ok(id, `the result names the new session: ${textOf(first)}`);

  const click = await client.callTool({ name: 'computer',
                                        arguments: { action: 'left_click', coordinate: [10, 10], session_id: id } });
  assert.ok(!click.isError, textOf(click));
  assert.equal(typeof click.structuredContent.settled, 'boolean');

  const progress = [];
  const task = await client.callTool({ name: 'run_cua_task', arguments: { task: 'type hi', session_id: id } },
                                     { onprogress: (p) => progress.push(p) });
  assert.ok(!task.isError, textOf(task));
  assert.match(textOf(task), /typed hi/);
  assert.ok(progress.length > 0, 'progress reached the client');

  const multi = await client.callTool({ name: 'run_multi_cua_tasks',
                                        arguments: { tasks: ['one', 'two'], concurrent: true } });
  assert.ok(!multi.isError, textOf(multi));
  assert.equal(multi.structuredContent.completed, 2);

  const stats = await client.callTool({ name: 'get_session_stats', arguments: {} });
  assert.ok(Object.keys(stats.structuredContent.sessions).includes(id), JSON.stringify(stats.structuredContent));

  const cleaned = await client.callTool({ name: 'cleanup_session', arguments: { session_id: id } });
  assert.ok(!cleaned.isError, textOf(cleaned));
}

for (const negotiation of [{ mode: 'auto' }, { mode: { pin: '2026-07-28' } }]) {
  const label = JSON.stringify(negotiation);

  test(`stdio, versionNegotiation ${label}: every tool`, { timeout: 60_000 }, async () => {
    const { dir, path } = replayFile();
    const client = new Client({ name: 'sdk-v2-stdio', version: '1.0.0' }, { versionNegotiation: negotiation });
    await client.connect(new StdioClientTransport({ command: SERVER_BIN, args: [...serverArgs(path), '--log-level', 'warn'],
                                                    stderr: 'inherit' }));
    try {
      await useEveryTool(client);
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`Streamable HTTP, versionNegotiation ${label}: every tool`, { timeout: 60_000 }, async () => {
    const { dir, path } = replayFile();
    const server = await startHttpServer(serverArgs(path).slice(2)); // startHttpServer adds --backend sim
    const client = new Client({ name: 'sdk-v2-http', version: '1.0.0' }, { versionNegotiation: negotiation });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      await useEveryTool(client);
      await client.close();
    } finally {
      assert.equal(await server.stop(), 0, server.stderr());
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
