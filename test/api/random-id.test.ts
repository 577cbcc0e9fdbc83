import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomWaiterId } from '../../src/api/random-id.js';

test('waiter ids are 16 hex digits and do not repeat, across many refills of the pool', () => {
  const seen = new Set<string>();
  // 4 KiB pool / 8 bytes = 512 ids per fill: this crosses about 20 refills.
  for (let i = 0; i < 10_000; i++) {
    const id = randomWaiterId();
    assert.match(id, /^[0-9a-f]{16}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 10_000);
  // Every hex digit appears in every position over that many ids (no stuck bytes).
  for (let pos = 0; pos < 16; pos++) assert.equal(new Set([...seen].map((s) => s[pos])).size, 16, `position ${pos}`);
});
