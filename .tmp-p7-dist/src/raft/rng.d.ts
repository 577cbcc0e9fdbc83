import type { Rng } from './types.js';
export declare class SplitMix32 implements Rng {
    private state;
    constructor(seed: number);
    /** The next uniformly distributed 32-bit unsigned integer. */
    nextUint32(): number;
    /** Uniform integer in [0, n) for 1 <= n <= 2^32 (multiply-shift; bias < n / 2^32). */
    intn(n: number): number;
    /** Uniform float in [0, 1). */
    float(): number;
}
