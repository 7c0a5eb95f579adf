// MCP resources with the official TypeScript SDK client: the session screens and recorded tasks
// listed and read (the SDK checks every result's shape), a subscribed screen announced when an
// action changes it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import { SERVER_BIN } from './http_server.mjs';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

test('the SDK client lists, reads and subscribes to resources', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cua-interop-resources-'));
  const script = join(dir, 'script.jsonl');
  writeFileSync(script, [{ text: 'Clicking.', actions: [{ action: 'left_click', coordinate: [50, 60] }] },
                         { text: 'Done.' }].map((x) => JSON.stringify(x)).join('\n') + '\n');
  const transport = new StdioClientTransport({
    command: SERVER_BIN,
    args: ['--backend', 'sim', '--model', `replay:${script}`, '--settle-ms', '0', '--log-level', 'warn',
           '--trajectory-dir', join(dir, 'recordings')],
    stderr: 'inherit',
  });
  const client = new Client({ name: 'cua-interop-resources', version: '0.0.0' });
  t.after(async () => {
    await client.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  await client.connect(transport);
  assert.equal(client.getServerCapabilities().resources.subscribe, true);
  await client.callTool({ name: 'run_cua_task', arguments: { task: 'click', session_id: 'seen' } });

  const { resources } = await client.listResources();
  const uris = resources.map((r) => r.uri);
  assert.ok(uris.includes('cua://sessions/seen/screen'), JSON.stringify(uris));
  const record = uris.find((u) => u.startsWith('cua://trajectories/') && !u.endsWith('/steps'));
  assert.ok(record, JSON.stringify(uris));
  const templates = await client.listResourceTemplates();
  assert.equal(templates.resourceTemplates.length, 4);

  const screen = await client.readResource({ uri: 'cua://sessions/seen/screen' });
  assert.equal(screen.contents[0].mimeType, 'image/png');
  assert.ok(Buffer.from(screen.contents[0].blob, 'base64').subarray(0, 8).equals(PNG_SIGNATURE));
  const task = JSON.parse((await client.readResource({ uri: record })).contents[0].text);
  assert.equal(task.task, 'click');
  assert.equal(task.status, 'completed');
  await assert.rejects(client.readResource({ uri: 'cua://sessions/nobody/screen' }), /-32002|no resource/);

  const updates = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updates.push(n.params.uri));
  await client.subscribeResource({ uri: 'cua://sessions/seen/screen' });
  await sleep(1200);
  assert.deepEqual(updates, []);
  await client.callTool({ name: 'computer',
                          arguments: { action: 'left_click', coordinate: [400, 300], session_id: 'seen', screenshot: false } });
  for (let i = 0; i < 40 && updates.length === 0; ++i) await sleep(50);
  assert.deepEqual(updates, ['cua://sessions/seen/screen']);
  await client.unsubscribeResource({ uri: 'cua://sessions/seen/screen' });
});
