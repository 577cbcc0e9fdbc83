// The client against a real three-member cluster of raftlockd processes: lock contention through
// withLock (no overlap, strictly increasing fencing tokens that the cluster itself agrees with),
// and a watch that resumes across the SIGKILL of the member it is connected to.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/client/index.js';
import { ProcessCluster, waitForLeader } from '../helpers/process-cluster.js';
const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'];
describe('client against a three-member cluster (real processes)', { timeout: 180_000 }, () => {
    let c;
    const clients = [];
    const newClient = (endpoints = c.members.filter((m) => c.isRunning(m)).map((m) => m.url)) => {
        const cl = new Client({ endpoints });
        clients.push(cl);
        return cl;
    };
    before(async () => {
        c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
        await waitForLeader(c);
    });
    after(async () => {
        await Promise.all(clients.map((cl) => cl.close()));
        await c?.destroy();
    });
    test('KV round trip, txn and lease-bound keys', async () => {
        const cl = newClient();
        const p = await cl.put('cfg/a', '1');
        const kv = await cl.get('cfg/a');
        assert.equal(kv?.value, '1');
        assert.equal(kv?.modRevision, p.revision);
        assert.equal(await cl.get('cfg/missing'), undefined);
        const t = await cl.txn({
            compare: [{ key: 'cfg/a', target: 'modRevision', op: '=', value: p.revision }],
            success: [{ put: { key: 'cfg/b', value: '2' } }],
        });
        assert.equal(t.succeeded, true);
        const r = await cl.range('cfg/');
        assert.deepEqual(r.kvs.map((x) => x.key), ['cfg/a', 'cfg/b']);
        const lease = await cl.lease(5);
        await cl.put('cfg/ephemeral', 'x', { lease: lease.id });
        const ttl = await cl.leaseTimeToLive(lease.id);
        assert.deepEqual(ttl.keys, ['cfg/ephemeral']);
        await lease.revoke();
        assert.equal(await cl.get('cfg/ephemeral'), undefined);
    });
    test('withLock under contention: no overlap, strictly increasing fencing tokens', async () => {
        const callers = 4;
        const rounds = 3;
        let holder = null;
        let lastToken = 0;
        const tokens = [];
        const violations = [];
        const work = async (who, cl) => {
            for (let i = 0; i < rounds; i++) {
                await cl.withLock('contended', async ({ fencingToken, signal }) => {
                    if (holder !== null)
                        violations.push(`${who} entered while ${holder} held the lock`);
                    if (fencingToken <= lastToken)
                        violations.push(`${who} got token ${fencingToken} after ${lastToken}`);
                    holder = who;
                    lastToken = fencingToken;
                    tokens.push(fencingToken);
                    // The protected write only lands while the cluster agrees we hold this token.
                    const t = await cl.txn({
                        compare: [{ key: 'contended', target: 'fencingToken', op: '=', value: fencingToken }],
                        success: [{ put: { key: 'contended/data', value: `${who}#${i}` } }],
                    });
                    if (!t.succeeded)
                        violations.push(`${who}: the cluster does not see token ${fencingToken} as the holder`);
                    if (signal.aborted)
                        violations.push(`${who}: lease lost while holding`);
                    holder = null;
                }, { ttl: 5, waitMs: 60_000 });
            }
        };
        await Promise.all(Array.from({ length: callers }, (_, i) => work(`caller-${i}`, newClient())));
        assert.deepEqual(violations, []);
        assert.equal(tokens.length, callers * rounds);
        const kv = await newClient().get('contended/data');
        assert.ok(kv, 'the protected key was written');
        // Every lease was revoked on the way out: the lock is free.
        assert.equal(await newClient().lockStatus('contended'), undefined);
    });
    test('a watch resumes across the SIGKILL of the member it is connected to: every put once, in order', async () => {
        const watcherClient = newClient();
        const w = watcherClient.watch('w/', { prefix: true });
        await w.ready;
        const connected = c.members.find((m) => m.url === w.connectedTo);
        assert.ok(connected, `the watch is connected to a member (${String(w.connectedTo)})`);
        const writer = newClient(c.members.filter((m) => m !== connected).map((m) => m.url));
        const total = 30;
        const collected = [];
        const reading = (async () => {
            for await (const batch of w) {
                for (const ev of batch.events)
                    collected.push({ key: ev.kv.key, revision: batch.revision });
                if (collected.length >= total)
                    break;
            }
        })();
        const written = [];
        for (let i = 0; i < total / 2; i++) {
            const key = `w/${String(i).padStart(3, '0')}`;
            written.push({ key, revision: (await writer.put(key, `v${i}`)).revision });
        }
        await c.kill(connected, 'SIGKILL');
        await waitForLeader(c);
        for (let i = total / 2; i < total; i++) {
            const key = `w/${String(i).padStart(3, '0')}`;
            written.push({ key, revision: (await writer.put(key, `v${i}`)).revision });
        }
        await reading;
        assert.deepEqual(collected, written);
        assert.ok(w.reconnectCount >= 1, 'the watch reconnected');
        assert.notEqual(w.connectedTo, connected.url);
        w.close();
    });
});
//# sourceMappingURL=cluster.test.js.map