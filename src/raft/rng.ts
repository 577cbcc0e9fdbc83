// A small seeded PRNG (SplitMix32-style: a Weyl sequence through a 32-bit integer finalizer).
// Pure and deterministic: the same seed gives the same sequence on every run and platform.

import { invariant } from '../invariant/index.js';
import type { Rng } from './types.js';

export class SplitMix32 implements Rng {
  private state: number;

  constructor(seed: number) {
    invariant(Number.isFinite(seed), 'SplitMix32: seed must be a finite number');
    this.state = seed >>> 0;
  }

  /** The next uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Uniform integer in [0, n) for 1 <= n <= 2^32 (multiply-shift; bias < n / 2^32). */
  intn(n: number): number {
    invariant(Number.isInteger(n) && n >= 1 && n <= 0x1_0000_0000, () => `intn: n must be an integer in [1, 2^32], got ${n}`);
    return Math.floor((this.nextUint32() / 0x1_0000_0000) * n);
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }
}
