// Shared helpers for state/ tests.
import assert from 'node:assert/strict';
/** Apply and assert the result has op `op`; returns the narrowed result. */
export function ok(sm, cmd, op) {
    const { result } = sm.apply(cmd);
    assert.equal(result.op, op, `expected ${op}, got ${JSON.stringify(result)}`);
    return result;
}
export function err(sm, cmd, code) {
    const { result, events } = sm.apply(cmd);
    assert.equal(result.op, 'error', `expected error ${code}, got ${JSON.stringify(result)}`);
    assert.equal(result.code, code);
    assert.deepEqual(events, []);
    return result;
}
/** mulberry32: a small seeded PRNG for reproducible random command sequences. */
export function prng(seed) {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
//# sourceMappingURL=helpers.js.map