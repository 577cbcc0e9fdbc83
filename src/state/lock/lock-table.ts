// Named locks: one holder and a FIFO queue of waiters each. The table decides grants, queueing,
// releases and hand-offs; the state machine turns grants and releases into writes of the
// reserved holder keys (so watchers see them) at the revision it passes in.
//
// Invariants (checked where they could break):
// - a lock with waiters has a holder (a release hands the lock to the next waiter at once);
// - a lock with neither holder nor waiters is not in the table;
// - a holder's fencingToken is the revision of its grant, so tokens of one lock strictly increase.

import type { LockHolder, LockWaiter } from '../commands.js';
import { invariant } from '../../invariant/index.js';

export interface LockRecord {
  readonly name: string;
  holder: LockHolder | null;
  waiters: LockWaiter[];
}

export type AcquireOutcome =
  | { kind: 'granted'; holder: LockHolder }
  | { kind: 'queued'; holder: LockHolder; position: number }
  /** `waiterId` already holds the lock (a retried proposal): nothing changes. */
  | { kind: 'already-holder'; holder: LockHolder }
  /** `waiterId` is already queued (a retried proposal): nothing changes. */
  | { kind: 'already-queued'; holder: LockHolder; position: number }
  | { kind: 'queue-full'; holder: LockHolder };

export interface Handoff {
  name: string;
  released: LockHolder;
  next: LockHolder | null;
}

/** At most this many names are listed as changed between two takeChanged() calls; past it the
 *  table answers 'all' (a reader that never takes them costs no more than this). */
const MAX_CHANGED_LISTED = 10_000;
const NONE_CHANGED: ReadonlySet<string> = new Set();

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function makeHolder(name: string, lease: string, waiterId: string, revision: number): LockHolder {
  return Object.freeze({ name, lease, waiterId, fencingToken: revision, revision });
}

export class LockTable {
  private readonly byName = new Map<string, LockRecord>();
  /** lease -> names of locks it holds. */
  private readonly heldByLease = new Map<string, Set<string>>();
  /** lease -> names of locks it has at least one queued waiter on. */
  private readonly waitingByLease = new Map<string, Set<string>>();
  /** Locks that lost a holder or a queued waiter since takeChanged(). Only observed (by the
   *  member's lock waits); nothing the table decides reads it. */
  private changed = new Set<string>();
  private changedAll = false;
  /** Waiters queued over all locks (kept as they come and go, for the gauges). */
  private queued = 0;

  get size(): number {
    return this.byName.size;
  }

  /** How many locks are held (every lock in the table has a holder) and how many waiters are
   *  queued on them all; O(1). */
  counts(): { held: number; waiters: number } {
    return { held: this.byName.size, waiters: this.queued };
  }

  get(name: string): LockRecord | undefined {
    return this.byName.get(name);
  }

  /** The current holder's fencing token, 0 when the lock is free. */
  fencingToken(name: string): number {
    return this.byName.get(name)?.holder?.fencingToken ?? 0;
  }

  /** All locks sorted by name. */
  list(): LockRecord[] {
    return [...this.byName.values()].sort(byName);
  }

  /** Names of the locks `lease` holds, sorted. */
  heldBy(lease: string): string[] {
    return [...(this.heldByLease.get(lease) ?? [])].sort();
  }

  /** Names of the locks `lease` waits for, sorted. */
  waitingFor(lease: string): string[] {
    return [...(this.waitingByLease.get(lease) ?? [])].sort();
  }

  /** `grantRevision` is used if the lock is granted now, `queueRevision` if the waiter queues. */
  acquire(name: string, lease: string, waiterId: string, grantRevision: number, queueRevision: number, maxWaiters: number): AcquireOutcome {
    const rec = this.byName.get(name);
    if (!rec) {
      const holder = makeHolder(name, lease, waiterId, grantRevision);
      this.byName.set(name, { name, holder, waiters: [] });
      this.index(this.heldByLease, lease, name);
      return { kind: 'granted', holder };
    }
    const holder = rec.holder;
    invariant(holder, () => `lock ${JSON.stringify(name)} is in the table with no holder`);
    // Re-entrant by lease: a lease that already holds the lock gets it back (as etcd's mutex with
    // the same session does) instead of queueing behind itself forever.
    if (holder.waiterId === waiterId || holder.lease === lease) return { kind: 'already-holder', holder };
    const at = rec.waiters.findIndex((w) => w.waiterId === waiterId);
    if (at >= 0) return { kind: 'already-queued', holder, position: at + 1 };
    if (rec.waiters.length >= maxWaiters) return { kind: 'queue-full', holder };
    rec.waiters.push(Object.freeze({ name, lease, waiterId, revision: queueRevision }));
    this.queued++;
    this.index(this.waitingByLease, lease, name);
    return { kind: 'queued', holder, position: rec.waiters.length };
  }

  /**
   * Release `name` if its holder matches every given criterion (at least one is required by the
   * caller); the next waiter, if any, is granted at `revision`. Returns undefined when the lock
   * is free or held by someone else.
   */
  release(name: string, match: { fencingToken?: number; lease?: string }, revision: number): Handoff | undefined {
    const holder = this.byName.get(name)?.holder;
    if (!holder) return undefined;
    if (match.fencingToken !== undefined && match.fencingToken !== holder.fencingToken) return undefined;
    if (match.lease !== undefined && match.lease !== holder.lease) return undefined;
    return this.handOff(name, revision);
  }

  /** Withdraw queued waiter `waiterId`; returns it, or undefined when it is not queued. */
  cancel(name: string, waiterId: string): LockWaiter | undefined {
    const rec = this.byName.get(name);
    if (!rec) return undefined;
    const at = rec.waiters.findIndex((w) => w.waiterId === waiterId);
    if (at < 0) return undefined;
    const [w] = rec.waiters.splice(at, 1);
    this.queued--;
    this.noteChanged(name);
    this.unindexWaiter(rec, w!.lease);
    return w;
  }

  /**
   * Everything `lease` has in the lock table goes, in one step: first its queued waiters are
   * withdrawn (so no hand-off can go to them), then each lock it holds is handed to the next
   * waiter at `revision`. Both lists are in lock-name order.
   */
  removeLease(lease: string, revision: number): { withdrawn: LockWaiter[]; handoffs: Handoff[] } {
    const withdrawn: LockWaiter[] = [];
    for (const name of this.waitingFor(lease)) {
      const rec = this.byName.get(name);
      invariant(rec, () => `lease ${JSON.stringify(lease)} indexed as waiting on missing lock ${JSON.stringify(name)}`);
      const keep: LockWaiter[] = [];
      for (const w of rec.waiters) (w.lease === lease ? withdrawn : keep).push(w);
      this.queued -= rec.waiters.length - keep.length;
      rec.waiters = keep;
      this.noteChanged(name);
    }
    this.waitingByLease.delete(lease);
    const handoffs: Handoff[] = [];
    for (const name of this.heldBy(lease)) handoffs.push(this.handOff(name, revision));
    invariant(!this.heldByLease.has(lease), () => `lease ${JSON.stringify(lease)} still holds locks after revoke`);
    return { withdrawn, handoffs };
  }

  /**
   * The names of the locks whose holder changed or that lost a queued waiter (released, handed
   * off, cancelled, revoked) since the last call, or 'all' when more than MAX_CHANGED_LISTED did.
   * A waiter that queues changes no one else's wait, so acquires are not listed.
   */
  takeChanged(): ReadonlySet<string> | 'all' {
    if (this.changedAll) {
      this.changedAll = false;
      return 'all';
    }
    if (this.changed.size === 0) return NONE_CHANGED;
    const out = this.changed;
    this.changed = new Set();
    return out;
  }

  private noteChanged(name: string): void {
    if (this.changedAll) return;
    if (this.changed.size >= MAX_CHANGED_LISTED) {
      this.changedAll = true;
      this.changed.clear();
      return;
    }
    this.changed.add(name);
  }

  /** Restore one lock from a snapshot. */
  load(name: string, holder: LockHolder, waiters: LockWaiter[]): void {
    invariant(!this.byName.has(name), () => `snapshot has lock ${JSON.stringify(name)} twice`);
    invariant(holder.name === name && waiters.every((w) => w.name === name), () => `snapshot lock ${JSON.stringify(name)} has entries of another lock`);
    const ids = new Set([holder.waiterId, ...waiters.map((w) => w.waiterId)]);
    invariant(ids.size === waiters.length + 1, () => `snapshot lock ${JSON.stringify(name)} has duplicate waiter ids`);
    this.byName.set(name, { name, holder: Object.freeze({ ...holder }), waiters: waiters.map((w) => Object.freeze({ ...w })) });
    this.queued += waiters.length;
    this.index(this.heldByLease, holder.lease, name);
    for (const w of waiters) this.index(this.waitingByLease, w.lease, name);
  }

  private handOff(name: string, revision: number): Handoff {
    const rec = this.byName.get(name);
    const released = rec?.holder;
    invariant(rec && released, () => `hand-off of free lock ${JSON.stringify(name)}`);
    invariant(revision > released.fencingToken, () => `lock ${JSON.stringify(name)} handed off at ${revision}, not after its grant at ${released.fencingToken}`);
    this.unindex(this.heldByLease, released.lease, name);
    this.noteChanged(name);
    const w = rec.waiters.shift();
    if (!w) {
      this.byName.delete(name);
      return { name, released, next: null };
    }
    this.queued--;
    this.unindexWaiter(rec, w.lease);
    const next = makeHolder(name, w.lease, w.waiterId, revision);
    rec.holder = next;
    this.index(this.heldByLease, next.lease, name);
    return { name, released, next };
  }

  /** After removing one waiter of `lease` from `rec`, drop the index entry if it was its last. */
  private unindexWaiter(rec: LockRecord, lease: string): void {
    if (!rec.waiters.some((x) => x.lease === lease)) this.unindex(this.waitingByLease, lease, rec.name);
  }

  private index(m: Map<string, Set<string>>, lease: string, name: string): void {
    let s = m.get(lease);
    if (!s) {
      s = new Set();
      m.set(lease, s);
    }
    s.add(name);
  }

  private unindex(m: Map<string, Set<string>>, lease: string, name: string): void {
    const s = m.get(lease);
    invariant(s && s.has(name), () => `lock index lost ${JSON.stringify(name)} for lease ${JSON.stringify(lease)}`);
    s.delete(name);
    if (s.size === 0) m.delete(lease);
  }
}
