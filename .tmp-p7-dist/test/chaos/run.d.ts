import type { Anomaly } from './history.js';
import { type FaultKind, type ScheduledFault } from './nemesis.js';
export interface ChaosOptions {
    seed: number;
    /** Time with faults, before the final heal. */
    durationMs: number;
    members: number;
    registerClients?: number;
    registers?: number;
    lockClients?: number;
    locks?: number;
    watchers?: number;
    /** Flags for every member (timing, test hooks such as --testing-unsafe-local-reads). */
    memberArgs?: string[];
    electionTimeoutMs?: number;
    heartbeatMs?: number;
    requestTimeoutMs?: number;
    faultKinds?: readonly FaultKind[];
    /** Register reads with ?consistency=serializable: UNSAFE on purpose, to see the checker bite. */
    unsafeSerializableReads?: boolean;
    keepData?: boolean;
    log?: (line: string) => void;
}
export interface ChaosStats {
    seed: number;
    members: number;
    durationMs: number;
    operations: {
        register: Record<string, number>;
        writeOnce: Record<string, number>;
        lockGrants: number;
        lockUnknown: number;
        lockRefused: number;
        resourceAccepted: number;
        resourceRejected: number;
        watchEvents: number;
        watchReconnects: number;
    };
    faults: Record<string, number>;
    proxy: {
        framesRelayed: number;
        framesDropped: number;
        framesDelayed: number;
        connections: number;
    };
    linearizability: {
        keys: number;
        statesExplored: number;
        inconclusiveKeys: string[];
    };
    anomalies: Record<string, number>;
}
export interface ChaosResult {
    ok: boolean;
    seed: number;
    stats: ChaosStats;
    anomalies: Anomaly[];
    schedule: ScheduledFault[];
    /** Tail of each member's output, for post-mortems. */
    memberLogs: Record<string, string>;
}
export declare function runChaos(o: ChaosOptions): Promise<ChaosResult>;
/** The end-of-run report: statistics always; on failure the seed, the schedule and each
 *  anomaly with its smallest failing slice of the history. */
export declare function formatReport(r: ChaosResult): string;
