// Real Members in one process, driven by a manual clock over an in-memory network that a test
// can filter (drop some messages, freeze a member), and stores whose writes can be held. Time
// moves only when the test says so, so a race between an expiry decision and a keepalive can be
// set up exactly instead of hoped for.

import type { Cancelable, Clock, DurableLog, PeerLink } from '../../src/node/ports.js';
import { Member, type MemberOptions } from '../../src/node/member.js';
import type { MemberRecord } from '../../src/node/members.js';
import { SplitMix32 } from '../../src/raft/rng.js';
import { StateRole, type Message } from '../../src/raft/types.js';
import { MemoryRaftStore } from '../../src/storage/memory-store.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  everyMs?: number;
  cancelled: boolean;
}

/** Let queued promise callbacks and setImmediate work (message delivery) run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

export class ManualClock implements Clock {
  private t = 1_000_000;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): Cancelable {
    return this.add({ at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false });
  }

  /** Work deferred by a member runs between events, as in production (see settle). */
  defer(fn: () => void): void {
    setImmediate(fn);
  }

  every(ms: number, fn: () => void): Cancelable {
    return this.add({ at: this.t + ms, seq: this.seq++, fn, everyMs: ms, cancelled: false });
  }

  private add(t: Timer): Cancelable {
    this.timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  }

  /** Move time forward by `ms`, firing due timers in time order and letting the work they start
   *  run before the next one fires. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers = this.timers.filter((x) => !x.cancelled);
      let next: Timer | undefined;
      for (const x of this.timers) if (x.at <= end && (!next || x.at < next.at || (x.at === next.at && x.seq < next.seq))) next = x;
      if (!next) break;
      this.t = Math.max(this.t, next.at);
      if (next.everyMs !== undefined) {
        next.at += next.everyMs;
        next.seq = this.seq++;
      } else {
        next.cancelled = true;
      }
      next.fn();
      await settle(3);
    }
    this.t = end;
    await settle();
  }
}

/** A DurableLog whose writes can be held back (a stalled disk). */
export class GatedStore implements DurableLog {
  readonly inner = new MemoryRaftStore();
  private held: (() => void)[] | null = null;

  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const h = this.held ?? [];
    this.held = null;
    for (const r of h) r();
  }

  load(): ReturnType<DurableLog['load']> {
    return this.inner.load();
  }

  async save(batch: Parameters<DurableLog['save']>[0], sync: boolean): Promise<void> {
    if (this.held) await new Promise<void>((r) => this.held!.push(r));
    await this.inner.save(batch, sync);
  }

  saveSnapshot(snap: Parameters<DurableLog['saveSnapshot']>[0]): Promise<boolean> {
    return this.inner.saveSnapshot(snap);
  }
}

const noop = (): void => undefined;
const quiet = { debug: noop, info: noop, warn: noop, error: noop };

export interface TestCluster {
  clock: ManualClock;
  members: Member[];
  stores: GatedStore[];
  /** Return true to drop a message (a Raft message or a forwarded request: `kind` tells). */
  drop: (from: number, to: number, kind: 'raft' | 'request', m?: Message) => boolean;
  ids: number[];
  leader(): Member | undefined;
  /** Advance time until `cond` holds (checked every tick), or fail after `maxMs` of clock time. */
  until(what: string, cond: () => boolean, maxMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const TICK_MS = 10;

export async function startCluster(n = 3, opts: Partial<MemberOptions> = {}): Promise<TestCluster> {
  const clock = new ManualClock();
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const recs: MemberRecord[] = ids.map((id) => ({ id, name: `n${id}`, peerUrl: `mem://${id}`, clientUrl: `mem://${id}/client` }));
  const byId = new Map<number, Member>();
  const stores: GatedStore[] = [];
  const c: TestCluster = {
    clock,
    members: [],
    stores,
    ids,
    drop: () => false,
    /** The leader of the highest term (a deposed one may not know yet). */
    leader: () =>
      c.members
        .filter((m) => m.status().role === StateRole.Leader)
        .sort((a, b) => b.status().term - a.status().term)[0],
    async until(what, cond, maxMs = 10_000) {
      const end = clock.now() + maxMs;
      while (!cond()) {
        if (clock.now() >= end) throw new Error(`timed out (clock) waiting for ${what}`);
        await clock.advance(TICK_MS);
      }
    },
    async stop() {
      for (const m of c.members) await m.stop({ transferLeadership: false });
    },
  };
  const link = (self: number): PeerLink => ({
    send(msgs) {
      for (const m of msgs) {
        if (c.drop(self, m.to, 'raft', m)) continue;
        const copy = structuredClone(m);
        setImmediate(() => {
          if (!c.drop(self, m.to, 'raft', m)) byId.get(m.to)?.handlePeerMessage(copy);
        });
      }
    },
    request(to, payload, timeoutMs) {
      return new Promise<Uint8Array>((resolve, reject) => {
        let done = false;
        const fail = (): void => {
          if (done) return;
          done = true;
          reject(Object.assign(new Error(`no response from ${to} within ${timeoutMs} ms`), { code: 'TIMEOUT', outcomeUnknown: true }));
        };
        const timer = clock.after(timeoutMs, fail);
        if (c.drop(self, to, 'request')) return; // lost on the way: only the timeout answers
        const target = byId.get(to);
        if (!target) return;
        void target.handlePeerRequest(self, payload.slice()).then((bytes) => {
          if (done || c.drop(to, self, 'request')) return;
          done = true;
          timer.cancel();
          resolve(bytes);
        });
      });
    },
    setPeer: noop,
    removePeer: noop,
  });
  for (const rec of recs) {
    const store = new GatedStore();
    await store.inner.open();
    stores.push(store);
    const m = await Member.start({
      self: rec,
      initialMembers: recs,
      join: false,
      tickMs: TICK_MS,
      electionTicks: 10,
      heartbeatTicks: 1,
      snapshotThreshold: 1_000_000,
      historyRevisions: 1_000,
      maxPendingProposals: 1_000,
      maxWatchers: 100,
      requestTimeoutMs: 2_000,
      memberIdFor: (name) => recs.find((r) => r.name === name)?.id ?? 0,
      log: store,
      peers: link(rec.id),
      clock,
      rng: new SplitMix32(rec.id * 7919),
      logger: quiet,
      ...opts,
    });
    byId.set(rec.id, m);
    c.members.push(m);
  }
  await c.until('a leader', () => c.leader() !== undefined && c.members.every((m) => m.status().lead === c.leader()!.status().id));
  return c;
}

/** Cut `id` off from everyone (a frozen process: nothing in, nothing out). */
export function isolate(c: TestCluster, id: number): void {
  const before = c.drop;
  c.drop = (from, to, kind, m) => from === id || to === id || before(from, to, kind, m);
}
