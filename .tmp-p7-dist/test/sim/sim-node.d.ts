import { MemoryLog } from '../../src/raft/log-storage.js';
import { RawNode } from '../../src/raft/raw-node.js';
import { StateRole, type Entry, type NodeId, type RaftMutations, type Term } from '../../src/raft/types.js';
import type { LogView, SafetyChecker } from './checkers.js';
import type { Disk } from './disk.js';
import type { History } from './history.js';
import type { Network } from './network.js';
import type { SimRng } from './rng.js';
import { ListStateMachine } from './state-machine.js';
import type { Stats } from './stats.js';
import type { Trace } from './trace.js';
export interface RaftOptions {
    electionTicks: number;
    heartbeatTicks: number;
    preVote: boolean;
    checkQuorum: boolean;
    maxInflightMsgs: number;
    maxSizePerMsg: number;
    mutations: RaftMutations;
}
/** What a member needs from the world around it. */
export interface SimEnv {
    now(): number;
    network: Network;
    checker: SafetyChecker;
    history: History;
    stats: Stats;
    trace: Trace;
}
/** Where a scheduled crash interrupts the driver loop. */
export type CrashPoint = 'after-persist' | 'after-send';
export declare function writeKeyOf(e: Entry): string | undefined;
export declare class SimNode {
    readonly id: NodeId;
    readonly life: number;
    readonly disk: Disk;
    private readonly env;
    readonly log: MemoryLog;
    readonly raw: RawNode;
    sm: ListStateMachine;
    role: StateRole;
    lead: NodeId;
    term: Term;
    /** Reads whose ReadState arrived, waiting for applied >= readIndex. */
    private waitingReads;
    /** Set by the fault scheduler: the next Ready is cut short here, and the member dies. */
    crashAt: CrashPoint | undefined;
    crashed: boolean;
    constructor(id: NodeId, life: number, disk: Disk, opts: RaftOptions, rng: SimRng, env: SimEnv);
    logView(): LogView;
    /**
     * Run the driver loop until the core has nothing more to say. Returns false when a scheduled
     * crash cut it short (the caller then drops this life).
     */
    drain(): boolean;
    private handleReady;
    private prevTermOnDisk;
    private die;
    private applySnapshot;
    private applyEntry;
    private onReadState;
    private serveReads;
    /** Checks that need the member settled (no Ready pending): commit monotonicity, leadership. */
    private afterSettled;
    /** Leadership check for the end-of-step sweep. */
    checkLeadership(): void;
}
