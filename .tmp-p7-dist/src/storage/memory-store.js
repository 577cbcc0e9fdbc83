// RaftStore in memory, for unit tests and the deterministic simulator. It keeps the same rules as
// RocksRaftStore (LogTracker validates every write) and copies every byte array on the way in and
// out, so callers can never alias stored state. Survives close()/open(): a "restart" of the same
// object sees what was saved, like a disk would.
import { StorageError } from './errors.js';
import { entrySizeBound } from './codec.js';
import { LogTracker } from './log-tracker.js';
import { MAX_META_KEY_BYTES } from './raft-store.js';
function copyEntry(e) {
    return { term: e.term, index: e.index, type: e.type, data: e.data.slice() };
}
function copySnapshot(s) {
    return {
        metadata: {
            index: s.metadata.index,
            term: s.metadata.term,
            confState: { voters: [...s.metadata.confState.voters], learners: [...s.metadata.confState.learners] },
        },
        data: s.data.slice(),
    };
}
export class MemoryRaftStore {
    syncDelayMs;
    maxPendingWrites;
    isOpen = false;
    tracker = new LogTracker();
    /** entries[i] is entry tracker.snapIndex + 1 + i. */
    entries = [];
    hardState = null;
    snap = null;
    meta = new Map();
    pending = 0;
    tail = Promise.resolve();
    writes = 0;
    /** Set when a write broke an invariant half-way: the store refuses everything afterwards. */
    failure = null;
    syncedWrites = 0;
    constructor(opts = {}) {
        this.syncDelayMs = opts.syncDelayMs ?? 0;
        this.maxPendingWrites = opts.maxPendingWrites ?? 1024;
    }
    async open() {
        this.isOpen = true;
    }
    async close() {
        await this.tail;
        this.isOpen = false;
    }
    checkOpen() {
        if (this.failure !== null)
            throw this.failure;
        if (!this.isOpen)
            throw new StorageError('STORAGE_CLOSED', 'memory store is not open');
    }
    async load() {
        this.checkOpen();
        await this.tail;
        return {
            hardState: this.hardState === null ? null : { ...this.hardState },
            snapshot: this.snap === null ? null : copySnapshot(this.snap),
            entries: this.entries.map(copyEntry),
            meta: new Map([...this.meta].map(([k, v]) => [k, v.slice()])),
        };
    }
    /** Applies `mutate` now (so later calls see it) and completes after the simulated write. */
    commit(sync, mutate) {
        this.checkOpen();
        if (this.pending >= this.maxPendingWrites) {
            throw new StorageError('STORAGE_BUSY', `more than ${this.maxPendingWrites} writes queued on the memory store`);
        }
        try {
            mutate();
        }
        catch (err) {
            this.failure = err instanceof Error ? err : new Error(String(err));
            throw err;
        }
        this.writes++;
        if (sync)
            this.syncedWrites++;
        this.pending++;
        const delay = sync ? this.syncDelayMs : 0;
        const done = this.tail.then(() => (delay > 0 ? new Promise((r) => setTimeout(r, delay)) : undefined));
        this.tail = done.finally(() => {
            this.pending--;
        });
        return this.tail;
    }
    save(batch, sync) {
        try {
            return this.commit(sync, () => {
                if (batch.snapshot !== undefined)
                    this.applySnapshot(batch.snapshot, 'install');
                if (batch.entries.length > 0) {
                    const first = batch.entries[0].index;
                    this.tracker.append(batch.entries, batch.entries.map(entrySizeBound));
                    this.entries.length = first - this.tracker.snapIndex - 1;
                    for (const e of batch.entries)
                        this.entries.push(copyEntry(e));
                }
                if (batch.hardState !== undefined)
                    this.hardState = { ...batch.hardState };
            });
        }
        catch (err) {
            return Promise.reject(err);
        }
    }
    applySnapshot(snap, mode) {
        const before = this.tracker.snapIndex;
        this.tracker.snapshot(snap.metadata.index, snap.metadata.term, mode);
        // Either a prefix died (the tracker kept a suffix) or the whole log did.
        if (this.tracker.count === 0)
            this.entries = [];
        else
            this.entries.splice(0, this.tracker.snapIndex - before);
        this.snap = copySnapshot(snap);
    }
    saveSnapshot(snap) {
        try {
            return this.commit(true, () => this.applySnapshot(snap, 'compact'));
        }
        catch (err) {
            return Promise.reject(err);
        }
    }
    putMeta(key, value) {
        try {
            if (Buffer.byteLength(key) > MAX_META_KEY_BYTES || key.length === 0) {
                throw new Error(`meta key must be 1..${MAX_META_KEY_BYTES} bytes, got ${JSON.stringify(key)}`);
            }
            return this.commit(true, () => this.meta.set(key, value.slice()));
        }
        catch (err) {
            return Promise.reject(err);
        }
    }
    stats() {
        return {
            entries: this.tracker.count,
            bytes: this.tracker.bytes,
            firstIndex: this.tracker.firstIndex,
            lastIndex: this.tracker.lastIndex,
            snapshotIndex: this.tracker.snapIndex,
            writes: this.writes,
            syncedWrites: this.syncedWrites,
        };
    }
}
//# sourceMappingURL=memory-store.js.map