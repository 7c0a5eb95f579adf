// Checks the reference server through the official SDK client: its tools, a screenshot that decodes
// as a PNG of the screen size, the stats shape, the session limit, cleanup_session and the computer
// tool (cursor, clicks that change the picture, argument checks, a computer reset on its return).
// Run with `npm test` in this folder (after `npm ci`).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import pngjs from 'pngjs';

const { PNG } = pngjs;
const server = fileURLToPath(new URL('./server.mjs', import.meta.url));
let client;

before(async () => {
  client = new Client({ name: 'reference-check', version: '1' });
  await client.connect(new StdioClientTransport({
    command: process.execPath,
    args: [server, '--max-sessions', '2', '--log-level', 'warn'],
  }));
});

after(async () => {
  await client?.close();
});

function text(result) {
  return result.content[0].text;
}

test('lists the four tools', async () => {
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((t) => t.name).sort(),
                   ['cleanup_session', 'computer', 'get_session_stats', 'screenshot_cua']);
});

test('a screenshot is a 1280x800 PNG', async () => {
  const result = await client.callTool({ name: 'screenshot_cua', arguments: { session_id: 'a' } });
  assert.equal(result.isError, undefined);
  const [image] = result.content;
  assert.equal(image.type, 'image');
  assert.equal(image.mimeType, 'image/png');
  const png = PNG.sync.read(Buffer.from(image.data, 'base64'));
  assert.equal(png.width, 1280);
  assert.equal(png.height, 800);
  // The background of the sim desktop, below the title bar and left of the window.
  const i = (100 * png.width + 10) * 4;
  assert.deepEqual([...png.data.subarray(i, i + 3)], [0x20, 0x28, 0x30]);
});

test('stats list the sessions, with the same text as structured content', async () => {
  await client.callTool({ name: 'screenshot_cua', arguments: {} }); // the default session
  const result = await client.callTool({ name: 'get_session_stats', arguments: {} });
  const stats = result.structuredContent;
  assert.deepEqual(JSON.parse(text(result)), stats);
  assert.equal(stats.total_sessions, 2);
  assert.equal(stats.max_concurrent, 2);
  assert.equal(stats.sessions.a.state, 'ready');
  assert.equal(stats.sessions.a.is_default, false);
  assert.equal(Object.values(stats.sessions).filter((s) => s.is_default).length, 1);
  assert.deepEqual(Object.keys(stats.limits).sort(),
                   ['idle_timeout_s', 'max_sessions', 'pool_size', 'pool_warm']);
  assert.equal(stats.totals.sessions_created, 2);
  assert.equal(stats.pool.in_use, 2);
});

test('a session past the limit is refused, naming the limit', async () => {
  const result = await client.callTool({ name: 'screenshot_cua', arguments: { session_id: 'c' } });
  assert.equal(result.isError, true);
  assert.match(text(result), /--max-sessions 2/);
});

test('cleanup_session ends a session and refuses an unknown one', async () => {
  const done = await client.callTool({ name: 'cleanup_session', arguments: { session_id: 'a' } });
  assert.equal(done.isError, undefined);
  assert.match(text(done), /^Session a cleaned up/);
  const again = await client.callTool({ name: 'cleanup_session', arguments: { session_id: 'a' } });
  assert.equal(again.isError, true);
  assert.match(text(again), /there is no session "a"/);
  const stats = (await client.callTool({ name: 'get_session_stats', arguments: {} })).structuredContent;
  assert.equal(stats.total_sessions, 1);
  assert.equal(stats.pool.idle, 1);
});

// The computer tool, on a session of its own (the one left after the tests above: 2 of 2).
function computer(args) {
  return client.callTool({ name: 'computer', arguments: { session_id: 'p', ...args } });
}

function pixels(result) {
  const image = result.content.find((c) => c.type === 'image');
  assert.ok(image, 'the result has an image');
  assert.equal(image.mimeType, 'image/png');
  return PNG.sync.read(Buffer.from(image.data, 'base64')).data;
}

let fresh; // the picture of session p's computer before any action

test('cursor_position on a new session is the screen centre, with no screenshot', async () => {
  fresh = pixels(await computer({ action: 'screenshot' }));
  const result = await computer({ action: 'cursor_position' });
  assert.equal(result.isError, undefined);
  assert.deepEqual(result.content, [{ type: 'text', text: 'X=640, Y=400' }]);
});

test('a left_click moves the cursor there and changes the screen', async () => {
  const before = pixels(await computer({ action: 'screenshot' }));
  const click = await computer({ action: 'left_click', coordinate: [10, 20] });
  assert.equal(click.isError, undefined);
  assert.deepEqual(click.content[0], { type: 'text', text: 'left_click (10, 20) done' });
  assert.notDeepEqual(pixels(click), before);
  const after = pixels(await computer({ action: 'screenshot' }));
  assert.notDeepEqual(after, before);
  const position = await computer({ action: 'cursor_position' });
  assert.equal(text(position), 'X=10, Y=20');
  const quiet = await computer({ action: 'key', text: 'Return', screenshot: false });
  assert.deepEqual(quiet.content, [{ type: 'text', text: 'key Return done' }]);
});

test('an unknown action and bad arguments are refused with isError', async () => {
  const unknown = await computer({ action: 'fly' });
  assert.equal(unknown.isError, true);
  assert.match(text(unknown), /action/);
  const noCoordinate = await computer({ action: 'mouse_move' });
  assert.equal(noCoordinate.isError, true);
  assert.equal(text(noCoordinate), 'mouse_move needs "coordinate": [x, y]');
  const outside = await computer({ action: 'left_click', coordinate: [1280, 5] });
  assert.equal(outside.isError, true);
  assert.equal(text(outside), 'left_click (1280, 5) failed: coordinate (1280, 5) is outside the ' +
                              'screenshot, which is 1280x800');
  const long = await computer({ action: 'type', text: 'x'.repeat(10001) });
  assert.equal(long.isError, true);
  assert.match(text(long), /longer than 10000 characters/);
});

test('a computer comes back reset to the next session', async () => {
  await client.callTool({ name: 'cleanup_session', arguments: { session_id: 'p' } });
  const next = await client.callTool({ name: 'computer', arguments: { session_id: 'q', action: 'screenshot' } });
  assert.deepEqual(pixels(next), fresh);
});
