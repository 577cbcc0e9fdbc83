// The simulator's one source of randomness. Every decision in a run (network delays, drops,
// faults, client operations, and each Raft member's election jitter) draws from a tree of
// generators rooted at one seed, so `runSeed({ seed })` replays bit-for-bit.
//
// Generator: sfc32 (Chris Doty-Humphrey's "small fast chaotic" 32-bit generator), seeded through
// splitmix32 so that nearby seeds give unrelated streams. Never Math.random.

import { SplitMix32 } from '../../../src/raft/rng.js';
import type { Rng } from '../../../src/raft/types.js';

export class SimRng implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(`SimRng: seed must be a non-negative safe integer, got ${seed}`);
    }
    // Fold both 32-bit halves of the seed into the splitmix state.
    const st = new SplitMix32((seed >>> 0) ^ Math.imul(Math.floor(seed / 0x100000000) | 0, 0x27d4eb2d));
    this.a = st.nextUint32();
    this.b = st.nextUint32();
    this.c = st.nextUint32();
    this.d = st.nextUint32() | 1;
    for (let i = 0; i < 12; i++) this.next32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  next32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.next32() / 0x100000000;
  }

  /** A uniformly distributed integer in [0, n). */
  intn(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
      throw new Error(`SimRng.intn: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Rejection sampling keeps the distribution exactly uniform.
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.next32();
      if (x < limit) return x % n;
    }
  }

  /** An integer in [lo, hi] (inclusive). */
  range(lo: number, hi: number): number {
    if (hi < lo) throw new Error(`SimRng.range: empty range [${lo}, ${hi}]`);
    return lo + this.intn(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.float() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('SimRng.pick: empty array');
    return xs[this.intn(xs.length)] as T;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.intn(i + 1);
      const t = xs[i] as T;
      xs[i] = xs[j] as T;
      xs[j] = t;
    }
    return xs;
  }

  /** An independent child generator (e.g. one per Raft member) derived from this stream. */
  fork(): SimRng {
    return new SimRng(this.next32() * 0x200000 + (this.next32() >>> 11));
  }
}
