// The state the parts of a member share: the core, the applied state machine, who leads, and
// whether the member still runs. Each part (ready loop, commit hold, proposals, ReadIndex,
// forwarding, snapshots, leases, lock waits, cluster view) is its own file and reaches the
// others through this one object, which the Member builds once.

import { CodedError } from '../api/errors.js';
import type { MemoryLog, RawNode } from '../raft/index.js';
import { StateRole, type NodeId } from '../raft/types.js';
import { WatchHub, type StateMachine } from '../state/index.js';
import { ApplyLag } from './apply-lag.js';
import type { ApplyWaits } from './apply-waits.js';
import type { CommitHold } from './commit-hold.js';
import type { Forwarder } from './forwarding.js';
import type { LeaseKeeper } from './leases.js';
import { Lessor } from './lessor.js';
import type { LockWaits } from './lock-waits.js';
import { MemberDirectory } from './members.js';
import type { Membership } from './membership.js';
import type { MemberOptions } from './options.js';
import type { MemberTestHooks } from './test-hooks.js';
import type { Proposals } from './proposals.js';
import type { ReadIndex } from './read-index.js';
import type { ReadyLoop } from './ready-loop.js';
import type { Snapshots } from './snapshots.js';

/** A member is not ready when it has not applied, this long (or an election timeout, if longer)
 *  after learning of it, an index it knows committed (see ApplyLag). */
const READY_APPLY_GRACE_MS = 1_000;

export class MemberContext {
  readonly o: MemberOptions;
  /** Test switches and observers; empty in production (see test-hooks.ts). */
  readonly hooks: MemberTestHooks;
  readonly raft: RawNode;
  readonly memLog: MemoryLog;
  sm: StateMachine;
  readonly hub: WatchHub;
  readonly directory = new MemberDirectory();
  readonly lessor = new Lessor();
  /** Readiness: has this member fallen behind in applying what it knows committed? */
  readonly applyLag: ApplyLag;

  /** Invariant: snapshotIndex <= applied <= the core's commit index. */
  applied: number;
  snapshotIndex: number;
  lead: NodeId = 0;
  role: StateRole = StateRole.Follower;
  /** Index of the first entry of this member's current leadership term (its empty entry). */
  leaderSinceIndex = Number.POSITIVE_INFINITY;
  /** Term and vote of the last hard state written (see ReadyLoop.handleReady). */
  savedTerm = -1;
  savedVote = -1;
  stopped = false;
  stopping = false;
  fatalError: unknown = null;
  private readonly leaderWaiters = new Set<() => void>();
  /** Cancels the member's own timers (ticker, lease checks); set by the Member. */
  cancelTimers: () => void = () => {};

  // The parts, wired by the Member right after construction.
  loop!: ReadyLoop;
  hold!: CommitHold;
  proposals!: Proposals;
  applyWaits!: ApplyWaits;
  reads!: ReadIndex;
  forwarder!: Forwarder;
  snapshots!: Snapshots;
  leases!: LeaseKeeper;
  locks!: LockWaits;
  membership!: Membership;

  constructor(o: MemberOptions, hooks: MemberTestHooks, raft: RawNode, memLog: MemoryLog, sm: StateMachine, applied: number, snapshotIndex: number) {
    this.o = o;
    this.hooks = hooks;
    this.raft = raft;
    this.memLog = memLog;
    this.sm = sm;
    this.applied = applied;
    this.snapshotIndex = snapshotIndex;
    this.hub = new WatchHub(sm, { maxWatchers: o.maxWatchers, defer: (fn) => o.clock.defer(fn) });
    this.applyLag = new ApplyLag(Math.max(READY_APPLY_GRACE_MS, o.electionTicks * o.tickMs));
  }

  kick(): void {
    this.loop.kick();
  }

  /** A fatal error in the loop: the member stops and every waiting request is failed. */
  fail(err: unknown): void {
    if (this.fatalError) return;
    this.fatalError = err;
    this.o.logger.error({ err: String((err as Error)?.stack ?? err) }, 'fatal error in the raft loop; member stops');
    this.stopped = true;
    this.cancelTimers();
    this.hold.cancel();
    this.rejectAll(new CodedError('INTERNAL', 'member stopped after a fatal error'));
  }

  rejectAll(err: CodedError): void {
    this.proposals.rejectAll(err);
    this.reads.rejectAll(err);
    this.locks.releaseAll();
  }

  /** The leader changed, or this member's role did (from a Ready's soft state). */
  onSoftState(lead: NodeId, role: StateRole): void {
    const prevLead = this.lead;
    const prevRole = this.role;
    this.lead = lead;
    this.role = role;
    if (prevLead !== lead) {
      this.o.metrics?.leaderChanged?.();
      this.o.logger.info({ lead, role, term: this.raft.status().term }, 'leader changed');
      if (lead !== 0) for (const w of [...this.leaderWaiters]) w();
      if (lead !== 0) this.forwarder.supersede(lead);
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

  notLeaderError(): CodedError {
    return this.lead === 0
      ? new CodedError('NO_LEADER', 'no leader is known; retry shortly')
      : new CodedError('NO_LEADER', `this member is not the leader (leader is ${this.lead})`);
  }

  /** Resolves true once a leader is known, false after `ms` without one. */
  waitForLeader(ms: number): Promise<boolean> {
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

  /**
   * A proposal that failed, counted once, where it entered: a client's request at the member it
   * asked (a forwarded one is not counted again by the leader), an expiry revoke at the leader.
   */
  countFailure(err: unknown): never {
    this.o.metrics?.proposalFailed?.(err instanceof CodedError ? err.code : 'INTERNAL');
    throw err;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.o.clock.after(ms, resolve));
  }

  electionTimeoutMs(): number {
    return this.o.electionTicks * this.o.tickMs;
  }

  assertRunning(): void {
    if (this.stopping || this.stopped) throw new CodedError('SHUTTING_DOWN', 'member is shutting down');
  }
}
