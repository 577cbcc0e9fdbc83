// Leader election for services, in the manner of etcd's v3election, built on raftlock's locks:
//
//   const election = client.election('billing');
//   const leadership = await election.campaign('host-a:8080');   // resolves when we lead
//   doLeaderWork(leadership.fencingToken, leadership.signal);     // signal fires if it is lost
//   await election.resign();
//
// An election NAME is the lock `election/NAME`: campaigners queue on it FIFO, each with a lease
// of its own; the holder leads and its fencing token orders the leaders. The leader's value is
// the key `election/NAME`, JSON `{"value", "fencingToken"}`, attached to the leader's lease and
// written only by a transaction that compares the lock's fencing token, so no one but the current
// leader ever writes it and it vanishes with the leader's lease. Observers read and watch that
// key; a campaigner (and the leader) watches the lock's holder key `_raftlock/locks/election/NAME`
// to learn when it leads and when it no longer does.
//
// FIFO holds among campaigners whose wait fits in one lock request (the server's maxLockWaitMs,
// 5 minutes by default): a campaigner that waits longer asks again and so joins the back of the
// queue.

import type { Client } from './client.js';
import { LeaseLostError, RaftlockError } from './errors.js';
import { TRANSIENT_CODES, sleep } from './http-transport.js';
import type { KeptLease } from './lease-keeper.js';
import type { KeyValue } from './types.js';
import type { Watcher } from './watcher.js';

/** Lock name and value key of election NAME are this prefix + NAME. */
export const ELECTION_PREFIX = 'election/';
/** Where the server mirrors lock holders (docs/api.md, Locks). */
const HOLDER_PREFIX = '_raftlock/locks/';
/** One lock request waits at most this long; the server may cut it shorter (maxLockWaitMs). */
const LOCK_REQUEST_WAIT_MS = 300_000;
/** A lock request still out when the holder key already shows us leading is given this long to
 *  answer before it is abandoned (it is then a second waiter of ours, queued behind ourselves). */
const STRAY_REQUEST_GRACE_MS = 2_000;

/** Election error codes (in RaftlockError.code), besides the server's and the client's own. */
export type ElectionErrorCode =
  /** proclaim()/resign() on an election this client does not lead. */
  | 'NOT_LEADER'
  /** The leadership ended (its lease was lost, the lock changed hands, or it was resigned). */
  | 'LEADERSHIP_LOST';

/** A leader as observers see it. */
export interface ElectionLeader {
  /** The election's name. */
  name: string;
  /** What the leader proclaimed. */
  value: string;
  /** The lease the leader holds the election with. */
  lease: string;
  /** The fencing token of its leadership: strictly increasing across leaders of this election. */
  fencingToken: number;
  /** The revision at which this value was proclaimed. */
  revision: number;
}

/** What campaign() resolves with: this client's leadership. */
export interface Leadership extends ElectionLeader {
  /** Fires when the leadership is lost or resigned; its reason is a RaftlockError with code
   *  LEASE_LOST or LEADERSHIP_LOST. */
  readonly signal: AbortSignal;
  /** Change the value observers see (fails with LEADERSHIP_LOST if no longer the leader). */
  proclaim(value: string): Promise<void>;
  /** Give up leadership: the next campaigner in line leads. */
  resign(): Promise<void>;
}

export interface CampaignOptions {
  /** TTL of the campaign's lease, seconds (default 10); kept alive at a third of it. If this
   *  client cannot renew it within the TTL, leadership is lost. */
  ttl?: number;
  /** Abort the campaign (while waiting: the waiter is withdrawn). Does not end a leadership
   *  already won; resign() does. */
  signal?: AbortSignal;
}

export class Election {
  readonly name: string;
  private readonly lockName: string;
  private readonly valueKey: string;
  private readonly holderKey: string;
  private current: LeadershipImpl | undefined;
  private campaigning = false;

  constructor(
    private readonly client: Client,
    name: string,
  ) {
    if (typeof name !== 'string' || name === '') throw new RaftlockError('INVALID_ARGUMENT', 'an election name must be a non-empty string');
    this.name = name;
    this.lockName = ELECTION_PREFIX + name;
    this.valueKey = ELECTION_PREFIX + name;
    this.holderKey = HOLDER_PREFIX + this.lockName;
  }

  /**
   * Campaign with `value`: queue for the election (FIFO) and resolve once this client leads and
   * its value is proclaimed. One campaign per Election object at a time.
   */
  async campaign(value: string, opts: CampaignOptions = {}): Promise<Leadership> {
    if (typeof value !== 'string') throw new RaftlockError('INVALID_ARGUMENT', 'the campaign value must be a string');
    if (this.campaigning || (this.current && !this.current.signal.aborted)) {
      throw new RaftlockError('INVALID_ARGUMENT', `already campaigning or leading in election "${this.name}"; resign first`);
    }
    this.campaigning = true;
    try {
      for (;;) {
        throwIfAborted(opts.signal);
        const lease = await this.client.lease(opts.ttl ?? 10, { signal: opts.signal });
        try {
          const won = await this.waitToLead(lease, opts.signal);
          const leadership = new LeadershipImpl(this.client, this, lease, won.token, won.holder);
          if (await leadership.establish(value)) {
            this.current = leadership;
            return leadership;
          }
          // Lost between the grant and the proclamation (the lease ended): campaign again.
        } catch (e) {
          await revokeQuietly(lease);
          if (e instanceof LeaseLostError && !opts.signal?.aborted) continue;
          throw e;
        }
        await revokeQuietly(lease);
      }
    } finally {
      this.campaigning = false;
    }
  }

  /** Proclaim a new value as the current leader (see Leadership.proclaim). */
  async proclaim(value: string): Promise<void> {
    if (!this.current || this.current.signal.aborted) throw new RaftlockError('NOT_LEADER', `this client does not lead election "${this.name}"`);
    await this.current.proclaim(value);
  }

  /** Resign the current leadership, if any (a no-op otherwise). */
  async resign(): Promise<void> {
    await this.current?.resign();
  }

  /** The current leader, or undefined when none has proclaimed (one linearizable read). */
  async leader(opts: { signal?: AbortSignal } = {}): Promise<ElectionLeader | undefined> {
    const r = await this.client.txn({ success: [{ get: { key: this.valueKey } }, { get: { key: this.holderKey } }] }, opts);
    const [value, holder] = r.results.map((x) => ('get' in x ? x.get.kvs[0] : undefined));
    const leader = value ? this.parse(value) : undefined;
    // Between a hand-off and the new leader's proclamation the value key is gone; should it ever
    // outlive its holder, the holder key tells.
    return leader && holder?.modRevision === leader.fencingToken ? leader : undefined;
  }

  /**
   * The leader now (if there is one), then each leader change and each proclamation, once each
   * and in order, until the signal fires or the loop is left. Times without a leader are skipped.
   */
  async *observe(opts: { signal?: AbortSignal } = {}): AsyncGenerator<ElectionLeader, void, undefined> {
    const r = await this.client.txn({ success: [{ get: { key: this.valueKey } }] }, opts);
    const first = r.results[0];
    const kv = first && 'get' in first ? first.get.kvs[0] : undefined;
    const now = kv ? this.parse(kv) : undefined;
    if (now) yield now;
    const w = this.client.watch(this.valueKey, { startRevision: r.revision + 1, signal: opts.signal });
    try {
      for await (const batch of w) {
        for (const e of batch.events) {
          if (e.type !== 'put') continue;
          const l = this.parse(e.kv);
          if (l) yield l;
        }
      }
    } finally {
      w.close();
    }
  }

  /** @internal The value key's JSON, written by LeadershipImpl. */
  encode(value: string, fencingToken: number): string {
    return JSON.stringify({ value, fencingToken });
  }

  /** @internal */
  keys(): { lockName: string; valueKey: string } {
    return { lockName: this.lockName, valueKey: this.valueKey };
  }

  /** @internal */
  released(l: LeadershipImpl): void {
    if (this.current === l) this.current = undefined;
  }

  private parse(kv: KeyValue): ElectionLeader | undefined {
    try {
      const v = JSON.parse(kv.value) as { value?: unknown; fencingToken?: unknown };
      if (typeof v.value !== 'string' || typeof v.fencingToken !== 'number') return undefined;
      return { name: this.name, value: v.value, lease: kv.lease, fencingToken: v.fencingToken, revision: kv.modRevision };
    } catch {
      return undefined; // not written by an election: not a leader
    }
  }

  /**
   * Queue `lease` on the election's lock until it holds it. The grant is learned from the lock
   * request's answer or from the holder key, whichever comes first (the key also covers a waiter
   * left queued by a request whose answer was lost, which the server may grant later).
   */
  private async waitToLead(lease: KeptLease, signal: AbortSignal | undefined): Promise<{ token: number; holder: HolderFollower }> {
    const holder = new HolderFollower(this.client.watch(this.holderKey));
    const requests = new AbortController();
    const cleanups: (() => void)[] = [];
    try {
      await holder.ready;
      // Settles with our token once the holder key shows our lease, or fails when the campaign
      // must stop (aborted, lease lost, watch ended).
      const seen = new Promise<number>((resolve, reject) => {
        const check = (): void => {
          const h = holder.current;
          if (h && !h.free && h.lease === lease.id) resolve(h.token);
          else if (holder.failure) reject(holder.failure);
        };
        cleanups.push(holder.onChange(check));
        const stop = (): void => reject(lease.isLost ? (lease.signal.reason as Error) : abortError(signal));
        for (const s of [signal, lease.signal]) {
          if (!s) continue;
          if (s.aborted) stop();
          s.addEventListener('abort', stop, { once: true });
          cleanups.push(() => s.removeEventListener('abort', stop));
        }
      });
      let requestDone = false;
      const ask = this.requestUntilGranted(lease, requests.signal).finally(() => (requestDone = true));
      ask.catch(() => undefined);
      seen.catch(() => undefined);
      const token = await Promise.race([ask, seen]);
      if (!requestDone) {
        // Granted per the holder key while a request is still out: let it answer (it is the
        // grant), or abandon it after a grace period (it is a second waiter of ours, queued
        // behind ourselves: withdrawing it releases nothing).
        await Promise.race([ask.catch(() => undefined), sleep(STRAY_REQUEST_GRACE_MS)]);
        requests.abort();
      }
      return { token, holder };
    } catch (e) {
      requests.abort();
      holder.close();
      throw e;
    } finally {
      for (const c of cleanups) c();
    }
  }

  /** Lock requests on `lease` until one is granted; a request that times out is asked again. */
  private async requestUntilGranted(lease: KeptLease, signal: AbortSignal): Promise<number> {
    let backoffMs = 100;
    for (;;) {
      throwIfAborted(signal);
      try {
        const g = await this.client.lock(this.lockName, { lease: lease.id, waitMs: LOCK_REQUEST_WAIT_MS, signal });
        return g.fencingToken;
      } catch (e) {
        if (!(e instanceof RaftlockError)) throw e;
        if (e.code === 'LOCK_HELD') continue;
        if (e.code === 'LEASE_NOT_FOUND') throw new LeaseLostError(lease.id, `lease ${lease.id} of the campaign in "${this.name}" is gone`, { cause: e });
        if (signal.aborted) throw e;
        if (!(TRANSIENT_CODES.has(e.code) || e.outcomeUnknown || e.code === 'UNAVAILABLE')) throw e;
        // A lost answer may have left a waiter of ours queued: asking again with the same lease
        // is safe (a grant to it shows on the holder key, and the lock is re-entrant by lease).
        await sleep(backoffMs, signal);
        backoffMs = Math.min(backoffMs * 2, 2_000);
      }
    }
  }
}

class LeadershipImpl implements Leadership {
  readonly name: string;
  value = '';
  readonly lease: string;
  readonly fencingToken: number;
  revision = 0;
  readonly signal: AbortSignal;
  private readonly ctl = new AbortController();
  private revoking: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly election: Election,
    private readonly kept: KeptLease,
    token: number,
    private readonly holder: HolderFollower,
  ) {
    this.name = election.name;
    this.lease = kept.id;
    this.fencingToken = token;
    this.signal = this.ctl.signal;
    if (kept.isLost) this.lose(kept.signal.reason as RaftlockError);
    else kept.signal.addEventListener('abort', () => this.lose(kept.signal.reason as RaftlockError), { once: true });
    // The lock's holder key: a release, or a grant to anyone else, at or after our grant ends
    // this leadership. (Changes from before our grant may arrive after the lock request's
    // answer: they are on another connection.)
    holder.onChange(() => {
      const h = holder.current;
      if (h !== undefined && h.revision >= this.fencingToken && (h.free || h.token !== this.fencingToken)) {
        this.lose(new RaftlockError('LEADERSHIP_LOST', `election "${this.name}": the lock passed on at revision ${h.revision} (holder ${h.free ? 'none' : h.lease})`));
      } else if (holder.failure) {
        this.lose(new RaftlockError('LEADERSHIP_LOST', `election "${this.name}": cannot follow the lock any longer`, { cause: holder.failure }));
      }
    });
  }

  /** Proclaim the first value; false if the leadership was already gone. */
  async establish(value: string): Promise<boolean> {
    try {
      await this.proclaim(value);
      return true;
    } catch (e) {
      if (e instanceof RaftlockError && (e.code === 'LEADERSHIP_LOST' || e.code === 'LEASE_LOST' || e.code === 'LEASE_NOT_FOUND')) {
        this.lose(e);
        return false;
      }
      this.lose(new RaftlockError('LEADERSHIP_LOST', 'the campaign failed', { cause: e }));
      throw e;
    }
  }

  async proclaim(value: string): Promise<void> {
    if (typeof value !== 'string') throw new RaftlockError('INVALID_ARGUMENT', 'the proclaimed value must be a string');
    if (this.signal.aborted) throw this.signal.reason as RaftlockError;
    const { lockName, valueKey } = this.election.keys();
    const r = await this.client.txn({
      compare: [{ key: lockName, target: 'fencingToken', op: '=', value: this.fencingToken }],
      success: [{ put: { key: valueKey, value: this.election.encode(value, this.fencingToken), lease: this.lease } }],
    });
    if (!r.succeeded) {
      const lost = new RaftlockError('LEADERSHIP_LOST', `no longer the leader of election "${this.name}" (fencing token ${this.fencingToken})`);
      this.lose(lost);
      throw lost;
    }
    this.value = value;
    this.revision = r.revision;
  }

  /** Resolves once the lease is revoked; if that fails, the lease (and with it the lock) ends
   *  after its TTL. */
  async resign(): Promise<void> {
    this.lose(new RaftlockError('LEADERSHIP_LOST', `resigned from election "${this.name}"`));
    // One revision: the value key is deleted and the lock passes to the next campaigner.
    this.revoking ??= revokeQuietly(this.kept);
    await this.revoking;
  }

  private lose(reason: RaftlockError): void {
    if (this.ctl.signal.aborted) return;
    this.ctl.abort(reason);
    this.holder.close();
    this.election.released(this);
    // A leadership that is over keeps no lease alive (a resign revokes it right after this).
    void this.kept.stop();
  }
}

/**
 * The one reader of a watch on a lock's holder key: remembers the holder last seen and tells
 * listeners of every change (a hand-off's delete and put come in one batch; the put wins).
 */
class HolderFollower {
  /** The holder as of `revision` (`free` when the lock is free); undefined: nothing seen since
   *  the watch started. */
  current: { free: boolean; lease: string | undefined; token: number; revision: number } | undefined;
  failure: Error | undefined;
  readonly ready: Promise<number>;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly watcher: Watcher) {
    this.ready = watcher.ready;
    void this.run();
  }

  /** Call `fn` now and on every change; returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    fn();
    return () => this.listeners.delete(fn);
  }

  close(): void {
    this.watcher.close();
  }

  private async run(): Promise<void> {
    try {
      for await (const batch of this.watcher) {
        for (const e of batch.events) {
          this.current = e.type === 'put'
            ? { free: false, lease: holderLease(e.kv), token: e.kv.modRevision, revision: batch.revision }
            : { free: true, lease: undefined, token: 0, revision: batch.revision };
        }
        this.notify();
      }
      this.failure = new RaftlockError('WATCH_CANCELED', `the watch on ${this.watcher.key} ended`);
    } catch (e) {
      this.failure = e instanceof Error ? e : new Error(String(e));
    }
    this.notify();
  }

  private notify(): void {
    for (const fn of [...this.listeners]) fn();
  }
}

function holderLease(kv: KeyValue): string | undefined {
  try {
    const v = JSON.parse(kv.value) as { lease?: unknown };
    return typeof v.lease === 'string' ? v.lease : undefined;
  } catch {
    return undefined;
  }
}

function abortError(signal: AbortSignal | undefined): RaftlockError {
  return new RaftlockError('ABORTED', 'the campaign was aborted', { cause: signal?.reason });
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

async function revokeQuietly(lease: KeptLease): Promise<void> {
  try {
    await lease.revoke();
  } catch {
    // Not kept alive any more: it expires after its TTL (and with it any waiter it left).
  }
}
