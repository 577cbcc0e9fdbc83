// The simulated Paxos cluster: fixed members (each a PaxosDisk plus, while up, one life of a
// PaxosNode), the shared Network and fault scheduler (it is a FaultTarget, like the Raft Cluster),
// and the driver loop that follows the PaxosReady contract: persist -> send -> apply. Every step
// reports to the PaxosChecker and to the client history.

import { compareBallots, formatBallot } from '../../../src/paxos/ballot.js';
import { PaxosNode, type ProposerCounters } from '../../../src/paxos/paxos-node.js';
import type { NodeId, PaxosMessage, PaxosMode, PaxosMutations, PaxosReady, PaxosRole, Slot, Value } from '../../../src/paxos/types.js';
import { Network, type Wire } from './network.js';
import { PaxosChecker } from './paxos-checkers.js';
import { PaxosDisk } from './paxos-disk.js';
import type { SimRng } from './rng.js';
import type { FaultTarget } from './scheduler.js';
import type { CrashPoint } from './sim-node.js';
import { ListStateMachine } from './state-machine.js';
import type { Stats } from './stats.js';
import { Trace } from './trace.js';
import { SimViolation } from './violation.js';

export interface PaxosOptions {
  mode: PaxosMode;
  electionTicks: number;
  heartbeatTicks: number;
  mutations: PaxosMutations;
  /** Check the acceptor's rule on its own writes too (see PaxosChecker). */
  directChecks: boolean;
}

/** Paxos messages are plain data; a copy keeps sender and receiver apart (ballots are never
 *  modified, so entries may share them). */
export const PAXOS_WIRE: Wire<PaxosMessage> = {
  clone: (m) => {
    switch (m.type) {
      case 'promise':
        return { ...m, accepted: m.accepted.map((e) => ({ ...e })), chosen: m.chosen.map((e) => ({ ...e })) };
      case 'accept':
        return { ...m, entries: m.entries.map((e) => ({ ...e })), decided: m.decided.map((e) => ({ ...e })) };
      case 'accepted':
        return { ...m, slots: [...m.slots] };
      case 'decide':
        return { ...m, entries: m.entries.map((e) => ({ ...e })) };
      case 'heartbeat':
        return { ...m, decided: m.decided.map((e) => ({ ...e })) };
      default:
        return { ...m };
    }
  },
  isSnapshot: () => false,
};

export interface PaxosWrite {
  key: string;
  node: NodeId;
  life: number;
  /** Multi-Paxos: the slot the leader gave it; basic: unknown until chosen. */
  slot: Slot | undefined;
  start: number;
  end: number;
  status: 'pending' | 'acked' | 'lost';
}

interface PaxosMember {
  id: NodeId;
  disk: PaxosDisk;
  node: PaxosNode | undefined;
  sm: ListStateMachine;
  life: number;
  downUntil: number;
  rng: SimRng;
  role: PaxosRole;
  crashAt: CrashPoint | undefined;
}

const MAX_DELIVERY_ROUNDS = 32;
/** A member takes at most this many client values not yet chosen (then refuses: BUSY), so a
 *  healed one proposer works off its backlog within the liveness budget. */
const MAX_PENDING_VALUES = 32;
const COUNTERS: Array<[keyof ProposerCounters, 'phase1Started' | 'phase1Won' | 'preempted' | 'proposerTimeouts']> = [
  ['phase1Started', 'phase1Started'],
  ['phase1Won', 'phase1Won'],
  ['preempted', 'preempted'],
  ['timedOut', 'proposerTimeouts'],
];

export class PaxosCluster implements FaultTarget {
  time = 0;
  readonly members = new Map<NodeId, PaxosMember>();
  readonly network: Network<PaxosMessage>;
  readonly checker: PaxosChecker;
  readonly trace: Trace;
  readonly acked: PaxosWrite[] = [];
  /** Sim times at which a leader (basic: a proposer with values queued) crashed. */
  readonly leaderFailures: number[] = [];
  onLeaderCommit: ((id: NodeId) => void) | undefined;
  /** When set, only this member may start phase 1 (the liveness phase's one proposer). */
  soleProposer: NodeId | undefined;
  /** Unresolved writes by value, and (multi mode) by proposer life and slot. */
  private readonly pending = new Map<string, PaxosWrite>();
  private readonly pendingBySlot = new Map<string, PaxosWrite>();
  private nextWrite = 1;

  constructor(
    readonly ids: NodeId[],
    readonly opts: PaxosOptions,
    rng: SimRng,
    readonly stats: Stats,
    traceSize: number,
    readonly maxPendingWrites = 4096,
  ) {
    this.trace = new Trace(traceSize);
    this.network = new Network(rng.fork(), stats, PAXOS_WIRE);
    this.checker = new PaxosChecker(ids.length, opts.directChecks);
    for (const id of ids) {
      this.members.set(id, { id, disk: new PaxosDisk(), node: undefined, sm: new ListStateMachine(), life: 0, downUntil: 0, rng: rng.fork(), role: 'follower', crashAt: undefined });
    }
    for (const id of ids) this.start(id);
  }

  member(id: NodeId): PaxosMember {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`PaxosCluster: no member ${id}`);
    return m;
  }

  memberIds(): NodeId[] {
    return [...this.members.keys()];
  }

  upIds(): NodeId[] {
    const out: NodeId[] = [];
    for (const m of this.members.values()) if (m.node !== undefined) out.push(m.id);
    return out;
  }

  downMembers(): PaxosMember[] {
    return [...this.members.values()].filter((m) => m.node === undefined);
  }

  /** Members that believe they lead (multi mode), highest ballot first. */
  leaderIds(): NodeId[] {
    const leaders: PaxosNode[] = [];
    for (const m of this.members.values()) if (m.node !== undefined && m.role === 'leader') leaders.push(m.node);
    return leaders.sort((a, b) => compareBallots(b.status().ballot, a.status().ballot)).map((n) => n.id);
  }

  // ---- lives --------------------------------------------------------------------------------

  start(id: NodeId): void {
    const m = this.member(id);
    if (m.node !== undefined) throw new Error(`PaxosCluster.start: member ${id} is already up`);
    this.checker.onRestart(id, m.disk);
    m.life++;
    m.downUntil = 0;
    m.crashAt = undefined;
    const node = new PaxosNode({
      id,
      members: this.ids,
      mode: this.opts.mode,
      electionTicks: this.opts.electionTicks,
      heartbeatTicks: this.opts.heartbeatTicks,
      rng: m.rng.fork(),
      restored: m.disk.state(),
      maxPendingValues: MAX_PENDING_VALUES,
      mutations: this.opts.mutations,
    });
    if (this.soleProposer !== undefined && this.soleProposer !== id) node.setProposing(false);
    m.node = node;
    m.role = node.status().role;
    // The state machine is rebuilt from what the learner persisted.
    m.sm = new ListStateMachine();
    for (const e of m.disk.chosenPrefix()) m.sm.apply(e.slot, e.value ?? undefined);
    this.trace.add(this.time, `n${id} START life ${m.life} (disk: promised ${formatBallot(m.disk.promised)}, ${m.disk.accepted.size} accepted, ${m.disk.chosen.size} learned)`);
    this.drain(m);
  }

  crash(id: NodeId, downUntil: number): void {
    const m = this.member(id);
    if (m.node === undefined) return;
    this.stats.inc('crashes');
    this.trace.add(this.time, `n${id} CRASH (down until ${downUntil === Infinity ? 'end' : downUntil})`);
    this.dropLife(m, downUntil);
  }

  crashMidReady(id: NodeId, at: CrashPoint, downUntil: number): void {
    const m = this.member(id);
    const node = m.node;
    if (node === undefined) return;
    m.crashAt = at;
    node.tick();
    this.drain(m);
    if (m.node === node) {
      // No Ready happened: crash between Readys instead.
      m.crashAt = undefined;
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

  private dropLife(m: PaxosMember, downUntil: number): void {
    const node = m.node;
    if (node === undefined) return;
    const st = node.status();
    if (st.role === 'leader' || (st.mode === 'basic' && st.queued > 0)) this.leaderFailures.push(this.time);
    this.collectCounters(node);
    // Its pending writes stay unresolved: they may or may not be chosen.
    for (const [k, w] of [...this.pending]) {
      if (w.node === m.id && w.life === m.life) this.pending.delete(k);
    }
    const prefix = `${m.id}/${m.life}/`;
    for (const k of [...this.pendingBySlot.keys()]) if (k.startsWith(prefix)) this.pendingBySlot.delete(k);
    m.node = undefined;
    m.role = 'follower';
    m.downUntil = downUntil;
  }

  /** Add a life's proposer counters to the run's stats (at its end, or the run's). */
  collectCounters(node: PaxosNode): void {
    for (const [from, to] of COUNTERS) this.stats.inc(to, node.counters[from]);
  }

  // ---- the driver loop ----------------------------------------------------------------------

  /** Run the driver loop until the node has nothing more to say; a scheduled crash ends the life. */
  private drain(m: PaxosMember): void {
    const node = m.node;
    if (node === undefined) return;
    let rounds = 0;
    let leaderLearned = false;
    while (node.hasReady()) {
      if (++rounds > 10_000) throw new Error(`node ${m.id}: Ready loop did not settle after 10000 rounds`);
      const rd = node.ready();
      if (!this.handleReady(m, rd)) {
        this.dropLife(m, this.time + 1);
        return;
      }
      if (m.role === 'leader' && rd.chosen.length > 0) leaderLearned = true;
    }
    if (leaderLearned) this.onLeaderCommit?.(m.id);
  }

  private handleReady(m: PaxosMember, rd: PaxosReady): boolean {
    const now = this.time;
    // 1. Persist; the checker sees the acceptor's write and the learner's.
    this.checker.onPersist(m.id, m.disk.promised, rd.promised, rd.accepted);
    m.disk.persist(rd);
    for (const e of rd.chosen) this.checker.onLearn(m.id, e.slot, e.value);
    if (m.crashAt === 'after-persist') return this.die(m, 'after persisting a Ready');
    // 2. Send.
    for (const msg of rd.messages) {
      if (msg.from !== m.id || msg.to === m.id) throw new SimViolation('core-invariant', `node ${m.id} emitted ${msg.type} from ${msg.from} to ${msg.to}`);
      this.checker.onSend(m.id, msg);
      if (msg.type === 'heartbeat' || msg.type === 'heartbeat-resp' || msg.type === 'learn-req') this.stats.inc('msgsKeepAlive');
      this.network.send(msg, m.id, now);
    }
    if (m.crashAt === 'after-send') return this.die(m, 'after sending a Ready');
    // 3. Apply.
    if (rd.softState !== undefined) {
      const { role, leader, ballot } = rd.softState;
      if (role !== m.role) {
        this.trace.add(now, `n${m.id} role ${m.role}->${role} ballot ${formatBallot(ballot)} leader ${leader}`);
        if (role === 'leader') this.stats.inc('elections');
      }
      m.role = role;
    }
    for (const e of rd.committed) this.apply(m, e.slot, e.value);
    return true;
  }

  private die(m: PaxosMember, where: string): boolean {
    this.stats.inc('crashesMidReady');
    this.trace.add(this.time, `n${m.id} CRASH ${where}`);
    return false;
  }

  private apply(m: PaxosMember, slot: Slot, value: Value): void {
    m.sm.apply(slot, value ?? undefined);
    // Multi-Paxos: a write whose slot went to another value is lost.
    const slotKey = `${m.id}/${m.life}/${slot}`;
    const there = this.pendingBySlot.get(slotKey);
    if (there !== undefined) {
      this.pendingBySlot.delete(slotKey);
      if (there.key !== value && this.pending.get(there.key) === there) {
        this.pending.delete(there.key);
        there.status = 'lost';
        there.end = this.time;
        this.stats.inc('writesLost');
      }
    }
    if (value === null) return;
    const w = this.pending.get(value);
    if (w === undefined || w.node !== m.id || w.life !== m.life) return;
    this.pending.delete(value);
    w.end = this.time;
    w.status = 'acked';
    w.slot = slot;
    this.acked.push(w);
    this.stats.inc('writesAcked');
    this.trace.add(this.time, `n${m.id} acked ${value} at slot ${slot}`);
  }

  // ---- events -------------------------------------------------------------------------------

  deliver(): void {
    for (let round = 0; round < MAX_DELIVERY_ROUNDS; round++) {
      const due = this.network.takeDue(this.time);
      if (due.length === 0) break;
      for (const msg of due) {
        const m = this.members.get(msg.to);
        if (m?.node === undefined) {
          this.stats.inc('dropsToDownNode');
          continue;
        }
        this.stats.inc('msgsDelivered');
        m.node.step(msg);
        this.drain(m);
      }
    }
  }

  tickAll(stalled: ReadonlySet<NodeId>): void {
    for (const m of this.members.values()) {
      if (m.node === undefined || stalled.has(m.id)) continue;
      m.node.tick();
      this.drain(m);
    }
  }

  endStep(): void {}

  /** Propose a new client value at `at`; a follower in multi mode redirects once to its leader. */
  propose(at: NodeId): PaxosWrite | undefined {
    const key = `w${this.nextWrite++}`;
    let target = at;
    for (let hop = 0; hop < 2; hop++) {
      const m = this.member(target);
      const node = m.node;
      if (node === undefined) return undefined;
      this.stats.inc('proposals');
      const res = node.propose(key);
      if (res.ok) {
        // Bounded: the oldest unresolved write is forgotten (it stays 'pending': indeterminate).
        if (this.pending.size >= this.maxPendingWrites) this.pending.delete(this.pending.keys().next().value as string);
        if (this.pendingBySlot.size >= this.maxPendingWrites) this.pendingBySlot.delete(this.pendingBySlot.keys().next().value as string);
        const w: PaxosWrite = { key, node: target, life: m.life, slot: res.slot, start: this.time, end: -1, status: 'pending' };
        this.pending.set(key, w);
        if (res.slot !== undefined) this.pendingBySlot.set(`${target}/${m.life}/${res.slot}`, w);
        this.trace.add(this.time, `n${target} propose ${key}${res.slot === undefined ? '' : ` -> slot ${res.slot}`}`);
        this.drain(m);
        return w;
      }
      this.stats.inc('proposalsRefused');
      if (res.code !== 'NOT_LEADER' || res.leader === 0) return undefined;
      target = res.leader;
    }
    return undefined;
  }

  clientWrite(at: NodeId): void {
    this.propose(at);
  }

  /** Paxos runs carry no linearizable reads (the mixes it runs with draw none). */
  clientRead(): void {}

  /** No membership changes or compaction in the Paxos simulation. */
  randomConfChange(): void {}

  /** Paxos has no leadership transfer; the scheduler's transfer draw makes a random member a
   *  competing proposer instead: it starts phase 1 at once, even against a live leader. */
  randomTransfer(rng: SimRng): void {
    const up = this.upIds();
    if (up.length === 0) return;
    const id = rng.pick(up);
    const m = this.member(id);
    this.stats.inc('competingProposers');
    this.trace.add(this.time, `n${id} competes: phase 1 now`);
    m.node!.startPhase1();
    this.drain(m);
  }

  randomCompact(): void {}

  /** Leave one proposer: the others stop starting phase 1 (they still accept and learn). */
  leaveOneProposer(id: NodeId): void {
    this.soleProposer = id;
    for (const m of this.members.values()) if (m.node !== undefined && m.id !== id) m.node.setProposing(false);
    for (const m of this.members.values()) this.drain(m);
  }
}
