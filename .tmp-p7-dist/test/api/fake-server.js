// A ServerFacade over the real StateMachine and WatchHub, for api/ tests. Commands apply
// synchronously (one member, no raft); lease keepalive/remaining are faked from the TTL; lock
// grants are awaited by re-checking the lock after every apply.
import { StateMachine, WatchHub } from '../../src/state/index.js';
import { CodedError } from '../../src/api/errors.js';
export class FakeServer {
    sm;
    hub;
    /** Every applied command with its result, in order. */
    applied = [];
    readBarrierCalls = 0;
    ready = { ready: true, reason: 'leader known, applied up to commit' };
    /** When set, the next propose (or readBarrier) rejects with it, once. */
    failNextPropose;
    failNextBarrier;
    /** Runs before a command is applied (may apply others first, to force interleavings). */
    beforeApply;
    renewedAt = new Map();
    lockListeners = new Set();
    appliedWaiters = new Set();
    constructor(opts = {}) {
        this.sm = new StateMachine(opts.historyRevisions === undefined ? {} : { historyRevisions: opts.historyRevisions });
        this.hub = new WatchHub(this.sm);
    }
    /** Apply at once (what propose does after its await); tests use it to set the scene. */
    applyNow(cmd) {
        const hook = this.beforeApply;
        if (hook) {
            this.beforeApply = undefined;
            hook(cmd);
        }
        const { result, events } = this.sm.apply(cmd);
        this.hub.publish(result.revision, events);
        if (cmd.op === 'leaseGrant' && result.op === 'leaseGrant')
            this.renewedAt.set(cmd.id, Date.now());
        const entry = { cmd, result };
        this.applied.push(entry);
        for (const l of [...this.lockListeners])
            this.checkLockListener(l);
        for (const w of [...this.appliedWaiters]) {
            if (w.pred(entry)) {
                this.appliedWaiters.delete(w);
                w.resolve(entry);
            }
        }
        return result;
    }
    /** Resolves with the first applied command (from now on, or since index `from`) matching. */
    waitForApplied(pred, from = this.applied.length) {
        for (let i = from; i < this.applied.length; i++) {
            const a = this.applied[i];
            if (pred(a))
                return Promise.resolve(a);
        }
        return new Promise((resolve) => this.appliedWaiters.add({ from, pred, resolve }));
    }
    async propose(cmd) {
        await Promise.resolve();
        const fail = this.failNextPropose;
        if (fail) {
            this.failNextPropose = undefined;
            throw fail;
        }
        return this.applyNow(cmd);
    }
    async readBarrier() {
        this.readBarrierCalls++;
        await Promise.resolve();
        const fail = this.failNextBarrier;
        if (fail) {
            this.failNextBarrier = undefined;
            throw fail;
        }
    }
    state() {
        return this.sm;
    }
    cluster() {
        return {
            member: { name: 'n1', id: '1', role: 'leader' },
            leader: { name: 'n1', id: '1', clientUrl: 'http://127.0.0.1:2379' },
            term: 3,
            commitIndex: this.applied.length,
            appliedIndex: this.applied.length,
            members: this.memberList,
        };
    }
    async leaseKeepalive(id) {
        const lease = this.sm.lease(id);
        if (!lease)
            throw new CodedError('LEASE_NOT_FOUND', 'lease not found', { details: { id } });
        this.renewedAt.set(id, Date.now());
        return { ttlMs: lease.ttlMs };
    }
    async leaseRemaining(id) {
        const lease = this.sm.lease(id);
        const at = this.renewedAt.get(id);
        if (!lease || at === undefined)
            return -1;
        return Math.max(0, lease.ttlMs - (Date.now() - at));
    }
    awaitLockGrant(name, waiterId, signal) {
        return new Promise((resolve, reject) => {
            const l = {
                name,
                waiterId,
                resolve: (h) => {
                    signal.removeEventListener('abort', onAbort);
                    resolve(h);
                },
            };
            const onAbort = () => {
                this.lockListeners.delete(l);
                reject(new DOMException('lock wait aborted', 'AbortError'));
            };
            if (signal.aborted)
                return onAbort();
            signal.addEventListener('abort', onAbort, { once: true });
            this.lockListeners.add(l);
            this.checkLockListener(l);
        });
    }
    /** Lock waits now pending in awaitLockGrant. */
    get lockListenerCount() {
        return this.lockListeners.size;
    }
    checkLockListener(l) {
        const lock = this.sm.lock(l.name);
        if (lock?.holder?.waiterId === l.waiterId) {
            this.lockListeners.delete(l);
            l.resolve(lock.holder);
        }
        else if (!lock || !lock.waiters.some((w) => w.waiterId === l.waiterId)) {
            this.lockListeners.delete(l);
            l.resolve(null);
        }
    }
    watch(opts) {
        return this.hub.watch(opts);
    }
    readiness() {
        return this.ready;
    }
    /** Membership changes recorded in order (the fake has no Raft configuration). */
    membershipChanges = [];
    memberList = [
        { name: 'n1', id: '1', role: 'leader', clientUrl: 'http://127.0.0.1:2379', peerUrl: 'http://127.0.0.1:2380' },
    ];
    async changeMembership(change, member) {
        this.membershipChanges.push({ change, member: { id: member.id, name: member.name } });
        const id = String(member.id);
        this.memberList = this.memberList.filter((m) => m.id !== id);
        if (change !== 'remove')
            this.memberList.push({ name: member.name, id, role: change === 'addLearner' ? 'learner' : 'follower', clientUrl: member.clientUrl, peerUrl: member.peerUrl });
    }
    memberIdFor(name) {
        let h = 7;
        for (const ch of name)
            h = (h * 31 + ch.charCodeAt(0)) % 1_000_000_007;
        return h + 1;
    }
}
//# sourceMappingURL=fake-server.js.map