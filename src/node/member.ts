// The driver: the ONE loop that turns the consensus core's Ready into I/O, in the order the
// contract in raft/types.ts demands: persist -> send -> apply -> advance. It also keeps client
// requests honest: every proposal gets its own result or a coded error, never a silent hang.

import { CodedError, isErrorCode, type ErrorCode } from '../api/errors.js';
import type {
  ClusterInfo,
  MemberRole,
  ServerFacade,
  StateView,
  WatchOptions,
  WatchSubscription,
} from '../api/server-facade.js';
import { RawNode, MemoryLog, decodeConfChange, encodeConfChange } from '../raft/index.js';
import {
  ConfChangeType,
  EntryType,
  MessageType,
  StateRole,
  type Entry,
  type Message,
  type NodeId,
  type Ready,
  type Rng,
  type Snapshot,
} from '../raft/types.js';
import type { Command, CommandResult, LockHolder, WatchEvent } from '../state/commands.js';
import { StateMachine, WatchHub, encodeCommand, snapshotChunks, type SnapshotCut } from '../state/index.js';
import {
  decodeForwardRequest,
  decodeForwardResponse,
  encodeForward,
  type ForwardRequest,
  type ForwardResponse,
} from './forward.js';
import { Lessor } from './lessor.js';
import {
  MemberDirectory,
  decodeMemberContext,
  decodeSnapshotEnvelope,
  encodeMemberContext,
  snapshotEnvelopeHeader,
  type MemberRecord,
} from './members.js';
import type { Cancelable, Clock, DurableLog, Logger, NodeMetrics, PeerLink } from './ports.js';

/** Snapshot encoding: keys per encoded piece, and how long one event-loop turn may encode. */
const SNAPSHOT_KEYS_PER_CHUNK = 2_000;
const SNAPSHOT_SLICE_MS = 4;

export interface MemberOptions {
  self: MemberRecord;
  /** Founding members (including self) for a brand-new cluster; ignored when the log exists. */
  initialMembers: MemberRecord[];
  /** A new member joining an existing cluster: start empty and learn everything from the leader. */
  join: boolean;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  /** Take a snapshot and compact the log every this many applied entries. */
  snapshotThreshold: number;
  historyRevisions: number;
  maxPendingProposals: number;
  maxWatchers: number;
  requestTimeoutMs: number;
  /** The id a member name maps to in this cluster (cmd/ derives it from name + cluster token). */
  memberIdFor: (name: string) => number;
  log: DurableLog;
  peers: PeerLink;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  metrics?: NodeMetrics;
  /** TEST HOOKS that re-introduce bugs on purpose (fault-injection suite only). */
  unsafe?: {
    /** Serve linearizable reads from local state without ReadIndex. */
    localReads?: boolean;
    /** Acknowledge puts and deletes once the leader has persisted them, before they commit. */
    ackBeforeCommit?: boolean;
  };
}

interface PendingProposal {
  term: number;
  /** UNSAFE test hook: acknowledge once persisted locally, with this synthesized result. */
  ackOnPersist?: CommandResult;
  startedAt: number;
  resolve(r: CommandResult): void;
  reject(e: CodedError): void;
  timer: Cancelable;
}

interface ReadWaiter {
  resolve(): void;
  reject(e: CodedError): void;
  done: boolean;
}

interface ApplyWaiter {
  index: number;
  resolve(): void;
}

interface LockWaiterWatch {
  name: string;
  waiterId: string;
  resolve(h: LockHolder | null): void;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

const ROLE_OF: Record<StateRole, MemberRole> = {
  [StateRole.Leader]: 'leader',
  [StateRole.Follower]: 'follower',
  [StateRole.Candidate]: 'candidate',
  [StateRole.PreCandidate]: 'candidate',
};

/** Max entries handed to one Ready-persist cycle is bounded by the core; this bounds reads. */
const MAX_READ_WAITERS = 100_000;
/** How long a leader may hold an AppendEntries that carries only a new commit (heldEmptyApps). */
const COMMIT_HOLD_MS = 2;
const EMPTY_BYTES = new Uint8Array(0);
const MAX_LOCK_WATCHES = 100_000;
const MAX_REVOKES_PER_CHECK = 64;

export class Member implements ServerFacade {
  private readonly o: MemberOptions;
  private readonly raft: RawNode;
  private readonly memLog: MemoryLog;
  private sm: StateMachine;
  private readonly hub: WatchHub;
  private readonly directory = new MemberDirectory();
  private readonly lessor = new Lessor();

  private applied: number;
  private snapshotIndex: number;
  /**
   * A snapshot in the making: the state was cut (consistently, at `index`) inside the loop, and
   * its bytes are encoded a few milliseconds per event-loop turn so that a large state never
   * stalls the member (heartbeats, requests) for the whole encoding. When `data` is set, the loop
   * compacts the log at its next turn and hands the snapshot to storage, which writes it in
   * pieces while the loop goes on (`persisting`); the job ends when it is durable. Dropped if a
   * snapshot from the leader overtakes it.
   */
  private snapshotJob: { index: number; startedAt: number; data?: Uint8Array; persisting?: boolean } | null = null;
  private lead: NodeId = 0;
  private role: StateRole = StateRole.Follower;
  /** Index of the first entry of this member's current leadership term (its empty entry). */
  private leaderSinceIndex = Number.POSITIVE_INFINITY;

  private readonly pending = new Map<number, PendingProposal>();
  /** Applied changes not yet handed to the watch hub (drained on the next turn). */
  private publishQueue: { revision: number; events: WatchEvent[] }[] = [];
  private publishScheduled = false;
  private readonly readQueue: ReadWaiter[] = [];
  private readInFlight: { ctx: string; waiters: ReadWaiter[]; startedAt: number; retry: Cancelable } | null = null;
  private readSeq = 0;
  private applyWaiters: ApplyWaiter[] = [];
  private readonly lockWatches = new Set<LockWaiterWatch>();
  private readonly leaderWaiters = new Set<() => void>();

  /** Term and vote of the last hard state written (see handleReady). */
  private savedTerm = -1;
  private savedVote = -1;
  private loopRunning = false;
  private loopAgain = false;
  /**
   * Leader: AppendEntries that carry no entries (a new commit index, or a probe), held back by
   * peer for up to COMMIT_HOLD_MS. Any later AppendEntries to the same peer carries a commit
   * index at least as high (early sends clamp theirs to what is durable here, and a held commit
   * never exceeds that: it was built after the write that made it durable), so the held one is
   * simply dropped when entries follow soon — under load, or one client writing back to back.
   * Each such message costs a socket write, a wake-up of the follower and an answer, which on a
   * virtual machine is most of the CPU of a lone put. A quiet leader sends it when the hold ends:
   * followers learn a commit (and apply, serve watchers) at most that much later; linearizable
   * reads on followers are not delayed, as their ReadIndex heartbeat carries the commit, and a
   * follower whose forwarded proposal was answered gets its held commit with the answer
   * (releaseHeldApp), since it waits to apply that entry itself before it answers its client.
   */
  private heldEmptyApps = new Map<NodeId, Message>();
  private heldFlush: Cancelable | null = null;
  private stopped = false;
  private stopping = false;
  private ticker: Cancelable | null = null;
  private lessorTimer: Cancelable | null = null;
  private loopIdle: Promise<void> = Promise.resolve();
  private fatalError: unknown = null;

  private constructor(o: MemberOptions, raft: RawNode, memLog: MemoryLog, sm: StateMachine, applied: number, snapshotIndex: number) {
    this.o = o;
    this.raft = raft;
    this.memLog = memLog;
    this.sm = sm;
    this.applied = applied;
    this.snapshotIndex = snapshotIndex;
    this.hub = new WatchHub(sm, { maxWatchers: o.maxWatchers });
  }

  /** Recover from the durable log (or bootstrap a new cluster), then start ticking. */
  static async start(o: MemberOptions): Promise<Member> {
    const loaded = await o.log.load();
    const memLog = new MemoryLog();
    let sm = new StateMachine({ historyRevisions: o.historyRevisions });
    let members: MemberRecord[] | null = null;
    let snapshotIndex = 0;

    if (!loaded.hardState && !loaded.snapshot && loaded.entries.length === 0 && !o.join) {
      // A brand-new founding member: every founder writes the same bootstrap entries, so the
      // membership is itself in the log and later members learn it by replication.
      const ids = o.initialMembers.map((m) => m.id);
      const boot = MemoryLog.bootstrap(ids);
      const byId = new Map(o.initialMembers.map((m) => [m.id, m]));
      const entries = boot.entries.map((e) => {
        const cc = decodeConfChange(e.data);
        const rec = byId.get(cc.nodeId);
        if (!rec) throw new Error(`bootstrap entry for unknown member ${cc.nodeId}`);
        return { ...e, data: reencodeWithContext(e, rec) };
      });
      await o.log.save({ hardState: boot.hardState, entries }, true);
      loaded.hardState = boot.hardState;
      loaded.entries = entries;
    }

    if (loaded.snapshot) {
      memLog.applySnapshot(loaded.snapshot);
      snapshotIndex = loaded.snapshot.metadata.index;
      if (loaded.snapshot.data.length > 0) {
        const env = decodeSnapshotEnvelope(loaded.snapshot.data);
        members = env.members;
        sm = StateMachine.restore(env.state, { historyRevisions: o.historyRevisions });
      }
    }
    if (loaded.entries.length > 0) memLog.append(loaded.entries);
    if (loaded.hardState) memLog.setHardState(loaded.hardState);

    const raft = new RawNode({
      id: o.self.id,
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      storage: memLog,
      rng: o.rng,
      applied: snapshotIndex,
      preVote: true,
      checkQuorum: true,
      maxInflightMsgs: 256,
      maxSizePerMsg: 1 << 20,
      maxCommittedSizePerReady: 8 << 20,
      maxUncommittedEntriesSize: 64 << 20,
    });
    const m = new Member(o, raft, memLog, sm, snapshotIndex, snapshotIndex);
    if (loaded.hardState) {
      m.savedTerm = loaded.hardState.term;
      m.savedVote = loaded.hardState.vote;
    }
    if (members) m.directory.replaceAll(members);
    for (const rec of o.initialMembers) if (!m.directory.get(rec.id)) m.directory.upsert(rec);
    m.directory.upsert(o.self);
    for (const rec of m.directory.all()) if (rec.id !== o.self.id) o.peers.setPeer(rec.id, rec.peerUrl);

    m.ticker = o.clock.every(o.tickMs, () => {
      if (m.stopped) return;
      m.raft.tick();
      m.kick();
    });
    m.lessorTimer = o.clock.every(Math.max(o.tickMs, 50), () => m.checkLeases());
    m.kick();
    return m;
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs from the transport

  /** A Raft message from a peer. */
  handlePeerMessage(msg: Message): void {
    if (this.stopped) return;
    this.raft.step(msg);
    this.kick();
  }

  reportSnapshot(to: number, ok: boolean): void {
    if (this.stopped) return;
    this.raft.reportSnapshot(to, ok);
    this.kick();
  }

  reportUnreachable(to: number): void {
    if (this.stopped) return;
    this.raft.reportUnreachable(to);
  }

  /** A forwarded client request from a follower (we are, or were, the leader). */
  async handlePeerRequest(from: number, payload: Uint8Array): Promise<Uint8Array> {
    let req: ForwardRequest;
    try {
      req = decodeForwardRequest(payload);
    } catch (e) {
      return encodeForward({ ok: false, code: 'BAD_REQUEST', message: (e as Error).message });
    }
    try {
      let resp: ForwardResponse;
      if (req.kind === 'propose') {
        if (this.role !== StateRole.Leader) throw this.notLeaderError();
        const { result, index } = await this.proposeLocal(req.cmd, Math.min(req.timeoutMs, this.o.requestTimeoutMs));
        this.releaseHeldApp(from);
        resp = { ok: true, kind: 'propose', result, index };
      } else if (req.kind === 'keepalive') {
        const ttlMs = await this.keepaliveLocal(req.lease);
        resp = { ok: true, kind: 'keepalive', ttlMs };
      } else if (req.kind === 'leaseRemaining') {
        const remainingMs = await this.remainingLocal(req.lease);
        resp = { ok: true, kind: 'leaseRemaining', remainingMs };
      } else {
        const index = await this.confChangeLocal(req.change, req.member);
        resp = { ok: true, kind: 'confChange', index };
      }
      return encodeForward(resp);
    } catch (e) {
      const ce = e instanceof CodedError ? e : new CodedError('INTERNAL', (e as Error)?.message ?? 'internal error');
      return encodeForward({ ok: false, code: ce.code, message: ce.message, details: ce.details });
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The loop

  private kick(): void {
    if (this.stopped) return;
    if (this.loopRunning) {
      this.loopAgain = true;
      return;
    }
    if (!this.raft.hasReady()) return;
    this.kickLoop();
  }

  /** Start the loop if it is not running (it exits when there is nothing left to do). */
  private kickLoop(): void {
    if (this.stopped || this.loopRunning) return;
    this.loopRunning = true;
    this.loopIdle = this.runLoop();
  }

  private async runLoop(): Promise<void> {
    try {
      do {
        this.loopAgain = false;
        while (!this.stopped && this.raft.hasReady()) {
          const rd = this.raft.ready();
          await this.handleReady(rd);
          this.raft.advance(rd);
          this.afterAdvance();
          await this.maybeSnapshot();
        }
        if (!this.stopped && this.snapshotJob?.data !== undefined && !this.snapshotJob.persisting) await this.maybeSnapshot();
      } while (this.loopAgain && !this.stopped);
    } catch (err) {
      this.fail(err);
    } finally {
      this.loopRunning = false;
    }
  }

  private async handleReady(rd: Ready): Promise<void> {
    if (rd.softState) this.onSoftState(rd.softState.lead, rd.softState.role);

    // 0. A leader may send its AppendEntries while it writes the same entries to its own disk
    //    (Raft dissertation §10.2.1): followers persist before they acknowledge, and nothing the
    //    leader learns from their answers becomes visible (applied, acknowledged, or sent as a
    //    commit index) before this Ready's write has finished, because the next Ready is only
    //    built after it. The one thing these early messages could leak is a commit index that
    //    covers entries of this very Ready (a lone voter commits on its own append), so their
    //    commit is clamped to what is already durable here. Everything else — votes, responses,
    //    snapshots — still goes out only after the write.
    //    Only when this Ready changes no term or vote: messages carrying a term must never
    //    precede the durable record of that term (a lone voter becomes leader in one Ready).
    const hsNews = rd.hardState !== undefined && (rd.hardState.term !== this.savedTerm || rd.hardState.vote !== this.savedVote);
    const durable = this.memLog.lastIndex();
    let messages = rd.messages;
    if (this.role === StateRole.Leader && !hsNews && rd.entries.length > 0 && !rd.snapshot && !this.o.unsafe?.ackBeforeCommit) {
      const early: Message[] = [];
      const late: Message[] = [];
      for (const m of messages) {
        if (m.type === MessageType.App && m.entries.length > 0) early.push(m.commit > durable ? { ...m, commit: durable } : m);
        else late.push(m);
      }
      if (early.length > 0) this.sendMessages(early);
      messages = late;
    }

    // 1. persist — one write batch, synced when the core says a promise depends on it.
    //    A hard state whose term and vote are unchanged differs only in its commit index, which
    //    need not be durable (Figure 2 lists it as volatile; a restarted member relearns it), so
    //    it does not cost a write of its own: it rides along with the next write of entries.
    //    The write is handed to the disk first, so everything below overlaps with it.
    let saving: Promise<void> | null = null;
    const t0 = performance.now();
    if (hsNews || rd.entries.length > 0 || rd.snapshot) {
      saving = this.o.log.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot }, rd.mustSync || !!rd.snapshot);
    }

    // Committed entries that were already durable here before this Ready (persisted by an
    // earlier one) are applied while this Ready's own write is in flight: they are committed and
    // on disk, so applying them first changes no outcome — it only stops a client from waiting
    // out an unrelated fsync. The rest are applied after the write, as usual.
    let committed = rd.committedEntries;
    if (saving !== null && !rd.snapshot && committed.length > 0) {
      let n = 0;
      while (n < committed.length && committed[n].index <= durable) n++;
      if (n > 0) {
        this.applyEntries(n === committed.length ? committed : committed.slice(0, n));
        committed = n === committed.length ? [] : committed.slice(n);
      }
    }

    if (saving !== null) {
      await saving;
      if (rd.hardState) {
        this.savedTerm = rd.hardState.term;
        this.savedVote = rd.hardState.vote;
      }
      this.o.metrics?.storageSyncSeconds?.((performance.now() - t0) / 1000);
      if (this.o.unsafe?.ackBeforeCommit && rd.entries.length > 0) this.unsafeAckPersisted(rd.entries[rd.entries.length - 1].index);
    }
    if (rd.hardState) this.o.metrics?.term?.(rd.hardState.term);

    // 2. send
    if (messages.length > 0) this.sendMessages(messages);

    // 3. apply
    if (rd.snapshot) this.installSnapshot(rd.snapshot);
    if (committed.length > 0) this.applyEntries(committed);
    for (const rs of rd.readStates) this.onReadState(utf8Decoder.decode(rs.requestCtx), rs.index);
  }

  /** Hands messages to the transport; a leader's empty AppendEntries are held (heldEmptyApps). */
  private sendMessages(messages: Message[]): void {
    if (this.role !== StateRole.Leader) {
      this.o.peers.send(messages);
      return;
    }
    const out: Message[] = [];
    for (const m of messages) {
      if (m.type !== MessageType.App) {
        out.push(m);
      } else if (m.entries.length > 0) {
        this.heldEmptyApps.delete(m.to);
        out.push(m);
      } else {
        this.heldEmptyApps.set(m.to, m);
      }
    }
    if (out.length > 0) this.o.peers.send(out);
    if (this.heldEmptyApps.size === 0) {
      this.heldFlush?.cancel();
      this.heldFlush = null;
    } else if (this.heldFlush === null) {
      // The hold is counted from the oldest message held, so a steady stream of commits cannot
      // postpone it: nothing waits longer than COMMIT_HOLD_MS.
      this.heldFlush = this.o.clock.after(COMMIT_HOLD_MS, () => this.flushHeldEmptyApps());
    }
  }

  /** Send `to` its held AppendEntries now, if one is held (see heldEmptyApps). The hold's timer
   *  runs on; flushHeldEmptyApps finds nothing (or only the others) when it fires. */
  private releaseHeldApp(to: NodeId): void {
    const m = this.heldEmptyApps.get(to);
    if (m === undefined || this.stopped || this.role !== StateRole.Leader) return;
    this.heldEmptyApps.delete(to);
    this.o.peers.send([m]);
  }

  private flushHeldEmptyApps(): void {
    this.heldFlush = null;
    if (this.heldEmptyApps.size === 0) return;
    const held = [...this.heldEmptyApps.values()];
    this.heldEmptyApps.clear();
    if (this.stopped || this.role !== StateRole.Leader) return;
    this.o.peers.send(held);
  }

  /** UNSAFE test hook: answer proposals as soon as the leader persisted them (a classic bug). */
  private unsafeAckPersisted(lastIndex: number): void {
    for (const [index, p] of this.pending) {
      if (index > lastIndex || !p.ackOnPersist) continue;
      this.pending.delete(index);
      p.timer.cancel();
      p.resolve(p.ackOnPersist);
    }
  }

  private afterAdvance(): void {
    const m = this.o.metrics;
    if (!m) return;
    m.proposalsPending?.(this.pending.size);
    const stats = this.o.log.stats?.();
    if (stats) m.logSize?.(stats.entries, stats.bytes, stats.firstIndex, stats.lastIndex);
    else m.logSize?.(this.memLog.lastIndex() - this.memLog.firstIndex() + 1, 0, this.memLog.firstIndex(), this.memLog.lastIndex());
  }

  private onSoftState(lead: NodeId, role: StateRole): void {
    const prevLead = this.lead;
    const prevRole = this.role;
    this.lead = lead;
    this.role = role;
    if (prevLead !== lead) {
      this.o.metrics?.leaderChanged?.();
      this.o.logger.info({ lead, role, term: this.raft.status().term }, 'leader changed');
      if (lead !== 0) for (const w of [...this.leaderWaiters]) w();
    }
    if (role === StateRole.Candidate && prevRole !== StateRole.Candidate) this.o.metrics?.electionStarted?.();
    if (role === StateRole.Leader && prevRole !== StateRole.Leader) {
      this.o.metrics?.electionWon?.();
      this.leaderSinceIndex = this.raft.status().lastIndex;
      this.lessor.promote();
    } else if (role !== StateRole.Leader && prevRole === StateRole.Leader) {
      this.leaderSinceIndex = Number.POSITIVE_INFINITY;
      this.lessor.demote();
    }
    this.o.metrics?.role?.(role === StateRole.Leader, lead !== 0);
  }

  private installSnapshot(snap: Snapshot): void {
    const idx = snap.metadata.index;
    if (snap.data.length > 0) {
      const env = decodeSnapshotEnvelope(snap.data);
      this.sm = StateMachine.restore(env.state, { historyRevisions: this.o.historyRevisions });
      this.directory.replaceAll(env.members);
      this.directory.upsert(this.o.self);
      for (const rec of env.members) if (rec.id !== this.o.self.id) this.o.peers.setPeer(rec.id, rec.peerUrl);
    }
    this.applied = idx;
    this.snapshotIndex = idx;
    this.snapshotJob = null; // our own snapshot in the making is older: drop it
    // Queued changes are covered by the new state: the resync replays history from where each
    // watcher stands.
    this.publishQueue = [];
    this.hub.resync(this.sm);
    // Proposals at or below the snapshot: this member cannot tell whether they were applied.
    for (const [index, p] of this.pending) {
      if (index <= idx) {
        this.pending.delete(index);
        p.timer.cancel();
        p.reject(new CodedError('TIMEOUT', 'outcome unknown: this member installed a snapshot past the proposal'));
      }
    }
    this.notifyApplied();
    this.checkLockWatches();
    this.updateCoordinationGauges();
  }

  private applyEntries(entries: Entry[]): void {
    const t0 = performance.now();
    const now = this.o.clock.now();
    let leaseChange = false;
    for (const e of entries) {
      if (e.index <= this.applied) continue;
      if (e.index !== this.applied + 1) throw new Error(`apply gap: applied=${this.applied}, next entry ${e.index}`);
      let result: CommandResult | undefined;
      if (e.type === EntryType.ConfChange) {
        this.applyConfChange(e);
      } else if (e.data.length > 0) {
        const out = this.sm.applyEncoded(e.data);
        result = out.result;
        const cmd = out.cmd;
        if (cmd) {
          if (out.events.length > 0) this.queuePublish(out.result.revision, out.events);
          if (cmd.op === 'leaseGrant' && result.op === 'leaseGrant') {
            this.lessor.renew(cmd.id, cmd.ttlMs, now);
            leaseChange = true;
            this.o.metrics?.leaseGranted?.();
          } else if (cmd.op === 'leaseRevoke') {
            this.lessor.forget(cmd.id);
            leaseChange = true;
            if (result.op === 'leaseRevoke') this.o.metrics?.leaseRevoked?.(cmd.reason);
          } else if (cmd.op.startsWith('lock')) {
            leaseChange = true;
          }
        }
      }
      this.applied = e.index;
      const p = this.pending.get(e.index);
      if (p) {
        this.pending.delete(e.index);
        p.timer.cancel();
        if (p.term !== e.term) {
          p.reject(new CodedError('PROPOSAL_LOST', 'leader changed and the proposed entry was replaced; it was not applied'));
          this.o.metrics?.proposalFailed?.('PROPOSAL_LOST');
        } else {
          this.o.metrics?.proposalCommitted?.((now - p.startedAt) / 1000);
          p.resolve(result ?? { op: 'noop', revision: this.sm.revision() });
        }
      }
    }
    this.o.metrics?.proposalApplied?.(entries.length);
    this.o.metrics?.applySeconds?.((performance.now() - t0) / 1000);
    if (leaseChange) this.updateCoordinationGauges();
    this.notifyApplied();
    this.checkLockWatches();
  }

  /**
   * Watch fan-out runs after the current apply batch, not inside it: the writers waiting on these
   * entries get their answers first, so a thousand watchers never slow a write down. Order is
   * kept (one queue, drained in order), and the hub's published revision — what progress
   * messages vouch for — only moves when the events have really been handed out.
   */
  private queuePublish(revision: number, events: WatchEvent[]): void {
    this.publishQueue.push({ revision, events });
    if (this.publishScheduled) return;
    this.publishScheduled = true;
    setImmediate(() => {
      this.publishScheduled = false;
      const q = this.publishQueue;
      this.publishQueue = [];
      for (const p of q) this.hub.publish(p.revision, p.events);
    });
  }

  /** The revision up to which applied changes have been handed to watchers. */
  publishedRevision(): number {
    return this.hub.publishedRevision();
  }

  private applyConfChange(e: Entry): void {
    const cc = decodeConfChange(e.data);
    const rec = decodeMemberContext(cc.context);
    if (cc.type === ConfChangeType.RemoveNode) {
      this.directory.remove(cc.nodeId);
      if (cc.nodeId !== this.o.self.id) this.o.peers.removePeer(cc.nodeId);
    } else if (rec) {
      this.directory.upsert(rec);
      if (rec.id !== this.o.self.id) this.o.peers.setPeer(rec.id, rec.peerUrl);
    }
  }

  private notifyApplied(): void {
    if (this.applyWaiters.length === 0) return;
    const ready: ApplyWaiter[] = [];
    const rest: ApplyWaiter[] = [];
    for (const w of this.applyWaiters) (w.index <= this.applied ? ready : rest).push(w);
    this.applyWaiters = rest;
    for (const w of ready) w.resolve();
  }

  private waitApplied(index: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    return new Promise((resolve) => this.applyWaiters.push({ index, resolve }));
  }

  /**
   * Resolves once `index` is applied here or `ms` have passed, whichever is first. The loser is
   * cleaned up: no timer outlives an applied entry (a forwarded write used to leave one running
   * for the whole request timeout), and no waiter outlives its timeout.
   */
  private waitAppliedFor(index: number, ms: number): Promise<void> {
    if (index <= this.applied) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.o.clock.after(ms, () => {
        this.applyWaiters = this.applyWaiters.filter((x) => x !== waiter);
        resolve();
      });
      const waiter: ApplyWaiter = {
        index,
        resolve: () => {
          timer.cancel();
          resolve();
        },
      };
      this.applyWaiters.push(waiter);
    });
  }

  /** Called by the loop between Readies: finish an encoded snapshot, or start one. */
  private async maybeSnapshot(): Promise<void> {
    const job = this.snapshotJob;
    if (job?.persisting) return;
    if (job?.data !== undefined) {
      if (job.index <= this.snapshotIndex) {
        this.snapshotJob = null; // a snapshot from the leader overtook it
        return;
      }
      // Compacting the in-memory log first is safe: a lagging follower is then sent this
      // snapshot, made of committed state, whether or not it is durable here yet; and until the
      // store's last batch lands, a restart finds the previous snapshot and the full log.
      this.raft.compact(job.index, job.data);
      const snap = this.memLog.snapshot();
      job.persisting = true;
      const bytes = job.data.length;
      this.o.log.saveSnapshot(snap).then(
        (stored) => {
          if (this.snapshotJob === job) this.snapshotJob = null;
          if (this.stopped) return;
          if (!stored) {
            this.o.logger.info({ index: job.index }, 'snapshot dropped: one from the leader overtook it');
            return;
          }
          this.snapshotIndex = Math.max(this.snapshotIndex, job.index);
          this.o.metrics?.snapshotTaken?.((performance.now() - job.startedAt) / 1000, bytes);
          this.o.logger.info({ index: job.index, bytes }, 'snapshot taken, log compacted');
        },
        (err: unknown) => {
          if (!this.stopped) this.fail(err);
          else this.o.logger.error({ err: String(err) }, 'snapshot not persisted before the member stopped');
        },
      );
      return;
    }
    if (job !== null || this.applied - this.snapshotIndex < this.o.snapshotThreshold) return;
    const started: { index: number; startedAt: number; data?: Uint8Array } = { index: this.applied, startedAt: performance.now() };
    this.snapshotJob = started;
    // Two phases, a few milliseconds per event-loop turn each: encode the cut in pieces, then
    // copy the pieces into the one buffer the core keeps (one copy of tens of MiB at once is
    // itself a stall of a few hundred milliseconds here).
    const parts: Uint8Array[] = [snapshotEnvelopeHeader(this.directory.all())];
    const cut = this.sm.cut();
    const chunks = snapshotChunks(cut, SNAPSHOT_KEYS_PER_CHUNK);
    let out: Uint8Array | null = null;
    let copied = 0;
    let at = 0;
    const step = (): void => {
      try {
        encodeSome();
      } catch (err) {
        cut.kvs.release();
        this.fail(err);
      }
    };
    const encodeSome = (): void => {
      if (this.stopped || this.snapshotJob !== started) {
        cut.kvs.release(); // stopped, or overtaken
        return;
      }
      const until = performance.now() + SNAPSHOT_SLICE_MS;
      while (out === null) {
        const next = chunks.next();
        if (next.done) {
          cut.kvs.release();
          out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          break;
        }
        parts.push(next.value);
        if (performance.now() >= until) {
          setImmediate(step);
          return;
        }
      }
      while (copied < parts.length) {
        out.set(parts[copied]!, at);
        at += parts[copied]!.length;
        parts[copied++] = EMPTY_BYTES; // let the piece go
        if (copied < parts.length && performance.now() >= until) {
          setImmediate(step);
          return;
        }
      }
      started.data = out;
      this.loopAgain = true;
      this.kickLoop();
    };
    step();
  }

  private fail(err: unknown): void {
    if (this.fatalError) return;
    this.fatalError = err;
    this.o.logger.error({ err: String((err as Error)?.stack ?? err) }, 'fatal error in the raft loop; member stops');
    this.stopped = true;
    this.ticker?.cancel();
    this.lessorTimer?.cancel();
    this.heldFlush?.cancel();
    this.rejectAll(new CodedError('INTERNAL', 'member stopped after a fatal error'));
  }

  // ---------------------------------------------------------------------------------------------
  // Proposals

  private notLeaderError(): CodedError {
    return this.lead === 0
      ? new CodedError('NO_LEADER', 'no leader is known; retry shortly')
      : new CodedError('NO_LEADER', `this member is not the leader (leader is ${this.lead})`);
  }

  private proposeLocal(cmd: Command, timeoutMs: number): Promise<{ result: CommandResult; index: number }> {
    if (this.stopping || this.stopped) return Promise.reject(new CodedError('SHUTTING_DOWN', 'member is shutting down'));
    if (this.pending.size >= this.o.maxPendingProposals) {
      return Promise.reject(new CodedError('TOO_MANY_REQUESTS', `too many proposals in flight (${this.pending.size})`));
    }
    const r = this.raft.propose(encodeCommand(cmd));
    if (!r.ok) {
      this.o.metrics?.proposalFailed?.(r.code);
      const code: ErrorCode = r.code === 'NOT_LEADER' ? 'NO_LEADER' : isErrorCode(r.code) ? r.code : 'INTERNAL';
      return Promise.reject(new CodedError(code, r.message));
    }
    const index = r.index;
    return new Promise((resolve, reject) => {
      const timer = this.o.clock.after(timeoutMs, () => {
        if (this.pending.get(index) === p) {
          this.pending.delete(index);
          this.o.metrics?.proposalFailed?.('TIMEOUT');
          reject(new CodedError('TIMEOUT', `not applied within ${timeoutMs} ms; the outcome is unknown`));
        }
      });
      const p: PendingProposal = {
        ackOnPersist: this.o.unsafe?.ackBeforeCommit ? unsafeEarlyResult(cmd) : undefined,
        term: r.term,
        startedAt: this.o.clock.now(),
        resolve: (result) => resolve({ result, index }),
        reject,
        timer,
      };
      this.pending.set(index, p);
      this.kick();
    });
  }

  private waitForLeader(ms: number): Promise<boolean> {
    if (this.lead !== 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        this.leaderWaiters.delete(onLeader);
        timer.cancel();
        resolve(v);
      };
      const onLeader = () => done(true);
      const timer = this.o.clock.after(ms, () => done(false));
      this.leaderWaiters.add(onLeader);
    });
  }

  async propose(cmd: Command, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<CommandResult> {
    const timeoutMs = Math.min(opts?.timeoutMs ?? this.o.requestTimeoutMs, this.o.requestTimeoutMs);
    const deadline = this.o.clock.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (this.stopping || this.stopped) throw new CodedError('SHUTTING_DOWN', 'member is shutting down');
      const left = deadline - this.o.clock.now();
      if (this.lead === 0 && !(await this.waitForLeader(Math.min(left, this.electionTimeoutMs() * 2)))) {
        throw new CodedError('NO_LEADER', 'no leader is known; retry shortly');
      }
      if (this.role === StateRole.Leader) {
        return (await this.proposeLocal(cmd, Math.max(1, deadline - this.o.clock.now()))).result;
      }
      const resp = await this.forward({ kind: 'propose', cmd, timeoutMs: Math.max(1, deadline - this.o.clock.now()) }, deadline);
      if (resp.ok && resp.kind === 'propose') {
        // Read-your-writes on this member: wait (bounded) until it has applied the entry too.
        await this.waitAppliedFor(resp.index, Math.max(0, deadline - this.o.clock.now()));
        return resp.result;
      }
      if (!resp.ok) {
        // The peer we thought was leader is not (any more): nothing was proposed; retry once the
        // leader is known again, within the deadline.
        if ((resp.code === 'NO_LEADER' || resp.code === 'PEER_UNREACHABLE') && attempt < 5 && this.o.clock.now() < deadline) {
          await this.sleep(Math.min(50, Math.max(0, deadline - this.o.clock.now())));
          continue;
        }
        throw new CodedError(isErrorCode(resp.code) ? resp.code : 'INTERNAL', resp.message, { details: resp.details });
      }
      throw new CodedError('INTERNAL', 'unexpected forward response');
    }
  }

  private async forward(req: ForwardRequest, deadline: number): Promise<ForwardResponse> {
    const to = this.lead;
    if (to === 0) return { ok: false, code: 'NO_LEADER', message: 'no leader is known' };
    const timeout = Math.max(1, deadline - this.o.clock.now()) + 250;
    try {
      return decodeForwardResponse(await this.o.peers.request(to, encodeForward(req), timeout));
    } catch (e) {
      const code = (e as { code?: string }).code;
      const unknown = (e as { outcomeUnknown?: boolean }).outcomeUnknown !== false;
      if (req.kind === 'propose' || req.kind === 'confChange') {
        // Never sent: nothing was proposed, safe to retry. Sent: the leader may have proposed
        // it, so the outcome is unknown (TIMEOUT), never "not applied".
        if (code === 'PEER_UNREACHABLE' && !unknown) {
          return { ok: false, code: 'PEER_UNREACHABLE', message: `leader ${to} unreachable; the request was not sent: ${(e as Error).message}` };
        }
        if (code && isErrorCode(code) && code !== 'PEER_UNREACHABLE' && code !== 'TIMEOUT' && code !== 'INTERNAL') {
          // An error the leader's handler itself reported (e.g. NO_LEADER before proposing).
          return { ok: false, code, message: (e as Error).message };
        }
        return { ok: false, code: 'TIMEOUT', message: `forwarding to leader ${to} failed; the outcome is unknown: ${(e as Error).message}` };
      }
      return { ok: false, code: code && isErrorCode(code) ? code : 'PEER_UNREACHABLE', message: (e as Error).message };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.o.clock.after(ms, resolve));
  }

  private electionTimeoutMs(): number {
    return this.o.electionTicks * this.o.tickMs;
  }

  // ---------------------------------------------------------------------------------------------
  // Linearizable reads (ReadIndex), batched: every read waiting when a round starts shares it;
  // reads arriving during a round wait for the next one (a round must start after the read).

  readBarrier(opts?: { timeoutMs?: number }): Promise<void> {
    if (this.stopped) return Promise.reject(new CodedError('SHUTTING_DOWN', 'member is stopped'));
    if (this.o.unsafe?.localReads) return Promise.resolve(); // UNSAFE test hook: no ReadIndex
    if (this.readQueue.length >= MAX_READ_WAITERS) return Promise.reject(new CodedError('TOO_MANY_REQUESTS', 'too many reads waiting'));
    const timeoutMs = Math.min(opts?.timeoutMs ?? this.o.requestTimeoutMs, this.o.requestTimeoutMs);
    return new Promise<void>((resolve, reject) => {
      const w: ReadWaiter = {
        done: false,
        resolve: () => {
          if (w.done) return;
          w.done = true;
          timer.cancel();
          resolve();
        },
        reject: (e) => {
          if (w.done) return;
          w.done = true;
          timer.cancel();
          reject(e);
        },
      };
      const timer = this.o.clock.after(timeoutMs, () =>
        w.reject(new CodedError(this.lead === 0 ? 'NO_LEADER' : 'TIMEOUT', `linearizable read not confirmed within ${timeoutMs} ms`)),
      );
      this.readQueue.push(w);
      this.issueRead();
    });
  }

  private issueRead(): void {
    if (this.readInFlight || this.stopped) return;
    const waiters = this.readQueue.splice(0).filter((w) => !w.done);
    if (waiters.length === 0) return;
    const ctx = `${this.o.self.id}:${++this.readSeq}`;
    if (!this.raft.readIndex(utf8Encoder.encode(ctx))) {
      // No leader right now: keep the reads queued and try again when one appears (each read
      // has its own deadline).
      this.readQueue.unshift(...waiters);
      this.waitForLeader(this.electionTimeoutMs()).then(() => this.issueRead());
      return;
    }
    const retry = this.o.clock.after(this.electionTimeoutMs(), () => {
      // The round got lost (leader change, dropped message): re-issue for whoever still waits.
      if (this.readInFlight?.ctx !== ctx) return;
      this.readInFlight = null;
      this.readQueue.unshift(...waiters.filter((w) => !w.done));
      this.issueRead();
    });
    this.readInFlight = { ctx, waiters, startedAt: performance.now(), retry };
    this.kick();
  }

  private onReadState(ctx: string, index: number): void {
    const r = this.readInFlight;
    if (!r || r.ctx !== ctx) return;
    this.readInFlight = null;
    r.retry.cancel();
    this.o.metrics?.readIndexSeconds?.((performance.now() - r.startedAt) / 1000);
    void this.waitApplied(index).then(() => {
      for (const w of r.waiters) w.resolve();
    });
    this.issueRead();
  }

  // ---------------------------------------------------------------------------------------------
  // Leases

  private checkLeases(): void {
    if (this.stopped || this.role !== StateRole.Leader || this.applied < this.leaderSinceIndex) return;
    const now = this.o.clock.now();
    const due = this.lessor.due(this.sm.leases(), now, MAX_REVOKES_PER_CHECK);
    for (const id of due) {
      this.proposeLocal({ op: 'leaseRevoke', id, reason: 'expire' }, this.o.requestTimeoutMs)
        .catch((e) => this.o.logger.warn({ lease: id, err: String(e) }, 'lease expiry revoke failed; will retry'))
        .finally(() => this.lessor.revokeSettled(id));
    }
  }

  private async ensureLeaderCurrent(): Promise<void> {
    if (this.role !== StateRole.Leader) throw this.notLeaderError();
    // Confirm leadership now, and that this leader's state is current (it has applied its own
    // first entry), so a renewal cannot be granted by a deposed leader.
    await this.readBarrier();
    if (this.role !== StateRole.Leader || this.applied < this.leaderSinceIndex) throw this.notLeaderError();
  }

  private async keepaliveLocal(id: string): Promise<number> {
    await this.ensureLeaderCurrent();
    const l = this.sm.lease(id);
    if (!l) throw new CodedError('LEASE_NOT_FOUND', `lease ${id} not found`);
    this.lessor.renew(id, l.ttlMs, this.o.clock.now());
    return l.ttlMs;
  }

  private async remainingLocal(id: string): Promise<number> {
    await this.ensureLeaderCurrent();
    const l = this.sm.lease(id);
    if (!l) throw new CodedError('LEASE_NOT_FOUND', `lease ${id} not found`);
    return this.lessor.remainingMs(id, l.ttlMs, this.o.clock.now());
  }

  async leaseKeepalive(id: string): Promise<{ ttlMs: number }> {
    if (this.role === StateRole.Leader) return { ttlMs: await this.keepaliveLocal(id) };
    if (this.lead === 0 && !(await this.waitForLeader(this.electionTimeoutMs() * 2))) throw new CodedError('NO_LEADER', 'no leader is known');
    const resp = await this.forward({ kind: 'keepalive', lease: id }, this.o.clock.now() + this.o.requestTimeoutMs);
    if (resp.ok && resp.kind === 'keepalive') return { ttlMs: resp.ttlMs };
    if (!resp.ok) throw new CodedError(isErrorCode(resp.code) ? resp.code : 'INTERNAL', resp.message);
    throw new CodedError('INTERNAL', 'unexpected forward response');
  }

  async leaseRemaining(id: string): Promise<number> {
    if (this.role === StateRole.Leader) return this.remainingLocal(id);
    if (this.lead === 0 && !(await this.waitForLeader(this.electionTimeoutMs() * 2))) throw new CodedError('NO_LEADER', 'no leader is known');
    const resp = await this.forward({ kind: 'leaseRemaining', lease: id }, this.o.clock.now() + this.o.requestTimeoutMs);
    if (resp.ok && resp.kind === 'leaseRemaining') return resp.remainingMs;
    if (!resp.ok) throw new CodedError(isErrorCode(resp.code) ? resp.code : 'INTERNAL', resp.message);
    throw new CodedError('INTERNAL', 'unexpected forward response');
  }

  // ---------------------------------------------------------------------------------------------
  // Locks

  awaitLockGrant(name: string, waiterId: string, signal: AbortSignal): Promise<LockHolder | null> {
    return new Promise((resolve, reject) => {
      if (this.lockWatches.size >= MAX_LOCK_WATCHES) {
        reject(new CodedError('TOO_MANY_REQUESTS', 'too many lock waits'));
        return;
      }
      const w: LockWaiterWatch = {
        name,
        waiterId,
        resolve: (h) => {
          this.lockWatches.delete(w);
          signal.removeEventListener('abort', onAbort);
          resolve(h);
        },
      };
      const onAbort = () => {
        this.lockWatches.delete(w);
        reject(new CodedError('TIMEOUT', 'lock wait aborted'));
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      this.lockWatches.add(w);
      this.checkLockWatch(w);
    });
  }

  private checkLockWatch(w: LockWaiterWatch): void {
    const info = this.sm.lock(w.name);
    if (info?.holder && info.holder.waiterId === w.waiterId) return w.resolve(info.holder);
    if (!info || !info.waiters.some((x) => x.waiterId === w.waiterId)) {
      // Not holder and not queued: either not applied here yet, or gone. Only "gone" once the
      // acquire has been seen here — the API calls us after its acquire was applied locally.
      return w.resolve(null);
    }
  }

  private checkLockWatches(): void {
    for (const w of [...this.lockWatches]) this.checkLockWatch(w);
  }

  private updateCoordinationGauges(): void {
    const m = this.o.metrics;
    if (!m) return;
    m.leases?.(this.sm.leases().length);
    let held = 0;
    let waiters = 0;
    for (const l of this.sm.locks()) {
      if (l.holder) held++;
      waiters += l.waiters.length;
    }
    m.locks?.(held, waiters);
  }

  // ---------------------------------------------------------------------------------------------
  // Membership (one server at a time; see raft/raw-node.ts for the safety argument)

  private async confChangeLocal(change: 'add' | 'addLearner' | 'remove', rec: MemberRecord): Promise<number> {
    if (this.role !== StateRole.Leader) throw this.notLeaderError();
    const type = change === 'remove' ? ConfChangeType.RemoveNode : change === 'addLearner' ? ConfChangeType.AddLearner : ConfChangeType.AddVoter;
    const r = this.raft.proposeConfChange({ type, nodeId: rec.id, context: encodeMemberContext(rec) });
    if (!r.ok) {
      const code: ErrorCode = r.code === 'NOT_LEADER' ? 'NO_LEADER' : isErrorCode(r.code) ? r.code : 'INTERNAL';
      throw new CodedError(code, r.message);
    }
    this.kick();
    await this.waitAppliedFor(r.index, this.o.requestTimeoutMs);
    if (this.applied < r.index) throw new CodedError('TIMEOUT', `membership change not applied within ${this.o.requestTimeoutMs} ms; the outcome is unknown`);
    return r.index;
  }

  /** Add (as voter or learner) or remove a member; forwarded to the leader from a follower. */
  async changeMembership(change: 'add' | 'addLearner' | 'remove', rec: MemberRecord): Promise<void> {
    if (this.role === StateRole.Leader) {
      await this.confChangeLocal(change, rec);
      return;
    }
    if (this.lead === 0 && !(await this.waitForLeader(this.electionTimeoutMs() * 2))) throw new CodedError('NO_LEADER', 'no leader is known');
    const resp = await this.forward({ kind: 'confChange', change, member: rec }, this.o.clock.now() + this.o.requestTimeoutMs);
    if (resp.ok && resp.kind === 'confChange') {
      await this.waitAppliedFor(resp.index, this.o.requestTimeoutMs);
      return;
    }
    if (!resp.ok) throw new CodedError(isErrorCode(resp.code) ? resp.code : 'INTERNAL', resp.message);
    throw new CodedError('INTERNAL', 'unexpected forward response');
  }

  memberIdFor(name: string): number {
    return this.o.memberIdFor(name);
  }

  // ---------------------------------------------------------------------------------------------
  // Views

  state(): StateView {
    return this.sm;
  }

  /** A consistent cut of the applied state and the index it was applied up to (for backups,
   *  see snapshot-export.ts). Release `cut.kvs` once encoded. */
  stateCut(): { cut: SnapshotCut; appliedIndex: number } {
    return { cut: this.sm.cut(), appliedIndex: this.applied };
  }

  watch(opts: WatchOptions): WatchSubscription {
    const sub = this.hub.watch(opts);
    this.o.metrics?.watchers?.(this.hub.size);
    return {
      cancel: () => {
        sub.cancel();
        this.o.metrics?.watchers?.(this.hub.size);
      },
    };
  }

  cluster(): ClusterInfo {
    const st = this.raft.status();
    const learners = new Set(st.confState.learners);
    const roleOf = (id: number): MemberRole => {
      if (learners.has(id)) return 'learner';
      if (id === st.lead) return 'leader';
      if (id === this.o.self.id) return ROLE_OF[st.role];
      return 'follower';
    };
    const leaderRec = st.lead !== 0 ? this.directory.get(st.lead) : undefined;
    const inConf = new Set([...st.confState.voters, ...st.confState.learners]);
    return {
      member: { name: this.o.self.name, id: String(this.o.self.id), role: roleOf(this.o.self.id) },
      leader: leaderRec ? { name: leaderRec.name, id: String(leaderRec.id), clientUrl: leaderRec.clientUrl } : null,
      term: st.term,
      commitIndex: st.commit,
      appliedIndex: this.applied,
      members: this.directory
        .all()
        .filter((m) => inConf.size === 0 || inConf.has(m.id))
        .map((m) => ({ name: m.name, id: String(m.id), role: roleOf(m.id), clientUrl: m.clientUrl, peerUrl: m.peerUrl })),
    };
  }

  readiness(): { ready: boolean; reason: string } {
    if (this.stopped) return { ready: false, reason: this.fatalError ? 'member stopped after a fatal error' : 'member is stopped' };
    if (this.stopping) return { ready: false, reason: 'member is shutting down' };
    const st = this.raft.status();
    if (st.lead === 0) return { ready: false, reason: 'no leader known' };
    if (this.applied < st.commit) return { ready: false, reason: `applied index ${this.applied} behind commit index ${st.commit}` };
    return { ready: true, reason: 'ok' };
  }

  /** For the daemon and tests. */
  status(): { id: number; role: StateRole; lead: number; term: number; commit: number; applied: number; snapshotIndex: number } {
    const st = this.raft.status();
    return { id: this.o.self.id, role: st.role, lead: st.lead, term: st.term, commit: st.commit, applied: this.applied, snapshotIndex: this.snapshotIndex };
  }

  // ---------------------------------------------------------------------------------------------
  // Shutdown

  /**
   * Stop. A leader first hands leadership to the most up-to-date voter (so a rolling restart
   * causes no election timeout), waiting at most about two election timeouts for it.
   */
  async stop(opts?: { transferLeadership?: boolean }): Promise<void> {
    if (this.stopped) return;
    if (opts?.transferLeadership !== false && this.role === StateRole.Leader) await this.handOver();
    this.stopping = true;
    this.stopped = true;
    this.ticker?.cancel();
    this.lessorTimer?.cancel();
    this.heldFlush?.cancel();
    await this.loopIdle;
    this.rejectAll(new CodedError('SHUTTING_DOWN', 'member stopped'));
    this.publishQueue = [];
    this.hub.close('shutdown');
  }

  private async handOver(): Promise<void> {
    const st = this.raft.status();
    if (!st.progress) return;
    let best = 0;
    let bestMatch = -1;
    for (const [id, pr] of st.progress) {
      if (id === this.o.self.id || pr.isLearner || !st.confState.voters.includes(id)) continue;
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best === 0) return;
    this.o.logger.info({ to: best }, 'handing leadership over before shutdown');
    this.raft.transferLeadership(best);
    this.kick();
    const deadline = this.o.clock.now() + this.electionTimeoutMs() * 2;
    while (this.role === StateRole.Leader && this.o.clock.now() < deadline) await this.sleep(this.o.tickMs);
    if (this.role === StateRole.Leader) this.o.logger.warn({ to: best }, 'leadership transfer did not finish before shutdown');
  }

  private rejectAll(err: CodedError): void {
    for (const [, p] of this.pending) {
      p.timer.cancel();
      p.reject(err);
    }
    this.pending.clear();
    for (const w of this.readQueue.splice(0)) w.reject(err);
    if (this.readInFlight) {
      this.readInFlight.retry.cancel();
      for (const w of this.readInFlight.waiters) w.reject(err);
      this.readInFlight = null;
    }
    for (const w of [...this.lockWatches]) w.resolve(null);
  }
}

function unsafeEarlyResult(cmd: Command): CommandResult | undefined {
  if (cmd.op === 'put') return { op: 'put', revision: 0 };
  if (cmd.op === 'delete') return { op: 'delete', revision: 0, deleted: 1 };
  return undefined;
}

function reencodeWithContext(e: Entry, rec: MemberRecord): Uint8Array {
  const cc = decodeConfChange(e.data);
  return encodeConfChange({ type: cc.type, nodeId: cc.nodeId, context: encodeMemberContext(rec) });
}
