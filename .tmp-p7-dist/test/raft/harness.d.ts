import { MemoryLog, MessageType, RawNode, type Message, type NodeId, type RaftConfig, type ReadState, type Ready } from '../../src/raft/index.js';
export declare const enc: (s: string) => Uint8Array;
export declare const dec: (b: Uint8Array) => string;
export type NodeOptions = Partial<Omit<RaftConfig, 'id' | 'storage' | 'rng'>>;
interface Member {
    node: RawNode;
    storage: MemoryLog;
    opts: NodeOptions;
    /** The "state machine": data of applied non-empty normal entries, in order. */
    state: string[];
    appliedIndex: number;
    readStates: ReadState[];
    /** Every Ready this member produced (most recent last), for assertions. */
    readies: Ready[];
}
export declare class Cluster {
    readonly defaults: NodeOptions;
    readonly members: Map<number, Member>;
    queue: Message[];
    readonly down: Set<number>;
    private readonly cuts;
    /** Return false to drop a message at delivery time. */
    filter: ((m: Message) => boolean) | undefined;
    readonly violations: string[];
    /** index -> "term:data" of the first entry applied there by anyone. */
    private readonly appliedAt;
    private seed;
    delivered: number;
    constructor(voters: NodeId[], defaults?: NodeOptions, seed?: number);
    /** A member with the given storage (a bootstrapped one, or an empty one for a joiner). */
    addMember(id: NodeId, storage?: MemoryLog, opts?: NodeOptions): RawNode;
    node(id: NodeId): RawNode;
    member(id: NodeId): Member;
    /** Crash and restart `id` from its MemoryLog (its state machine is rebuilt by replay). */
    restart(id: NodeId): RawNode;
    isolate(id: NodeId): void;
    heal(id?: NodeId): void;
    cut(a: NodeId, b: NodeId): void;
    uncut(): void;
    private dropped;
    /** Drain every Ready of `id`: persist (implicit), queue messages, apply, advance. */
    processReady(id: NodeId): void;
    private apply;
    processAll(): void;
    /** Deliver one message now (whatever the filters say). Like a transport, report the outcome
     *  of a snapshot send to its sender (the driver's duty: RawNode.reportSnapshot). */
    deliverMessage(msg: Message): void;
    /** The network lost `msg`; a lost snapshot is reported to its sender as failed. */
    lose(msg: Message): void;
    /** Deliver everything queued right now (dropping what the network loses); returns the count. */
    deliverQueued(): number;
    /** Process and deliver until nothing moves. */
    stabilize(maxRounds?: number): void;
    /** Remove and return queued messages matching `pred` (after processing Readies). */
    take(pred: (m: Message) => boolean): Message[];
    tick(id: NodeId, n?: number): void;
    /** Tick every up member `n` times, stabilizing after each tick. */
    tickAll(n?: number): void;
    /** Make `id` leader by campaigning and stabilizing (asserts it worked). */
    elect(id: NodeId): RawNode;
    /** The leaders among up members. */
    leaders(): NodeId[];
    propose(id: NodeId, s: string): void;
    state(id: NodeId): string[];
    /** Count of queued-then-delivered messages of a type (for back-off / batching assertions). */
    static count(msgs: Message[], type: MessageType): number;
}
/** A fresh cluster of `n` voters (ids 1..n), bootstrapped and with its first Ready processed. */
export declare function cluster(n: number, opts?: NodeOptions, seed?: number): Cluster;
export {};
