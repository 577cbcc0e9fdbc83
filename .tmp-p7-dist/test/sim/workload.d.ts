import type { NetworkFaults } from './network.js';
export interface FaultMix {
    name: string;
    network: NetworkFaults;
    /** Per tick: chance to start a partition when none is active. */
    partitionP: number;
    /** Relative weights of partition kinds. */
    partitionKinds: {
        symmetric: number;
        oneWay: number;
        isolateLeader: number;
    };
    /** How long a partition lasts, in ticks. */
    partitionTicks: [number, number];
    /** Per tick: chance to crash a live member. */
    crashP: number;
    /** Chance that a crash picks a current leader (when there is one). */
    leaderCrashBias: number;
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
export declare const FAULT_MIXES: Record<string, FaultMix>;
export declare const MIX_NAMES: string[];
export declare function getMix(name: string): FaultMix;
