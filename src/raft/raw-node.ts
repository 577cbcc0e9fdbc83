// The Raft consensus core: one member's state machine, driven by tick(), step(), propose() and
// friends, answering with Ready batches. Pure: no I/O, no clock, no ambient randomness.
//
// Shape (after etcd-io/raft raft.go): a role is a pair of functions swapped on every role change
// (`stepFn` = stepLeader / stepCandidate / stepFollower and `tickFn` = tickHeartbeat /
// tickElection); term handling common to all roles lives in `step()`.
//
// ---- What the driver must do ------------------------------------------------------------
//
//  * Boot: fill a MemoryLog from disk (applySnapshot, append, setHardState) or from
//    MemoryLog.bootstrap(voters) for a founding member, or leave it empty for a joining one;
//    pass `applied` = the index the state machine was restored to (default: snapshot index).
//    Committed entries after `applied` (the bootstrap conf changes included) come back in the
//    first Ready(s); membership changes take effect as they are applied, and a member does not
//    campaign while a committed conf change is unapplied.
//  * Loop: ready() -> persist -> send -> apply -> advance(rd) (see Ready in types.ts). The core
//    moves the Ready's entries, snapshot and hard state into the MemoryLog in advance().
//  * After sending a Snap message, call reportSnapshot(to, ok) when the send finishes or fails:
//    the leader sends nothing else to that follower until it hears the follower's answer or the
//    report (as in etcd), so a lost answer with no report would stall that follower.
//  * compact(index, data) with index <= applied, after the snapshot data is durable.
//
// ---- Membership changes: why one server at a time, applied at apply time, is safe ----------
//
// Any two majorities of configurations that differ by a single server overlap, so at no moment
// can the old and the new configuration elect two leaders in the same term or commit
// conflicting entries, no matter which members have switched already. That argument breaks if
// two single-server changes can be "in flight" at once (the result may differ from the first
// configuration by two servers), so:
//
//  1. A leader refuses a new change while its previous change is not yet applied
//     (`pendingConfIndex > applied`). A new leader sets pendingConfIndex to its last index at
//     election, so a change left uncommitted by an earlier leader also blocks new ones until it
//     is committed and applied (or overwritten).
//  2. A leader refuses any change until it has committed an entry of its own term. Without this,
//     the bug Diego Ongaro described (raft-dev, 2015) is possible: leader L1 of term 1 appends
//     change C1 on a minority and crashes; L2 of term 2 (elected without C1's members) appends
//     and commits change C2; L3 of term 3 — which still has C1 and can be elected under C1's
//     configuration — then overwrites C2, even though C2 was committed. Committing an entry in
//     the current term first proves the leader's log holds every committed entry, including
//     any earlier change, so no earlier, different configuration can win an election any more.
//  3. A configuration takes effect when its entry is applied (in advance()), as in etcd. A
//     member that has not applied a committed change will not campaign (`hup` checks), so it
//     never counts votes under a configuration that has already been replaced.
//
// A leader removed (or demoted to learner) by an applied change steps down; before it does, it
// asks an up-to-date voter to campaign at once so the cluster does not wait a full election
// timeout.

import { invariant } from '../invariant/index.js';
import type { PeerProgress, ProposeErrorCode, ProposeResult, RaftNodeApi, Status } from './api.js';
import { applyConfChangeToState, decodeConfChange, encodeConfChange, validateConfChange } from './conf-change.js';
import { Progress, ProgressTracker } from './progress.js';
import { RaftLog } from './raft-log.js';
import { ReadOnlyQueue, type ReadIndexRequest } from './read-only.js';
import {
  EntryType,
  MessageType,
  NONE,
  StateRole,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type LogIndex,
  type Message,
  type NodeId,
  type RaftConfig,
  type RaftMutations,
  type ReadState,
  type Ready,
  type Rng,
  type Snapshot,
  type SoftState,
  type Term,
} from './types.js';

export const DEFAULT_MAX_INFLIGHT_MSGS = 256;
export const DEFAULT_MAX_SIZE_PER_MSG = 1024 * 1024;
export const DEFAULT_MAX_COMMITTED_SIZE_PER_READY = 4 * 1024 * 1024;
export const DEFAULT_MAX_UNCOMMITTED_ENTRIES_SIZE = 64 * 1024 * 1024;
export const DEFAULT_MAX_PENDING_READ_INDEX = 4096;
export const DEFAULT_MAX_MSGS_PER_READY = 65536;

/** Context of a Vote sent because of a leadership transfer: voters skip the leader-lease check. */
const TRANSFER_CTX = new Uint8Array([0x74, 0x72, 0x61, 0x6e, 0x73, 0x66, 0x65, 0x72]); // "transfer"

function isTransferCtx(ctx: Uint8Array | undefined): boolean {
  if (!ctx || ctx.length !== TRANSFER_CTX.length) return false;
  for (let i = 0; i < ctx.length; i++) if (ctx[i] !== TRANSFER_CTX[i]) return false;
  return true;
}

const EMPTY = new Uint8Array(0);

type CampaignKind = 'pre-election' | 'election' | 'transfer';

/** Fields of a message to send; the rest default (from = self, term = current term). */
type Outgoing = Partial<Message> & { type: MessageType; to: NodeId };

function voteRespType(t: MessageType): MessageType {
  return t === MessageType.PreVote ? MessageType.PreVoteResp : MessageType.VoteResp;
}

export class RawNode implements RaftNodeApi {
  readonly id: NodeId;

  // ---- persistent state (Figure 2); written to storage through Ready.hardState -----------
  /** Latest term seen. Never decreases. */
  private term: Term = 0;
  /** Candidate voted for in `term`, or NONE. At most one per term. */
  private vote: NodeId = NONE;
  /** Entries, commit and apply indexes. applied <= committed <= lastIndex (see raft-log.ts). */
  private readonly log: RaftLog;

  // ---- volatile state -------------------------------------------------------------------
  private role: StateRole = StateRole.Follower;
  /** The leader of `term` as far as we know, or NONE. */
  private lead: NodeId = NONE;
  /** Membership and, on the leader, each member's replication progress. */
  private readonly prs: ProgressTracker;
  /** Follower/candidate: ticks since the last reset (leader contact, vote granted, role change).
   *  Leader: ticks since the last check-quorum round. */
  private electionElapsed = 0;
  /** Leader: ticks since the last heartbeat round. */
  private heartbeatElapsed = 0;
  /** In [electionTicks, 2*electionTicks); redrawn from the Rng on every term/role reset. */
  private randomizedElectionTimeout = 0;
  /** Leader: target of an ongoing leadership transfer, or NONE. */
  private leadTransferee: NodeId = NONE;
  /** Leader: index of the latest conf change it may have appended; no new one until applied >= it. */
  private pendingConfIndex: LogIndex = 0;
  /** Leader: payload bytes appended but not yet handed out as committed. */
  private uncommittedSize = 0;
  private readonly readOnly: ReadOnlyQueue;
  /** Leader: ReadIndex requests that arrived before it committed an entry of its term. */
  private pendingReadIndexMessages: Message[] = [];
  /** Outgoing messages for the next Ready (bounded by maxMsgsPerReady; excess is dropped, which
   *  Raft tolerates like network loss). */
  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  /** Leader: new entries or a new commit index to broadcast when the next Ready is built (lets
   *  many proposals between two Readies travel in one AppendEntries per follower). */
  private needBcast = false;
  private stepFn: (m: Message) => void;
  private tickFn: () => void;

  private prevSoft: SoftState;
  private prevHard: HardState;
  /** The Ready handed out by ready() and not yet advance()d. */
  private outstanding: Ready | undefined;
  /** Messages dropped because the outgoing queue was full (diagnostics). */
  droppedMessages = 0;

  // ---- configuration ------------------------------------------------------------------------
  private readonly electionTicks: number;
  private readonly heartbeatTicks: number;
  private readonly rng: Rng;
  private readonly preVote: boolean;
  private readonly earlySends: boolean;
  private readonly checkQuorum: boolean;
  private readonly maxSizePerMsg: number;
  private readonly maxCommittedSizePerReady: number;
  private readonly maxUncommittedEntriesSize: number;
  private readonly maxPendingReadIndex: number;
  private readonly maxMsgsPerReady: number;
  private readonly mut: RaftMutations;

  constructor(config: RaftConfig) {
    invariant(Number.isSafeInteger(config.id) && config.id > 0, () => `config.id must be a positive integer, got ${config.id}`);
    invariant(Number.isInteger(config.electionTicks) && config.electionTicks >= 1, 'config.electionTicks must be an integer >= 1');
    invariant(
      Number.isInteger(config.heartbeatTicks) && config.heartbeatTicks >= 1 && config.heartbeatTicks < config.electionTicks,
      'config.heartbeatTicks must be an integer in [1, electionTicks)',
    );
    this.id = config.id;
    this.electionTicks = config.electionTicks;
    this.heartbeatTicks = config.heartbeatTicks;
    this.rng = config.rng;
    this.preVote = config.preVote ?? false;
    this.earlySends = config.earlySends ?? false;
    this.checkQuorum = config.checkQuorum ?? false;
    this.maxSizePerMsg = positive(config.maxSizePerMsg, DEFAULT_MAX_SIZE_PER_MSG, 'maxSizePerMsg');
    this.maxCommittedSizePerReady = positive(config.maxCommittedSizePerReady, DEFAULT_MAX_COMMITTED_SIZE_PER_READY, 'maxCommittedSizePerReady');
    this.maxUncommittedEntriesSize = positive(config.maxUncommittedEntriesSize, DEFAULT_MAX_UNCOMMITTED_ENTRIES_SIZE, 'maxUncommittedEntriesSize');
    this.maxPendingReadIndex = positive(config.maxPendingReadIndex, DEFAULT_MAX_PENDING_READ_INDEX, 'maxPendingReadIndex');
    this.maxMsgsPerReady = positive(config.maxMsgsPerReady, DEFAULT_MAX_MSGS_PER_READY, 'maxMsgsPerReady');
    this.mut = config.mutations ?? {};
    this.prs = new ProgressTracker(positive(config.maxInflightMsgs, DEFAULT_MAX_INFLIGHT_MSGS, 'maxInflightMsgs'));
    this.readOnly = new ReadOnlyQueue(this.maxPendingReadIndex);

    const storage = config.storage;
    this.log = new RaftLog(storage, config.applied);
    const hs = storage.hardState();
    this.term = hs.term;
    this.vote = hs.vote;

    // Membership as of `applied`: the snapshot's, then each conf change in (snapshot, applied].
    let cs = storage.snapshot().metadata.confState;
    const from = storage.firstIndex();
    for (let lo = from; lo <= this.log.applied; ) {
      const page = this.log.entries(lo, this.log.applied + 1, this.maxCommittedSizePerReady);
      for (const e of page) if (e.type === EntryType.ConfChange) cs = applyConfChangeToState(cs, decodeConfChange(e.data));
      lo += page.length;
    }
    this.prs.setMembers(cs.voters, cs.learners, this.log.lastIndex() + 1);

    this.stepFn = this.stepFollower;
    this.tickFn = this.tickElection;
    this.becomeFollower(this.term, NONE);
    this.prevSoft = { lead: NONE, role: StateRole.Follower };
    this.prevHard = hs;
    this.log.checkInvariants();
  }

  // =========================================================================================
  // Public API (RaftNodeApi)
  // =========================================================================================

  tick(): void {
    this.tickFn();
  }

  campaign(): void {
    this.step(this.local(MessageType.Hup, this.id));
  }

  propose(data: Uint8Array): ProposeResult {
    const refused = this.refuseProposal();
    if (refused) return refused;
    return this.appendProposal(EntryType.Normal, data);
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    const refused = this.refuseProposal();
    if (refused) return refused;
    if (this.pendingConfIndex > this.log.applied) {
      return this.refusal('CONF_CHANGE_PENDING', `a membership change up to index ${this.pendingConfIndex} is not applied yet (applied ${this.log.applied})`);
    }
    if (!this.committedEntryInCurrentTerm()) {
      return this.refusal('CONF_CHANGE_PENDING', `the leader has not committed an entry of term ${this.term} yet`);
    }
    const why = validateConfChange(this.confState(), cc);
    if (why !== undefined) return this.refusal('INVALID_CONF_CHANGE', why);
    const res = this.appendProposal(EntryType.ConfChange, encodeConfChange(cc));
    if (res.ok) this.pendingConfIndex = res.index;
    return res;
  }

  readIndex(ctx: Uint8Array): boolean {
    if (this.role === StateRole.Leader) {
      return this.leaderReadIndex(this.local(MessageType.ReadIndex, this.id, { context: ctx }));
    }
    if (this.lead === NONE || this.role !== StateRole.Follower) return false;
    this.send({ type: MessageType.ReadIndex, to: this.lead, context: ctx });
    return true;
  }

  transferLeadership(to: NodeId): void {
    this.step(this.local(MessageType.TransferLeader, to));
  }

  reportSnapshot(to: NodeId, ok: boolean): void {
    this.step(this.local(MessageType.SnapStatus, to, { reject: !ok }));
  }

  reportUnreachable(to: NodeId): void {
    this.step(this.local(MessageType.Unreachable, to));
  }

  hasReady(): boolean {
    if (this.needBcast || this.msgs.length > 0 || this.readStates.length > 0) return true;
    if (this.log.hasUnstableEntriesToHandOut() || this.log.snapshotToHandOut() !== undefined) return true;
    if (this.log.hasNextCommittedEntries()) return true;
    const s = this.prevSoft;
    if (s.lead !== this.lead || s.role !== this.role) return true;
    const h = this.prevHard;
    return h.term !== this.term || h.vote !== this.vote || h.commit !== this.log.committed;
  }

  ready(): Ready {
    invariant(this.outstanding === undefined, 'ready() called again before advance() of the previous Ready');
    this.flushBroadcast();
    const entries = this.log.unstableEntriesToHandOut();
    const snapshot = this.log.snapshotToHandOut();
    const committedEntries = this.log.nextCommittedEntries(this.maxCommittedSizePerReady);
    const durableIndex = this.log.storage.lastIndex();
    const rd: Ready = {
      entries,
      committedEntries,
      earlyMessages: [],
      messages: this.msgs,
      readStates: this.readStates,
      mustSync: false,
      durableIndex,
    };
    if (this.prevSoft.lead !== this.lead || this.prevSoft.role !== this.role) {
      rd.softState = { lead: this.lead, role: this.role };
      this.prevSoft = rd.softState;
    }
    const hs = this.hardState();
    const ph = this.prevHard;
    const termOrVoteChanged = hs.term !== ph.term || hs.vote !== ph.vote;
    if (termOrVoteChanged || hs.commit !== ph.commit) {
      rd.hardState = hs;
      this.prevHard = hs;
    }
    if (snapshot) rd.snapshot = snapshot;
    rd.mustSync = termOrVoteChanged || entries.length > 0 || snapshot !== undefined;
    if (this.earlySends && this.role === StateRole.Leader && !termOrVoteChanged && entries.length > 0 && snapshot === undefined) {
      // See Ready: appends may go while this write is in flight, their commit clamped to what is
      // durable before it.
      const late: Message[] = [];
      for (const m of rd.messages) {
        if (m.type === MessageType.App && m.entries.length > 0) rd.earlyMessages.push(m.commit > durableIndex && this.mut.earlyCommitUnclamped !== true ? { ...m, commit: durableIndex } : m);
        else late.push(m);
      }
      rd.messages = late;
    }
    this.msgs = [];
    this.readStates = [];
    this.log.acceptReady(entries, snapshot, committedEntries);
    this.outstanding = rd;
    return rd;
  }

  advance(rd: Ready): void {
    invariant(this.outstanding !== undefined && rd === this.outstanding, 'advance() must be given the Ready returned by the last ready()');
    this.outstanding = undefined;
    if (rd.snapshot) this.log.stableSnapTo(rd.snapshot);
    if (rd.entries.length > 0) this.log.stableEntries(rd.entries);
    if (rd.hardState) this.log.storage.setHardState(rd.hardState);
    for (const e of rd.committedEntries) {
      if (this.role === StateRole.Leader) this.uncommittedSize = Math.max(0, this.uncommittedSize - e.data.byteLength);
      this.log.appliedTo(e.index);
      if (e.type === EntryType.ConfChange) this.applyConfChange(decodeConfChange(e.data));
    }
    this.log.checkInvariants();
  }

  compact(index: LogIndex, data: Uint8Array): void {
    const storage = this.log.storage;
    invariant(index <= this.log.applied, () => `compact(${index}): only applied entries can be compacted (applied ${this.log.applied})`);
    const snapIndex = storage.firstIndex() - 1;
    if (index <= snapIndex) return;
    invariant(index <= storage.lastIndex(), () => `compact(${index}): beyond the stable lastIndex ${storage.lastIndex()}`);
    const term = storage.term(index);
    invariant(term !== undefined, () => `compact(${index}): no term`);
    storage.compact({ metadata: { index, term, confState: this.confStateAt(index) }, data });
    this.log.checkInvariants();
  }

  status(): Status {
    const st: Status = {
      id: this.id,
      term: this.term,
      vote: this.vote,
      commit: this.log.committed,
      applied: this.log.applied,
      lead: this.lead,
      role: this.role,
      confState: this.confState(),
      leadTransferee: this.leadTransferee,
      firstIndex: this.log.firstIndex(),
      lastIndex: this.log.lastIndex(),
    };
    if (this.role === StateRole.Leader) {
      const progress = new Map<NodeId, PeerProgress>();
      for (const [id, pr] of this.prs.progress) progress.set(id, pr.view());
      st.progress = progress;
    }
    return st;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  // =========================================================================================
  // step: term handling shared by every role, then the role's step function
  // =========================================================================================

  step(m: Message): void {
    if (m.term === 0) {
      // A local message (Hup, Beat, SnapStatus, Unreachable, or a local ReadIndex / transfer).
    } else if (m.term > this.term) {
      if (m.type === MessageType.Vote || m.type === MessageType.PreVote) {
        // Leader lease: while we heard from a live leader within the election timeout, a higher
        // term vote request is ignored (with check-quorum); pre-votes always are (§9.6). A vote
        // caused by a leadership transfer is exempt: the leader asked for it.
        const inLease = this.lead !== NONE && this.electionElapsed < this.electionTicks;
        if (inLease && !isTransferCtx(m.context) && (m.type === MessageType.PreVote || this.checkQuorum)) return;
      }
      if (m.type === MessageType.PreVote) {
        // A pre-vote never changes our term.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // A granted pre-vote carries the term the candidate will campaign in, not a real term.
      } else if (m.type === MessageType.App || m.type === MessageType.Heartbeat || m.type === MessageType.Snap) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
        // A deposed leader (e.g. just back from a partition) would otherwise never learn our
        // term, because with pre-vote/check-quorum we may not campaign to tell it.
        this.send({ type: MessageType.AppResp, to: m.from });
      } else if (m.type === MessageType.PreVote) {
        this.send({ type: MessageType.PreVoteResp, to: m.from, term: this.term, reject: true });
      }
      return; // §5.1: stale term, ignore.
    }

    switch (m.type) {
      case MessageType.Hup:
        this.hup(false);
        return;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        this.stepFn(m);
    }
  }

  private handleVoteRequest(m: Message): void {
    // §5.2: at most one vote per term (a repeat request from the same candidate is answered
    // again). A follower that knows a leader of this term does not vote. A pre-vote for a later
    // term is not a vote and binds nothing.
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    // §5.4.1: only for a candidate whose log is at least as up-to-date as ours.
    const logOk = this.mut.voteWithoutLogCheck === true || this.log.isUpToDate(m.index, m.logTerm);
    if (canVote && logOk) {
      this.send({ type: voteRespType(m.type), to: m.from, term: m.term, reject: false });
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: voteRespType(m.type), to: m.from, term: this.term, reject: true });
    }
  }

  // =========================================================================================
  // Roles
  // =========================================================================================

  private becomeFollower(term: Term, lead: NodeId): void {
    this.stepFn = this.stepFollower;
    this.reset(term);
    this.tickFn = this.tickElection;
    this.lead = lead;
    this.role = StateRole.Follower;
  }

  private becomePreCandidate(): void {
    invariant(this.role !== StateRole.Leader, 'a leader cannot become a pre-candidate');
    // Neither the term nor the vote changes: a pre-election is only a poll.
    this.stepFn = this.stepCandidate;
    this.prs.resetVotes();
    this.tickFn = this.tickElection;
    this.lead = NONE;
    this.role = StateRole.PreCandidate;
  }

  private becomeCandidate(): void {
    invariant(this.role !== StateRole.Leader, 'a leader cannot become a candidate');
    this.stepFn = this.stepCandidate;
    this.reset(this.term + 1);
    this.tickFn = this.tickElection;
    this.vote = this.id;
    this.role = StateRole.Candidate;
  }

  private becomeLeader(): void {
    invariant(this.role === StateRole.Candidate, () => `only a candidate can become leader (was ${this.role})`);
    this.stepFn = this.stepLeader;
    this.reset(this.term);
    this.tickFn = this.tickHeartbeat;
    this.lead = this.id;
    this.role = StateRole.Leader;
    const self = this.prs.progress.get(this.id);
    invariant(self !== undefined && !self.isLearner, 'a leader must be a voter');
    self.becomeReplicate();
    self.recentActive = true;
    // Anything after the last committed index may be a conf change of an earlier leader: no
    // new change until all of it is applied (see the safety argument at the top).
    this.pendingConfIndex = this.log.lastIndex();
    // §5.4.2 / §8: an empty entry of our term, so that committing it commits everything before.
    this.appendEntries([{ type: EntryType.Normal, data: EMPTY }]);
  }

  /** Per-term reset shared by every role change. */
  private reset(term: Term): void {
    invariant(term >= this.term, () => `term must not decrease (${this.term} -> ${term})`);
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTicks + this.rng.intn(this.electionTicks);
    this.leadTransferee = NONE;
    this.prs.resetVotes();
    const last = this.log.lastIndex();
    for (const [id, pr] of this.prs.progress) {
      pr.match = id === this.id ? last : 0;
      pr.next = last + 1;
      pr.state = 'probe';
      pr.pendingSnapshot = 0;
      pr.probeSent = false;
      pr.recentActive = false;
      pr.inflights.reset();
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly.clear();
    this.pendingReadIndexMessages = [];
    this.needBcast = false;
  }

  private promotable(): boolean {
    return this.prs.isVoter(this.id);
  }

  // ---- ticks --------------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(this.local(MessageType.Hup, this.id));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum) {
        if (!this.prs.quorumActive(this.id)) {
          // Check-quorum: we have not heard from a majority for an election timeout; another
          // leader may exist. Stop serving.
          this.becomeFollower(this.term, NONE);
          return;
        }
        for (const [id, pr] of this.prs.progress) if (id !== this.id) pr.recentActive = false;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.leadTransferee !== NONE) this.leadTransferee = NONE;
    }
    if (this.role !== StateRole.Leader) return;
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.step(this.local(MessageType.Beat, this.id));
    }
  }

  // ---- elections ----------------------------------------------------------------------------

  private hup(transfer: boolean): void {
    if (this.role === StateRole.Leader) return;
    if (!this.promotable()) return;
    // A committed but unapplied membership change may remove us or change the quorum: do not
    // count votes under a configuration that is already replaced.
    if (this.hasUnappliedConfChanges()) return;
    if (transfer) this.startCampaign('transfer');
    else this.startCampaign(this.preVote ? 'pre-election' : 'election');
  }

  private startCampaign(kind: CampaignKind): void {
    let voteType: MessageType;
    let term: Term;
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    this.prs.recordVote(this.id, true);
    if (this.prs.tallyVotes().result === 'won') {
      // Single-voter cluster.
      if (kind === 'pre-election') this.startCampaign('election');
      else this.becomeLeader();
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const id of this.prs.voters()) {
      if (id === this.id) continue;
      const out: Outgoing = { type: voteType, to: id, term, index: lastIndex, logTerm: lastTerm };
      if (kind === 'transfer') out.context = TRANSFER_CTX;
      this.send(out);
    }
  }

  private hasUnappliedConfChanges(): boolean {
    for (let lo = this.log.applied + 1; lo <= this.log.committed; ) {
      const page = this.log.entries(lo, this.log.committed + 1, this.maxCommittedSizePerReady);
      for (const e of page) if (e.type === EntryType.ConfChange) return true;
      lo += page.length;
    }
    return false;
  }

  // ---- followers ----------------------------------------------------------------------------

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) return;
        this.send({ type: MessageType.TransferLeader, to: this.lead, from: m.from });
        return;
      case MessageType.TimeoutNow:
        // The leader picked us: campaign now, skipping pre-vote and the voters' lease check.
        this.hup(true);
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE) return;
        this.send({ type: MessageType.ReadIndex, to: this.lead, from: m.from, context: m.context ?? EMPTY });
        return;
      case MessageType.ReadIndexResp:
        if (m.context) this.pushReadState({ index: m.index, requestCtx: m.context });
        return;
      default:
        return;
    }
  }

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      // Everything up to our commit index is settled; tell the leader where we are.
      this.send({ type: MessageType.AppResp, to: m.from, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries, this.mut.truncateOnHeartbeat === true);
    if (lastNew !== undefined) {
      this.send({ type: MessageType.AppResp, to: m.from, index: lastNew });
      return;
    }
    // Fast back-off: the largest index at or below prevLogIndex whose term is <= the leader's
    // prevLogTerm (any entry above it cannot match the leader's), with its term; the leader
    // jumps there instead of stepping back one entry per round trip.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({ type: MessageType.AppResp, to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  private handleHeartbeat(m: Message): void {
    let commit = m.commit;
    // Mutation (c) can leave us shorter than the leader believes; clamp so that the bug shows up
    // as lost data rather than as this assertion.
    if (this.mut.truncateOnHeartbeat === true) commit = Math.min(commit, this.log.lastIndex());
    this.log.commitTo(commit);
    const out: Outgoing = { type: MessageType.HeartbeatResp, to: m.from };
    if (m.context) out.context = m.context;
    this.send(out);
  }

  private handleSnapshot(m: Message): void {
    const snap = m.snapshot;
    invariant(snap, () => `Snap message from ${m.from} carries no snapshot`);
    if (this.restore(snap)) {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.log.lastIndex() });
    } else {
      this.send({ type: MessageType.AppResp, to: m.from, index: this.log.committed });
    }
  }

  /** Install `snap` if it is news to us. Returns false when it is not (already committed, or
   *  our log already has its last entry — then we just commit up to it). */
  private restore(snap: Snapshot): boolean {
    const { index, term, confState } = snap.metadata;
    if (index <= this.log.committed) return false;
    invariant(this.role === StateRole.Follower, 'only a follower installs a snapshot');
    if (this.log.matchTerm(index, term)) {
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snap);
    this.prs.setMembers(confState.voters, confState.learners, this.log.lastIndex() + 1);
    return true;
  }

  // ---- candidates ---------------------------------------------------------------------------

  private stepCandidate(m: Message): void {
    const myResp = this.role === StateRole.PreCandidate ? MessageType.PreVoteResp : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.App:
        this.becomeFollower(m.term, m.from); // a leader of our term exists (§5.2)
        this.handleAppend(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case MessageType.PreVoteResp:
      case MessageType.VoteResp: {
        if (m.type !== myResp) return;
        this.prs.recordVote(m.from, !m.reject);
        const { result } = this.prs.tallyVotes();
        if (result === 'won') {
          if (this.role === StateRole.PreCandidate) this.startCampaign('election');
          else this.becomeLeader();
        } else if (result === 'lost') {
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return; // TimeoutNow, ReadIndex, TransferLeader: no leader to act or forward
    }
  }

  // ---- leaders ------------------------------------------------------------------------------

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat();
        return;
      case MessageType.ReadIndex:
        this.leaderReadIndex(m);
        return;
      case MessageType.TransferLeader:
        this.leaderTransfer(m.from);
        return;
      case MessageType.App:
      case MessageType.Heartbeat:
      case MessageType.Snap:
        invariant(m.term !== this.term, () => `two leaders in term ${this.term}: ${this.id} and ${m.from}`);
        return;
      default:
        break;
    }
    const pr = this.prs.progress.get(m.from);
    if (!pr) return; // not (or no longer) a member
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.HeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.SnapStatus:
        if (pr.state !== 'snapshot') return;
        // Success: wait for the follower's AppResp to the snapshot. Failure: forget it and probe
        // again after the next heartbeat response.
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        pr.probeSent = true;
        return;
      case MessageType.Unreachable:
        if (pr.state === 'replicate') pr.becomeProbe();
        return;
      default:
        return;
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      let probe = m.rejectHint;
      if (m.logTerm > 0) probe = this.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
      if (pr.maybeDecrTo(m.index, probe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot') {
      if (pr.match + 1 >= this.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
    } else {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.needBcast = true;
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    // Fill the pipeline.
    while (this.maybeSendAppend(m.from, false)) {
      /* keep sending */
    }
    if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(m.from);
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.probeSent = false;
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.log.lastIndex()) this.sendAppend(m.from);
    if (!m.context || m.context.length === 0) return;
    const r = this.readOnly.recvAck(m.from, m.context);
    if (!r) return;
    let votes = 0;
    for (const id of r.acks) if (this.prs.isVoter(id)) votes++;
    if (votes < this.prs.quorum()) return;
    for (const req of this.readOnly.advance(m.context)) this.answerRead(req);
  }

  /** Returns false when the request is dropped (queue full or duplicate context). */
  private leaderReadIndex(m: Message): boolean {
    const ctx = m.context;
    if (!ctx) return false;
    if (!this.committedEntryInCurrentTerm()) {
      // §6.4: our commit index may lag the real one until we commit an entry of our term.
      if (this.pendingReadIndexMessages.length >= this.maxPendingReadIndex) return false;
      this.pendingReadIndexMessages.push(m);
      return true;
    }
    const req: ReadIndexRequest = { index: this.log.committed, from: m.from, ctx };
    const voters = this.prs.voters();
    if (this.mut.readIndexWithoutQuorum === true || (voters.length === 1 && voters[0] === this.id)) {
      this.answerRead(req);
      return true;
    }
    if (!this.readOnly.add(req, this.id)) return false;
    this.bcastHeartbeat();
    return true;
  }

  private answerRead(req: ReadIndexRequest): void {
    if (req.from === this.id) {
      this.pushReadState({ index: req.index, requestCtx: req.ctx });
    } else {
      this.send({ type: MessageType.ReadIndexResp, to: req.from, index: req.index, context: req.ctx });
    }
  }

  private pushReadState(rs: ReadState): void {
    if (this.readStates.length >= this.maxPendingReadIndex) return; // the caller times out
    this.readStates.push(rs);
  }

  private releasePendingReadIndex(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const ms = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of ms) this.leaderReadIndex(m);
  }

  private leaderTransfer(transferee: NodeId): void {
    const pr = this.prs.progress.get(transferee);
    if (!pr || pr.isLearner) return;
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) return; // already under way
      this.leadTransferee = NONE;
    }
    if (transferee === this.id) return;
    // The transfer must finish within one election timeout (tickHeartbeat aborts it).
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(transferee);
    else this.sendAppend(transferee);
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: MessageType.TimeoutNow, to });
  }

  // ---- proposals ----------------------------------------------------------------------------

  private refuseProposal(): ProposeResult | undefined {
    if (this.role !== StateRole.Leader) {
      if (this.lead === NONE) return this.refusal('NO_LEADER', `no leader known in term ${this.term}`);
      return this.refusal('NOT_LEADER', `member ${this.id} is not the leader; ${this.lead} is`);
    }
    if (this.leadTransferee !== NONE) {
      return this.refusal('TRANSFER_IN_PROGRESS', `leadership is being transferred to ${this.leadTransferee}`);
    }
    return undefined;
  }

  private refusal(code: ProposeErrorCode, message: string): ProposeResult {
    return { ok: false, code, leader: this.lead, message };
  }

  private appendProposal(type: EntryType, data: Uint8Array): ProposeResult {
    const size = data.byteLength;
    if (this.uncommittedSize > 0 && size > 0 && this.uncommittedSize + size > this.maxUncommittedEntriesSize) {
      return this.refusal('TOO_MANY_UNCOMMITTED', `${this.uncommittedSize} bytes are uncommitted (limit ${this.maxUncommittedEntriesSize})`);
    }
    this.uncommittedSize += size;
    this.appendEntries([{ type, data }]);
    return { ok: true, index: this.log.lastIndex(), term: this.term };
  }

  /** Leader: append entries of the current term to our log and count our own copy. */
  private appendEntries(es: { type: EntryType; data: Uint8Array }[]): void {
    let index = this.log.lastIndex();
    const ents: Entry[] = es.map((e) => ({ term: this.term, index: ++index, type: e.type, data: e.data }));
    this.log.append(ents);
    this.prs.progress.get(this.id)!.maybeUpdate(this.log.lastIndex());
    this.maybeCommit();
    this.needBcast = true;
  }

  /**
   * Advance the commit index to the largest index stored on a quorum of voters — but only if
   * that entry is of the current term (§5.4.2, Figure 8): an entry of an earlier term can be on
   * a majority and still be overwritten by a later leader, so it is committed only indirectly,
   * when an entry of the current term after it is.
   */
  private maybeCommit(): boolean {
    const mci = this.prs.committedIndex();
    if (mci <= this.log.committed) return false;
    if (this.mut.commitPreviousTermByCount !== true && this.log.term(mci) !== this.term) return false;
    this.log.commitTo(mci);
    this.releasePendingReadIndex();
    return true;
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  // ---- replication --------------------------------------------------------------------------

  private flushBroadcast(): void {
    if (!this.needBcast) return;
    this.needBcast = false;
    if (this.role !== StateRole.Leader) return;
    for (const id of this.prs.progress.keys()) {
      if (id === this.id) continue;
      this.sendAppend(id);
      while (this.maybeSendAppend(id, false)) {
        /* fill the pipeline */
      }
    }
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /** Send the next AppendEntries (or a snapshot) to `to` if its progress allows. */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.prs.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    invariant(prevIndex <= this.log.lastIndex(), () => `progress of ${to}: next ${pr.next} is beyond lastIndex ${this.log.lastIndex()} + 1`);
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined) {
      // The entries the follower needs are compacted away: send the snapshot instead.
      const snap = this.log.snapshot();
      invariant(snap.metadata.index > 0, () => `entry ${prevIndex} is compacted but there is no snapshot`);
      pr.becomeSnapshot(snap.metadata.index);
      this.send({ type: MessageType.Snap, to, snapshot: snap });
      return true;
    }
    const ents = this.log.entries(pr.next, this.log.lastIndex() + 1, this.maxSizePerMsg);
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send({ type: MessageType.App, to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed });
    pr.sentEntries(ents.length, ents.length > 0 ? ents[ents.length - 1]!.index : prevIndex);
    return true;
  }

  private bcastHeartbeat(): void {
    const ctx = this.readOnly.lastCtx();
    for (const [id, pr] of this.prs.progress) {
      if (id === this.id) continue;
      // Never tell a follower to commit beyond what it is known to hold.
      const out: Outgoing = { type: MessageType.Heartbeat, to: id, commit: Math.min(pr.match, this.log.committed) };
      if (ctx) out.context = ctx;
      this.send(out);
    }
  }

  // ---- membership ---------------------------------------------------------------------------

  confState(): ConfState {
    return { voters: [...this.prs.voters()], learners: this.prs.learners() };
  }

  /** Membership as of `index` (in the stable log, not compacted): the snapshot's plus changes. */
  private confStateAt(index: LogIndex): ConfState {
    const storage = this.log.storage;
    let cs = storage.snapshot().metadata.confState;
    for (let lo = storage.firstIndex(); lo <= index; ) {
      const page = storage.entries(lo, index + 1, this.maxCommittedSizePerReady);
      for (const e of page) if (e.type === EntryType.ConfChange) cs = applyConfChangeToState(cs, decodeConfChange(e.data));
      lo += page.length;
    }
    return cs;
  }

  private applyConfChange(cc: ConfChange): void {
    const cs = applyConfChangeToState(this.confState(), cc);
    this.prs.setMembers(cs.voters, cs.learners, this.log.lastIndex() + 1);
    if (this.role !== StateRole.Leader) return;
    if (!this.prs.isVoter(this.id)) {
      // Removed or demoted: hand over to the most up-to-date voter, then stop leading.
      let best: NodeId = NONE;
      let bestMatch = -1;
      for (const id of this.prs.voters()) {
        const m = this.prs.progress.get(id)!.match;
        if (m > bestMatch) {
          best = id;
          bestMatch = m;
        }
      }
      if (best !== NONE && bestMatch === this.log.lastIndex()) this.sendTimeoutNow(best);
      this.becomeFollower(this.term, NONE);
      return;
    }
    if (this.leadTransferee !== NONE && !this.prs.isVoter(this.leadTransferee)) this.leadTransferee = NONE;
    // The quorum changed: the commit index may move; new members need entries.
    this.maybeCommit();
    this.needBcast = true;
  }

  // ---- messages -----------------------------------------------------------------------------

  private local(type: MessageType, from: NodeId, extra: Partial<Message> = {}): Message {
    return { type, to: this.id, from, term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, ...extra };
  }

  private send(o: Outgoing): void {
    const isVoteType =
      o.type === MessageType.Vote || o.type === MessageType.PreVote || o.type === MessageType.VoteResp || o.type === MessageType.PreVoteResp;
    if (isVoteType) invariant(o.term !== undefined && o.term > 0, () => `vote message ${MessageType[o.type]} needs an explicit term`);
    if (this.msgs.length >= this.maxMsgsPerReady) {
      this.droppedMessages++;
      return;
    }
    const m: Message = {
      type: o.type,
      to: o.to,
      from: o.from !== undefined && o.from !== NONE ? o.from : this.id,
      term: isVoteType ? o.term! : this.term,
      logTerm: o.logTerm ?? 0,
      index: o.index ?? 0,
      entries: o.entries ?? [],
      commit: o.commit ?? 0,
      reject: o.reject ?? false,
      rejectHint: o.rejectHint ?? 0,
    };
    if (o.snapshot) m.snapshot = o.snapshot;
    if (o.context) m.context = o.context;
    this.msgs.push(m);
  }
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  invariant(v > 0, () => `config.${name} must be > 0, got ${v}`);
  return v;
}
