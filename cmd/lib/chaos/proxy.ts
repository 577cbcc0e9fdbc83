// A fault-injecting TCP proxy between raftlock members' peer ports, on 127.0.0.1.
//
// There is one listening port per DESTINATION member; every member's --initial-cluster names these
// ports as the peer URLs, while each member listens on its own real peer port. A member dials a
// peer and opens with a HELLO frame carrying its own id: the proxy reads it to learn the SOURCE,
// connects to the destination's real port and then relays whole frames ([u32be length][u8 kind]
// [payload]) both ways. Frames from the source are traffic source->destination; the answers on the
// same connection (responses, pongs, snapshot acks) are traffic destination->source.
//
// Per direction, traffic can be blocked (frames are dropped: the sender's messages are lost, as
// Raft allows) or delayed (frames are held for a while, keeping their order). Nothing is
// unbounded: frame size, frames waiting for the upstream connection and delayed bytes per
// direction are capped, and a frame over a cap is dropped (or the connection closed).

import net from 'node:net';
import tls from 'node:tls';
import { FrameKind, parseFrame } from '../../../src/transport/codec.js';

export interface ProxyMember {
  name: string;
  /** The member id its HELLO frames carry. */
  id: number;
  /** The port the member really listens on for peer traffic. */
  peerPort: number;
}

export interface ProxyOptions {
  /** Largest frame relayed; a larger one closes the connection. Default 64 MiB. */
  maxFrameBytes?: number;
  /** Bytes held per direction of a connection (delay queue, or before upstream connects). Default 32 MiB. */
  maxHeldBytes?: number;
  /**
   * Peer TLS, terminated here so frames can still be dropped and delayed one by one: the listener
   * for a destination presents that destination's certificate and requires one the peer CA
   * signed; the upstream connection presents it too. (A test harness holding the members' keys.)
   */
  tls?: { ca: Buffer; certOf(name: string): { cert: Buffer; key: Buffer } };
}

export interface ProxyStats {
  connections: number;
  framesRelayed: number;
  framesDropped: number;
  framesDelayed: number;
  bytesRelayed: number;
  /** Connections closed because the destination was down or a frame was bad. */
  connectionsRefused: number;
}

const HEADER = 5;

/** Splits a byte stream into whole frames (header included), bounded by maxFrameBytes. */
class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Buffer, onFrame: (frame: Buffer) => void): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= HEADER) {
      const len = this.buf.readUInt32BE(0);
      if (len < 1 || len > this.maxFrameBytes) throw new Error(`proxy: frame length ${len} out of range`);
      if (this.buf.length < 4 + len) return;
      const frame = this.buf.subarray(0, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      onFrame(Buffer.from(frame));
    }
  }
}

interface Held {
  frame: Buffer;
  releaseAt: number;
}

/** One direction of one relayed connection. */
class Lane {
  queue: Held[] = [];
  heldBytes = 0;
  timer: NodeJS.Timeout | null = null;
  lastReleaseAt = 0;
  constructor(
    readonly from: string,
    readonly to: string,
  ) {}
}

class Relay {
  upstream: net.Socket | null = null;
  upstreamReady = false;
  /** Frames source->destination waiting for the upstream connection. */
  pending: Buffer[] = [];
  pendingBytes = 0;
  source: string | null = null;
  closed = false;
  fwd: Lane | null = null;
  back: Lane | null = null;
  constructor(
    readonly downstream: net.Socket,
    readonly dest: ProxyMember,
  ) {}
}

export class FaultProxy {
  private readonly servers = new Map<string, net.Server>();
  private readonly ports = new Map<string, number>();
  private readonly nameById = new Map<number, string>();
  private readonly relays = new Set<Relay>();
  private readonly blocked = new Set<string>();
  private readonly delays = new Map<string, number>();
  private readonly maxFrameBytes: number;
  private readonly maxHeldBytes: number;
  private readonly tls: ProxyOptions['tls'];
  readonly stats: ProxyStats = { connections: 0, framesRelayed: 0, framesDropped: 0, framesDelayed: 0, bytesRelayed: 0, connectionsRefused: 0 };

  private constructor(
    private readonly members: readonly ProxyMember[],
    opts: ProxyOptions,
  ) {
    this.maxFrameBytes = opts.maxFrameBytes ?? 64 * 1024 * 1024;
    this.maxHeldBytes = opts.maxHeldBytes ?? 32 * 1024 * 1024;
    this.tls = opts.tls;
    for (const m of members) {
      if (this.nameById.has(m.id)) throw new Error(`FaultProxy: duplicate member id ${m.id}`);
      this.nameById.set(m.id, m.name);
    }
  }

  static async start(members: readonly ProxyMember[], opts: ProxyOptions = {}): Promise<FaultProxy> {
    const p = new FaultProxy(members, opts);
    for (const m of members) {
      const t = opts.tls;
      const srv = t === undefined
        ? net.createServer((sock) => p.accept(sock, m))
        : tls.createServer({ ...t.certOf(m.name), ca: t.ca, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (sock) => p.accept(sock, m));
      await new Promise<void>((res, rej) => {
        srv.once('error', rej);
        srv.listen(0, '127.0.0.1', () => {
          srv.off('error', rej);
          res();
        });
      });
      p.servers.set(m.name, srv);
      p.ports.set(m.name, (srv.address() as net.AddressInfo).port);
    }
    return p;
  }

  /** The proxy port that reaches `name`. */
  portOf(name: string): number {
    const port = this.ports.get(name);
    if (port === undefined) throw new Error(`FaultProxy: no member ${name}`);
    return port;
  }

  private checkName(name: string): void {
    if (!this.ports.has(name)) throw new Error(`FaultProxy: no member ${name}`);
  }

  /** Drop every frame from `from` to `to` (one way). */
  block(from: string, to: string): void {
    this.checkName(from);
    this.checkName(to);
    if (from === to) throw new Error('FaultProxy.block: a member cannot be cut from itself');
    this.blocked.add(`${from}>${to}`);
  }

  isBlocked(from: string, to: string): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  /** Cut every link between members of different groups, both ways. */
  partition(groups: readonly (readonly string[])[]): void {
    const groupOf = new Map<string, number>();
    groups.forEach((g, i) => {
      for (const n of g) groupOf.set(n, i);
    });
    for (const a of this.members) {
      for (const b of this.members) {
        if (a === b) continue;
        const ga = groupOf.get(a.name);
        const gb = groupOf.get(b.name);
        if (ga === undefined || gb === undefined || ga !== gb) this.block(a.name, b.name);
      }
    }
  }

  /** Hold frames from `from` to `to` for `ms` milliseconds (0 removes the delay). */
  setDelay(from: string, to: string, ms: number): void {
    this.checkName(from);
    this.checkName(to);
    if (!(ms >= 0 && ms <= 60_000)) throw new Error(`FaultProxy.setDelay: delay ${ms} ms out of range`);
    if (ms === 0) this.delays.delete(`${from}>${to}`);
    else this.delays.set(`${from}>${to}`, ms);
  }

  /** Remove every block and delay. Frames already held are released at their time. */
  heal(): void {
    this.blocked.clear();
    this.delays.clear();
  }

  describe(): string {
    const parts: string[] = [];
    if (this.blocked.size) parts.push(`blocked ${[...this.blocked].sort().join(' ')}`);
    if (this.delays.size) parts.push(`delayed ${[...this.delays].map(([k, v]) => `${k}:${v}ms`).sort().join(' ')}`);
    return parts.length ? parts.join('; ') : 'healthy';
  }

  async stop(): Promise<void> {
    for (const r of this.relays) this.close(r);
    await Promise.all([...this.servers.values()].map((s) => new Promise<void>((res) => s.close(() => res()))));
    this.servers.clear();
  }

  private accept(sock: net.Socket, dest: ProxyMember): void {
    this.stats.connections++;
    const r = new Relay(sock, dest);
    this.relays.add(r);
    sock.setNoDelay(true);
    const split = new FrameSplitter(this.maxFrameBytes);
    sock.on('error', () => this.close(r));
    sock.on('close', () => this.close(r));
    sock.on('data', (chunk: Buffer) => {
      try {
        split.push(chunk, (frame) => this.fromSource(r, frame));
      } catch {
        this.stats.connectionsRefused++;
        this.close(r);
      }
    });
  }

  private fromSource(r: Relay, frame: Buffer): void {
    if (r.closed) return;
    if (r.source === null) {
      // The first frame must be HELLO: it names the source member.
      const kind = frame[4]!;
      let from: number | undefined;
      if (kind === FrameKind.Hello) {
        try {
          const f = parseFrame(kind, frame.subarray(HEADER));
          if (f.kind === FrameKind.Hello) from = f.from;
        } catch {
          from = undefined;
        }
      }
      const name = from === undefined ? undefined : this.nameById.get(from);
      if (name === undefined) {
        this.stats.connectionsRefused++;
        this.close(r);
        return;
      }
      r.source = name;
      r.fwd = new Lane(name, r.dest.name);
      r.back = new Lane(r.dest.name, name);
      this.dialUpstream(r);
    }
    this.pass(r, r.fwd!, frame);
  }

  private dialUpstream(r: Relay): void {
    const t = this.tls;
    const up: net.Socket = t === undefined
      ? net.connect({ host: '127.0.0.1', port: r.dest.peerPort })
      : tls.connect({ host: '127.0.0.1', port: r.dest.peerPort, ...t.certOf(r.dest.name), ca: t.ca, rejectUnauthorized: true });
    r.upstream = up;
    up.setNoDelay(true);
    const split = new FrameSplitter(this.maxFrameBytes);
    up.on(t === undefined ? 'connect' : 'secureConnect', () => {
      if (r.closed) return;
      r.upstreamReady = true;
      for (const f of r.pending) up.write(f);
      r.pending = [];
      r.pendingBytes = 0;
    });
    up.on('error', () => {
      if (!r.upstreamReady) this.stats.connectionsRefused++;
      this.close(r);
    });
    up.on('close', () => this.close(r));
    up.on('data', (chunk: Buffer) => {
      try {
        split.push(chunk, (frame) => this.pass(r, r.back!, frame));
      } catch {
        this.close(r);
      }
    });
  }

  /** Route one frame along `lane`: drop, delay or deliver. */
  private pass(r: Relay, lane: Lane, frame: Buffer): void {
    if (r.closed) return;
    const key = `${lane.from}>${lane.to}`;
    if (this.blocked.has(key)) {
      this.stats.framesDropped++;
      return;
    }
    const delay = this.delays.get(key) ?? 0;
    if (delay === 0 && lane.queue.length === 0) {
      this.deliver(r, lane, frame);
      return;
    }
    if (lane.heldBytes + frame.length > this.maxHeldBytes) {
      this.stats.framesDropped++;
      return;
    }
    if (delay > 0) this.stats.framesDelayed++;
    // Keep the stream's order: never release before a frame queued earlier.
    const releaseAt = Math.max(performance.now() + delay, lane.lastReleaseAt);
    lane.lastReleaseAt = releaseAt;
    lane.queue.push({ frame, releaseAt });
    lane.heldBytes += frame.length;
    this.schedule(r, lane);
  }

  private schedule(r: Relay, lane: Lane): void {
    if (lane.timer !== null || lane.queue.length === 0) return;
    const wait = Math.max(0, lane.queue[0]!.releaseAt - performance.now());
    lane.timer = setTimeout(() => {
      lane.timer = null;
      const now = performance.now();
      while (lane.queue.length > 0 && lane.queue[0]!.releaseAt <= now + 0.5) {
        const h = lane.queue.shift()!;
        lane.heldBytes -= h.frame.length;
        this.deliver(r, lane, h.frame);
      }
      this.schedule(r, lane);
    }, wait);
  }

  private deliver(r: Relay, lane: Lane, frame: Buffer): void {
    if (r.closed) return;
    this.stats.framesRelayed++;
    this.stats.bytesRelayed += frame.length;
    if (lane === r.back) {
      r.downstream.write(frame);
      return;
    }
    if (r.upstreamReady) {
      r.upstream!.write(frame);
      return;
    }
    if (r.pendingBytes + frame.length > this.maxHeldBytes) {
      this.stats.framesDropped++;
      return;
    }
    r.pending.push(frame);
    r.pendingBytes += frame.length;
  }

  private close(r: Relay): void {
    if (r.closed) return;
    r.closed = true;
    this.relays.delete(r);
    for (const lane of [r.fwd, r.back]) {
      if (lane?.timer) clearTimeout(lane.timer);
      if (lane) lane.queue = [];
    }
    r.downstream.destroy();
    r.upstream?.destroy();
  }
}
