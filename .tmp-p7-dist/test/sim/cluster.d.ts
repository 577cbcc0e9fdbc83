import { ConfChangeType, type ConfState, type NodeId } from '../../src/raft/types.js';
import { SafetyChecker } from './checkers.js';
import { Disk } from './disk.js';
import { History, type WriteOp } from './history.js';
import { Network } from './network.js';
import type { SimRng } from './rng.js';
import { SimNode, type CrashPoint, type RaftOptions, type SimEnv } from './sim-node.js';
import type { Stats } from './stats.js';
import { Trace } from './trace.js';
export interface Member {
    id: NodeId;
    disk: Disk;
    node: SimNode | undefined;
    life: number;
    /** Sim time at which a crashed member comes back (Infinity: stays down). */
    downUntil: number;
    rng: SimRng;
}
export declare class Cluster implements SimEnv {
    readonly initialVoters: NodeId[];
    readonly raft: RaftOptions;
    private readonly rng;
    readonly stats: Stats;
    time: number;
    readonly members: Map<number, Member>;
    readonly network: Network;
    readonly checker: SafetyChecker;
    readonly history: History;
    readonly trace: Trace;
    private nextId;
    constructor(initialVoters: NodeId[], raft: RaftOptions, rng: SimRng, stats: Stats, traceSize: number);
    now(): number;
    member(id: NodeId): Member;
    upNodes(): SimNode[];
    downMembers(): Member[];
    /** Members that believe they lead, highest term first. */
    leaders(): SimNode[];
    /** Run `fn` against a live member, then its driver loop; handles a crash mid-Ready. */
    private withNode;
    start(id: NodeId): void;
    private dropLife;
    /** Crash now (between Readys): whatever was not persisted is gone. */
    crash(id: NodeId, downUntil: number): void;
    /** Arrange for `id` to die in the middle of its next Ready. */
    crashMidReady(id: NodeId, at: CrashPoint, downUntil: number): void;
    restart(id: NodeId): void;
    /** Deliver every message due by now (and the ones those trigger, with zero delay). */
    deliver(): void;
    private reportSnapDrops;
    tickAll(stalled: ReadonlySet<NodeId>): void;
    /** End of a step: every leader is checked against what is committed now. */
    endStep(): void;
    /** Propose a new write at `node`; follows one NOT_LEADER redirect. */
    propose(node: SimNode): WriteOp | undefined;
    read(node: SimNode): void;
    /** A fresh id for a member joining for the first time (its disk starts empty). */
    newMember(): NodeId;
    confChange(leader: SimNode, type: ConfChangeType, target: NodeId, label: 'confAddLearner' | 'confPromote' | 'confRemove' | 'confReadd'): boolean;
    transfer(via: SimNode, to: NodeId): void;
    /** Snapshot the state machine at its applied index and compact the log up to it. */
    compact(node: SimNode): void;
    /** Membership as the most advanced live member has applied it. */
    latestConf(): ConfState | undefined;
}
