// Waiting until an index is applied on this member (read-your-writes after a forwarded write,
// ReadIndex, membership changes).

import type { MemberContext } from './member-context.js';

interface ApplyWaiter {
  index: number;
  resolve(): void;
}

export class ApplyWaits {
  private waiters: ApplyWaiter[] = [];

  constructor(private readonly m: MemberContext) {}

  /** Called after every apply batch (and snapshot install). */
  notify(): void {
    if (this.waiters.length === 0) return;
    const ready: ApplyWaiter[] = [];
    const rest: ApplyWaiter[] = [];
    for (const w of this.waiters) (w.index <= this.m.applied ? ready : rest).push(w);
    this.waiters = rest;
    for (const w of ready) w.resolve();
  }

  wait(index: number): Promise<void> {
    if (index <= this.m.applied) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ index, resolve }));
  }

  /**
   * Resolves once `index` is applied here or `ms` have passed, whichever is first. The loser is
   * cleaned up: no timer outlives an applied entry (a forwarded write used to leave one running
   * for the whole request timeout), and no waiter outlives its timeout.
   */
  waitFor(index: number, ms: number): Promise<void> {
    if (index <= this.m.applied) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.m.o.clock.after(ms, () => {
        this.waiters = this.waiters.filter((x) => x !== waiter);
        resolve();
      });
      const waiter: ApplyWaiter = {
        index,
        resolve: () => {
          timer.cancel();
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }
}
