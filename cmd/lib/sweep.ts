// The bad-input sweep (`npm run sweep`, cmd/sweep.ts): malformed HTTP requests over raw TCP and
// malformed WebSocket messages, across every route, against running members. Every request gets
// an answer, no answer is a 5xx, no connection is reset before its answer, and every error is the
// documented shape — `{"error": {"code", "message"}}` with a code of docs/api.md's table and the
// table's status. The cases are drawn from a seeded generator, so a run can be repeated exactly.

import net from 'node:net';
import { WebSocket } from 'ws';
import { SplitMix32 } from '../../src/raft/index.js';

export interface SweepOptions {
  /** Client URLs of the members (http://host:port); requests are spread over them. */
  endpoints: readonly string[];
  /** Malformed HTTP requests to send. */
  requests: number;
  /** Malformed WebSocket messages to send (over a few sockets per member). */
  wsMessages: number;
  /** code -> HTTP status, from docs/api.md (error-table.ts). */
  errorTable: ReadonlyMap<string, number>;
  seed?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Longest wait for one answer before it counts as "no answer" (default 40 s). Keep it above
   *  the members' http.requestTimeoutMs: a few cases announce more body than they send and are
   *  answered 408 only then. */
  answerTimeoutMs?: number;
  /** The members' maxBodyBytes (to build bodies just over it). */
  maxBodyBytes?: number;
}

export interface SweepReport {
  requests: number;
  wsMessages: number;
  /** HTTP answers by status. */
  byStatus: Record<string, number>;
  /** Error answers (and WebSocket error messages) by code. */
  byCode: Record<string, number>;
  serverErrors: number;
  /** 503 NOT_READY from a well-formed GET /readyz: the probe's verdict on the member (it lags or
   *  has no leader), not an answer to bad input; counted apart, not a failure. */
  notReadyProbes: number;
  resetsWithoutAnswer: number;
  noAnswer: number;
  /** Error answers not in the documented shape (not JSON, unknown code, status not the table's). */
  badShape: number;
  /** WebSocket sockets closed by the server, by close code. */
  wsCloses: Record<string, number>;
  /** The first few failures, to reproduce: the case's name and what came back. */
  failures: string[];
}

/** The case generator's randomness: the same seed draws the same cases. */
export function rngOf(seed: number): () => number {
  const r = new SplitMix32(seed);
  return () => r.float();
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

interface HttpCase {
  name: string;
  bytes: Buffer;
  /** HEAD: the answer has no body. */
  head?: boolean;
  /** Half-close our side after writing: a request cut short, which the server can tell is
   *  incomplete. (After a complete request a half-close means the client went away, and the
   *  server may drop the request unanswered; no case does that.) */
  halfClose?: boolean;
}

// ---------------------------------------------------------------------------------------------
// The corpus: route templates, then ways to break each part of a request.

interface Route {
  method: string;
  /** `{k}` is replaced by a path segment. */
  path: string;
  body?: () => unknown;
}

const ROUTES: readonly Route[] = [
  { method: 'PUT', path: '/v1/kv/{k}', body: () => ({ value: 'v' }) },
  { method: 'GET', path: '/v1/kv/{k}' },
  { method: 'DELETE', path: '/v1/kv/{k}' },
  { method: 'GET', path: '/v1/kv' },
  { method: 'POST', path: '/v1/txn', body: () => ({ success: [{ get: { key: 'k' } }] }) },
  { method: 'POST', path: '/v1/compact', body: () => ({ revision: 0 }) },
  { method: 'POST', path: '/v1/leases', body: () => ({ ttl: 0 }) },
  { method: 'GET', path: '/v1/leases' },
  { method: 'GET', path: '/v1/leases/{k}' },
  { method: 'POST', path: '/v1/leases/{k}/keepalive' },
  { method: 'DELETE', path: '/v1/leases/{k}' },
  { method: 'POST', path: '/v1/locks/{k}', body: () => ({ ttl: 5, waitMs: 0, lease: 'x' }) },
  { method: 'DELETE', path: '/v1/locks/{k}' },
  { method: 'GET', path: '/v1/locks/{k}' },
  { method: 'GET', path: '/v1/locks' },
  { method: 'GET', path: '/v1/cluster' },
  { method: 'GET', path: '/livez' },
  { method: 'GET', path: '/readyz' },
  { method: 'GET', path: '/metrics' },
  { method: 'GET', path: '/v1/members' },
  // Membership: only ever with a body no schema accepts, or a member that does not exist.
  { method: 'POST', path: '/v1/members', body: () => ({ name: 'sweep', peerUrl: 'not a url', clientUrl: 'x' }) },
  { method: 'POST', path: '/v1/members/{k}/promote' },
  { method: 'DELETE', path: '/v1/members/{k}' },
  { method: 'GET', path: '/v1/watch' },
];

/** Path segments: bad escapes, bad UTF-8, raw bytes, sizes, dot segments, case. `{n}` varies. */
const SEGMENTS = [
  'sweep%ZZ', 'sweep%', '%C3', '%FF%FE', '%ED%A0%80', '%00', '%2e%2e', '..', '.', '', '/', '//x',
  'a%2Fb', 'sweep-{n}', 'x'.repeat(5000), '%E2%82%AC'.repeat(1500), 'ok{n}?', 'a b', 'a\tb',
  '\u00e9t\u00e9', '\u00ff\u00fe', '%F0%9F%98', 'nosuch-member-{n}', '\u0001', '%25', 'a#frag',
];
/** Query strings, most of them wrong for every route. */
const QUERIES = [
  '?bogus=1', '?consistency=bogus', '?consistency=linearizable&consistency=serializable', '?limit=abc',
  '?limit=-1', '?limit=0', '?limit=99999999999', '?limit=1e3', '?prefix=%C3', '?prefix=true&prefix=false',
  '?prevKv=maybe', '?fencingToken=0', '?fencingToken=x', '?fencingToken=1&lease=a', '?lease=bad%20id',
  '?lease=' + 'l'.repeat(100), '?=', '?&&&', '?%ZZ=1', '?a=%', '?startRevision=5', '?prefix', '?' + 'q'.repeat(3000),
  '?consistency=serializable', '?limit=2',
];
const METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'TRACE', 'HEAD', 'get', 'FROB', 'M-SEARCH', 'LINK'];
const CONTENT_TYPES = ['application/json', 'text/plain', '', 'application/json; charset=latin1', 'application/JSON', 'application/json; charset="utf-8"', 'multipart/form-data; boundary=x', 'application/json;;;'];
/** Bodies for routes that take one: invalid JSON, wrong shapes, wrong types, bad text. */
const BODIES: readonly (string | Buffer)[] = [
  '', '{', '{"value":', '[]', 'null', '42', '"str"', 'true', '{}', '{"value":1}', '{"value":"v","extra":1}',
  '{"value":"\\ud800"}', '{"\\udc00":1}', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]), '\ufeff{"value":"v"}',
  '{"ttl":1.5}', '{"ttl":-1}', '{"ttl":"10"}', '{"ttl":10,"id":"bad id"}', '{"revision":-1}', '{"revision":1e300}',
  '{"success":[{"put":{"key":"","value":"x"}}]}', '{"success":[{"bogus":{}}]}', '{"compare":[{"key":"k","target":"value","op":"=","value":1}]}',
  '{"success":' + '['.repeat(5000) + ']'.repeat(5000) + '}', '{"lease":"x","ttl":5}', '{"waitMs":-1,"ttl":5}',
  '{"name":"","peerUrl":"http://x:1","clientUrl":"http://x:2"}', '{"value":"' + 'v'.repeat(2048) + '","lease":"nosuch"}',
  '{"value":"v","lease":"nosuch-lease"}', '{"a":' + '{"a":'.repeat(3000) + '1' + '}'.repeat(3001), 'x'.repeat(4096),
];
/** Header blocks that break the framing or the header rules. */
const HEADER_BREAKS = [
  'Content-Length: abc\r\n', 'Content-Length: -1\r\n', 'Content-Length: 5\r\nContent-Length: 6\r\n',
  'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n', 'Transfer-Encoding: gzip\r\n', 'Transfer-Encoding: chunked, chunked\r\n',
  'Bad Header: x\r\n', ': empty-name\r\n', 'X-Fold: a\r\n  folded\r\n', 'X-Null: a\u0000b\r\n', 'Expect: 100-continue\r\n',
  'Expect: teapot\r\n', 'Upgrade: h2c\r\nConnection: Upgrade\r\n', 'Connection: Upgrade\r\nUpgrade: websocket\r\n',
  'Host: a\r\n', 'X-Big: ' + 'b'.repeat(20_000) + '\r\n', 'Content-Type: application/json\r\nContent-Encoding: gzip\r\n',
];
/** Whole requests that are not HTTP/1.1 at all. */
const GARBAGE: readonly (string | Buffer)[] = [
  'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'GET /\r\n\r\n', 'GET / HTTP/9.9\r\nHost: x\r\n\r\n', 'GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n',
  'hello\r\n\r\n', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]),
  'GET /livez HTTP/1.1\nHost: x\n\n', 'GET  /livez  HTTP/1.1\r\nHost: x\r\n\r\n', 'CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: x\r\n\r\n',
  'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', 'GET http://evil/v1/kv/a HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /livez HTTP/1.0\r\n\r\n',
  Buffer.concat([Buffer.from('GET /v1/kv/'), Buffer.from([0xc3, 0xa9, 0xff, 0x80]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]),
];

function segment(rng: Rng, n: number): string {
  return pick(rng, SEGMENTS).replace('{n}', String(n));
}

function casePath(rng: Rng, path: string, n: number): string {
  let p = path.replace('{k}', segment(rng, n));
  const r = rng();
  if (r < 0.12) p = p.toUpperCase();
  else if (r < 0.2) p = p.replace(/v1\/([a-z])/, (_m, c: string) => `v1/${c.toUpperCase()}`);
  else if (r < 0.25) p = `${p}/`;
  else if (r < 0.28) p = `/v2${p}`;
  return p;
}

/** Request bytes. Latin1 keeps raw non-ASCII path bytes as single bytes. */
function requestBytes(method: string, path: string, headers: string, body?: string | Buffer, opts: { length?: boolean } = {}): Buffer {
  const b = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const length = b !== undefined && opts.length !== false ? `Content-Length: ${b.length}\r\n` : '';
  return Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: sweep\r\nConnection: close\r\n${headers}${length}\r\n`, 'latin1'), b ?? Buffer.alloc(0)]);
}

/** One malformed request, of a kind chosen by `rng`. */
export function makeCase(rng: Rng, n: number, maxBodyBytes: number): HttpCase {
  const route = pick(rng, ROUTES);
  const kind = Math.floor(rng() * 10);
  switch (kind) {
    case 0: // a bad path segment or spelling
    case 1: {
      const path = casePath(rng, route.path, n);
      const body = route.body ? JSON.stringify(route.body()) : undefined;
      return { name: `path ${route.method} ${path.slice(0, 80)}`, bytes: requestBytes(route.method, path, body ? 'Content-Type: application/json\r\n' : '', body) };
    }
    case 2: { // a bad query
      const q = pick(rng, QUERIES);
      const path = route.path.replace('{k}', `sweep-${n}`) + q;
      return { name: `query ${route.method} ${path.slice(0, 80)}`, bytes: requestBytes(route.method, path, '') };
    }
    case 3: { // a method the route does not take, or no method at all
      const method = pick(rng, METHODS);
      const path = route.path.replace('{k}', `sweep-${n}`);
      return { name: `method ${method} ${path}`, bytes: requestBytes(method, path, ''), head: method === 'HEAD' };
    }
    case 4: { // a bad body, with a right or wrong content type
      const r = route.body ? route : pick(rng, ROUTES.filter((x) => x.body));
      const path = r.path.replace('{k}', `sweep-${n}`);
      const type = pick(rng, CONTENT_TYPES);
      const body = pick(rng, BODIES);
      return { name: `body ${r.method} ${path} [${type}] ${String(body).slice(0, 40)}`, bytes: requestBytes(r.method, path, type ? `Content-Type: ${type}\r\n` : '', body) };
    }
    case 5: { // a body on a route that takes none
      const r = pick(rng, ROUTES.filter((x) => !x.body));
      const path = r.path.replace('{k}', `sweep-${n}`);
      const chunked = rng() < 0.5;
      const bytes = chunked
        ? requestBytes(r.method, path, 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', '2\r\n{}\r\n0\r\n\r\n', { length: false })
        : requestBytes(r.method, path, 'Content-Type: application/json\r\n', '{}');
      return { name: `bodiless ${r.method} ${path}${chunked ? ' (chunked)' : ''}`, bytes };
    }
    case 6: { // broken headers or framing
      const h = pick(rng, HEADER_BREAKS);
      const path = route.path.replace('{k}', `sweep-${n}`);
      const body = route.body ? JSON.stringify(route.body()) : undefined;
      const bytes = Buffer.concat([Buffer.from(`${route.method} ${path} HTTP/1.1\r\n${h.startsWith('Host:') ? '' : 'Host: sweep\r\n'}Connection: close\r\n${h}\r\n`, 'latin1'), Buffer.from(body ?? '', 'utf8')]);
      return { name: `headers ${route.method} ${path} ${JSON.stringify(h.slice(0, 40))}`, bytes };
    }
    case 7: { // too large: a long URL, a body over the limit, announced or chunked
      const r = rng();
      if (r < 0.3) return { name: 'long url', bytes: requestBytes('GET', `/v1/kv/${'u'.repeat(17_000 + n % 1000)}`, '') };
      const path = `/v1/kv/sweep-big-${n}`;
      if (r < 0.6) {
        return { name: 'expect 100-continue over maxBodyBytes', bytes: requestBytes('PUT', path, `Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${maxBodyBytes + 1 + n}\r\n`) };
      }
      const body = Buffer.alloc(maxBodyBytes + 1024, 0x61);
      const chunked = r < 0.8;
      const bytes = chunked
        ? requestBytes('PUT', path, 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n', Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]), { length: false })
        : requestBytes('PUT', path, 'Content-Type: application/json\r\n', body);
      return { name: `body over maxBodyBytes${chunked ? ' (chunked)' : ''}`, bytes };
    }
    case 8: { // cut short: fewer body bytes than announced, then the client closes its side
      const path = `/v1/kv/sweep-short-${n}`;
      return { name: 'body cut short', bytes: requestBytes('PUT', path, 'Content-Type: application/json\r\nContent-Length: 100\r\n', '{"value"', { length: false }), halfClose: true };
    }
    default: { // not HTTP/1.1, or a broken WebSocket handshake
      if (rng() < 0.5) {
        const g = pick(rng, GARBAGE);
        return { name: `garbage ${JSON.stringify(g.toString('latin1').slice(0, 40))}`, bytes: Buffer.isBuffer(g) ? g : Buffer.from(g, 'latin1') };
      }
      const path = pick(rng, ['/v1/watch', '/v1/watch?x=1', '/v1/kv/a', '/V1/WATCH', '/v1/watch/']);
      const key = pick(rng, ['dGhlIHNhbXBsZSBub25jZQ==', 'short', '']);
      const version = pick(rng, ['13', '12', '', 'x']);
      const method = pick(rng, ['GET', 'GET', 'POST']);
      const extra = pick(rng, ['', 'Sec-WebSocket-Protocol: a b\r\n', 'Sec-WebSocket-Extensions: ;;;\r\n']);
      const hdr = `Connection: Upgrade\r\nUpgrade: ${pick(rng, ['websocket', 'WebSocket', 'h2c'])}\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${version}\r\n${extra}`;
      // A handshake that happens to be valid is refused below by the query or path; the few that
      // are accepted (101) are closed right away.
      return { name: `upgrade ${method} ${path} key=${key} v=${version}`, bytes: Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: sweep\r\n${hdr}\r\n`, 'latin1') };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sending and judging

interface Outcome {
  status: number;
  headers: Record<string, string>;
  body: string;
  reset: boolean;
  timedOut: boolean;
}

/** The first complete answer in `buf` (interim 1xx answers skipped; the body framed by
 *  Content-Length, none for HEAD, 101, 204, 304), with the offset just past it. */
export function parseAnswer(buf: Buffer, head: boolean): { status: number; headers: Record<string, string>; body: string; end: number } | undefined {
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) return undefined;
    const lines = buf.subarray(at, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    if (status >= 100 && status < 200 && status !== 101) {
      at = end + 4;
      continue;
    }
    if (head || status === 101 || status === 204 || status === 304) return { status, headers, body: '', end: end + 4 };
    const len = Number(headers['content-length'] ?? NaN);
    if (!Number.isFinite(len)) return undefined; // read until close
    if (buf.length < end + 4 + len) return undefined;
    return { status, headers, body: buf.subarray(end + 4, end + 4 + len).toString('utf8'), end: end + 4 + len };
  }
}

function send(url: URL, c: HttpCase, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const got: Buffer[] = [];
    let done = false;
    const finish = (reset: boolean, timedOut = false): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(got);
      const a = parseAnswer(all, c.head === true) ?? (!reset && !timedOut ? parseUntilClose(all) : undefined);
      resolve(a ? { ...a, reset: false, timedOut: false } : { status: 0, headers: {}, body: '', reset, timedOut });
    };
    const timer = setTimeout(() => finish(false, true), timeoutMs);
    socket.on('data', (d: Buffer) => {
      got.push(d);
      if (parseAnswer(Buffer.concat(got), c.head === true)) finish(false);
    });
    socket.on('end', () => finish(false));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      socket.write(c.bytes);
      if (c.halfClose) socket.end();
    });
  });
}

/** An answer without Content-Length, delimited by the close. */
function parseUntilClose(buf: Buffer): { status: number; headers: Record<string, string>; body: string } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(buf.subarray(0, end).toString('latin1'))?.[1] ?? 0);
  return status ? { status, headers: {}, body: buf.subarray(end + 4).toString('utf8') } : undefined;
}

/** Why an answer breaks the contract, or undefined if it keeps it. */
function judge(o: Outcome, table: ReadonlyMap<string, number>, head: boolean): string | undefined {
  if (o.timedOut) return 'no answer';
  if (o.reset) return 'reset without an answer';
  if (o.status === 0) return 'closed without an answer';
  if (o.status >= 500) return `answered ${o.status}`;
  if (o.status < 400 || head) return undefined;
  let json: { error?: { code?: unknown; message?: unknown } } | undefined;
  try {
    json = JSON.parse(o.body) as typeof json;
  } catch {
    return `answered ${o.status} with a body that is not JSON: ${JSON.stringify(o.body.slice(0, 80))}`;
  }
  const code = json?.error?.code;
  if (typeof code !== 'string' || typeof json?.error?.message !== 'string') return `answered ${o.status} without {"error":{"code","message"}}`;
  if (!table.has(code)) return `answered code ${code}, which docs/api.md does not list`;
  if (table.get(code) !== o.status) return `answered ${o.status} with ${code}, which docs/api.md gives ${table.get(code)}`;
  return undefined;
}

/** WebSocket messages: broken JSON, wrong shapes, unknown types and fields, bad values. */
function wsMessage(rng: Rng, n: number): { data: string | Buffer; binary: boolean } {
  const msgs: (string | Buffer)[] = [
    '{}', '[]', 'null', '42', '"create"', '{', '{"type":', '{"type":"put"}', '{"type":"create"}', '{"type":"create","key":1}',
    '{"type":"create","key":"","prefix":false}', '{"type":"create","key":"k","startRevision":-1}', '{"type":"create","key":"k","watchId":-5}',
    '{"type":"create","key":"k","extra":true}', `{"type":"create","key":"${'k'.repeat(5000)}"}`, '{"type":"cancel"}', `{"type":"cancel","watchId":${900000 + n}}`,
    '{"type":"cancel","watchId":"1"}', '{"type":"keepalive"}', '{"type":"keepalive","lease":"bad lease"}', `{"type":"keepalive","lease":"nosuch-${n}"}`,
    '{"type":"CREATE","key":"k"}', '{"type":"create","key":"\\ud800"}', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), '\ufeff{}',
    '{"type":"create","key":"k","startRevision":1e400}', '{"type":["create"]}', '{"type":"keepalive","lease":"x","ttl":5}',
  ];
  const data = pick(rng, msgs);
  return { data, binary: rng() < 0.1 };
}

async function sweepWebSocket(
  url: string,
  count: number,
  rng: Rng,
  table: ReadonlyMap<string, number>,
  report: SweepReport,
  fail: (what: string) => void,
  timeoutMs: number,
): Promise<void> {
  let ws: WebSocket | undefined;
  let closingOurs = false;
  let queue: ((m: Record<string, unknown> | null) => void)[] = [];
  const open = async (): Promise<WebSocket> => {
    const s = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/watch`);
    await new Promise<void>((resolve, reject) => {
      s.once('open', () => resolve());
      s.once('error', reject);
    });
    s.on('message', (data) => {
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(String(data)) as Record<string, unknown>;
      } catch {
        m = { type: 'unparseable' };
      }
      // Replies: errors, and the answers to messages that happened to be valid.
      if (['error', 'created', 'canceled', 'keepalive', 'unparseable'].includes(String(m.type))) queue.shift()?.(m);
    });
    s.on('close', (code) => {
      if (!closingOurs) report.wsCloses[String(code)] = (report.wsCloses[String(code)] ?? 0) + 1;
      for (const w of queue.splice(0)) w(null);
    });
    s.on('error', () => {});
    return s;
  };
  for (let i = 0; i < count; i++) {
    if (!ws || ws.readyState !== WebSocket.OPEN) ws = await open();
    const { data, binary } = wsMessage(rng, i);
    const reply = new Promise<Record<string, unknown> | null | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), timeoutMs);
      queue.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
    ws.send(data, { binary });
    report.wsMessages++;
    const m = await reply;
    if (m === 'timeout') {
      queue = [];
      report.noAnswer++;
      fail(`ws ${JSON.stringify(String(data).slice(0, 60))}: no reply`);
      ws.terminate();
      ws = undefined;
    } else if (m === null) {
      fail(`ws ${JSON.stringify(String(data).slice(0, 60))}: socket closed instead of a reply`);
    } else if (m.type === 'error') {
      const code = String(m.code);
      report.byCode[code] = (report.byCode[code] ?? 0) + 1;
      if (!table.has(code) || typeof m.message !== 'string') {
        report.badShape++;
        fail(`ws ${JSON.stringify(String(data).slice(0, 60))}: error ${JSON.stringify(m).slice(0, 120)} not in the documented shape`);
      } else if ((table.get(code) ?? 0) >= 500) {
        report.serverErrors++;
        fail(`ws ${JSON.stringify(String(data).slice(0, 60))}: server-side error ${code}`);
      }
    } else if (m.type === 'unparseable') {
      report.badShape++;
      fail(`ws ${JSON.stringify(String(data).slice(0, 60))}: a reply that is not JSON`);
    }
  }
  closingOurs = true;
  ws?.close();
}

export async function runSweep(o: SweepOptions): Promise<SweepReport> {
  const rng = rngOf(o.seed ?? 1);
  const urls = o.endpoints.map((e) => new URL(e));
  const timeoutMs = o.answerTimeoutMs ?? 40_000;
  const maxBodyBytes = o.maxBodyBytes ?? 1.5 * 1024 * 1024;
  const report: SweepReport = {
    requests: 0, wsMessages: 0, byStatus: {}, byCode: {}, serverErrors: 0, notReadyProbes: 0, resetsWithoutAnswer: 0, noAnswer: 0, badShape: 0, wsCloses: {}, failures: [],
  };
  const fail = (what: string): void => {
    if (report.failures.length < 20) report.failures.push(what);
  };
  // Draw every case up front: the order of answers then does not change which cases are sent.
  const cases = Array.from({ length: o.requests }, (_x, i) => makeCase(rng, i, maxBodyBytes));
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    for (let i = next++; i < cases.length; i = next++) {
      const c = cases[i]!;
      const out = await send(urls[(i + w) % urls.length]!, c, timeoutMs);
      report.requests++;
      if (out.status) report.byStatus[String(out.status)] = (report.byStatus[String(out.status)] ?? 0) + 1;
      const why = judge(out, o.errorTable, c.head === true);
      if (out.status >= 400 && !c.head) {
        const code = /"code":"([A-Z0-9_]+)"/.exec(out.body)?.[1];
        if (code) report.byCode[code] = (report.byCode[code] ?? 0) + 1;
      }
      if (why === undefined) continue;
      if (out.status === 503 && /^(GET|HEAD) \/readyz\/? HTTP/.test(c.bytes.toString('latin1', 0, 40)) && /"code":"NOT_READY"/.test(out.body)) {
        report.notReadyProbes++;
        continue;
      }
      if (out.timedOut) report.noAnswer++;
      else if (out.reset || out.status === 0) report.resetsWithoutAnswer++;
      else if (out.status >= 500) report.serverErrors++;
      else report.badShape++;
      fail(`${c.name}: ${why}`);
    }
  };
  const concurrency = Math.max(1, o.concurrency ?? 32);
  const wsPer = Math.ceil(o.wsMessages / urls.length);
  await Promise.all([
    ...Array.from({ length: concurrency }, (_x, w) => worker(w)),
    ...urls.map((u, i) => sweepWebSocket(u.origin, Math.min(wsPer, o.wsMessages - i * wsPer), rngOf((o.seed ?? 1) + 1000 + i), o.errorTable, report, fail, timeoutMs)),
  ]);
  return report;
}

/** Whether the sweep found nothing wrong. */
export function sweepPassed(r: SweepReport): boolean {
  return r.serverErrors === 0 && r.resetsWithoutAnswer === 0 && r.noAnswer === 0 && r.badShape === 0 && r.failures.length === 0;
}

export function formatSweepReport(r: SweepReport, elapsedMs: number): string {
  const counts = (x: Record<string, number>): string =>
    Object.entries(x)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return [
    `sweep: ${r.requests} malformed HTTP requests and ${r.wsMessages} WebSocket messages in ${(elapsedMs / 1000).toFixed(1)} s`,
    `  answers by status: ${counts(r.byStatus)}`,
    `  errors by code:    ${counts(r.byCode)}`,
    `  WebSocket closes by the server: ${counts(r.wsCloses) || 'none'}`,
    `  answers of 5xx:                ${r.serverErrors}`,
    `  (GET /readyz said NOT_READY:   ${r.notReadyProbes}; a readiness verdict, not an input error)`,
    `  resets/closes without answer:  ${r.resetsWithoutAnswer}`,
    `  no answer in time:             ${r.noAnswer}`,
    `  errors not in documented shape: ${r.badShape}`,
    ...r.failures.map((f) => `  FAIL ${f}`),
    sweepPassed(r) ? 'PASS' : 'FAIL',
  ].join('\n');
}
