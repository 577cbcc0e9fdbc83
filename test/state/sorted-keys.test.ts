import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SortedKeys } from '../../src/state/kv/sorted-keys.js';
import { prefixEnd } from '../../src/state/kv/key-order.js';
import { prng } from './helpers.js';

describe('SortedKeys', () => {
  it('matches a plain sorted array under random inserts, deletes and prefix queries', () => {
    const rand = prng(99);
    const set = new SortedKeys();
    const model = new Set<string>();
    const alphabet = ['a', 'b', '/', 'é', '\uFFFF', '🔑'];
    const randKey = (): string => {
      let k = '';
      const len = 1 + Math.floor(rand() * 5);
      for (let i = 0; i < len; i++) k += alphabet[Math.floor(rand() * alphabet.length)];
      return k;
    };
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 1500; i++) {
        const k = randKey();
        if (rand() < 0.65) assert.equal(set.insert(k), !model.has(k)), model.add(k);
        else assert.equal(set.delete(k), model.delete(k));
      }
      const sorted = [...model].sort();
      assert.equal(set.size, sorted.length);
      assert.deepEqual([...set], sorted);
      for (let q = 0; q < 50; q++) {
        const p = randKey().slice(0, 1 + Math.floor(rand() * 3));
        const expected = sorted.filter((k) => k.startsWith(p));
        const end = prefixEnd(p);
        const from = set.seek(p);
        const to = end === undefined ? set.end() : set.seek(end);
        assert.equal(set.countBetween(from, to), expected.length, `count ${JSON.stringify(p)}`);
        assert.deepEqual(set.collect(from, to, -1), expected);
        assert.deepEqual(set.collect(from, to, 3), expected.slice(0, 3));
      }
    }
    assert.ok(model.size > 1000, 'enough keys to need several chunks');
  });
});
