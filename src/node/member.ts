// A member: the consensus core, the driver around it and the replicated state machine, behind
// the Server facade the API serves. The parts live in files of their own, one concept each:
//
//   ready-loop.ts   the ONE loop: persist -> send -> apply -> advance
//   commit-hold.ts  a leader's commit-only AppendEntries, held briefly
//   proposals.ts    proposals waiting for their entry (results, TIMEOUT, PROPOSAL_LOST)
//   apply-waits.ts  waiting until an index is applied here
//   read-index.ts   linearizable reads
//   forwarding.ts   leader-or-forward, and answering what followers forward
//   snapshots.ts    taking and installing snapshots
//   leases.ts       expiry checks and keepalives (the lease clock itself is lessor.ts)
//   lock-waits.ts   acquires waiting for their grant
//   membership.ts   membership changes
//   cluster-view.ts what the member tells about itself
//
// They share one MemberContext (member-context.ts). Every request gets its own result or a
// coded error, never a silent hang. Every timer and every now() comes from the injected Clock,
// so the simulator (cmd/lib/sim/member, docs/simulator.md) runs this very code; the switches
// that break it on purpose are Member.start's second argument (test-hooks.ts), never config.

import { CodedError } from '../api/errors.js';
import type { ClusterInfo, ServerFacade, StateView, WatchOptions, WatchSubscription } from '../api/server-facade.js';
import { RawNode, MemoryLog, decodeConfChange, encodeConfChange } from '../raft/index.js';
import { StateRole, type Entry, type Message } from '../raft/types.js';
import type { Command, CommandResult, LockHolder } from '../state/commands.js';
import { StateMachine, type SnapshotCut } from '../state/index.js';
import { ApplyWaits } from './apply-waits.js';
import { clusterInfo, memberStatus, readiness, type MemberStatus } from './cluster-view.js';
import { CommitHold } from './commit-hold.js';
import { Forwarder } from './forwarding.js';
import { LeaseKeeper } from './leases.js';
import { LockWaits } from './lock-waits.js';
import { MemberContext } from './member-context.js';
import { decodeSnapshotEnvelope, encodeMemberContext, type MemberRecord } from './members.js';
import { Membership, type MembershipChange } from './membership.js';
import type { MemberOptions } from './options.js';
import type { MemberTestHooks } from './test-hooks.js';
import { Proposals } from './proposals.js';
import { ReadIndex } from './read-index.js';
import { ReadyLoop } from './ready-loop.js';
import { Snapshots } from './snapshots.js';

export type { MemberOptions } from './options.js';
export type { MemberTestHooks } from './test-hooks.js';

export class Member implements ServerFacade {
  private readonly m: MemberContext;

  private constructor(m: MemberContext) {
    this.m = m;
    m.loop = new ReadyLoop(m);
    m.hold = new CommitHold(m);
    m.proposals = new Proposals(m);
    m.applyWaits = new ApplyWaits(m);
    m.reads = new ReadIndex(m);
    m.forwarder = new Forwarder(m);
    m.snapshots = new Snapshots(m);
    m.leases = new LeaseKeeper(m);
    m.locks = new LockWaits(m);
    m.membership = new Membership(m);
  }

  /** Recover from the durable log (or bootstrap a new cluster), then start ticking. */
  /** `hooks` are for tests and the simulator only (see test-hooks.ts); production passes none. */
  static async start(o: MemberOptions, hooks: MemberTestHooks = {}): Promise<Member> {
    const loaded = await o.log.load();
    const memLog = new MemoryLog();
    let sm = new StateMachine({ historyRevisions: o.historyRevisions });
    let members: MemberRecord[] | null = null;
    let snapshotIndex = 0;

    if (!loaded.hardState && !loaded.snapshot && loaded.entries.length === 0 && !o.join) {
      // A brand-new founding member: every founder writes the same bootstrap entries, so the
      // membership is itself in the log and later members learn it by replication.
      const ids = o.initialMembers.map((r) => r.id);
      const boot = MemoryLog.bootstrap(ids);
      const byId = new Map(o.initialMembers.map((r) => [r.id, r]));
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
      // The unsafe ackBeforeCommit hook answers once persisted: it keeps every send after the write.
      earlySends: !hooks.ackBeforeCommit,
      ...(hooks.raft ? { mutations: hooks.raft } : {}),
    });
    const ctx = new MemberContext(o, hooks, raft, memLog, sm, snapshotIndex, snapshotIndex);
    const member = new Member(ctx);
    if (loaded.hardState) {
      ctx.savedTerm = loaded.hardState.term;
      ctx.savedVote = loaded.hardState.vote;
    }
    if (members) ctx.directory.replaceAll(members);
    for (const rec of o.initialMembers) if (!ctx.directory.get(rec.id)) ctx.directory.upsert(rec);
    ctx.directory.upsert(o.self);
    for (const rec of ctx.directory.all()) if (rec.id !== o.self.id) o.peers.setPeer(rec.id, rec.peerUrl);

    const ticker = o.clock.every(o.tickMs, () => {
      if (ctx.stopped) return;
      ctx.raft.tick();
      ctx.applyLag.observe(o.clock.now(), ctx.raft.hardState().commit);
      ctx.kick();
    });
    const lessorTimer = o.clock.every(Math.max(o.tickMs, 50), () => ctx.leases.checkExpiry());
    ctx.cancelTimers = () => {
      ticker.cancel();
      lessorTimer.cancel();
    };
    ctx.kick();
    return member;
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs from the transport

  /** A Raft message from a peer. */
  handlePeerMessage(msg: Message): void {
    if (this.m.stopped) return;
    this.m.raft.step(msg);
    this.m.kick();
  }

  reportSnapshot(to: number, ok: boolean): void {
    if (this.m.stopped) return;
    this.m.raft.reportSnapshot(to, ok);
    this.m.kick();
  }

  reportUnreachable(to: number): void {
    if (this.m.stopped) return;
    this.m.raft.reportUnreachable(to);
  }

  /** A forwarded client request from a follower (we are, or were, the leader). */
  handlePeerRequest(from: number, payload: Uint8Array): Promise<Uint8Array> {
    return this.m.forwarder.handlePeerRequest(from, payload);
  }

  // ---------------------------------------------------------------------------------------------
  // The Server facade

  propose(cmd: Command, opts?: { timeoutMs?: number; signal?: AbortSignal }): Promise<CommandResult> {
    const m = this.m;
    const timeoutMs = Math.min(opts?.timeoutMs ?? m.o.requestTimeoutMs, m.o.requestTimeoutMs);
    const deadline = m.o.clock.now() + timeoutMs;
    const left = () => Math.max(1, deadline - m.o.clock.now());
    return m.forwarder
      .leaderOrForward<CommandResult>({
        deadline,
        local: async () => (await m.proposals.proposeLocal(cmd, left())).result,
        request: () => ({ kind: 'propose', cmd, timeoutMs: left() }),
        // Read-your-writes on this member: wait (bounded) until it has applied the entry too.
        answer: (resp) => {
          if (resp.kind === 'proposed') return m.proposals.expect(resp.index, resp.term, left()).then((p) => p.result);
          if (resp.kind !== 'propose') return null;
          if (m.hooks.ackForwardBeforeApply) return Promise.resolve(resp.result); // UNSAFE test hook
          return m.applyWaits.waitFor(resp.index, Math.max(0, deadline - m.o.clock.now())).then(() => resp.result);
        },
        retries: 5,
        retryDeposed: false,
      })
      .catch((e: unknown) => m.countFailure(e));
  }

  readBarrier(opts?: { timeoutMs?: number }): Promise<void> {
    return this.m.reads.barrier(opts);
  }

  async leaseKeepalive(id: string): Promise<{ ttlMs: number }> {
    return { ttlMs: await this.m.leases.keepalive(id) };
  }

  leaseRemaining(id: string): Promise<number> {
    return this.m.leases.remaining(id);
  }

  awaitLockGrant(name: string, waiterId: string, signal: AbortSignal): Promise<LockHolder | null> {
    return this.m.locks.awaitGrant(name, waiterId, signal);
  }

  /** Add (as voter or learner) or remove a member; forwarded to the leader from a follower. */
  changeMembership(change: MembershipChange, rec: MemberRecord): Promise<void> {
    return this.m.membership.change(change, rec).catch((e: unknown) => this.m.countFailure(e));
  }

  memberIdFor(name: string): number {
    return this.m.o.memberIdFor(name);
  }

  /** The revision up to which applied changes have been handed to watchers. */
  publishedRevision(): number {
    return this.m.hub.publishedRevision();
  }

  state(): StateView {
    return this.m.sm;
  }

  /** A consistent cut of the applied state and the index it was applied up to (for backups,
   *  see snapshot-export.ts). Release `cut.kvs` once encoded. */
  stateCut(): { cut: SnapshotCut; appliedIndex: number } {
    return { cut: this.m.sm.cut(), appliedIndex: this.m.applied };
  }

  watch(opts: WatchOptions): WatchSubscription {
    const m = this.m;
    const sub = m.hub.watch(opts);
    m.o.metrics?.watchers?.(m.hub.size);
    return {
      cancel: () => {
        sub.cancel();
        m.o.metrics?.watchers?.(m.hub.size);
      },
    };
  }

  cluster(): ClusterInfo {
    return clusterInfo(this.m);
  }

  readiness(): { ready: boolean; reason: string } {
    return readiness(this.m);
  }

  /** The applied keyspace's size and revisions, for the metrics (read at scrape time). */
  stateStats(): { keys: number; revision: number; compactRevision: number } {
    const sm = this.m.sm;
    return { keys: sm.keyCount(), revision: sm.revision(), compactRevision: sm.compactRevision() };
  }

  /** For the daemon and tests. */
  status(): MemberStatus {
    return memberStatus(this.m);
  }

  // ---------------------------------------------------------------------------------------------
  // Shutdown

  /**
   * Stop. A leader first hands leadership to the most up-to-date voter (so a rolling restart
   * causes no election timeout), waiting at most about two election timeouts for it.
   */
  async stop(opts?: { transferLeadership?: boolean }): Promise<void> {
    const m = this.m;
    if (m.stopped) return;
    if (opts?.transferLeadership !== false && m.role === StateRole.Leader) await this.handOver();
    m.stopping = true;
    m.stopped = true;
    m.cancelTimers();
    m.hold.cancel();
    await m.loop.idle();
    m.rejectAll(new CodedError('SHUTTING_DOWN', 'member stopped'));
    m.loop.dropUnpublished();
    m.hub.close('shutdown');
  }

  private async handOver(): Promise<void> {
    const m = this.m;
    const st = m.raft.status();
    if (!st.progress) return;
    let best = 0;
    let bestMatch = -1;
    for (const [id, pr] of st.progress) {
      if (id === m.o.self.id || pr.isLearner || !st.confState.voters.includes(id)) continue;
      if (pr.match > bestMatch) {
        best = id;
        bestMatch = pr.match;
      }
    }
    if (best === 0) return;
    m.o.logger.info({ to: best }, 'handing leadership over before shutdown');
    m.raft.transferLeadership(best);
    m.kick();
    const deadline = m.o.clock.now() + m.electionTimeoutMs() * 2;
    while (m.role === StateRole.Leader && m.o.clock.now() < deadline) await m.sleep(m.o.tickMs);
    if (m.role === StateRole.Leader) m.o.logger.warn({ to: best }, 'leadership transfer did not finish before shutdown');
  }
}

function reencodeWithContext(e: Entry, rec: MemberRecord): Uint8Array {
  const cc = decodeConfChange(e.data);
  return encodeConfChange({ type: cc.type, nodeId: cc.nodeId, context: encodeMemberContext(rec) });
}
