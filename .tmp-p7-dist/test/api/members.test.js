// Membership routes over the fake facade: shapes, validation, promote and remove.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { startHarness } from './harness.js';
let h;
afterEach(async () => {
    await h?.close();
    h = undefined;
});
test('add a learner, promote it, remove it', async () => {
    h = await startHarness();
    const add = await h.request('POST', '/v1/members', { name: 'n4', peerUrl: 'http://127.0.0.1:9380', clientUrl: 'http://127.0.0.1:9379', learner: true });
    assert.equal(add.status, 200, JSON.stringify(add.json));
    assert.equal(add.json.member.name, 'n4');
    assert.equal(add.json.member.learner, true);
    const id = add.json.member.id;
    assert.equal(add.json.members.find((m) => m.id === id).role, 'learner');
    const again = await h.request('POST', `/v1/members/${id}/promote`);
    assert.equal(again.status, 200);
    assert.equal(again.json.members.find((m) => m.id === id).role, 'follower');
    const notLearner = await h.request('POST', `/v1/members/${id}/promote`);
    assert.equal(notLearner.status, 400);
    assert.equal(notLearner.json.error.code, 'INVALID_ARGUMENT');
    const del = await h.request('DELETE', '/v1/members/n4');
    assert.equal(del.status, 200);
    assert.equal(del.json.members.some((m) => m.id === id), false);
    assert.deepEqual(h.fake.membershipChanges.map((c) => c.change), ['addLearner', 'add', 'remove']);
});
test('bad member requests get 4xx', async () => {
    h = await startHarness();
    const bad = await h.request('POST', '/v1/members', { name: 'n 4', peerUrl: 'ftp://x', clientUrl: 'http://127.0.0.1:1' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'INVALID_ARGUMENT');
    const unknown = await h.request('DELETE', '/v1/members/nobody');
    assert.equal(unknown.status, 404);
    const extra = await h.request('POST', '/v1/members', { name: 'n5', peerUrl: 'http://a:1', clientUrl: 'http://a:2', weight: 3 });
    assert.equal(extra.status, 400);
});
//# sourceMappingURL=members.test.js.map