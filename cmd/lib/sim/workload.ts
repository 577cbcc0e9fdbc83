// Fault mixes: how often each fault and client operation happens in a run. A seed picks one
// (unless the caller names it), and the fault scheduler in run.ts draws every event from it.

import type { NetworkFaults } from './network.js';

export interface FaultMix {
  name: string;
  network: NetworkFaults;
  /** Per tick: chance to start a partition when none is active. */
  partitionP: number;
  /** Relative weights of partition kinds. */
  partitionKinds: { symmetric: number; oneWay: number; isolateLeader: number };
  /** How long a partition lasts, in ticks. */
  partitionTicks: [number, number];
  /** Per tick: chance to crash a live member. */
  crashP: number;
  /** Chance that a crash picks a current leader (when there is one). */
  leaderCrashBias: number;
  /** Chance that a leader crashes right after its commit index advances (before it can tell
   *  anyone): the Figure 8 window. */
  crashLeaderOnCommitP: number;
  /** Chance that a crash happens in the middle of handling a Ready (after persisting, before sending). */
  midReadyCrashP: number;
  /** Ticks a crashed member stays down. */
  downTicks: [number, number];
  /** Per tick: chance that one member's clock stalls (misses this tick). */
  clockStallP: number;
  /** Per tick: expected client writes (fractional part is a probability). */
  writesPerTick: number;
  /** Per tick: chance of a linearizable read. */
  readP: number;
  /** Chance that a read is sent to a member that believes it is leader (stale ones included). */
  readAtLeaderBias: number;
  /** Per tick: chance of a membership change. */
  confP: number;
  /** Per tick: chance of a leadership transfer request. */
  transferP: number;
  /** Per tick: chance that a member compacts its log (if it has at least compactMinEntries). */
  compactP: number;
  compactMinEntries: number;
  /** Raft options for the run. undefined = drawn from the seed. */
  preVote?: boolean;
  checkQuorum?: boolean;
}

const base: FaultMix = {
  name: 'calm',
  network: { dropP: 0, dupP: 0, minDelay: 1, maxDelay: 2 },
  partitionP: 0,
  partitionKinds: { symmetric: 1, oneWay: 1, isolateLeader: 1 },
  partitionTicks: [10, 60],
  crashP: 0,
  leaderCrashBias: 0.3,
  crashLeaderOnCommitP: 0,
  midReadyCrashP: 0.3,
  downTicks: [5, 60],
  clockStallP: 0,
  writesPerTick: 0.5,
  readP: 0.2,
  readAtLeaderBias: 0.5,
  confP: 0.01,
  transferP: 0.005,
  compactP: 0.03,
  compactMinEntries: 8,
};

function mix(name: string, over: Partial<FaultMix>): FaultMix {
  return { ...base, ...over, name };
}

export const FAULT_MIXES: Record<string, FaultMix> = {
  calm: mix('calm', {}),
  lossy: mix('lossy', {
    network: { dropP: 0.1, dupP: 0.05, minDelay: 1, maxDelay: 4 },
    clockStallP: 0.05,
  }),
  reorder: mix('reorder', {
    network: { dropP: 0.05, dupP: 0.25, minDelay: 1, maxDelay: 9 },
    crashP: 0.01,
    leaderCrashBias: 0.6,
    partitionP: 0.02,
    partitionKinds: { symmetric: 1, oneWay: 2, isolateLeader: 2 },
    writesPerTick: 1.5,
  }),
  partitions: mix('partitions', {
    network: { dropP: 0.02, dupP: 0.02, minDelay: 1, maxDelay: 3 },
    partitionP: 0.06,
    partitionTicks: [5, 50],
  }),
  crashy: mix('crashy', {
    network: { dropP: 0.02, dupP: 0.02, minDelay: 1, maxDelay: 3 },
    crashP: 0.04,
    leaderCrashBias: 0.7,
    downTicks: [3, 40],
    confP: 0.02,
  }),
  'leader-churn': mix('leader-churn', {
    network: { dropP: 0.1, dupP: 0.05, minDelay: 1, maxDelay: 5 },
    crashP: 0.06,
    leaderCrashBias: 0.9,
    crashLeaderOnCommitP: 0.05,
    midReadyCrashP: 0.5,
    downTicks: [3, 25],
    partitionP: 0.05,
    partitionKinds: { symmetric: 1, oneWay: 1, isolateLeader: 3 },
    partitionTicks: [5, 30],
    writesPerTick: 1,
    transferP: 0.02,
    preVote: false,
  }),
  'stale-leader': mix('stale-leader', {
    network: { dropP: 0.02, dupP: 0.02, minDelay: 1, maxDelay: 3 },
    partitionP: 0.08,
    partitionKinds: { symmetric: 0, oneWay: 0, isolateLeader: 1 },
    partitionTicks: [20, 80],
    writesPerTick: 1,
    readP: 0.8,
    readAtLeaderBias: 0.9,
    checkQuorum: false,
  }),
  chaos: mix('chaos', {
    network: { dropP: 0.08, dupP: 0.08, minDelay: 1, maxDelay: 6 },
    partitionP: 0.04,
    crashP: 0.02,
    leaderCrashBias: 0.5,
    crashLeaderOnCommitP: 0.005,
    clockStallP: 0.05,
    confP: 0.03,
    transferP: 0.02,
    compactP: 0.06,
  }),
};

export const MIX_NAMES = Object.keys(FAULT_MIXES);

/**
 * Named mixes that seeds never draw (so adding one changes no seed): 'quiet' is an idle,
 * fault-free cluster with a one-tick network, where a round trip is exactly two ticks; the
 * comparison measures each protocol's uncontended cost per value there.
 */
export const EXTRA_MIXES: Record<string, FaultMix> = {
  quiet: mix('quiet', { network: { dropP: 0, dupP: 0, minDelay: 1, maxDelay: 1 }, writesPerTick: 0.05, readP: 0, confP: 0, transferP: 0, compactP: 0 }),
};

export const ALL_MIX_NAMES = [...MIX_NAMES, ...Object.keys(EXTRA_MIXES)];

export function getMix(name: string): FaultMix {
  const m = FAULT_MIXES[name] ?? EXTRA_MIXES[name];
  if (m === undefined) throw new Error(`unknown fault mix "${name}" (known: ${ALL_MIX_NAMES.join(', ')})`);
  return m;
}

/**
 * The mix without the operations only Raft has here (linearizable reads, membership changes,
 * leadership transfers, compaction): what Paxos runs with, and what both protocols run with when
 * they are compared on the same seeds. Network faults, partitions, crashes, restarts, clock
 * stalls and the write rate stay as they are.
 */
export function commonMix(m: FaultMix): FaultMix {
  return { ...m, readP: 0, confP: 0, transferP: 0, compactP: 0 };
}
