import { type ProcMember } from '../helpers/process-cluster.js';
export interface LoadCounts {
    puts: number;
    gets: number;
    notFound: number;
    leasesGranted: number;
    keepalives: number;
    locksAcquired: number;
    locksReleased: number;
    watchEvents: number;
    errors: number;
}
export interface LoadOptions {
    /** Members the load may talk to right now (called for every request). */
    members: () => ProcMember[];
    /** Pause between iterations of each loop, ms (default 25). */
    paceMs?: number;
    /** Key prefix (default `load/`). */
    prefix?: string;
}
export declare class OpsLoad {
    private readonly opts;
    readonly counts: LoadCounts;
    readonly errorSamples: string[];
    private stopped;
    private readonly loops;
    private ws;
    private rr;
    private readonly pace;
    private readonly prefix;
    private wake;
    constructor(opts: LoadOptions);
    start(): void;
    stop(): Promise<void>;
    private pick;
    private noteError;
    /** Pacing between iterations (not synchronisation: nothing waits on it but the loop itself). */
    private pause;
    private kvLoop;
    private leaseLoop;
    private lockLoop;
    /** Keeps one watch socket open on some member, reopening it when that member goes away. */
    private watchLoop;
}
