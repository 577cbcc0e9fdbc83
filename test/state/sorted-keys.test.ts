import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SortedKeys } from '../../src/state/kv/sorted-keys.js';
import { KvStore } from '../../src/state/kv/kv-store.js';
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

describe('key-space cuts (copy on write)', () => {
  it('a cut keeps the keys and records of its moment through inserts, deletes, splits and merges', () => {
    const rand = prng(7);
    const kv = new KvStore();
    let rev = 0;
    const key = (): string => `k/${Math.floor(rand() * 6000).toString().padStart(4, '0')}`;
    for (let i = 0; i < 4000; i++) kv.put(key(), `v${i}`, '', ++rev);
    const atCut = kv.range('', 0).kvs;
    const cut = kv.cut();
    const other = kv.cut();
    assert.ok(cut.keyChunks.length > 4, `several chunks (${cut.keyChunks.length})`);
    // Enough churn to split and merge chunks: overwrites, deletes, new keys, a whole range gone.
    for (let i = 0; i < 20000; i++) {
      const k = key();
      if (rand() < 0.5) kv.put(k, `w${i}`, '', ++rev);
      else kv.delete(k);
    }
    for (const k of kv.range('k/1', 0).kvs.map((r) => r.key)) if (k.startsWith('k/1')) kv.delete(k);
    other.release();
    const seen = cut.keyChunks.flatMap((keys) => cut.records(keys));
    assert.deepEqual(seen, atCut);
    cut.release();
    assert.throws(() => cut.records(cut.keyChunks[0]!), /released key-space cut/);
    // The live store is unharmed by the sharing.
    const live = kv.range('', 0).kvs;
    assert.deepEqual(live.map((r) => r.key), [...live.map((r) => r.key)].sort());
    assert.equal(live.length, kv.size);
    for (const r of live) assert.equal(kv.get(r.key), r);
  });
});
