// Named locks: one holder and a FIFO queue of waiters each. The table decides grants, queueing,
// releases and hand-offs; the state machine turns grants and releases into writes of the
// reserved holder keys (so watchers see them) at the revision it passes in.
//
// Invariants (checked where they could break):
// - a lock with waiters has a holder (a release hands the lock to the next waiter at once);
// - a lock with neither holder nor waiters is not in the table;
// - a holder's fencingToken is the revision of its grant, so tokens of one lock strictly increase.
import { invariant } from '../errors.js';
function byName(a, b) {
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
function makeHolder(name, lease, waiterId, revision) {
    return Object.freeze({ name, lease, waiterId, fencingToken: revision, revision });
}
export class LockTable {
    byName = new Map();
    /** lease -> names of locks it holds. */
    heldByLease = new Map();
    /** lease -> names of locks it has at least one queued waiter on. */
    waitingByLease = new Map();
    get size() {
        return this.byName.size;
    }
    get(name) {
        return this.byName.get(name);
    }
    /** The current holder's fencing token, 0 when the lock is free. */
    fencingToken(name) {
        return this.byName.get(name)?.holder?.fencingToken ?? 0;
    }
    /** All locks sorted by name. */
    list() {
        return [...this.byName.values()].sort(byName);
    }
    /** Names of the locks `lease` holds, sorted. */
    heldBy(lease) {
        return [...(this.heldByLease.get(lease) ?? [])].sort();
    }
    /** Names of the locks `lease` waits for, sorted. */
    waitingFor(lease) {
        return [...(this.waitingByLease.get(lease) ?? [])].sort();
    }
    /** `grantRevision` is used if the lock is granted now, `queueRevision` if the waiter queues. */
    acquire(name, lease, waiterId, grantRevision, queueRevision, maxWaiters) {
        const rec = this.byName.get(name);
        if (!rec) {
            const holder = makeHolder(name, lease, waiterId, grantRevision);
            this.byName.set(name, { name, holder, waiters: [] });
            this.index(this.heldByLease, lease, name);
            return { kind: 'granted', holder };
        }
        const holder = rec.holder;
        invariant(holder, `lock ${JSON.stringify(name)} is in the table with no holder`);
        // Re-entrant by lease: a lease that already holds the lock gets it back (as etcd's mutex with
        // the same session does) instead of queueing behind itself forever.
        if (holder.waiterId === waiterId || holder.lease === lease)
            return { kind: 'already-holder', holder };
        const at = rec.waiters.findIndex((w) => w.waiterId === waiterId);
        if (at >= 0)
            return { kind: 'already-queued', holder, position: at + 1 };
        if (rec.waiters.length >= maxWaiters)
            return { kind: 'queue-full', holder };
        rec.waiters.push(Object.freeze({ name, lease, waiterId, revision: queueRevision }));
        this.index(this.waitingByLease, lease, name);
        return { kind: 'queued', holder, position: rec.waiters.length };
    }
    /**
     * Release `name` if its holder matches every given criterion (at least one is required by the
     * caller); the next waiter, if any, is granted at `revision`. Returns undefined when the lock
     * is free or held by someone else.
     */
    release(name, match, revision) {
        const holder = this.byName.get(name)?.holder;
        if (!holder)
            return undefined;
        if (match.fencingToken !== undefined && match.fencingToken !== holder.fencingToken)
            return undefined;
        if (match.lease !== undefined && match.lease !== holder.lease)
            return undefined;
        return this.handOff(name, revision);
    }
    /** Withdraw queued waiter `waiterId`; returns it, or undefined when it is not queued. */
    cancel(name, waiterId) {
        const rec = this.byName.get(name);
        if (!rec)
            return undefined;
        const at = rec.waiters.findIndex((w) => w.waiterId === waiterId);
        if (at < 0)
            return undefined;
        const [w] = rec.waiters.splice(at, 1);
        this.unindexWaiter(rec, w.lease);
        return w;
    }
    /**
     * Everything `lease` has in the lock table goes, in one step: first its queued waiters are
     * withdrawn (so no hand-off can go to them), then each lock it holds is handed to the next
     * waiter at `revision`. Both lists are in lock-name order.
     */
    removeLease(lease, revision) {
        const withdrawn = [];
        for (const name of this.waitingFor(lease)) {
            const rec = this.byName.get(name);
            invariant(rec, `lease ${JSON.stringify(lease)} indexed as waiting on missing lock ${JSON.stringify(name)}`);
            const keep = [];
            for (const w of rec.waiters)
                (w.lease === lease ? withdrawn : keep).push(w);
            rec.waiters = keep;
        }
        this.waitingByLease.delete(lease);
        const handoffs = [];
        for (const name of this.heldBy(lease))
            handoffs.push(this.handOff(name, revision));
        invariant(!this.heldByLease.has(lease), `lease ${JSON.stringify(lease)} still holds locks after revoke`);
        return { withdrawn, handoffs };
    }
    /** Restore one lock from a snapshot. */
    load(name, holder, waiters) {
        invariant(!this.byName.has(name), `snapshot has lock ${JSON.stringify(name)} twice`);
        invariant(holder.name === name && waiters.every((w) => w.name === name), `snapshot lock ${JSON.stringify(name)} has entries of another lock`);
        const ids = new Set([holder.waiterId, ...waiters.map((w) => w.waiterId)]);
        invariant(ids.size === waiters.length + 1, `snapshot lock ${JSON.stringify(name)} has duplicate waiter ids`);
        this.byName.set(name, { name, holder: Object.freeze({ ...holder }), waiters: waiters.map((w) => Object.freeze({ ...w })) });
        this.index(this.heldByLease, holder.lease, name);
        for (const w of waiters)
            this.index(this.waitingByLease, w.lease, name);
    }
    handOff(name, revision) {
        const rec = this.byName.get(name);
        const released = rec?.holder;
        invariant(rec && released, `hand-off of free lock ${JSON.stringify(name)}`);
        invariant(revision > released.fencingToken, `lock ${JSON.stringify(name)} handed off at ${revision}, not after its grant at ${released.fencingToken}`);
        this.unindex(this.heldByLease, released.lease, name);
        const w = rec.waiters.shift();
        if (!w) {
            this.byName.delete(name);
            return { name, released, next: null };
        }
        this.unindexWaiter(rec, w.lease);
        const next = makeHolder(name, w.lease, w.waiterId, revision);
        rec.holder = next;
        this.index(this.heldByLease, next.lease, name);
        return { name, released, next };
    }
    /** After removing one waiter of `lease` from `rec`, drop the index entry if it was its last. */
    unindexWaiter(rec, lease) {
        if (!rec.waiters.some((x) => x.lease === lease))
            this.unindex(this.waitingByLease, lease, rec.name);
    }
    index(m, lease, name) {
        let s = m.get(lease);
        if (!s)
            m.set(lease, (s = new Set()));
        s.add(name);
    }
    unindex(m, lease, name) {
        const s = m.get(lease);
        invariant(s && s.has(name), `lock index lost ${JSON.stringify(name)} for lease ${JSON.stringify(lease)}`);
        s.delete(name);
        if (s.size === 0)
            m.delete(lease);
    }
}
//# sourceMappingURL=lock-table.js.map