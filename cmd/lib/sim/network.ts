// The simulated network: a bounded set of in-flight messages, each with a delivery time drawn
// from the seed. It drops, delays, duplicates and reorders, and it cuts links: a symmetric
// partition blocks both directions between two groups, a one-way cut blocks a -> b only.
// Links are checked both when a message is sent and when it would be delivered. It carries any
// protocol's messages (Raft's and Paxos's): the protocol says how to copy one and which ones are
// snapshots whose loss the sender must hear about.

import { MessageType, type Message, type NodeId } from '../../../src/raft/types.js';
import type { SimRng } from './rng.js';
import type { Stats } from './stats.js';

/** What the network needs to know about a protocol's messages. */
export interface Wire<M extends { to: NodeId }> {
  /** A deep copy: the receiver must not share objects with the sender. */
  clone(m: M): M;
  /** Snapshot messages: a lost one is reported back to its sender (see takeSnapDrops). */
  isSnapshot(m: M): boolean;
}

/** Raft's wire: entries are copied, Snap messages are reported when lost. */
export const RAFT_WIRE: Wire<Message> = {
  clone: (m) => ({ ...m, entries: m.entries.map((e) => ({ ...e })) }),
  isSnapshot: (m) => m.type === MessageType.Snap,
};

/** The links the fault scheduler cuts and heals, and the faults it sets. */
export interface LinkControl {
  faults: NetworkFaults;
  partition(a: readonly NodeId[], b: readonly NodeId[]): void;
  cutOneWay(from: NodeId, to: NodeId): void;
  healAll(): void;
}

export interface NetworkFaults {
  /** Probability that a message is lost. */
  dropP: number;
  /** Probability that a message is delivered twice (the copy gets its own delay). */
  dupP: number;
  /** Delivery delay in ticks, uniform in [minDelay, maxDelay]; minDelay >= 1 so a round trip
   *  costs time (no zero-delay ping-pong inside one tick). Different delays reorder. */
  minDelay: number;
  maxDelay: number;
}

export const CALM_NETWORK: NetworkFaults = { dropP: 0, dupP: 0, minDelay: 1, maxDelay: 1 };

interface InFlight<M> {
  deliverAt: number;
  /** Send order, to detect and count reordering on delivery. */
  seq: number;
  /** Random tiebreak among messages due at the same tick. */
  tiebreak: number;
  /** The member that actually sent it (a forwarded TransferLeader names the transferee in `from`). */
  src: NodeId;
  msg: M;
}

export class Network<M extends { to: NodeId } = Message> implements LinkControl {
  private inFlight: InFlight<M>[] = [];
  private seq = 0;
  /** Highest seq delivered per directed link, to count reorders. */
  private lastSeq = new Map<string, number>();
  /** Directed links currently cut, as "from>to". */
  private cut = new Set<string>();
  /** Snapshot messages the network lost, for the driver to report as failed sends. */
  private snapDrops: M[] = [];
  faults: NetworkFaults = CALM_NETWORK;

  constructor(
    private readonly rng: SimRng,
    private readonly stats: Stats,
    private readonly wire: Wire<M>,
    /** Hard cap on messages in flight; sends beyond it are dropped (and counted). */
    readonly maxInFlight = 20_000,
  ) {}

  get size(): number {
    return this.inFlight.length;
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}>${to}`);
  }

  cutOneWay(from: NodeId, to: NodeId): void {
    if (from !== to) this.cut.add(`${from}>${to}`);
  }

  /** Block every link between group a and group b, both directions. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.cutOneWay(x, y);
        this.cutOneWay(y, x);
      }
    }
  }

  healAll(): void {
    this.cut.clear();
  }

  get cutCount(): number {
    return this.cut.size;
  }

  /** Hand a message to the network at sim time `now`. Returns false when it was dropped. */
  send(m: M, src: NodeId, now: number): boolean {
    this.stats.inc('msgsSent');
    if (this.isCut(src, m.to)) {
      this.stats.inc('dropsPartitioned');
      return false;
    }
    if (this.rng.chance(this.faults.dropP)) {
      this.stats.inc('drops');
      return false;
    }
    if (!this.enqueue(m, src, now)) return false;
    if (this.rng.chance(this.faults.dupP)) {
      if (this.enqueue(m, src, now)) this.stats.inc('dups');
    }
    return true;
  }

  private enqueue(m: M, src: NodeId, now: number): boolean {
    if (this.inFlight.length >= this.maxInFlight) {
      this.stats.inc('dropsOverflow');
      return false;
    }
    const { minDelay, maxDelay } = this.faults;
    if (minDelay < 1) throw new Error(`Network: minDelay must be >= 1 tick, got ${minDelay}`);
    this.inFlight.push({
      deliverAt: now + this.rng.range(minDelay, Math.max(minDelay, maxDelay)),
      seq: this.seq++,
      tiebreak: this.rng.next32(),
      src,
      msg: this.wire.clone(m),
    });
    return true;
  }

  /**
   * Remove and return the messages due at `now`, in delivery order. Messages whose link is cut
   * by now are dropped here. The caller delivers them one by one (and may send new ones, which
   * are due no earlier than `now` and are picked up by the next call).
   */
  takeDue(now: number): M[] {
    const due: InFlight<M>[] = [];
    const keep: InFlight<M>[] = [];
    for (const f of this.inFlight) (f.deliverAt <= now ? due : keep).push(f);
    if (due.length === 0) return [];
    this.inFlight = keep;
    due.sort((x, y) => x.deliverAt - y.deliverAt || x.tiebreak - y.tiebreak);
    const out: M[] = [];
    for (const f of due) {
      const from = f.src;
      const to = f.msg.to;
      if (this.isCut(from, to)) {
        this.stats.inc('dropsPartitioned');
        if (this.wire.isSnapshot(f.msg)) this.reportSnapDrop(f.msg);
        continue;
      }
      const key = `${from}>${to}`;
      const last = this.lastSeq.get(key) ?? -1;
      if (f.seq < last) this.stats.inc('reorders');
      else this.lastSeq.set(key, f.seq);
      out.push(f.msg);
    }
    return out;
  }

  /** A Snap message was lost (on send, on delivery, or to a down member). */
  reportSnapDrop(m: M): void {
    if (this.snapDrops.length >= this.maxInFlight) throw new Error('Network: too many unreported snapshot drops');
    this.snapDrops.push(m);
  }

  takeSnapDrops(): M[] {
    const out = this.snapDrops;
    this.snapDrops = [];
    return out;
  }
}
