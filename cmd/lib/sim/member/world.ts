// The member simulation's one timeline: a queue of events in (time, sequence) order, the clock
// every member and client reads, and the rule that keeps real async code deterministic — after
// each event the promise callbacks it set off run (see drain) before the next event fires. Nothing in a run touches a real timer, so one seed replays exactly.

import type { Cancelable, Clock } from '../../../../src/node/ports.js';

interface SimEvent {
  at: number;
  seq: number;
  fn: () => void;
  dead: boolean;
}

/** A binary heap of events, earliest (then first scheduled) on top. */
class EventHeap {
  private readonly xs: SimEvent[] = [];

  get size(): number {
    return this.xs.length;
  }

  peek(): SimEvent | undefined {
    return this.xs[0];
  }

  push(e: SimEvent): void {
    const xs = this.xs;
    xs.push(e);
    let i = xs.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(xs[i]!, xs[p]!)) break;
      [xs[i], xs[p]] = [xs[p]!, xs[i]!];
      i = p;
    }
  }

  pop(): SimEvent | undefined {
    const xs = this.xs;
    const top = xs[0];
    const last = xs.pop();
    if (xs.length > 0 && last !== undefined) {
      xs[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < xs.length && before(xs[l]!, xs[m]!)) m = l;
        if (r < xs.length && before(xs[r]!, xs[m]!)) m = r;
        if (m === i) break;
        [xs[i], xs[m]] = [xs[m]!, xs[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/**
 * Let the promise callbacks an event set off run before the next event: a few hops through the
 * microtask queue, never the real event loop (that would cost a poll of the OS each time). A
 * longer chain simply goes on after the next event — still one fixed order, as every callback
 * comes from the queue this loop drives, so a seed replays exactly either way.
 */
const DRAIN_HOPS = 8;
async function drain(): Promise<void> {
  for (let i = 0; i < DRAIN_HOPS; i++) await null;
}

export class World {
  private t = 0;
  private seq = 0;
  private readonly heap = new EventHeap();
  /** Events run so far (a measure of the work in a seed). */
  events = 0;
  /** Set by a check that fired inside an event; the run loop stops at once. */
  failure: Error | null = null;

  now(): number {
    return this.t;
  }

  at(ms: number, fn: () => void): Cancelable {
    const e: SimEvent = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, dead: false };
    this.heap.push(e);
    return {
      cancel: () => {
        e.dead = true;
      },
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.at(ms, r));
  }

  /** Run events up to and including time `until` (or until a check fails). */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      if (this.failure) return;
      const next = this.heap.peek();
      if (next === undefined || next.at > until) break;
      this.heap.pop();
      if (next.dead) continue;
      this.t = next.at;
      this.events++;
      try {
        next.fn();
      } catch (err) {
        this.failure = err as Error;
        return;
      }
      await drain();
    }
    this.t = Math.max(this.t, until);
  }

  /**
   * A clock for one incarnation of a member: its timers die with it (a crash leaves nothing
   * behind that could still fire into the next incarnation or into a dead object).
   */
  clockFor(): { clock: Clock; kill(): void } {
    let alive = true;
    const timers = new Set<Cancelable>();
    const schedule = (ms: number, fn: () => void): Cancelable => {
      const c = this.at(ms, () => {
        timers.delete(c);
        if (alive) fn();
      });
      timers.add(c);
      return { cancel: () => (timers.delete(c), c.cancel()) };
    };
    const clock: Clock = {
      now: () => this.t,
      after: schedule,
      every: (ms, fn) => {
        let current: Cancelable;
        let stopped = false;
        const tick = () => {
          if (stopped) return;
          current = schedule(ms, tick);
          fn();
        };
        current = schedule(ms, tick);
        return {
          cancel: () => {
            stopped = true;
            current.cancel();
          },
        };
      },
      defer: (fn) => void schedule(0, fn),
    };
    return {
      clock,
      kill: () => {
        alive = false;
        for (const c of timers) c.cancel();
        timers.clear();
      },
    };
  }
}
