// The fault schedule. One seeded RNG chooses every fault, its target and its length; the leader
// is looked up when a fault starts (so "the leader" means the member leading at that moment) and
// each fault is written to the schedule as it was actually applied.
//
// Faults: SIGKILL + restart (the leader more often), SIGSTOP/SIGCONT pauses longer than the
// election timeout, partitions through the proxy (majority/minority, isolated leader, bridge,
// one-way), message delay, and a slow disk (a restart with --testing-sync-delay-ms).

import { call } from './client.js';
import type { ChaosCluster, ChaosMember } from './cluster.js';
import type { ChaosRng } from './rng.js';

export type FaultKind = 'kill' | 'pause' | 'partition' | 'isolate-leader' | 'bridge' | 'one-way' | 'delay' | 'slow-disk';

export const FAULT_KINDS: readonly FaultKind[] = ['kill', 'pause', 'partition', 'isolate-leader', 'bridge', 'one-way', 'delay', 'slow-disk'];

export interface ScheduledFault {
  kind: FaultKind;
  startMs: number;
  endMs?: number;
  detail: string;
}

export interface NemesisOptions {
  electionTimeoutMs: number;
  /** How long a fault lasts: [min, max] ms. */
  faultMs: [number, number];
  /** Healthy time between faults: [min, max] ms. */
  quietMs: [number, number];
  /** Fault kinds to use (default all). */
  kinds?: readonly FaultKind[];
}

/** The member that the serving members agree leads (highest term wins); undefined if none. */
export async function findLeader(c: ChaosCluster, timeoutMs = 500): Promise<ChaosMember | undefined> {
  const answers = await Promise.all(
    c.members.filter((m) => c.isServing(m)).map(async (m) => {
      const r = await call('GET', `${m.url}/v1/cluster`, undefined, timeoutMs);
      return r.ok ? { term: Number(r.body.term), leader: r.body.leader?.name as string | undefined } : undefined;
    }),
  );
  let best: { term: number; leader: string } | undefined;
  for (const a of answers) if (a?.leader && (!best || a.term > best.term)) best = { term: a.term, leader: a.leader };
  if (!best) return undefined;
  const m = c.members.find((x) => x.name === best!.leader);
  return m && c.isServing(m) ? m : undefined;
}

export class Nemesis {
  readonly schedule: ScheduledFault[] = [];
  readonly counts = new Map<FaultKind, number>();
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly c: ChaosCluster,
    private readonly rng: ChaosRng,
    private readonly opts: NemesisOptions,
    private readonly now: () => number,
    private readonly log: (line: string) => void,
  ) {}

  /** Runs faults until stop(); every fault is healed before the next starts and when stopping. */
  async run(): Promise<void> {
    while (!this.stopped) {
      await this.idle(this.rng.int(...this.opts.quietMs));
      if (this.stopped) break;
      const kind = this.rng.pick(this.opts.kinds ?? FAULT_KINDS);
      const f: ScheduledFault = { kind, startMs: this.now(), detail: '' };
      const leader = await findLeader(this.c);
      const heal = await this.inject(f, leader);
      this.schedule.push(f);
      this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
      this.log(`[${(f.startMs / 1000).toFixed(1)}s] fault ${kind}: ${f.detail}`);
      await this.idle(this.rng.int(...this.opts.faultMs));
      await heal();
      f.endMs = this.now();
      this.log(`[${(f.endMs / 1000).toFixed(1)}s] healed ${kind}`);
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Waits `ms`, or less if stopped. This paces the faults; it synchronises nothing. */
  private idle(ms: number): Promise<void> {
    return new Promise((res) => {
      const t = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(t);
        self.wake = null;
        res();
      }
      this.wake = done;
    });
  }

  private target(leader: ChaosMember | undefined, pLeader: number): ChaosMember {
    if (leader && this.rng.chance(pLeader)) return leader;
    return this.rng.pick(this.c.members);
  }

  private names(ms: readonly ChaosMember[]): string {
    return ms.map((m) => m.name).join(',');
  }

  /** Applies fault `f` (filling in its detail) and returns its heal. */
  private async inject(f: ScheduledFault, leader: ChaosMember | undefined): Promise<() => Promise<void>> {
    const c = this.c;
    const proxy = c.proxy;
    const all = c.members;
    const leaderNote = leader ? ` (leader ${leader.name})` : ' (no leader known)';
    switch (f.kind) {
      case 'kill': {
        const m = this.target(leader, 0.6);
        f.detail = `SIGKILL ${m.name}${leaderNote}`;
        await c.kill(m);
        return async () => {
          if (!c.isRunning(m)) c.spawn(m);
        };
      }
      case 'pause': {
        const m = this.target(leader, 0.6);
        if (!c.isRunning(m)) {
          f.detail = `${m.name} is down; nothing to pause`;
          return async () => {};
        }
        f.detail = `SIGSTOP ${m.name}${leaderNote}`;
        c.pause(m);
        return async () => c.resume(m);
      }
      case 'partition': {
        const shuffled = this.rng.shuffle(all);
        const minority = this.rng.int(1, Math.max(1, Math.floor((all.length - 1) / 2)));
        const a = shuffled.slice(0, minority);
        const b = shuffled.slice(minority);
        f.detail = `minority {${this.names(a)}} | majority {${this.names(b)}}${leaderNote}`;
        proxy.partition([a.map((m) => m.name), b.map((m) => m.name)]);
        return async () => proxy.heal();
      }
      case 'isolate-leader': {
        const m = leader ?? this.rng.pick(all);
        f.detail = `isolate ${m.name}${leaderNote}`;
        proxy.partition([[m.name], all.filter((x) => x !== m).map((x) => x.name)]);
        return async () => proxy.heal();
      }
      case 'bridge': {
        // The bridge sees both halves; the halves do not see each other.
        const bridge = this.target(leader, 0.3);
        const rest = this.rng.shuffle(all.filter((x) => x !== bridge));
        const half = Math.ceil(rest.length / 2);
        const left = rest.slice(0, half);
        const right = rest.slice(half);
        for (const l of left) for (const r of right) {
          proxy.block(l.name, r.name);
          proxy.block(r.name, l.name);
        }
        f.detail = `bridge ${bridge.name} between {${this.names(left)}} and {${this.names(right)}}${leaderNote}`;
        return async () => proxy.heal();
      }
      case 'one-way': {
        const m = this.target(leader, 0.6);
        const others = all.filter((x) => x !== m);
        const outbound = this.rng.chance(0.5);
        for (const o of others) {
          if (outbound) proxy.block(m.name, o.name);
          else proxy.block(o.name, m.name);
        }
        f.detail = outbound ? `${m.name} cannot send (hears everyone)${leaderNote}` : `${m.name} cannot hear (sends to everyone)${leaderNote}`;
        return async () => proxy.heal();
      }
      case 'delay': {
        const parts: string[] = [];
        const everywhere = this.rng.chance(0.5);
        for (const a of all) for (const b of all) {
          if (a === b || (!everywhere && !this.rng.chance(0.4))) continue;
          const ms = this.rng.int(10, Math.max(20, Math.floor(this.opts.electionTimeoutMs / 3)));
          proxy.setDelay(a.name, b.name, ms);
          parts.push(`${a.name}>${b.name} ${ms}ms`);
        }
        f.detail = `delay ${parts.join(', ') || 'nothing'}`;
        return async () => proxy.heal();
      }
      case 'slow-disk': {
        const m = this.target(leader, 0.5);
        const ms = this.rng.int(10, 80);
        f.detail = `restart ${m.name} with --testing-sync-delay-ms ${ms}${leaderNote}`;
        await c.restart(m, ['--testing-sync-delay-ms', String(ms)]);
        return async () => c.restart(m);
      }
    }
  }
}
