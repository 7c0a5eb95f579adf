// Real clients' habits against the HTTP transport: the MCP Inspector CLI, which never sends
// DELETE, run again and again against one server; an SDK client with OAuth support meeting a
// server that wants a static token.
//
// Run: node --test walk_away.test.mjs   (server binary from $CUA_SERVER_BIN, else ../../build/cua-mcp-server)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { startHttpServer } from './http_server.mjs';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
// The inspector's own launcher (what `npx @modelcontextprotocol/inspector --cli` runs), without npx.
const INSPECTOR = join(dirname(require.resolve('@modelcontextprotocol/inspector/package.json')),
                       'clients/launcher/build/index.js');

test('the inspector CLI, run 100 times in a row against one server, always gets in', async () => {
  const server = await startHttpServer(); // --max-clients 32: each run leaves its client behind
  try {
    for (let i = 0; i < 100; ++i) {
      const args = i % 10 === 9
        ? ['--cli', server.url, '--method', 'tools/call', '--tool-name', 'get_session_stats']
        : ['--cli', server.url, '--method', 'tools/list'];
      let out;
      try {
        out = await run(process.execPath, [INSPECTOR, ...args], { timeout: 30000 });
      } catch (err) {
        assert.fail(`run ${i + 1} failed: ${err.message}\n${err.stdout ?? ''}\n${server.stderr().slice(-3000)}`);
      }
      const answer = JSON.parse(out.stdout);
      if (i % 10 === 9)
        assert.equal(answer.isError ?? false, false, out.stdout);
      else
        assert.equal(answer.tools.length, 6, out.stdout);
    }
    assert.match(server.stderr(), /its slot went to a new client/);
    const client = new Client({ name: 'after-the-crowd', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    assert.equal((await client.listTools()).tools.length, 6);
    await client.close();
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
  }
});

test('an SDK client that tries OAuth is told the server takes a static bearer token', async () => {
  const server = await startHttpServer([], { CUA_MCP_AUTH_TOKEN: 'cua-walk-away-token-1234' });
  // What an interactive client (Claude Code, VS Code) gives the SDK: on a 401 it discovers the
  // authorization server, registers, and would open a browser.
  let stored;
  const authProvider = {
    get redirectUrl() { return 'http://127.0.0.1:1/callback'; },
    get clientMetadata() {
      return { client_name: 'walk-away', redirect_uris: ['http://127.0.0.1:1/callback'] };
    },
    clientInformation: () => stored,
    saveClientInformation: (info) => { stored = info; },
    tokens: () => undefined,
    saveTokens: () => {},
    redirectToAuthorization: () => { throw new Error('no browser here'); },
    saveCodeVerifier: () => {},
    codeVerifier: () => 'verifier',
  };
  try {
    const client = new Client({ name: 'oauth-minded', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(server.url), { authProvider });
    await assert.rejects(client.connect(transport), (err) => {
      assert.match(err.message, /static bearer token/);
      assert.match(err.message, /Authorization: Bearer/);
      return true;
    });
  } finally {
    assert.equal(await server.stop(), 0, server.stderr());
  }
});
