// The guarded resource of the lock workload: it accepts a write only with a fencing token at
// least as high as the highest it has seen for that lock, and records every attempt.
export class FencedResource {
    now;
    maxLog;
    highest = new Map();
    log = [];
    constructor(now, maxLog = 1_000_000) {
        this.now = now;
        this.maxLog = maxLog;
    }
    /** One write under `token`; true when accepted. */
    write(lock, client, token) {
        if (!Number.isSafeInteger(token) || token <= 0)
            throw new Error(`FencedResource: bad fencing token ${token}`);
        if (this.log.length >= this.maxLog)
            throw new Error(`FencedResource: more than ${this.maxLog} accesses recorded`);
        const startMs = this.now();
        const before = this.highest.get(lock) ?? 0;
        const accepted = token >= before;
        if (accepted)
            this.highest.set(lock, token);
        this.log.push({ lock, client, token, startMs, endMs: this.now(), accepted, highestBefore: before });
        return accepted;
    }
}
//# sourceMappingURL=resource.js.map