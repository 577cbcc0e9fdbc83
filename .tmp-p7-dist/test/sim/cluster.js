// The simulated cluster: members (each a Disk plus, while up, a SimNode life), the network, the
// sim clock, and the mechanics of every event — deliver, tick, crash, restart, propose, read,
// membership change, transfer, compact. Random choices are made by the scheduler; this file only
// carries them out and keeps the checkers informed.
import { MemoryLog } from '../../src/raft/log-storage.js';
import { MessageType, StateRole } from '../../src/raft/types.js';
import { SafetyChecker } from './checkers.js';
import { Disk } from './disk.js';
import { History } from './history.js';
import { Network } from './network.js';
import { SimNode } from './sim-node.js';
import { Trace } from './trace.js';
const enc = new TextEncoder();
/** Delivery rounds per tick before leftover zero-delay messages wait for the next tick. */
const MAX_DELIVERY_ROUNDS = 32;
export class Cluster {
    initialVoters;
    raft;
    rng;
    stats;
    time = 0;
    members = new Map();
    network;
    checker = new SafetyChecker();
    history = new History();
    trace;
    nextId;
    constructor(initialVoters, raft, rng, stats, traceSize) {
        this.initialVoters = initialVoters;
        this.raft = raft;
        this.rng = rng;
        this.stats = stats;
        this.trace = new Trace(traceSize);
        this.network = new Network(rng.fork(), this.stats);
        const boot = MemoryLog.bootstrap(initialVoters);
        for (const id of initialVoters) {
            const disk = new Disk();
            disk.persist(boot.hardState, undefined, boot.entries);
            this.members.set(id, { id, disk, node: undefined, life: 0, downUntil: 0, rng: rng.fork() });
        }
        this.nextId = Math.max(...initialVoters) + 1;
        for (const id of initialVoters)
            this.start(id);
    }
    now() {
        return this.time;
    }
    member(id) {
        const m = this.members.get(id);
        if (m === undefined)
            throw new Error(`Cluster: no member ${id}`);
        return m;
    }
    upNodes() {
        const out = [];
        for (const m of this.members.values())
            if (m.node !== undefined)
                out.push(m.node);
        return out;
    }
    downMembers() {
        return [...this.members.values()].filter((m) => m.node === undefined);
    }
    /** Members that believe they lead, highest term first. */
    leaders() {
        return this.upNodes()
            .filter((n) => n.role === StateRole.Leader)
            .sort((a, b) => b.term - a.term);
    }
    /** Run `fn` against a live member, then its driver loop; handles a crash mid-Ready. */
    withNode(node, fn) {
        fn();
        if (!node.drain())
            this.dropLife(this.member(node.id), this.time + 1);
    }
    start(id) {
        const m = this.member(id);
        if (m.node !== undefined)
            throw new Error(`Cluster.start: member ${id} is already up`);
        m.life++;
        m.downUntil = 0;
        const node = new SimNode(id, m.life, m.disk, this.raft, m.rng.fork(), this);
        m.node = node;
        this.trace.add(this.time, `n${id} START life ${m.life} (disk: term ${m.disk.hardState.term} vote ${m.disk.hardState.vote} commit ${m.disk.hardState.commit} snap ${m.disk.snapshotIndex} last ${m.disk.lastIndex})`);
        this.withNode(node, () => { });
    }
    dropLife(m, downUntil) {
        if (m.node === undefined)
            return;
        this.history.forgetLife(m.id, m.life);
        m.node = undefined;
        m.downUntil = downUntil;
    }
    /** Crash now (between Readys): whatever was not persisted is gone. */
    crash(id, downUntil) {
        const m = this.member(id);
        if (m.node === undefined)
            return;
        this.stats.inc('crashes');
        this.trace.add(this.time, `n${id} CRASH (down until ${downUntil === Infinity ? 'end' : downUntil})`);
        this.dropLife(m, downUntil);
    }
    /** Arrange for `id` to die in the middle of its next Ready. */
    crashMidReady(id, at, downUntil) {
        const node = this.member(id).node;
        if (node === undefined)
            return;
        this.stats.inc('crashes');
        node.crashAt = at;
        // Give it something to do so the crash point is reached soon: a tick usually does.
        this.withNode(node, () => node.raw.tick());
        const m = this.member(id);
        if (m.node === node) {
            // No Ready happened; crash between Readys instead.
            node.crashAt = undefined;
            this.stats.inc('crashes', -1);
            this.crash(id, downUntil);
        }
        else {
            m.downUntil = downUntil;
        }
    }
    restart(id) {
        this.stats.inc('restarts');
        this.start(id);
    }
    /** Deliver every message due by now (and the ones those trigger, with zero delay). */
    deliver() {
        for (let round = 0; round < MAX_DELIVERY_ROUNDS; round++) {
            const due = this.network.takeDue(this.time);
            if (due.length === 0)
                break;
            for (const msg of due) {
                const target = this.members.get(msg.to)?.node;
                if (target === undefined) {
                    this.stats.inc('dropsToDownNode');
                    if (msg.type === MessageType.Snap)
                        this.network.reportSnapDrop(msg);
                    continue;
                }
                this.stats.inc('msgsDelivered');
                this.withNode(target, () => target.raw.step(msg));
                if (msg.type === MessageType.Snap) {
                    const sender = this.members.get(msg.from)?.node;
                    if (sender !== undefined)
                        this.withNode(sender, () => sender.raw.reportSnapshot(msg.to, true));
                }
            }
            this.reportSnapDrops();
        }
    }
    reportSnapDrops() {
        for (const msg of this.network.takeSnapDrops()) {
            const sender = this.members.get(msg.from)?.node;
            if (sender !== undefined)
                this.withNode(sender, () => sender.raw.reportSnapshot(msg.to, false));
        }
    }
    tickAll(stalled) {
        for (const node of this.upNodes()) {
            if (stalled.has(node.id))
                continue;
            this.withNode(node, () => node.raw.tick());
        }
    }
    /** End of a step: every leader is checked against what is committed now. */
    endStep() {
        for (const node of this.upNodes())
            node.checkLeadership();
        this.checker.endStep();
    }
    // ---- client operations -------------------------------------------------------------------
    /** Propose a new write at `node`; follows one NOT_LEADER redirect. */
    propose(node) {
        const { id, key } = this.history.newWriteKey();
        let target = node;
        for (let hop = 0; hop < 2; hop++) {
            this.stats.inc('proposals');
            const res = target.raw.propose(enc.encode(key));
            if (res.ok) {
                const w = this.history.recordWrite(id, key, target.id, target.life, res.index, res.term, this.time);
                this.trace.add(this.time, `n${target.id} propose ${key} -> ${res.index}/${res.term}`);
                const t = target;
                this.withNode(t, () => { });
                return w;
            }
            this.stats.inc('proposalsRefused');
            const next = res.code === 'NOT_LEADER' ? this.members.get(res.leader)?.node : undefined;
            if (next === undefined)
                return undefined;
            target = next;
        }
        return undefined;
    }
    read(node) {
        this.stats.inc('reads');
        const r = this.history.startRead(node.id, node.life, this.time);
        let accepted = false;
        this.withNode(node, () => {
            accepted = node.raw.readIndex(enc.encode(String(r.id)));
        });
        if (!accepted)
            this.history.abandonRead(r.id);
        else
            this.trace.add(this.time, `n${node.id} read #${r.id} issued`);
    }
    /** A fresh id for a member joining for the first time (its disk starts empty). */
    newMember() {
        const id = this.nextId++;
        this.members.set(id, { id, disk: new Disk(), node: undefined, life: 0, downUntil: Infinity, rng: this.rng.fork() });
        return id;
    }
    confChange(leader, type, target, label) {
        const res = leader.raw.proposeConfChange({ type, nodeId: target, context: new Uint8Array(0) });
        if (!res.ok) {
            this.stats.inc('confRefused');
            this.trace.add(this.time, `n${leader.id} conf ${label} n${target} refused: ${res.code}`);
            this.withNode(leader, () => { });
            return false;
        }
        this.stats.inc(label);
        this.trace.add(this.time, `n${leader.id} conf ${label} n${target} -> ${res.index}/${res.term}`);
        this.withNode(leader, () => { });
        return true;
    }
    transfer(via, to) {
        this.stats.inc('transfers');
        this.trace.add(this.time, `n${via.id} transfer leadership -> n${to}`);
        this.withNode(via, () => via.raw.transferLeadership(to));
    }
    /** Snapshot the state machine at its applied index and compact the log up to it. */
    compact(node) {
        const applied = node.sm.applied;
        if (applied <= node.log.snapshot().metadata.index)
            return;
        const data = node.sm.snapshot();
        this.withNode(node, () => node.raw.compact(applied, data));
        const snap = node.log.snapshot();
        if (snap.metadata.index !== applied) {
            throw new Error(`Cluster.compact: core recorded snapshot ${snap.metadata.index}, expected ${applied}`);
        }
        this.member(node.id).disk.compact(snap);
        this.stats.inc('compactions');
        this.trace.add(this.time, `n${node.id} compact to ${applied}`);
    }
    /** Membership as the most advanced live member has applied it. */
    latestConf() {
        let best;
        for (const n of this.upNodes())
            if (best === undefined || n.sm.applied > best.sm.applied)
                best = n;
        return best?.raw.status().confState;
    }
}
//# sourceMappingURL=cluster.js.map