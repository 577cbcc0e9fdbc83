// Readiness against apply lag. Under load a member's applied index trails its commit index by a
// batch at almost every instant (entries commit while the loop writes the next batch), so
// "applied < commit" alone would take a healthy member out of its load balancer's pool. A member
// has fallen behind when it has still not applied an index it knew as committed `graceMs` ago.

/** At most this many commit samples are kept (older ones are merged away). */
const MAX_SAMPLES = 4_096;

export class ApplyLag {
  /** (time, commit index) whenever the commit index rose, oldest first. */
  private samples: { at: number; commit: number }[] = [];

  constructor(private readonly graceMs: number) {}

  /** Note the commit index known at `now` (cheap; called on every tick). */
  observe(now: number, commit: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && commit <= last.commit) return;
    this.samples.push({ at: now, commit });
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES / 2);
  }

  /** The commit index this member knew `graceMs` before `now` and has not applied, if any. */
  behind(now: number, applied: number): { commit: number; forMs: number } | null {
    const horizon = now - this.graceMs;
    // Drop what no later question needs: every sample before the last one at or before horizon.
    let i = -1;
    while (i + 1 < this.samples.length && this.samples[i + 1]!.at <= horizon) i++;
    if (i > 0) this.samples.splice(0, i);
    const known = i >= 0 ? this.samples[0] : undefined;
    if (known === undefined || applied >= known.commit) return null;
    return { commit: known.commit, forMs: now - known.at };
  }
}
