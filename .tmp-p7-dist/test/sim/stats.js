// Counters of everything a run exercised (the fault histogram printed by `npm run sim -- --seeds`).
export class Stats {
    counts = new Map();
    inc(name, by = 1) {
        this.counts.set(name, (this.counts.get(name) ?? 0) + by);
    }
    get(name) {
        return this.counts.get(name) ?? 0;
    }
    addAll(other) {
        for (const [k, v] of other.counts)
            this.inc(k, v);
    }
    /** Rows sorted by name, for printing. */
    rows() {
        return [...this.counts.entries()].sort((a, b) => a[0].localeCompare(b[0]));
    }
}
//# sourceMappingURL=stats.js.map