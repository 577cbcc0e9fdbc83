// The wire and storage vocabulary of the Raft core. Everything here is plain data: the core
// imports nothing outside src/raft, and the driver (src/node), storage and transport speak these
// types. Names follow the Raft paper and etcd-io/raft.

import type { MemoryLog } from './log-storage.js';

/** A member's id. 0 means "none" (no vote, no leader). Ids are positive integers < 2^53. */
export type NodeId = number;
/** A Raft term. Starts at 0 and only ever grows on a member. */
export type Term = number;
/** A position in the replicated log. The first real entry has index 1; 0 means "before the log". */
export type LogIndex = number;

export const NONE: NodeId = 0;

export enum EntryType {
  /** Application data (possibly empty: the leader appends an empty entry when it takes office). */
  Normal = 0,
  /** A membership change; `data` is `encodeConfChange(cc)`. */
  ConfChange = 1,
}

export interface Entry {
  term: Term;
  index: LogIndex;
  type: EntryType;
  data: Uint8Array;
}

export enum ConfChangeType {
  AddVoter = 0,
  AddLearner = 1,
  RemoveNode = 2,
}

/**
 * One-server-at-a-time membership change. Adding an existing learner as a voter promotes it;
 * adding a voter as a learner demotes it. `context` is opaque to the core (the driver stores a
 * member's name and URLs there).
 */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  context: Uint8Array;
}

/** The membership at some point of the log. Voters and learners are disjoint. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

/** What must be durable before any message that depends on it is sent (Figure 2 "Persistent state"). */
export interface HardState {
  term: Term;
  /** Who this member voted for in `term`, or NONE. */
  vote: NodeId;
  /** Highest index known committed. Persisted so restarts do not re-learn it (not required for safety). */
  commit: LogIndex;
}

export interface SnapshotMetadata {
  /** Last index the snapshot covers (inclusive) and that entry's term. */
  index: LogIndex;
  term: Term;
  /** Membership as of `index`. */
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** Opaque application state at `metadata.index`. */
  data: Uint8Array;
}

export enum MessageType {
  /** Local only: the election timer fired (never sent over the wire). */
  Hup = 0,
  /** Local only: a leader's heartbeat timer fired. */
  Beat = 1,
  Prop = 2,
  App = 3,
  AppResp = 4,
  Vote = 5,
  VoteResp = 6,
  PreVote = 7,
  PreVoteResp = 8,
  Snap = 9,
  Heartbeat = 10,
  HeartbeatResp = 11,
  /** Leadership transfer: sent to the leader (possibly forwarded from a follower). */
  TransferLeader = 12,
  /** Leadership transfer: the leader tells an up-to-date target to campaign at once. */
  TimeoutNow = 13,
  /** A ReadIndex request (local on the leader, or forwarded from a follower). */
  ReadIndex = 14,
  ReadIndexResp = 15,
  /** Local only: the application reports a failed snapshot send to `from`. */
  SnapStatus = 16,
  /** Local only: the application reports `from` unreachable (optional hint for flow control). */
  Unreachable = 17,
}

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: Term;
  /** App: term of the entry at `index` (prevLogTerm). Vote/PreVote: last log term. */
  logTerm: Term;
  /** App: prevLogIndex. AppResp: last index matched (or rejected index). Vote: last log index.
   *  ReadIndexResp: the read index. */
  index: LogIndex;
  entries: Entry[];
  /** Leader's commit index (App, Heartbeat). */
  commit: LogIndex;
  reject: boolean;
  /** On a rejected AppResp: the follower's hint for fast back-off (see `logTerm` for its term). */
  rejectHint: LogIndex;
  snapshot?: Snapshot;
  /** Opaque request context: ReadIndex ctx (in entries[0].data for etcd; here directly),
   *  campaign kind for transfers ("transfer"), heartbeat read-confirmation contexts. */
  context?: Uint8Array;
}

export enum StateRole {
  Follower = 'follower',
  PreCandidate = 'pre-candidate',
  Candidate = 'candidate',
  Leader = 'leader',
}

/** Volatile state the application may want to observe; present in a Ready only when changed. */
export interface SoftState {
  lead: NodeId;
  role: StateRole;
}

/** A linearizable-read answer: once applied >= index, reading local state is linearizable for `requestCtx`. */
export interface ReadState {
  index: LogIndex;
  requestCtx: Uint8Array;
}

/**
 * A batch of work for the driver. The driver must, in this order:
 *  0. send `earlyMessages` (it may: they promise nothing that this Ready's write makes true);
 *  1. persist `hardState` (if set), `snapshot` (if set) and `entries` — ONE synced write when
 *     `mustSync` — BEFORE sending any of `messages` (a vote or an AppResp promises durability);
 *  2. send `messages`;
 *  3. apply `snapshot` (if set) to the state machine, then `committedEntries` in order;
 *  4. call `advance(ready)`.
 * `committedEntries` are always already in stable storage (they may have been in an earlier
 * Ready's `entries`, or be in this one's); a driver may apply those that were stable before this
 * Ready (index <= `durableIndex`) while the write of step 1 is in flight.
 *
 * Early sends (RaftConfig.earlySends; Raft dissertation §10.2.1, and etcd-io/raft's async
 * storage writes for the same idea): a leader may send its AppendEntries while it writes the
 * same entries to its own disk. Followers persist before they acknowledge, and nothing the
 * leader learns from their answers becomes visible before this write has finished, because the
 * next Ready is built only after advance(). The one thing such a message could leak is a commit
 * index covering entries of this very Ready (a lone voter commits on its own append), so the
 * core clamps its commit to `durableIndex`. Only AppendEntries that carry entries go early, and
 * only when this Ready changes no term or vote (a message carrying a term must never precede the
 * durable record of that term) and holds no snapshot. Everything else — votes, responses,
 * snapshots, heartbeats — is in `messages`.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  /** May be sent before the write of step 1 (empty unless RaftConfig.earlySends). */
  earlyMessages: Message[];
  /** Sent only after the write of step 1 has finished. */
  messages: Message[];
  readStates: ReadState[];
  /** True when hardState (term/vote) or entries changed: the write must be synced. */
  mustSync: boolean;
  /** The last index in stable storage before this Ready's write (what is durable already). */
  durableIndex: LogIndex;
}

/** Deterministic randomness, injected so that tests and the simulator replay exactly. */
export interface Rng {
  /** A uniformly distributed integer in [0, n). */
  intn(n: number): number;
}

/**
 * Test-only switches that re-introduce classic Raft bugs, so the simulator and unit tests can
 * show that their checks catch them. All default to false; production code never sets them.
 */
export interface RaftMutations {
  /** (a) grant votes without the §5.4.1 "candidate's log is at least as up-to-date" check. */
  voteWithoutLogCheck?: boolean;
  /** (b) commit entries of previous terms by counting replicas (violates §5.4.2). */
  commitPreviousTermByCount?: boolean;
  /** (c) a follower truncates its log after prevLogIndex on every AppendEntries, even when no
   *  entry conflicts (e.g. an empty heartbeat-like append). */
  truncateOnHeartbeat?: boolean;
  /** (d) a leader answers ReadIndex at once, without confirming leadership with a quorum. */
  readIndexWithoutQuorum?: boolean;
  /** (e) early AppendEntries (Ready.earlyMessages) keep the commit index instead of clamping it
   *  to Ready.durableIndex, so a follower may learn a commit that is not durable anywhere yet. */
  earlyCommitUnclamped?: boolean;
}

export interface RaftConfig {
  id: NodeId;
  /** Ticks of silence before a follower campaigns; the actual timeout is randomised in
   *  [electionTicks, 2*electionTicks). */
  electionTicks: number;
  /** Ticks between leader heartbeats. Must be < electionTicks. */
  heartbeatTicks: number;
  /** The log storage the core reads from (see MemoryLog in log-storage.ts). */
  storage: MemoryLog;
  rng: Rng;
  /** Index already applied by the state machine at start (after restoring a snapshot/replay). */
  applied?: LogIndex;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** Max AppendEntries messages in flight to one follower (pipelining window). */
  maxInflightMsgs?: number;
  /** Max total entry bytes in one AppendEntries message. */
  maxSizePerMsg?: number;
  /** Max bytes of committed entries handed out in one Ready. */
  maxCommittedSizePerReady?: number;
  /** Max bytes of proposed-but-uncommitted entries the leader accepts before dropping proposals. */
  maxUncommittedEntriesSize?: number;
  /** Max ReadIndex requests a leader keeps waiting (for a heartbeat quorum or for its first
   *  commit of the term), and max read states buffered for one Ready. Default 4096. */
  maxPendingReadIndex?: number;
  /** Max outgoing messages buffered between two Readies; more are dropped (like network loss).
   *  Default 65536. */
  maxMsgsPerReady?: number;
  /** Hand a leader's AppendEntries out as Ready.earlyMessages where the contract allows (see
   *  Ready). Default false: everything is in Ready.messages. */
  earlySends?: boolean;
  mutations?: RaftMutations;
}
