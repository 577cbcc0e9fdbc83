// The deterministic simulator's command line. By default it runs real Members (the driver and
// the state machine: keys, leases, locks, watches) over simulated disks, network and clock:
//   npm run sim -- --seed 42                 replay one seed (prints the trace if it fails)
//   npm run sim -- --seeds 100000            soak: seeds/second + what the clients and faults did
//   npm run sim -- --seeds 300 --mutation renew-revoking-lease   a driver bug, caught
// The Raft core alone (SimNode and a toy state machine), and Paxos beside it:
//   npm run sim -- --protocol raft --seeds 2000
//   npm run sim -- --protocol raft --seeds 500 --mutation c   a core bug, caught
//   npm run sim -- --protocol paxos --seeds 1000                      the same for Paxos
//   npm run sim -- --protocol paxos --mutation ignore-promised-value  a Paxos bug, caught
//   npm run sim -- --compare --seeds 200     Paxos beside Raft on the same seeds and faults
// Options: --steps N (safety-phase ticks), --nodes N, --mix NAME, --mutation NAME,
// --paxos-mode multi|basic.

import { Command, InvalidArgumentError } from 'commander';
import type { PaxosMode } from '../src/paxos/types.js';
import { compareProtocols, formatComparison } from './lib/sim/compare.js';
import { describePaxosFailure, PAXOS_MODES, PAXOS_MUTATIONS, runPaxosSeed, type PaxosMutationName, type PaxosRunOptions, type PaxosSeedResult } from './lib/sim/paxos-run.js';
import { describeFailure, MUTATIONS, runSeed, type MutationName, type RunOptions, type SeedResult } from './lib/sim/run.js';
import { Stats } from './lib/sim/stats.js';
import { ALL_MIX_NAMES, MIX_NAMES } from './lib/sim/workload.js';
import { MEMBER_MUTATIONS, MEMBER_MUTATION_NAMES, isMemberMutation } from './lib/sim/member/mutations.js';
import { describeMemberFailure, runMemberSeed, type MemberSeedResult } from './lib/sim/member/run.js';

function intArg(min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer in [${min}, ${max}]`);
    return n;
  };
}

interface CliOptions {
  seed?: number;
  seeds?: number;
  steps: number;
  nodes?: number;
  mix?: string;
  mutation?: string;
  trace: number;
  directChecks: boolean;
  protocol: 'member' | 'raft' | 'paxos';
  safetyMs: number;
  paxosMode?: PaxosMode;
  compare?: boolean;
}

const RAFT_MUTATION_HELP = 'a=voteWithoutLogCheck b=commitPreviousTermByCount c=truncateOnHeartbeat d=readIndexWithoutQuorum';
const PAXOS_MUTATION_NAMES = Object.keys(PAXOS_MUTATIONS) as PaxosMutationName[];

const program = new Command()
  .name('sim')
  .description('raftlock deterministic simulator: real members (default), or the Raft core alone and Paxos beside it, under seeded faults')
  .option('--protocol <name>', 'member (real Members: driver + state machine), raft (the core alone) or paxos', (v: string) => {
    if (v !== 'member' && v !== 'raft' && v !== 'paxos') throw new InvalidArgumentError('member, raft or paxos');
    return v;
  }, 'member')
  .option('--safety-ms <n>', 'member: simulated ms of client work and faults per seed', intArg(100, 600_000), 2_500)
  .option('--paxos-mode <mode>', 'paxos: multi (Multi-Paxos, a stable leader) or basic (single-decree Paxos per slot, no leader); default: drawn per seed', (v: string) => {
    if (!(PAXOS_MODES as string[]).includes(v)) throw new InvalidArgumentError(PAXOS_MODES.join(' or '));
    return v as PaxosMode;
  })
  .option('--compare', 'run each seed through Raft, Multi-Paxos and Paxos per slot on the same faults and print their figures side by side (with --seeds N, default 200)')
  .option('--seed <n>', 'run this seed (with --seeds: the first seed of the soak)', intArg(0, Number.MAX_SAFE_INTEGER))
  .option('--seeds <n>', 'soak: run this many consecutive seeds', intArg(1, 10_000_000))
  .option('--steps <n>', 'raft/paxos: ticks in the safety phase of each seed', intArg(1, 1_000_000), 300)
  .option('--nodes <n>', 'raft/paxos: founding voters (default: drawn per seed from 1, 3, 5, 7)', intArg(1, 9))
  .option('--mix <name>', `raft/paxos: fault mix (${MIX_NAMES.join(', ')}; default: drawn per seed; or quiet: idle and fault-free)`, (v: string) => {
    if (!ALL_MIX_NAMES.includes(v)) throw new InvalidArgumentError(`one of ${ALL_MIX_NAMES.join(', ')}`);
    return v;
  })
  .option('--mutation <m>', `turn on a bug the checks must catch. member: ${MEMBER_MUTATION_NAMES.join(', ')} (see below); raft: ${RAFT_MUTATION_HELP}; paxos: ${PAXOS_MUTATION_NAMES.join(', ')}`)
  .option('--trace <n>', 'events kept for a failure trace', intArg(10, 100_000), 200)
  .option('--no-direct-checks', "skip the checks of a rule the end-to-end properties rest on (raft: commit-rule, ack-durability; paxos: the acceptor's own promise rule)");

program.addHelpText(
  'after',
  `\nMember mutations (each a test hook a member is built with; no config reaches them):\n${MEMBER_MUTATION_NAMES.map((n) => `  ${n.padEnd(26)} ${MEMBER_MUTATIONS[n].what} (caught by ${MEMBER_MUTATIONS[n].caughtBy})`).join('\n')}\n\nA failing seed prints its check, the last events and a replay command.`,
);
program.parse();
const o = program.opts<CliOptions>();
if (o.protocol === 'member' && o.compare !== true && (o.nodes !== undefined || o.mix !== undefined || o.paxosMode !== undefined)) {
  program.error('error: --nodes, --mix, --paxos-mode and --compare are for --protocol raft or paxos; a member seed draws its own cluster and faults');
}
if (o.mutation !== undefined && o.protocol === 'member' && o.compare !== true && !isMemberMutation(o.mutation)) {
  program.error(`error: --mutation for member is one of ${MEMBER_MUTATION_NAMES.join(', ')} (the core's a-d need --protocol raft)`);
}
if (o.mutation !== undefined && o.protocol !== 'member') {
  const known = o.protocol === 'raft' ? Object.keys(MUTATIONS) : PAXOS_MUTATION_NAMES;
  if (!known.includes(o.mutation)) program.error(`error: --mutation for ${o.protocol} is one of ${known.join(', ')}`);
}
if (o.paxosMode !== undefined && o.protocol !== 'paxos') program.error('error: --paxos-mode needs --protocol paxos');
if (o.compare === true && (o.mutation !== undefined || o.nodes !== undefined || o.mix !== undefined || o.paxosMode !== undefined || o.protocol === 'paxos')) {
  program.error('error: --compare runs every protocol, size and mix itself; it takes only --seed, --seeds and --steps');
}

/** One seed of the chosen protocol, with a uniform view for the soak loop. */
interface AnyResult {
  ok: boolean;
  ticks: number;
  stats: Stats;
  report(): string;
  summary(): string;
}

function runOne(seed: number): AnyResult {
  if (o.protocol === 'paxos') {
    const p: PaxosRunOptions = { seed, steps: o.steps, traceSize: o.trace, directChecks: o.directChecks };
    if (o.nodes !== undefined) p.nodes = o.nodes;
    if (o.mix !== undefined) p.mix = o.mix;
    if (o.mutation !== undefined) p.mutation = o.mutation as PaxosMutationName;
    if (o.paxosMode !== undefined) p.mode = o.paxosMode;
    const r: PaxosSeedResult = runPaxosSeed(p);
    return { ok: r.ok, ticks: r.ticks, stats: r.stats, report: () => describePaxosFailure(r, o.steps), summary: () => `seed ${seed}: ok  paxos ${r.mode} nodes=${r.nodes} mix=${r.mix} ticks=${r.ticks} (liveness converged in ${r.livenessTicks})` };
  }
  const ro: RunOptions = { seed, steps: o.steps, traceSize: o.trace, directChecks: o.directChecks };
  if (o.nodes !== undefined) ro.nodes = o.nodes;
  if (o.mix !== undefined) ro.mix = o.mix;
  if (o.mutation !== undefined) ro.mutation = o.mutation as MutationName;
  const r: SeedResult = runSeed(ro);
  return { ok: r.ok, ticks: r.ticks, stats: r.stats, report: () => describeFailure(r, o.steps), summary: () => `seed ${seed}: ok  nodes=${r.nodes} mix=${r.mix} ticks=${r.ticks} (liveness converged in ${r.livenessTicks})` };
}

function histogram(stats: Stats): string {
  const rows = stats.rows();
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows
    .map(([k, v]) => `  ${k.padEnd(width)} ${String(v).padStart(10)}  ${'#'.repeat(Math.max(v > 0 ? 1 : 0, Math.round((Math.log10(v + 1) / Math.log10(max + 1)) * 40)))}`)
    .join('\n');
}

async function runMembers(): Promise<void> {
  const mutation = o.mutation !== undefined && isMemberMutation(o.mutation) ? o.mutation : undefined;
  const one = (seed: number): Promise<MemberSeedResult> => runMemberSeed({ seed, safetyMs: o.safetyMs, traceSize: o.trace, ...(mutation !== undefined ? { mutation } : {}) });
  const first = o.seed ?? 1;
  const seeds = o.seeds ?? 1;
  const total = new Map<string, number>();
  const t0 = performance.now();
  let lastReport = t0;
  let simMs = 0;
  let events = 0;
  for (let i = 0; i < seeds; i++) {
    const r = await one(first + i);
    simMs += r.simMs;
    events += r.events;
    for (const [k, v] of r.counts) total.set(k, (total.get(k) ?? 0) + v);
    if (!r.ok) {
      console.error(describeMemberFailure(r));
      if (seeds > 1) console.error(`failed after ${i + 1} seed(s)`);
      process.exit(1);
    }
    const now = performance.now();
    if (now - lastReport > 5000) {
      console.log(`  ... ${i + 1}/${seeds} seeds, ${((i + 1) / ((now - t0) / 1000)).toFixed(1)} seeds/s`);
      lastReport = now;
    }
    if (seeds === 1) console.log(`seed ${r.seed}: ok  members: ${r.voters} voter(s)${r.learner ? ' + a learner' : ''}, ${r.simMs} simulated ms, ${r.events} events`);
  }
  const secs = (performance.now() - t0) / 1000;
  if (seeds > 1) console.log(`${seeds} member seeds (${first}..${first + seeds - 1}) ok in ${secs.toFixed(1)}s: ${(seeds / secs).toFixed(1)} seeds/s, ${(simMs / 1000).toFixed(0)} simulated s, ${events} events`);
  if (mutation !== undefined) console.log(`mutation ${mutation} was NOT caught in these seeds`);
  const rows = [...total].sort((a, b) => a[0].localeCompare(b[0]));
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('operations, outcomes and faults:');
  console.log(rows.map(([k, v]) => `  ${k.padEnd(width)} ${String(v).padStart(10)}`).join('\n'));
  if (mutation !== undefined) process.exit(2);
}

if (o.compare === true) {
  const first = o.seed ?? 1;
  const seeds = o.seeds ?? 200;
  const t0 = performance.now();
  try {
    const res = compareProtocols({ firstSeed: first, seeds, steps: o.steps });
    console.log(formatComparison(res));
    console.log(`(${seeds} seeds x 3 protocols in ${((performance.now() - t0) / 1000).toFixed(1)}s)`);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
} else if (o.protocol === 'member') {
  await runMembers();
} else if (o.seeds === undefined) {
  const seed = o.seed ?? 1;
  const r = runOne(seed);
  if (!r.ok) {
    console.error(r.report());
    process.exit(1);
  }
  console.log(r.summary());
  console.log(histogram(r.stats));
} else {
  const first = o.seed ?? 1;
  const total = new Stats();
  const t0 = performance.now();
  let ticks = 0;
  let lastReport = t0;
  for (let i = 0; i < o.seeds; i++) {
    const seed = first + i;
    const r = runOne(seed);
    ticks += r.ticks;
    total.addAll(r.stats);
    if (!r.ok) {
      console.error(r.report());
      console.error(`failed after ${i + 1} seed(s)`);
      process.exit(1);
    }
    const now = performance.now();
    if (now - lastReport > 5000) {
      console.log(`  ... ${i + 1}/${o.seeds} seeds, ${((i + 1) / ((now - t0) / 1000)).toFixed(1)} seeds/s`);
      lastReport = now;
    }
  }
  const secs = (performance.now() - t0) / 1000;
  console.log(`${o.seeds} seeds (${first}..${first + o.seeds - 1}) ok in ${secs.toFixed(1)}s: ${(o.seeds / secs).toFixed(1)} seeds/s, ${ticks} ticks`);
  console.log('faults and operations exercised:');
  console.log(histogram(total));
}
