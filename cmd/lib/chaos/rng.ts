// The chaos suite's seeded PRNG (the raft core's splitmix32). One seed drives every choice the
// suite makes: the fault schedule, the workload's operations and the members it talks to.

import { SplitMix32 } from '../../../src/raft/rng.js';

/** The raft core's SplitMix32, with the choices the suite makes on top. */
export class ChaosRng extends SplitMix32 {
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`ChaosRng: seed must be an integer (got ${seed})`);
    super(seed);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`ChaosRng.int: empty range [${lo}, ${hi}]`);
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('ChaosRng.pick: empty list');
    return xs[Math.floor(this.float() * xs.length)]!;
  }

  /** Weighted choice: `[[weight, value], ...]`. */
  weighted<T>(choices: readonly (readonly [number, T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0);
    if (!(total > 0)) throw new Error('ChaosRng.weighted: weights must sum to more than 0');
    let x = this.float() * total;
    for (const [w, v] of choices) {
      if (x < w) return v;
      x -= w;
    }
    return choices[choices.length - 1]![1];
  }

  shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** An independent stream derived from this one (for a separate client or the nemesis). */
  fork(): ChaosRng {
    return new ChaosRng(this.nextUint32());
  }
}
