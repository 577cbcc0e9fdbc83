// A small seeded PRNG for the chaos suite (splitmix32). One seed drives every choice the suite
// makes: the fault schedule, the workload's operations and the members it talks to.
export class ChaosRng {
    s;
    constructor(seed) {
        if (!Number.isInteger(seed))
            throw new Error(`ChaosRng: seed must be an integer (got ${seed})`);
        this.s = seed >>> 0;
    }
    /** Uniform in [0, 2^32). */
    nextU32() {
        this.s = (this.s + 0x9e3779b9) >>> 0;
        let z = this.s;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        return (z ^ (z >>> 16)) >>> 0;
    }
    /** Uniform in [0, 1). */
    float() {
        return this.nextU32() / 2 ** 32;
    }
    /** Uniform integer in [lo, hi] (inclusive). */
    int(lo, hi) {
        if (hi < lo)
            throw new Error(`ChaosRng.int: empty range [${lo}, ${hi}]`);
        return lo + Math.floor(this.float() * (hi - lo + 1));
    }
    chance(p) {
        return this.float() < p;
    }
    pick(xs) {
        if (xs.length === 0)
            throw new Error('ChaosRng.pick: empty list');
        return xs[Math.floor(this.float() * xs.length)];
    }
    /** Weighted choice: `[[weight, value], ...]`. */
    weighted(choices) {
        const total = choices.reduce((s, [w]) => s + w, 0);
        if (!(total > 0))
            throw new Error('ChaosRng.weighted: weights must sum to more than 0');
        let x = this.float() * total;
        for (const [w, v] of choices) {
            if (x < w)
                return v;
            x -= w;
        }
        return choices[choices.length - 1][1];
    }
    shuffle(xs) {
        const out = [...xs];
        for (let i = out.length - 1; i > 0; i--) {
            const j = Math.floor(this.float() * (i + 1));
            [out[i], out[j]] = [out[j], out[i]];
        }
        return out;
    }
    /** An independent stream derived from this one (for a separate client or the nemesis). */
    fork() {
        return new ChaosRng(this.nextU32());
    }
}
//# sourceMappingURL=rng.js.map