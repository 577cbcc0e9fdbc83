import { type Message, type NodeId } from '../../src/raft/types.js';
import type { SimRng } from './rng.js';
import type { Stats } from './stats.js';
export interface NetworkFaults {
    /** Probability that a message is lost. */
    dropP: number;
    /** Probability that a message is delivered twice (the copy gets its own delay). */
    dupP: number;
    /** Delivery delay in ticks, uniform in [minDelay, maxDelay]; minDelay >= 1 so a round trip
     *  costs time (no zero-delay ping-pong inside one tick). Different delays reorder. */
    minDelay: number;
    maxDelay: number;
}
export declare const CALM_NETWORK: NetworkFaults;
export declare class Network {
    private readonly rng;
    private readonly stats;
    /** Hard cap on messages in flight; sends beyond it are dropped (and counted). */
    readonly maxInFlight: number;
    private inFlight;
    private seq;
    /** Highest seq delivered per directed link, to count reorders. */
    private lastSeq;
    /** Directed links currently cut, as "from>to". */
    private cut;
    /** Snapshot messages the network lost, for the driver to report as failed sends. */
    private snapDrops;
    faults: NetworkFaults;
    constructor(rng: SimRng, stats: Stats, 
    /** Hard cap on messages in flight; sends beyond it are dropped (and counted). */
    maxInFlight?: number);
    get size(): number;
    isCut(from: NodeId, to: NodeId): boolean;
    cutOneWay(from: NodeId, to: NodeId): void;
    /** Block every link between group a and group b, both directions. */
    partition(a: readonly NodeId[], b: readonly NodeId[]): void;
    healAll(): void;
    get cutCount(): number;
    /** Hand a message to the network at sim time `now`. Returns false when it was dropped. */
    send(m: Message, src: NodeId, now: number): boolean;
    private enqueue;
    /**
     * Remove and return the messages due at `now`, in delivery order. Messages whose link is cut
     * by now are dropped here. The caller delivers them one by one (and may send new ones, which
     * are due no earlier than `now` and are picked up by the next call).
     */
    takeDue(now: number): Message[];
    /** A Snap message was lost (on send, on delivery, or to a down member). */
    reportSnapDrop(m: Message): void;
    takeSnapDrops(): Message[];
    /** Forget every message to or from `id` (used when a member is removed for good). */
    purge(id: NodeId): void;
}
