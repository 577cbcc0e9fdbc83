// Simulated clients of the real members: they call the Server facade as the REST layer does
// (propose, readBarrier + local state, keepalives, lock waits, watches) and record what they
// saw, with simulated times, for the checkers. A request to a member that is down fails at once
// (connection refused); one whose member crashes or stalls ends at the client's own timeout,
// outcome unknown.

import type { Member } from '../../../../src/node/member.js';
import type { Command, CommandResult, LockHolder, WatchEvent } from '../../../../src/state/commands.js';
import type { SimRng } from '../rng.js';
import type { HoldRecord, KvOp, KvRecord, WatchRecord } from './checks.js';
import type { World } from './world.js';

/** Errors after which the request certainly changed nothing. */
const DEFINITE = new Set(['NO_LEADER', 'PROPOSAL_LOST', 'TOO_MANY_REQUESTS', 'LEASE_NOT_FOUND', 'BAD_REQUEST', 'DOWN']);

export type Outcome<T> = { ok: true; value: T } | { ok: false; definite: boolean; code: string };

export interface Members {
  /** The live member of slot `i`, or null while it is down. */
  get(i: number): Member | null;
  count: number;
  /** Watchers hear of their member going away (its sockets close). */
  onDown(i: number, fn: () => void): () => void;
}

export interface ClientEnv {
  world: World;
  members: Members;
  rng: SimRng;
  /** Clients start no new operation after this time. */
  opsUntil: number;
  requestTimeoutMs: number;
  kv: KvRecord[];
  holds: HoldRecord[];
  watches: WatchRecord[];
  keys: string[];
  locks: string[];
  leaseTtlsMs: number[];
  count(what: string): void;
}

/** Call `fn` on member `i` with the client's own timeout. */
export async function call<T>(env: ClientEnv, i: number, fn: (m: Member) => Promise<T>, timeoutMs = env.requestTimeoutMs + 200): Promise<Outcome<T>> {
  const m = env.members.get(i);
  if (!m) return { ok: false, definite: true, code: 'DOWN' };
  return new Promise<Outcome<T>>((resolve) => {
    let done = false;
    const timer = env.world.at(timeoutMs, () => {
      if (done) return;
      done = true;
      resolve({ ok: false, definite: false, code: 'CLIENT_TIMEOUT' });
    });
    fn(m).then(
      (value) => {
        if (done) return;
        done = true;
        timer.cancel();
        resolve({ ok: true, value });
      },
      (err: unknown) => {
        if (done) return;
        done = true;
        timer.cancel();
        const code = String((err as { code?: string })?.code ?? 'INTERNAL');
        resolve({ ok: false, definite: DEFINITE.has(code), code });
      },
    );
  });
}

const pickMember = (env: ClientEnv): number => env.rng.intn(env.members.count);

/** Puts, deletes, linearizable reads and compare-and-set transactions on a few registers. */
export async function kvClient(env: ClientEnv, id: number): Promise<void> {
  const { world, rng } = env;
  let n = 0;
  let lastSeen: string | null = null;
  while (world.now() < env.opsUntil) {
    const key = rng.pick(env.keys);
    const at = pickMember(env);
    const invoke = world.now();
    const roll = rng.float();
    const record = (op: KvOp, complete: number) => env.kv.push({ client: id, key, op, invoke, complete });
    if (roll < 0.35) {
      const value = `c${id}.${++n}`;
      const r = await call<CommandResult>(env, at, (m) => m.propose({ op: 'put', key, value }));
      if (r.ok || !r.definite) record({ kind: 'write', value }, r.ok ? world.now() : Infinity);
      env.count(r.ok ? 'put ok' : `put ${r.code}`);
    } else if (roll < 0.42) {
      const r = await call<CommandResult>(env, at, (m) => m.propose({ op: 'delete', key }));
      if (r.ok || !r.definite) record({ kind: 'write', value: null }, r.ok ? world.now() : Infinity);
      env.count(r.ok ? 'delete ok' : `delete ${r.code}`);
    } else if (roll < 0.8) {
      const r = await call<string | null>(env, at, async (m) => {
        await m.readBarrier();
        return m.state().get(key)?.value ?? null;
      });
      if (r.ok) {
        record({ kind: 'read', value: r.value }, world.now());
        lastSeen = r.value;
      }
      env.count(r.ok ? 'read ok' : `read ${r.code}`);
    } else {
      const expect = lastSeen ?? `c${id}.${n}`;
      const value = `c${id}.${++n}`;
      const cmd: Command = { op: 'txn', compare: [{ key, target: 'value', op: '=', value: expect }], success: [{ put: { key, value } }], failure: [] };
      const r = await call<CommandResult>(env, at, (m) => m.propose(cmd));
      if (r.ok && r.value.op === 'txn') record({ kind: 'cas', expect, value, succeeded: r.value.succeeded }, world.now());
      else if (!r.ok && !r.definite) record({ kind: 'cas', expect, value }, Infinity);
      env.count(r.ok ? 'txn ok' : `txn ${r.code}`);
    }
    await world.sleep(rng.range(0, 40));
  }
}

/**
 * Takes a lease, keeps it alive at the edge of its TTL, takes locks with it and releases them.
 * What the client believes: it holds a granted lock until it sends the release or until its
 * lease rule runs out (send time of the last acknowledged keepalive + TTL), whichever is first.
 */
export async function lockClient(env: ClientEnv, id: number): Promise<void> {
  const { world, rng } = env;
  let leases = 0;
  let waiters = 0;
  while (world.now() < env.opsUntil) {
    const ttl = rng.pick(env.leaseTtlsMs);
    const lease = `l${id}.${++leases}`;
    const home = pickMember(env);
    const sentAt = world.now();
    const g = await call<CommandResult>(env, home, (m) => m.propose({ op: 'leaseGrant', id: lease, ttlMs: ttl }));
    env.count(g.ok ? 'lease grant ok' : `lease grant ${g.code}`);
    if (!g.ok || g.value.op !== 'leaseGrant') {
      await world.sleep(rng.range(20, 100));
      continue;
    }
    const belief = { until: sentAt + ttl, lost: false };
    const keepalives = keepAlive(env, lease, ttl, belief);
    // Take locks with this lease while it lives.
    while (!belief.lost && world.now() < belief.until && world.now() < env.opsUntil) {
      const lock = rng.pick(env.locks);
      const waiterId = `w${id}.${++waiters}`;
      const at = pickMember(env);
      const a = await call<CommandResult>(env, at, (m) => m.propose({ op: 'lockAcquire', name: lock, lease, waiterId }));
      env.count(a.ok ? 'lock acquire ok' : `lock acquire ${a.code}`);
      if (!a.ok || a.value.op !== 'lockAcquire') break; // outcome unknown: give the lease up
      let holder: LockHolder | null = a.value.granted ? a.value.holder : null;
      if (!holder) {
        const ac = new AbortController();
        // A waiter may wait past its own belief: a grant that arrives too late is simply not
        // relied on (the hold is empty), while its keepalives go on.
        const waitMs = rng.range(100, 1500);
        const stop = world.at(waitMs, () => ac.abort());
        const w = await call<LockHolder | null>(env, at, (m) => m.awaitLockGrant(lock, waiterId, ac.signal), waitMs + 50);
        stop.cancel();
        holder = w.ok ? w.value : null;
        env.count(holder ? 'lock granted after wait' : 'lock wait ended');
        if (!holder) {
          const c = await call<CommandResult>(env, at, (m) => m.propose({ op: 'lockCancel', name: lock, waiterId }));
          if (!c.ok || c.value.op !== 'lockCancel') break; // not sure where the waiter stands: give the lease up
          if (!c.value.canceled && c.value.holder?.waiterId === waiterId) holder = c.value.holder; // granted meanwhile
          else continue;
        }
      }
      // Hold it for a while, as long as the lease rule allows. Should the rule run out first,
      // the client stops acting as holder — and resumes if a keepalive it had sent in time is
      // acknowledged after all (the rule then vouches for the lease again, until its send + TTL).
      const holdUntil = world.now() + rng.range(0, 400);
      let resumed = true;
      while (resumed && world.now() < holdUntil) {
        const rec: HoldRecord = { client: id, lock, lease, fencingToken: holder.fencingToken, start: world.now(), end: world.now() };
        env.holds.push(rec);
        while (world.now() < holdUntil && world.now() < belief.until) await world.sleep(Math.max(1, Math.min(holdUntil, belief.until) - world.now()));
        rec.end = Math.min(world.now(), belief.until);
        if (world.now() < holdUntil) {
          const giveUp = world.now() + 300;
          while (world.now() < giveUp && world.now() >= belief.until && !belief.lost) await world.sleep(5);
          resumed = world.now() < belief.until && !belief.lost;
          if (resumed) env.count('lock hold resumed after a late keepalive');
        }
      }
      if (world.now() >= belief.until) break;
      const r = await call<CommandResult>(env, pickMember(env), (m) => m.propose({ op: 'lockRelease', name: lock, fencingToken: holder!.fencingToken }));
      env.count(r.ok ? 'lock release ok' : `lock release ${r.code}`);
      await world.sleep(rng.range(0, 60));
    }
    belief.lost = true; // stop keeping it alive; the leader expires it
    await keepalives;
    await world.sleep(rng.range(0, 100));
  }
}

async function keepAlive(env: ClientEnv, lease: string, ttl: number, belief: { until: number; lost: boolean }): Promise<void> {
  const { world, rng } = env;
  while (!belief.lost) {
    // At the edge: keepalives go out late in the TTL, some just after it ran out.
    const due = belief.until - ttl + Math.round(ttl * (0.75 + rng.float() * 0.27));
    await world.sleep(Math.max(1, due - world.now()));
    if (belief.lost) return;
    const sentAt = world.now();
    const r = await call<{ ttlMs: number }>(env, pickMember(env), (m) => m.leaseKeepalive(lease));
    env.count(r.ok ? 'keepalive ok' : `keepalive ${r.code}`);
    if (r.ok) belief.until = Math.max(belief.until, sentAt + ttl);
    else if (r.code === 'LEASE_NOT_FOUND') belief.lost = true;
    else await world.sleep(rng.range(10, 50)); // try again soon (maybe another member)
  }
}

/** Watches a prefix from revision 1 and resumes on another member whenever its member goes. */
export async function watchClient(env: ClientEnv, id: number, prefix: string): Promise<WatchRecord> {
  const { world, rng } = env;
  const rec: WatchRecord = { client: id, prefix, from: 1, batches: [], reconnects: 0 };
  env.watches.push(rec);
  let next = 1;
  for (;;) {
    const i = pickMember(env);
    const m = env.members.get(i);
    if (m) {
      await new Promise<void>((resolve) => {
        let ended = false;
        const end = () => {
          if (ended) return;
          ended = true;
          off();
          sub?.cancel();
          resolve();
        };
        const off = env.members.onDown(i, end);
        let sub: { cancel(): void } | undefined;
        try {
          sub = m.watch({
            key: prefix,
            prefix: true,
            startRevision: next,
            prevKv: false,
            onEvents: (events: readonly WatchEvent[], revision: number) => {
              if (ended) return;
              rec.batches.push({ revision, events: events.map(describeEvent) });
              next = revision + 1;
            },
            onCanceled: (reason) => {
              env.count(`watch canceled ${reason}`);
              end();
            },
          });
        } catch (e) {
          env.count(`watch refused ${(e as { code?: string }).code ?? 'error'}`);
          end();
          return;
        }
        // Now and then a client drops its connection and resumes elsewhere.
        const stop = world.at(rng.range(200, 3000), end);
        void stop;
      });
      rec.reconnects++;
    }
    if (world.now() >= env.opsUntil && done(env)) return rec;
    await world.sleep(rng.range(5, 60));
    if (watchStop.has(env)) return rec;
  }
}

const watchStop = new WeakSet<ClientEnv>();
const done = (env: ClientEnv): boolean => watchStop.has(env);

/** Ask watchers to finish at their next reconnect (after the final catch-up). */
export function stopWatchers(env: ClientEnv): void {
  watchStop.add(env);
}

export function describeEvent(e: WatchEvent): string {
  return e.type === 'put' ? `put ${e.kv.key}=${e.kv.value}` : `delete ${e.kv.key}`;
}
