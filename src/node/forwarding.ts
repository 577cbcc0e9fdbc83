// Forwarding: a request that only the leader can answer (a write, a keepalive, a TTL query, a
// membership change) is answered here when this member leads, and forwarded to the leader
// otherwise — all through one helper, leaderOrForward. The serving side (handlePeerRequest)
// answers what followers forward to us.

import { CodedError, isErrorCode } from '../api/errors.js';
import { StateRole, type NodeId } from '../raft/types.js';
import {
  decodeForwardRequest,
  decodeForwardResponse,
  encodeForward,
  type ForwardRequest,
  type ForwardResponse,
} from './forward.js';
import {
  PROPOSE_BATCH_TAG,
  ProposeBatcher,
  decodeProposeBatch,
  encodeBatchAnswers,
  refusalOf,
  type BatchAnswer,
} from './forward-batch.js';
import type { MemberContext } from './member-context.js';
import { proposalBytes } from './proposal-check.js';
import { unsafeEarlyResult } from './proposals.js';

export type ForwardOk = Extract<ForwardResponse, { ok: true }>;

/** How one leader-only request is answered locally, forwarded, and retried. */
export interface LeaderRequest<T> {
  /** Absolute time (member clock) by which the request must be answered. */
  deadline: number;
  /** Answer it here; called only while this member leads. */
  local(): Promise<T>;
  /** The request to forward (built when it is sent, so it carries the time left). */
  request(): ForwardRequest;
  /** The leader's answer, or null when it is of the wrong kind. */
  answer(resp: ForwardOk): Promise<T> | null;
  /** How many times a request the leader could not take (NO_LEADER, PEER_UNREACHABLE before it
   *  was sent) is asked again within the deadline. */
  retries: number;
  /** The request changes nothing, so one a deposed leader refused here may be asked again. */
  retryDeposed: boolean;
}

interface ForwardInFlight {
  to: NodeId;
  /** End the wait: this member now knows `lead` as the leader. */
  supersede(lead: NodeId): void;
}

/** Pause between retries of a request the leader could not take. */
const RETRY_PAUSE_MS = 50;

export class Forwarder {
  /** Requests forwarded to a leader and not answered yet (see forward). */
  private readonly inFlight = new Set<ForwardInFlight>();
  /** Writes go to the leader in binary batches (forward-batch.ts). */
  readonly batcher: ProposeBatcher;
  /**
   * Leader: per follower, the last index of each forwarded batch it appended, oldest first. The
   * follower answers its clients once it has applied those entries, so the commit that covers
   * one is sent to it at once rather than held (commit-hold.ts). Bounded by the batches in flight.
   */
  private readonly awaitingCommit = new Map<NodeId, number[]>();

  constructor(private readonly m: MemberContext) {
    this.batcher = new ProposeBatcher({ request: (to, payload, ms) => m.o.peers.request(to, payload, ms), now: () => m.o.clock.now(), defer: (fn) => m.o.clock.defer(fn) });
  }

  /** Answer `r` here when this member leads, else forward it to the leader; retry as it allows. */
  async leaderOrForward<T>(r: LeaderRequest<T>): Promise<T> {
    const m = this.m;
    const clock = m.o.clock;
    for (let attempt = 0; ; attempt++) {
      m.assertRunning();
      if (m.role === StateRole.Leader) {
        try {
          return await r.local();
        } catch (e) {
          // Deposed while answering (nothing was changed): ask the new leader, within the deadline.
          if (!(r.retryDeposed && e instanceof CodedError && e.code === 'NO_LEADER' && this.mayRetry(r, attempt))) throw e;
          await this.pause(r);
          continue;
        }
      }
      const left = r.deadline - clock.now();
      if (m.lead === 0 && !(await m.waitForLeader(Math.max(0, Math.min(left, m.electionTimeoutMs() * 2))))) {
        throw new CodedError('NO_LEADER', 'no leader is known; retry shortly');
      }
      if ((m.role as StateRole) === StateRole.Leader) continue; // became leader while waiting
      const resp = await this.forward(r.request(), r.deadline);
      if (resp.ok) {
        const out = r.answer(resp);
        if (out === null) throw new CodedError('INTERNAL', 'unexpected forward response');
        return await out;
      }
      // The peer we thought was leader is not (any more): nothing was proposed; retry once the
      // leader is known again, within the deadline.
      if ((resp.code === 'NO_LEADER' || resp.code === 'PEER_UNREACHABLE') && this.mayRetry(r, attempt)) {
        await this.pause(r);
        continue;
      }
      throw new CodedError(isErrorCode(resp.code) ? resp.code : 'INTERNAL', resp.message, { details: resp.details });
    }
  }

  private mayRetry(r: LeaderRequest<unknown>, attempt: number): boolean {
    return attempt < r.retries && this.m.o.clock.now() < r.deadline;
  }

  private pause(r: LeaderRequest<unknown>): Promise<void> {
    return this.m.sleep(Math.min(RETRY_PAUSE_MS, Math.max(0, r.deadline - this.m.o.clock.now())));
  }

  /** This member learnt of leader `lead`: requests forwarded to another one stop waiting. */
  supersede(lead: NodeId): void {
    for (const f of [...this.inFlight]) if (f.to !== lead) f.supersede(lead);
  }

  /**
   * Send `req` to the leader this member knows. Should this member learn of another leader while
   * the request waits (the old one froze or was deposed), the wait ends at once: a write (or
   * membership change) with the outcome-unknown TIMEOUT, since the old leader may have proposed
   * it; a keepalive or TTL query with NO_LEADER (it changed nothing and is asked again).
   */
  private forward(req: ForwardRequest, deadline: number): Promise<ForwardResponse> {
    const to = this.m.lead;
    if (to === 0) return Promise.resolve({ ok: false, code: 'NO_LEADER', message: 'no leader is known' });
    // One promise, settled by whichever comes first: the leader's answer or a new leader.
    return new Promise<ForwardResponse>((resolve, reject) => {
      let settled = false;
      /** True for the first of the two outcomes only. */
      const first = (): boolean => {
        if (settled) return false;
        settled = true;
        this.inFlight.delete(rec);
        return true;
      };
      const rec: ForwardInFlight = {
        to,
        supersede: (lead) => {
          if (!first()) return;
          const what = `leader changed from ${to} to ${lead} while the request was forwarded`;
          resolve(
            req.kind === 'propose' || req.kind === 'confChange'
              ? { ok: false, code: 'TIMEOUT', message: `${what}; the outcome is unknown` }
              : { ok: false, code: 'NO_LEADER', message: what },
          );
        },
      };
      this.inFlight.add(rec);
      this.request(to, req, deadline).then(
        (resp) => first() && resolve(resp),
        (e: unknown) => first() && reject(e),
      );
    });
  }

  private async request(to: NodeId, req: ForwardRequest, deadline: number): Promise<ForwardResponse> {
    // Writes go in binary batches; with the UNSAFE ackForwardBeforeApply hook (tests only) they
    // take the one-request JSON path, whose leader may answer before the entry applies.
    if (req.kind === 'propose' && !this.m.hooks.ackForwardBeforeApply) {
      const bytes = proposalBytes(req.cmd);
      const proposals = this.m.proposals;
      proposals.forwardStarted();
      try {
        const a = await this.batcher.submit(to, bytes, deadline);
        return a.ok ? { ok: true, kind: 'proposed', index: a.index, term: a.term } : { ok: false, code: a.code, message: a.message };
      } finally {
        // Counted down once expect() has registered (or not) the answer: a turn later.
        this.m.o.clock.defer(() => proposals.forwardAnswered());
      }
    }
    const timeout = Math.max(1, deadline - this.m.o.clock.now()) + 250;
    try {
      return decodeForwardResponse(await this.m.o.peers.request(to, encodeForward(req), timeout));
    } catch (e) {
      const code = (e as { code?: string }).code;
      const unknown = (e as { outcomeUnknown?: boolean }).outcomeUnknown !== false;
      if (req.kind === 'confChange') {
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

  /**
   * A batch of forwarded writes: each is appended to the log now (all in one Ready) and answered
   * with its (index, term), or refused with a code (then it was not appended).
   */
  private handleProposeBatch(from: NodeId, payload: Uint8Array): Uint8Array {
    const m = this.m;
    let items;
    try {
      items = decodeProposeBatch(payload);
    } catch (e) {
      // Unreadable: nothing was appended. The follower cannot match answers, so it sees TIMEOUT.
      return encodeBatchAnswers([refusalOf(new CodedError('BAD_REQUEST', (e as Error).message))]);
    }
    const answers: BatchAnswer[] = [];
    let appended = 0;
    for (const it of items) {
      if (m.stopped) {
        answers.push({ ok: false, code: 'SHUTTING_DOWN', message: 'the leader is stopping; the write was not appended' });
      } else if (m.role !== StateRole.Leader) {
        answers.push(refusalOf(m.notLeaderError()));
      } else if (m.memLog.lastIndex() - m.applied >= m.o.maxPendingProposals) {
        answers.push({ ok: false, code: 'TOO_MANY_REQUESTS', message: `too many entries not yet applied on the leader (${m.memLog.lastIndex() - m.applied})` });
      } else {
        const r = m.raft.propose(it.cmd);
        if (r.ok) {
          appended++;
          answers.push({ ok: true, index: r.index, term: r.term });
        } else {
          answers.push({ ok: false, code: r.code === 'NOT_LEADER' ? 'NO_LEADER' : isErrorCode(r.code) ? r.code : 'INTERNAL', message: r.message });
        }
      }
    }
    if (appended > 0) {
      let q = this.awaitingCommit.get(from);
      if (!q) {
        q = [];
        this.awaitingCommit.set(from, q);
      }
      if (q.length >= 64) q.shift(); // a follower that never hears back: keep the newest
      q.push(m.memLog.lastIndex());
      m.kick();
    }
    return encodeBatchAnswers(answers);
  }

  /** Leader: whether a commit index of `commit` for `to` covers a forwarded batch it waits on. */
  commitAwaited(to: NodeId, commit: number): boolean {
    const q = this.awaitingCommit.get(to);
    if (q === undefined || q[0]! > commit) return false;
    while (q.length > 0 && q[0]! <= commit) q.shift();
    if (q.length === 0) this.awaitingCommit.delete(to);
    return true;
  }

  /** A forwarded client request from a follower (we are, or were, the leader). */
  async handlePeerRequest(from: NodeId, payload: Uint8Array): Promise<Uint8Array> {
    const m = this.m;
    if (payload[0] === PROPOSE_BATCH_TAG) return this.handleProposeBatch(from, payload);
    let req: ForwardRequest;
    try {
      req = decodeForwardRequest(payload);
    } catch (e) {
      return encodeForward({ ok: false, code: 'BAD_REQUEST', message: (e as Error).message });
    }
    try {
      let resp: ForwardResponse;
      if (req.kind === 'propose') {
        if (m.role !== StateRole.Leader) throw m.notLeaderError();
        const early = m.hooks.ackForwardBeforeApply ? unsafeEarlyResult(req.cmd) : undefined;
        if (early !== undefined) {
          // UNSAFE test hook: answer once the entry is in the log, before it commits and applies.
          const { index, done } = m.proposals.append(req.cmd, Math.min(req.timeoutMs, m.o.requestTimeoutMs));
          done.catch(() => {}); // nobody waits for it
          return encodeForward({ ok: true, kind: 'propose', result: early, index });
        }
        const { result, index } = await m.proposals.proposeLocal(req.cmd, Math.min(req.timeoutMs, m.o.requestTimeoutMs));
        m.hold.release(from);
        resp = { ok: true, kind: 'propose', result, index };
      } else if (req.kind === 'keepalive') {
        const ttlMs = await m.leases.keepaliveLocal(req.lease);
        resp = { ok: true, kind: 'keepalive', ttlMs };
      } else if (req.kind === 'leaseRemaining') {
        const remainingMs = await m.leases.remainingLocal(req.lease);
        resp = { ok: true, kind: 'leaseRemaining', remainingMs };
      } else {
        const index = await m.membership.confChangeLocal(req.change, req.member);
        resp = { ok: true, kind: 'confChange', index };
      }
      return encodeForward(resp);
    } catch (e) {
      const ce = e instanceof CodedError ? e : new CodedError('INTERNAL', (e as Error)?.message ?? 'internal error');
      return encodeForward({ ok: false, code: ce.code, message: ce.message, details: ce.details });
    }
  }
}
