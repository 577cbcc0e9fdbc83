// Errors and edges (issue 14, section 2): every answer is the documented JSON error with its
// fields, including the ones node:http would give itself, and input is strict everywhere.

import assert from 'node:assert/strict';
import http from 'node:http';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { ERROR_CODES } from '../../src/api/errors.js';
import { startHarness, type Harness } from './harness.js';
import { rawExchange, type RawAnswer } from './raw-http.js';

/** The documented shape: {"error": {"code", "message", ...}} with the status of the code's row. */
function assertErrorShape(r: { status: number; json: any }, status: number, code: string): void {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json?.error?.code, code, JSON.stringify(r.json));
  assert.equal(typeof r.json.error.message, 'string');
  assert.equal(ERROR_CODES[code as keyof typeof ERROR_CODES].http, status);
}

function assertRawError(r: RawAnswer, status: number, code: string): void {
  assert.equal(r.resetBeforeAnswer, false, 'the answer arrived before any reset');
  assert.match(r.headers['content-type'] ?? '', /^application\/json/, r.text.slice(0, 300));
  assertErrorShape(r, status, code);
}

const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const upgrade = (path: string, headers: Record<string, string> = {}): string => {
  const all = { Host: 'x', Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': WS_KEY, ...headers };
  return `GET ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
};

describe('errors and edges', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({
      limits: { maxBodyBytes: 64 * 1024, maxValueBytes: 32 * 1024, maxKeyBytes: 1024 },
      metricsHandler: async (ctx) => {
        ctx.type = 'text/plain';
        ctx.body = 'raftlock_up 1\n';
      },
    });
  });
  afterEach(async () => {
    await h.close();
  });

  it('matches routes case-sensitively: other spellings are 404 NOT_FOUND, never 500', async () => {
    h.fake.applyNow({ op: 'put', key: 'a', value: 'x' });
    for (const [method, path] of [
      ['GET', '/V1/KV/a'],
      ['GET', '/v1/KV/x'],
      ['GET', '/V1/LOCKS/x'],
      ['GET', '/v1/Leases/abc'],
      ['POST', '/v1/Leases/abc/keepalive'],
      ['PUT', '/v1/Kv/a'],
      ['DELETE', '/V1/kv/a'],
      ['GET', '/LIVEZ'],
      ['GET', '/v1/Watch'],
    ] as const) {
      assertErrorShape(await h.request(method, path), 404, 'NOT_FOUND');
    }
    assert.equal(h.fake.sm.get('a')?.value, 'x');
    assert.equal((await h.request('GET', '/v1/kv/a')).status, 200);
  });

  it('answers a method the path does not take with 405 and the methods it takes', async () => {
    for (const method of ['PROPFIND', 'PATCH', 'OPTIONS', 'POST']) {
      const r = await h.request(method, '/v1/kv/a');
      assertErrorShape(r, 405, 'METHOD_NOT_ALLOWED');
      assert.deepEqual(String(r.headers.allow).split(', ').sort(), ['DELETE', 'GET', 'HEAD', 'PUT']);
      assert.equal(r.json.error.allow, r.headers.allow);
    }
    const livez = await h.request('PROPFIND', '/livez');
    assertErrorShape(livez, 405, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(String(livez.headers.allow).split(', ').sort(), ['GET', 'HEAD']);
    // A path no route has is 404 whatever the method.
    assertErrorShape(await h.request('PROPFIND', '/nope'), 404, 'NOT_FOUND');
    // A method node:http does not know at all never reaches a route.
    assertRawError(await rawExchange(h.port, 'FROB /v1/kv/a HTTP/1.1\r\nHost: x\r\n\r\n'), 400, 'BAD_REQUEST');
  });

  it('answers malformed request lines and oversized headers in JSON, not node:http\'s bare 400/431', async () => {
    const nonAscii = Buffer.concat([Buffer.from('GET /v1/kv/'), Buffer.from([0xc3, 0xa9, 0xff]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]);
    assertRawError(await rawExchange(h.port, nonAscii), 400, 'BAD_REQUEST');
    assertRawError(await rawExchange(h.port, 'GET /v1/kv/a HTTP/1.1\r\nHost: x\r\nBad Header: x\r\n\r\n'), 400, 'BAD_REQUEST');
    assertRawError(await rawExchange(h.port, `GET /v1/kv/${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`), 431, 'HEADERS_TOO_LARGE');
    assertRawError(await rawExchange(h.port, `GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`), 431, 'HEADERS_TOO_LARGE');
    assertRawError(await rawExchange(h.port, 'GET /livez HTTP/1.1\r\n\r\n'), 400, 'BAD_REQUEST'); // no Host
    assertRawError(await rawExchange(h.port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'), 400, 'BAD_REQUEST');
    assertRawError(await rawExchange(h.port, 'GET /livez HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n'), 417, 'EXPECTATION_FAILED');
    assert.equal(h.fake.applied.length, 0);
  });

  it('refuses Expect: 100-continue with a body over maxBodyBytes with 413, without 100 Continue', async () => {
    const big = await rawExchange(
      h.port,
      'PUT /v1/kv/k HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n',
    );
    assert.doesNotMatch(big.text, /100 Continue/);
    assertRawError(big, 413, 'PAYLOAD_TOO_LARGE');
    assert.equal(big.json.error.limit, 64 * 1024);
    assert.equal(big.ended, 'closed');
    // Within the limit: 100 Continue, then the answer.
    const body = '{"value":"v"}';
    const ok = await rawExchange(h.port, (s) => {
      s.write(`PUT /v1/kv/k HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`);
      s.once('data', () => s.write(body));
    }, { untilAnswer: true });
    assert.match(ok.text, /^HTTP\/1\.1 100 Continue/);
    assert.equal(ok.status, 200);
    assert.equal(h.fake.sm.get('k')?.value, 'v');
  });

  it('answers a large upload 413 first and closes without resetting the client before the answer', async () => {
    for (const chunked of [false, true]) {
      const total = 32 * 1024 * 1024;
      const events: string[] = [];
      let upload: http.ClientRequest | undefined;
      const answer = await new Promise<{ status: number; json: any }>((resolve, reject) => {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (!chunked) headers['content-length'] = String(total);
        const req = http.request({ host: '127.0.0.1', port: h.port, method: 'PUT', path: '/v1/kv/big', headers, agent: false });
        upload = req;
        req.on('error', (err) => {
          events.push(`error ${(err as NodeJS.ErrnoException).code}`);
          // An error after the answer is the close that follows it; before it, a failure.
          if (!events.includes('response')) reject(new Error(`upload failed before an answer: ${err.message}`));
        });
        req.on('response', (res) => {
          events.push('response');
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }));
          res.on('error', reject);
        });
        // Write as fast as the socket takes it, until done or the connection goes away.
        const piece = Buffer.alloc(256 * 1024, 0x61);
        let sent = 0;
        const pump = (): void => {
          while (sent < total && !req.destroyed) {
            sent += piece.length;
            if (!req.write(piece)) return void req.once('drain', pump);
          }
          if (!req.destroyed) req.end();
        };
        pump();
      });
      assertErrorShape(answer, 413, 'PAYLOAD_TOO_LARGE');
      assert.equal(events[0], 'response', `chunked=${chunked}: ${events.join(', ')}`);
      upload?.destroy();
    }
    assert.equal(h.fake.sm.get('big'), undefined);
  });

  it('answers a client that sends its whole upload before reading: 413, no reset', async () => {
    // Many clients (Python's http.client, for one) write the whole request, then read. The body
    // is far over the limit; the server answers at once and reads and discards the rest.
    for (const chunked of [false, true]) {
      const size = 24 * 1024 * 1024;
      const head = chunked
        ? 'PUT /v1/kv/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n'
        : `PUT /v1/kv/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`;
      const body = Buffer.alloc(size, 0x61);
      const request = Buffer.concat(chunked ? [Buffer.from(head), Buffer.from(`${size.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')] : [Buffer.from(head), body]);
      const r = await rawExchange(h.port, request, { writeThenRead: true });
      assertRawError(r, 413, 'PAYLOAD_TOO_LARGE');
      assert.equal(r.headers.connection, 'close');
    }
    assert.equal(h.fake.sm.get('big'), undefined);
  });

  it('gives NOT_HOLDER its name and holder, and LEASE_NOT_FOUND its id', async () => {
    const free = await h.request('DELETE', '/v1/locks/free?lease=abc');
    assertErrorShape(free, 409, 'NOT_HOLDER');
    assert.equal(free.json.error.name, 'free');
    assert.equal(free.json.error.holder, null);
    const held = await h.request('POST', '/v1/locks/m', { ttl: 30 });
    const other = await h.request('DELETE', `/v1/locks/m?fencingToken=${held.json.fencingToken + 1}`);
    assertErrorShape(other, 409, 'NOT_HOLDER');
    assert.equal(other.json.error.name, 'm');
    assert.deepEqual(other.json.error.holder, { name: 'm', lease: held.json.lease, fencingToken: held.json.fencingToken, revision: held.json.revision });
    const keepalive = await h.request('POST', '/v1/leases/nosuch/keepalive');
    assertErrorShape(keepalive, 404, 'LEASE_NOT_FOUND');
    assert.equal(keepalive.json.error.id, 'nosuch');
    const revoke = await h.request('DELETE', '/v1/leases/nosuch');
    assertErrorShape(revoke, 404, 'LEASE_NOT_FOUND');
    assert.equal(revoke.json.error.id, 'nosuch');
    const put = await h.request('PUT', '/v1/kv/k', { value: 'v', lease: 'nosuch' });
    assertErrorShape(put, 404, 'LEASE_NOT_FOUND');
    assert.equal(put.json.error.lease, 'nosuch');
    await h.request('POST', '/v1/leases', { ttl: 10, id: 'L1' });
    const dup = await h.request('POST', '/v1/leases', { ttl: 10, id: 'L1' });
    assertErrorShape(dup, 409, 'LEASE_EXISTS');
    assert.equal(dup.json.error.id, 'L1');
  });

  it('refuses unknown query parameters on the probes, /metrics and /v1/watch', async () => {
    for (const path of ['/livez?verbose=1', '/readyz?x', '/metrics?name[]=x', '/v1/cluster?a=b']) {
      assertErrorShape(await h.request('GET', path), 400, 'INVALID_ARGUMENT');
    }
    assert.equal((await h.request('GET', '/livez')).status, 200);
    assert.equal((await h.request('GET', '/metrics')).status, 200);
    assertRawError(await rawExchange(h.port, upgrade('/v1/watch?startRevision=5')), 400, 'INVALID_ARGUMENT');
    assert.equal(h.api.limits && (await h.openWatch('/v1/watch')).ws.readyState, WebSocket.OPEN);
  });

  it('refuses a body on a route that takes none, before doing anything', async () => {
    h.fake.applyNow({ op: 'put', key: 'a', value: 'x' });
    const applied = h.fake.applied.length;
    for (const [method, path] of [
      ['GET', '/livez'],
      ['GET', '/v1/kv/a'],
      ['DELETE', '/v1/kv/a'],
      ['GET', '/v1/kv'],
      ['POST', '/v1/leases/x/keepalive'],
      ['DELETE', '/v1/leases/x'],
      ['DELETE', '/v1/locks/m?lease=x'],
      ['GET', '/v1/members'],
      ['POST', '/v1/members/1/promote'],
    ] as const) {
      const r = await h.request(method, path, '{}', { 'content-type': 'application/json', 'content-length': '2' });
      assertErrorShape(r, 400, 'BODY_NOT_ALLOWED');
      // Chunked counts too (a body of unknown length).
      const chunked = await h.request(method, path, '{}', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      assertErrorShape(chunked, 400, 'BODY_NOT_ALLOWED');
    }
    assert.equal(h.fake.applied.length, applied, 'nothing was proposed');
    assert.equal(h.fake.sm.get('a')?.value, 'x');
    // No body, or an empty one (Content-Length: 0), is fine.
    assert.equal((await h.request('POST', '/v1/leases', { ttl: 5, id: 'x' })).status, 200);
    assert.equal((await h.request('POST', '/v1/leases/x/keepalive', undefined, { 'content-length': '0' })).status, 200);
  });

  it('answers every refused WebSocket upgrade in JSON, and plain GET /v1/watch with 426', async () => {
    assertErrorShape(await h.request('GET', '/v1/watch'), 426, 'UPGRADE_REQUIRED');
    assertRawError(await rawExchange(h.port, upgrade('/v1/kv/a')), 404, 'NOT_FOUND');
    assertRawError(await rawExchange(h.port, upgrade('/v1/watch', { 'Sec-WebSocket-Key': 'short' })), 400, 'BAD_REQUEST');
    const version = await rawExchange(h.port, upgrade('/v1/watch', { 'Sec-WebSocket-Version': '12' }));
    assertRawError(version, 400, 'BAD_REQUEST');
    assert.equal(version.headers['sec-websocket-version'], '13, 8');
    assertRawError(await rawExchange(h.port, upgrade('/v1/watch', { Upgrade: 'h2c' })), 400, 'BAD_REQUEST');
    assertRawError(await rawExchange(h.port, upgrade('/v1/watch', { 'Sec-WebSocket-Protocol': 'a b' })), 400, 'BAD_REQUEST');
    const post = await rawExchange(h.port, upgrade('/v1/watch').replace(/^GET/, 'POST'));
    assertRawError(post, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(post.headers.allow, 'GET');
  });

  it('names the WebSocket message types when a message has none', async () => {
    const ws = await h.openWatch();
    for (const msg of [{}, { type: 'put' }, { type: 'create ' }]) {
      ws.send(msg);
      const err = await ws.next();
      assert.equal(err.type, 'error');
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.match(err.message, /"create", "cancel", "auth", "keepalive"/, err.message);
      assert.doesNotMatch(err.message, /put|delete|get/, err.message);
    }
    ws.send([]);
    const notObject = await ws.next();
    assert.equal(notObject.code, 'INVALID_ARGUMENT');
  });
});
