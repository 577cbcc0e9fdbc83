// A bounded ring buffer of the most recent simulator events, printed when a seed fails so the
// failure can be read without re-running. Formatting is lazy-free on purpose: each event is a
// short string built at record time (the simulator is single-threaded and events are small).

export class Trace {
  private readonly buf: string[];
  private next = 0;
  private total = 0;

  constructor(readonly capacity = 200) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new Error(`Trace: capacity must be a positive integer, got ${capacity}`);
    }
    this.buf = new Array<string>(capacity);
  }

  add(time: number, text: string): void {
    this.buf[this.next] = `t=${String(time).padStart(5)} ${text}`;
    this.next = (this.next + 1) % this.capacity;
    this.total++;
  }

  /** Events recorded over the run (including those that fell out of the buffer). */
  get count(): number {
    return this.total;
  }

  /** The retained events, oldest first. */
  lines(): string[] {
    if (this.total < this.capacity) return this.buf.slice(0, this.total);
    return [...this.buf.slice(this.next), ...this.buf.slice(0, this.next)];
  }

  format(): string {
    const dropped = this.total - Math.min(this.total, this.capacity);
    const head = dropped > 0 ? `... ${dropped} earlier events not kept ...\n` : '';
    return head + this.lines().join('\n');
  }
}
