// The client-visible history: every write (proposal) and every linearizable read, with the sim
// time it started and ended. The read check lives here: a read served at index r (after its
// ReadState, once the member applied >= r) must observe every write acknowledged before the read
// was issued.
import { SimViolation } from './violation.js';
export class History {
    maxPending;
    writes = [];
    /** Writes in acknowledgement order. */
    acked = [];
    reads = [];
    nextWrite = 1;
    nextRead = 1;
    /** Pending writes keyed by proposer + index, to resolve them on apply. */
    pendingWrites = new Map();
    pendingReads = new Map();
    constructor(maxPending = 4096) {
        this.maxPending = maxPending;
    }
    newWriteKey() {
        const id = this.nextWrite++;
        return { id, key: `w${id}` };
    }
    recordWrite(id, key, node, life, index, term, now) {
        if (this.pendingWrites.size >= this.maxPending) {
            throw new Error(`History: more than ${this.maxPending} pending writes; the workload outruns the cluster`);
        }
        const w = { id, key, node, life, index, term, start: now, end: -1, status: 'pending' };
        this.writes.push(w);
        this.pendingWrites.set(`${node}/${life}/${index}`, w);
        return w;
    }
    /**
     * The proposer applied an entry at `index`: if it proposed a write there, that write is now
     * acknowledged (same term and bytes) or lost (another entry took the slot).
     */
    onProposerApply(node, life, index, term, key, now) {
        const slot = `${node}/${life}/${index}`;
        const w = this.pendingWrites.get(slot);
        if (w === undefined)
            return undefined;
        this.pendingWrites.delete(slot);
        w.end = now;
        if (w.term === term && w.key === key) {
            w.status = 'acked';
            this.acked.push(w);
        }
        else {
            w.status = 'lost';
        }
        return w;
    }
    /** The proposer died: its pending writes stay unresolved (they may or may not commit). */
    forgetLife(node, life) {
        const prefix = `${node}/${life}/`;
        for (const k of [...this.pendingWrites.keys()])
            if (k.startsWith(prefix))
                this.pendingWrites.delete(k);
        for (const [id, r] of [...this.pendingReads])
            if (r.node === node && r.life === life)
                this.pendingReads.delete(id);
    }
    startRead(node, life, now) {
        if (this.pendingReads.size >= this.maxPending) {
            throw new Error(`History: more than ${this.maxPending} pending reads`);
        }
        const r = {
            id: this.nextRead++,
            node,
            life,
            start: now,
            ackedBefore: this.acked.length,
            readIndex: -1,
            end: -1,
            served: false,
        };
        this.reads.push(r);
        this.pendingReads.set(r.id, r);
        return r;
    }
    /** The request was refused at once (no leader known): it never happened. */
    abandonRead(id) {
        this.pendingReads.delete(id);
    }
    pendingRead(id) {
        return this.pendingReads.get(id);
    }
    pendingReadCount() {
        return this.pendingReads.size;
    }
    /**
     * Serve read `r` from `state` (the member applied >= r.readIndex). Throws a SimViolation when a
     * write acknowledged before the read began is not visible.
     */
    serveRead(r, state, now) {
        if (state.applied < r.readIndex) {
            throw new Error(`History.serveRead: read ${r.id} served at applied ${state.applied} < read index ${r.readIndex}`);
        }
        this.pendingReads.delete(r.id);
        r.end = now;
        r.served = true;
        for (let i = 0; i < r.ackedBefore; i++) {
            const w = this.acked[i];
            const at = state.indexOf(w.key);
            if (at !== w.index) {
                throw new SimViolation('linearizable-read', `read #${r.id} on node ${r.node} (issued t=${r.start}, read index ${r.readIndex}, served t=${now} ` +
                    `at applied ${state.applied}) does not see write ${w.key} (index ${w.index}, acked t=${w.end} ` +
                    `by node ${w.node}): ${at === undefined ? 'absent' : `found at index ${at}`}`);
            }
        }
    }
}
//# sourceMappingURL=history.js.map