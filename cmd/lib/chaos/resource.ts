// The guarded resource of the lock workload: it accepts a write only with a fencing token at
// least as high as the highest it has seen for that lock, and records every attempt.

import type { ResourceAccess } from './history.js';

export class FencedResource {
  private readonly highest = new Map<string, number>();
  readonly log: ResourceAccess[] = [];

  constructor(
    private readonly now: () => number,
    private readonly maxLog = 1_000_000,
  ) {}

  /** One write under `token`; true when accepted. */
  write(lock: string, client: string, token: number): boolean {
    if (!Number.isSafeInteger(token) || token <= 0) throw new Error(`FencedResource: bad fencing token ${token}`);
    if (this.log.length >= this.maxLog) throw new Error(`FencedResource: more than ${this.maxLog} accesses recorded`);
    const startMs = this.now();
    const before = this.highest.get(lock) ?? 0;
    const accepted = token >= before;
    if (accepted) this.highest.set(lock, token);
    this.log.push({ lock, client, token, startMs, endMs: this.now(), accepted, highestBefore: before });
    return accepted;
  }
}
