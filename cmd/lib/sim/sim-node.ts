// One life of a simulated member: a RawNode over a MemoryLog built from the member's Disk, a
// state machine rebuilt from the disk's snapshot (the core replays committed entries after it),
// and the driver loop that follows the Ready contract:
//   persist (hard state, snapshot, entries) -> send messages -> apply snapshot + committed
//   entries -> advance.
// Every step reports to the safety checker and the client history.

import { MemoryLog } from '../../../src/raft/log-storage.js';
import { RawNode } from '../../../src/raft/raw-node.js';
import {
  EntryType,
  MessageType,
  StateRole,
  type Entry,
  type LogIndex,
  type NodeId,
  type RaftMutations,
  type Ready,
  type Term,
} from '../../../src/raft/types.js';
import type { LogView, SafetyChecker } from './checkers.js';
import { fingerprint } from './checkers.js';
import type { Disk } from './disk.js';
import type { History, ReadOp } from './history.js';
import type { Network } from './network.js';
import type { SimRng } from './rng.js';
import { ListStateMachine } from './state-machine.js';
import type { Stats } from './stats.js';
import type { Trace } from './trace.js';
import { SimViolation } from './violation.js';

export interface RaftOptions {
  electionTicks: number;
  heartbeatTicks: number;
  preVote: boolean;
  checkQuorum: boolean;
  maxInflightMsgs: number;
  maxSizePerMsg: number;
  mutations: RaftMutations;
  /** Also check the two rules the safety properties rest on (commit-rule, ack-durability).
   *  Off only to show that the end-to-end properties catch a bug on their own. */
  directChecks: boolean;
}

/** What a member needs from the world around it. */
export interface SimEnv {
  now(): number;
  network: Network;
  checker: SafetyChecker;
  history: History;
  stats: Stats;
  trace: Trace;
}

/** Where a scheduled crash interrupts the driver loop. */
export type CrashPoint = 'after-persist' | 'after-send';

const MAX_WAITING_READS = 1024;
const dec = new TextDecoder();

export function writeKeyOf(e: Entry): string | undefined {
  if (e.type !== EntryType.Normal || e.data.byteLength === 0) return undefined;
  return dec.decode(e.data);
}

export class SimNode {
  readonly log: MemoryLog;
  readonly raw: RawNode;
  sm: ListStateMachine;
  role: StateRole = StateRole.Follower;
  lead: NodeId = 0;
  term: Term = 0;
  /** Reads whose ReadState arrived, waiting for applied >= readIndex. */
  private waitingReads: ReadOp[] = [];
  /** Set by the fault scheduler: the next Ready is cut short here, and the member dies. */
  crashAt: CrashPoint | undefined;
  crashed = false;
  /** Highest index this member acknowledged (successful AppResp) in term `ackTerm`. */
  private ackIndex: LogIndex = 0;
  private ackTerm: Term = 0;
  /** Commit index when last settled, and whether it advanced while this member led. */
  private lastCommit: LogIndex = 0;
  /** Term in which this member was leader when it last settled (0: it was not leader). */
  private ledInTerm: Term = 0;
  leaderCommitAdvanced = false;

  private readonly directChecks: boolean;

  constructor(
    readonly id: NodeId,
    readonly life: number,
    readonly disk: Disk,
    opts: RaftOptions,
    rng: SimRng,
    private readonly env: SimEnv,
  ) {
    this.log = new MemoryLog();
    if (disk.snapshot !== undefined) this.log.applySnapshot(disk.snapshot);
    this.log.append(disk.entries);
    this.log.setHardState(disk.hardState);
    this.sm =
      disk.snapshot !== undefined
        ? ListStateMachine.restore(disk.snapshot.data, disk.snapshot.metadata.index)
        : new ListStateMachine();
    this.term = disk.hardState.term;
    this.directChecks = opts.directChecks;
    this.raw = new RawNode({
      id,
      electionTicks: opts.electionTicks,
      heartbeatTicks: opts.heartbeatTicks,
      storage: this.log,
      rng,
      applied: this.sm.applied,
      preVote: opts.preVote,
      checkQuorum: opts.checkQuorum,
      maxInflightMsgs: opts.maxInflightMsgs,
      maxSizePerMsg: opts.maxSizePerMsg,
      mutations: opts.mutations,
    });
  }

  logView(): LogView {
    const log = this.log;
    return {
      snapshotIndex: () => log.snapshot().metadata.index,
      lastIndex: () => log.lastIndex(),
      term: (i) => log.term(i),
    };
  }

  /**
   * Run the driver loop until the core has nothing more to say. Returns false when a scheduled
   * crash cut it short (the caller then drops this life).
   */
  drain(): boolean {
    let rounds = 0;
    while (this.raw.hasReady()) {
      if (++rounds > 10_000) throw new Error(`node ${this.id}: Ready loop did not settle after 10000 rounds`);
      const rd = this.raw.ready();
      if (!this.handleReady(rd)) return false;
    }
    this.afterSettled();
    return true;
  }

  private handleReady(rd: Ready): boolean {
    const env = this.env;
    const now = env.now();
    // 1. Persist. The checker sees the entries as they land on disk.
    this.disk.persist(rd.hardState, rd.snapshot, rd.entries);
    if (rd.entries.length > 0) {
      const first = (rd.entries[0] as Entry).index;
      const prevTerm = this.prevTermOnDisk(first);
      env.checker.onPersist(this.id, rd.entries, prevTerm);
    }
    if (rd.hardState !== undefined) this.term = rd.hardState.term;
    if (this.crashAt === 'after-persist') return this.die('after persisting a Ready');

    // 2. Send.
    for (const m of rd.messages) {
      if (m.type === MessageType.Hup || m.type === MessageType.Beat || m.type === MessageType.SnapStatus || m.type === MessageType.Unreachable) {
        throw new SimViolation('core-invariant', `node ${this.id} emitted local-only message type ${MessageType[m.type]}`);
      }
      if (m.from !== this.id && m.type !== MessageType.TransferLeader) throw new SimViolation('core-invariant', `node ${this.id} emitted a message from ${m.from}`);
      if (m.to === this.id) throw new SimViolation('core-invariant', `node ${this.id} emitted a message to itself (${MessageType[m.type]})`);
      if (m.type === MessageType.Snap) env.stats.inc('snapshotsSent');
      if (m.type === MessageType.Heartbeat || m.type === MessageType.HeartbeatResp) env.stats.inc('msgsKeepAlive');
      if (m.type === MessageType.AppResp && !m.reject) {
        if (m.term > this.ackTerm) {
          this.ackTerm = m.term;
          this.ackIndex = 0;
        }
        if (m.term === this.ackTerm && m.index > this.ackIndex) this.ackIndex = m.index;
      }
      const sent = env.network.send(m, this.id, now);
      if (!sent && m.type === MessageType.Snap) env.network.reportSnapDrop(m);
    }
    if (this.crashAt === 'after-send') return this.die('after sending a Ready');

    // 3. Apply: soft state, snapshot, committed entries, read states.
    if (rd.softState !== undefined) {
      const { role, lead } = rd.softState;
      if (role !== this.role || lead !== this.lead) {
        env.trace.add(now, `n${this.id} role ${this.role}->${role} lead ${this.lead}->${lead} term ${this.raw.hardState().term}`);
        if (role === StateRole.Leader && this.role !== StateRole.Leader) env.stats.inc('elections');
        if (role === StateRole.Candidate && this.role !== StateRole.Candidate) env.stats.inc('campaigns');
      }
      this.role = role;
      this.lead = lead;
    }
    if (rd.snapshot !== undefined) this.applySnapshot(rd);
    const term = this.raw.hardState().term;
    for (const e of rd.committedEntries) this.applyEntry(e, term, now);
    for (const rs of rd.readStates) this.onReadState(rs.index, rs.requestCtx);
    this.serveReads(now);

    // 4. Advance.
    this.raw.advance(rd);
    return true;
  }

  private prevTermOnDisk(first: LogIndex): Term | undefined {
    const d = this.disk;
    const p = first - 1;
    if (p === 0) return 0;
    if (p === d.snapshotIndex) return d.snapshot?.metadata.term;
    if (p < d.snapshotIndex || p > d.lastIndex) return undefined;
    return d.entries[p - d.snapshotIndex - 1]?.term;
  }

  private die(where: string): boolean {
    this.crashed = true;
    this.env.stats.inc('crashesMidReady');
    this.env.trace.add(this.env.now(), `n${this.id} CRASH ${where}`);
    return false;
  }

  private applySnapshot(rd: Ready): void {
    const snap = rd.snapshot!;
    const idx = snap.metadata.index;
    if (idx < this.sm.applied) {
      throw new SimViolation('core-invariant', `node ${this.id} was handed snapshot ${idx} below its applied index ${this.sm.applied}`);
    }
    const sm = ListStateMachine.restore(snap.data, idx);
    // The snapshot must agree with every entry some member already applied at or below it.
    for (const [i, key] of sm.entries()) {
      const c = this.env.checker.committedAt(i);
      if (c !== undefined && c.fp !== `${EntryType.Normal}:${key}`) {
        throw new SimViolation(
          'state-machine-safety',
          `node ${this.id} installed snapshot ${idx} holding ${key} at ${i}, but another member applied different bytes there`,
        );
      }
    }
    // ... and hold every write some member applied at or below it.
    for (let i = 1; i <= idx; i++) {
      const c = this.env.checker.committedAt(i);
      if (c === undefined || !c.fp.startsWith(`${EntryType.Normal}:`) || c.fp.length === 2) continue;
      const key = c.fp.slice(2);
      if (sm.indexOf(key) !== i) {
        throw new SimViolation('state-machine-safety', `node ${this.id} installed snapshot ${idx} without ${key}, which another member applied at ${i}`);
      }
    }
    this.sm = sm;
    this.env.stats.inc('snapshotsApplied');
    this.env.trace.add(this.env.now(), `n${this.id} installed snapshot index ${idx} term ${snap.metadata.term}`);
  }

  private applyEntry(e: Entry, term: Term, now: number): void {
    const env = this.env;
    if (e.index <= this.sm.applied) {
      throw new SimViolation('core-invariant', `node ${this.id} handed committed entry ${e.index} again (applied ${this.sm.applied})`);
    }
    env.checker.onApply(this.id, e, term);
    const key = writeKeyOf(e);
    this.sm.apply(e.index, key);
    if (e.type === EntryType.ConfChange) env.stats.inc('confApplied');
    const w = env.history.onProposerApply(this.id, this.life, e.index, e.term, key, now);
    if (w !== undefined) {
      env.stats.inc(w.status === 'acked' ? 'writesAcked' : 'writesLost');
      env.trace.add(now, `n${this.id} ${w.status} ${w.key} at ${w.index}/${w.term}` + (w.status === 'lost' ? ` (slot holds ${fingerprint(e)} term ${e.term})` : ''));
    }
  }

  private onReadState(index: LogIndex, ctx: Uint8Array): void {
    const id = Number(dec.decode(ctx));
    const r = this.env.history.pendingRead(id);
    if (r === undefined || r.node !== this.id || r.life !== this.life || r.readIndex >= 0) return;
    if (this.waitingReads.length >= MAX_WAITING_READS) {
      throw new Error(`node ${this.id}: more than ${MAX_WAITING_READS} reads waiting for apply`);
    }
    r.readIndex = index;
    this.waitingReads.push(r);
  }

  private serveReads(now: number): void {
    if (this.waitingReads.length === 0) return;
    const still: ReadOp[] = [];
    for (const r of this.waitingReads) {
      if (this.sm.applied >= r.readIndex) {
        this.env.history.serveRead(r, this.sm, now);
        this.env.stats.inc('readsServed');
      } else {
        still.push(r);
      }
    }
    this.waitingReads = still;
  }

  /** Checks that need the member settled (no Ready pending): commit monotonicity, leadership. */
  private afterSettled(): void {
    const hs = this.raw.hardState();
    this.term = hs.term;
    this.env.checker.onCommit(this.id, this.life, hs.commit);
    if (this.role === StateRole.Leader) {
      this.env.checker.checkLeader(this.id, hs.term, this.logView());
      if (hs.commit > this.lastCommit && this.ledInTerm === hs.term) {
        this.leaderCommitAdvanced = true;
        // Figure 2 / §5.4.2: a leader advances its commit index only to an entry of its own
        // term (older entries are committed indirectly, with it). Counting replicas of an
        // older-term entry is the Figure 8 bug.
        const t = this.log.term(hs.commit);
        if (this.directChecks && t !== undefined && t !== hs.term) {
          throw new SimViolation(
            'commit-rule',
            `leader ${this.id} of term ${hs.term} advanced its commit index to ${hs.commit}, an entry of term ${t}`,
          );
        }
      }
    } else if (this.directChecks && this.ackTerm === hs.term && this.ackIndex > 0) {
      // Figure 2: a successful AppendEntries reply promises the leader of this term that the
      // log holds its entries up to that index; the leader's matchIndex (and so its commit
      // decisions) rests on it. Within the term, nothing may take them away.
      const last = this.raw.status().lastIndex;
      if (last < this.ackIndex) {
        throw new SimViolation(
          'ack-durability',
          `node ${this.id} acknowledged entries up to ${this.ackIndex} in term ${hs.term} but its log now ends at ${last}`,
        );
      }
    }
    this.lastCommit = hs.commit;
    this.ledInTerm = this.role === StateRole.Leader ? hs.term : 0;
  }

  /** Leadership check for the end-of-step sweep. */
  checkLeadership(): void {
    if (this.role === StateRole.Leader) this.env.checker.checkLeader(this.id, this.raw.hardState().term, this.logView());
  }
}
