#!/usr/bin/env node
// Reference MCP server for cua-mcp-bench: the tools get_session_stats, screenshot_cua,
// cleanup_session and computer with the semantics of cua-mcp-server --backend sim, written the plain
// way with the official MCP TypeScript SDK (McpServer over stdio), zod schemas and pngjs. The benchmark drives
// it and our server in the same run so that their figures can be compared as ratios.
//
// Speaks MCP on stdin/stdout; logs go to stderr. See README.md beside this file.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import pngjs from 'pngjs';
import { z } from 'zod';

const { PNG } = pngjs;
const VERSION = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')).version;

// Nothing but MCP messages may reach stdout: whatever a library prints goes to stderr instead.
console.log = console.error;
console.info = console.error;

// ---------------------------------------------------------------------------------------------
// Command line (defaults as in app/config.cpp)

const USAGE = `cua-mcp-reference-server: the sim tools of cua-mcp-server, on the MCP TypeScript SDK
Usage: node server.mjs [OPTIONS]

Options:
  -h,--help               Print this help message and exit
  --version               Print the version and exit
  --max-sessions N        Sessions at most; a new one past the limit is refused at once (10)
  --screen WxH            Screen size of each computer, each side 64 to 8192 (1280x800)
  --idle-timeout S        Seconds without a call after which a session is reaped (600)
  --reap-interval S       Seconds between checks for idle sessions (60)
  --progress-interval S   Seconds between progress heartbeats while a call waits (5)
  --log-level LEVEL       trace, debug, info, warn, error or off (info)
  --backend sim           Accepted so that the same flags as cua-mcp-server work; only sim exists

Speaks MCP over stdin/stdout; logs go to stderr.`;

function fail(message) {
  process.stderr.write(`${message}\nRun with --help for more information.\n`);
  process.exit(2);
}

function numberFlag(name, text, min, max, integer) {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)))
    fail(`${name}: "${text}" is not ${integer ? 'an integer' : 'a number'}`);
  if (value < min || value > max)
    fail(`${name}: ${value} is not in [${min} - ${max}]`);
  return value;
}

function parseScreen(text) {
  const match = /^(\d+)x(\d+)$/.exec(text);
  if (!match)
    fail(`--screen: must be WIDTHxHEIGHT, e.g. 1280x800`);
  const width = Number(match[1]);
  const height = Number(match[2]);
  if (width < 64 || height < 64 || width > 8192 || height > 8192)
    fail(`--screen: width and height must be between 64 and 8192`);
  return { width, height };
}

function parseCommandLine(argv) {
  const config = {
    maxSessions: 10,
    screen: { width: 1280, height: 800 },
    idleTimeoutS: 600,
    reapIntervalS: 60,
    progressIntervalS: 5,
    logLevel: 'info',
  };
  const levels = ['trace', 'debug', 'info', 'warn', 'error', 'off'];
  for (let i = 0; i < argv.length; ++i) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2);
    if (flag === '-h' || flag === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (flag === '--version') {
      process.stdout.write(`${VERSION}\n`);
      process.exit(0);
    }
    const known = ['--max-sessions', '--screen', '--idle-timeout', '--reap-interval',
                   '--progress-interval', '--log-level', '--backend'];
    if (!known.includes(flag))
      fail(`The following argument was not expected: ${argv[i]}`);
    if (value === undefined) {
      if (i + 1 >= argv.length)
        fail(`${flag}: 1 required TEXT missing`);
      value = argv[++i];
    }
    switch (flag) {
      case '--max-sessions': config.maxSessions = numberFlag(flag, value, 1, 100000, true); break;
      case '--screen': config.screen = parseScreen(value); break;
      case '--idle-timeout': config.idleTimeoutS = numberFlag(flag, value, 0.001, 1e7, false); break;
      case '--reap-interval': config.reapIntervalS = numberFlag(flag, value, 0.001, 1e7, false); break;
      case '--progress-interval':
        config.progressIntervalS = numberFlag(flag, value, 0.01, 10, false);
        break;
      case '--log-level':
        if (!levels.includes(value))
          fail(`--log-level: ${value} not in {${levels.join(',')}}`);
        config.logLevel = value;
        break;
      case '--backend':
        if (value !== 'sim')
          fail(`--backend: ${value} not in {sim} (the reference server only simulates computers)`);
        break;
    }
  }
  return config;
}

const config = parseCommandLine(process.argv.slice(2));

const LEVELS = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, off: 5 };
function log(level, message) {
  if (LEVELS[level] >= LEVELS[config.logLevel])
    process.stderr.write(`[${new Date().toISOString()}] [${level}] ${message}\n`);
}

// ---------------------------------------------------------------------------------------------
// The simulated computer (computers/sim_computer.cpp)

const MASK64 = (1n << 64n) - 1n;
const MURMUR_MUL = (0xc6a4a793n << 32n) + 0x5bd1e995n;

function shiftMix(v) {
  return v ^ (v >> 47n);
}

// std::hash<std::string> of libstdc++ on a 64-bit machine (_Hash_bytes: MurmurHash64A-like with
// seed 0xc70f6907), so that a computer's title bar has the colour our server gives the same id.
function stdHash(text) {
  const bytes = Buffer.from(text, 'utf8');
  const len = BigInt(bytes.length);
  const aligned = bytes.length & ~7;
  let hash = (0xc70f6907n ^ ((len * MURMUR_MUL) & MASK64)) & MASK64;
  for (let p = 0; p < aligned; p += 8) {
    const data = (shiftMix((bytes.readBigUInt64LE(p) * MURMUR_MUL) & MASK64) * MURMUR_MUL) & MASK64;
    hash = ((hash ^ data) * MURMUR_MUL) & MASK64;
  }
  if (bytes.length & 7) {
    let data = 0n;
    for (let p = bytes.length - 1; p >= aligned; --p)
      data = (data << 8n) + BigInt(bytes[p]);
    hash = ((hash ^ data) * MURMUR_MUL) & MASK64;
  }
  hash = (shiftMix(hash) * MURMUR_MUL) & MASK64;
  return shiftMix(hash);
}

function rgb(color) {
  return Buffer.from([(color >>> 16) & 0xff, (color >>> 8) & 0xff, color & 0xff]);
}

// FNV-1a over the 8 bytes (little end first) of the 64-bit value hi * 2^32 + lo: sim_computer.cpp's
// mix(), on 32-bit halves.
function mix(h, lo, hi = 0) {
  for (let i = 0; i < 4; ++i)
    h = Math.imul(h ^ ((lo >>> (i * 8)) & 0xff), 16777619) >>> 0;
  for (let i = 0; i < 4; ++i)
    h = Math.imul(h ^ ((hi >>> (i * 8)) & 0xff), 16777619) >>> 0;
  return h;
}

// The action vocabulary in the order of enum class action_kind (messages/computer_messages.hpp):
// an action's index is its number in the state hash.
const ACTION_KINDS = ['key', 'type', 'mouse_move', 'left_click', 'right_click', 'middle_click',
                      'double_click', 'triple_click', 'left_click_drag', 'left_mouse_down',
                      'left_mouse_up', 'scroll', 'hold_key', 'wait', 'screenshot', 'cursor_position'];
const MARKING_ACTIONS = new Set(['left_click', 'right_click', 'middle_click', 'double_click',
                                 'triple_click', 'left_click_drag', 'key', 'type']);

// An in-memory screen whose picture follows the computer's id and its action history: a background,
// a title bar in the computer's own colour, a window in the colour of the action state (a hash of
// every action so far), a mark per click or keystroke (the last 64), and the cursor.
class SimComputer {
  constructor(id, width, height) {
    this.id = id;
    this.width = width;
    this.height = height;
    this.identity = Number(stdHash(id) & 0xffffffffn);
    this.frame = null; // made by the first screenshot, as ours is: a session that only acts has none
    this.reset();
  }

  reset() {
    this.state = 2166136261; // FNV-1a offset basis
    this.cursorX = Math.trunc(this.width / 2);
    this.cursorY = Math.trunc(this.height / 2);
    this.marks = [];
  }

  // Does `action` (coordinates already in screen space) and returns the cursor, in screen space.
  perform(action) {
    if (action.hasCoordinate) {
      this.cursorX = action.x;
      this.cursorY = action.y;
    }
    let state = mix(this.state, action.x >>> 0, ACTION_KINDS.indexOf(action.kind));
    state = mix(state, action.y >>> 0);
    for (const byte of Buffer.from(action.text, 'utf8'))
      state = mix(state, byte);
    this.state = mix(state, action.scrollAmount >>> 0);
    if (MARKING_ACTIONS.has(action.kind)) {
      this.marks.push({ x: this.cursorX, y: this.cursorY, color: this.state });
      if (this.marks.length > 64)
        this.marks.shift();
    }
    return { x: this.cursorX, y: this.cursorY };
  }

  fill(x0, y0, w, h, color) {
    const x1 = Math.min(this.width, x0 + w);
    const y1 = Math.min(this.height, y0 + h);
    x0 = Math.max(0, x0);
    y0 = Math.max(0, y0);
    if (x1 <= x0)
      return;
    const pattern = rgb(color);
    for (let y = y0; y < y1; ++y)
      this.frame.fill(pattern, (y * this.width + x0) * 3, (y * this.width + x1) * 3);
  }

  render() {
    const { width: w, height: h } = this;
    this.frame ??= Buffer.alloc(w * h * 3);
    this.frame.fill(rgb(0x202830));
    this.fill(0, 0, w, Math.max(8, Math.trunc(h / 25)), this.identity & 0xffffff);
    this.fill(Math.trunc(w / 8), Math.trunc(h / 6), Math.trunc((w * 3) / 4), Math.trunc((h * 2) / 3),
              this.state & 0xffffff);
    for (const m of this.marks)
      this.fill(m.x - 4, m.y - 4, 9, 9, ~m.color & 0xffffff);
    this.fill(this.cursorX - 1, this.cursorY - 8, 3, 17, 0xffffff);
    this.fill(this.cursorX - 8, this.cursorY - 1, 17, 3, 0xffffff);
    return this.frame;
  }
}

// ---------------------------------------------------------------------------------------------
// Screenshots (actors/computer_actor.cpp, computers/image_budget.cpp, computers/png_codec.cpp)

// A longer edge beyond 1568 px or more than 1.15 megapixels is downsampled by model providers anyway.
function fitToBudget(width, height) {
  const maxLongEdge = 1568;
  const maxPixels = 1150000;
  let scale = 1;
  const longEdge = Math.max(width, height);
  if (longEdge > maxLongEdge)
    scale = maxLongEdge / longEdge;
  const pixels = width * height;
  if (pixels * scale * scale > maxPixels)
    scale = Math.sqrt(maxPixels / pixels);
  if (scale >= 1)
    return { width, height };
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

// A coordinate from one space to the other (image <-> screen), rounded half away from zero as
// std::lround does, and clamped to the target.
function mapAxis(value, from, to) {
  if (from <= 0 || to <= 0)
    return 0;
  return Math.min(Math.max(Math.round((value * to) / from), 0), to - 1);
}

// Box filter: each target pixel is the average of the source pixels it covers.
function downscale(source, sw, sh, tw, th, out) {
  for (let ty = 0; ty < th; ++ty) {
    const y0 = Math.floor((ty * sh) / th);
    const y1 = Math.max(y0 + 1, Math.floor(((ty + 1) * sh) / th));
    for (let tx = 0; tx < tw; ++tx) {
      const x0 = Math.floor((tx * sw) / tw);
      const x1 = Math.max(x0 + 1, Math.floor(((tx + 1) * sw) / tw));
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = y0; sy < y1; ++sy) {
        for (let sx = x0; sx < x1; ++sx) {
          const i = (sy * sw + sx) * 3;
          r += source[i];
          g += source[i + 1];
          b += source[i + 2];
        }
      }
      const count = (y1 - y0) * (x1 - x0);
      const o = (ty * tw + tx) * 3;
      out[o] = Math.floor(r / count);
      out[o + 1] = Math.floor(g / count);
      out[o + 2] = Math.floor(b / count);
    }
  }
  return out;
}

// As our libpng encoder: 8-bit RGB, zlib level 1, the SUB filter on every row.
const PNG_OPTIONS = {
  colorType: 2,
  inputColorType: 2,
  inputHasAlpha: false,
  bitDepth: 8,
  deflateLevel: 1,
  deflateStrategy: 1, // Z_FILTERED, what libpng picks for filtered rows
  filterType: 1, // SUB
};

const image = fitToBudget(config.screen.width, config.screen.height);
const scaled = Buffer.alloc(image.width * image.height * 3);

function screenshotPng(computer) {
  let data = computer.render();
  if (image.width !== computer.width || image.height !== computer.height)
    data = downscale(data, computer.width, computer.height, image.width, image.height, scaled);
  return PNG.sync.write({ width: image.width, height: image.height, data }, PNG_OPTIONS);
}

// ---------------------------------------------------------------------------------------------
// Sessions and the computers they hold (actors/supervisor_actor.cpp, actors/session_actor.cpp,
// actors/pool_actor.cpp). There is no pool actor here: a session takes a computer at once (a
// returned one, reset, or a new one), and the pool figures are plain counters.

const defaultSessionId = randomUUID();
const sessions = new Map(); // id -> session, in creation order
const spareComputers = []; // returned computers, reset, handed out again before new ones
const totals = { created: 0, reaped: 0, refused: 0 };
const pool = { created: 0, destroyed: 0 };
let nextComputer = 1;

function touch(session) {
  session.lastActivity = new Date();
  session.lastActivityMs = performance.now();
}

class ToolError extends Error {}

function limitError() {
  return new ToolError(
    `the server already runs ${sessions.size} sessions, its limit (--max-sessions ` +
    `${config.maxSessions}); clean one up with cleanup_session, or wait until an idle session is ` +
    `reaped (after ${Math.trunc(config.idleTimeoutS)} s without use)`);
}

function openSession(id) {
  const known = sessions.get(id);
  if (known)
    return known;
  if (sessions.size >= config.maxSessions) {
    ++totals.refused;
    throw limitError();
  }
  let computer = spareComputers.pop();
  if (!computer) {
    computer = new SimComputer(`sim-${nextComputer++}`, config.screen.width, config.screen.height);
    ++pool.created;
  }
  const session = { id, computer, createdAt: new Date() };
  touch(session);
  sessions.set(id, session);
  ++totals.created;
  log('info', `session ${id} created (${sessions.size} of ${config.maxSessions})`);
  log('info', `session ${id} got computer ${computer.id}`);
  return session;
}

function closeSession(id, reason) {
  const session = sessions.get(id);
  sessions.delete(id);
  session.computer.reset();
  spareComputers.push(session.computer);
  log('info', `session ${id} closed (${reason}): 0 task(s) cancelled`);
  return session;
}

function reap() {
  const limitMs = config.idleTimeoutS * 1000;
  const now = performance.now();
  for (const [id, session] of sessions) {
    if (now - session.lastActivityMs >= limitMs) {
      closeSession(id, 'idle');
      ++totals.reaped;
      log('info', `session ${id} reaped after ${Math.trunc(config.idleTimeoutS)} s idle`);
    }
  }
}

setInterval(reap, config.reapIntervalS * 1000).unref();

// Key order as nlohmann::json writes it (sorted), so that both servers send the same text.
function statsReport() {
  const now = performance.now();
  const list = Object.create(null);
  for (const s of sessions.values())
    list[s.id] = {
      active_tasks: 0,
      backend: 'sim',
      computer: s.computer.id,
      created_at: s.createdAt.toISOString(),
      ephemeral: false,
      idle_seconds: Math.trunc(now - s.lastActivityMs) / 1000,
      is_default: s.id === defaultSessionId,
      is_shutting_down: false,
      last_activity: s.lastActivity.toISOString(),
      state: 'ready',
    };
  return {
    limits: {
      idle_timeout_s: Math.trunc(config.idleTimeoutS),
      max_sessions: config.maxSessions,
      pool_size: config.maxSessions,
      pool_warm: 0,
    },
    max_concurrent: config.maxSessions,
    pool: {
      created: pool.created,
      destroyed: pool.destroyed,
      failed: 0,
      idle: spareComputers.length,
      in_use: sessions.size,
      size: config.maxSessions,
      starting: 0,
      timed_out: 0,
      waiting: 0,
    },
    sessions: list,
    total_sessions: sessions.size,
    totals: {
      sessions_created: totals.created,
      sessions_reaped: totals.reaped,
      sessions_refused: totals.refused,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Actions (computers/action_parsing.cpp): what each action needs, checked the way ours checks it and
// refused with the same words. The input schema has already been checked by the SDK.

const MAX_TYPE_LENGTH = 10000; // bytes of UTF-8, as ours counts them
const MAX_DURATION_S = 100;

class ActionError extends Error {}

function present(input, field) {
  return input[field] !== undefined && input[field] !== null;
}

function readPoint(input, field, name) {
  const value = input[field];
  const ok = Array.isArray(value) && value.length === 2 &&
             value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1e6 &&
                                Number.isInteger(v));
  if (!ok)
    throw new ActionError(`${name}: ${field} must be [x, y], two non-negative whole numbers, not ` +
                          JSON.stringify(value));
  return value;
}

function readText(input, name, required) {
  if (!present(input, 'text')) {
    if (required)
      throw new ActionError(`${name} needs "text"`);
    return '';
  }
  const text = input.text;
  if (typeof text !== 'string')
    throw new ActionError(`${name}: text must be a string`);
  if (required && text === '')
    throw new ActionError(`${name}: text must not be empty`);
  if (Buffer.byteLength(text, 'utf8') > MAX_TYPE_LENGTH)
    throw new ActionError(`${name}: text is longer than ${MAX_TYPE_LENGTH} characters; split it ` +
                          'into several actions');
  return text;
}

function readDuration(input, name) {
  const d = input.duration;
  if (typeof d !== 'number')
    throw new ActionError(`${name} needs "duration", a number of seconds`);
  if (!Number.isFinite(d) || d < 0 || d > MAX_DURATION_S)
    throw new ActionError(`${name}: duration must be between 0 and ${MAX_DURATION_S} seconds`);
  return d;
}

// Returns the action `input` describes, or throws an ActionError that says what is wrong.
function parseAction(input) {
  const name = input.action;
  if (typeof name !== 'string')
    throw new ActionError('an action needs "action", the name of what to do');
  if (!ACTION_KINDS.includes(name))
    throw new ActionError(`unknown action "${name}"; known actions: ${ACTION_KINDS.join(', ')}`);
  const action = {
    kind: name, hasCoordinate: false, x: 0, y: 0, hasStart: false, startX: 0, startY: 0, text: '',
    scrollDirection: '', scrollAmount: 0, durationS: 0,
  };
  const readCoordinate = (required) => {
    if (!present(input, 'coordinate')) {
      if (required)
        throw new ActionError(`${name} needs "coordinate": [x, y]`);
      return;
    }
    action.hasCoordinate = true;
    [action.x, action.y] = readPoint(input, 'coordinate', name);
  };
  switch (name) {
    case 'key':
    case 'type':
      action.text = readText(input, name, true);
      break;
    case 'mouse_move':
      readCoordinate(true);
      break;
    case 'left_click':
    case 'right_click':
    case 'middle_click':
    case 'double_click':
    case 'triple_click':
    case 'left_mouse_down':
    case 'left_mouse_up':
      readCoordinate(false);
      action.text = readText(input, name, false); // modifier keys held while clicking
      break;
    case 'left_click_drag':
      if (!present(input, 'start_coordinate'))
        throw new ActionError(`${name} needs "start_coordinate": [x, y] and "coordinate": [x, y]`);
      action.hasStart = true;
      [action.startX, action.startY] = readPoint(input, 'start_coordinate', name);
      readCoordinate(true);
      break;
    case 'scroll': {
      readCoordinate(false);
      const direction = input.scroll_direction;
      if (typeof direction !== 'string')
        throw new ActionError('scroll needs "scroll_direction": up, down, left or right');
      if (!['up', 'down', 'left', 'right'].includes(direction))
        throw new ActionError(`scroll_direction must be up, down, left or right, not "${direction}"`);
      action.scrollDirection = direction;
      action.scrollAmount = 3;
      if (present(input, 'scroll_amount')) {
        const amount = input.scroll_amount;
        if (!Number.isInteger(amount) || amount < 0 || amount > 100)
          throw new ActionError('scroll_amount must be a whole number from 0 to 100');
        action.scrollAmount = amount;
      }
      action.text = readText(input, name, false);
      break;
    }
    case 'hold_key':
      action.text = readText(input, name, true);
      action.durationS = readDuration(input, name);
      break;
    case 'wait':
      action.durationS = readDuration(input, name);
      break;
    default: // screenshot, cursor_position
      break;
  }
  return action;
}

// C++'s std::to_string(double): printf's %f.
function cppToString(value) {
  return value.toFixed(6);
}

// A short description, e.g. "left_click (640, 400)"; the words of ours for progress and results.
function describeAction(action) {
  let out = action.kind;
  if (action.hasStart)
    out += ` (${action.startX}, ${action.startY}) ->`;
  if (action.hasCoordinate)
    out += ` (${action.x}, ${action.y})`;
  if (action.kind === 'key' || action.kind === 'hold_key')
    out += ` ${action.text}`;
  else if (action.kind === 'type')
    out += ` ${Buffer.byteLength(action.text, 'utf8')} characters`;
  else if (action.kind === 'scroll')
    out += ` ${action.scrollDirection} ${action.scrollAmount}`;
  else if (action.kind === 'wait')
    out += ` ${cppToString(action.durationS).slice(0, 4)} s`;
  return out;
}

// Does `action` on the computer (actors/computer_actor.cpp): coordinates must lie inside the
// screenshot and are mapped from its image space to the screen; the cursor is mapped back.
function performAction(computer, action) {
  const screen = { width: computer.width, height: computer.height };
  const toScreen = (what, x, y) => {
    if (x >= image.width || y >= image.height)
      throw new ActionError(`${what} (${x}, ${y}) is outside the screenshot, which is ` +
                            `${image.width}x${image.height}`);
    return [mapAxis(x, image.width, screen.width), mapAxis(y, image.height, screen.height)];
  };
  const onScreen = { ...action };
  if (action.hasCoordinate)
    [onScreen.x, onScreen.y] = toScreen('coordinate', action.x, action.y);
  if (action.hasStart)
    [onScreen.startX, onScreen.startY] = toScreen('start_coordinate', action.startX, action.startY);
  const cursor = computer.perform(onScreen);
  const x = mapAxis(cursor.x, screen.width, image.width);
  const y = mapAxis(cursor.y, screen.height, image.height);
  return action.kind === 'cursor_position' ? `X=${x}, Y=${y}` : '';
}

// ---------------------------------------------------------------------------------------------
// The MCP server and its tools (tools/*.cpp: same names, titles, descriptions, schemas, annotations)

function errorResult(text) {
  return { content: [{ type: 'text', text }], isError: true };
}

const sessionIdProperty = z.string().min(1).max(256).describe(
  'The session to use; each session has its own computer. Omit it to use this connection\'s ' +
  'default session. A new id starts a new session.');

const formatProperty = z.enum(['png', 'jpeg']).default('png').describe(
  'Image format of the screenshot. PNG is exact; JPEG is smaller on busy screens. A PNG over 1 MB ' +
  'comes as JPEG.');

const integer = z.number().int();
const sessionSchema = z.object({
  state: z.enum(['starting', 'ready', 'failed', 'closing', 'unresponsive']),
  created_at: z.string(),
  last_activity: z.string(),
  idle_seconds: z.number().optional(),
  active_tasks: integer,
  is_shutting_down: z.boolean().optional(),
  computer: z.string(),
  backend: z.string().optional(),
  ephemeral: z.boolean().optional(),
  is_default: z.boolean().optional(),
});
const statsSchema = z.object({
  total_sessions: integer,
  max_concurrent: integer,
  sessions: z.record(z.string(), sessionSchema),
  limits: z.object({ max_sessions: integer, idle_timeout_s: integer, pool_size: integer, pool_warm: integer }),
  totals: z.object({ sessions_created: integer, sessions_reaped: integer, sessions_refused: integer }),
  pool: z.object({
    size: integer, in_use: integer, idle: integer, starting: integer, waiting: integer,
    created: integer, destroyed: integer, failed: integer, timed_out: integer,
  }),
});

const server = new McpServer({ name: 'cua-mcp-reference-server', version: VERSION });

server.registerTool(
  'screenshot_cua',
  {
    title: 'Take a screenshot',
    description:
      'Takes a screenshot of the session\'s computer and returns it as an image (PNG unless asked ' +
      'for JPEG, or when a PNG would exceed 1 MB), scaled down to fit what models accept; ' +
      'coordinates you give other tools refer to this image.',
    inputSchema: z.strictObject({ session_id: sessionIdProperty.optional(), format: formatProperty }),
    annotations: { title: 'Take a screenshot', readOnlyHint: true, destructiveHint: false,
                   idempotentHint: true, openWorldHint: false },
  },
  async ({ session_id: id = defaultSessionId, format }) => {
    let session;
    try {
      session = openSession(id);
    } catch (err) {
      if (err instanceof ToolError)
        return errorResult(err.message);
      throw err;
    }
    touch(session);
    // The sim screen always fits in a PNG below 1 MB, so the JPEG fallback never happens in ours.
    if (format !== 'png')
      return errorResult(`Screenshot failed: the reference server encodes PNG only, not ${format}`);
    const png = screenshotPng(session.computer);
    return { content: [{ type: 'image', data: png.toString('base64'), mimeType: 'image/png' }] };
  });

server.registerTool(
  'get_session_stats',
  {
    title: 'Show sessions and the computer pool',
    description:
      'Lists every session (state, creation time, last activity, running tasks, its computer), the ' +
      'limits, lifetime totals and the computer pool\'s figures. Never waits on a busy session.',
    inputSchema: z.strictObject({}),
    outputSchema: statsSchema,
    annotations: { title: 'Show sessions and the computer pool', readOnlyHint: true,
                   destructiveHint: false, idempotentHint: true, openWorldHint: false },
  },
  async () => {
    const report = statsReport();
    return { content: [{ type: 'text', text: JSON.stringify(report) }], structuredContent: report };
  });

server.registerTool(
  'cleanup_session',
  {
    title: 'End a session',
    description:
      'Ends a session: cancels its running tasks, gives its computer back to the pool (reset before ' +
      'anyone else uses it) and forgets the session. Replies once all of that is done.',
    inputSchema: z.strictObject({
      session_id: z.string().min(1).max(256).describe('The session to end (see get_session_stats).'),
    }),
    annotations: { title: 'End a session', readOnlyHint: false, destructiveHint: true,
                   idempotentHint: false, openWorldHint: false },
  },
  async ({ session_id: id }) => {
    if (!sessions.has(id))
      return errorResult(`Cannot clean up session "${id}": there is no session "${id}"`);
    closeSession(id, 'requested');
    return {
      content: [{ type: 'text', text: `Session ${id} cleaned up: cancelled 0 running task(s), ` +
                                      'returned its computer to the pool.' }],
    };
  });

const pointProperty = (description) => z.array(z.number().int().min(0)).min(2).max(2)
  .describe(description);

// Reports progress to the client if it asked for progress (a progressToken), as ours does: numbered
// messages, and while a call waits, "still working (N s)" once no message went out for
// --progress-interval seconds.
function progressReporter(extra) {
  const token = extra._meta?.progressToken;
  const started = performance.now();
  let count = 0;
  let last = started;
  const report = (message) => {
    if (token === undefined)
      return;
    last = performance.now();
    extra.sendNotification({
      method: 'notifications/progress',
      params: { progressToken: token, progress: ++count, message },
    }).catch((err) => log('debug', `progress not sent: ${err.message}`));
  };
  const heartbeat = () => {
    const now = performance.now();
    if (now - last >= config.progressIntervalS * 1000)
      report(`still working (${Math.trunc((now - started) / 1000)} s)`);
  };
  return { report, heartbeat, enabled: token !== undefined };
}

// Resolves after `seconds`, or at once when the client cancels the call; sends heartbeats meanwhile.
function waitFor(seconds, extra, progress) {
  return new Promise((resolve) => {
    const timers = [];
    const done = () => {
      for (const t of timers)
        clearTimeout(t);
      extra.signal.removeEventListener('abort', done);
      resolve();
    };
    timers.push(setTimeout(done, seconds * 1000));
    if (progress.enabled)
      timers.push(setInterval(progress.heartbeat, config.progressIntervalS * 1000));
    extra.signal.addEventListener('abort', done);
  });
}

server.registerTool(
  'computer',
  {
    title: 'Use the computer directly',
    description:
      'Does one action on the session\'s computer, in the vocabulary of Anthropic\'s computer tool, ' +
      'and returns a fresh screenshot (unless screenshot is false). Coordinates are in the ' +
      'screenshot\'s image space. Keys are X names or chords: "Return", "ctrl+shift+t", ' +
      '"Page_Down", "super". Typed text may hold any Unicode characters.',
    inputSchema: z.strictObject({
      action: z.enum(['screenshot', 'left_click', 'right_click', 'middle_click', 'double_click',
                      'triple_click', 'mouse_move', 'left_click_drag', 'left_mouse_down',
                      'left_mouse_up', 'scroll', 'key', 'type', 'hold_key', 'wait',
                      'cursor_position']).describe('What to do.'),
      coordinate: pointProperty('[x, y] in the screenshot: where to click, move, scroll, or where a ' +
                                'drag ends.').optional(),
      start_coordinate: pointProperty('[x, y] where left_click_drag starts.').optional(),
      text: z.string().describe('key / hold_key: the key or chord; type: the text; clicks and ' +
                                'scroll: modifier keys to hold, e.g. "shift".').optional(),
      scroll_direction: z.enum(['up', 'down', 'left', 'right']).optional(),
      scroll_amount: z.number().int().min(0).max(100).optional(),
      duration: z.number().min(0).max(100).describe('Seconds, for wait and hold_key.').optional(),
      screenshot: z.boolean().default(true).describe('Return a screenshot after the action.'),
      format: formatProperty,
      session_id: sessionIdProperty.optional(),
    }),
    annotations: { title: 'Use the computer directly', readOnlyHint: false, destructiveHint: true,
                   idempotentHint: false, openWorldHint: true },
  },
  async ({ session_id: id = defaultSessionId, screenshot: withScreen, format, ...input }, extra) => {
    let action;
    let session;
    try {
      action = parseAction(input);
      session = openSession(id);
    } catch (err) {
      if (err instanceof ActionError || err instanceof ToolError)
        return errorResult(err.message);
      throw err;
    }
    touch(session);
    const what = describeAction(action);
    const progress = progressReporter(extra);

    // After the action: a fresh screenshot, unless the caller said screenshot: false.
    const finish = (text) => {
      if (!withScreen)
        return { content: [{ type: 'text', text }] };
      if (sessions.get(id) !== session) // cleaned up or reaped meanwhile (a wait)
        return errorResult(`${text}, but the screenshot failed: the actor serving the request has ` +
                           'stopped');
      touch(session);
      if (format !== 'png')
        return errorResult(`${text}, but the screenshot failed: the reference server encodes PNG ` +
                           `only, not ${format}`);
      const png = screenshotPng(session.computer);
      return { content: [{ type: 'text', text },
                         { type: 'image', data: png.toString('base64'), mimeType: 'image/png' }] };
    };

    if (action.kind === 'screenshot')
      return finish('screenshot');
    if (action.kind === 'wait') {
      progress.report(`waiting ${cppToString(action.durationS)} s`);
      await waitFor(action.durationS, extra, progress);
      return finish(`${what} done`);
    }
    let text;
    try {
      text = performAction(session.computer, action);
    } catch (err) {
      if (err instanceof ActionError)
        return errorResult(`${what} failed: ${err.message}`);
      throw err;
    }
    text ||= `${what} done`;
    if (action.kind === 'cursor_position')
      return { content: [{ type: 'text', text }] };
    return finish(text);
  });

for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    log('info', `${signal}: shutting down`);
    process.exit(0);
  });

await server.connect(new StdioServerTransport());
log('info', `cua-mcp-reference-server ${VERSION} ready: sim computers of ` +
            `${config.screen.width}x${config.screen.height}, at most ${config.maxSessions} sessions`);
