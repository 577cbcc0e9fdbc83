import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fnv1a64, memberIdFor } from '../../src/config/index.js';
const enc = new TextEncoder();
test('fnv1a64 matches the published FNV-1a 64-bit test vectors', () => {
    assert.equal(fnv1a64(enc.encode('')), 0xcbf29ce484222325n);
    assert.equal(fnv1a64(enc.encode('a')), 0xaf63dc4c8601ec8cn);
    assert.equal(fnv1a64(enc.encode('foobar')), 0x85944171f73967e8n);
});
test('memberIdFor is the low 52 bits of FNV-1a over "<token>/<name>"', () => {
    const expected = Number(fnv1a64(enc.encode('raftlock/n1')) & ((1n << 52n) - 1n));
    assert.equal(memberIdFor('n1', 'raftlock'), expected);
});
test('member ids are stable, positive, safe integers below 2^52, and depend on name and token', () => {
    const seen = new Set();
    for (let i = 0; i < 2000; i++) {
        const id = memberIdFor(`member-${i}`, 'raftlock');
        assert.ok(Number.isSafeInteger(id) && id > 0 && id < 2 ** 52, `id ${id}`);
        assert.equal(memberIdFor(`member-${i}`, 'raftlock'), id);
        seen.add(id);
    }
    assert.equal(seen.size, 2000);
    assert.notEqual(memberIdFor('n1', 'cluster-a'), memberIdFor('n1', 'cluster-b'));
    assert.throws(() => memberIdFor('', 'raftlock'), /name must not be empty/);
});
//# sourceMappingURL=member-id.test.js.map