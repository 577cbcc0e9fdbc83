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
  private readonly watches = new Set<LockWaiterWatch>();

  constructor(private readonly m: MemberContext) {}

  /** Resolves with the holder record once `waiterId` holds `name`, or null once it is gone. */
  awaitGrant(name: string, waiterId: string, signal: AbortSignal): Promise<LockHolder | null> {
    return new Promise((resolve, reject) => {
      if (this.watches.size >= MAX_LOCK_WATCHES) {
        reject(new CodedError('TOO_MANY_REQUESTS', 'too many lock waits'));
        return;
      }
      const w: LockWaiterWatch = {
        name,
        waiterId,
        resolve: (h) => {
          this.watches.delete(w);
          signal.removeEventListener('abort', onAbort);
          resolve(h);
        },
      };
      const onAbort = () => {
        this.watches.delete(w);
        reject(new CodedError('TIMEOUT', 'lock wait aborted'));
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.watches.add(w);
      this.check(w);
    });
  }

  private check(w: LockWaiterWatch): void {
    const info = this.m.sm.lock(w.name);
    if (info?.holder && info.holder.waiterId === w.waiterId) return w.resolve(info.holder);
    if (!info || !info.waiters.some((x) => x.waiterId === w.waiterId)) {
      // Not holder and not queued: either not applied here yet, or gone. Only "gone" once the
      // acquire has been seen here — the API calls us after its acquire was applied locally.
      return w.resolve(null);
    }
  }

  /** After every apply batch and snapshot install. */
  checkAll(): void {
    for (const w of [...this.watches]) this.check(w);
  }

  /** The member stops: every wait ends without a grant. */
  releaseAll(): void {
    for (const w of [...this.watches]) w.resolve(null);
  }
}
