// The fault scheduler: each tick of the safety phase it draws, from the seed and the fault mix,
// which faults happen (partitions, crashes, restarts, clock stalls) and which client operations
// run (writes, reads, membership changes, leadership transfers, compactions).

import { ConfChangeType, type NodeId } from '../../src/raft/types.js';
import type { Cluster } from './cluster.js';
import type { SimRng } from './rng.js';
import type { SimNode } from './sim-node.js';
import type { FaultMix } from './workload.js';

/** Membership bounds for conf changes: never more members than this over the run. */
const MAX_EXTRA_MEMBERS = 2;
const MAX_VOTERS = 7;

export class FaultScheduler {
  private partitionUntil = -1;

  constructor(
    private readonly rng: SimRng,
    private readonly mix: FaultMix,
    private readonly cluster: Cluster,
  ) {
    cluster.network.faults = mix.network;
    if (mix.crashLeaderOnCommitP > 0) {
      cluster.onLeaderCommit = (node) => {
        if (!this.rng.chance(mix.crashLeaderOnCommitP) || cluster.upNodes().length <= 1) return;
        cluster.stats.inc('crashesOnCommit');
        cluster.crash(node.id, cluster.time + this.rng.range(mix.downTicks[0], mix.downTicks[1]));
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
    if (rng.chance(mix.confP)) this.confChange();
    if (rng.chance(mix.transferP)) this.transfer();
    if (rng.chance(mix.compactP)) this.compact();
    const stalled = new Set<NodeId>();
    if (rng.chance(mix.clockStallP)) {
      const up = cluster.upNodes();
      if (up.length > 0) {
        stalled.add(rng.pick(up).id);
        cluster.stats.inc('clockStalls');
      }
    }
    return stalled;
  }

  private partition(): void {
    const { rng, mix, cluster } = this;
    const ids = [...cluster.members.keys()];
    if (ids.length < 2) return;
    const k = mix.partitionKinds;
    const total = k.symmetric + k.oneWay + k.isolateLeader;
    let x = rng.float() * total;
    const leader = cluster.leaders()[0];
    let desc: string;
    if (x < k.isolateLeader && leader !== undefined) {
      const group = [leader.id];
      const others = rng.shuffle(ids.filter((id) => id !== leader.id));
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
    const up = cluster.upNodes();
    const total = cluster.members.size;
    const down = total - up.length;
    if (up.length <= 1 || down >= Math.floor(total / 2) + 1) return;
    const leaders = cluster.leaders();
    const victim = leaders.length > 0 && rng.chance(mix.leaderCrashBias) ? (leaders[0] as SimNode) : rng.pick(up);
    const downUntil = cluster.time + rng.range(mix.downTicks[0], mix.downTicks[1]);
    if (rng.chance(mix.midReadyCrashP)) {
      cluster.crashMidReady(victim.id, rng.chance(0.5) ? 'after-persist' : 'after-send', downUntil);
    } else {
      cluster.crash(victim.id, downUntil);
    }
  }

  private write(): void {
    const { rng, cluster } = this;
    const up = cluster.upNodes();
    if (up.length === 0) return;
    const leaders = cluster.leaders();
    const target = leaders.length > 0 && rng.chance(0.8) ? rng.pick(leaders) : rng.pick(up);
    cluster.propose(target);
  }

  private read(): void {
    const { rng, mix, cluster } = this;
    const up = cluster.upNodes();
    if (up.length === 0) return;
    const leaders = cluster.leaders();
    const target = leaders.length > 0 && rng.chance(mix.readAtLeaderBias) ? rng.pick(leaders) : rng.pick(up);
    cluster.read(target);
  }

  private confChange(): void {
    const { rng, cluster } = this;
    const leader = cluster.leaders()[0];
    if (leader === undefined) return;
    const cs = leader.raw.status().confState;
    const inConf = new Set([...cs.voters, ...cs.learners]);
    const removed = [...cluster.members.values()].filter((m) => m.life > 0 && !inConf.has(m.id));
    const actions: Array<() => void> = [];
    if (cluster.members.size < cluster.initialVoters.length + MAX_EXTRA_MEMBERS) {
      actions.push(() => {
        const id = cluster.newMember();
        if (cluster.confChange(leader, ConfChangeType.AddLearner, id, 'confAddLearner')) cluster.start(id);
        else cluster.members.delete(id);
      });
    }
    if (cs.learners.length > 0 && cs.voters.length < MAX_VOTERS) {
      actions.push(() => {
        cluster.confChange(leader, ConfChangeType.AddVoter, rng.pick(cs.learners), 'confPromote');
      });
    }
    const removable = [...cs.learners, ...(cs.voters.length > 1 ? cs.voters.filter((v) => v !== leader.id) : [])];
    if (removable.length > 0) {
      actions.push(() => {
        cluster.confChange(leader, ConfChangeType.RemoveNode, rng.pick(removable), 'confRemove');
      });
    }
    if (removed.length > 0) {
      actions.push(() => {
        const m = rng.pick(removed);
        if (cluster.confChange(leader, ConfChangeType.AddLearner, m.id, 'confReadd') && m.node === undefined) {
          cluster.restart(m.id);
        }
      });
    }
    if (actions.length > 0) rng.pick(actions)();
  }

  private transfer(): void {
    const { rng, cluster } = this;
    const leader = cluster.leaders()[0];
    if (leader === undefined) return;
    const voters = leader.raw.status().confState.voters.filter((v) => v !== leader.id);
    if (voters.length === 0) return;
    const to = rng.pick(voters);
    const up = cluster.upNodes();
    const via = rng.chance(0.7) ? leader : rng.pick(up);
    cluster.transfer(via, to);
  }

  private compact(): void {
    const { rng, mix, cluster } = this;
    const up = cluster.upNodes();
    if (up.length === 0) return;
    const node = rng.pick(up);
    if (node.sm.applied - node.log.snapshot().metadata.index >= mix.compactMinEntries) cluster.compact(node);
  }
}
