import { type ChildProcess } from 'node:child_process';
import { FaultProxy } from './proxy.js';
export interface ChaosMember {
    name: string;
    id: number;
    clientPort: number;
    peerPort: number;
    dataDir: string;
    url: string;
    proc: ChildProcess | null;
    paused: boolean;
    /** Flags for the current incarnation only (e.g. a slow disk). */
    extraArgs: string[];
    output: string[];
    starts: number;
}
export interface ChaosClusterOptions {
    size: number;
    /** Flags for every member, e.g. timing. */
    memberArgs?: string[];
    /** Keep the data directories (for post-mortems). */
    keepData?: boolean;
}
export declare class ChaosCluster {
    readonly root: string;
    readonly proxy: FaultProxy;
    private readonly opts;
    readonly members: ChaosMember[];
    private constructor();
    static start(opts: ChaosClusterOptions): Promise<ChaosCluster>;
    member(name: string): ChaosMember;
    initialCluster(): string;
    isRunning(m: ChaosMember): boolean;
    /** Running and not paused: can answer requests. */
    isServing(m: ChaosMember): boolean;
    spawn(m: ChaosMember, extraArgs?: string[]): void;
    kill(m: ChaosMember): Promise<void>;
    pause(m: ChaosMember): void;
    resume(m: ChaosMember): void;
    /** Crash (SIGKILL) and start again, with `extraArgs` for the new incarnation. */
    restart(m: ChaosMember, extraArgs?: string[]): Promise<void>;
    destroy(): Promise<void>;
    logs(m: ChaosMember): string;
}
