import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  FrameDecoder,
  FrameKind,
  PeerTransport,
  RemoteError,
  TransportError,
  parseFrame,
  parsePeerUrl,
} from '../../src/transport/index.js';
import type { PeerTransportOptions, TransportLogger } from '../../src/transport/index.js';
import { helloAckFrame, helloFrame, pingFrame } from '../../src/transport/codec.js';
import { EntryType, MessageType } from '../../src/raft/types.js';
import type { Message } from '../../src/raft/types.js';

const CLUSTER = 'test-cluster';

/** Polls a condition (no fixed sleeps): resolves as soon as it holds, fails after `ms`. */
async function waitFor(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function msg(type: MessageType, from: number, to: number, extra: Partial<Message> = {}): Message {
  return { type, to, from, term: 1, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...extra };
}

interface Node {
  id: number;
  t: PeerTransport;
  url: string;
  port: number;
  got: Message[];
  unreachable: number[];
  snapStatus: Array<[number, boolean]>;
  errors: string[];
}

const running: PeerTransport[] = [];
const servers: net.Server[] = [];
const rawSockets: net.Socket[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
  for (const s of rawSockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function node(id: number, opts: Partial<PeerTransportOptions> = {}): Promise<Node> {
  const n: Node = { id, t: undefined as unknown as PeerTransport, url: '', port: 0, got: [], unreachable: [], snapStatus: [], errors: [] };
  const logger: TransportLogger = {
    debug() {},
    info() {},
    warn(_o, m) {
      n.errors.push(`warn: ${m}`);
    },
    error(_o, m) {
      n.errors.push(`error: ${m}`);
    },
  };
  n.t = new PeerTransport({
    selfId: id,
    clusterId: CLUSTER,
    listen: { host: '127.0.0.1', port: 0 },
    onMessage: (m) => n.got.push(m),
    onRequest: async (from, payload) => new Uint8Array([from, ...payload, id]),
    onUnreachable: (to) => n.unreachable.push(to),
    onSnapshotStatus: (to, ok) => n.snapStatus.push([to, ok]),
    logger,
    ...opts,
  });
  running.push(n.t);
  const addr = await n.t.start();
  n.port = addr.port;
  n.url = `tcp://127.0.0.1:${addr.port}`;
  return n;
}

function mesh(nodes: Node[]): void {
  for (const a of nodes) for (const b of nodes) if (a !== b) a.t.setPeer(b.id, b.id % 2 === 0 ? b.url : `http://127.0.0.1:${b.port}`);
}

describe('parsePeerUrl', () => {
  it('accepts tcp://, http:// and bare host:port, and rejects urls without a port', () => {
    assert.deepEqual(parsePeerUrl('tcp://10.0.0.1:7380'), { host: '10.0.0.1', port: 7380 });
    assert.deepEqual(parsePeerUrl('http://raft-0.raft:2380'), { host: 'raft-0.raft', port: 2380 });
    assert.deepEqual(parsePeerUrl('localhost:9'), { host: 'localhost', port: 9 });
    assert.deepEqual(parsePeerUrl('tcp://[::1]:7380'), { host: '::1', port: 7380 });
    assert.throws(() => parsePeerUrl('tcp://host'), /explicit port/);
  });
});

describe('PeerTransport', { timeout: 30_000 }, () => {
  it('three members exchange messages (entries with binary data survive)', async () => {
    const ns = await Promise.all([node(1), node(2), node(3)]);
    mesh(ns);
    const data = new Uint8Array([0, 255, 10, 13, 0]);
    for (const a of ns) {
      a.t.send(
        ns
          .filter((b) => b !== a)
          .map((b) => msg(MessageType.App, a.id, b.id, { index: a.id * 10, entries: [{ term: 1, index: a.id * 10 + 1, type: EntryType.Normal, data }] })),
      );
    }
    await waitFor('all messages', () => ns.every((n) => n.got.length === 2));
    for (const b of ns) {
      const froms = b.got.map((m) => m.from).sort();
      assert.deepEqual(froms, ns.filter((x) => x !== b).map((x) => x.id));
      for (const m of b.got) {
        assert.equal(m.to, b.id);
        assert.equal(m.index, m.from * 10);
        assert.deepEqual(m.entries[0]!.data, data);
      }
    }
  });

  it('batches many messages, keeps their order and counts them', async () => {
    const [a, b] = await Promise.all([node(1), node(2)]);
    mesh([a, b]);
    const batch = Array.from({ length: 2000 }, (_, i) => msg(MessageType.Heartbeat, 1, 2, { commit: i }));
    a.t.send(batch);
    await waitFor('2000 messages', () => b.got.length === 2000);
    assert.deepEqual(b.got.map((m) => m.commit), batch.map((m) => m.commit));
    const st = a.t.peerStats(2)!;
    assert.equal(st.messagesSent, 2000);
    assert.ok(st.bytesSent > 2000 * 8);
    assert.equal(st.sendFailures, 0);
    assert.equal(b.t.stats().messagesReceived, 2000);
  });

  it('closes a connection that sends a malformed frame and keeps serving others', async () => {
    const [a, b] = await Promise.all([node(1), node(2)]);
    const sock = net.connect({ host: '127.0.0.1', port: a.port });
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    sock.on('error', () => undefined);
    sock.resume(); // read (and discard) whatever comes back, so the end of the stream is seen
    // a valid hello, then a frame of unknown kind
    sock.write(helloFrame(CLUSTER, 9, 1));
    sock.write(Buffer.from([0, 0, 0, 3, 99, 1, 2]));
    await closed;
    assert.equal(a.t.stats().protocolErrors, 1);
    assert.ok(a.errors.some((e) => /bad frame/.test(e)));

    // an oversized length header is refused without buffering the body
    const sock2 = net.connect({ host: '127.0.0.1', port: a.port });
    sock2.on('error', () => undefined);
    await new Promise((r) => sock2.once('connect', r));
    const closed2 = new Promise((r) => sock2.once('close', r));
    sock2.resume();
    sock2.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, FrameKind.Hello]));
    await closed2;
    assert.equal(a.t.stats().protocolErrors, 2);

    // a message claiming another sender is a protocol violation too
    const sock3 = net.connect({ host: '127.0.0.1', port: a.port });
    sock3.on('error', () => undefined);
    await new Promise((r) => sock3.once('connect', r));
    const closed3 = new Promise((r) => sock3.once('close', r));
    sock3.resume();
    sock3.write(helloFrame(CLUSTER, 9, 1));
    const { msgFrame } = await import('../../src/transport/codec.js');
    sock3.write(msgFrame(msg(MessageType.Heartbeat, 5, 1), 1 << 20));
    await closed3;
    assert.equal(a.t.stats().protocolErrors, 3);
    assert.equal(a.got.length, 0);

    // the transport still works
    mesh([a, b]);
    b.t.send([msg(MessageType.Heartbeat, 2, 1)]);
    await waitFor('heartbeat after bad peers', () => a.got.length === 1);
  });

  it('rejects a peer from another cluster with a logged error', async () => {
    const a = await node(1);
    const b = await node(2, { clusterId: 'other-cluster' });
    b.t.setPeer(1, a.url);
    b.t.send([msg(MessageType.Heartbeat, 2, 1)]);
    await waitFor('cluster mismatch logged on both sides', () => a.errors.some((e) => /rejecting peer connection/.test(e)) && b.errors.some((e) => /refused/.test(e)));
    assert.equal(a.got.length, 0);
    assert.equal(b.t.isConnected(1), false);
  });

  it('reconnects after a peer restarts', async () => {
    const a = await node(1, { backoffMaxMs: 100 });
    let b = await node(2);
    const port = b.port;
    mesh([a, b]);
    a.t.send([msg(MessageType.Heartbeat, 1, 2, { commit: 1 })]);
    await waitFor('first delivery', () => b.got.length === 1);
    await b.t.stop();
    await waitFor('a notices the peer is gone', () => !a.t.isConnected(2));
    b = await node(2, { listen: { host: '127.0.0.1', port } });
    // keep sending (Raft re-sends heartbeats); messages while disconnected are dropped, not queued forever
    const timer = setInterval(() => a.t.send([msg(MessageType.Heartbeat, 1, 2, { commit: 2 })]), 10);
    try {
      await waitFor('delivery after restart', () => b.got.some((m) => m.commit === 2));
    } finally {
      clearInterval(timer);
    }
    assert.ok(a.unreachable.includes(2), 'onUnreachable was reported while the peer was down');
  });

  it('a stuck peer does not delay messages to a live one; its queue is bounded', async () => {
    // A fake member 3 that completes the handshake and then never reads again.
    const stuck = net.createServer((s) => {
      rawSockets.push(s); // paused sockets never see the peer's FIN: destroyed in afterEach
      const dec = new FrameDecoder(1 << 20);
      s.once('data', (chunk) => {
        dec.push(chunk, (kind, body) => {
          const f = parseFrame(kind, body);
          if (f.kind === FrameKind.Hello) {
            s.write(helloAckFrame(CLUSTER, 3));
            s.pause();
          }
        });
      });
      s.on('error', () => undefined);
    });
    servers.push(stuck);
    await new Promise<void>((r) => stuck.listen(0, '127.0.0.1', r));
    const stuckPort = (stuck.address() as net.AddressInfo).port;

    const a = await node(1, { maxQueueBytes: 256 * 1024 });
    const b = await node(2);
    a.t.setPeer(2, b.url);
    a.t.setPeer(3, `127.0.0.1:${stuckPort}`);
    await waitFor('connected to both', () => a.t.isConnected(2) && a.t.isConnected(3));

    const payload = new Uint8Array(64 * 1024).fill(1);
    const rounds = 200; // 12.5 MiB towards each peer
    for (let i = 0; i < rounds; i++) {
      a.t.send([
        msg(MessageType.App, 1, 3, { index: i, entries: [{ term: 1, index: i + 1, type: EntryType.Normal, data: payload }] }),
        msg(MessageType.App, 1, 2, { index: i, entries: [{ term: 1, index: i + 1, type: EntryType.Normal, data: payload }] }),
      ]);
      await new Promise((r) => setImmediate(r)); // let I/O run between rounds, as a real driver would
    }
    await waitFor('live peer got everything', () => b.got.length === rounds);
    const stuckStats = a.t.peerStats(3)!;
    assert.ok(stuckStats.sendFailures > 0, 'messages to the stuck peer were dropped');
    assert.ok(stuckStats.queueBytes <= 256 * 1024, `queue bounded, got ${stuckStats.queueBytes}`);
    assert.ok(a.unreachable.includes(3));
    assert.equal(a.t.peerStats(2)!.sendFailures, 0);
  });

  it('answers everything an inbound connection sent in one write, in order, the hello first', async () => {
    const a = await node(1);
    const sock = net.connect({ host: '127.0.0.1', port: a.port });
    rawSockets.push(sock);
    await new Promise((r) => sock.once('connect', r));
    // A hello and 50 pings arriving in one chunk: the hello's ack and 50 pongs come back, none
    // lost or reordered.
    const nonces = Array.from({ length: 50 }, (_, i) => 1000 + i * 7);
    const frames: Array<{ kind: number; payload: Uint8Array }> = [];
    const dec = new FrameDecoder(1 << 20);
    sock.on('data', (chunk: Buffer) => dec.push(chunk, (kind, payload) => frames.push({ kind, payload })));
    sock.write(Buffer.concat([helloFrame(CLUSTER, 9, 1), ...nonces.map((n) => pingFrame(n))]));
    await waitFor('hello ack and 50 pongs', () => frames.length >= 1 + nonces.length);
    assert.equal(frames.length, 1 + nonces.length);
    assert.equal(frames[0]!.kind, FrameKind.HelloAck);
    const pongs = frames.slice(1).map((f) => {
      const parsed = parseFrame(f.kind, f.payload);
      assert.equal(parsed.kind, FrameKind.Pong);
      return (parsed as { nonce: number }).nonce;
    });
    assert.deepEqual(pongs, nonces);
  });

  it('request/response, remote errors, timeouts and unreachable peers', async () => {
    const [a, b] = await Promise.all([node(1), node(2)]);
    mesh([a, b]);
    const res = await a.t.request(2, new Uint8Array([7, 8]), 2000);
    assert.deepEqual([...res], [1, 7, 8, 2]);
    assert.ok((a.t.rttSeconds(2) ?? -1) >= 0, 'rtt measured by the ping sent at connect');

    const c = await node(3, {
      onRequest: async (_from, p) => {
        if (p[0] === 1) throw Object.assign(new Error('not the leader'), { code: 'NO_LEADER' });
        return new Promise<Uint8Array>(() => undefined); // never answers
      },
    });
    a.t.setPeer(3, c.url);
    await assert.rejects(a.t.request(3, new Uint8Array([1]), 2000), (e: unknown) => e instanceof RemoteError && e.code === 'NO_LEADER' && e.message === 'not the leader');
    const t0 = performance.now();
    await assert.rejects(
      a.t.request(3, new Uint8Array([2]), 100),
      (e: unknown) => e instanceof TransportError && e.code === 'TIMEOUT' && e.outcomeUnknown,
    );
    assert.ok(performance.now() - t0 >= 95);
    await assert.rejects(a.t.request(9, new Uint8Array([1]), 100), (e: unknown) => e instanceof TransportError && e.code === 'PEER_UNREACHABLE');

    // a request in flight when the peer goes away fails with PEER_UNREACHABLE, outcome unknown
    const pending = a.t.request(3, new Uint8Array([2]), 5000);
    await waitFor('request written', () => a.t.peerStats(3)!.queueFrames === 0);
    await c.t.stop();
    await assert.rejects(pending, (e: unknown) => e instanceof TransportError && e.code === 'PEER_UNREACHABLE');
  });

  it('streams a multi-MiB snapshot in chunks and reports success', async () => {
    // frames are capped well below the snapshot size: it can only get through in chunks
    const [a, b] = await Promise.all([node(1, { maxFrameBytes: 512 * 1024, snapshotChunkBytes: 256 * 1024 }), node(2, { maxFrameBytes: 512 * 1024 })]);
    mesh([a, b]);
    const data = new Uint8Array(5 * 1024 * 1024 + 77);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + (i >>> 9)) & 0xff;
    const snapMsg = msg(MessageType.Snap, 1, 2, {
      term: 4,
      snapshot: { metadata: { index: 500, term: 3, confState: { voters: [1, 2], learners: [3] } }, data },
    });
    a.t.send([snapMsg, msg(MessageType.Heartbeat, 1, 2, { commit: 99 })]);
    await waitFor('snapshot status', () => a.snapStatus.length === 1);
    assert.deepEqual(a.snapStatus, [[2, true]]);
    const got = b.got.find((m) => m.type === MessageType.Snap)!;
    assert.deepEqual(got.snapshot!.metadata, snapMsg.snapshot!.metadata);
    assert.ok(Buffer.from(got.snapshot!.data).equals(Buffer.from(data)));
    assert.equal(got.term, 4);
    assert.ok(b.got.some((m) => m.type === MessageType.Heartbeat && m.commit === 99));
    assert.equal(a.t.peerStats(2)!.snapshotBytesSent, data.length);
    assert.equal(b.t.stats().snapshotBytesReceived, data.length);
    assert.equal(a.t.peerStats(2)!.snapshotsSent, 1);
  });

  it('reports a snapshot to an unreachable peer as failed', async () => {
    const a = await node(1, { backoffMinMs: 1000, backoffMaxMs: 1000 });
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    a.t.setPeer(2, `127.0.0.1:${port}`);
    // whether the dial is still in progress or has already failed, the snapshot must be reported failed
    const snapMsg = msg(MessageType.Snap, 1, 2, { snapshot: { metadata: { index: 5, term: 1, confState: { voters: [1, 2], learners: [] } }, data: new Uint8Array(10) } });
    a.t.send([snapMsg]);
    await waitFor('snapshot status', () => a.snapStatus.length === 1);
    assert.deepEqual(a.snapStatus, [[2, false]]);
  });

  it('refuses to send local-only messages or messages to itself', async () => {
    const a = await node(1);
    assert.throws(() => a.t.send([msg(MessageType.Hup, 1, 2)]), /local-only/);
    assert.throws(() => a.t.send([msg(MessageType.Heartbeat, 1, 1)]), /to self/);
  });
});
