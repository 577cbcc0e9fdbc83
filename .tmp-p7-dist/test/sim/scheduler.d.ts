import { type NodeId } from '../../src/raft/types.js';
import type { Cluster } from './cluster.js';
import type { SimRng } from './rng.js';
import type { FaultMix } from './workload.js';
export declare class FaultScheduler {
    private readonly rng;
    private readonly mix;
    private readonly cluster;
    private partitionUntil;
    constructor(rng: SimRng, mix: FaultMix, cluster: Cluster);
    /** Faults and client operations for this tick. Returns members whose clock stalls this tick. */
    beforeTick(): Set<NodeId>;
    private partition;
    private crash;
    private write;
    private read;
    private confChange;
    private transfer;
    private compact;
}
