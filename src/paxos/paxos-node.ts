// One Paxos member: proposer, acceptor and learner in one, driven like the Raft core: tick(),
// step(msg), propose(value); the driver takes a Ready (persist -> send -> apply). No I/O, no
// clock, no randomness but the injected Rng.
//
// Two modes (see PaxosMode):
//  - 'multi': a follower whose leader falls silent runs phase 1 once, with a fresh ballot, for
//    every slot from its first unchosen one. With a majority of promises it becomes the stable
//    leader: it re-proposes, in each slot the promises mention, the value of the highest-numbered
//    proposal reported (a no-op where none was), then proposes client values with phase 2 only.
//  - 'basic': single-decree Paxos per slot, no leader. A member with client values runs both
//    phases for its first unchosen slot; a proposer refused by a higher ballot backs off for a
//    random time (the classic cure for duelling proposers) and tries again.

import { Acceptor } from './acceptor.js';
import { invariant } from '../invariant/index.js';
import { ballotEquals, compareBallots, formatBallot, maxBallot, nextBallot, ZERO_BALLOT } from './ballot.js';
import { Learner } from './learner.js';
import { Quorum, valueFromPromises } from './proposer.js';
import type {
  AcceptedEntry,
  AcceptedMsg,
  AcceptMsg,
  Ballot,
  ChosenEntry,
  DecideMsg,
  HeartbeatMsg,
  HeartbeatRespMsg,
  LearnReqMsg,
  NodeId,
  PaxosConfig,
  PaxosMessage,
  PaxosMode,
  PaxosMutations,
  PaxosReady,
  PaxosRole,
  PrepareMsg,
  PromiseMsg,
  ProposeResult,
  Slot,
  Value,
} from './types.js';
import { NOOP } from './types.js';

export const DEFAULT_MAX_PENDING_VALUES = 256;
export const DEFAULT_MAX_ENTRIES_PER_MSG = 64;
/** Messages buffered between two Readies; more are dropped (as the network may drop them). */
const MAX_MSGS_PER_READY = 65_536;

/** What each proposer attempt came to, for the simulator's comparison with Raft. */
export interface ProposerCounters {
  /** Phase-1 rounds started (multi: campaigns; basic: attempts at a slot). */
  phase1Started: number;
  /** Phase-1 rounds that gathered a majority of promises. */
  phase1Won: number;
  /** Rounds refused because another proposer holds a higher ballot (duelling proposers). */
  preempted: number;
  /** Rounds abandoned because no majority answered in time. */
  timedOut: number;
}

interface Promises {
  fromSlot: Slot;
  reports: Map<NodeId, AcceptedEntry[]>;
  quorum: Quorum;
}

interface PendingSlot {
  value: Value;
  quorum: Quorum;
  /** Tick of the last phase-2 request for it (repeated when no majority answered for a while). */
  sentAt: number;
}

/** Basic mode: the single-decree instance this proposer is running. */
interface Attempt {
  slot: Slot;
  ballot: Ballot;
  phase: 1 | 2;
  promises: Promises;
  value: Value;
  accepts: Quorum;
  elapsed: number;
}

export class PaxosNode {
  readonly id: NodeId;
  readonly mode: PaxosMode;
  readonly counters: ProposerCounters = { phase1Started: 0, phase1Won: 0, preempted: 0, timedOut: 0 };
  private readonly members: readonly NodeId[];
  private readonly peers: NodeId[];
  private readonly electionTicks: number;
  private readonly heartbeatTicks: number;
  private readonly rng: PaxosConfig['rng'];
  private readonly maxPending: number;
  private readonly maxEntries: number;
  private readonly mutations: PaxosMutations;
  private readonly acceptor: Acceptor;
  private readonly learner: Learner;

  private role: PaxosRole;
  private leader: NodeId = 0;
  /** This member's ballot as a candidate or leader (ZERO_BALLOT when it never proposed). */
  private ballot: Ballot = ZERO_BALLOT;
  /** The highest ballot seen anywhere: the next one this member picks is above it. */
  private maxSeen: Ballot;
  private electionElapsed = 0;
  private randomizedTimeout = 0;
  private heartbeatElapsed = 0;
  /** Ticks since this life began. */
  private now = 0;
  /** False: this member never starts phase 1 (the simulator leaves one proposer for liveness). */
  private proposing = true;
  private msgs: PaxosMessage[] = [];
  private lastSoft = '';

  // Multi-Paxos: candidate and leader state.
  private promises: Promises | undefined;
  private readonly pending = new Map<Slot, PendingSlot>();
  private nextSlot: Slot = 1;
  private acceptBatch: ChosenEntry[] = [];
  private decideBatch: ChosenEntry[] = [];

  // Basic mode: client values waiting, the instance under way, and the back-off after a refusal.
  private queue: string[] = [];
  /** Whether queue[0] went out in a phase-2 request (it may be chosen through another proposer). */
  private headSent = false;
  private attempt: Attempt | undefined;
  private backoff = 0;
  private learnElapsed = 0;
  private learnPeer = 0;
  /** Basic mode: the highest slot seen in a prepare, accept or decision (evidence that the
   *  slots below it are chosen, so a learner below it has missed decisions). */
  private highestSlotSeen: Slot = 0;

  constructor(cfg: PaxosConfig) {
    invariant(Number.isSafeInteger(cfg.id) && cfg.id > 0, 'id must be a positive integer');
    invariant(cfg.members.includes(cfg.id), () => `member ${cfg.id} is not in members [${cfg.members.join(',')}]`);
    invariant(new Set(cfg.members).size === cfg.members.length, 'members must be distinct');
    invariant(cfg.heartbeatTicks >= 1 && cfg.heartbeatTicks < cfg.electionTicks, 'need 1 <= heartbeatTicks < electionTicks');
    this.id = cfg.id;
    this.mode = cfg.mode;
    this.members = [...cfg.members];
    this.peers = this.members.filter((m) => m !== cfg.id);
    this.electionTicks = cfg.electionTicks;
    this.heartbeatTicks = cfg.heartbeatTicks;
    this.rng = cfg.rng;
    this.maxPending = cfg.maxPendingValues ?? DEFAULT_MAX_PENDING_VALUES;
    this.maxEntries = cfg.maxEntriesPerMsg ?? DEFAULT_MAX_ENTRIES_PER_MSG;
    this.mutations = cfg.mutations ?? {};
    this.acceptor = new Acceptor(cfg.restored, this.mutations.acceptBelowPromise === true);
    this.learner = new Learner(cfg.restored?.chosen);
    this.maxSeen = this.acceptor.promised;
    for (const e of cfg.restored?.accepted ?? []) this.maxSeen = maxBallot(this.maxSeen, e.ballot);
    this.role = cfg.mode === 'multi' ? 'follower' : 'proposer';
    this.nextSlot = this.learner.highestChosen + 1;
    this.resetTimer();
    this.lastSoft = this.softKey();
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** One unit of logical time. */
  tick(): void {
    this.now++;
    if (this.mode === 'basic') {
      this.tickBasic();
      return;
    }
    if (this.role === 'leader') {
      if (++this.heartbeatElapsed >= this.heartbeatTicks) {
        this.heartbeatElapsed = 0;
        this.heartbeat();
      }
      return;
    }
    if (++this.electionElapsed >= this.randomizedTimeout) {
      if (this.role === 'candidate') this.counters.timedOut++;
      if (this.proposing) this.campaign();
      else this.becomeFollower(0);
    }
  }

  /** A message from a peer. */
  step(m: PaxosMessage): void {
    invariant(m.to === this.id, () => `message for ${m.to} stepped on ${this.id}`);
    invariant(m.from !== this.id && this.members.includes(m.from), () => `message from unknown member ${m.from}`);
    switch (m.type) {
      case 'prepare':
        return this.onPrepare(m);
      case 'promise':
        return this.onPromise(m);
      case 'accept':
        return this.onAccept(m);
      case 'accepted':
        return this.onAccepted(m);
      case 'decide':
        return this.learnAll(m.entries);
      case 'heartbeat':
        return this.onHeartbeat(m);
      case 'heartbeat-resp':
        return this.onHeartbeatResp(m);
      case 'learn-req':
        return this.onLearnReq(m);
    }
  }

  /**
   * Offer a client value. Multi: only the leader takes it, in the next slot (phase 2 only).
   * Basic: any member queues it and runs single-decree Paxos for it slot by slot.
   */
  propose(value: string): ProposeResult {
    if (this.mode === 'basic') {
      if (!this.proposing) return { ok: false, code: 'NOT_PROPOSER' };
      if (this.queue.length >= this.maxPending) return { ok: false, code: 'BUSY' };
      this.queue.push(value);
      if (this.attempt === undefined && this.backoff === 0) this.startAttempt();
      return { ok: true, slot: undefined };
    }
    if (this.role !== 'leader') return { ok: false, code: 'NOT_LEADER', leader: this.leader };
    if (this.pending.size >= this.maxPending) return { ok: false, code: 'BUSY' };
    const slot = this.nextSlot++;
    this.startSlot(slot, value);
    return { ok: true, slot };
  }

  /**
   * Start phase 1 now, whatever the timers say: a competing proposer (the simulator injects
   * them). Multi: campaign with a fresh ballot even against a live leader. Basic: start the next
   * attempt at once if values wait, skipping any back-off.
   */
  startPhase1(): void {
    if (!this.proposing) return;
    if (this.mode === 'multi') {
      this.campaign();
      return;
    }
    if (this.attempt === undefined && this.queue.length > 0) {
      this.backoff = 0;
      this.startAttempt();
    }
  }

  /** Whether this member may start phase 1. A member that may not still accepts and learns. */
  setProposing(on: boolean): void {
    this.proposing = on;
    if (on) return;
    if (this.mode === 'basic') {
      this.attempt = undefined;
      this.queue = [];
      this.headSent = false;
    } else if (this.role !== 'follower') {
      this.becomeFollower(0);
    }
  }

  // ---- output -------------------------------------------------------------------------------

  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.acceptBatch.length > 0 ||
      this.acceptor.hasChanges() ||
      this.learner.hasWork() ||
      this.softKey() !== this.lastSoft ||
      (this.decideBatch.length > 0 && this.role !== 'leader')
    );
  }

  /** Everything to persist, send and apply since the last Ready (see PaxosReady). */
  ready(): PaxosReady {
    this.flushAccepts();
    if (this.role !== 'leader' && this.decideBatch.length > 0) {
      // A deposed leader still tells the others what it saw chosen.
      const entries = this.decideBatch;
      this.decideBatch = [];
      this.broadcastDecide(entries);
    }
    const changes = this.acceptor.takeChanges();
    const rd: PaxosReady = {
      accepted: changes.accepted,
      chosen: this.learner.takeLearned(),
      messages: this.msgs,
      committed: this.learner.takeCommitted(),
    };
    if (changes.promised !== undefined) rd.promised = changes.promised;
    const soft = this.softKey();
    if (soft !== this.lastSoft) {
      this.lastSoft = soft;
      rd.softState = { role: this.role, leader: this.leader, ballot: this.ballot };
    }
    this.msgs = [];
    return rd;
  }

  status(): {
    id: NodeId;
    mode: PaxosMode;
    role: PaxosRole;
    leader: NodeId;
    ballot: Ballot;
    promised: Ballot;
    firstUnchosen: Slot;
    pending: number;
    queued: number;
  } {
    return {
      id: this.id,
      mode: this.mode,
      role: this.role,
      leader: this.leader,
      ballot: this.ballot,
      promised: this.acceptor.promised,
      firstUnchosen: this.learner.firstUnchosen,
      pending: this.pending.size,
      queued: this.queue.length,
    };
  }

  // ---- acceptor side ------------------------------------------------------------------------

  private onPrepare(m: PrepareMsg): void {
    this.observe(m.ballot);
    this.seeSlot(m.fromSlot);
    const ok = this.acceptor.prepare(m.ballot);
    if (ok) {
      if (this.mode === 'multi') {
        if (this.role !== 'follower' && compareBallots(m.ballot, this.ballot) > 0) this.stepDown(true);
        // Give the would-be leader its chance before campaigning against it.
        this.electionElapsed = 0;
      }
    }
    const promise: PromiseMsg = {
      type: 'promise',
      from: this.id,
      to: m.from,
      ballot: m.ballot,
      ok,
      promised: this.acceptor.promised,
      accepted: ok ? this.acceptor.acceptedFrom(m.fromSlot, m.single) : [],
      chosen: ok ? (m.single ? this.chosenAt(m.fromSlot) : this.learner.chosenFrom(m.fromSlot, this.maxPending)) : [],
    };
    this.send(promise);
  }

  private onAccept(m: AcceptMsg): void {
    this.observe(m.ballot);
    for (const e of m.entries) this.seeSlot(e.slot);
    this.learnAll(m.decided);
    const aboveOrAtPromise = compareBallots(m.ballot, this.acceptor.promised) >= 0;
    if (this.mode === 'multi' && aboveOrAtPromise) this.follow(m.from, m.ballot);
    const slots: Slot[] = [];
    let ok = true;
    for (const e of m.entries) {
      if (this.acceptor.accept(m.ballot, e.slot, e.value)) slots.push(e.slot);
      else ok = false;
    }
    const reply: AcceptedMsg = { type: 'accepted', from: this.id, to: m.from, ballot: m.ballot, ok, promised: this.acceptor.promised, slots };
    this.send(reply);
  }

  private onHeartbeat(m: HeartbeatMsg): void {
    this.observe(m.ballot);
    this.learnAll(m.decided);
    const ok = compareBallots(m.ballot, this.acceptor.promised) >= 0;
    if (ok) this.follow(m.from, m.ballot);
    const reply: HeartbeatRespMsg = {
      type: 'heartbeat-resp',
      from: this.id,
      to: m.from,
      ballot: m.ballot,
      ok,
      promised: this.acceptor.promised,
      firstUnchosen: this.learner.firstUnchosen,
      leaderFirstUnchosen: m.firstUnchosen,
    };
    this.send(reply);
  }

  private onLearnReq(m: LearnReqMsg): void {
    const entries = this.learner.chosenFrom(m.firstUnchosen, this.maxEntries);
    if (entries.length > 0) this.send({ type: 'decide', from: this.id, to: m.from, entries } satisfies DecideMsg);
  }

  // ---- proposer side: Multi-Paxos ---------------------------------------------------------

  private campaign(): void {
    this.stepDown(false);
    this.role = 'candidate';
    this.leader = 0;
    this.ballot = nextBallot(this.maxSeen, this.id);
    this.maxSeen = this.ballot;
    this.counters.phase1Started++;
    this.resetTimer();
    const fromSlot = this.learner.firstUnchosen;
    this.promises = this.preparePromises(this.ballot, fromSlot, false);
    for (const to of this.peers) this.send({ type: 'prepare', from: this.id, to, ballot: this.ballot, fromSlot, single: false } satisfies PrepareMsg);
    this.maybeLead();
  }

  /** Phase 1 with this member's own acceptor counted first. */
  private preparePromises(ballot: Ballot, fromSlot: Slot, single: boolean): Promises {
    const promised = this.acceptor.prepare(ballot);
    invariant(promised, () => `own acceptor refused ballot ${formatBallot(ballot)} (promised ${formatBallot(this.acceptor.promised)})`);
    const p: Promises = { fromSlot, reports: new Map(), quorum: new Quorum(this.members.length) };
    p.reports.set(this.id, this.acceptor.acceptedFrom(fromSlot, single));
    p.quorum.add(this.id);
    return p;
  }

  private onPromise(m: PromiseMsg): void {
    this.observe(m.promised);
    this.learnAll(m.chosen);
    if (this.mode === 'basic') {
      this.onPromiseBasic(m);
      return;
    }
    if (this.role !== 'candidate' || !ballotEquals(m.ballot, this.ballot) || this.promises === undefined) return;
    if (!m.ok) {
      if (compareBallots(m.promised, this.ballot) > 0) {
        this.counters.preempted++;
        this.stepDown(true);
      }
      return;
    }
    this.promises.reports.set(m.from, m.accepted);
    this.promises.quorum.add(m.from);
    this.maybeLead();
  }

  private maybeLead(): void {
    const p = this.promises;
    if (this.role !== 'candidate' || p === undefined || !p.quorum.reached) return;
    this.counters.phase1Won++;
    this.role = 'leader';
    this.leader = this.id;
    this.promises = undefined;
    this.pending.clear();
    this.heartbeatElapsed = 0;
    // Every slot a promise mentions gets a proposal; gaps below the highest get no-ops.
    let top = Math.max(p.fromSlot - 1, this.learner.highestChosen);
    for (const accepted of p.reports.values()) for (const e of accepted) if (e.slot > top) top = e.slot;
    for (let s = p.fromSlot; s <= top; s++) {
      if (this.learner.chosen(s) !== undefined) continue;
      const forced = this.mutations.ignorePromisedValue === true ? undefined : valueFromPromises(p.reports.values(), s);
      this.startSlot(s, forced === undefined ? NOOP : forced.value);
    }
    this.nextSlot = top + 1;
    this.heartbeat();
  }

  /** Phase 2 for `slot` under the leader's ballot, this member's own acceptor first. */
  private startSlot(slot: Slot, value: Value): void {
    const ok = this.acceptor.accept(this.ballot, slot, value);
    invariant(ok, () => `leader ${this.id}: own acceptor refused ballot ${formatBallot(this.ballot)} in slot ${slot}`);
    const quorum = new Quorum(this.members.length);
    quorum.add(this.id);
    this.pending.set(slot, { value, quorum, sentAt: this.now });
    this.acceptBatch.push({ slot, value });
    this.maybeChosen(slot);
  }

  private onAccepted(m: AcceptedMsg): void {
    this.observe(m.promised);
    if (this.mode === 'basic') {
      this.onAcceptedBasic(m);
      return;
    }
    if (this.role !== 'leader' || !ballotEquals(m.ballot, this.ballot)) return;
    for (const s of m.slots) {
      const p = this.pending.get(s);
      if (p === undefined) continue;
      p.quorum.add(m.from);
      this.maybeChosen(s);
    }
    if (!m.ok && compareBallots(m.promised, this.ballot) > 0) {
      this.counters.preempted++;
      this.stepDown(true);
    }
  }

  private maybeChosen(slot: Slot): void {
    const p = this.pending.get(slot);
    if (p === undefined || !p.quorum.reached) return;
    this.pending.delete(slot);
    this.learner.learn(slot, p.value);
    this.decideBatch.push({ slot, value: p.value });
  }

  private heartbeat(): void {
    this.flushAccepts();
    const decided = this.takeDecided();
    for (const to of this.peers) {
      this.send({ type: 'heartbeat', from: this.id, to, ballot: this.ballot, firstUnchosen: this.learner.firstUnchosen, decided } satisfies HeartbeatMsg);
    }
    // Phase 2 requests may have been lost: repeat, to each peer that has not answered, the ones
    // that have waited half an election timeout.
    const stale: Array<[Slot, PendingSlot]> = [];
    for (const [slot, p] of this.pending) {
      if (stale.length >= this.maxEntries) break;
      if (this.now - p.sentAt >= this.electionTicks / 2) stale.push([slot, p]);
    }
    if (stale.length === 0) return;
    for (const to of this.peers) {
      const entries = stale.filter(([, p]) => !p.quorum.has(to)).map(([slot, p]) => ({ slot, value: p.value }));
      if (entries.length > 0) this.send({ type: 'accept', from: this.id, to, ballot: this.ballot, entries, decided: [] } satisfies AcceptMsg);
    }
    for (const [, p] of stale) p.sentAt = this.now;
  }

  private onHeartbeatResp(m: HeartbeatRespMsg): void {
    this.observe(m.promised);
    if (this.role !== 'leader' || !ballotEquals(m.ballot, this.ballot)) return;
    if (!m.ok) {
      if (compareBallots(m.promised, this.ballot) > 0) {
        this.counters.preempted++;
        this.stepDown(true);
      }
      return;
    }
    // A learner that missed decisions catches up from its first unchosen slot. (One that is
    // behind only by decisions still riding on messages in flight is left alone.)
    if (m.firstUnchosen < m.leaderFirstUnchosen) {
      const entries = this.learner.chosenRun(m.firstUnchosen, this.maxEntries);
      if (entries.length > 0) this.send({ type: 'decide', from: this.id, to: m.from, entries } satisfies DecideMsg);
    }
  }

  /** New phase-2 requests go out in one accept per peer, carrying the decisions since the last. */
  private flushAccepts(): void {
    if (this.acceptBatch.length === 0) return;
    if (this.role !== 'leader') {
      this.acceptBatch = [];
      return;
    }
    const batch = this.acceptBatch;
    this.acceptBatch = [];
    for (let i = 0; i < batch.length; i += this.maxEntries) {
      const entries = batch.slice(i, i + this.maxEntries);
      const decided = this.takeDecided();
      for (const to of this.peers) this.send({ type: 'accept', from: this.id, to, ballot: this.ballot, entries, decided } satisfies AcceptMsg);
    }
  }

  private takeDecided(): ChosenEntry[] {
    return this.decideBatch.splice(0, Math.min(this.decideBatch.length, this.maxEntries));
  }

  private follow(leader: NodeId, ballot: Ballot): void {
    if (this.role !== 'follower' && compareBallots(ballot, this.ballot) > 0) this.stepDown(false);
    if (this.role === 'follower') {
      this.leader = leader;
      this.electionElapsed = 0;
    }
  }

  /** Back to follower. `refused`: a higher ballot exists; the leader, if any, is not known yet. */
  private stepDown(refused: boolean): void {
    if (this.role === 'follower') return;
    this.becomeFollower(0);
    if (refused) this.resetTimer();
  }

  private becomeFollower(leader: NodeId): void {
    this.role = 'follower';
    this.leader = leader;
    this.promises = undefined;
    this.pending.clear();
    this.acceptBatch = [];
    this.resetTimer();
  }

  // ---- proposer side: single-decree per slot (basic mode) --------------------------------

  private tickBasic(): void {
    if (this.peers.length > 0 && ++this.learnElapsed >= this.heartbeatTicks && this.highestSlotSeen > this.learner.firstUnchosen) {
      // Later slots are in use, so decisions were lost: ask one peer (in turn) for what it knows.
      this.learnElapsed = 0;
      const to = this.peers[this.learnPeer++ % this.peers.length] as NodeId;
      this.send({ type: 'learn-req', from: this.id, to, firstUnchosen: this.learner.firstUnchosen } satisfies LearnReqMsg);
    }
    const a = this.attempt;
    if (a !== undefined) {
      if (++a.elapsed >= this.randomizedTimeout) {
        this.counters.timedOut++;
        this.abandon();
      }
      return;
    }
    if (this.backoff > 0) this.backoff--;
    if (this.backoff === 0 && this.queue.length > 0 && this.proposing) this.startAttempt();
  }

  private startAttempt(): void {
    const slot = this.learner.firstUnchosen;
    const ballot = nextBallot(this.maxSeen, this.id);
    this.maxSeen = ballot;
    this.ballot = ballot;
    this.counters.phase1Started++;
    this.resetTimer();
    this.attempt = { slot, ballot, phase: 1, promises: this.preparePromises(ballot, slot, true), value: NOOP, accepts: new Quorum(this.members.length), elapsed: 0 };
    for (const to of this.peers) this.send({ type: 'prepare', from: this.id, to, ballot, fromSlot: slot, single: true } satisfies PrepareMsg);
    this.maybeAcceptPhase();
  }

  private onPromiseBasic(m: PromiseMsg): void {
    const a = this.attempt;
    if (a === undefined || a.phase !== 1 || !ballotEquals(m.ballot, a.ballot)) return;
    if (!m.ok) {
      this.preempted();
      return;
    }
    a.promises.reports.set(m.from, m.accepted);
    a.promises.quorum.add(m.from);
    this.maybeAcceptPhase();
  }

  private maybeAcceptPhase(): void {
    const a = this.attempt;
    if (a === undefined || a.phase !== 1 || !a.promises.quorum.reached) return;
    this.counters.phase1Won++;
    const forced = this.mutations.ignorePromisedValue === true ? undefined : valueFromPromises(a.promises.reports.values(), a.slot);
    const head = this.queue[0];
    invariant(head !== undefined, 'basic proposer runs an attempt with nothing queued');
    a.phase = 2;
    a.value = forced === undefined ? head : forced.value;
    // This member's own acceptor may since have promised a rival's higher ballot.
    if (!this.acceptor.accept(a.ballot, a.slot, a.value)) {
      this.preempted();
      return;
    }
    if (forced === undefined) this.headSent = true;
    a.accepts.add(this.id);
    const entries = [{ slot: a.slot, value: a.value }];
    for (const to of this.peers) this.send({ type: 'accept', from: this.id, to, ballot: a.ballot, entries, decided: [] } satisfies AcceptMsg);
    this.maybeChosenBasic();
  }

  private onAcceptedBasic(m: AcceptedMsg): void {
    const a = this.attempt;
    if (a === undefined || a.phase !== 2 || !ballotEquals(m.ballot, a.ballot)) return;
    if (!m.ok) {
      this.preempted();
      return;
    }
    if (m.slots.includes(a.slot)) a.accepts.add(m.from);
    this.maybeChosenBasic();
  }

  private maybeChosenBasic(): void {
    const a = this.attempt;
    if (a === undefined || a.phase !== 2 || !a.accepts.reached) return;
    this.learnAll([{ slot: a.slot, value: a.value }]);
    this.broadcastDecide([{ slot: a.slot, value: a.value }]);
  }

  /** A higher ballot refused this attempt: a duel lost. */
  private preempted(): void {
    this.counters.preempted++;
    this.abandon();
  }

  /** A refused or timed-out attempt: wait a random time before the next, so duels end. */
  private abandon(): void {
    this.attempt = undefined;
    this.backoff = 1 + this.rng.intn(this.electionTicks);
  }

  private chosenAt(slot: Slot): ChosenEntry[] {
    const c = this.learner.chosen(slot);
    return c === undefined ? [] : [{ slot, value: c.value }];
  }

  // ---- shared -------------------------------------------------------------------------------

  private learnAll(entries: readonly ChosenEntry[]): void {
    for (const e of entries) {
      this.seeSlot(e.slot);
      this.learner.learn(e.slot, e.value);
      if (this.mode === 'multi') {
        // A leader's phase 1 covered every slot another proposer could still get chosen, so a
        // decision it hears of is one of its own pending slots (or an older one).
        if (this.role === 'leader') this.pending.delete(e.slot);
        continue;
      }
      // Basic: our value chosen (through us or through a proposer that found it in a promise).
      if (this.headSent && e.value === this.queue[0]) {
        this.queue.shift();
        this.headSent = false;
      }
      const a = this.attempt;
      if (a !== undefined && a.slot === e.slot) {
        // This instance is decided: move on to the next slot at once.
        this.attempt = undefined;
        if (this.queue.length > 0 && this.proposing) this.startAttempt();
      }
    }
  }

  private broadcastDecide(entries: ChosenEntry[]): void {
    for (let i = 0; i < entries.length; i += this.maxEntries) {
      const chunk = entries.slice(i, i + this.maxEntries);
      for (const to of this.peers) this.send({ type: 'decide', from: this.id, to, entries: chunk } satisfies DecideMsg);
    }
  }

  private seeSlot(slot: Slot): void {
    if (slot > this.highestSlotSeen) this.highestSlotSeen = slot;
  }

  private observe(b: Ballot): void {
    this.maxSeen = maxBallot(this.maxSeen, b);
  }

  private resetTimer(): void {
    this.electionElapsed = 0;
    this.randomizedTimeout = this.electionTicks + this.rng.intn(this.electionTicks);
  }

  private send(m: PaxosMessage): void {
    if (this.msgs.length >= MAX_MSGS_PER_READY) return;
    this.msgs.push(m);
  }

  private softKey(): string {
    return `${this.role}/${this.leader}/${formatBallot(this.ballot)}`;
  }
}
