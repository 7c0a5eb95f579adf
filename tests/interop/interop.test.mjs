// Interop test: drives cua-mcp-server with the official MCP TypeScript SDK
// client, so any divergence from what real MCP clients expect (handshake,
// schemas, structuredContent validation, progress, errors) fails here.
//
// Run: npm test   (server binary from $CUA_SERVER_BIN, else ../../build/cua-mcp-server)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  McpError,
  ErrorCode,
  LATEST_PROTOCOL_VERSION,
} from '@modelcontextprotocol/sdk/types.js';

const here = dirname(fileURLToPath(import.meta.url));
const SERVER_BIN = resolve(process.env.CUA_SERVER_BIN ?? join(here, '../../build/cua-mcp-server'));

const EXPECTED_TOOLS = [
  'cleanup_session',
  'computer',
  'get_session_stats',
  'run_cua_task',
  'run_multi_cua_tasks',
  'screenshot_cua',
];
const TOOLS_WITH_OUTPUT_SCHEMA = ['get_session_stats', 'run_cua_task', 'run_multi_cua_tasks'];

// Three model turns -> 3 steps; screenshot + left_click + type -> 3 actions.
const REPLAY = [
  { text: 'Looking.', actions: [{ action: 'screenshot' }] },
  {
    text: 'Clicking.',
    actions: [
      { action: 'left_click', coordinate: [100, 200] },
      { action: 'type', text: 'hi' },
    ],
  },
  { text: 'Done: typed hi.' },
];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const textOf = (result) =>
  result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

const imagesOf = (result) => result.content.filter((c) => c.type === 'image');

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

test('cua-mcp-server interoperates with the MCP TypeScript SDK client', { timeout: 45_000 }, async (t) => {
  assert.ok(existsSync(SERVER_BIN), `server binary not found at ${SERVER_BIN} (set CUA_SERVER_BIN)`);

  const dir = mkdtempSync(join(tmpdir(), 'cua-interop-'));
  const replayPath = join(dir, 'replay.jsonl');
  writeFileSync(replayPath, REPLAY.map((turn) => JSON.stringify(turn)).join('\n') + '\n');

  const transport = new StdioClientTransport({
    command: SERVER_BIN,
    args: ['--backend', 'sim', '--model', `replay:${replayPath}`, '--settle-ms', '0', '--log-level', 'warn'],
    stderr: 'inherit',
  });
  // The stdio transport keeps no record of the negotiated protocol version,
  // but Client hands it to any transport that accepts one (as HTTP does).
  let negotiatedProtocol;
  transport.setProtocolVersion = (version) => {
    negotiatedProtocol = version;
  };
  const client = new Client({ name: 'cua-interop-test', version: '0.0.0' });
  // A per-request bound turns a lost response into one failed subtest instead
  // of a silent wait until the whole test times out.
  const call = (name, args = {}, options = {}) =>
    client.callTool({ name, arguments: args }, undefined, { timeout: 15_000, ...options });

  let closed = false;
  t.after(async () => {
    // Never leave the server running if an assertion failed half way.
    if (!closed) await client.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  await client.connect(transport);
  const pid = transport.pid;
  assert.ok(pid, 'server process should have a pid once connected');

  await t.test('handshake', () => {
    const info = client.getServerVersion();
    assert.equal(info.name, 'cua-mcp-server');
    assert.equal(typeof info.version, 'string');
    // The client offers the newest version; a server that supports it must
    // answer with it rather than fall back to an older one.
    assert.equal(negotiatedProtocol, LATEST_PROTOCOL_VERSION);
    assert.ok(client.getServerCapabilities()?.tools, 'server must advertise the tools capability');
  });

  await t.test('ping', async () => {
    assert.deepEqual(await client.ping(), {});
  });

  // listTools must come before callTool: the SDK caches the outputSchema
  // validators from it, and that validation is part of what we test.
  await t.test('tools/list', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), EXPECTED_TOOLS);
    for (const tool of tools) {
      assert.ok(tool.description?.length > 0, `${tool.name} needs a description`);
      assert.equal(tool.inputSchema?.type, 'object', `${tool.name} inputSchema`);
      if (TOOLS_WITH_OUTPUT_SCHEMA.includes(tool.name)) {
        assert.equal(tool.outputSchema?.type, 'object', `${tool.name} outputSchema`);
      }
    }
  });

  await t.test('screenshot_cua returns a 1280x800 PNG', async () => {
    const result = await call('screenshot_cua');
    assert.notEqual(result.isError, true, textOf(result));
    const images = imagesOf(result);
    assert.equal(images.length, 1);
    assert.equal(images[0].mimeType, 'image/png');
    const png = Buffer.from(images[0].data, 'base64');
    assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
    // IHDR is always the first chunk: width and height at bytes 16..24.
    assert.equal(png.readUInt32BE(16), 1280);
    assert.equal(png.readUInt32BE(20), 800);
  });

  await t.test('run_cua_task replays the script and reports progress', async () => {
    const progress = [];
    const result = await call('run_cua_task', { task: 'type hi' }, {
      onprogress: (p) => progress.push(p),
    });
    assert.notEqual(result.isError, true, textOf(result));
    assert.match(textOf(result), /Done: typed hi\./);
    assert.ok(imagesOf(result).length >= 1, 'expected a final screenshot');
    const sc = result.structuredContent;
    assert.equal(sc.ok, true);
    assert.equal(sc.steps, 3);
    assert.equal(sc.actions, 3);
    assert.equal(sc.stop_reason, 'completed');
    assert.ok(progress.length >= 1, 'expected at least one progress notification');
    for (const p of progress) assert.equal(typeof p.progress, 'number');
  });

  await t.test('run_multi_cua_tasks concurrent gets one fresh session per task', async () => {
    const result = await call('run_multi_cua_tasks', { tasks: ['a', 'b'], concurrent: true });
    assert.notEqual(result.isError, true, textOf(result));
    const { results } = result.structuredContent;
    assert.equal(results.length, 2);
    assert.ok(results.every((r) => r.ok), JSON.stringify(results));
    assert.notEqual(results[0].session_id, results[1].session_id);
    assert.match(textOf(result), /Task 1/);
    assert.match(textOf(result), /Task 2/);

    // Ending the ephemeral sessions must leave the server serving; a cheap
    // call that goes through the session supervisor shows it does.
    const after = await call('get_session_stats');
    assert.notEqual(after.isError, true, `server broken after concurrent run: ${textOf(after)}`);
  });

  await t.test('run_multi_cua_tasks sequential', async () => {
    const result = await call('run_multi_cua_tasks', { tasks: ['a'] });
    assert.notEqual(result.isError, true, textOf(result));
    const { results } = result.structuredContent;
    assert.equal(results.length, 1);
    assert.equal(results[0].ok, true, JSON.stringify(results[0]));
  });

  let defaultSessionId;
  await t.test('computer', async () => {
    // An action answers with a fresh screenshot; cursor_position answers in image space.
    const clicked = await call('computer', { action: 'left_click', coordinate: [10, 20] });
    assert.equal(clicked.isError, undefined);
    assert.equal(imagesOf(clicked).length, 1);
    const where = await call('computer', { action: 'cursor_position' });
    assert.equal(where.content[0].text, 'X=10, Y=20');
    const refused = await call('computer', { action: 'left_click', coordinate: [5000, 5] });
    assert.equal(refused.isError, true);
  });

  await t.test('get_session_stats', async () => {
    const result = await call('get_session_stats');
    assert.notEqual(result.isError, true, textOf(result));
    const sc = result.structuredContent;
    assert.ok(sc.total_sessions >= 1, `total_sessions=${sc.total_sessions}`);
    assert.equal(sc.max_concurrent, 10);
    assert.equal(sc.pool.size, 10);
    // sessions is keyed by session id.
    const defaults = Object.entries(sc.sessions).filter(([, s]) => s.is_default === true);
    assert.equal(defaults.length, 1, JSON.stringify(sc.sessions));
    defaultSessionId = defaults[0][0];
  });

  await t.test('cleanup_session', async () => {
    assert.ok(defaultSessionId, 'needs the default session id from get_session_stats');
    const ok = await call('cleanup_session', { session_id: defaultSessionId });
    assert.notEqual(ok.isError, true, textOf(ok));
    assert.match(textOf(ok), /cleaned up/);

    // An unknown session is a tool-level error, not a protocol error.
    const missing = await call('cleanup_session', { session_id: 'no-such-session' });
    assert.equal(missing.isError, true);
  });

  await t.test('unknown tool is rejected with InvalidParams', async () => {
    await assert.rejects(
      call('no_such_tool'),
      // The name in the message shows the server, not the SDK, refused it.
      (err) => err instanceof McpError && err.code === ErrorCode.InvalidParams && /no_such_tool/.test(err.message),
    );
  });

  await t.test('close stops the server', async (sub) => {
    const started = Date.now();
    await client.close();
    closed = true;
    // close() ends stdin, escalates to SIGTERM after 2 s and to SIGKILL after
    // 4 s without awaiting the kill, so give the process a moment to vanish.
    while (isAlive(pid) && Date.now() - started < 6000) await sleep(50);
    assert.equal(isAlive(pid), false, `server pid ${pid} still running after close`);
    // The server must honour stdin EOF by itself, before the SDK's SIGTERM at 2 s.
    const took = Date.now() - started;
    sub.diagnostic(`server exited ${took} ms after close()`);
    assert.ok(took < 2000, `the server needed ${took} ms and the SDK's SIGTERM to exit`);
  });
});
