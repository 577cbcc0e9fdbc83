import type { Rng } from '../../src/raft/types.js';
export declare class SimRng implements Rng {
    private a;
    private b;
    private c;
    private d;
    constructor(seed: number);
    /** A uniformly distributed unsigned 32-bit integer. */
    next32(): number;
    /** A float in [0, 1). */
    float(): number;
    /** A uniformly distributed integer in [0, n). */
    intn(n: number): number;
    /** An integer in [lo, hi] (inclusive). */
    range(lo: number, hi: number): number;
    /** True with probability p. */
    chance(p: number): boolean;
    pick<T>(xs: readonly T[]): T;
    /** In-place Fisher-Yates shuffle. */
    shuffle<T>(xs: T[]): T[];
    /** An independent child generator (e.g. one per Raft member) derived from this stream. */
    fork(): SimRng;
}
