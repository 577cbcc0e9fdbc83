// raftlock_storage_size_bytes' source: the data directory's size, walked at most once per maxAge.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DiskUsageSampler, directoryBytes } from '../../src/storage/index.js';

describe('data directory size', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftlock-du-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('counts the files below the directory, and 0 for a missing one', async () => {
    writeFileSync(join(dir, 'a.sst'), Buffer.alloc(64 * 1024, 1));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.log'), Buffer.alloc(32 * 1024, 1));
    const n = await directoryBytes(dir);
    assert.ok(n >= 96 * 1024 && n < 200 * 1024, `${n} bytes`);
    assert.equal(await directoryBytes(join(dir, 'missing')), 0);
  });

  test('the sampler walks again only after maxAge; concurrent callers share one walk', async () => {
    let now = 0;
    const s = new DiskUsageSampler(dir, 5_000, () => now);
    const [a, b] = await Promise.all([s.bytes(), s.bytes()]);
    assert.equal(a, b);
    writeFileSync(join(dir, 'c.sst'), Buffer.alloc(256 * 1024, 1));
    now = 4_999;
    assert.equal(await s.bytes(), a, 'cached within maxAge');
    now = 5_001;
    const grown = await s.bytes();
    assert.ok(grown >= a + 256 * 1024, `${grown} after adding 256 KiB to ${a}`);
  });
});
