// Peer messaging between members over persistent TCP connections with binary frames (codec.ts).
//
// Each member dials each peer; that outbound connection carries everything this member sends to
// the peer (Raft messages, requests, pings, snapshot chunks), and the peer answers on it
// (responses, pongs, snapshot acks). Inbound connections are the mirror image.
//
// Sending never blocks: send() puts frames on a bounded per-peer queue and a pump writes them,
// many frames per socket write (cork/uncork), respecting the socket's backpressure. A slow or dead
// peer only fills its own queue; overflow drops messages for that peer and reports it unreachable
// (Raft tolerates loss). Snapshots are streamed in chunks behind the regular messages, so
// heartbeats keep flowing while a multi-MiB snapshot is in transit.
//
// Callbacks (onMessage, onSnapshotStatus, onUnreachable) are never invoked from inside send():
// status callbacks are deferred to a microtask.

import net from 'node:net';
import tls from 'node:tls';
import type { Message, NodeId } from '../raft/types.js';
import { crc32c } from '../codec/index.js';
import { certificateNames, nameAllowed } from '../tls/index.js';
import {
  FrameDecoder,
  FrameError,
  FrameKind,
  LOCAL_MESSAGE_TYPES,
  PROTOCOL_VERSION,
  errorFrame,
  helloAckFrame,
  helloFrame,
  msgFrame,
  parseFrame,
  pingFrame,
  pongFrame,
  requestFrame,
  responseErrFrame,
  responseOkFrame,
  snapAckFrame,
  snapBeginFrame,
  snapChunkFrame,
} from './codec.js';
import type { Frame } from './codec.js';
import { RemoteError, TransportError } from './errors.js';
import { invariant } from '../invariant/index.js';

/** The certificate material of peer mutual TLS (PEM), swappable at run time by setTls(). */
export interface PeerTlsMaterial {
  readonly cert: Buffer | string;
  readonly key: Buffer | string;
  readonly ca: Buffer | string;
}

export interface PeerTlsOptions extends PeerTlsMaterial {
  /** Certificate names allowed on the other side; empty or absent: any name the CA signed. */
  readonly allowedNames?: readonly string[];
}

/** pino-compatible subset. */
export interface TransportLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const NOOP_LOGGER: TransportLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface PeerTransportOptions {
  selfId: NodeId;
  clusterId: string;
  listen: { host: string; port: number };
  /** A Raft message from a peer (snapshots arrive fully reassembled). */
  onMessage(m: Message): void;
  /** Answers a peer's request(); a thrown error's string `code` and message reach the caller. */
  onRequest(from: NodeId, payload: Uint8Array): Promise<Uint8Array>;
  /** Outcome of a snapshot send: true once the peer received and verified all of it. */
  onSnapshotStatus?(to: NodeId, ok: boolean): void;
  /** Messages to `to` were dropped (down, queue overflow, unknown). Coalesced per peer. */
  onUnreachable?(to: NodeId): void;
  /** Per-peer send queue bound in bytes. Default 8 MiB. */
  maxQueueBytes?: number;
  /** Per-peer send queue bound in frames. Default 16384. */
  maxQueueFrames?: number;
  /** Largest frame sent or accepted. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Snapshot chunk size. Default 1 MiB (less if maxFrameBytes is smaller). Must fit in a frame. */
  snapshotChunkBytes?: number;
  /** Largest snapshot accepted from a peer. Default 1 GiB. */
  maxSnapshotBytes?: number;
  /** Requests waiting for a response, per peer. Default 1024. */
  maxPendingRequests?: number;
  /** Requests being handled at once per inbound connection. Default 1024. */
  maxInboundRequests?: number;
  /** Inbound connections accepted at once. Default 256. */
  maxInboundConnections?: number;
  /**
   * Mutual TLS for every peer connection, both ways. Without it the transport speaks plain TCP.
   * With it, a connection whose certificate is not signed by `ca` is refused during the handshake
   * and never reaches the frame decoder; `allowedNames` further limits which certificate names
   * (DNS/IP SAN or CN, `*.suffix` wildcards) may connect or be connected to.
   */
  tls?: PeerTlsOptions;
  /** Ping period (RTT measurement, dead-connection detection after 3 silent periods). Default 1000. */
  pingIntervalMs?: number;
  /** Connect + handshake deadline. Default 2000. */
  dialTimeoutMs?: number;
  /** Reconnect back-off bounds (exponential with jitter). Default 50 .. 2000. */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  logger?: TransportLogger;
}

export interface PeerStats {
  connected: boolean;
  bytesSent: number;
  /** Bytes received from this peer on its inbound connections. */
  bytesReceived: number;
  messagesSent: number;
  /** Messages dropped for this peer (down, overflow, too large). */
  sendFailures: number;
  snapshotsSent: number;
  snapshotsFailed: number;
  snapshotBytesSent: number;
  queueFrames: number;
  queueBytes: number;
  /** Last measured ping round trip, undefined before the first pong. */
  rttSeconds: number | undefined;
}

export interface TransportStats {
  peers: Map<NodeId, PeerStats>;
  bytesReceived: number;
  messagesReceived: number;
  snapshotsReceived: number;
  snapshotBytesReceived: number;
  /** Inbound connections closed because of a malformed frame or protocol violation. */
  protocolErrors: number;
  /** Connections refused by TLS: failed handshakes (no or a foreign certificate) and names not allowed. */
  handshakeFailures: number;
  inboundConnections: number;
}

/** host:port from `tcp://h:p`, `http://h:p`, `https://h:p`, `h:p` or `[v6]:p`. */
export function parsePeerUrl(url: string): { host: string; port: number } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `tcp://${url}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new Error(`invalid peer url ${JSON.stringify(url)}`);
  }
  const port = Number(u.port);
  if (u.port === '' || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`peer url ${JSON.stringify(url)} needs an explicit port`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (host === '') throw new Error(`peer url ${JSON.stringify(url)} has no host`);
  return { host, port };
}

interface QueueItem {
  frame: Uint8Array;
  /** Request id, or 0 for a Raft message. */
  reqId: number;
}

interface OutboundSnapshot {
  id: number;
  message: Message;
  data: Uint8Array;
  crc: number;
  offset: number;
  begun: boolean;
  awaitingAck: boolean;
}

type PeerState = 'idle' | 'connecting' | 'ready' | 'backoff';

class Peer {
  state: PeerState = 'idle';
  socket: net.Socket | null = null;
  queue: QueueItem[] = [];
  queueHead = 0;
  queueBytes = 0;
  waitingDrain = false;
  pumpScheduled = false;
  backoffMs = 0;
  retryTimer: NodeJS.Timeout | null = null;
  pingTimer: NodeJS.Timeout | null = null;
  pingNonce = 0;
  pingSentAt: bigint | null = null;
  lastHeardMs = 0;
  rttSeconds: number | undefined = undefined;
  snap: OutboundSnapshot | null = null;
  /** Requests to this peer that are waiting for a response. */
  readonly requests = new Set<number>();
  removed = false;
  readonly counters = { bytesSent: 0, messagesSent: 0, sendFailures: 0, snapshotsSent: 0, snapshotsFailed: 0, snapshotBytesSent: 0 };

  constructor(
    readonly id: NodeId,
    public host: string,
    public port: number,
  ) {}

  get queueFrames(): number {
    return this.queue.length - this.queueHead;
  }

  shift(): QueueItem | undefined {
    if (this.queueHead >= this.queue.length) return undefined;
    const item = this.queue[this.queueHead]!;
    this.queue[this.queueHead] = undefined as unknown as QueueItem;
    this.queueHead++;
    if (this.queueHead >= 1024 && this.queueHead * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    this.queueBytes -= item.frame.length;
    return item;
  }

  takeAll(): QueueItem[] {
    const items = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    this.queueBytes = 0;
    return items;
  }
}

interface PendingRequest {
  peer: NodeId;
  written: boolean;
  timer: NodeJS.Timeout;
  resolve(v: Uint8Array): void;
  reject(e: Error): void;
}

interface InboundSnapshot {
  id: number;
  message: Message;
  crc: number;
  buf: Uint8Array;
  filled: number;
}

interface Inbound {
  socket: net.Socket;
  remote: string;
  peerId: NodeId;
  decoder: FrameDecoder;
  snap: InboundSnapshot | null;
  inflight: number;
}

/** A protocol violation by the remote side: the connection is closed. */
class ProtocolError extends Error {}

/** Bytes buffered in a socket before the pump waits for 'drain'. */
const SOCKET_HIGH_WATER = 1 << 20;

export class PeerTransport {
  private readonly o: Required<Omit<PeerTransportOptions, 'onSnapshotStatus' | 'onUnreachable' | 'logger' | 'tls'>> &
    Pick<PeerTransportOptions, 'onSnapshotStatus' | 'onUnreachable'>;
  private readonly log: TransportLogger;
  private readonly peers = new Map<NodeId, Peer>();
  private readonly pending = new Map<number, PendingRequest>();
  private readonly inbound = new Set<Inbound>();
  private readonly unreachableQueued = new Set<NodeId>();
  private server: net.Server | null = null;
  private tlsOpts: PeerTlsOptions | null;
  private started = false;
  private stopped = false;
  private nextRequestId = 1;
  private nextSnapshotId = 1;
  private readonly counters = { bytesReceived: 0, messagesReceived: 0, snapshotsReceived: 0, snapshotBytesReceived: 0, protocolErrors: 0, handshakeFailures: 0 };
  /** Bytes received on inbound connections, per sending peer (after its hello). */
  private readonly receivedFrom = new Map<NodeId, number>();

  constructor(opts: PeerTransportOptions) {
    if (!Number.isSafeInteger(opts.selfId) || opts.selfId <= 0) throw new Error(`selfId must be a positive integer, got ${opts.selfId}`);
    if (opts.clusterId.length === 0) throw new Error('clusterId must not be empty');
    this.o = {
      selfId: opts.selfId,
      clusterId: opts.clusterId,
      listen: opts.listen,
      onMessage: opts.onMessage,
      onRequest: opts.onRequest,
      onSnapshotStatus: opts.onSnapshotStatus,
      onUnreachable: opts.onUnreachable,
      maxQueueBytes: opts.maxQueueBytes ?? 8 << 20,
      maxQueueFrames: opts.maxQueueFrames ?? 16384,
      maxFrameBytes: opts.maxFrameBytes ?? 16 << 20,
      snapshotChunkBytes: opts.snapshotChunkBytes ?? Math.min(1 << 20, (opts.maxFrameBytes ?? 16 << 20) - 64),
      maxSnapshotBytes: opts.maxSnapshotBytes ?? 1 << 30,
      maxPendingRequests: opts.maxPendingRequests ?? 1024,
      maxInboundRequests: opts.maxInboundRequests ?? 1024,
      maxInboundConnections: opts.maxInboundConnections ?? 256,
      pingIntervalMs: opts.pingIntervalMs ?? 1000,
      dialTimeoutMs: opts.dialTimeoutMs ?? 2000,
      backoffMinMs: opts.backoffMinMs ?? 50,
      backoffMaxMs: opts.backoffMaxMs ?? 2000,
    };
    this.log = opts.logger ?? NOOP_LOGGER;
    this.tlsOpts = opts.tls ?? null;
    if (this.tlsOpts !== null && (!this.tlsOpts.cert || !this.tlsOpts.key || !this.tlsOpts.ca)) {
      throw new Error('peer TLS needs a certificate, a key and a CA');
    }
    if (this.o.snapshotChunkBytes < 1 || this.o.snapshotChunkBytes + 64 > this.o.maxFrameBytes) {
      throw new Error(`snapshotChunkBytes ${this.o.snapshotChunkBytes} must be >= 1 and leave 64 bytes of room in maxFrameBytes ${this.o.maxFrameBytes}`);
    }
    if (this.o.backoffMinMs < 1 || this.o.backoffMaxMs < this.o.backoffMinMs) throw new Error('backoff bounds must satisfy 1 <= min <= max');
  }

  /** Starts listening and dialing known peers. Resolves with the bound address (port 0 picks one). */
  async start(): Promise<{ host: string; port: number }> {
    invariant(!this.started, 'PeerTransport.start() called twice');
    this.started = true;
    const t = this.tlsOpts;
    const server =
      t === null
        ? net.createServer((sock) => this.accept(sock))
        : tls.createServer({ ...this.tlsServerOptions(t), requestCert: true, rejectUnauthorized: true, handshakeTimeout: this.o.dialTimeoutMs }, (sock) => this.acceptTls(sock));
    if (t !== null) {
      server.on('tlsClientError', (err: Error, sock: tls.TLSSocket) => {
        this.counters.handshakeFailures++;
        this.log.warn({ remote: `${sock.remoteAddress}:${sock.remotePort}`, err: err.message }, 'refused a peer connection: TLS handshake failed');
      });
    }
    server.maxConnections = this.o.maxInboundConnections;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.listen.port, this.o.listen.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err }, 'peer listener error'));
    for (const p of this.peers.values()) this.dial(p);
    const addr = server.address() as net.AddressInfo;
    return { host: addr.address, port: addr.port };
  }

  /** Closes everything. Pending requests fail with SHUTTING_DOWN; no callback fires afterwards. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const p of this.peers.values()) this.teardown(p, 'SHUTTING_DOWN', 'transport stopped');
    for (const c of this.inbound) c.socket.destroy();
    this.inbound.clear();
    const server = this.server;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Adds or re-addresses a peer (ignored for selfId). `url` like tcp://h:p, http://h:p or h:p. */
  setPeer(id: NodeId, url: string): void {
    if (!Number.isSafeInteger(id) || id <= 0) throw new Error(`peer id must be a positive integer, got ${id}`);
    if (id === this.o.selfId) return;
    const { host, port } = parsePeerUrl(url);
    const existing = this.peers.get(id);
    if (existing !== undefined) {
      if (existing.host === host && existing.port === port) return;
      this.teardown(existing, 'PEER_UNREACHABLE', 'peer address changed');
      existing.host = host;
      existing.port = port;
      existing.backoffMs = 0;
      if (this.started && !this.stopped) this.dial(existing);
      return;
    }
    const p = new Peer(id, host, port);
    this.peers.set(id, p);
    if (this.started && !this.stopped) this.dial(p);
  }

  removePeer(id: NodeId): void {
    const p = this.peers.get(id);
    if (p === undefined) return;
    this.peers.delete(id);
    p.removed = true;
    this.teardown(p, 'PEER_UNREACHABLE', 'peer removed');
  }

  /** Queues messages; never blocks. Local-only message types or messages to self are bugs (throws). */
  send(msgs: readonly Message[]): void {
    for (const m of msgs) {
      invariant(!LOCAL_MESSAGE_TYPES.has(m.type), () => `send: message type ${m.type} is local-only and must not be sent`);
      invariant(m.to !== this.o.selfId, () => `send: message of type ${m.type} addressed to self (${m.to})`);
    }
    if (this.stopped) return;
    for (const m of msgs) {
      const p = this.peers.get(m.to);
      if (p === undefined) {
        this.log.debug({ to: m.to, type: m.type }, 'dropping message to unknown peer');
        this.notifyUnreachable(m.to);
        continue;
      }
      if (m.snapshot !== undefined) {
        this.startSnapshot(p, m);
        continue;
      }
      if (p.state !== 'connecting' && p.state !== 'ready') {
        this.dropped(p, 1);
        continue;
      }
      let frame: Uint8Array;
      try {
        frame = msgFrame(m, this.o.maxFrameBytes);
      } catch (err) {
        if (!(err instanceof FrameError)) throw err;
        this.log.error({ to: m.to, type: m.type, entries: m.entries.length, err }, 'dropping message larger than maxFrameBytes');
        this.dropped(p, 1);
        continue;
      }
      if (!this.enqueue(p, { frame, reqId: 0 })) this.dropped(p, 1);
    }
  }

  /** A small RPC to a peer. Rejects with TransportError (PEER_UNREACHABLE, TIMEOUT, ...) or RemoteError. */
  request(to: NodeId, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.stopped) return Promise.reject(new TransportError('SHUTTING_DOWN', to, 'transport stopped'));
    const p = this.peers.get(to);
    if (p === undefined) return Promise.reject(new TransportError('PEER_UNREACHABLE', to, `peer ${to} is unknown`));
    if (p.state !== 'connecting' && p.state !== 'ready') {
      return Promise.reject(new TransportError('PEER_UNREACHABLE', to, `peer ${to} at ${p.host}:${p.port} is not connected`));
    }
    if (p.requests.size >= this.o.maxPendingRequests) {
      return Promise.reject(new TransportError('TOO_MANY_REQUESTS', to, `${p.requests.size} requests already pending on peer ${to}`));
    }
    const id = this.nextRequestId++;
    let frame: Uint8Array;
    try {
      frame = requestFrame(id, payload, this.o.maxFrameBytes);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      return Promise.reject(new TransportError('PAYLOAD_TOO_LARGE', to, `request of ${payload.length} bytes exceeds the frame limit`));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        const req = this.pending.get(id);
        if (req === undefined) return;
        this.settle(id);
        reject(new TransportError('TIMEOUT', to, `no response from peer ${to} within ${timeoutMs} ms`, { outcomeUnknown: req.written }));
      }, timeoutMs);
      this.pending.set(id, { peer: to, written: false, timer, resolve, reject });
      p.requests.add(id);
      if (!this.enqueue(p, { frame, reqId: id })) {
        this.settle(id);
        reject(new TransportError('PEER_UNREACHABLE', to, `send queue to peer ${to} is full`));
      }
    });
  }

  rttSeconds(peerId: NodeId): number | undefined {
    return this.peers.get(peerId)?.rttSeconds;
  }

  isConnected(peerId: NodeId): boolean {
    return this.peers.get(peerId)?.state === 'ready';
  }

  peerStats(peerId: NodeId): PeerStats | undefined {
    const p = this.peers.get(peerId);
    if (p === undefined) return undefined;
    return { connected: p.state === 'ready', ...p.counters, bytesReceived: this.receivedFrom.get(peerId) ?? 0, queueFrames: p.queueFrames, queueBytes: p.queueBytes, rttSeconds: p.rttSeconds };
  }

  /**
   * Takes new TLS certificates (a rotation): new connections use them at once; connections that
   * are up keep the session they negotiated. Refused when the transport was started without TLS.
   */
  setTls(material: PeerTlsMaterial): void {
    if (this.tlsOpts === null) throw new Error('this transport was started without TLS');
    this.tlsOpts = { ...this.tlsOpts, cert: material.cert, key: material.key, ca: material.ca };
    if (this.server !== null) (this.server as tls.Server).setSecureContext(this.tlsServerOptions(this.tlsOpts));
  }

  private tlsServerOptions(t: PeerTlsMaterial): tls.SecureContextOptions {
    return { cert: t.cert, key: t.key, ca: t.ca, minVersion: 'TLSv1.2' };
  }

  /** Whether the other side's verified certificate carries an allowed name; logs a refusal. */
  private peerNameAllowed(sock: tls.TLSSocket, remote: string): boolean {
    const allowed = this.tlsOpts?.allowedNames ?? [];
    if (allowed.length === 0) return true;
    const names = certificateNames(sock.getPeerCertificate());
    if (nameAllowed(names, allowed)) return true;
    this.counters.handshakeFailures++;
    this.log.warn({ remote, names }, 'refused a peer connection: certificate name not in the allowed peer names');
    return false;
  }

  stats(): TransportStats {
    const peers = new Map<NodeId, PeerStats>();
    for (const id of this.peers.keys()) peers.set(id, this.peerStats(id)!);
    return { peers, ...this.counters, inboundConnections: this.inbound.size };
  }

  // ---------------------------------------------------------------- outbound

  private dial(p: Peer): void {
    if (this.stopped || p.removed) return;
    p.state = 'connecting';
    p.waitingDrain = false;
    const t = this.tlsOpts;
    const sock: net.Socket =
      t === null
        ? net.connect({ host: p.host, port: p.port })
        : tls.connect({
            host: p.host,
            port: p.port,
            ...this.tlsServerOptions(t),
            ...(net.isIP(p.host) === 0 ? { servername: p.host } : {}),
            rejectUnauthorized: true,
          });
    p.socket = sock;
    const decoder = new FrameDecoder(this.o.maxFrameBytes);
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 10_000);
    sock.setTimeout(this.o.dialTimeoutMs, () => sock.destroy(new Error(`connect/handshake timed out after ${this.o.dialTimeoutMs} ms`)));
    if (t === null) {
      sock.on('connect', () => sock.write(helloFrame(this.o.clusterId, this.o.selfId, p.id)));
    } else {
      sock.on('secureConnect', () => {
        if (!this.peerNameAllowed(sock as tls.TLSSocket, `${p.host}:${p.port}`)) {
          sock.destroy();
          return;
        }
        sock.write(helloFrame(this.o.clusterId, this.o.selfId, p.id));
      });
    }
    sock.on('data', (chunk: Buffer) => {
      if (p.socket !== sock) return;
      this.counters.bytesReceived += chunk.length;
      p.lastHeardMs = performance.now();
      try {
        decoder.push(chunk, (kind, body) => this.onOutboundFrame(p, sock, parseFrame(kind, body)));
      } catch (err) {
        if (!(err instanceof FrameError || err instanceof ProtocolError)) throw err;
        this.log.warn({ peer: p.id, err: err.message }, 'closing connection to peer: bad frame from peer');
        sock.destroy();
      }
    });
    sock.on('error', (err) => {
      if (p.state === 'ready') this.log.warn({ peer: p.id, err: err.message }, 'peer connection error');
      else this.log.debug({ peer: p.id, err: err.message }, 'peer dial failed');
    });
    sock.on('close', () => {
      if (p.socket !== sock) return;
      const wasReady = p.state === 'ready';
      this.teardown(p, 'PEER_UNREACHABLE', 'connection lost');
      if (wasReady) this.log.info({ peer: p.id }, 'peer connection closed; reconnecting');
      this.scheduleRedial(p);
    });
  }

  private scheduleRedial(p: Peer): void {
    if (this.stopped || p.removed) return;
    p.backoffMs = p.backoffMs === 0 ? this.o.backoffMinMs : Math.min(this.o.backoffMaxMs, p.backoffMs * 2);
    // "Equal jitter": half fixed, half random, so peers that failed together do not redial together.
    const delay = p.backoffMs / 2 + Math.random() * (p.backoffMs / 2);
    p.state = 'backoff';
    p.retryTimer = setTimeout(() => {
      p.retryTimer = null;
      this.dial(p);
    }, delay);
  }

  /**
   * Drops the connection (if any) and everything waiting on it: queued messages count as send
   * failures, requests fail with `code`, an in-flight snapshot is reported failed. The peer is left
   * 'idle'; the caller decides about redialing.
   */
  private teardown(p: Peer, code: 'PEER_UNREACHABLE' | 'SHUTTING_DOWN', why: string): void {
    const sock = p.socket;
    p.socket = null;
    p.state = 'idle';
    p.waitingDrain = false;
    p.pingSentAt = null;
    if (p.retryTimer !== null) clearTimeout(p.retryTimer);
    if (p.pingTimer !== null) clearInterval(p.pingTimer);
    p.retryTimer = null;
    p.pingTimer = null;
    if (sock !== null) sock.destroy();
    let droppedMsgs = 0;
    for (const item of p.takeAll()) if (item.reqId === 0) droppedMsgs++;
    for (const id of [...p.requests]) {
      const req = this.pending.get(id);
      if (req === undefined) continue;
      this.settle(id);
      req.reject(new TransportError(code, p.id, `request to peer ${p.id} failed: ${why}`, { outcomeUnknown: req.written }));
    }
    if (p.snap !== null) this.finishSnapshot(p, false);
    if (droppedMsgs > 0) this.dropped(p, droppedMsgs);
    else if (sock !== null && code === 'PEER_UNREACHABLE') this.notifyUnreachable(p.id);
  }

  private onOutboundFrame(p: Peer, sock: net.Socket, f: Frame): void {
    if (p.socket !== sock) return;
    switch (f.kind) {
      case FrameKind.HelloAck: {
        if (p.state !== 'connecting') throw new ProtocolError('unexpected HelloAck');
        if (f.version !== PROTOCOL_VERSION || f.clusterId !== this.o.clusterId || f.id !== p.id) {
          this.log.error(
            { peer: p.id, address: `${p.host}:${p.port}`, theirCluster: f.clusterId, ourCluster: this.o.clusterId, theirId: f.id, version: f.version },
            'peer answered as a different member, cluster or protocol version; not using it',
          );
          p.backoffMs = this.o.backoffMaxMs;
          sock.destroy();
          return;
        }
        p.state = 'ready';
        p.backoffMs = 0;
        sock.setTimeout(0);
        this.log.debug({ peer: p.id }, 'connected to peer');
        p.pingTimer = setInterval(() => this.pingTick(p, sock), this.o.pingIntervalMs);
        this.sendPing(p, sock);
        this.schedulePump(p);
        return;
      }
      case FrameKind.Error:
        this.log.error({ peer: p.id, code: f.code, message: f.message }, 'peer refused the connection');
        p.backoffMs = this.o.backoffMaxMs;
        sock.destroy();
        return;
      case FrameKind.Pong:
        if (p.pingSentAt !== null && f.nonce === p.pingNonce) {
          p.rttSeconds = Number(process.hrtime.bigint() - p.pingSentAt) / 1e9;
          p.pingSentAt = null;
        }
        return;
      case FrameKind.Response: {
        const req = this.pending.get(f.id);
        if (req === undefined || req.peer !== p.id) return; // timed out already
        this.settle(f.id);
        if (f.ok) req.resolve(f.payload);
        else req.reject(new RemoteError(p.id, f.code, f.message));
        return;
      }
      case FrameKind.SnapAck:
        if (p.snap !== null && p.snap.id === f.id) this.finishSnapshot(p, f.ok);
        return;
      default:
        throw new ProtocolError(`unexpected ${FrameKind[f.kind]} frame on an outbound connection`);
    }
  }

  private sendPing(p: Peer, sock: net.Socket): void {
    p.pingNonce = (p.pingNonce + 1) % 0x7fff_ffff;
    p.pingSentAt = process.hrtime.bigint();
    sock.write(pingFrame(p.pingNonce));
  }

  private pingTick(p: Peer, sock: net.Socket): void {
    if (p.socket !== sock || p.state !== 'ready') return;
    if (performance.now() - p.lastHeardMs > 3 * this.o.pingIntervalMs) {
      this.log.warn({ peer: p.id, silentMs: Math.round(performance.now() - p.lastHeardMs) }, 'peer connection silent; reconnecting');
      sock.destroy();
      return;
    }
    if (p.pingSentAt === null) this.sendPing(p, sock);
  }

  private enqueue(p: Peer, item: QueueItem): boolean {
    if (p.queueBytes + item.frame.length > this.o.maxQueueBytes || p.queueFrames >= this.o.maxQueueFrames) return false;
    p.queue.push(item);
    p.queueBytes += item.frame.length;
    this.schedulePump(p);
    return true;
  }

  private dropped(p: Peer, n: number): void {
    p.counters.sendFailures += n;
    this.notifyUnreachable(p.id);
  }

  private notifyUnreachable(id: NodeId): void {
    if (this.o.onUnreachable === undefined || this.unreachableQueued.has(id)) return;
    this.unreachableQueued.add(id);
    queueMicrotask(() => {
      this.unreachableQueued.delete(id);
      if (!this.stopped) this.o.onUnreachable?.(id);
    });
  }

  private schedulePump(p: Peer): void {
    if (p.pumpScheduled || p.state !== 'ready') return;
    p.pumpScheduled = true;
    queueMicrotask(() => {
      p.pumpScheduled = false;
      this.pump(p);
    });
  }

  /** Writes queued frames (messages first, then snapshot chunks) until the socket is full. */
  private pump(p: Peer): void {
    const sock = p.socket;
    if (sock === null || p.state !== 'ready' || p.waitingDrain || sock.destroyed) return;
    sock.cork();
    try {
      while (sock.writableLength < SOCKET_HIGH_WATER) {
        const item = p.shift();
        if (item !== undefined) {
          if (item.reqId !== 0) {
            const req = this.pending.get(item.reqId);
            if (req === undefined) continue; // timed out while queued
            req.written = true;
          } else {
            p.counters.messagesSent++;
          }
          p.counters.bytesSent += item.frame.length;
          sock.write(item.frame);
          continue;
        }
        const s = p.snap;
        if (s !== null && !s.awaitingAck) {
          let frame: Uint8Array;
          if (!s.begun) {
            frame = snapBeginFrame(s.id, s.message, s.data.length, s.crc, this.o.maxFrameBytes);
            s.begun = true;
          } else {
            const end = Math.min(s.data.length, s.offset + this.o.snapshotChunkBytes);
            frame = snapChunkFrame(s.id, s.offset, s.data.subarray(s.offset, end), this.o.maxFrameBytes);
            p.counters.snapshotBytesSent += end - s.offset;
            s.offset = end;
          }
          if (s.offset === s.data.length) s.awaitingAck = true;
          p.counters.bytesSent += frame.length;
          sock.write(frame);
          continue;
        }
        break;
      }
    } finally {
      sock.uncork();
    }
    const moreWork = p.queueFrames > 0 || (p.snap !== null && !p.snap.awaitingAck);
    if (moreWork) {
      if (sock.writableNeedDrain) {
        p.waitingDrain = true;
        sock.once('drain', () => {
          if (p.socket !== sock) return;
          p.waitingDrain = false;
          this.pump(p);
        });
      } else {
        setImmediate(() => this.pump(p));
      }
    }
  }

  private startSnapshot(p: Peer, m: Message): void {
    const data = m.snapshot!.data;
    if (p.snap !== null) {
      // Raft sends one snapshot per follower at a time; the one in flight will report its status.
      this.log.debug({ to: p.id, index: m.snapshot!.metadata.index }, 'snapshot already in flight to peer; dropping the new one');
      p.counters.sendFailures++;
      return;
    }
    if (p.state !== 'connecting' && p.state !== 'ready') {
      p.counters.sendFailures++;
      p.counters.snapshotsFailed++;
      this.deferSnapshotStatus(p.id, false);
      this.notifyUnreachable(p.id);
      return;
    }
    p.snap = { id: this.nextSnapshotId++, message: m, data, crc: crc32c(data), offset: 0, begun: false, awaitingAck: false };
    this.log.info({ to: p.id, index: m.snapshot!.metadata.index, bytes: data.length }, 'sending snapshot');
    this.schedulePump(p);
  }

  private finishSnapshot(p: Peer, ok: boolean): void {
    const s = p.snap;
    if (s === null) return;
    p.snap = null;
    if (ok) p.counters.snapshotsSent++;
    else p.counters.snapshotsFailed++;
    this.log.info({ to: p.id, index: s.message.snapshot!.metadata.index, ok }, 'snapshot send finished');
    this.deferSnapshotStatus(p.id, ok);
    this.schedulePump(p);
  }

  private deferSnapshotStatus(id: NodeId, ok: boolean): void {
    if (this.o.onSnapshotStatus === undefined) return;
    queueMicrotask(() => {
      if (!this.stopped) this.o.onSnapshotStatus?.(id, ok);
    });
  }

  private settle(id: number): void {
    const req = this.pending.get(id);
    if (req === undefined) return;
    clearTimeout(req.timer);
    this.pending.delete(id);
    this.peers.get(req.peer)?.requests.delete(id);
  }

  // ---------------------------------------------------------------- inbound

  /** An inbound TLS connection whose certificate the CA signed: checks its name, then accepts. */
  private acceptTls(sock: tls.TLSSocket): void {
    if (!sock.authorized) {
      this.counters.handshakeFailures++;
      sock.destroy();
      return;
    }
    if (!this.peerNameAllowed(sock, `${sock.remoteAddress}:${sock.remotePort}`)) {
      sock.destroy();
      return;
    }
    this.accept(sock);
  }

  private accept(sock: net.Socket): void {
    if (this.stopped) {
      sock.destroy();
      return;
    }
    const c: Inbound = {
      socket: sock,
      remote: `${sock.remoteAddress}:${sock.remotePort}`,
      peerId: 0,
      decoder: new FrameDecoder(this.o.maxFrameBytes),
      snap: null,
      inflight: 0,
    };
    this.inbound.add(c);
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 10_000);
    sock.setTimeout(this.o.dialTimeoutMs, () => {
      this.log.warn({ remote: c.remote, peer: c.peerId }, 'inbound peer connection idle; closing it');
      sock.destroy();
    });
    sock.on('data', (chunk: Buffer) => {
      this.counters.bytesReceived += chunk.length;
      if (c.peerId !== 0) this.receivedFrom.set(c.peerId, (this.receivedFrom.get(c.peerId) ?? 0) + chunk.length);
      try {
        c.decoder.push(chunk, (kind, body) => this.onInboundFrame(c, parseFrame(kind, body)));
      } catch (err) {
        if (!(err instanceof FrameError || err instanceof ProtocolError)) throw err;
        this.counters.protocolErrors++;
        this.log.warn({ remote: c.remote, peer: c.peerId, err: err.message }, 'closing inbound peer connection: bad frame');
        sock.destroy();
      }
    });
    sock.on('error', (err) => this.log.debug({ remote: c.remote, err: err.message }, 'inbound peer connection error'));
    sock.on('close', () => this.inbound.delete(c));
  }

  private reply(c: Inbound, frame: Uint8Array): void {
    const sock = c.socket;
    if (sock.destroyed) return;
    if (sock.writableLength > this.o.maxQueueBytes) {
      this.log.warn({ remote: c.remote, peer: c.peerId }, 'peer is not reading its replies; closing the connection');
      sock.destroy();
      return;
    }
    sock.write(frame);
  }

  private onInboundFrame(c: Inbound, f: Frame): void {
    if (c.socket.destroyed) return;
    if (c.peerId === 0) {
      if (f.kind !== FrameKind.Hello) throw new ProtocolError(`expected Hello, got ${FrameKind[f.kind]}`);
      let problem: string | null = null;
      if (f.version !== PROTOCOL_VERSION) problem = `protocol version ${f.version}, expected ${PROTOCOL_VERSION}`;
      else if (f.clusterId !== this.o.clusterId) problem = `cluster id ${JSON.stringify(f.clusterId)}, expected ${JSON.stringify(this.o.clusterId)}`;
      else if (f.to !== this.o.selfId) problem = `addressed to member ${f.to}, this is member ${this.o.selfId}`;
      else if (f.from === 0 || f.from === this.o.selfId) problem = `invalid sender id ${f.from}`;
      if (problem !== null) {
        this.counters.protocolErrors++;
        this.log.error({ remote: c.remote, from: f.from, problem }, 'rejecting peer connection');
        c.socket.end(errorFrame('CLUSTER_MISMATCH', `rejected by member ${this.o.selfId}: ${problem}`));
        return;
      }
      c.peerId = f.from;
      // The dialer pings every pingIntervalMs; an inbound connection silent for much longer than
      // that belongs to a dead or partitioned peer (half-open TCP) and is dropped.
      c.socket.setTimeout(Math.max(5 * this.o.pingIntervalMs, 10_000));
      this.reply(c, helloAckFrame(this.o.clusterId, this.o.selfId));
      return;
    }
    switch (f.kind) {
      case FrameKind.Msg:
        this.deliver(c, f.message);
        return;
      case FrameKind.Ping:
        this.reply(c, pongFrame(f.nonce));
        return;
      case FrameKind.Request:
        this.handleRequest(c, f.id, f.payload);
        return;
      case FrameKind.SnapBegin: {
        if (f.totalBytes > this.o.maxSnapshotBytes) {
          this.log.error({ peer: c.peerId, bytes: f.totalBytes, limit: this.o.maxSnapshotBytes }, 'refusing snapshot larger than maxSnapshotBytes');
          c.snap = null;
          this.reply(c, snapAckFrame(f.id, false));
          return;
        }
        c.snap = { id: f.id, message: f.message, crc: f.crc, buf: new Uint8Array(f.totalBytes), filled: 0 };
        if (f.totalBytes === 0) this.completeSnapshot(c);
        return;
      }
      case FrameKind.SnapChunk: {
        const s = c.snap;
        if (s === null || s.id !== f.id) return; // a refused or superseded transfer
        if (f.offset !== s.filled || s.filled + f.chunk.length > s.buf.length) {
          throw new ProtocolError(`snapshot chunk at offset ${f.offset} (+${f.chunk.length}) does not follow ${s.filled} of ${s.buf.length}`);
        }
        s.buf.set(f.chunk, s.filled);
        s.filled += f.chunk.length;
        this.counters.snapshotBytesReceived += f.chunk.length;
        if (s.filled === s.buf.length) this.completeSnapshot(c);
        return;
      }
      default:
        throw new ProtocolError(`unexpected ${FrameKind[f.kind]} frame on an inbound connection`);
    }
  }

  private completeSnapshot(c: Inbound): void {
    const s = c.snap!;
    c.snap = null;
    const got = crc32c(s.buf);
    if (got !== s.crc) {
      this.log.error({ peer: c.peerId, expected: s.crc, got }, 'snapshot checksum mismatch; discarding it');
      this.reply(c, snapAckFrame(s.id, false));
      return;
    }
    this.counters.snapshotsReceived++;
    this.deliver(c, { ...s.message, snapshot: { metadata: s.message.snapshot!.metadata, data: s.buf } });
    this.reply(c, snapAckFrame(s.id, true));
  }

  private deliver(c: Inbound, m: Message): void {
    if (m.from !== c.peerId) throw new ProtocolError(`message claims to be from ${m.from} on a connection from ${c.peerId}`);
    if (LOCAL_MESSAGE_TYPES.has(m.type)) throw new ProtocolError(`local-only message type ${m.type} on the wire`);
    if (m.to !== this.o.selfId) {
      this.log.warn({ from: m.from, to: m.to, type: m.type }, 'dropping message addressed to another member');
      return;
    }
    this.counters.messagesReceived++;
    this.o.onMessage(m);
  }

  private handleRequest(c: Inbound, id: number, payload: Uint8Array): void {
    if (c.inflight >= this.o.maxInboundRequests) {
      this.reply(c, responseErrFrame(id, 'TOO_MANY_REQUESTS', `member ${this.o.selfId} has ${c.inflight} requests in progress from ${c.peerId}`));
      return;
    }
    c.inflight++;
    const from = c.peerId;
    Promise.resolve()
      .then(() => this.o.onRequest(from, payload))
      .then(
        (res) => {
          let frame: Uint8Array;
          try {
            frame = responseOkFrame(id, res, this.o.maxFrameBytes);
          } catch (err) {
            if (!(err instanceof FrameError)) throw err;
            frame = responseErrFrame(id, 'PAYLOAD_TOO_LARGE', `response of ${res.length} bytes exceeds the frame limit`);
          }
          this.reply(c, frame);
        },
        (err: unknown) => {
          const e = err as { code?: unknown; message?: unknown };
          const code = typeof e?.code === 'string' ? e.code : 'INTERNAL';
          const message = typeof e?.message === 'string' ? e.message : String(err);
          this.reply(c, responseErrFrame(id, code, message));
        },
      )
      .finally(() => {
        c.inflight--;
      });
  }
}
