// The fault scheduler: each tick of the safety phase it draws, from the seed and the fault mix,
// which faults happen (partitions, crashes, restarts, clock stalls) and which client operations
// run (writes, reads, and the protocol's own: Raft's membership changes, leadership transfers and
// compactions). It drives any protocol's simulated cluster through FaultTarget, so Raft and Paxos
// runs face the same fault machinery.

import type { NodeId } from '../../../src/raft/types.js';
import type { LinkControl } from './network.js';
import type { SimRng } from './rng.js';
import type { CrashPoint } from './sim-node.js';
import type { Stats } from './stats.js';
import type { Trace } from './trace.js';
import type { FaultMix } from './workload.js';

/** What the scheduler needs from a simulated cluster. Id lists keep the cluster's member order
 *  (the scheduler's draws pick from them, so the order is part of a seed's replay). */
export interface FaultTarget {
  readonly time: number;
  readonly network: LinkControl;
  readonly stats: Stats;
  readonly trace: Trace;
  memberIds(): NodeId[];
  upIds(): NodeId[];
  downMembers(): Array<{ id: NodeId; downUntil: number }>;
  /** Members that believe they lead, the most recent leadership first. */
  leaderIds(): NodeId[];
  crash(id: NodeId, downUntil: number): void;
  crashMidReady(id: NodeId, at: CrashPoint, downUntil: number): void;
  restart(id: NodeId): void;
  /** Fault hook: a leader just saw its commit index (Paxos: a value chosen) advance. */
  onLeaderCommit: ((id: NodeId) => void) | undefined;
  clientWrite(at: NodeId): void;
  clientRead(at: NodeId): void;
  /** Protocol-specific operations. Raft: membership change, leadership transfer, compaction.
   *  Paxos: no membership change or compaction; a "transfer" makes a competing proposer. */
  randomConfChange(rng: SimRng): void;
  randomTransfer(rng: SimRng): void;
  randomCompact(rng: SimRng, mix: FaultMix): void;
}

export class FaultScheduler {
  private partitionUntil = -1;

  constructor(
    private readonly rng: SimRng,
    private readonly mix: FaultMix,
    private readonly cluster: FaultTarget,
  ) {
    cluster.network.faults = mix.network;
    if (mix.crashLeaderOnCommitP > 0) {
      cluster.onLeaderCommit = (id) => {
        if (!this.rng.chance(mix.crashLeaderOnCommitP) || cluster.upIds().length <= 1) return;
        cluster.stats.inc('crashesOnCommit');
        cluster.crash(id, cluster.time + this.rng.range(mix.downTicks[0], mix.downTicks[1]));
      };
    }
  }

  /** The liveness phase stops injecting faults. */
  stop(): void {
    this.cluster.onLeaderCommit = undefined;
  }

  /** Faults and client operations for this tick. Returns members whose clock stalls this tick. */
  beforeTick(): Set<NodeId> {
    const { rng, mix, cluster } = this;
    const now = cluster.time;
    // Restarts that are due.
    for (const m of cluster.downMembers()) {
      if (m.downUntil <= now) cluster.restart(m.id);
    }
    // Partitions heal, or start.
    if (this.partitionUntil >= 0 && now >= this.partitionUntil) {
      cluster.network.healAll();
      cluster.stats.inc('heals');
      cluster.trace.add(now, 'network healed');
      this.partitionUntil = -1;
    }
    if (this.partitionUntil < 0 && rng.chance(mix.partitionP)) this.partition();
    // Crashes.
    if (rng.chance(mix.crashP)) this.crash();
    // Client operations.
    const whole = Math.floor(mix.writesPerTick);
    const writes = whole + (rng.chance(mix.writesPerTick - whole) ? 1 : 0);
    for (let i = 0; i < writes; i++) this.write();
    if (rng.chance(mix.readP)) this.read();
    if (rng.chance(mix.confP)) cluster.randomConfChange(rng);
    if (rng.chance(mix.transferP)) cluster.randomTransfer(rng);
    if (rng.chance(mix.compactP)) cluster.randomCompact(rng, mix);
    const stalled = new Set<NodeId>();
    if (rng.chance(mix.clockStallP)) {
      const up = cluster.upIds();
      if (up.length > 0) {
        stalled.add(rng.pick(up));
        cluster.stats.inc('clockStalls');
      }
    }
    return stalled;
  }

  private partition(): void {
    const { rng, mix, cluster } = this;
    const ids = cluster.memberIds();
    if (ids.length < 2) return;
    const k = mix.partitionKinds;
    const total = k.symmetric + k.oneWay + k.isolateLeader;
    let x = rng.float() * total;
    const leader = cluster.leaderIds()[0];
    let desc: string;
    if (x < k.isolateLeader && leader !== undefined) {
      const group = [leader];
      const others = rng.shuffle(ids.filter((id) => id !== leader));
      if (others.length >= 4 && rng.chance(0.3)) group.push(others.pop() as NodeId);
      cluster.network.partition(group, others);
      cluster.stats.inc('partitionsIsolateLeader');
      desc = `isolate leader: {${group.join(',')}} | {${others.join(',')}}`;
    } else {
      x -= k.isolateLeader;
      if (x < k.oneWay && k.oneWay > 0) {
        const cuts: string[] = [];
        const pairs = rng.range(1, 3);
        for (let i = 0; i < pairs; i++) {
          const a = rng.pick(ids);
          const b = rng.pick(ids);
          if (a === b) continue;
          cluster.network.cutOneWay(a, b);
          cuts.push(`${a}->${b}`);
        }
        if (cuts.length === 0) return;
        cluster.stats.inc('partitionsOneWay');
        desc = `one-way cuts ${cuts.join(' ')}`;
      } else {
        const shuffled = rng.shuffle([...ids]);
        const cut = rng.range(1, shuffled.length - 1);
        const a = shuffled.slice(0, cut);
        const b = shuffled.slice(cut);
        cluster.network.partition(a, b);
        cluster.stats.inc('partitionsSymmetric');
        desc = `partition {${a.join(',')}} | {${b.join(',')}}`;
      }
    }
    this.partitionUntil = cluster.time + rng.range(mix.partitionTicks[0], mix.partitionTicks[1]);
    cluster.trace.add(cluster.time, `${desc} until t=${this.partitionUntil}`);
  }

  private crash(): void {
    const { rng, mix, cluster } = this;
    const up = cluster.upIds();
    const total = cluster.memberIds().length;
    const down = total - up.length;
    if (up.length <= 1 || down >= Math.floor(total / 2) + 1) return;
    const leaders = cluster.leaderIds();
    const victim = leaders.length > 0 && rng.chance(mix.leaderCrashBias) ? (leaders[0] as NodeId) : rng.pick(up);
    const downUntil = cluster.time + rng.range(mix.downTicks[0], mix.downTicks[1]);
    if (rng.chance(mix.midReadyCrashP)) {
      cluster.crashMidReady(victim, rng.chance(0.5) ? 'after-persist' : 'after-send', downUntil);
    } else {
      cluster.crash(victim, downUntil);
    }
  }

  private write(): void {
    const { rng, cluster } = this;
    const up = cluster.upIds();
    if (up.length === 0) return;
    const leaders = cluster.leaderIds();
    const target = leaders.length > 0 && rng.chance(0.8) ? rng.pick(leaders) : rng.pick(up);
    cluster.clientWrite(target);
  }

  private read(): void {
    const { rng, mix, cluster } = this;
    const up = cluster.upIds();
    if (up.length === 0) return;
    const leaders = cluster.leaderIds();
    const target = leaders.length > 0 && rng.chance(mix.readAtLeaderBias) ? rng.pick(leaders) : rng.pick(up);
    cluster.clientRead(target);
  }


}
