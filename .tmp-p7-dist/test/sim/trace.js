// A bounded ring buffer of the most recent simulator events, printed when a seed fails so the
// failure can be read without re-running. Formatting is lazy-free on purpose: each event is a
// short string built at record time (the simulator is single-threaded and events are small).
export class Trace {
    capacity;
    buf;
    next = 0;
    total = 0;
    constructor(capacity = 200) {
        this.capacity = capacity;
        if (!Number.isInteger(capacity) || capacity <= 0) {
            throw new Error(`Trace: capacity must be a positive integer, got ${capacity}`);
        }
        this.buf = new Array(capacity);
    }
    add(time, text) {
        this.buf[this.next] = `t=${String(time).padStart(5)} ${text}`;
        this.next = (this.next + 1) % this.capacity;
        this.total++;
    }
    /** Events recorded over the run (including those that fell out of the buffer). */
    get count() {
        return this.total;
    }
    /** The retained events, oldest first. */
    lines() {
        if (this.total < this.capacity)
            return this.buf.slice(0, this.total);
        return [...this.buf.slice(this.next), ...this.buf.slice(0, this.next)];
    }
    format() {
        const dropped = this.total - Math.min(this.total, this.capacity);
        const head = dropped > 0 ? `... ${dropped} earlier events not kept ...\n` : '';
        return head + this.lines().join('\n');
    }
}
//# sourceMappingURL=trace.js.map