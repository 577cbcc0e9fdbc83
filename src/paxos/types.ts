// The vocabulary of the Paxos core: ballots, slots, values, messages and the Ready a driver
// carries out. Plain data only; the core imports nothing outside src/paxos. Names follow Lamport's
// "Paxos Made Simple": proposers send prepare (phase 1a) and accept (phase 2a) requests,
// acceptors answer with promises (1b) and acceptances (2b), learners learn chosen values.

/** A member's id: a positive integer (0 means "none"). */
export type NodeId = number;
/** A position in the Multi-Paxos log; each slot is one instance of single-decree Paxos. Starts at 1. */
export type Slot = number;

/** A proposal number: rounds order ballots, the proposer's id breaks ties (see ballot.ts). */
export interface Ballot {
  readonly round: number;
  readonly node: NodeId;
}

/** A proposed value: the client's bytes as a string, or null for a no-op (a filled gap). */
export type Value = string | null;
export const NOOP: Value = null;

/** What an acceptor has accepted in one slot: the highest-numbered proposal it accepted there. */
export interface AcceptedEntry {
  slot: Slot;
  ballot: Ballot;
  value: Value;
}

/** A value known to be chosen in a slot. */
export interface ChosenEntry {
  slot: Slot;
  value: Value;
}

export type PaxosMode =
  /** Multi-Paxos: a stable leader runs phase 1 once for every slot from its first unchosen one,
   *  then only phase 2 per value; gaps it finds are filled with no-ops. */
  | 'multi'
  /** Single-decree Paxos in every slot: no leader, every proposer runs both phases for the slot it
   *  wants, and proposers compete (duel) for the same slot. */
  | 'basic';

interface Base {
  from: NodeId;
  to: NodeId;
}

/** Phase 1a: "promise me `ballot` for every slot from `fromSlot` on". */
export interface PrepareMsg extends Base {
  type: 'prepare';
  ballot: Ballot;
  fromSlot: Slot;
  /** Basic mode: report only `fromSlot` (the one instance this proposer runs). */
  single: boolean;
}

/** Phase 1b: the promise (ok) with what this acceptor accepted, or a refusal naming its promise. */
export interface PromiseMsg extends Base {
  type: 'promise';
  ballot: Ballot;
  ok: boolean;
  /** The acceptor's promise after handling the prepare (on a refusal: the higher one). */
  promised: Ballot;
  /** The highest-numbered proposal this acceptor accepted in each prepared slot. */
  accepted: AcceptedEntry[];
  /** Values this member already knows chosen in the prepared slots (the proposer learns them). */
  chosen: ChosenEntry[];
}

/** Phase 2a: "accept these values under `ballot`". */
export interface AcceptMsg extends Base {
  type: 'accept';
  ballot: Ballot;
  entries: ChosenEntry[];
  /** Multi-Paxos: values the leader saw chosen since its last message (the learn step rides
   *  on the next accept or heartbeat, as Raft's commit index does). */
  decided: ChosenEntry[];
}

/** Phase 2b: the slots accepted under `ballot`, or a refusal naming the acceptor's promise. */
export interface AcceptedMsg extends Base {
  type: 'accepted';
  ballot: Ballot;
  ok: boolean;
  promised: Ballot;
  slots: Slot[];
}

/** A learner is told chosen values (by the proposer that saw a majority accept them). */
export interface DecideMsg extends Base {
  type: 'decide';
  entries: ChosenEntry[];
}

/** Multi-Paxos: the leader's keep-alive, with its first unchosen slot. */
export interface HeartbeatMsg extends Base {
  type: 'heartbeat';
  ballot: Ballot;
  firstUnchosen: Slot;
  decided: ChosenEntry[];
}

/** Multi-Paxos: a follower's answer to a heartbeat (refused when it promised a higher ballot). */
export interface HeartbeatRespMsg extends Base {
  type: 'heartbeat-resp';
  ballot: Ballot;
  ok: boolean;
  promised: Ballot;
  firstUnchosen: Slot;
  /** The leader's first unchosen slot as the heartbeat told it: a follower still below it after
   *  the heartbeat's decisions missed some, and the leader sends them again. */
  leaderFirstUnchosen: Slot;
}

/** Basic mode: a learner that saw later slots in use asks a peer for chosen values from
 *  `firstUnchosen` on. */
export interface LearnReqMsg extends Base {
  type: 'learn-req';
  firstUnchosen: Slot;
}

export type PaxosMessage = PrepareMsg | PromiseMsg | AcceptMsg | AcceptedMsg | DecideMsg | HeartbeatMsg | HeartbeatRespMsg | LearnReqMsg;
export type PaxosMessageType = PaxosMessage['type'];

export type PaxosRole = 'follower' | 'candidate' | 'leader' | 'proposer';

/** What an acceptor and a learner keep on stable storage. */
export interface PaxosDurableState {
  /** The highest ballot this acceptor promised (or accepted). */
  promised: Ballot;
  /** Per slot: the highest-numbered proposal accepted there. */
  accepted: AcceptedEntry[];
  /** Values this learner learned. Not needed for safety (they can be learned again); kept so a
   *  restarted member does not have to. */
  chosen: ChosenEntry[];
}

/**
 * A batch of work for the driver, which must, in this order:
 *  1. persist `promised` (if set), `accepted` and `chosen` in ONE synced write, BEFORE sending
 *     any message: a promise or an acceptance that is sent and then forgotten breaks Paxos;
 *  2. send `messages`;
 *  3. apply `committed` to the state machine (slot order, contiguous from the last applied).
 * The core does not wait for an acknowledgement: a driver that crashes part way discards the
 * node and restarts from what it persisted.
 */
export interface PaxosReady {
  promised?: Ballot;
  accepted: AcceptedEntry[];
  chosen: ChosenEntry[];
  messages: PaxosMessage[];
  committed: ChosenEntry[];
  /** Present when role, leader or ballot changed. */
  softState?: { role: PaxosRole; leader: NodeId; ballot: Ballot };
}

/** Deterministic randomness, injected so that the simulator replays exactly. */
export interface Rng {
  /** A uniformly distributed integer in [0, n). */
  intn(n: number): number;
}

/** Test-only switches that re-introduce classic Paxos bugs, so the simulator can show its checks
 *  catch them. Production code never sets them. */
export interface PaxosMutations {
  /** An acceptor accepts a proposal numbered below what it promised. */
  acceptBelowPromise?: boolean;
  /** A proposer ignores the values reported in the promises and proposes its own (or a no-op). */
  ignorePromisedValue?: boolean;
}

export interface PaxosConfig {
  id: NodeId;
  /** Every member (acceptors and learners), this one included. Fixed: no reconfiguration. */
  members: readonly NodeId[];
  mode: PaxosMode;
  /** Ticks of silence before a follower starts phase 1 (randomised in [electionTicks,
   *  2*electionTicks)); also how long a proposer waits for a phase before retrying. */
  electionTicks: number;
  /** Ticks between a leader's heartbeats (and, in basic mode, learn requests). < electionTicks. */
  heartbeatTicks: number;
  rng: Rng;
  /** What the member persisted before it last stopped. */
  restored?: PaxosDurableState;
  /** Leader: slots proposed but not yet chosen; basic mode: client values waiting. Default 256. */
  maxPendingValues?: number;
  /** Entries in one accept or decide message. Default 64. */
  maxEntriesPerMsg?: number;
  mutations?: PaxosMutations;
}

export type ProposeResult =
  | { ok: true; slot: Slot | undefined }
  | { ok: false; code: 'NOT_LEADER'; leader: NodeId }
  | { ok: false; code: 'BUSY' | 'NOT_PROPOSER' };
