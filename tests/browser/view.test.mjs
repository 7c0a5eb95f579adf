// The live web view in a real browser (Debian's chromium, headless, through playwright-core)
// against the built server: sessions listed with their own live screens, taking over a paused
// task with the mouse and keyboard, the token login, and the read-only view. Screenshots of the
// page go to $CUA_TEST_ARTIFACTS (else tests/browser/artifacts), named by test step.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

import { startHttpServer, SERVER_BIN } from '../interop/http_server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = process.env.CUA_TEST_ARTIFACTS || join(here, 'artifacts');

const textOf = (result) =>
  result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
const imageOf = (result) => result.content.find((c) => c.type === 'image')?.data;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const card = (page, id) => page.locator(`article.session[data-session-id="${id}"]`);
const frameOf = async (session) => Number(await session.locator('img.screen').getAttribute('data-frame'));

function writeScript(dir, name, turns) {
  const path = join(dir, name);
  writeFileSync(path, turns.map((turn) => JSON.stringify(turn)).join('\n') + '\n');
  return path;
}

async function connect(url, token) {
  const client = new Client({ name: 'cua-browser-test', version: '0.0.0' });
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function callOk(client, name, args, options) {
  const result = await client.callTool({ name, arguments: args }, undefined, options);
  assert.ok(!result.isError, `${name} ${JSON.stringify(args)} failed: ${textOf(result)}`);
  return result;
}

// The statuses the page itself gets for these requests (with its cookies, if any).
function statusesFromPage(page, requests) {
  return page.evaluate(async (list) => Promise.all(list.map(async ([method, path]) => {
    const response = await fetch(path, {
      method, headers: { 'Content-Type': 'application/json' },
      body: method === 'POST' ? '{}' : undefined,
    });
    response.body?.cancel(); // the event stream would stay open
    return response.status;
  })), requests);
}

// Starts the server and a browser page; everything ends in t.after. A failure comes with a
// screenshot, the page's errors and the end of the server's log.
function browserTest(name, { args = [], timeout = 60_000 }, body) {
  const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase().slice(0, 48);
  test(name, { timeout }, async (t) => {
    assert.ok(existsSync(CHROMIUM),
              `${CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium)`);
    assert.ok(existsSync(SERVER_BIN), `${SERVER_BIN} is missing: build the server first`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const dir = mkdtempSync(join(tmpdir(), 'cua-browser-'));
    const clients = [];
    let server = null;
    let browser = null;
    t.after(async () => {
      await browser?.close().catch(() => {});
      for (const client of clients) await client.close().catch(() => {});
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const pageErrors = [];
    const ctx = {
      dir,
      shot: (step) => ctx.page.screenshot({ path: join(ARTIFACTS, `${slug}-${step}.png`), fullPage: true }),
      connect: async (token) => {
        const client = await connect(ctx.server.url, token);
        clients.push(client);
        return client;
      },
      start: async (extraArgs = []) => {
        // A token in the environment would lock every test: only test 3 sets one, by file.
        server = await startHttpServer([...args, ...extraArgs, '--log-level', 'info'],
                                       { CUA_MCP_AUTH_TOKEN: '' });
        ctx.server = server;
        ctx.origin = `http://127.0.0.1:${server.port}`;
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
        ctx.page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        ctx.page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
        ctx.page.on('console', (message) => {
          if (/Content Security Policy|Refused to/i.test(message.text()))
            pageErrors.push(`console: ${message.text()}`);
        });
      },
    };
    try {
      await body(ctx, t);
      assert.deepEqual(pageErrors, [], 'the page had errors');
    } catch (err) {
      if (ctx.page) await ctx.shot('failure').catch(() => {});
      const log = server ? server.stderr().split('\n').slice(-40).join('\n') : '(no server)';
      err.message += `\n--- page errors:\n${pageErrors.join('\n') || '(none)'}`
                   + `\n--- the server's log, last lines:\n${log}`;
      throw err;
    }
  });
}

browserTest('the view lists every session with its own live screen', {}, async (ctx, t) => {
  await ctx.start();
  const mcp = await ctx.connect();
  await callOk(mcp, 'computer', { session_id: 'a', action: 'screenshot' });
  await callOk(mcp, 'computer', { session_id: 'b', action: 'screenshot' });

  const page = ctx.page;
  await page.goto(`${ctx.origin}/`);
  const a = card(page, 'a');
  const b = card(page, 'b');
  for (const [id, session] of [['a', a], ['b', b]]) {
    await session.locator('img.screen[data-frame]').waitFor({ timeout: 10_000 })
      .catch(() => assert.fail(`session ${id} has no card with a frame after 10 s`));
    assert.ok(await frameOf(session) >= 1, `session ${id}'s first frame is numbered below 1`);
    assert.ok(await session.getAttribute('data-key'), `session ${id}'s card has no data-key`);
    assert.equal(await session.getAttribute('data-paused'), 'false');
    assert.equal(await session.locator('button[data-action="pause"]').isVisible(), true);
    assert.equal(await session.locator('button[data-action="resume"]').isVisible(), false);
  }
  assert.equal(await page.locator('article.session').count(), 2);
  assert.equal(await page.locator('#login-form').isVisible(), false);
  await page.waitForFunction(() => document.querySelectorAll('img.screen').length === 2
    && [...document.querySelectorAll('img.screen')].every((img) => img.complete && img.naturalWidth > 0));
  await ctx.shot('two-sessions');

  await sleep(500); // let the first frames settle
  const a0 = await frameOf(a);
  const b0 = await frameOf(b);
  await callOk(mcp, 'computer', { session_id: 'a', action: 'left_click', coordinate: [100, 100] });
  const answered = Date.now();
  await page.waitForFunction(([n]) => Number(document.querySelector(
    'article.session[data-session-id="a"] img.screen').dataset.frame) > n, [a0], { timeout: 1000, polling: 10 })
    .catch(() => assert.fail(`session a's frame stayed at ${a0} for 1 s after the click was answered`));
  t.diagnostic(`a's frame changed ${Date.now() - answered} ms after the click was answered`);
  assert.equal(await frameOf(b), b0, "session b's frame changed although only a was acted on");
  await ctx.shot('after-click-on-a');
});

browserTest('an operator pauses a running task, takes over its computer and resumes it',
            { timeout: 120_000 }, async (ctx, t) => {
  const script = writeScript(ctx.dir, 'takeover.jsonl', [
    { text: 'Waiting first.', actions: [{ action: 'wait', duration: 4 }] },
    { text: 'Clicking.', actions: [{ action: 'left_click', coordinate: [50, 60] }] },
    { text: 'Done after the operator.' },
  ]);
  await ctx.start(['--model', `replay:${script}`, '--settle-ms', '0']);
  const mcp = await ctx.connect();
  const task = mcp.callTool({ name: 'run_cua_task', arguments: { task: 'wait, click, finish', session_id: 't' } },
                            undefined, { timeout: 110_000 });
  task.catch(() => {}); // awaited below; a rejection before then is not unhandled

  const page = ctx.page;
  await page.goto(`${ctx.origin}/`);
  const session = card(page, 't');
  const screen = session.locator('img.screen');
  await session.locator('img.screen[data-frame]').waitFor({ timeout: 10_000 })
    .catch(() => assert.fail('session t has no card with a frame after 10 s'));
  await page.waitForFunction(() => /wait, click, finish/.test(
    document.querySelector('article.session[data-session-id="t"] .task')?.textContent ?? ''), null, { timeout: 5000 })
    .catch(() => assert.fail('t\'s card does not show its running task'));

  // Not paused: the screen takes no input.
  await screen.focus();
  await page.keyboard.type('x');
  await screen.click({ position: { x: 10, y: 10 } });
  await sleep(600);
  assert.equal(await session.locator('.log li').count(), 0,
               `input was sent to a session that is not paused: ${await session.locator('.log').textContent()}`);

  await session.locator('button[data-action="pause"]').click();
  await page.locator('article.session[data-session-id="t"][data-paused="true"]').waitFor({ timeout: 5000 })
    .catch(() => assert.fail('t\'s card does not show it paused 5 s after Pause'));
  assert.equal(await session.locator('button[data-action="resume"]').isVisible(), true);
  assert.equal(await session.locator('button[data-action="pause"]').isVisible(), false);
  await page.waitForFunction(() => /paus/i.test(
    document.querySelector('article.session[data-session-id="t"] .progress')?.textContent ?? ''), null, { timeout: 15_000 })
    .catch(async () => assert.fail(`t's progress does not mention the pause: "${await session.locator('.progress').textContent()}"`));
  await ctx.shot('paused');

  const before = imageOf(await callOk(mcp, 'computer', { session_id: 't', action: 'screenshot' }));
  assert.ok(before, 'the screenshot of t has no image');
  await screen.focus();
  await page.keyboard.type('hello');
  await page.keyboard.press('Enter');
  const box = await screen.boundingBox();
  const natural = await screen.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  const at = { x: Math.round(box.width * 0.25), y: Math.round(box.height * 0.5) };
  await screen.click({ position: at });
  const expected = [Math.round(at.x * natural[0] / box.width), Math.round(at.y * natural[1] / box.height)];

  const taken = ['type', 'key', 'left_click'];
  for (const action of taken)
    await session.locator(`.log li[data-action="${action}"]`).first().waitFor({ timeout: 5000 }).catch(async () => assert.fail(
      `no ${action} was answered within 5 s; sent: ${await session.locator('.log').textContent()}; `
      + `error shown: ${await page.locator('#error').textContent()}`));
  const lines = (await session.locator('.log li').evaluateAll((items) =>
    items.map((li) => `${li.dataset.action} ${li.className} ${li.textContent}`).reverse()))
    .filter((line) => taken.includes(line.split(' ')[0]));
  assert.deepEqual(lines.map((line) => line.split(' ').slice(0, 2).join(' ')),
                   ['type ok', 'key ok', 'left_click ok'], `what the page sent: ${lines.join(' | ')}`);
  assert.match(lines[0], /"hello"/);
  assert.match(lines[1], /Return/);
  // The click lands in image space, about where it was on the scaled screen (the browser's
  // mouse events are in whole CSS pixels, the screen's box is not).
  const [x, y] = lines[2].match(/\((\d+), (\d+)\)/).slice(1).map(Number);
  const slack = Math.ceil(natural[0] / box.width) + 1;
  assert.ok(Math.abs(x - expected[0]) <= slack && Math.abs(y - expected[1]) <= slack,
            `clicked at (${at.x}, ${at.y}) of a ${box.width}x${box.height} screen showing ${natural.join('x')}: `
            + `sent (${x}, ${y}), expected about (${expected.join(', ')})`);
  await ctx.shot('taken-over');

  const after = imageOf(await callOk(mcp, 'computer', { session_id: 't', action: 'screenshot' }));
  assert.notEqual(after, before, 'the computer\'s screen did not change with the operator\'s input');

  await session.locator('button[data-action="resume"]').click();
  await page.locator('article.session[data-session-id="t"][data-paused="false"]').waitFor({ timeout: 5000 })
    .catch(() => assert.fail('t\'s card still shows it paused 5 s after Resume'));
  const result = await task;
  assert.ok(!result.isError, `the task failed: ${textOf(result)}`);
  assert.match(textOf(result), /Done after the operator\./);
  await ctx.shot('resumed');
});

browserTest('without the right token the view shows nothing but its login', {}, async (ctx) => {
  const token = randomBytes(16).toString('hex');
  const tokenFile = join(ctx.dir, 'token');
  writeFileSync(tokenFile, `${token}\n`);
  await ctx.start(['--auth-token-file', tokenFile]);
  const mcp = await ctx.connect(token);
  await callOk(mcp, 'computer', { session_id: 's', action: 'screenshot' });

  const page = ctx.page;
  await page.goto(`${ctx.origin}/`);
  await page.locator('#login-form').waitFor({ timeout: 5000 })
    .catch(() => assert.fail('no login form without a token'));
  const locked = [['GET', '/view/api/status'], ['GET', '/view/api/events'],
                  ['GET', '/view/api/sessions/x/frame?after=0']];
  assert.deepEqual(await statusesFromPage(page, locked), [401, 401, 401]);
  const [pause] = await statusesFromPage(page, [['POST', '/view/api/sessions/x/pause']]);
  assert.ok(pause === 401 || pause === 403, `an unauthenticated pause answered ${pause}`);
  assert.equal(await page.locator('article.session').count(), 0);
  await ctx.shot('login');

  await page.locator('#token').fill(`${token}x`);
  await page.locator('#login-form button[type="submit"]').click();
  await page.locator('#error').waitFor({ timeout: 5000 })
    .catch(() => assert.fail('a wrong token shows no error'));
  assert.notEqual((await page.locator('#error').textContent()).trim(), '');
  assert.equal(await page.locator('#login-form').isVisible(), true);
  await sleep(500);
  assert.equal(await page.locator('article.session').count(), 0);
  assert.deepEqual(await statusesFromPage(page, locked), [401, 401, 401]);
  await ctx.shot('wrong-token');

  await page.locator('#token').fill(token);
  await page.locator('#login-form button[type="submit"]').click();
  await card(page, 's').locator('img.screen[data-frame]').waitFor({ timeout: 10_000 })
    .catch(() => assert.fail('session s does not appear with a frame after logging in'));
  assert.equal(await page.locator('#login-form').isVisible(), false);
  assert.equal(await page.locator('#error').isVisible(), false);
  // The token is nowhere the page's scripts or address could give it away.
  assert.ok(!page.url().includes(token), 'the token is in the address');
  const stored = await page.evaluate(() => [document.cookie, JSON.stringify(localStorage),
                                            JSON.stringify(sessionStorage)].join(' '));
  assert.ok(!stored.includes(token), `the page's script can read the token: ${stored}`);
  await ctx.shot('logged-in');

  await page.locator('#logout').click();
  await page.locator('#login-form').waitFor({ timeout: 5000 })
    .catch(() => assert.fail('no login form after logging out'));
  assert.equal(await page.locator('article.session').count(), 0);
  assert.deepEqual(await statusesFromPage(page, [['GET', '/view/api/status']]), [401]);
});

browserTest('a read-only view shows the sessions and changes nothing', { args: ['--view-read-only'] }, async (ctx) => {
  await ctx.start();
  const mcp = await ctx.connect();
  await callOk(mcp, 'computer', { session_id: 'r', action: 'screenshot' });

  const page = ctx.page;
  await page.goto(`${ctx.origin}/`);
  const session = card(page, 'r');
  await session.locator('img.screen[data-frame]').waitFor({ timeout: 10_000 })
    .catch(() => assert.fail('session r has no card with a frame after 10 s'));
  assert.equal(await page.locator('#read-only').isVisible(), true, 'no read-only badge');
  assert.equal(await page.locator('button[data-action]').count(), 0, 'a read-only view has buttons');
  await ctx.shot('read-only');

  const key = await session.getAttribute('data-key');
  const path = `/view/api/sessions/${encodeURIComponent(key)}`;
  assert.deepEqual(await statusesFromPage(page, [['POST', `${path}/pause`], ['POST', `${path}/end-task`],
                                                 ['POST', `${path}/cleanup`]]), [403, 403, 403]);
  const stats = await callOk(mcp, 'get_session_stats', {});
  assert.ok('r' in stats.structuredContent.sessions,
            `session r is gone after the refused cleanup: ${JSON.stringify(stats.structuredContent.sessions)}`);
});
