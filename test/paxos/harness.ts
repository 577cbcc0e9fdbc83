// A hand-driven Paxos cluster for unit tests: messages queue up and are delivered in order (or
// dropped by a filter); each Ready is carried out the way the contract says.

import { PaxosNode } from '../../src/paxos/paxos-node.js';
import type { ChosenEntry, NodeId, PaxosConfig, PaxosDurableState, PaxosMessage, PaxosMode, PaxosReady, Rng } from '../../src/paxos/types.js';

/** A small deterministic generator (an LCG is plenty for election jitter in unit tests). */
export function testRng(seed: number): Rng {
  let s = seed >>> 0 || 1;
  return {
    intn(n: number): number {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return Math.floor((s / 0x100000000) * n);
    },
  };
}

export class TestNet {
  readonly nodes = new Map<NodeId, PaxosNode>();
  readonly queue: PaxosMessage[] = [];
  /** Every message sent, in order. */
  readonly sent: PaxosMessage[] = [];
  /** Every Ready handed out, per member. */
  readonly readies = new Map<NodeId, PaxosReady[]>();
  readonly committed = new Map<NodeId, ChosenEntry[]>();
  drop: (m: PaxosMessage) => boolean = () => false;

  constructor(
    readonly ids: NodeId[],
    mode: PaxosMode,
    over: Partial<PaxosConfig> = {},
    restored: Partial<Record<NodeId, PaxosDurableState>> = {},
  ) {
    for (const id of ids) {
      const cfg: PaxosConfig = { id, members: ids, mode, electionTicks: 10, heartbeatTicks: 2, rng: testRng(id), ...over };
      const r = restored[id];
      if (r !== undefined) cfg.restored = r;
      this.nodes.set(id, new PaxosNode(cfg));
      this.readies.set(id, []);
      this.committed.set(id, []);
    }
  }

  node(id: NodeId): PaxosNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  drain(id: NodeId): void {
    const n = this.nodes.get(id);
    if (n === undefined) return;
    while (n.hasReady()) {
      const rd = n.ready();
      this.readies.get(id)!.push(rd);
      for (const m of rd.messages) {
        this.sent.push(m);
        if (!this.drop(m)) this.queue.push(m);
      }
      this.committed.get(id)!.push(...rd.committed);
    }
  }

  /** Deliver queued messages (and those they cause) until none is left. */
  deliverAll(max = 100_000): void {
    for (let i = 0; this.queue.length > 0; i++) {
      if (i >= max) throw new Error('deliverAll: no quiescence');
      const m = this.queue.shift() as PaxosMessage;
      const n = this.nodes.get(m.to);
      if (n === undefined) continue;
      n.step(m);
      this.drain(m.to);
    }
  }

  tick(id: NodeId): void {
    this.node(id).tick();
    this.drain(id);
  }

  /** Tick every member and deliver, until `done` or `max` rounds. Returns rounds used. */
  run(done: () => boolean, max = 1000): number {
    for (let r = 0; r < max; r++) {
      if (done()) return r;
      for (const id of this.nodes.keys()) this.tick(id);
      this.deliverAll();
    }
    throw new Error(`run: condition not met after ${max} rounds`);
  }

  /** Remove a member (a crash: whatever it did not persist is gone with it). */
  crash(id: NodeId): void {
    this.nodes.delete(id);
  }

  leaders(): NodeId[] {
    return [...this.nodes.values()].filter((n) => n.status().role === 'leader').map((n) => n.id);
  }

  values(id: NodeId): Array<string | null> {
    return this.committed.get(id)!.map((e) => e.value);
  }
}
