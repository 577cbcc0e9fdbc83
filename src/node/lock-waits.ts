// Lock waits: an acquire that queued behind a holder waits here, on this member, until the
// applied state makes it the holder (or drops it: released, its lease expired).

import { CodedError } from '../api/errors.js';
import type { LockHolder } from '../state/commands.js';
import type { MemberContext } from './member-context.js';

const MAX_LOCK_WATCHES = 100_000;

interface LockWaiterWatch {
  name: string;
  waiterId: string;
  resolve(h: LockHolder | null): void;
}

export class LockWaits {
  /** Waiting requests by lock name; `size` counts them all. */
  private readonly byName = new Map<string, Set<LockWaiterWatch>>();
  private size = 0;

  constructor(private readonly m: MemberContext) {}

  /** Resolves with the holder record once `waiterId` holds `name`, or null once it is gone. */
  awaitGrant(name: string, waiterId: string, signal: AbortSignal): Promise<LockHolder | null> {
    return new Promise((resolve, reject) => {
      if (this.size >= MAX_LOCK_WATCHES) {
        reject(new CodedError('TOO_MANY_REQUESTS', 'too many lock waits'));
        return;
      }
      const w: LockWaiterWatch = {
        name,
        waiterId,
        resolve: (h) => {
          this.remove(w);
          signal.removeEventListener('abort', onAbort);
          resolve(h);
        },
      };
      const onAbort = () => {
        this.remove(w);
        reject(new CodedError('TIMEOUT', 'lock wait aborted'));
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      let set = this.byName.get(name);
      if (set === undefined) {
        set = new Set();
        this.byName.set(name, set);
      }
      set.add(w);
      this.size++;
      this.checkOne(w);
    });
  }

  /** Settle a new wait at once if the applied state already decided it. Its waiter was queued
   *  last (or nearly), so the queue is searched from its end. */
  private checkOne(w: LockWaiterWatch): void {
    const rec = this.m.sm.lockRecord(w.name);
    if (rec?.holder && rec.holder.waiterId === w.waiterId) return w.resolve(rec.holder);
    if (rec === undefined) return w.resolve(null);
    for (let i = rec.waiters.length - 1; i >= 0; i--) if (rec.waiters[i]!.waiterId === w.waiterId) return;
    w.resolve(null);
  }

  private remove(w: LockWaiterWatch): void {
    const set = this.byName.get(w.name);
    if (set === undefined || !set.delete(w)) return;
    this.size--;
    if (set.size === 0) this.byName.delete(w.name);
  }

  /**
   * Settle the waits on lock `name` that the applied state has decided: the holder's is granted;
   * one no longer queued is gone (not applied here yet is not possible: the API waits only after
   * its acquire was applied on this member). The queue is read once, so this is linear in the
   * lock's waiters, however many of them wait on this member.
   */
  private checkLock(name: string, set: Set<LockWaiterWatch>): void {
    const rec = this.m.sm.lockRecord(name);
    let queued: Set<string> | null = null;
    for (const w of [...set]) {
      if (rec?.holder && rec.holder.waiterId === w.waiterId) {
        w.resolve(rec.holder);
        continue;
      }
      if (rec === undefined) {
        w.resolve(null);
        continue;
      }
      queued ??= new Set(rec.waiters.map((x) => x.waiterId));
      if (!queued.has(w.waiterId)) w.resolve(null);
    }
  }

  /** After an apply batch: settle the waits on the locks it changed (`changed`, from
   *  StateMachine.takeChangedLocks); a wait on any other lock is decided as it was before. */
  checkChanged(changed: ReadonlySet<string> | 'all'): void {
    if (changed === 'all') return this.checkAll();
    if (this.size === 0) return;
    for (const name of changed) {
      const set = this.byName.get(name);
      if (set !== undefined) this.checkLock(name, set);
    }
  }

  /** After a snapshot install (or when too many locks changed to list). */
  checkAll(): void {
    if (this.size === 0) return;
    for (const [name, set] of [...this.byName]) this.checkLock(name, set);
  }

  /** The member stops: every wait ends without a grant. */
  releaseAll(): void {
    for (const set of [...this.byName.values()]) for (const w of [...set]) w.resolve(null);
  }
}
