// The live view: lists the server's sessions from its event stream, shows each session's screen
// by asking for its frames one at a time, and lets an operator pause a session and then use its
// computer with the mouse and keyboard (take over). The server holds the rights: the page only
// shows what it is sent, and its token lives in an HttpOnly cookie the page never sees.
'use strict';

const $ = (selector, root = document) => root.querySelector(selector);
const cards = new Map(); // session key -> card (its element, frame loop and input state)
let readOnly = false;
let events = null;

// Browsers open at most 6 HTTP/1.1 connections to a server: the event stream takes one and one
// stays free for buttons and input, so at most 4 frame requests are held open at once. With more
// sessions, a request held 2 s gives way to a waiting one (round robin).
const frameSlots = { free: 4, waiting: [] };
async function takeFrameSlot() {
  if (frameSlots.free > 0) frameSlots.free--;
  else await new Promise((r) => frameSlots.waiting.push(r));
}
function giveFrameSlot() {
  const next = frameSlots.waiting.shift();
  if (next) next(); else frameSlots.free++;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function showError(message) {
  const box = $('#error');
  box.textContent = message;
  box.hidden = !message;
}

function setConnection(state) {
  const badge = $('#connection');
  badge.textContent = state;
  badge.dataset.state = state;
}

// A JSON request; a refusal becomes an Error carrying the server's own message.
async function api(method, path, body) {
  const response = await fetch(path, {
    method, cache: 'no-store',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== '/view/login') needLogin();
  if (!response.ok) throw new Error(answer.error || `${method} ${path}: HTTP ${response.status}`);
  return answer;
}

async function start() {
  let response, status;
  try {
    response = await fetch('/view/api/status', { cache: 'no-store' });
    status = await response.json();
  } catch (err) {
    setConnection('offline');
    setTimeout(start, 2000);
    return;
  }
  if (response.status === 401) return needLogin();
  if (!response.ok) return showError(status.error || `status: HTTP ${response.status}`);
  $('#login-form').hidden = true;
  $('#logout').hidden = !status.token_required;
  setReadOnly(status.read_only);
  listen();
}

function listen() {
  events?.close();
  events = new EventSource('/view/api/events');
  events.addEventListener('open', () => setConnection('live'));
  events.addEventListener('message', (event) => {
    try { render(JSON.parse(event.data)); } catch (err) { showError(`Bad update: ${err.message}`); }
  });
  events.addEventListener('error', () => {
    setConnection('reconnecting');
    // EventSource retries a dropped stream by itself, but not a refused one (401): ask why.
    if (events?.readyState === EventSource.CLOSED) {
      events = null;
      setTimeout(start, 1000);
    }
  });
}

function needLogin() {
  events?.close();
  events = null;
  for (const key of [...cards.keys()]) removeCard(key);
  renderFigures(null);
  $('#empty').hidden = true;
  setConnection('locked');
  const form = $('#login-form');
  if (form.hidden) {
    form.hidden = false;
    $('#token').focus();
  }
}

$('#login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = $('#token');
  const token = input.value;
  input.value = ''; // not kept anywhere: the server answers with its cookie
  try {
    await api('POST', '/view/login', { token });
    showError('');
    start();
  } catch (err) {
    showError(err.message);
    input.focus();
  }
});

$('#logout').addEventListener('click', async () => {
  try { await api('POST', '/view/logout', {}); } catch (err) { showError(err.message); }
  needLogin();
});

$('#error').addEventListener('click', () => showError(''));

function setReadOnly(flag) {
  readOnly = Boolean(flag);
  $('#read-only').hidden = !readOnly;
  document.body.classList.toggle('read-only', readOnly);
  if (readOnly) for (const card of cards.values()) $('.buttons', card.el)?.remove();
}

function render(state) {
  setReadOnly(state.read_only);
  renderFigures(state);
  const listed = new Set();
  for (const session of state.sessions ?? []) {
    listed.add(session.key);
    updateCard(cards.get(session.key) ?? addCard(session.key), session);
  }
  for (const key of [...cards.keys()]) if (!listed.has(key)) removeCard(key);
  $('#empty').hidden = cards.size > 0;
}

function renderFigures(state) {
  const figures = $('#figures');
  figures.replaceChildren();
  if (!state) return;
  const add = (name, value) => {
    const term = document.createElement('dt');
    const figure = document.createElement('dd');
    term.textContent = name;
    figure.textContent = value;
    figures.append(term, figure);
  };
  add('sessions', `${state.server_sessions ?? state.sessions?.length ?? 0} / ${state.max_sessions ?? '?'}`);
  for (const [name, value] of Object.entries(state.pool ?? {}))
    if (typeof value === 'number') add(`pool ${name.replaceAll('_', ' ')}`, value);
}

function addCard(key) {
  const el = $('#session-template').content.firstElementChild.cloneNode(true);
  const card = {
    key, el, img: $('img.screen', el), alive: true, paused: false, after: 0, url: null,
    request: null, queue: Promise.resolve(), typed: '', scroll: null, pendingTimer: 0,
    clickTimer: 0, idle: null, imageWidth: 0, imageHeight: 0,
  };
  el.dataset.key = key;
  if (readOnly) $('.buttons', el).remove();
  for (const button of el.querySelectorAll('button[data-action]'))
    button.addEventListener('click', () => command(card, button.dataset.action));
  $('.enlarge', el).addEventListener('click', () => enlarge(card));
  listenToInput(card);
  cards.set(key, card);
  $('#sessions').append(el);
  watchFrames(card);
  return card;
}

function updateCard(card, session) {
  const el = card.el;
  const set = (selector, text) => { $(selector, el).textContent = text ?? ''; };
  const line = (selector, text) => { set(selector, text); $(selector, el).hidden = !text; };
  el.dataset.sessionId = session.id;
  el.dataset.status = session.status;
  set('.id', session.id);
  set('.status', session.status);
  set('.client', session.client);
  set('.computer', session.computer || '—');
  set('.backend', session.backend);
  line('.task', session.task);
  line('.progress', session.progress);
  line('.model-text', session.model_text);
  card.idle = { seconds: session.idle_s ?? 0, at: Date.now(), ticking: !session.active_tasks };
  showIdle(card);
  if (!card.url && session.image_width && session.image_height) {
    // Keeps the card's shape before its first frame arrives.
    card.img.width = session.image_width;
    card.img.height = session.image_height;
  }
  applyPaused(card, session.paused);
}

function applyPaused(card, paused) {
  card.paused = Boolean(paused);
  card.el.dataset.paused = String(card.paused);
  $('.paused', card.el).hidden = !card.paused;
  const pause = $('button[data-action="pause"]', card.el);
  const resume = $('button[data-action="resume"]', card.el);
  if (pause) pause.hidden = card.paused;
  if (resume) resume.hidden = !card.paused;
  card.el.classList.toggle('takeover', takingOver(card));
  if (!takingOver(card)) dropInput(card);
}

const takingOver = (card) => card.alive && card.paused && !readOnly;

function showIdle(card) {
  const { seconds, at, ticking } = card.idle;
  const s = Math.floor(seconds + (ticking ? (Date.now() - at) / 1000 : 0));
  $('.idle', card.el).textContent = s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min`
                                   : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
setInterval(() => { for (const card of cards.values()) showIdle(card); }, 1000);

function removeCard(key) {
  const card = cards.get(key);
  if (!card) return;
  cards.delete(key);
  card.alive = false;
  card.request?.abort();
  dropInput(card);
  if (card.url) URL.revokeObjectURL(card.url);
  card.el.remove();
}

function enlarge(card) {
  const on = !card.el.classList.contains('enlarged');
  for (const other of cards.values()) {
    other.el.classList.toggle('enlarged', other === card && on);
    $('.enlarge', other.el).textContent = other === card && on ? 'Shrink' : 'Enlarge';
  }
  if (on) card.el.scrollIntoView({ block: 'start', behavior: 'smooth' });
}

const sessionPath = (card) => `/view/api/sessions/${encodeURIComponent(card.key)}`;

// One held-open frame request at a time per session: the server answers when it has a newer
// frame (200) or after a while with nothing new (204). Frames are made only while asked for, so
// the loop stops when its card goes and waits while the page is hidden.
async function watchFrames(card) {
  while (card.alive) {
    if (document.hidden) {
      await new Promise((r) => document.addEventListener('visibilitychange', r, { once: true }));
      continue;
    }
    await takeFrameSlot();
    let response = null;
    let aborted = false;
    const request = new AbortController();
    const giveWay = setInterval(() => { if (frameSlots.waiting.length) request.abort(); }, 2000);
    try {
      if (!card.alive) break;
      card.request = request;
      response = await fetch(`${sessionPath(card)}/frame?after=${card.after}`,
                             { signal: request.signal, cache: 'no-store' });
      if (response.status === 200) showFrame(card, response, await response.blob());
    } catch (err) {
      // Aborted: the card went, the page hid, or another session's turn. Else a network error.
      aborted = err.name === 'AbortError';
      response = null;
    } finally {
      clearInterval(giveWay);
      card.request = null;
      giveFrameSlot();
    }
    if (!card.alive) return;
    if (response?.status === 404) return; // the session is gone; the event stream removes it
    if (response?.status === 401) return needLogin();
    if (!aborted && response?.status !== 200 && response?.status !== 204) await sleep(1000);
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) for (const card of cards.values()) card.request?.abort();
});

function showFrame(card, response, blob) {
  if (!card.alive) return;
  const seq = Number(response.headers.get('X-Frame'));
  const width = Number(response.headers.get('X-Image-Width'));
  const height = Number(response.headers.get('X-Image-Height'));
  card.after = Number.isFinite(seq) && seq > card.after ? seq : card.after + 1;
  if (width > 0 && height > 0) {
    card.imageWidth = width;
    card.imageHeight = height;
    card.img.width = width;
    card.img.height = height;
  }
  const old = card.url;
  card.url = URL.createObjectURL(blob);
  card.img.src = card.url;
  card.img.dataset.frame = String(card.after);
  if (old) URL.revokeObjectURL(old);
}

async function command(card, action) {
  const button = $(`button[data-action="${action}"]`, card.el);
  button.disabled = true;
  try {
    const answer = await api('POST', `${sessionPath(card)}/${action}`, {});
    showError('');
    if ('paused' in answer) applyPaused(card, answer.paused);
    const outcome = 'cancelled' in answer ? `: ${answer.cancelled} task(s) ended`
                  : 'cancelled_tasks' in answer ? `: ${answer.cancelled_tasks} task(s) ended` : '';
    log(card, action, `${action}${outcome}`, true);
  } catch (err) {
    log(card, action, `${action}: ${err.message}`, false);
    showError(err.message);
  } finally {
    button.disabled = false;
  }
}

// The last few things sent to the session, newest first.
function log(card, action, text, ok) {
  const list = $('.log', card.el);
  const item = document.createElement('li');
  item.dataset.action = action;
  item.className = ok ? 'ok' : 'failed';
  item.textContent = text;
  list.prepend(item);
  while (list.children.length > 6) list.lastElementChild.remove();
}

function describe(action) {
  const at = (point) => `(${point[0]}, ${point[1]})`;
  switch (action.action) {
    case 'type': return `type ${JSON.stringify(action.text)}`;
    case 'key': return `key ${action.text}`;
    case 'left_click_drag': return `drag ${at(action.start_coordinate)} → ${at(action.coordinate)}`;
    case 'scroll': return `scroll ${action.scroll_direction} ${action.scroll_amount} at ${at(action.coordinate)}`;
    default: return `${action.action} ${at(action.coordinate)}`;
  }
}

// Actions go out one at a time, in order, each after the one before has been answered.
function enqueue(card, action) {
  card.queue = card.queue.then(async () => {
    if (!takingOver(card)) return;
    try {
      await api('POST', `${sessionPath(card)}/act`, action);
      log(card, action.action, describe(action), true);
    } catch (err) {
      log(card, action.action, `${describe(action)}: ${err.message}`, false);
      showError(err.message);
    }
  });
}

// Typed characters and wheel turns are gathered into one action, sent after a short quiet or
// before any other action.
function flushPending(card) {
  clearTimeout(card.pendingTimer);
  if (card.typed) enqueue(card, { action: 'type', text: card.typed });
  if (card.scroll) {
    const { delta, ...scroll } = card.scroll;
    enqueue(card, { ...scroll, scroll_amount: Math.min(100, Math.max(1, Math.round(delta / 100))) });
  }
  card.typed = '';
  card.scroll = null;
}

function flushLater(card, ms) {
  clearTimeout(card.pendingTimer);
  card.pendingTimer = setTimeout(() => flushPending(card), ms);
}

function send(card, action) {
  flushPending(card);
  enqueue(card, action);
}

function dropInput(card) {
  clearTimeout(card.pendingTimer);
  clearTimeout(card.clickTimer);
  card.typed = '';
  card.scroll = null;
}

// A point on the shown (scaled) screen in the image space of the frame.
function imagePoint(card, event) {
  const rect = card.img.getBoundingClientRect();
  const width = card.imageWidth || card.img.naturalWidth;
  const height = card.imageHeight || card.img.naturalHeight;
  const clamp = (v, size) => Math.min(size - 1, Math.max(0, Math.round(v)));
  return [clamp((event.clientX - rect.left) * width / rect.width, width),
          clamp((event.clientY - rect.top) * height / rect.height, height)];
}

// X names of the keys whose browser names differ (xdotool style, as the server parses them).
const KEY_NAMES = {
  Enter: 'Return', Backspace: 'BackSpace', Tab: 'Tab', Escape: 'Escape', Delete: 'Delete',
  Insert: 'Insert', Home: 'Home', End: 'End', PageUp: 'Page_Up', PageDown: 'Page_Down',
  ArrowLeft: 'Left', ArrowRight: 'Right', ArrowUp: 'Up', ArrowDown: 'Down', ' ': 'space',
  CapsLock: 'Caps_Lock', ContextMenu: 'Menu', PrintScreen: 'Print',
};
const MODIFIERS = new Set(['Control', 'Shift', 'Alt', 'AltGraph', 'Meta', 'OS', 'Super', 'Hyper']);
const single = (text) => [...text].length === 1;

function keyName(event, chord) {
  if (KEY_NAMES[event.key]) return KEY_NAMES[event.key];
  if (/^F\d{1,2}$/.test(event.key)) return event.key;
  if (!chord) return null;
  // In a chord the key itself is wanted (ctrl+shift+t), not what shift or alt make of it; the
  // layout's letter first, so that ctrl+a is ctrl+a on AZERTY too.
  if (/^[a-z]$/i.test(event.key)) return event.key.toLowerCase();
  if (/^Key[A-Z]$/.test(event.code)) return event.code.slice(3).toLowerCase();
  if (/^Digit\d$/.test(event.code)) return event.code.slice(5);
  return single(event.key) ? event.key : null;
}

function listenToInput(card) {
  const img = card.img;
  const ready = () => takingOver(card) && (card.imageWidth || img.naturalWidth) > 0;

  img.addEventListener('mousedown', (down) => {
    if (!ready() || down.button !== 0) return;
    down.preventDefault(); // no native image drag; focus by hand instead
    img.focus();
    const start = imagePoint(card, down);
    window.addEventListener('mouseup', (up) => {
      if (!ready()) return;
      if (Math.hypot(up.clientX - down.clientX, up.clientY - down.clientY) > 5) {
        send(card, { action: 'left_click_drag', start_coordinate: start, coordinate: imagePoint(card, up) });
        return;
      }
      if (up.detail >= 2) return; // the second click of a double click: dblclick sends it
      // A first click waits a little, so that a double click is not also two single clicks.
      clearTimeout(card.clickTimer);
      card.clickTimer = setTimeout(() => send(card, { action: 'left_click', coordinate: start }), 250);
    }, { once: true });
  });

  img.addEventListener('dblclick', (event) => {
    if (!ready()) return;
    clearTimeout(card.clickTimer);
    send(card, { action: 'double_click', coordinate: imagePoint(card, event) });
  });

  img.addEventListener('contextmenu', (event) => {
    if (!ready()) return;
    event.preventDefault();
    send(card, { action: 'right_click', coordinate: imagePoint(card, event) });
  });

  img.addEventListener('wheel', (event) => {
    if (!ready()) return;
    event.preventDefault();
    const unit = event.deltaMode === 1 ? 40 : event.deltaMode === 2 ? 800 : 1; // lines, pages
    const vertical = Math.abs(event.deltaY) >= Math.abs(event.deltaX);
    const delta = (vertical ? event.deltaY : event.deltaX) * unit;
    if (!delta) return;
    const direction = vertical ? (delta > 0 ? 'down' : 'up') : (delta > 0 ? 'right' : 'left');
    if (card.typed || (card.scroll && card.scroll.scroll_direction !== direction)) flushPending(card);
    card.scroll ??= { action: 'scroll', coordinate: imagePoint(card, event), scroll_direction: direction, delta: 0 };
    card.scroll.delta += Math.abs(delta);
    flushLater(card, 150);
  }, { passive: false });

  img.addEventListener('keydown', (event) => {
    if (!ready() || MODIFIERS.has(event.key) || event.isComposing) return;
    const chord = event.ctrlKey || event.altKey || event.metaKey;
    if (!chord && single(event.key)) {
      event.preventDefault();
      if (card.scroll) flushPending(card);
      card.typed += event.key;
      if (card.typed.length >= 200) flushPending(card); else flushLater(card, 150);
      return;
    }
    const name = keyName(event, chord);
    if (!name) return;
    event.preventDefault();
    const modifiers = [event.ctrlKey && 'ctrl', event.altKey && 'alt', event.shiftKey && 'shift',
                       event.metaKey && 'super'].filter(Boolean);
    send(card, { action: 'key', text: [...modifiers, name].join('+') });
  });
}

start();
