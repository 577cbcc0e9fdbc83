// One simulated Paxos run, driven entirely by its seed, under the same fault scheduler, network
// and fault mixes as the Raft runs (without Raft's own operations: see commonMix; the mix's
// leadership-transfer rate injects competing proposers instead):
//   1. safety phase: `steps` ticks of faults and client writes, every step checked (the
//      PaxosChecker sees each persist, send and learn as it happens);
//   2. liveness phase: faults heal, crashed members restart (a minority may stay down), ONE
//      proposer is left (Paxos promises progress only then), and it must get a new value chosen
//      and every member of the core must learn every slot up to it within `livenessTicks`.

import type { NodeId, PaxosMode, PaxosMutations } from '../../../src/paxos/types.js';
import { PaxosCluster, type PaxosOptions, type PaxosWrite } from './paxos-cluster.js';
import { SimRng } from './rng.js';
import { heal, runPhases, step } from './phases.js';
import { FaultScheduler } from './scheduler.js';
import { Stats } from './stats.js';
import { SimViolation, type CheckName } from './violation.js';
import { MIX_NAMES, commonMix, getMix } from './workload.js';

export type PaxosMutationName = 'accept-below-promise' | 'ignore-promised-value';

export const PAXOS_MUTATIONS: Record<PaxosMutationName, { flag: keyof PaxosMutations; mix: string }> = {
  'accept-below-promise': { flag: 'acceptBelowPromise', mix: 'leader-churn' },
  'ignore-promised-value': { flag: 'ignorePromisedValue', mix: 'leader-churn' },
};

export const PAXOS_MODES: PaxosMode[] = ['multi', 'basic'];

export interface PaxosRunOptions {
  seed: number;
  steps?: number;
  /** Members: 1, 3, 5 or 7 (default: drawn from the seed). */
  nodes?: number;
  mix?: string;
  /** Default: drawn from the seed (three in four runs Multi-Paxos). */
  mode?: PaxosMode;
  mutation?: PaxosMutationName;
  traceSize?: number;
  livenessTicks?: number;
  /** Check the acceptor's rule on its own writes (default true). */
  directChecks?: boolean;
  /** Inject competing proposers at the mix's transfer rate (default true; the comparison with
   *  Raft turns them off, as it turns Raft's transfers off). */
  competingProposers?: boolean;
}

export interface PaxosSeedResult {
  protocol: 'paxos';
  seed: number;
  ok: boolean;
  nodes: number;
  mix: string;
  mode: PaxosMode;
  mutation: PaxosMutationName | undefined;
  ticks: number;
  livenessTicks: number;
  failure?: { check: CheckName; message: string; time: number };
  trace?: string;
  stats: Stats;
  paxos: PaxosOptions;
  /** Client writes acknowledged, in order (for the comparison with Raft). */
  acked: PaxosWrite[];
  /** Safety-phase ticks at which a leader (basic: a busy proposer) crashed. */
  leaderFailures: number[];
  /** The tick the liveness phase began. */
  healedAt: number;
}

const SIZES = [1, 3, 3, 5, 5, 7];

export function runPaxosSeed(opts: PaxosRunOptions): PaxosSeedResult {
  const rng = new SimRng(opts.seed);
  const setupRng = rng.fork();
  const mutation = opts.mutation;
  // Every setup draw happens whatever the options say, so that naming a value the seed would
  // have drawn (as the replay line does) replays the very same run.
  const drawnNodes = mutation !== undefined ? setupRng.pick([3, 3, 5, 5, 7]) : setupRng.pick(SIZES);
  const biasToMutationMix = setupRng.chance(0.75);
  const drawnMix = setupRng.pick(MIX_NAMES);
  const heartbeatTicks = setupRng.range(1, 3);
  const drawnMode: PaxosMode = setupRng.chance(0.75) ? 'multi' : 'basic';

  const nodes = opts.nodes ?? drawnNodes;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error(`runPaxosSeed: nodes must be 1..9, got ${nodes}`);
  const mixName = opts.mix ?? (mutation !== undefined && biasToMutationMix ? PAXOS_MUTATIONS[mutation].mix : drawnMix);
  const full = getMix(mixName);
  // The mix's transfer rate becomes the rate of competing proposers (a member starting phase 1
  // at once, against a live leader if there is one).
  const mix = { ...commonMix(full), transferP: opts.competingProposers === false ? 0 : full.transferP };
  const mutations: PaxosMutations = {};
  if (mutation !== undefined) mutations[PAXOS_MUTATIONS[mutation].flag] = true;
  const paxos: PaxosOptions = { mode: opts.mode ?? drawnMode, electionTicks: 10, heartbeatTicks, mutations, directChecks: opts.directChecks ?? true };
  const steps = opts.steps ?? 300;
  const livenessBudget = opts.livenessTicks ?? 40 * paxos.electionTicks;
  const ids = Array.from({ length: nodes }, (_, i) => i + 1);

  const stats = new Stats();
  const out = runPhases(
    () => new PaxosCluster(ids, paxos, rng.fork(), stats, opts.traceSize ?? 200),
    (c) => new FaultScheduler(rng.fork(), mix, c),
    steps,
    (c) => liveness(c, rng.fork(), livenessBudget),
  );
  const c = out.cluster;
  if (c !== undefined) {
    for (const m of c.members.values()) if (m.node !== undefined) c.collectCounters(m.node);
    stats.inc('valuesChosen', c.checker.valuesChosen);
    stats.inc('noopsChosen', c.checker.noopsChosen);
  }
  const r: PaxosSeedResult = {
    protocol: 'paxos',
    seed: opts.seed,
    ok: out.failure === undefined,
    nodes,
    mix: mixName,
    mode: paxos.mode,
    mutation,
    ticks: c?.time ?? 0,
    livenessTicks: out.livenessTicks,
    stats,
    paxos,
    acked: c?.acked ?? [],
    leaderFailures: c?.leaderFailures ?? [],
    healedAt: out.healedAt,
  };
  if (out.failure !== undefined) {
    r.failure = out.failure;
    r.trace = out.trace ?? '';
  }
  return r;
}

/** Heal, restart, leave one proposer; it must get a value chosen and the core must learn it all. */
function liveness(c: PaxosCluster, rng: SimRng, budget: number): number {
  const start = c.time;
  heal(c, 'heal all faults, leave one proposer');
  const ids = c.memberIds();
  let keptDown: NodeId | undefined;
  if (ids.length >= 5 && rng.chance(0.5)) {
    keptDown = rng.pick(ids);
    c.crash(keptDown, Infinity);
    c.trace.add(c.time, `n${keptDown} kept down for the liveness phase`);
  }
  const core = ids.filter((id) => id !== keptDown);
  const proposer = c.leaderIds()[0] ?? rng.pick(core);
  c.leaveOneProposer(proposer);
  c.trace.add(c.time, `n${proposer} is the one proposer left`);

  let final: PaxosWrite | undefined;
  for (let t = 0; t < budget; t++) {
    step(c, new Set());
    if (final === undefined || final.status === 'lost') {
      // Multi-Paxos takes it only once the proposer leads; basic mode queues it at once.
      final = c.propose(proposer);
      continue;
    }
    if (final.status !== 'acked' || final.slot === undefined) continue;
    const upTo = final.slot;
    if (!core.every((id) => c.member(id).sm.applied >= upTo)) continue;
    for (const id of core) {
      const sm = c.member(id).sm;
      for (const w of c.acked) {
        if (sm.indexOf(w.key) !== w.slot) {
          throw new SimViolation('liveness', `node ${id} learned through slot ${sm.applied} but lacks acknowledged write ${w.key} (slot ${w.slot})`);
        }
      }
    }
    return c.time - start;
  }
  const states = c
    .memberIds()
    .map((id) => {
      const m = c.member(id);
      if (m.node === undefined) return `n${id}: down`;
      const st = m.node.status();
      return `n${id}: ${st.role} ballot ${st.ballot.round}.${st.ballot.node} promised ${st.promised.round}.${st.promised.node} first-unchosen ${st.firstUnchosen} pending ${st.pending} queued ${st.queued}`;
    })
    .join('; ');
  throw new SimViolation(
    'liveness',
    `after ${budget} healed ticks with one proposer (n${proposer}) the core did not converge (final write ${final === undefined ? 'never accepted' : `${final.key} ${final.status}${final.slot === undefined ? '' : ` at slot ${final.slot}`}`}); ${states}`,
  );
}

/** A readable failure report: seed, setup, the check that fired, the trace, how to replay. */
export function describePaxosFailure(r: PaxosSeedResult, steps?: number): string {
  if (r.failure === undefined) return `seed ${r.seed}: ok`;
  const flags = ['--protocol paxos', `--seed ${r.seed}`, `--nodes ${r.nodes}`, `--mix ${r.mix}`, `--paxos-mode ${r.mode}`];
  if (steps !== undefined) flags.push(`--steps ${steps}`);
  if (r.mutation !== undefined) flags.push(`--mutation ${r.mutation}`);
  if (!r.paxos.directChecks) flags.push('--no-direct-checks');
  return [
    `SIMULATION FAILED  protocol=paxos  seed=${r.seed}  nodes=${r.nodes}  mix=${r.mix}  mode=${r.mode}${r.mutation ? `  mutation=${r.mutation}` : ''}  at t=${r.failure.time}`,
    `check: ${r.failure.check}`,
    `  ${r.failure.message}`,
    `paxos: ${JSON.stringify({ ...r.paxos, mutations: undefined, directChecks: undefined })}`,
    `last events:`,
    r.trace ?? '',
    `replay: npm run sim -- ${flags.join(' ')}`,
  ].join('\n');
}
