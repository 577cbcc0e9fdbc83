import type { ChaosCluster } from './cluster.js';
import type { KvOp, LockGrant, WatcherRecord, WriteRecord } from './history.js';
import { FencedResource } from './resource.js';
import type { ChaosRng } from './rng.js';
export declare const PREFIX = "chaos/";
export declare const REG_PREFIX = "chaos/reg/";
export declare const LOG_PREFIX = "chaos/log/";
export declare const LOCK_PREFIX = "chaos-lock/";
/** Write-once keys per range block: keeps each final range read below the server's limit. */
export declare const LOG_BLOCK = 5000;
export interface WorkloadLimits {
    /** Recorded operations of all kinds; the workload stops issuing more past it. */
    maxOps: number;
    /** Events kept per watcher. */
    maxWatchEvents: number;
}
export declare class Recorder {
    readonly limits: WorkloadLimits;
    readonly kvOps: KvOp[];
    readonly writes: WriteRecord[];
    readonly grants: LockGrant[];
    readonly watchers: WatcherRecord[];
    readonly resource: FencedResource;
    /** Lock acquisitions whose outcome is unknown (they may have been granted). */
    lockUnknown: number;
    lockRefused: number;
    private nextOpId;
    readonly t0: number;
    constructor(limits: WorkloadLimits);
    now(): number;
    opId(): number;
    get full(): boolean;
}
export interface WorkloadEnv {
    cluster: ChaosCluster;
    rec: Recorder;
    requestTimeoutMs: number;
    registers: number;
    /** 'serializable' makes register reads skip the read barrier: a deliberately unsafe mode that
     *  shows the linearizability checker catching stale reads end to end. */
    readConsistency: 'linearizable' | 'serializable';
    /** Set to stop every loop. */
    stop: {
        stopped: boolean;
    };
}
export declare function registerClient(env: WorkloadEnv, name: string, rng: ChaosRng): Promise<void>;
export declare function logKey(client: string, n: number): string;
export interface LockClientOptions {
    locks: number;
    ttlSeconds: number;
    waitMs: number;
}
export declare function lockClient(env: WorkloadEnv, name: string, rng: ChaosRng, o: LockClientOptions): Promise<void>;
export declare class Watcher {
    private readonly env;
    private readonly rng;
    readonly record: WatcherRecord;
    private ws;
    private last;
    private lastMessageMs;
    private closed;
    private reconnectTimer;
    connects: number;
    /** More events than maxWatchEvents arrived; the watcher stopped recording. */
    overflowed: boolean;
    constructor(env: WorkloadEnv, name: string, rng: ChaosRng, startRevision: number);
    get lastRevision(): number;
    get silentForMs(): number;
    start(): void;
    /** Drop the connection and resume from another random member. */
    reconnect(): void;
    private scheduleConnect;
    private connect;
    /** Resolves once an event at or past `revision` arrived; reconnects whenever the stream stays
     *  silent for `stallMs`. Rejects after `timeoutMs`. */
    waitFor(revision: number, timeoutMs: number, stallMs?: number): Promise<void>;
    close(): void;
}
