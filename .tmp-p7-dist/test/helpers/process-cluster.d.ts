import { type ChildProcess } from 'node:child_process';
/** dist/cmd/raftlockd.js (tests run from dist/test/...). */
export declare const DAEMON: string;
export declare function freePort(): Promise<number>;
export interface ProcMember {
    name: string;
    clientPort: number;
    peerPort: number;
    dataDir: string;
    url: string;
    proc: ChildProcess | null;
    output: string[];
}
export interface ClusterOptions {
    size: number;
    /** Extra flags for every member. */
    extraArgs?: string[];
    env?: Record<string, string>;
}
export declare class ProcessCluster {
    readonly members: ProcMember[];
    readonly root: string;
    private readonly opts;
    private constructor();
    static start(opts: ClusterOptions): Promise<ProcessCluster>;
    initialCluster(): string;
    spawn(m: ProcMember): void;
    isRunning(m: ProcMember): boolean;
    /** Send `signal` and wait for the process to exit; resolves with its exit code/signal. */
    kill(m: ProcMember, signal?: NodeJS.Signals): Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
    }>;
    stopAll(): Promise<void>;
    destroy(): Promise<void>;
    logs(m: ProcMember): string;
}
export interface JsonResponse<T = any> {
    status: number;
    body: T;
    headers: Headers;
}
export declare function http<T = any>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<JsonResponse<T>>;
/**
 * Poll `fn` until it returns a value other than undefined, or fail after `timeoutMs` with the
 * last error. This waits for a condition; it is not a sleep used as synchronisation.
 */
export declare function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs?: number, intervalMs?: number): Promise<T>;
/** Wait until every running member agrees on one leader; returns it. */
export declare function waitForLeader(c: ProcessCluster, timeoutMs?: number): Promise<ProcMember>;
