// One simulated run, driven entirely by its seed:
//   1. safety phase: `steps` ticks of faults and client operations; every step is checked;
//   2. liveness phase: faults heal, crashed members restart (a minority may stay down), and the
//      remaining core must elect a leader, commit a new write and apply every acknowledged write
//      within `livenessTicks`.
// A failure returns the seed, the check that fired and the last events.

import type { RaftMutations } from '../../../src/raft/types.js';
import { Cluster } from './cluster.js';
import type { WriteOp } from './history.js';
import { SimRng } from './rng.js';
import { heal, runPhases, step } from './phases.js';
import { FaultScheduler } from './scheduler.js';
import type { RaftOptions } from './sim-node.js';
import { Stats } from './stats.js';
import { SimViolation, type CheckName } from './violation.js';
import { MIX_NAMES, commonMix, getMix } from './workload.js';

export type MutationName = 'a' | 'b' | 'c' | 'd';

export const MUTATIONS: Record<MutationName, { flag: keyof RaftMutations; mix: string }> = {
  a: { flag: 'voteWithoutLogCheck', mix: 'leader-churn' },
  b: { flag: 'commitPreviousTermByCount', mix: 'leader-churn' },
  c: { flag: 'truncateOnHeartbeat', mix: 'reorder' },
  d: { flag: 'readIndexWithoutQuorum', mix: 'stale-leader' },
};

export interface RunOptions {
  seed: number;
  /** Ticks in the safety phase (default 300). */
  steps?: number;
  /** Founding voters: 1, 3, 5 or 7 (default: drawn from the seed). */
  nodes?: number;
  /** Fault mix name (default: drawn from the seed, biased to the mutation's mix if any). */
  mix?: string;
  mutation?: MutationName;
  /** Events kept for the failure trace (default 200). */
  traceSize?: number;
  /** Ticks the healed core gets to converge (default 40 election timeouts). */
  livenessTicks?: number;
  /** Check commit-rule and ack-durability (default true); see RaftOptions.directChecks. */
  directChecks?: boolean;
  /** Run the mix without reads, membership changes, transfers and compaction (as Paxos runs
   *  it: see commonMix), for the side-by-side comparison. Default false. */
  commonMix?: boolean;
}

export interface SeedResult {
  seed: number;
  ok: boolean;
  nodes: number;
  mix: string;
  mutation: MutationName | undefined;
  /** Ticks simulated in total (safety + liveness). */
  ticks: number;
  /** Ticks the liveness phase needed (when it finished). */
  livenessTicks: number;
  failure?: { check: CheckName; message: string; time: number };
  /** The last events, oldest first (only on failure). */
  trace?: string;
  stats: Stats;
  raft: RaftOptions;
  /** Writes acknowledged, in order (for the comparison with Paxos). */
  acked: WriteOp[];
  /** Ticks at which a member that believed it led crashed. */
  leaderFailures: number[];
  /** The tick the liveness phase began (-1 if it was not reached). */
  healedAt: number;
}

const SIZES = [1, 3, 3, 5, 5, 7];

export function runSeed(opts: RunOptions): SeedResult {
  const rng = new SimRng(opts.seed);
  const setupRng = rng.fork();
  const mutation = opts.mutation;
  // Every setup draw happens whatever the options say, so that naming a value the seed would
  // have drawn anyway (as the replay line does) replays the very same run.
  const drawnNodes = mutation !== undefined ? setupRng.pick([3, 3, 5, 5, 7]) : setupRng.pick(SIZES);
  const biasToMutationMix = setupRng.chance(0.75);
  const drawnMix = setupRng.pick(MIX_NAMES);
  const heartbeatTicks = setupRng.range(1, 3);
  const drawnPreVote = setupRng.chance(0.5);
  const drawnCheckQuorum = setupRng.chance(0.5);
  const maxInflightMsgs = setupRng.pick([1, 4, 64]);
  const maxSizePerMsg = setupRng.pick([64, 512, 1 << 20]);

  const nodes = opts.nodes ?? drawnNodes;
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) throw new Error(`runSeed: nodes must be 1..9, got ${nodes}`);
  const mixName = opts.mix ?? (mutation !== undefined && biasToMutationMix ? MUTATIONS[mutation].mix : drawnMix);
  const mix = opts.commonMix === true ? commonMix(getMix(mixName)) : getMix(mixName);
  const mutations: RaftMutations = {};
  if (mutation !== undefined) mutations[MUTATIONS[mutation].flag] = true;
  const raft: RaftOptions = {
    electionTicks: 10,
    heartbeatTicks,
    preVote: mix.preVote ?? drawnPreVote,
    checkQuorum: mix.checkQuorum ?? drawnCheckQuorum,
    maxInflightMsgs,
    maxSizePerMsg,
    mutations,
    directChecks: opts.directChecks ?? true,
  };
  const steps = opts.steps ?? 300;
  const livenessBudget = opts.livenessTicks ?? 40 * raft.electionTicks;
  const voters = Array.from({ length: nodes }, (_, i) => i + 1);

  const stats = new Stats();
  const out = runPhases(
    () => new Cluster(voters, raft, rng.fork(), stats, opts.traceSize ?? 200),
    (c) => new FaultScheduler(rng.fork(), mix, c),
    steps,
    (c) => liveness(c, rng.fork(), livenessBudget),
  );
  const r: SeedResult = {
    seed: opts.seed,
    ok: out.failure === undefined,
    nodes,
    mix: mixName,
    mutation,
    ticks: out.cluster?.time ?? 0,
    livenessTicks: out.livenessTicks,
    stats,
    raft,
    acked: out.cluster?.history.acked ?? [],
    leaderFailures: out.cluster?.leaderFailures ?? [],
    healedAt: out.healedAt,
  };
  if (out.failure !== undefined) {
    r.failure = out.failure;
    r.trace = out.trace ?? '';
  }
  return r;
}

/** Heal, restart, and require a leader plus a fully applied new write. Returns ticks used. */
function liveness(c: Cluster, rng: SimRng, budget: number): number {
  const start = c.time;
  heal(c, 'heal all faults');
  const conf = c.latestConf();
  if (conf === undefined) throw new SimViolation('liveness', 'no member is up after restarting everyone');
  let keptDown: number | undefined;
  if (conf.voters.length >= 5 && rng.chance(0.5)) {
    keptDown = rng.pick(conf.voters);
    c.crash(keptDown, Infinity);
    c.trace.add(c.time, `n${keptDown} kept down for the liveness phase`);
  }

  let final: WriteOp | undefined;
  for (let t = 0; t < budget; t++) {
    step(c, new Set());
    const leader = c.leaders()[0];
    if (leader === undefined) continue;
    // The leader's applied membership decides who must converge: members it no longer lists
    // leave for good, and listed ones that were stopped come back.
    const cs = leader.raw.status().confState;
    const core = [...cs.voters, ...cs.learners].filter((id) => id !== keptDown);
    const listed = new Set(core);
    for (const m of c.members.values()) {
      if (m.node !== undefined && !listed.has(m.id) && m.id !== keptDown) c.crash(m.id, Infinity);
      else if (m.node === undefined && listed.has(m.id) && m.life > 0) c.restart(m.id);
    }
    // (Re)propose the final write until one is acknowledged: a write left pending by a member
    // that is no longer the leader of its term may never resolve, so it does not count.
    const stale = final !== undefined && final.status === 'pending' && (final.node !== leader.id || final.term !== leader.term);
    if (final === undefined || final.status === 'lost' || stale) {
      final = c.propose(leader);
      continue;
    }
    if (final.status !== 'acked') continue;
    let done = true;
    for (const id of core) {
      const node = c.members.get(id)?.node;
      if (node === undefined || node.sm.applied < final.index) {
        done = false;
        break;
      }
    }
    if (!done) continue;
    for (const id of core) {
      const node = c.member(id).node!;
      for (const w of c.history.acked) {
        if (node.sm.indexOf(w.key) !== w.index) {
          throw new SimViolation('liveness', `node ${id} applied through ${node.sm.applied} but lacks acknowledged write ${w.key} (index ${w.index})`);
        }
      }
    }
    return c.time - start;
  }
  const states = [...c.members.values()]
    .map((m) => (m.node === undefined ? `n${m.id}: down` : `n${m.id}: ${m.node.role} term ${m.node.term} lead ${m.node.lead} applied ${m.node.sm.applied}`))
    .join('; ');
  const leader = c.leaders()[0];
  let progress = '';
  if (leader !== undefined) {
    const st = leader.raw.status();
    progress =
      `; leader n${leader.id} commit ${st.commit} last ${st.lastIndex} conf ${JSON.stringify(st.confState)} progress ` +
      [...(st.progress ?? new Map()).entries()].map(([id, p]) => `n${id}:${p.state} match ${p.match} next ${p.next} inflight ${p.inflight}`).join(', ');
  }
  throw new SimViolation(
    'liveness',
    `after ${budget} healed ticks the core did not converge (final write ${final === undefined ? 'never accepted' : `${final.key} ${final.status} at ${final.index}`}); ${states}${progress}`,
  );
}

/** A readable failure report: seed, setup, the check that fired, the trace, how to replay. */
export function describeFailure(r: SeedResult, steps?: number): string {
  if (r.failure === undefined) return `seed ${r.seed}: ok`;
  const flags = ['--protocol raft', `--seed ${r.seed}`, `--nodes ${r.nodes}`, `--mix ${r.mix}`];
  if (steps !== undefined) flags.push(`--steps ${steps}`);
  if (r.mutation !== undefined) flags.push(`--mutation ${r.mutation}`);
  if (!r.raft.directChecks) flags.push('--no-direct-checks');
  return [
    `SIMULATION FAILED  seed=${r.seed}  nodes=${r.nodes}  mix=${r.mix}${r.mutation ? `  mutation=${r.mutation}` : ''}  at t=${r.failure.time}`,
    `check: ${r.failure.check}`,
    `  ${r.failure.message}`,
    `raft: ${JSON.stringify({ ...r.raft, mutations: undefined, directChecks: undefined })}`,
    `last events:`,
    r.trace ?? '',
    `replay: npm run sim -- ${flags.join(' ')}`,
  ].join('\n');
}
