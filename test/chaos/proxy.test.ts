// The fault proxy with stand-in members that speak the peer framing: it learns the source from
// HELLO, relays frames both ways, drops blocked directions one way at a time, and delays frames
// without reordering them.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { FrameDecoder, FrameKind, helloAckFrame, helloFrame, parseFrame, pingFrame, pongFrame } from '../../src/transport/codec.js';
import { FaultProxy } from '../../cmd/lib/chaos/proxy.js';

const A = { name: 'a', id: 11 };
const B = { name: 'b', id: 22 };

/** A stand-in member B: answers HELLO with HELLO_ACK and each PING with a PONG, recording pings. */
class FakePeer {
  server!: net.Server;
  port = 0;
  readonly pings: number[] = [];
  readonly hellosFrom: number[] = [];
  private readonly sockets = new Set<net.Socket>();

  async start(): Promise<void> {
    this.server = net.createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
      const dec = new FrameDecoder(1 << 20);
      s.on('data', (chunk) =>
        dec.push(chunk, (kind, payload) => {
          const f = parseFrame(kind, payload);
          if (f.kind === FrameKind.Hello) {
            this.hellosFrom.push(f.from);
            s.write(helloAckFrame('t', B.id));
          } else if (f.kind === FrameKind.Ping) {
            this.pings.push(f.nonce);
            s.write(pongFrame(f.nonce));
          }
        }),
      );
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

/** Member A's side of a connection to B through the proxy. */
class Dialer {
  readonly pongs: number[] = [];
  acked = false;
  private sock!: net.Socket;
  private readonly waiters: (() => void)[] = [];

  async connect(port: number): Promise<void> {
    this.sock = net.connect({ host: '127.0.0.1', port });
    this.sock.on('error', () => {});
    await new Promise<void>((r) => this.sock.once('connect', () => r()));
    const dec = new FrameDecoder(1 << 20);
    this.sock.on('data', (chunk) =>
      dec.push(chunk, (kind, payload) => {
        const f = parseFrame(kind, payload);
        if (f.kind === FrameKind.HelloAck) this.acked = true;
        if (f.kind === FrameKind.Pong) this.pongs.push(f.nonce);
        for (const w of this.waiters.splice(0)) w();
      }),
    );
    this.sock.write(helloFrame('t', A.id, B.id));
  }

  send(nonce: number): void {
    this.sock.write(pingFrame(nonce));
  }

  /** Resolves when `cond` holds after some frame arrived. */
  async until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > deadline) throw new Error('condition not reached');
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  close(): void {
    this.sock.destroy();
  }
}

describe('fault proxy', () => {
  const peer = new FakePeer();
  let proxy: FaultProxy;

  before(async () => {
    await peer.start();
    proxy = await FaultProxy.start([
      { ...A, peerPort: 1 },
      { ...B, peerPort: peer.port },
    ]);
  });
  after(async () => {
    await proxy.stop();
    await peer.stop();
  });

  test('relays frames both ways after learning the source from HELLO', async () => {
    const d = new Dialer();
    await d.connect(proxy.portOf('b'));
    d.send(1);
    d.send(2);
    await d.until(() => d.pongs.length === 2);
    assert.equal(d.acked, true);
    assert.deepEqual(d.pongs, [1, 2]);
    assert.ok(peer.hellosFrom.includes(A.id));
    d.close();
  });

  test('blocking a->b drops a\'s frames; blocking b->a drops only the answers', async () => {
    const d = new Dialer();
    await d.connect(proxy.portOf('b'));
    await d.until(() => d.acked);
    const before = peer.pings.length;
    proxy.block('a', 'b');
    const dropped0 = proxy.stats.framesDropped;
    d.send(100);
    await d.until(() => proxy.stats.framesDropped > dropped0);
    // Unblock, send a marker: once the marker's pong arrives, 100 would have arrived before it.
    proxy.heal();
    d.send(101);
    await d.until(() => d.pongs.includes(101));
    assert.deepEqual(peer.pings.slice(before), [101], 'the ping sent while blocked was dropped');

    proxy.block('b', 'a');
    const dropped1 = proxy.stats.framesDropped;
    d.send(102);
    // b receives it (a->b is open) but its pong is dropped.
    await d.until(() => peer.pings.includes(102) && proxy.stats.framesDropped > dropped1);
    proxy.heal();
    d.send(103);
    await d.until(() => d.pongs.includes(103));
    assert.equal(d.pongs.includes(102), false);
    assert.ok(proxy.stats.framesDropped >= 2);
    d.close();
  });

  test('partition() cuts both ways between groups, and describe() says so', () => {
    proxy.partition([['a'], ['b']]);
    assert.equal(proxy.isBlocked('a', 'b'), true);
    assert.equal(proxy.isBlocked('b', 'a'), true);
    assert.match(proxy.describe(), /blocked a>b b>a/);
    proxy.heal();
    assert.equal(proxy.describe(), 'healthy');
  });

  test('delay holds frames for at least the delay and keeps their order', async () => {
    const d = new Dialer();
    await d.connect(proxy.portOf('b'));
    await d.until(() => d.acked);
    proxy.setDelay('a', 'b', 150);
    const t0 = performance.now();
    for (let i = 200; i < 210; i++) d.send(i);
    await d.until(() => d.pongs.includes(209));
    assert.ok(performance.now() - t0 >= 145, `round trip ${performance.now() - t0} ms`);
    assert.deepEqual(d.pongs.filter((n) => n >= 200), [200, 201, 202, 203, 204, 205, 206, 207, 208, 209]);
    proxy.heal();
    d.close();
  });

  test('a connection whose first frame is not a HELLO from a known member is refused', async () => {
    const refusedBefore = proxy.stats.connectionsRefused;
    const s = net.connect({ host: '127.0.0.1', port: proxy.portOf('b') });
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', () => r()));
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.write(helloFrame('t', 999, B.id));
    await closed;
    assert.equal(proxy.stats.connectionsRefused, refusedBefore + 1);
  });

  test('a destination that is down closes the connection', async () => {
    const s = net.connect({ host: '127.0.0.1', port: proxy.portOf('a') });
    s.on('error', () => {});
    await new Promise<void>((r) => s.once('connect', () => r()));
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.write(helloFrame('t', B.id, A.id));
    await closed;
  });

  test('rejects rules for unknown members', () => {
    assert.throws(() => proxy.block('a', 'zz'), /no member zz/);
    assert.throws(() => proxy.setDelay('a', 'b', -1), /out of range/);
  });
});
