// The simulated network: a bounded set of in-flight messages, each with a delivery time drawn
// from the seed. It drops, delays, duplicates and reorders, and it cuts links: a symmetric
// partition blocks both directions between two groups, a one-way cut blocks a -> b only.
// Links are checked both when a message is sent and when it would be delivered.
import { MessageType } from '../../src/raft/types.js';
export const CALM_NETWORK = { dropP: 0, dupP: 0, minDelay: 1, maxDelay: 1 };
function cloneMessage(m) {
    const c = { ...m, entries: m.entries.map((e) => ({ ...e })) };
    return c;
}
export class Network {
    rng;
    stats;
    maxInFlight;
    inFlight = [];
    seq = 0;
    /** Highest seq delivered per directed link, to count reorders. */
    lastSeq = new Map();
    /** Directed links currently cut, as "from>to". */
    cut = new Set();
    /** Snapshot messages the network lost, for the driver to report as failed sends. */
    snapDrops = [];
    faults = CALM_NETWORK;
    constructor(rng, stats, 
    /** Hard cap on messages in flight; sends beyond it are dropped (and counted). */
    maxInFlight = 20_000) {
        this.rng = rng;
        this.stats = stats;
        this.maxInFlight = maxInFlight;
    }
    get size() {
        return this.inFlight.length;
    }
    isCut(from, to) {
        return this.cut.has(`${from}>${to}`);
    }
    cutOneWay(from, to) {
        if (from !== to)
            this.cut.add(`${from}>${to}`);
    }
    /** Block every link between group a and group b, both directions. */
    partition(a, b) {
        for (const x of a) {
            for (const y of b) {
                this.cutOneWay(x, y);
                this.cutOneWay(y, x);
            }
        }
    }
    healAll() {
        this.cut.clear();
    }
    get cutCount() {
        return this.cut.size;
    }
    /** Hand a message to the network at sim time `now`. Returns false when it was dropped. */
    send(m, src, now) {
        this.stats.inc('msgsSent');
        if (this.isCut(src, m.to)) {
            this.stats.inc('dropsPartitioned');
            return false;
        }
        if (this.rng.chance(this.faults.dropP)) {
            this.stats.inc('drops');
            return false;
        }
        if (!this.enqueue(m, src, now))
            return false;
        if (this.rng.chance(this.faults.dupP)) {
            if (this.enqueue(m, src, now))
                this.stats.inc('dups');
        }
        return true;
    }
    enqueue(m, src, now) {
        if (this.inFlight.length >= this.maxInFlight) {
            this.stats.inc('dropsOverflow');
            return false;
        }
        const { minDelay, maxDelay } = this.faults;
        if (minDelay < 1)
            throw new Error(`Network: minDelay must be >= 1 tick, got ${minDelay}`);
        this.inFlight.push({
            deliverAt: now + this.rng.range(minDelay, Math.max(minDelay, maxDelay)),
            seq: this.seq++,
            tiebreak: this.rng.next32(),
            src,
            msg: cloneMessage(m),
        });
        return true;
    }
    /**
     * Remove and return the messages due at `now`, in delivery order. Messages whose link is cut
     * by now are dropped here. The caller delivers them one by one (and may send new ones, which
     * are due no earlier than `now` and are picked up by the next call).
     */
    takeDue(now) {
        const due = [];
        const keep = [];
        for (const f of this.inFlight)
            (f.deliverAt <= now ? due : keep).push(f);
        if (due.length === 0)
            return [];
        this.inFlight = keep;
        due.sort((x, y) => x.deliverAt - y.deliverAt || x.tiebreak - y.tiebreak);
        const out = [];
        for (const f of due) {
            const from = f.src;
            const to = f.msg.to;
            if (this.isCut(from, to)) {
                this.stats.inc('dropsPartitioned');
                if (f.msg.type === MessageType.Snap)
                    this.reportSnapDrop(f.msg);
                continue;
            }
            const key = `${from}>${to}`;
            const last = this.lastSeq.get(key) ?? -1;
            if (f.seq < last)
                this.stats.inc('reorders');
            else
                this.lastSeq.set(key, f.seq);
            out.push(f.msg);
        }
        return out;
    }
    /** A Snap message was lost (on send, on delivery, or to a down member). */
    reportSnapDrop(m) {
        if (this.snapDrops.length >= this.maxInFlight)
            throw new Error('Network: too many unreported snapshot drops');
        this.snapDrops.push(m);
    }
    takeSnapDrops() {
        const out = this.snapDrops;
        this.snapDrops = [];
        return out;
    }
    /** Forget every message to or from `id` (used when a member is removed for good). */
    purge(id) {
        this.inFlight = this.inFlight.filter((f) => f.msg.to !== id && f.src !== id);
    }
}
//# sourceMappingURL=network.js.map