import type { RaftMutations } from '../../src/raft/types.js';
import type { RaftOptions } from './sim-node.js';
import { Stats } from './stats.js';
import { type CheckName } from './violation.js';
export type MutationName = 'a' | 'b' | 'c' | 'd';
export declare const MUTATIONS: Record<MutationName, {
    flag: keyof RaftMutations;
    mix: string;
}>;
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
    failure?: {
        check: CheckName;
        message: string;
        time: number;
    };
    /** The last events, oldest first (only on failure). */
    trace?: string;
    stats: Stats;
    raft: RaftOptions;
}
export declare function runSeed(opts: RunOptions): SeedResult;
/** A readable failure report: seed, setup, the check that fired, the trace, how to replay. */
export declare function describeFailure(r: SeedResult, steps?: number): string;
