export declare class ChaosRng {
    private s;
    constructor(seed: number);
    /** Uniform in [0, 2^32). */
    nextU32(): number;
    /** Uniform in [0, 1). */
    float(): number;
    /** Uniform integer in [lo, hi] (inclusive). */
    int(lo: number, hi: number): number;
    chance(p: number): boolean;
    pick<T>(xs: readonly T[]): T;
    /** Weighted choice: `[[weight, value], ...]`. */
    weighted<T>(choices: readonly (readonly [number, T])[]): T;
    shuffle<T>(xs: readonly T[]): T[];
    /** An independent stream derived from this one (for a separate client or the nemesis). */
    fork(): ChaosRng;
}
