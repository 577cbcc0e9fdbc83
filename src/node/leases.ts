// The driver's side of leases: the leader's expiry checks (decided with the lease clock in
// lessor.ts, carried out as revokes through the log) and keepalives / TTL queries, which only
// a current leader may answer.

import { CodedError } from '../api/errors.js';
import { StateRole } from '../raft/types.js';
import type { MemberContext } from './member-context.js';
import type { Cancelable } from './ports.js';
import { invariant } from '../invariant/index.js';

const MAX_REVOKES_PER_CHECK = 64;

export class LeaseKeeper {
  constructor(private readonly m: MemberContext) {}

  /** The leader's periodic check: propose a revoke for every lease whose TTL ran out. */
  checkExpiry(): void {
    const m = this.m;
    if (m.stopped || m.role !== StateRole.Leader || m.applied < m.leaderSinceIndex) return;
    const now = m.o.clock.now();
    const due = m.lessor.due(m.sm.leases(), now, MAX_REVOKES_PER_CHECK);
    for (const id of due) {
      // From here on the expiry is decided (see Lessor): the lease stays "revoking" until its
      // revoke is applied or this member stops leading, even if the proposal times out (the entry
      // is in the log and may still commit). Only a proposal that never reached the log is undone.
      try {
        m.proposals
          .append({ op: 'leaseRevoke', id, reason: 'expire' }, m.o.requestTimeoutMs)
          .done.catch((e) => m.countFailure(e))
          .catch((e) => m.o.logger.warn({ lease: id, err: String(e) }, 'lease expiry revoke not confirmed yet'));
      } catch (e) {
        m.lessor.proposalFailed(id);
        m.o.logger.warn({ lease: id, err: String(e) }, 'lease expiry revoke not proposed; will retry');
      }
    }
  }

  private async ensureLeaderCurrent(): Promise<void> {
    const m = this.m;
    if (m.role !== StateRole.Leader) throw m.notLeaderError();
    // Confirm leadership now, and that this leader's state is current (it has applied its own
    // first entry), so a renewal cannot be granted by a deposed leader, and no revoke a
    // predecessor proposed can still commit behind this answer (it is applied by now, or it can
    // never commit: this leader's first entry is committed and does not follow it).
    await m.reads.barrier();
    if (m.role !== StateRole.Leader || m.applied < m.leaderSinceIndex) throw m.notLeaderError();
  }

  /**
   * The lease as a current leader sees it after a quorum check: its record, or LEASE_NOT_FOUND
   * when it does not exist or its expiry is decided. A lease whose revoke this leader proposed
   * is never reported alive: we wait for that revoke's outcome (bounded by the request timeout)
   * and look again, so the answer is LEASE_NOT_FOUND once it is applied, or NO_LEADER if this
   * member stepped down first (the next leader answers). The caller acts on the result in the
   * same turn (no await in between), so no decision can slip in after the check.
   */
  private async liveLease(id: string): Promise<{ ttlMs: number }> {
    const m = this.m;
    const deadline = m.o.clock.now() + m.o.requestTimeoutMs;
    for (;;) {
      await this.ensureLeaderCurrent();
      const l = m.sm.lease(id);
      if (!l) throw leaseNotFound(id);
      if (!m.lessor.isRevoking(id) || m.hooks.renewRevokingLease) return l; // the hook: UNSAFE
      const left = deadline - m.o.clock.now();
      if (left <= 0) throw new CodedError('TIMEOUT', `lease ${id} expired and its revoke is not applied yet; the lease must be taken as gone`, { details: { id } });
      let timer: Cancelable | undefined;
      await Promise.race([m.lessor.settled(id), new Promise<void>((r) => (timer = m.o.clock.after(left, r)))]);
      timer?.cancel();
    }
  }

  async keepaliveLocal(id: string): Promise<number> {
    const l = await this.liveLease(id);
    if (this.m.hooks.renewRevokingLease) this.m.lessor.unsafeRenewEvenIfRevoking(id, l.ttlMs, this.m.o.clock.now());
    else invariant(this.m.lessor.renew(id, l.ttlMs, this.m.o.clock.now()), () => `lease ${id} checked live but not renewed`);
    return l.ttlMs;
  }

  async remainingLocal(id: string): Promise<number> {
    const l = await this.liveLease(id);
    return this.m.lessor.remainingMs(id, l.ttlMs, this.m.o.clock.now());
  }

  /** A keepalive: answered by the leader, forwarded there from a follower. Safe to repeat, so
   *  one the old leader could not answer is asked again of the new one. */
  keepalive(id: string): Promise<number> {
    return this.m.forwarder.leaderOrForward({
      deadline: this.m.o.clock.now() + this.m.o.requestTimeoutMs,
      local: () => this.keepaliveLocal(id),
      request: () => ({ kind: 'keepalive', lease: id }),
      answer: (resp) => (resp.kind === 'keepalive' ? Promise.resolve(resp.ttlMs) : null),
      retries: 5,
      retryDeposed: true,
    });
  }

  /** A TTL query, routed like a keepalive. */
  remaining(id: string): Promise<number> {
    return this.m.forwarder.leaderOrForward({
      deadline: this.m.o.clock.now() + this.m.o.requestTimeoutMs,
      local: () => this.remainingLocal(id),
      request: () => ({ kind: 'leaseRemaining', lease: id }),
      answer: (resp) => (resp.kind === 'leaseRemaining' ? Promise.resolve(resp.remainingMs) : null),
      retries: 5,
      retryDeposed: true,
    });
  }

  /** The lease and lock gauges (after applies that touched them, and snapshot installs). */
  updateGauges(): void {
    const m = this.m;
    const met = m.o.metrics;
    if (!met) return;
    // Counted, not listed: this runs after every apply batch that touched a lease or a lock, and
    // listing sorted copies of every lease and lock there cost O(n log n) per batch.
    met.leases?.(m.sm.leaseCount());
    const { held, waiters } = m.sm.lockCounts();
    met.locks?.(held, waiters);
  }
}

function leaseNotFound(id: string): CodedError {
  return new CodedError('LEASE_NOT_FOUND', `lease ${id} not found`, { details: { id } });
}
