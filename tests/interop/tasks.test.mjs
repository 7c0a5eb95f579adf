// MCP tasks (protocol 2025-11-25) with the official TypeScript SDK client's experimental tasks API
// (client.experimental.tasks): a tool call run as a task, streamed to its result (the SDK polls
// tasks/get and fetches tasks/result), listed, cancelled mid-run; over HTTP, a task another client
// cannot see.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

import { startHttpServer, SERVER_BIN } from './http_server.mjs';

const textOf = (result) =>
  result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

function writeScript(dir, name, turns) {
  const path = join(dir, name);
  writeFileSync(path, turns.map((turn) => JSON.stringify(turn)).join('\n') + '\n');
  return path;
}

const QUICK = [
  { text: 'Clicking.', actions: [{ action: 'left_click', coordinate: [10, 20] }] },
  { text: 'Waiting a little.', actions: [{ action: 'wait', duration: 1 }] },
  { text: 'Done in the background.' },
];
const SLOW = [{ text: 'Waiting long.', actions: [{ action: 'wait', duration: 30 }] }, { text: 'never' }];

// Runs a tool call as a task through the SDK's stream; returns its messages by type.
async function streamTask(client, name, args, ttl = 60_000) {
  const seen = { created: [], status: [], result: [], error: [] };
  const stream = client.experimental.tasks.callToolStream({ name, arguments: args }, undefined,
                                                          { task: { ttl }, timeout: 30_000 });
  for await (const message of stream) {
    if (message.type === 'taskCreated') seen.created.push(message.task);
    else if (message.type === 'taskStatus') seen.status.push(message.task);
    else if (message.type === 'result') seen.result.push(message.result);
    else if (message.type === 'error') seen.error.push(message.error);
  }
  return seen;
}

test('the SDK client runs, lists and cancels tasks over stdio', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cua-interop-tasks-'));
  const quick = writeScript(dir, 'quick.jsonl', QUICK);
  const transport = new StdioClientTransport({
    command: SERVER_BIN,
    args: ['--backend', 'sim', '--model', `replay:${quick}`, '--settle-ms', '0', '--log-level', 'warn'],
    stderr: 'inherit',
  });
  const client = new Client({ name: 'cua-interop-tasks', version: '0.0.0' });
  t.after(async () => {
    await client.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  await client.connect(transport);
  assert.deepEqual(client.getServerCapabilities().tasks,
                   { list: {}, cancel: {}, requests: { tools: { call: {} } } });
  const tools = await client.listTools();
  assert.equal(tools.tools.find((tool) => tool.name === 'run_cua_task').execution.taskSupport, 'optional');

  let taskId;
  await t.test('a task streams from creation to its result, which matches the output schema', async () => {
    const seen = await streamTask(client, 'run_cua_task', { task: 'click, wait, finish' });
    assert.deepEqual(seen.error, []);
    assert.equal(seen.created.length, 1);
    assert.equal(seen.created[0].status, 'working');
    assert.equal(seen.created[0].ttl, 60_000);
    taskId = seen.created[0].taskId;
    assert.equal(seen.result.length, 1);
    const result = seen.result[0];
    assert.ok(!result.isError, textOf(result));
    assert.match(textOf(result), /Done in the background\./);
    assert.equal(result.structuredContent.steps, 3);
  });

  await t.test('the finished task is got and listed', async () => {
    const task = await client.experimental.tasks.getTask(taskId);
    assert.equal(task.status, 'completed');
    const listed = await client.experimental.tasks.listTasks();
    assert.deepEqual(listed.tasks.map((x) => x.taskId), [taskId]);
  });

  await t.test('an unknown task is an error the SDK raises', async () => {
    await assert.rejects(client.experimental.tasks.getTask('no-such-task'),
                         (err) => err instanceof McpError && err.code === -32602);
  });
});

test('a task is cancelled mid-run through the SDK, and another HTTP client never sees it', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cua-interop-tasks-'));
  const slow = writeScript(dir, 'slow.jsonl', SLOW);
  const server = await startHttpServer(['--model', `replay:${slow}`, '--settle-ms', '0']);
  const owner = new Client({ name: 'cua-interop-owner', version: '0.0.0' });
  const other = new Client({ name: 'cua-interop-other', version: '0.0.0' });
  t.after(async () => {
    await owner.close().catch(() => {});
    await other.close().catch(() => {});
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await owner.connect(new StreamableHTTPClientTransport(new URL(server.url)));
  await other.connect(new StreamableHTTPClientTransport(new URL(server.url)));

  const stream = owner.experimental.tasks.callToolStream(
    { name: 'run_cua_task', arguments: { task: 'wait long' } }, undefined, { task: { ttl: 60_000 } });
  const first = await stream.next();
  assert.equal(first.value.type, 'taskCreated', JSON.stringify(first.value));
  const taskId = first.value.task.taskId;
  await stream.return(undefined); // stop following it: the task goes on without the stream

  assert.equal((await owner.experimental.tasks.getTask(taskId)).status, 'working');
  await assert.rejects(other.experimental.tasks.getTask(taskId),
                       (err) => err instanceof McpError && err.code === -32602);
  assert.deepEqual((await other.experimental.tasks.listTasks()).tasks, []);
  await assert.rejects(other.experimental.tasks.cancelTask(taskId),
                       (err) => err instanceof McpError && err.code === -32602);

  const cancelled = await owner.experimental.tasks.cancelTask(taskId);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal((await owner.experimental.tasks.getTask(taskId)).status, 'cancelled');
  // Its session's computer is free again: no task runs on it.
  const stats = await owner.callTool({ name: 'get_session_stats', arguments: {} });
  for (const session of Object.values(stats.structuredContent.sessions))
    assert.equal(session.active_tasks, 0, JSON.stringify(stats.structuredContent));
});
