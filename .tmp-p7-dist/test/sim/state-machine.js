// The simulated replicated state machine: an append-only list of the writes applied, in log
// order. Its snapshot is the list encoded as bytes. Leader no-ops and conf changes advance
// `applied` without adding a write.
const enc = new TextEncoder();
const dec = new TextDecoder();
export class ListStateMachine {
    applied = 0;
    /** [index, key] in apply order. */
    writes = [];
    byKey = new Map();
    /** Apply entry `index`, carrying write `key` (or nothing for a no-op / conf change). */
    apply(index, key) {
        if (index !== this.applied + 1) {
            throw new Error(`ListStateMachine: apply of index ${index} after ${this.applied} (gap or replay)`);
        }
        this.applied = index;
        if (key !== undefined) {
            if (this.byKey.has(key)) {
                throw new Error(`ListStateMachine: write ${key} applied twice (at ${this.byKey.get(key)} and ${index})`);
            }
            this.writes.push([index, key]);
            this.byKey.set(key, index);
        }
    }
    indexOf(key) {
        return this.byKey.get(key);
    }
    get writeCount() {
        return this.writes.length;
    }
    /** All writes, oldest first (for checks). */
    entries() {
        return this.writes;
    }
    snapshot() {
        return enc.encode(JSON.stringify({ applied: this.applied, writes: this.writes }));
    }
    static restore(data, index) {
        let parsed;
        try {
            parsed = JSON.parse(dec.decode(data));
        }
        catch (err) {
            throw new Error(`ListStateMachine.restore: snapshot at ${index} is not valid: ${String(err)}`);
        }
        const p = parsed;
        if (typeof p.applied !== 'number' || !Array.isArray(p.writes)) {
            throw new Error(`ListStateMachine.restore: snapshot at ${index} has the wrong shape`);
        }
        if (p.applied !== index) {
            throw new Error(`ListStateMachine.restore: snapshot data is at ${p.applied} but its metadata says ${index}`);
        }
        const sm = new ListStateMachine();
        sm.applied = p.applied;
        for (const w of p.writes) {
            sm.writes.push([w[0], w[1]]);
            sm.byKey.set(w[1], w[0]);
        }
        return sm;
    }
}
//# sourceMappingURL=state-machine.js.map