// Linearizable reads (ReadIndex), batched: every read waiting when a round starts shares it;
// reads arriving during a round wait for the next one (a round must start after the read).
// A round confirms with a quorum that this member's leader still leads and yields the commit
// index at that moment; the reads are released once this member has applied up to it.

import { CodedError } from '../api/errors.js';
import type { MemberContext } from './member-context.js';
import type { Cancelable } from './ports.js';

/** At most this many linearizable reads wait at once. */
const MAX_READ_WAITERS = 100_000;

const utf8Encoder = new TextEncoder();

interface ReadWaiter {
  resolve(): void;
  reject(e: CodedError): void;
  done: boolean;
}

export class ReadIndex {
  private readonly queue: ReadWaiter[] = [];
  private inFlight: { ctx: string; waiters: ReadWaiter[]; startedAt: number; retry: Cancelable } | null = null;
  private seq = 0;

  constructor(private readonly m: MemberContext) {}

  barrier(opts?: { timeoutMs?: number }): Promise<void> {
    const m = this.m;
    if (m.stopped) return Promise.reject(new CodedError('SHUTTING_DOWN', 'member is stopped'));
    if (m.hooks.localReads) return Promise.resolve(); // UNSAFE test hook: no ReadIndex
    if (this.queue.length >= MAX_READ_WAITERS) return Promise.reject(new CodedError('TOO_MANY_REQUESTS', 'too many reads waiting'));
    const timeoutMs = Math.min(opts?.timeoutMs ?? m.o.requestTimeoutMs, m.o.requestTimeoutMs);
    return new Promise<void>((resolve, reject) => {
      const w: ReadWaiter = {
        done: false,
        resolve: () => {
          if (w.done) return;
          w.done = true;
          timer.cancel();
          resolve();
        },
        reject: (e) => {
          if (w.done) return;
          w.done = true;
          timer.cancel();
          reject(e);
        },
      };
      const timer = m.o.clock.after(timeoutMs, () =>
        w.reject(new CodedError(m.lead === 0 ? 'NO_LEADER' : 'TIMEOUT', `linearizable read not confirmed within ${timeoutMs} ms`)),
      );
      this.queue.push(w);
      this.issue();
    });
  }

  private issue(): void {
    const m = this.m;
    if (this.inFlight || m.stopped) return;
    const waiters = this.queue.splice(0).filter((w) => !w.done);
    if (waiters.length === 0) return;
    const ctx = `${m.o.self.id}:${++this.seq}`;
    if (!m.raft.readIndex(utf8Encoder.encode(ctx))) {
      // No leader right now: keep the reads queued and try again when one appears (each read
      // has its own deadline).
      this.queue.unshift(...waiters);
      void m.waitForLeader(m.electionTimeoutMs()).then(() => this.issue());
      return;
    }
    const retry = m.o.clock.after(m.electionTimeoutMs(), () => {
      // The round got lost (leader change, dropped message): re-issue for whoever still waits.
      if (this.inFlight?.ctx !== ctx) return;
      this.inFlight = null;
      this.queue.unshift(...waiters.filter((w) => !w.done));
      this.issue();
    });
    this.inFlight = { ctx, waiters, startedAt: m.o.clock.now(), retry };
    m.kick();
  }

  /** The core answered a round: `index` was the commit index when leadership was confirmed. */
  onReadState(ctx: string, index: number): void {
    const r = this.inFlight;
    if (!r || r.ctx !== ctx) return;
    this.inFlight = null;
    r.retry.cancel();
    this.m.o.metrics?.readIndexSeconds?.((this.m.o.clock.now() - r.startedAt) / 1000);
    void this.m.applyWaits.wait(index).then(() => {
      for (const w of r.waiters) w.resolve();
    });
    this.issue();
  }

  rejectAll(err: CodedError): void {
    for (const w of this.queue.splice(0)) w.reject(err);
    if (this.inFlight) {
      this.inFlight.retry.cancel();
      for (const w of this.inFlight.waiters) w.reject(err);
      this.inFlight = null;
    }
  }
}
