// The public surface of the consensus core, as the driver (src/node) and the simulator
// (cmd/lib/sim) use it. `RawNode` in raw-node.ts implements it. The core is pure: no I/O, no clock,
// no Math.random; everything arrives through these calls and leaves through `ready()`.

import type {
  ConfChange,
  ConfState,
  HardState,
  LogIndex,
  Message,
  NodeId,
  Ready,
  StateRole,
  Term,
} from './types.js';

export type ProposeErrorCode =
  /** No leader is known (election in progress or no quorum). Retry later. */
  | 'NO_LEADER'
  /** This member is not the leader; `leader` names the one it knows. Forward there. */
  | 'NOT_LEADER'
  /** The leader is handing leadership over; proposals are refused until it finishes or aborts. */
  | 'TRANSFER_IN_PROGRESS'
  /** A membership change is still uncommitted/unapplied, or the leader has not yet committed an
   *  entry of its own term (required before changing membership). */
  | 'CONF_CHANGE_PENDING'
  /** The leader's uncommitted tail is over its byte limit (backpressure). */
  | 'TOO_MANY_UNCOMMITTED'
  /** The change makes no sense (remove an unknown member, add a duplicate, ...). */
  | 'INVALID_CONF_CHANGE';

export type ProposeResult =
  | { ok: true; index: LogIndex; term: Term }
  | { ok: false; code: ProposeErrorCode; leader: NodeId; message: string };

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export interface PeerProgress {
  match: LogIndex;
  next: LogIndex;
  state: ProgressState;
  /** AppendEntries messages currently in flight (<= maxInflightMsgs). */
  inflight: number;
  isLearner: boolean;
  /** Heard from this peer since the last check-quorum round. */
  recentActive: boolean;
}

export interface Status {
  id: NodeId;
  term: Term;
  vote: NodeId;
  commit: LogIndex;
  applied: LogIndex;
  lead: NodeId;
  role: StateRole;
  confState: ConfState;
  /** Only on the leader. */
  progress?: Map<NodeId, PeerProgress>;
  /** Target of an ongoing leadership transfer, or 0. */
  leadTransferee: NodeId;
  firstIndex: LogIndex;
  lastIndex: LogIndex;
}

export interface RaftNodeApi {
  /** Advance the logical clock by one tick (election / heartbeat timers). */
  tick(): void;
  /** Feed a message received from a peer (or a local SnapStatus / Unreachable report). */
  step(m: Message): void;
  /** Start an election now (used for tests and single-member clusters). */
  campaign(): void;
  /** Append `data` to the log. Only the leader accepts; see ProposeErrorCode for refusals. The
   *  entry is at `index` with `term` — if the entry later applied at `index` has another term,
   *  the proposal was lost (leader change) and the caller must report that. */
  propose(data: Uint8Array): ProposeResult;
  /** Propose a one-server membership change (leader only; one pending at a time). */
  proposeConfChange(cc: ConfChange): ProposeResult;
  /** Ask for a linearizable read point. Works on the leader and on followers (forwarded to the
   *  leader). The answer arrives as a ReadState carrying `ctx` in a later Ready; returns false
   *  (and drops the request) when no leader is known. `ctx` must be unique per request. */
  readIndex(ctx: Uint8Array): boolean;
  /** Ask the leader to hand leadership to `to` (on a follower, forwarded to the leader). */
  transferLeadership(to: NodeId): void;
  /** Report that a snapshot send to `to` finished or failed. */
  reportSnapshot(to: NodeId, ok: boolean): void;
  /** Report that `to` could not be reached (flow-control hint). */
  reportUnreachable(to: NodeId): void;
  hasReady(): boolean;
  /** The next batch of work. Must be followed by `advance(rd)` before the next `ready()`. */
  ready(): Ready;
  /** Acknowledge that everything in `rd` is persisted, sent and applied. Committed conf-change
   *  entries in `rd.committedEntries` take effect here (or in `ready()` — see raw-node.ts). */
  advance(rd: Ready): void;
  /** Record an application snapshot at `index` (<= applied) and drop the log up to it, keeping
   *  nothing before it. The driver persists the snapshot first, then calls this. */
  compact(index: LogIndex, data: Uint8Array): void;
  status(): Status;
  hardState(): HardState;
}
