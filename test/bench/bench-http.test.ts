// The bench's own HTTP/1.1 client (cmd/lib/bench-http.ts) against real servers on loopback:
// node:http answering with Content-Length, chunked, empty and closing answers; a raw TCP server
// for what node:http never sends (a split status line, a dropped connection, a garbled answer);
// and https with a CA and a client certificate, as `--tls` uses.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BenchConnection, BenchHttpError } from '../../cmd/lib/bench-http.js';
import { makeCa, makeLeaf } from '../helpers/certs.js';

function listen(server: net.Server): Promise<number> {
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res((server.address() as net.AddressInfo).port)));
}

function close(server: net.Server): Promise<void> {
  return new Promise((res) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => res());
  });
}

describe('bench HTTP client', () => {
  const servers: net.Server[] = [];
  const conns: BenchConnection[] = [];
  after(async () => {
    for (const c of conns) c.close();
    await Promise.all(servers.map(close));
  });
  const conn = (port: number, extra: { tls?: object } = {}): BenchConnection => {
    const c = new BenchConnection({ host: '127.0.0.1', port, ...extra });
    conns.push(c);
    return c;
  };

  test('sends method, path, headers and body; reads Content-Length, chunked and empty answers on one connection', async () => {
    const seen: { method: string; url: string; type: string | undefined; auth: string | undefined; body: string; socket: net.Socket }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, type: req.headers['content-type'], auth: req.headers.authorization, body, socket: req.socket });
        if (req.url === '/chunked') {
          res.writeHead(201, { 'Content-Type': 'application/json' });
          res.write('{"a":');
          setImmediate(() => res.end('"héllo"}'));
        } else if (req.url === '/empty') {
          res.writeHead(204);
          res.end();
        } else {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ echo: body }));
        }
      });
    });
    servers.push(server);
    const c = conn(await listen(server));
    const a = await c.request('PUT', '/v1/kv/a%2Fb', ['Content-Type: application/json', 'Authorization: Bearer t0'], '{"value":"ünïcode"}');
    assert.equal(a.status, 200);
    assert.deepEqual(JSON.parse(a.text), { echo: '{"value":"ünïcode"}' });
    const b = await c.request('GET', '/chunked', []);
    assert.equal(b.status, 201);
    assert.equal(b.text, '{"a":"héllo"}');
    const e = await c.request('DELETE', '/empty', []);
    assert.deepEqual(e, { status: 204, text: '' });
    assert.equal(seen.length, 3);
    assert.deepEqual(seen.map((s) => [s.method, s.url, s.type, s.auth, s.body]), [
      ['PUT', '/v1/kv/a%2Fb', 'application/json', 'Bearer t0', '{"value":"ünïcode"}'],
      ['GET', '/chunked', undefined, undefined, ''],
      ['DELETE', '/empty', undefined, undefined, ''],
    ]);
    assert.ok(seen.every((s) => s.socket === seen[0]!.socket), 'all three went over one keep-alive connection');
  });

  test('requests made while one is in flight are sent in turn, and each gets its own answer', async () => {
    let inFlight = 0;
    let most = 0;
    const server = http.createServer((req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      req.resume();
      req.on('end', () =>
        setImmediate(() => {
          inFlight--;
          res.end(req.url);
        }),
      );
    });
    servers.push(server);
    const c = conn(await listen(server));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => c.request('GET', `/n${i}`, [])));
    assert.deepEqual(answers.map((a) => a.text), Array.from({ length: 20 }, (_, i) => `/n${i}`));
    assert.equal(most, 1, 'never two requests at once on the connection');
  });

  test('an answer with Connection: close is read, and the next request opens a new connection', async () => {
    const sockets = new Set<net.Socket>();
    const server = http.createServer((req, res) => {
      sockets.add(req.socket);
      req.resume();
      if (req.url === '/bye') res.setHeader('Connection', 'close');
      res.end(`ok ${req.url}`);
    });
    servers.push(server);
    const c = conn(await listen(server));
    assert.equal((await c.request('GET', '/bye', [])).text, 'ok /bye');
    assert.equal((await c.request('GET', '/again', [])).text, 'ok /again');
    assert.equal(sockets.size, 2);
  });

  test('a split answer is put together; a dropped connection or garbled answer fails only its own request', async () => {
    let n = 0;
    const server = net.createServer((s) => {
      s.on('data', () => {
        n++;
        if (n === 1) {
          // The answer in three pieces, the status line itself split.
          s.write('HTTP/1.1 2');
          setTimeout(() => s.write('00 OK\r\nContent-Length: 5\r\n\r\nab'), 5);
          setTimeout(() => s.write('cde'), 10);
        } else if (n === 2) {
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc');
          s.destroy();
        } else if (n === 3) {
          s.write('SMTP ready\r\n\r\n');
        } else if (n === 4) {
          s.write('HTTP/1.1 200 OK\r\nContent-Length: 1e1\r\n\r\n0123456789');
        } else {
          s.write('HTTP/1.0 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy');
        }
      });
    });
    servers.push(server);
    const c = conn(await listen(server));
    assert.deepEqual(await c.request('GET', '/1', []), { status: 200, text: 'abcde' });
    await assert.rejects(c.request('GET', '/2', []), BenchHttpError);
    await assert.rejects(c.request('GET', '/3', []), /not an HTTP\/1.x status line/);
    await assert.rejects(c.request('GET', '/4', []), /bad Content-Length "1e1"/);
    assert.deepEqual(await c.request('GET', '/5', []), { status: 503, text: 'busy' });
  });

  test('a server that never answers fails the request after the idle timeout, and the connection is closed', async () => {
    let closed = false;
    const server = net.createServer((s) => {
      s.on('close', () => (closed = true));
      s.resume();
    });
    servers.push(server);
    const c = new BenchConnection({ host: '127.0.0.1', port: await listen(server), idleTimeoutMs: 50 });
    conns.push(c);
    await assert.rejects(c.request('GET', '/', []), /no answer within 50 ms/);
    await new Promise<void>((res) => {
      const poll = (): void => (closed ? res() : void setImmediate(poll));
      poll();
    });
  });

  test('a request to a port nobody listens on fails with the connection error', async () => {
    const s = net.createServer();
    const port = await listen(s);
    await close(s);
    await assert.rejects(conn(port).request('GET', '/', []), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
  });

  test('https with a CA and a client certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-http-tls-'));
    try {
      const ca = makeCa(dir, 'ca');
      const srv = makeLeaf(ca, 'server');
      const cli = makeLeaf(ca, 'client');
      const server = https.createServer(
        { cert: readFileSync(srv.cert), key: readFileSync(srv.key), ca: readFileSync(ca.cert), requestCert: true, rejectUnauthorized: true },
        (req, res) => {
          req.resume();
          res.end(`hello ${(req.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN}`);
        },
      );
      servers.push(server);
      const port = await listen(server);
      const c = conn(port, { tls: { ca: readFileSync(ca.cert), cert: readFileSync(cli.cert), key: readFileSync(cli.key) } });
      assert.deepEqual(await c.request('GET', '/', []), { status: 200, text: 'hello client' });
      // Without the client certificate the server refuses the handshake.
      await assert.rejects(conn(port, { tls: { ca: readFileSync(ca.cert) } }).request('GET', '/', []));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
