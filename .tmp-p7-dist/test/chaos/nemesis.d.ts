import type { ChaosCluster, ChaosMember } from './cluster.js';
import type { ChaosRng } from './rng.js';
export type FaultKind = 'kill' | 'pause' | 'partition' | 'isolate-leader' | 'bridge' | 'one-way' | 'delay' | 'slow-disk';
export declare const FAULT_KINDS: readonly FaultKind[];
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
export declare function findLeader(c: ChaosCluster, timeoutMs?: number): Promise<ChaosMember | undefined>;
export declare class Nemesis {
    private readonly c;
    private readonly rng;
    private readonly opts;
    private readonly now;
    private readonly log;
    readonly schedule: ScheduledFault[];
    readonly counts: Map<FaultKind, number>;
    private stopped;
    private wake;
    constructor(c: ChaosCluster, rng: ChaosRng, opts: NemesisOptions, now: () => number, log: (line: string) => void);
    /** Runs faults until stop(); every fault is healed before the next starts and when stopping. */
    run(): Promise<void>;
    stop(): void;
    /** Waits `ms`, or less if stopped. This paces the faults; it synchronises nothing. */
    private idle;
    private target;
    private names;
    /** Applies fault `f` (filling in its detail) and returns its heal. */
    private inject;
}
