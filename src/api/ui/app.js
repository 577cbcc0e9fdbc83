// The status page: members (polled from this member's GET /ui/members), locks and leases
// (GET /v1/locks, GET /v1/leases, refreshed at once when a `_raftlock/locks/` key changes on the
// watch socket, and every second), and a live stream of the events under a prefix the user types
// (a watch on the same socket, resumed from the last revision seen after a reconnect).
//
// An access token, when one is typed in, lives in this module's memory only: it goes out in an
// Authorization header, never in a URL, and is not stored.

import { prependEvents, renderLeader, renderLeases, renderLocks, renderMembers } from './view.js';

const POLL_MS = 1000;
const KEEP_EVENTS = 200;
const LOCKS_PREFIX = '_raftlock/locks/';
const LOCKS_WATCH = 1;

const $ = (id) => document.getElementById(id);
let token = '';

/** A path of this member's API, relative to the page so a proxy may mount it under a prefix. */
function apiUrl(path) {
  return new URL(path, document.baseURI);
}

async function getJson(path) {
  const headers = { accept: 'application/json' };
  if (token !== '') headers.authorization = `Bearer ${token}`;
  const res = await fetch(apiUrl(path), { headers, cache: 'no-store', credentials: 'omit' });
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) throw new Error(body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  return body;
}

const problems = new Map();
function problem(what, err) {
  if (err) problems.set(what, `${what}: ${err.message ?? err}`);
  else problems.delete(what);
  const el = $('problem');
  el.hidden = problems.size === 0;
  el.textContent = [...problems.values()].join(' · ');
}

/** A refresh that runs at most once at a time; a request while one runs queues one more. */
function coalesced(fn) {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await fn();
      } while (again);
    } finally {
      running = false;
    }
  };
  return run;
}

const refreshMembers = coalesced(async () => {
  try {
    const view = await getJson('ui/members');
    $('served-by').textContent = `served by ${view.self}`;
    renderMembers($('members').tBodies[0], view);
    renderLeader($('leader'), view);
    problem('members');
  } catch (err) {
    problem('members', err);
  }
});

const refreshLocks = coalesced(async () => {
  try {
    const [{ locks }, { leases }] = await Promise.all([getJson('v1/locks'), getJson('v1/leases')]);
    renderLocks($('locks').tBodies[0], $('locks-count'), locks);
    renderLeases($('leases').tBodies[0], $('leases-count'), leases, locks);
    problem('locks');
  } catch (err) {
    problem('locks', err);
  }
});

// ------------------------------------------------------------------------- the watch socket

let ws;
let backoffMs = 200;
/** The events watch: its id on the current socket, its prefix, the last revision shown. */
const events = { id: 0, nextId: 2, prefix: null, lastRevision: 0, fromNow: true };

function send(msg) {
  if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

function setSocket(state, text) {
  $('socket').dataset.state = state;
  $('socket').textContent = `live: ${text}`;
}

function createEventsWatch() {
  if (events.prefix === null) return;
  events.id = events.nextId++;
  const msg = { type: 'create', key: events.prefix, prefix: true, watchId: events.id };
  events.fromNow = events.lastRevision === 0;
  if (!events.fromNow) msg.startRevision = events.lastRevision + 1;
  send(msg);
}

function connect() {
  const url = apiUrl('v1/watch');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const sock = new WebSocket(url);
  ws = sock;
  setSocket('connecting', 'connecting');
  sock.onopen = () => {
    backoffMs = 200;
    setSocket('live', 'connected');
    send({ type: 'create', key: LOCKS_PREFIX, prefix: true, watchId: LOCKS_WATCH });
    createEventsWatch();
    refreshLocks();
  };
  sock.onmessage = (m) => {
    let msg;
    try {
      msg = JSON.parse(m.data);
    } catch {
      return;
    }
    if (msg.type === 'events' && msg.watchId === LOCKS_WATCH) refreshLocks();
    else if (msg.type === 'canceled' && msg.watchId === LOCKS_WATCH) {
      send({ type: 'create', key: LOCKS_PREFIX, prefix: true, watchId: LOCKS_WATCH });
      refreshLocks();
    } else if (msg.type === 'events' && msg.watchId === events.id) {
      events.lastRevision = msg.revision;
      prependEvents($('events'), msg.revision, msg.events, KEEP_EVENTS);
    } else if (msg.type === 'created' && msg.watchId === events.id) {
      // A watch from now has seen everything up to its creation revision: a reconnect resumes
      // after it even if no event came yet.
      if (events.fromNow) events.lastRevision = Math.max(events.lastRevision, msg.revision);
      $('watching').textContent = `watching "${events.prefix}" from revision ${msg.revision}`;
    } else if (msg.type === 'progress' && events.id !== 0) {
      events.lastRevision = Math.max(events.lastRevision, msg.revision);
    } else if (msg.type === 'canceled' && msg.watchId === events.id) {
      // A slow reader is told where to resume; compacted history cannot be shown, so the watch
      // goes on from now. Either way it is created again at once.
      const resume = /resume from revision (\d+)/.exec(msg.reason ?? '');
      if (resume) events.lastRevision = Number(resume[1]) - 1;
      else if (msg.compactRevision !== undefined) events.lastRevision = 0;
      else if (msg.reason === 'canceled by client') return;
      $('watching').textContent = `watch restarted (${msg.reason})`;
      createEventsWatch();
    } else if (msg.type === 'error') {
      problem('watch', new Error(`${msg.code}: ${msg.message}`));
    }
  };
  sock.onclose = () => {
    if (ws !== sock) return;
    setSocket('closed', `disconnected, retrying`);
    setTimeout(connect, backoffMs);
    backoffMs = Math.min(backoffMs * 2, 2000);
  };
}

function watchPrefix() {
  if (events.id !== 0) send({ type: 'cancel', watchId: events.id });
  events.prefix = $('prefix').value;
  events.lastRevision = 0;
  events.id = 0;
  problem('watch');
  createEventsWatch();
}

function start() {
  $('watch').addEventListener('click', watchPrefix);
  $('prefix').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') watchPrefix();
  });
  $('clear').addEventListener('click', () => $('events').replaceChildren());
  $('token').addEventListener('change', () => {
    token = $('token').value;
    refreshMembers();
    refreshLocks();
  });
  connect();
  const tick = () => {
    refreshMembers();
    refreshLocks();
  };
  tick();
  setInterval(tick, POLL_MS);
}

start();
