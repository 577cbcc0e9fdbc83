// Shared pieces of the coordination suites (leases, locks, watches against real raftlockd
// processes): fast-election flags, requests with a deadline that tell "answered" from "no
// answer", retry over members, and a WebSocket watch stream one can wait on by condition.

import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { WebSocket } from 'ws';
import type { WatchEvent } from '../../src/state/commands.js';
import { ProcessCluster, waitForLeader, type ProcMember } from '../helpers/process-cluster.js';

/** Fast elections: heartbeat 50 ms, election timeout 500 ms. */
export const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'];

export type CallResult =
  | { ok: true; status: number; body: any }
  /** No HTTP answer: connection refused/reset, or our own deadline passed. */
  | { ok: false; error: string };

/** One HTTP request with a deadline. Never throws for transport failures. */
export async function call(method: string, url: string, body?: unknown, timeoutMs = 15_000): Promise<CallResult> {
  try {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text.length ? JSON.parse(text) : null;
    } catch {
      // keep the text
    }
    return { ok: true, status: res.status, body: parsed };
  } catch (e) {
    return { ok: false, error: String((e as Error)?.cause ?? e) };
  }
}

/** Answers a client may retry: the cluster could not serve it now (503), outcome unknown (504),
 *  or no answer at all. */
export function retryable(r: CallResult): boolean {
  return !r.ok || r.status === 503 || r.status === 504;
}

/** Whether a failed write may nevertheless have been applied: no answer, 504 TIMEOUT, or a 503
 *  other than the two that say "not proposed / not applied" (NO_LEADER, PROPOSAL_LOST). */
export function outcomeUnknown(r: CallResult): boolean {
  if (!r.ok) return true;
  if (r.status === 504) return true;
  if (r.status === 503) return !['PROPOSAL_LOST', 'NO_LEADER'].includes(r.body?.error?.code);
  return false;
}

export function describe(r: CallResult): string {
  return r.ok ? `${r.status} ${JSON.stringify(r.body)}` : `no answer (${r.error})`;
}

export interface CoordCluster {
  /** The running cluster (inside tests and hooks registered after useCoordCluster). */
  readonly c: ProcessCluster;
  /** Watch streams a suite opened; closed after the suite. */
  readonly streams: WatchStream[];
  /** A request that must be answered 200; returns the body. The failure names each member's state. */
  ok(method: string, url: string, body?: unknown): Promise<any>;
}

/** Each coordination suite's cluster: three members with fast elections, started before the
 *  suite and destroyed after it (with its watch streams). Call inside describe(). */
export function useCoordCluster(): CoordCluster {
  let cluster: ProcessCluster | undefined;
  const streams: WatchStream[] = [];
  before(async () => {
    cluster = await ProcessCluster.start({ size: 3, extraArgs: FAST });
    await waitForLeader(cluster);
  });
  after(async () => {
    await Promise.all(streams.map((s) => s.close()));
    await cluster?.destroy();
  });
  const get = (): ProcessCluster => {
    if (!cluster) throw new Error('the coordination cluster is not started yet');
    return cluster;
  };
  return {
    get c() {
      return get();
    },
    streams,
    async ok(method: string, url: string, body?: unknown): Promise<any> {
      const c = get();
      const r = await call(method, url, body);
      const dead = r.ok ? '' : ` (members: ${c.members.map((m) => `${m.name} ${c.isRunning(m) ? 'up' : `down\n${c.logs(m)}`}`).join(', ')})`;
      assert.ok(r.ok && r.status === 200, `${method} ${url}: ${describe(r)}${dead}`);
      return r.body;
    },
  };
}

export function running(c: ProcessCluster): ProcMember[] {
  return c.members.filter((m) => c.isRunning(m));
}

/** Wait for `ms` WITHOUT using it to synchronise with anything: pacing of a periodic loop
 *  (keepalives) or back-off between retries. */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Send a write to `members()` in rotation until it gets a definite answer (anything but
 * 503/504/no answer), for at most `deadlineMs`. Returns the definite answer and whether an
 * earlier attempt's outcome was unknown (so the write may have been applied more than once).
 */
export async function retryCall(
  members: () => ProcMember[],
  method: string,
  path: string,
  body?: unknown,
  opts: { deadlineMs?: number; start?: number; cancelled?: () => boolean } = {},
): Promise<{ r: Extract<CallResult, { ok: true }>; unknownBefore: boolean; via: ProcMember }> {
  const deadline = Date.now() + (opts.deadlineMs ?? 30_000);
  let i = opts.start ?? 0;
  let unknownBefore = false;
  let last: CallResult | undefined;
  while (Date.now() < deadline) {
    if (opts.cancelled?.()) throw new Error(`${method} ${path}: cancelled (the test is ending)`);
    const ms = members();
    if (ms.length === 0) throw new Error(`${method} ${path}: no running member`);
    const m = ms[i++ % ms.length]!;
    const r = await call(method, `${m.url}${path}`, body, 12_000);
    if (r.ok && !retryable(r)) return { r, unknownBefore, via: m };
    if (outcomeUnknown(r)) unknownBefore = true;
    last = r;
    await pause(50);
  }
  throw new Error(`${method} ${path}: no definite answer within the deadline; last: ${last ? describe(last) : 'none'}`);
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// -------------------------------------------------------------------------------------------
// Watch streams

export type ServerMessage =
  | { type: 'created'; watchId: number; revision: number }
  | { type: 'events'; watchId: number; revision: number; events: WatchEvent[] }
  | { type: 'progress'; revision: number }
  | { type: 'canceled'; watchId: number; reason: string; compactRevision?: number }
  | { type: 'keepalive'; lease: string; ttl: number }
  | { type: 'error'; code: string; message: string; watchId?: number; lease?: string };

interface MessageWaiter {
  pred: (m: ServerMessage) => boolean;
  resolve(m: ServerMessage): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** At most this many messages are kept per stream (a test bug, not a slow server, if hit). */
const MAX_KEPT_MESSAGES = 200_000;

/** A WebSocket on /v1/watch that records every server message and lets a test wait for one. */
export class WatchStream {
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters = new Set<MessageWaiter>();
  private readonly listeners = new Set<(m: ServerMessage) => void>();
  private isClosed = false;

  private constructor(
    readonly ws: WebSocket,
    readonly member: ProcMember,
  ) {
    this.closed = new Promise((res) =>
      ws.once('close', (code, reason) => {
        this.isClosed = true;
        for (const w of [...this.waiters]) {
          this.waiters.delete(w);
          clearTimeout(w.timer);
          w.reject(new Error(`watch socket to ${member.name} closed (${code}) while waiting`));
        }
        res({ code, reason: reason.toString() });
      }),
    );
    ws.on('error', () => {
      // 'close' follows; a refused or reset connection is reported through it
    });
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as ServerMessage;
      if (this.messages.length >= MAX_KEPT_MESSAGES) throw new Error(`watch stream kept more than ${MAX_KEPT_MESSAGES} messages`);
      this.messages.push(msg);
      for (const l of this.listeners) l(msg);
      for (const w of [...this.waiters]) {
        if (w.pred(msg)) {
          this.waiters.delete(w);
          clearTimeout(w.timer);
          w.resolve(msg);
        }
      }
    });
  }

  static open(member: ProcMember): Promise<WatchStream> {
    const ws = new WebSocket(`${member.url.replace('http://', 'ws://')}/v1/watch`);
    const s = new WatchStream(ws, member);
    return new Promise((res, rej) => {
      ws.once('open', () => res(s));
      ws.once('error', (e) => rej(new Error(`watch socket to ${member.name}: ${e.message}`)));
    });
  }

  get isOpen(): boolean {
    return !this.isClosed && this.ws.readyState === WebSocket.OPEN;
  }

  send(msg: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(msg));
  }

  onMessage(fn: (m: ServerMessage) => void): void {
    this.listeners.add(fn);
  }

  /** The first message from now on (or already received, if `includePast`) matching `pred`. */
  waitFor<T extends ServerMessage>(what: string, pred: (m: ServerMessage) => boolean, timeoutMs = 15_000, includePast = true): Promise<T> {
    if (includePast) {
      const hit = this.messages.find(pred);
      if (hit) return Promise.resolve(hit as T);
    }
    if (this.isClosed) return Promise.reject(new Error(`watch socket to ${this.member.name} is closed; waited for ${what}`));
    return new Promise<T>((resolve, reject) => {
      const w: MessageWaiter = {
        pred,
        resolve: (m) => resolve(m as T),
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(w);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${this.member.name}; last messages: ${JSON.stringify(this.messages.slice(-3))}`));
        }, timeoutMs),
      };
      this.waiters.add(w);
    });
  }

  /** Create a watch and wait for its `created` (or a `canceled`/`error` for it, returned too). */
  async create(opts: { key: string; prefix?: boolean; startRevision?: number; prevKv?: boolean; watchId: number }, timeoutMs = 15_000): Promise<ServerMessage> {
    this.send({ type: 'create', ...opts });
    return this.waitFor(
      `created for watch ${opts.watchId}`,
      (m) => (m.type === 'created' || m.type === 'canceled' || m.type === 'error') && 'watchId' in m && m.watchId === opts.watchId,
      timeoutMs,
    );
  }

  /** Every event of `watchId` received so far, flattened, with its revision. */
  events(watchId: number): { revision: number; ev: WatchEvent }[] {
    const out: { revision: number; ev: WatchEvent }[] = [];
    for (const m of this.messages) if (m.type === 'events' && m.watchId === watchId) for (const ev of m.events) out.push({ revision: m.revision, ev });
    return out;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.ws.close();
    const t = setTimeout(() => this.ws.terminate(), 2_000);
    await this.closed;
    clearTimeout(t);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
