// The concurrent client workload: register clients (read / write / compare-and-set on a handful
// of keys, plus write-once keys), lock clients guarding an in-test resource with fencing tokens,
// and watchers that follow every write across reconnects to random members.

import { WebSocket } from 'ws';
import { call, watchSocketTarget, writeFailureOutcome } from './client.js';
import type { ChaosCluster, ChaosMember } from './cluster.js';
import type { KvOp, LockGrant, WatcherRecord, WriteRecord } from './history.js';
import { FencedResource } from './resource.js';
import type { ChaosRng } from './rng.js';

export const PREFIX = 'chaos/';
export const REG_PREFIX = `${PREFIX}reg/`;
export const LOG_PREFIX = `${PREFIX}log/`;
export const LOCK_PREFIX = 'chaos-lock/';
/** Write-once keys per range block: keeps each final range read below the server's limit. */
export const LOG_BLOCK = 5000;

export interface WorkloadLimits {
  /** Recorded operations of all kinds; the workload stops issuing more past it. */
  maxOps: number;
  /** Events kept per watcher. */
  maxWatchEvents: number;
}

export class Recorder {
  readonly kvOps: KvOp[] = [];
  readonly writes: WriteRecord[] = [];
  readonly grants: LockGrant[] = [];
  readonly watchers: WatcherRecord[] = [];
  readonly resource: FencedResource;
  /** Lock acquisitions whose outcome is unknown (they may have been granted). */
  lockUnknown = 0;
  lockRefused = 0;
  private nextOpId = 1;
  readonly t0 = performance.now();

  constructor(readonly limits: WorkloadLimits) {
    this.resource = new FencedResource(() => this.now());
  }

  now(): number {
    return performance.now() - this.t0;
  }

  opId(): number {
    return this.nextOpId++;
  }

  get full(): boolean {
    return this.kvOps.length + this.writes.length + this.grants.length >= this.limits.maxOps;
  }
}

export interface WorkloadEnv {
  cluster: ChaosCluster;
  rec: Recorder;
  requestTimeoutMs: number;
  registers: number;
  /** 'serializable' makes register reads skip the read barrier: a deliberately unsafe mode that
   *  shows the linearizability checker catching stale reads end to end. */
  readConsistency: 'linearizable' | 'serializable';
  /** Set to stop every loop. */
  stop: { stopped: boolean };
}

function pickMember(env: WorkloadEnv, rng: ChaosRng): ChaosMember {
  return rng.pick(env.cluster.members);
}

function kvUrl(m: ChaosMember, key: string): string {
  return `${m.url}/v1/kv/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** A pause that stands for client think time or work, never for synchronisation. */
function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- registers ----

export async function registerClient(env: WorkloadEnv, name: string, rng: ChaosRng): Promise<void> {
  const { rec } = env;
  const lastSeen = new Map<string, string>();
  let seq = 0;
  let logSeq = 0;
  while (!env.stop.stopped && !rec.full) {
    const key = `${REG_PREFIX}${rng.int(0, env.registers - 1)}`;
    const m = pickMember(env, rng);
    const r = rng.float();
    if (r < 0.12) {
      await writeOnce(env, name, logSeq++, m);
      continue;
    }
    const kind: KvOp['kind'] = r < 0.5 ? 'read' : r < 0.75 || !lastSeen.has(key) ? 'write' : 'cas';
    const op: KvOp = { id: rec.opId(), client: name, key, kind, invokeMs: 0, outcome: 'unknown', member: m.name };
    if (kind !== 'read') op.value = `${name}-${++seq}`;
    if (kind === 'cas') op.expect = lastSeen.get(key)!;
    rec.kvOps.push(op);
    op.invokeMs = rec.now();
    if (kind === 'read') {
      const q = env.readConsistency === 'serializable' ? '?consistency=serializable' : '';
      const res = await call('GET', kvUrl(m, key) + q, undefined, env.requestTimeoutMs);
      op.completeMs = rec.now();
      if (res.ok) {
        op.outcome = 'ok';
        op.read = String(res.body.value);
        lastSeen.set(key, op.read);
      } else if (res.code === 'KEY_NOT_FOUND') {
        op.outcome = 'ok';
        op.read = null;
      } else {
        op.outcome = 'unknown';
        op.error = res.code;
        delete op.completeMs;
      }
    } else if (kind === 'write') {
      const res = await call('PUT', kvUrl(m, key), { value: op.value }, env.requestTimeoutMs);
      finishWrite(rec, op, res, () => {
        op.revision = res.ok ? Number(res.body.revision) : undefined;
        lastSeen.set(key, op.value!);
      });
    } else {
      const body = {
        compare: [{ key, target: 'value', op: '=', value: op.expect }],
        success: [{ put: { key, value: op.value } }],
        failure: [],
      };
      const res = await call('POST', `${m.url}/v1/txn`, body, env.requestTimeoutMs);
      finishWrite(rec, op, res, () => {
        if (!res.ok) return;
        op.succeeded = res.body.succeeded === true;
        if (op.succeeded) {
          op.revision = Number(res.body.revision);
          lastSeen.set(key, op.value!);
        } else lastSeen.delete(key);
      });
    }
    if (!op.outcome || op.outcome !== 'ok') await pause(rng.int(5, 40));
  }
}

function finishWrite(rec: Recorder, op: KvOp, res: Awaited<ReturnType<typeof call>>, onOk: () => void): void {
  if (res.ok) {
    op.completeMs = rec.now();
    op.outcome = 'ok';
    onOk();
    return;
  }
  op.outcome = writeFailureOutcome(res);
  op.error = res.code;
  if (op.outcome === 'fail') op.completeMs = rec.now();
}

export function logKey(client: string, n: number): string {
  return `${LOG_PREFIX}${client}/${Math.floor(n / LOG_BLOCK)}/${n}`;
}

async function writeOnce(env: WorkloadEnv, client: string, n: number, m: ChaosMember): Promise<void> {
  const { rec } = env;
  const key = logKey(client, n);
  const w: WriteRecord = { key, value: `${client}#${n}`, outcome: 'unknown', invokeMs: rec.now() };
  rec.writes.push(w);
  const res = await call('PUT', kvUrl(m, key), { value: w.value }, env.requestTimeoutMs);
  if (res.ok) {
    w.outcome = 'ok';
    w.revision = Number(res.body.revision);
    w.completeMs = rec.now();
  } else {
    w.outcome = writeFailureOutcome(res);
    if (w.outcome === 'fail') w.completeMs = rec.now();
  }
}

// ---- locks ----

export interface LockClientOptions {
  locks: number;
  ttlSeconds: number;
  waitMs: number;
}

export async function lockClient(env: WorkloadEnv, name: string, rng: ChaosRng, o: LockClientOptions): Promise<void> {
  const { rec } = env;
  while (!env.stop.stopped && !rec.full) {
    const lock = `${LOCK_PREFIX}${rng.int(0, o.locks - 1)}`;
    const m = pickMember(env, rng);
    const invokeMs = rec.now();
    const res = await call('POST', `${m.url}/v1/locks/${lock}`, { ttl: o.ttlSeconds, waitMs: o.waitMs }, o.waitMs + env.requestTimeoutMs);
    const ackMs = rec.now();
    if (!res.ok) {
      if (writeFailureOutcome(res) === 'unknown') rec.lockUnknown++;
      else rec.lockRefused++;
      await pause(rng.int(10, 80));
      continue;
    }
    const g: LockGrant = { lock, client: name, token: Number(res.body.fencingToken), lease: String(res.body.lease), ttlSeconds: o.ttlSeconds, invokeMs, ackMs };
    rec.grants.push(g);
    // Work under the lock: two writes to the guarded resource with some work in between.
    if (rec.resource.write(lock, name, g.token)) {
      await pause(rng.int(10, 120));
      rec.resource.write(lock, name, g.token);
    }
    g.releaseInvokeMs = rec.now();
    const rel = await call('DELETE', `${pickMember(env, rng).url}/v1/locks/${lock}?fencingToken=${g.token}`, undefined, env.requestTimeoutMs);
    g.releaseOutcome = rel.ok ? 'ok' : writeFailureOutcome(rel);
  }
}

// ---- watchers ----

export class Watcher {
  readonly record: WatcherRecord;
  private ws: WebSocket | null = null;
  private last: number;
  private lastMessageMs = 0;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  connects = 0;
  /** More events than maxWatchEvents arrived; the watcher stopped recording. */
  overflowed = false;

  constructor(
    private readonly env: WorkloadEnv,
    name: string,
    private readonly rng: ChaosRng,
    startRevision: number,
  ) {
    this.record = { name, startRevision, events: [], reconnects: 0 };
    this.last = startRevision - 1;
    env.rec.watchers.push(this.record);
  }

  get lastRevision(): number {
    return this.last;
  }

  get silentForMs(): number {
    return this.env.rec.now() - this.lastMessageMs;
  }

  start(): void {
    this.connect();
  }

  /** Drop the connection and resume from another random member. */
  reconnect(): void {
    if (this.closed) return;
    const ws = this.ws;
    this.ws = null;
    ws?.removeAllListeners();
    ws?.on('error', () => {});
    ws?.terminate();
    this.scheduleConnect();
  }

  private scheduleConnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, this.rng.int(20, 200));
  }

  private connect(): void {
    if (this.closed) return;
    const m = this.rng.pick(this.env.cluster.members);
    if (this.connects > 0) this.record.reconnects++;
    this.connects++;
    const target = watchSocketTarget(m.clientPort);
    const ws = new WebSocket(target.url, { handshakeTimeout: 2000, maxPayload: 64 * 1024 * 1024, ...target.options });
    this.ws = ws;
    this.lastMessageMs = this.env.rec.now();
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'create', key: PREFIX, prefix: true, startRevision: this.last + 1 }));
    });
    ws.on('message', (data) => {
      if (this.ws !== ws) return;
      this.lastMessageMs = this.env.rec.now();
      let msg: any;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        this.reconnect();
        return;
      }
      if (msg.type === 'events') {
        const rev = Number(msg.revision);
        for (const e of msg.events as any[]) {
          if (this.record.events.length >= this.env.rec.limits.maxWatchEvents) {
            this.overflowed = true;
            this.close();
            return;
          }
          this.record.events.push({ revision: rev, key: String(e.kv.key), type: e.type, value: String(e.kv.value), member: m.name, atMs: this.env.rec.now() });
        }
        if (rev > this.last) this.last = rev;
      } else if (msg.type === 'canceled') {
        if (typeof msg.compactRevision === 'number') {
          this.record.compactedAt = msg.compactRevision;
          this.last = Math.max(this.last, msg.compactRevision);
        }
        this.reconnect();
      } else if (msg.type === 'error') {
        this.reconnect();
      }
    });
    ws.on('error', () => {
      if (this.ws === ws) this.reconnect();
    });
    ws.on('close', () => {
      if (this.ws === ws) this.reconnect();
    });
  }

  /** Resolves once an event at or past `revision` arrived; reconnects whenever the stream stays
   *  silent for `stallMs`. Rejects after `timeoutMs`. */
  async waitFor(revision: number, timeoutMs: number, stallMs = 2000): Promise<void> {
    const deadline = this.env.rec.now() + timeoutMs;
    while (this.last < revision) {
      if (this.env.rec.now() > deadline) throw new Error(`watcher ${this.record.name} reached revision ${this.last}, not ${revision}`);
      if (this.closed) throw new Error(`watcher ${this.record.name} is closed`);
      await pause(100);
      if (this.last < revision && this.silentForMs > stallMs) this.reconnect();
    }
  }

  close(): void {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const ws = this.ws;
    this.ws = null;
    ws?.removeAllListeners();
    ws?.on('error', () => {});
    ws?.terminate();
  }
}
