// The deterministic simulator's command line.
//   npm run sim -- --seed 42                 replay one seed (prints the trace if it fails)
//   npm run sim -- --seeds 2000              soak seeds 1..2000: seeds/second + fault histogram
//   npm run sim -- --seeds 500 --mutation c  show that a re-introduced bug is caught
// Options: --steps N (safety-phase ticks), --nodes N, --mix NAME, --mutation a|b|c|d.

import { Command, InvalidArgumentError } from 'commander';
import { describeFailure, MUTATIONS, runSeed, type MutationName, type RunOptions } from '../test/sim/run.js';
import { Stats } from '../test/sim/stats.js';
import { MIX_NAMES } from '../test/sim/workload.js';

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
  mutation?: MutationName;
  trace: number;
  directChecks: boolean;
}

const program = new Command()
  .name('sim')
  .description('raftlock deterministic Raft simulator')
  .option('--seed <n>', 'run this seed (with --seeds: the first seed of the soak)', intArg(0, Number.MAX_SAFE_INTEGER))
  .option('--seeds <n>', 'soak: run this many consecutive seeds', intArg(1, 10_000_000))
  .option('--steps <n>', 'ticks in the safety phase of each seed', intArg(1, 1_000_000), 300)
  .option('--nodes <n>', 'founding voters (default: drawn per seed from 1, 3, 5, 7)', intArg(1, 9))
  .option('--mix <name>', `fault mix (${MIX_NAMES.join(', ')}; default: drawn per seed)`, (v: string) => {
    if (!MIX_NAMES.includes(v)) throw new InvalidArgumentError(`one of ${MIX_NAMES.join(', ')}`);
    return v;
  })
  .option('--mutation <m>', 'turn on a core bug: a=voteWithoutLogCheck b=commitPreviousTermByCount c=truncateOnHeartbeat d=readIndexWithoutQuorum', (v: string) => {
    if (!(v in MUTATIONS)) throw new InvalidArgumentError('one of a, b, c, d');
    return v as MutationName;
  })
  .option('--trace <n>', 'events kept for a failure trace', intArg(10, 100_000), 200)
  .option('--no-direct-checks', 'skip the commit-rule and ack-durability checks (end-to-end properties only)');

program.parse();
const o = program.opts<CliOptions>();

function baseOptions(seed: number): RunOptions {
  const r: RunOptions = { seed, steps: o.steps, traceSize: o.trace, directChecks: o.directChecks };
  if (o.nodes !== undefined) r.nodes = o.nodes;
  if (o.mix !== undefined) r.mix = o.mix;
  if (o.mutation !== undefined) r.mutation = o.mutation;
  return r;
}

function histogram(stats: Stats): string {
  const rows = stats.rows();
  const max = Math.max(1, ...rows.map(([, v]) => v));
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows
    .map(([k, v]) => `  ${k.padEnd(width)} ${String(v).padStart(10)}  ${'#'.repeat(Math.max(v > 0 ? 1 : 0, Math.round((Math.log10(v + 1) / Math.log10(max + 1)) * 40)))}`)
    .join('\n');
}

if (o.seeds === undefined) {
  const seed = o.seed ?? 1;
  const r = runSeed(baseOptions(seed));
  if (!r.ok) {
    console.error(describeFailure(r, o.steps));
    process.exit(1);
  }
  console.log(`seed ${seed}: ok  nodes=${r.nodes} mix=${r.mix} ticks=${r.ticks} (liveness converged in ${r.livenessTicks})`);
  console.log(histogram(r.stats));
} else {
  const first = o.seed ?? 1;
  const total = new Stats();
  const t0 = performance.now();
  let ticks = 0;
  let lastReport = t0;
  for (let i = 0; i < o.seeds; i++) {
    const seed = first + i;
    const r = runSeed(baseOptions(seed));
    ticks += r.ticks;
    total.addAll(r.stats);
    if (!r.ok) {
      console.error(describeFailure(r, o.steps));
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
