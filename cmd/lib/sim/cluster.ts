// The simulated cluster: members (each a Disk plus, while up, a SimNode life), the network, the
// sim clock, and the mechanics of every event — deliver, tick, crash, restart, propose, read,
// membership change, transfer, compact. Random choices are made by the scheduler; this file only
// carries them out and keeps the checkers informed.

import { MemoryLog } from '../../../src/raft/log-storage.js';
import { ConfChangeType, MessageType, StateRole, type ConfState, type NodeId } from '../../../src/raft/types.js';
import { SafetyChecker } from './checkers.js';
import { Disk } from './disk.js';
import { History, type WriteOp } from './history.js';
import { Network, RAFT_WIRE } from './network.js';
import type { SimRng } from './rng.js';
import type { FaultTarget } from './scheduler.js';
import { SimNode, type CrashPoint, type RaftOptions, type SimEnv } from './sim-node.js';
import type { Stats } from './stats.js';
import { Trace } from './trace.js';
import type { FaultMix } from './workload.js';

export interface Member {
  id: NodeId;
  disk: Disk;
  node: SimNode | undefined;
  life: number;
  /** Sim time at which a crashed member comes back (Infinity: stays down). */
  downUntil: number;
  rng: SimRng;
}

const enc = new TextEncoder();
/** Delivery rounds per tick before leftover zero-delay messages wait for the next tick. */
const MAX_DELIVERY_ROUNDS = 32;
/** Membership bounds for conf changes: never more members than this over the run. */
const MAX_EXTRA_MEMBERS = 2;
const MAX_VOTERS = 7;

export class Cluster implements SimEnv, FaultTarget {
  time = 0;
  readonly members = new Map<NodeId, Member>();
  readonly network: Network;
  readonly checker = new SafetyChecker();
  readonly history = new History();
  readonly trace: Trace;
  private nextId: NodeId;
  /** Sim times at which a member that believed it led crashed (for the Paxos comparison). */
  readonly leaderFailures: number[] = [];

  constructor(
    readonly initialVoters: NodeId[],
    readonly raft: RaftOptions,
    private readonly rng: SimRng,
    readonly stats: Stats,
    traceSize: number,
  ) {
    this.trace = new Trace(traceSize);
    this.network = new Network(rng.fork(), this.stats, RAFT_WIRE);
    const boot = MemoryLog.bootstrap(initialVoters);
    for (const id of initialVoters) {
      const disk = new Disk();
      disk.persist(boot.hardState, undefined, boot.entries);
      this.members.set(id, { id, disk, node: undefined, life: 0, downUntil: 0, rng: rng.fork() });
    }
    this.nextId = Math.max(...initialVoters) + 1;
    for (const id of initialVoters) this.start(id);
  }

  now(): number {
    return this.time;
  }

  member(id: NodeId): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`Cluster: no member ${id}`);
    return m;
  }

  upNodes(): SimNode[] {
    const out: SimNode[] = [];
    for (const m of this.members.values()) if (m.node !== undefined) out.push(m.node);
    return out;
  }

  downMembers(): Member[] {
    return [...this.members.values()].filter((m) => m.node === undefined);
  }

  memberIds(): NodeId[] {
    return [...this.members.keys()];
  }

  upIds(): NodeId[] {
    return this.upNodes().map((n) => n.id);
  }

  leaderIds(): NodeId[] {
    return this.leaders().map((n) => n.id);
  }

  clientWrite(at: NodeId): void {
    this.propose(this.member(at).node as SimNode);
  }

  clientRead(at: NodeId): void {
    this.read(this.member(at).node as SimNode);
  }

  /** Members that believe they lead, highest term first. */
  leaders(): SimNode[] {
    return this.upNodes()
      .filter((n) => n.role === StateRole.Leader)
      .sort((a, b) => b.term - a.term);
  }

  /** Run `fn` against a live member, then its driver loop; handles a crash mid-Ready. */
  private withNode(node: SimNode, fn: () => void): void {
    fn();
    if (!node.drain()) {
      this.dropLife(this.member(node.id), this.time + 1);
      return;
    }
    if (node.leaderCommitAdvanced) {
      node.leaderCommitAdvanced = false;
      this.onLeaderCommit?.(node.id);
    }
  }

  /** Fault hook: a leader's commit index just advanced (the scheduler may crash it right here). */
  onLeaderCommit: ((id: NodeId) => void) | undefined;

  start(id: NodeId): void {
    const m = this.member(id);
    if (m.node !== undefined) throw new Error(`Cluster.start: member ${id} is already up`);
    m.life++;
    m.downUntil = 0;
    const node = new SimNode(id, m.life, m.disk, this.raft, m.rng.fork(), this);
    m.node = node;
    this.trace.add(this.time, `n${id} START life ${m.life} (disk: term ${m.disk.hardState.term} vote ${m.disk.hardState.vote} commit ${m.disk.hardState.commit} snap ${m.disk.snapshotIndex} last ${m.disk.lastIndex})`);
    this.withNode(node, () => {});
  }

  private dropLife(m: Member, downUntil: number): void {
    if (m.node === undefined) return;
    if (m.node.role === StateRole.Leader) this.leaderFailures.push(this.time);
    this.history.forgetLife(m.id, m.life);
    m.node = undefined;
    m.downUntil = downUntil;
  }

  /** Crash now (between Readys): whatever was not persisted is gone. */
  crash(id: NodeId, downUntil: number): void {
    const m = this.member(id);
    if (m.node === undefined) return;
    this.stats.inc('crashes');
    this.trace.add(this.time, `n${id} CRASH (down until ${downUntil === Infinity ? 'end' : downUntil})`);
    this.dropLife(m, downUntil);
  }

  /** Arrange for `id` to die in the middle of its next Ready. */
  crashMidReady(id: NodeId, at: CrashPoint, downUntil: number): void {
    const node = this.member(id).node;
    if (node === undefined) return;
    node.crashAt = at;
    // Give it something to do so the crash point is reached: a tick usually yields a Ready.
    this.withNode(node, () => node.raw.tick());
    const m = this.member(id);
    if (m.node === node) {
      // No Ready happened: crash between Readys instead.
      node.crashAt = undefined;
      this.crash(id, downUntil);
    } else {
      this.stats.inc('crashes');
      m.downUntil = downUntil;
    }
  }

  restart(id: NodeId): void {
    this.stats.inc('restarts');
    this.start(id);
  }

  /** Deliver every message due by now (and the ones those trigger, with zero delay). */
  deliver(): void {
    for (let round = 0; round < MAX_DELIVERY_ROUNDS; round++) {
      const due = this.network.takeDue(this.time);
      if (due.length === 0) break;
      for (const msg of due) {
        const target = this.members.get(msg.to)?.node;
        if (target === undefined) {
          this.stats.inc('dropsToDownNode');
          if (msg.type === MessageType.Snap) this.network.reportSnapDrop(msg);
          continue;
        }
        this.stats.inc('msgsDelivered');
        this.withNode(target, () => target.raw.step(msg));
        if (msg.type === MessageType.Snap) {
          const sender = this.members.get(msg.from)?.node;
          if (sender !== undefined) this.withNode(sender, () => sender.raw.reportSnapshot(msg.to, true));
        }
      }
      this.reportSnapDrops();
    }
  }

  private reportSnapDrops(): void {
    for (const msg of this.network.takeSnapDrops()) {
      const sender = this.members.get(msg.from)?.node;
      if (sender !== undefined) this.withNode(sender, () => sender.raw.reportSnapshot(msg.to, false));
    }
  }

  tickAll(stalled: ReadonlySet<NodeId>): void {
    for (const node of this.upNodes()) {
      if (stalled.has(node.id)) continue;
      this.withNode(node, () => node.raw.tick());
    }
  }

  /** End of a step: every leader is checked against what is committed now. */
  endStep(): void {
    for (const node of this.upNodes()) node.checkLeadership();
    this.checker.endStep();
  }

  // ---- client operations -------------------------------------------------------------------

  /** Propose a new write at `node`; follows one NOT_LEADER redirect. */
  propose(node: SimNode): WriteOp | undefined {
    const { id, key } = this.history.newWriteKey();
    let target = node;
    for (let hop = 0; hop < 2; hop++) {
      this.stats.inc('proposals');
      const res = target.raw.propose(enc.encode(key));
      if (res.ok) {
        const w = this.history.recordWrite(id, key, target.id, target.life, res.index, res.term, this.time);
        this.trace.add(this.time, `n${target.id} propose ${key} -> ${res.index}/${res.term}`);
        const t = target;
        this.withNode(t, () => {});
        return w;
      }
      this.stats.inc('proposalsRefused');
      const next = res.code === 'NOT_LEADER' ? this.members.get(res.leader)?.node : undefined;
      if (next === undefined) return undefined;
      target = next;
    }
    return undefined;
  }

  read(node: SimNode): void {
    this.stats.inc('reads');
    const r = this.history.startRead(node.id, node.life, this.time);
    let accepted = false;
    this.withNode(node, () => {
      accepted = node.raw.readIndex(enc.encode(String(r.id)));
    });
    if (!accepted) this.history.abandonRead(r.id);
    else this.trace.add(this.time, `n${node.id} read #${r.id} issued`);
  }

  /** A fresh id for a member joining for the first time (its disk starts empty). */
  newMember(): NodeId {
    const id = this.nextId++;
    this.members.set(id, { id, disk: new Disk(), node: undefined, life: 0, downUntil: Infinity, rng: this.rng.fork() });
    return id;
  }

  confChange(leader: SimNode, type: ConfChangeType, target: NodeId, label: 'confAddLearner' | 'confPromote' | 'confRemove' | 'confReadd'): boolean {
    const res = leader.raw.proposeConfChange({ type, nodeId: target, context: new Uint8Array(0) });
    if (!res.ok) {
      this.stats.inc('confRefused');
      this.trace.add(this.time, `n${leader.id} conf ${label} n${target} refused: ${res.code}`);
      this.withNode(leader, () => {});
      return false;
    }
    this.stats.inc(label);
    this.trace.add(this.time, `n${leader.id} conf ${label} n${target} -> ${res.index}/${res.term}`);
    this.withNode(leader, () => {});
    return true;
  }

  transfer(via: SimNode, to: NodeId): void {
    this.stats.inc('transfers');
    this.trace.add(this.time, `n${via.id} transfer leadership -> n${to}`);
    this.withNode(via, () => via.raw.transferLeadership(to));
  }

  /** Snapshot the state machine at its applied index and compact the log up to it. */
  compact(node: SimNode): void {
    const applied = node.sm.applied;
    if (applied <= node.log.snapshot().metadata.index) return;
    const data = node.sm.snapshot();
    this.withNode(node, () => node.raw.compact(applied, data));
    const snap = node.log.snapshot();
    if (snap.metadata.index !== applied) {
      throw new Error(`Cluster.compact: core recorded snapshot ${snap.metadata.index}, expected ${applied}`);
    }
    this.member(node.id).disk.compact(snap);
    this.stats.inc('compactions');
    this.trace.add(this.time, `n${node.id} compact to ${applied}`);
  }

  /** A random membership change through the leader (the scheduler's confP). */
  randomConfChange(rng: SimRng): void {
    const leader = this.leaders()[0];
    if (leader === undefined) return;
    const cs = leader.raw.status().confState;
    const inConf = new Set([...cs.voters, ...cs.learners]);
    const removed = [...this.members.values()].filter((m) => m.life > 0 && !inConf.has(m.id));
    const actions: Array<() => void> = [];
    if (this.members.size < this.initialVoters.length + MAX_EXTRA_MEMBERS) {
      actions.push(() => {
        const id = this.newMember();
        if (this.confChange(leader, ConfChangeType.AddLearner, id, 'confAddLearner')) this.start(id);
        else this.members.delete(id);
      });
    }
    if (cs.learners.length > 0 && cs.voters.length < MAX_VOTERS) {
      actions.push(() => {
        this.confChange(leader, ConfChangeType.AddVoter, rng.pick(cs.learners), 'confPromote');
      });
    }
    const removable = [...cs.learners, ...(cs.voters.length > 1 ? cs.voters.filter((v) => v !== leader.id) : [])];
    if (removable.length > 0) {
      actions.push(() => {
        this.confChange(leader, ConfChangeType.RemoveNode, rng.pick(removable), 'confRemove');
      });
    }
    if (removed.length > 0) {
      actions.push(() => {
        const m = rng.pick(removed);
        if (this.confChange(leader, ConfChangeType.AddLearner, m.id, 'confReadd') && m.node === undefined) {
          this.restart(m.id);
        }
      });
    }
    if (actions.length > 0) rng.pick(actions)();
  }

  /** A leadership transfer to a random voter, asked of the leader or another member. */
  randomTransfer(rng: SimRng): void {
    const leader = this.leaders()[0];
    if (leader === undefined) return;
    const voters = leader.raw.status().confState.voters.filter((v) => v !== leader.id);
    if (voters.length === 0) return;
    const to = rng.pick(voters);
    const up = this.upNodes();
    const via = rng.chance(0.7) ? leader : rng.pick(up);
    this.transfer(via, to);
  }

  /** A random member compacts its log if it applied enough since its snapshot. */
  randomCompact(rng: SimRng, mix: FaultMix): void {
    const up = this.upNodes();
    if (up.length === 0) return;
    const node = rng.pick(up);
    if (node.sm.applied - node.log.snapshot().metadata.index >= mix.compactMinEntries) this.compact(node);
  }

  /** Membership as the most advanced live member has applied it. */
  latestConf(): ConfState | undefined {
    let best: SimNode | undefined;
    for (const n of this.upNodes()) if (best === undefined || n.sm.applied > best.sm.applied) best = n;
    return best?.raw.status().confState;
  }
}
