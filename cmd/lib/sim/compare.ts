// Paxos beside Raft: the same seeds, cluster sizes and fault mixes (commonMix: the network faults,
// partitions, crashes, restarts, clock stalls and write rate; no reads, membership changes,
// transfers or compaction, which only Raft has here) run through Raft, Multi-Paxos and
// single-decree Paxos per slot, every run checked as usual. Each protocol's safety checks must
// pass; the figures are what it cost.
//
// The seed and the mix fix the fault *draws*; what a fault hits can still differ between
// protocols (a "crash the leader" draw hits whoever leads in that run).

import { describeFailure, runSeed } from './run.js';
import { describePaxosFailure, runPaxosSeed } from './paxos-run.js';
import type { Stats } from './stats.js';
import { MIX_NAMES, getMix } from './workload.js';

export type CompareProtocol = 'raft' | 'multi-paxos' | 'basic-paxos';

export const COMPARE_PROTOCOLS: Array<{ key: CompareProtocol; label: string }> = [
  { key: 'raft', label: 'Raft' },
  { key: 'multi-paxos', label: 'Multi-Paxos' },
  { key: 'basic-paxos', label: 'Paxos per slot' },
];

/** What one protocol did over the compared seeds. */
export interface Figures {
  seeds: number;
  /** Client writes acknowledged (the decided values a client saw). */
  decided: number;
  /** Messages handed to the network (heartbeats, retries and catch-up included). */
  messages: number;
  /** Of which keep-alives: heartbeats and their answers (Paxos per slot: learn requests). */
  keepAlives: number;
  /** Client writes a member refused (not the leader, or too many pending). */
  refused: number;
  /** Sum over acknowledged writes of (ticks from proposal to acknowledgement) / (mean round
   *  trip of the mix's network). */
  roundTrips: number;
  latencyTicks: number[];
  /** Safety-phase crashes of a leader (basic Paxos: of a proposer with values queued). */
  failures: number;
  /** For each such failure followed by a decision before the faults healed: ticks until it. */
  failoverTicks: number[];
  /** Raft: campaigns (a member became candidate); Paxos: phase-1 rounds started. */
  attempts: number;
  /** Raft: elections won; Paxos: phase-1 rounds that gathered a majority of promises. */
  won: number;
  /** Paxos: rounds refused by a higher ballot (a duel lost). Raft has no such count. */
  preempted: number;
  /** Liveness phase: ticks from healing to converged. */
  livenessTicks: number[];
  /** Per fault mix: [messages, decided, round trips]. */
  byMix: Map<string, [number, number, number]>;
  /** The same, on an idle fault-free cluster (the 'quiet' mix): each protocol's own cost. */
  quiet: { decided: number; messages: number; keepAlives: number; roundTrips: number };
}

function emptyFigures(): Figures {
  return { seeds: 0, decided: 0, messages: 0, keepAlives: 0, refused: 0, roundTrips: 0, latencyTicks: [], failures: 0, failoverTicks: [], attempts: 0, won: 0, preempted: 0, livenessTicks: [], byMix: new Map(), quiet: { decided: 0, messages: 0, keepAlives: 0, roundTrips: 0 } };
}

interface Outcome {
  stats: Stats;
  acked: Array<{ start: number; end: number }>;
  leaderFailures: number[];
  healedAt: number;
  livenessTicks: number;
}

function roundTripTicks(mixName: string): number {
  const net = getMix(mixName).network;
  return net.minDelay + Math.max(net.minDelay, net.maxDelay);
}

function recordQuiet(f: Figures, o: Outcome): void {
  const rtt = roundTripTicks('quiet');
  f.quiet.decided += o.acked.length;
  f.quiet.messages += o.stats.get('msgsSent');
  f.quiet.keepAlives += o.stats.get('msgsKeepAlive');
  for (const w of o.acked) f.quiet.roundTrips += (w.end - w.start) / rtt;
}

function record(f: Figures, mixName: string, o: Outcome, attempts: number, won: number, preempted: number): void {
  const rtt = roundTripTicks(mixName);
  f.seeds++;
  const msgs = o.stats.get('msgsSent');
  let rts = 0;
  for (const w of o.acked) {
    f.latencyTicks.push(w.end - w.start);
    rts += (w.end - w.start) / rtt;
  }
  f.decided += o.acked.length;
  f.messages += msgs;
  f.keepAlives += o.stats.get('msgsKeepAlive');
  f.refused += o.stats.get('proposalsRefused');
  f.roundTrips += rts;
  const m = f.byMix.get(mixName) ?? [0, 0, 0];
  f.byMix.set(mixName, [m[0] + msgs, m[1] + o.acked.length, m[2] + rts]);
  // Acknowledgement times are in order: the first one after each failure ends its outage.
  const ends = o.acked.map((w) => w.end);
  for (const t of o.leaderFailures) {
    if (t >= o.healedAt) continue;
    f.failures++;
    const next = ends.find((e) => e > t);
    if (next !== undefined && next < o.healedAt) f.failoverTicks.push(next - t);
  }
  f.attempts += attempts;
  f.won += won;
  f.preempted += preempted;
  f.livenessTicks.push(o.livenessTicks);
}

export interface CompareOptions {
  firstSeed: number;
  seeds: number;
  steps: number;
  /** Cluster sizes to rotate through (default 3 and 5). */
  sizes?: number[];
  /** Seeds of the idle 'quiet' mix, besides (default: a tenth of `seeds`, at least 2). */
  quietSeeds?: number;
}

export interface CompareResult {
  options: CompareOptions;
  figures: Record<CompareProtocol, Figures>;
}

/** Run every seed through the three protocols. Throws with the failure report if any fails. */
export function compareProtocols(opts: CompareOptions): CompareResult {
  const sizes = opts.sizes ?? [3, 5];
  const figures: Record<CompareProtocol, Figures> = { raft: emptyFigures(), 'multi-paxos': emptyFigures(), 'basic-paxos': emptyFigures() };
  for (let i = 0; i < opts.seeds; i++) {
    const seed = opts.firstSeed + i;
    const nodes = sizes[i % sizes.length] as number;
    const mix = MIX_NAMES[Math.floor(i / sizes.length) % MIX_NAMES.length] as string;
    const r = runSeed({ seed, steps: opts.steps, nodes, mix, commonMix: true });
    if (!r.ok) throw new Error(describeFailure(r, opts.steps));
    const campaigns = r.stats.get('campaigns');
    record(figures.raft, mix, r, campaigns, r.stats.get('elections'), 0);
    for (const mode of ['multi', 'basic'] as const) {
      const p = runPaxosSeed({ seed, steps: opts.steps, nodes, mix, mode, competingProposers: false });
      if (!p.ok) throw new Error(describePaxosFailure(p, opts.steps));
      record(figures[mode === 'multi' ? 'multi-paxos' : 'basic-paxos'], mix, p, p.stats.get('phase1Started'), p.stats.get('phase1Won'), p.stats.get('preempted'));
    }
  }
  const quietSeeds = opts.quietSeeds ?? Math.max(2, Math.floor(opts.seeds / 10));
  for (let i = 0; i < quietSeeds; i++) {
    const seed = opts.firstSeed + i;
    const nodes = sizes[i % sizes.length] as number;
    const r = runSeed({ seed, steps: opts.steps, nodes, mix: 'quiet', commonMix: true });
    if (!r.ok) throw new Error(describeFailure(r, opts.steps));
    recordQuiet(figures.raft, r);
    for (const mode of ['multi', 'basic'] as const) {
      const p = runPaxosSeed({ seed, steps: opts.steps, nodes, mix: 'quiet', mode, competingProposers: false });
      if (!p.ok) throw new Error(describePaxosFailure(p, opts.steps));
      recordQuiet(figures[mode === 'multi' ? 'multi-paxos' : 'basic-paxos'], p);
    }
  }
  return { options: opts, figures };
}

function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

const per = (a: number, b: number): number => (b === 0 ? NaN : a / b);

/** The figures as one table (rows: measures; columns: protocols), then messages per mix. */
export function formatComparison(res: CompareResult): string {
  const { options: o, figures } = res;
  const cols = COMPARE_PROTOCOLS.map((p) => ({ label: p.label, f: figures[p.key] }));
  const fmt = (x: number, digits = 1): string => (Number.isNaN(x) ? '-' : x.toFixed(digits));
  const rows: Array<[string, (f: Figures) => string]> = [
    ['idle cluster (quiet mix): messages per decided value', (f) => fmt(per(f.quiet.messages, f.quiet.decided))],
    ['  of which keep-alives', (f) => fmt(per(f.quiet.keepAlives, f.quiet.decided))],
    ['  round trips per decided value', (f) => fmt(per(f.quiet.roundTrips, f.quiet.decided), 2)],
    ['under the fault mixes:', () => ''],
    ['values decided (client writes acknowledged)', (f) => String(f.decided)],
    ['client writes refused (not the leader, too many pending)', (f) => String(f.refused)],
    ['messages per decided value', (f) => fmt(per(f.messages, f.decided))],
    ['  of which keep-alives (heartbeats, learn requests)', (f) => fmt(per(f.keepAlives, f.decided))],
    ['round trips per decided value (mean)', (f) => fmt(per(f.roundTrips, f.decided), 2)],
    ['ticks from proposal to acknowledgement, median', (f) => fmt(quantile(f.latencyTicks, 0.5), 0)],
    ['leader (Paxos per slot: busy proposer) crashes', (f) => String(f.failures)],
    ['  ticks from that crash to the next decision, median', (f) => fmt(quantile(f.failoverTicks, 0.5), 0)],
    ['  ... 90th percentile', (f) => fmt(quantile(f.failoverTicks, 0.9), 0)],
    ['leadership attempts (Raft campaigns, Paxos phase-1 rounds)', (f) => String(f.attempts)],
    ['  won (Raft elections, Paxos majorities of promises)', (f) => String(f.won)],
    ['  attempts per win (1.0 = no split vote or duel)', (f) => fmt(per(f.attempts, f.won), 2)],
    ['  Paxos rounds refused by a higher ballot (duels lost)', (f) => (f === figures.raft ? '-' : String(f.preempted))],
    ['ticks from healing to converged (liveness), median', (f) => fmt(quantile(f.livenessTicks, 0.5), 0)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const colW = 15;
  const lines = [
    `Paxos beside Raft: ${o.seeds} seeds (${o.firstSeed}..${o.firstSeed + o.seeds - 1}) x ${o.steps} steps, sizes ${(o.sizes ?? [3, 5]).join('/')}, mixes ${[...figures.raft.byMix.keys()].join(', ')}`,
    '(the same fault mixes for all three, without reads, membership changes, transfers and compaction)',
    '',
    `${''.padEnd(width)}${cols.map((c) => c.label.padStart(colW)).join('')}`,
    ...rows.map(([k, v]) => `${k.padEnd(width)}${cols.map((c) => v(c.f).padStart(colW)).join('')}`),
    '',
    `messages / round trips per decided value, by fault mix:`,
    `${''.padEnd(width)}${cols.map((c) => c.label.padStart(colW)).join('')}`,
  ];
  for (const mix of MIX_NAMES) {
    if (!cols.some((c) => c.f.byMix.has(mix))) continue;
    const cell = (f: Figures): string => {
      const m = f.byMix.get(mix);
      return m === undefined ? '-' : `${fmt(per(m[0], m[1]))} / ${fmt(per(m[2], m[1]), 2)}`;
    };
    lines.push(`  ${mix.padEnd(width - 2)}${cols.map((c) => cell(c.f).padStart(colW)).join('')}`);
  }
  return lines.join('\n');
}
