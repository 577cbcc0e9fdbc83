// The client API's node:http server under slow and numerous clients: header, request and idle
// timeouts and the connection cap, with short configured values. Deadlines here only turn a hang
// into a failure; they sit far above the configured limits and far below node:http's defaults
// (60 s for headers, 300 s for a request), so each test fails on a server without the settings.

import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { resolveHttpServerOptions } from '../../src/api/index.js';
import { startHarness, type Harness } from './harness.js';
import { parseResponse, rawExchange } from './raw-http.js';

describe('http server limits', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers 408 SLOW_REQUEST and closes a connection whose headers stop half-way', async () => {
    h = await startHarness({ http: { headersTimeoutMs: 200, requestTimeoutMs: 20_000 } });
    const r = await rawExchange(h.port, 'GET /livez HTTP/1.1\r\nHost: x\r\nX-Slow', { timeoutMs: 8_000 });
    assert.equal(r.status, 408, r.text);
    assert.equal(r.json.error.code, 'SLOW_REQUEST');
    assert.equal(r.ended, 'closed');
    // A connection that sends nothing at all is closed the same way.
    const silent = await rawExchange(h.port, '', { timeoutMs: 8_000 });
    assert.equal(silent.json?.error?.code, 'SLOW_REQUEST', silent.text);
  });

  it('answers 408 and closes a request whose body trickles in slower than the request timeout', async () => {
    h = await startHarness({ http: { headersTimeoutMs: 200, requestTimeoutMs: 600 } });
    let timer: NodeJS.Timeout | undefined;
    const r = await rawExchange(
      h.port,
      (socket) => {
        socket.write('PUT /v1/kv/slow HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"value":"');
        // One byte every 50 ms: each arrives well within any idle timeout, the whole never does.
        timer = setInterval(() => {
          if (!socket.destroyed) socket.write('x');
        }, 50);
        socket.once('close', () => clearInterval(timer));
      },
      { timeoutMs: 8_000 },
    );
    clearInterval(timer);
    assert.equal(r.status, 408, r.text);
    assert.equal(r.json.error.code, 'SLOW_REQUEST');
    assert.notEqual(r.ended, 'open');
    assert.equal(h.fake.sm.get('slow'), undefined);
  });

  it('closes an idle keep-alive connection after keepAliveTimeoutMs, not after a request', async () => {
    h = await startHarness({ http: { headersTimeoutMs: 100, requestTimeoutMs: 5_000, keepAliveTimeoutMs: 500 } });
    const socket = net.connect(h.port, '127.0.0.1');
    const got: Buffer[] = [];
    let answers = 0;
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (d: Buffer) => {
      got.push(d);
      const all = Buffer.concat(got);
      const r = parseResponse(all);
      if (!r) return;
      answers++;
      got.length = 0;
      got.push(all.subarray(r.end));
      assert.equal(r.status, 200);
      // Idle longer than the headers timeout between requests: still served.
      if (answers === 1) setTimeout(() => socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n'), 300);
    });
    socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
    const deadline = setTimeout(() => socket.destroy(new Error('the idle connection was not closed')), 8_000);
    await ended;
    clearTimeout(deadline);
    assert.equal(answers, 2, 'both requests were answered before the idle close');
    assert.equal(Buffer.concat(got).length, 0, 'nothing but the answers was sent (an idle close writes no 408)');
  });

  it('caps open connections at maxConnections', async () => {
    h = await startHarness({ http: { maxConnections: 2 } });
    const open: net.Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = net.connect(h.port, '127.0.0.1');
        open.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once('data', () => resolve());
          s.once('error', reject);
          s.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
        });
      }
      // The third is closed at once, without an answer.
      const third = await rawExchange(h.port, 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 8_000 });
      assert.equal(third.status, 0, third.text);
      assert.notEqual(third.ended, 'open');
      // Once one closes, a new connection is served again.
      const gone = new Promise((resolve) => open[0]!.once('close', resolve));
      open[0]!.destroy();
      await gone;
      const deadline = Date.now() + 8_000;
      let served = false;
      while (!served && Date.now() < deadline) {
        const r = await rawExchange(h.port, 'GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', { timeoutMs: 8_000 });
        served = r.status === 200;
      }
      assert.ok(served, 'a connection is served again after one closed');
    } finally {
      for (const s of open) s.destroy();
    }
  });

  it('refuses options node:http would reject or misread', () => {
    assert.throws(() => resolveHttpServerOptions({ headersTimeoutMs: 2_000, requestTimeoutMs: 1_000 }), /must not exceed requestTimeoutMs/);
    assert.throws(() => resolveHttpServerOptions({ maxConnections: 0 }), /positive integer/);
    assert.throws(() => resolveHttpServerOptions({ keepAliveTimeoutMs: 1.5 }), /positive integer/);
    assert.throws(() => resolveHttpServerOptions({ bogus: 1 } as never), /unknown option/);
    assert.deepEqual(resolveHttpServerOptions({}), { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxConnections: 25_000 });
  });
});
