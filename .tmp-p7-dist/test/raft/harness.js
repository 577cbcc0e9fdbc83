// A tiny in-process network of RawNodes for tests: messages go into one FIFO queue and are
// delivered synchronously; the test decides when (deliver / stabilize), what is lost (down
// members, cut links, filters) and when time passes (tick). Each member's "disk" is its
// MemoryLog (the core moves Ready contents into it on advance), so a restart builds a new RawNode
// over the same MemoryLog.
//
// The harness also plays state machine and checks State Machine Safety (§5.4.3) as it goes: the
// first entry applied at an index anywhere fixes that index's (term, data); any member applying
// something else there is recorded in `violations`.
import { EntryType, MemoryLog, MessageType, RawNode, SplitMix32, StateRole, } from '../../src/raft/index.js';
export const enc = (s) => new TextEncoder().encode(s);
export const dec = (b) => new TextDecoder().decode(b);
export class Cluster {
    defaults;
    members = new Map();
    queue = [];
    down = new Set();
    cuts = new Set();
    /** Return false to drop a message at delivery time. */
    filter;
    violations = [];
    /** index -> "term:data" of the first entry applied there by anyone. */
    appliedAt = new Map();
    seed;
    delivered = 0;
    constructor(voters, defaults = {}, seed = 1) {
        this.defaults = defaults;
        this.seed = seed;
        for (const id of voters)
            this.addMember(id, MemoryLog.bootstrapped(voters), defaults);
    }
    /** A member with the given storage (a bootstrapped one, or an empty one for a joiner). */
    addMember(id, storage = new MemoryLog(), opts = this.defaults) {
        const node = new RawNode({ electionTicks: 10, heartbeatTicks: 1, ...opts, id, storage, rng: new SplitMix32(this.seed * 1000 + id) });
        this.members.set(id, { node, storage, opts, state: [], appliedIndex: storage.firstIndex() - 1, readStates: [], readies: [] });
        return node;
    }
    node(id) {
        const m = this.members.get(id);
        if (!m)
            throw new Error(`no member ${id}`);
        return m.node;
    }
    member(id) {
        const m = this.members.get(id);
        if (!m)
            throw new Error(`no member ${id}`);
        return m;
    }
    /** Crash and restart `id` from its MemoryLog (its state machine is rebuilt by replay). */
    restart(id) {
        const m = this.member(id);
        const snap = m.storage.snapshot();
        const node = new RawNode({ electionTicks: 10, heartbeatTicks: 1, ...m.opts, id, storage: m.storage, rng: new SplitMix32(this.seed * 7919 + id) });
        m.node = node;
        m.state = snap.metadata.index > 0 ? JSON.parse(dec(snap.data)) : [];
        m.appliedIndex = snap.metadata.index;
        for (const q of this.queue)
            if (q.to === id)
                this.lose(q);
        this.queue = this.queue.filter((q) => q.to !== id);
        return node;
    }
    isolate(id) {
        this.down.add(id);
    }
    heal(id) {
        if (id === undefined)
            this.down.clear();
        else
            this.down.delete(id);
    }
    cut(a, b) {
        this.cuts.add(`${a}-${b}`).add(`${b}-${a}`);
    }
    uncut() {
        this.cuts.clear();
    }
    dropped(m) {
        if (this.down.has(m.to) || this.down.has(m.from))
            return true;
        if (this.cuts.has(`${m.from}-${m.to}`))
            return true;
        if (this.filter && !this.filter(m))
            return true;
        return false;
    }
    /** Drain every Ready of `id`: persist (implicit), queue messages, apply, advance. */
    processReady(id) {
        const m = this.member(id);
        let rounds = 0;
        while (m.node.hasReady()) {
            if (++rounds > 10_000)
                throw new Error(`member ${id}: Ready loop does not settle`);
            const rd = m.node.ready();
            m.readies.push(rd);
            if (m.readies.length > 50)
                m.readies.shift();
            for (const msg of rd.messages)
                this.queue.push(msg);
            if (rd.snapshot) {
                m.state = JSON.parse(dec(rd.snapshot.data));
                m.appliedIndex = rd.snapshot.metadata.index;
            }
            for (const e of rd.committedEntries)
                this.apply(id, m, e);
            for (const rs of rd.readStates)
                m.readStates.push(rs);
            m.node.advance(rd);
        }
    }
    apply(id, m, e) {
        if (e.index !== m.appliedIndex + 1)
            this.violations.push(`member ${id} applied ${e.index} after ${m.appliedIndex}`);
        m.appliedIndex = e.index;
        const key = `${e.term}:${e.type}:${dec(e.data)}`;
        const prev = this.appliedAt.get(e.index);
        if (prev === undefined)
            this.appliedAt.set(e.index, key);
        else if (prev !== key)
            this.violations.push(`index ${e.index}: member ${id} applied ${key}, another member applied ${prev}`);
        if (e.type === EntryType.Normal && e.data.length > 0)
            m.state.push(dec(e.data));
    }
    processAll() {
        for (const id of this.members.keys())
            if (!this.down.has(id))
                this.processReady(id);
    }
    /** Deliver one message now (whatever the filters say). Like a transport, report the outcome
     *  of a snapshot send to its sender (the driver's duty: RawNode.reportSnapshot). */
    deliverMessage(msg) {
        const m = this.members.get(msg.to);
        if (!m)
            return;
        this.delivered++;
        m.node.step(msg);
        if (msg.type === MessageType.Snap)
            this.members.get(msg.from)?.node.reportSnapshot(msg.to, true);
    }
    /** The network lost `msg`; a lost snapshot is reported to its sender as failed. */
    lose(msg) {
        if (msg.type === MessageType.Snap)
            this.members.get(msg.from)?.node.reportSnapshot(msg.to, false);
    }
    /** Deliver everything queued right now (dropping what the network loses); returns the count. */
    deliverQueued() {
        const q = this.queue;
        this.queue = [];
        let n = 0;
        for (const msg of q) {
            if (this.dropped(msg)) {
                this.lose(msg);
                continue;
            }
            this.deliverMessage(msg);
            n++;
        }
        return n;
    }
    /** Process and deliver until nothing moves. */
    stabilize(maxRounds = 1000) {
        for (let r = 0; r < maxRounds; r++) {
            this.processAll();
            if (this.queue.length === 0)
                return;
            this.deliverQueued();
        }
        throw new Error(`network did not stabilize in ${maxRounds} rounds`);
    }
    /** Remove and return queued messages matching `pred` (after processing Readies). */
    take(pred) {
        this.processAll();
        const out = this.queue.filter(pred);
        this.queue = this.queue.filter((m) => !pred(m));
        return out;
    }
    tick(id, n = 1) {
        for (let i = 0; i < n; i++)
            this.node(id).tick();
    }
    /** Tick every up member `n` times, stabilizing after each tick. */
    tickAll(n = 1) {
        for (let i = 0; i < n; i++) {
            for (const id of this.members.keys())
                if (!this.down.has(id))
                    this.node(id).tick();
            this.stabilize();
        }
    }
    /** Make `id` leader by campaigning and stabilizing (asserts it worked). */
    elect(id) {
        this.stabilize();
        this.node(id).campaign();
        this.stabilize();
        const st = this.node(id).status();
        if (st.role !== StateRole.Leader)
            throw new Error(`member ${id} did not become leader (role ${st.role}, term ${st.term})`);
        return this.node(id);
    }
    /** The leaders among up members. */
    leaders() {
        const out = [];
        for (const [id, m] of this.members)
            if (!this.down.has(id) && m.node.status().role === StateRole.Leader)
                out.push(id);
        return out;
    }
    propose(id, s) {
        const r = this.node(id).propose(enc(s));
        if (!r.ok)
            throw new Error(`propose on ${id} refused: ${r.code} ${r.message}`);
    }
    state(id) {
        return this.member(id).state;
    }
    /** Count of queued-then-delivered messages of a type (for back-off / batching assertions). */
    static count(msgs, type) {
        return msgs.filter((m) => m.type === type).length;
    }
}
/** A fresh cluster of `n` voters (ids 1..n), bootstrapped and with its first Ready processed. */
export function cluster(n, opts = {}, seed = 1) {
    const ids = Array.from({ length: n }, (_, i) => i + 1);
    const c = new Cluster(ids, opts, seed);
    c.stabilize();
    return c;
}
//# sourceMappingURL=harness.js.map