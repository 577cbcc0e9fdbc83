// Proposals waiting for their entry to apply. Every proposal gets its own result or a coded
// error, never a silent hang: its result once applied, TIMEOUT (outcome unknown) when its time
// runs out, PROPOSAL_LOST when another leader's entry took its index, and an outcome-unknown
// TIMEOUT when a snapshot past it is installed.

import { CodedError, isErrorCode, type ErrorCode } from '../api/errors.js';
import type { Entry } from '../raft/types.js';
import type { Command, CommandResult } from '../state/commands.js';
import type { MemberContext } from './member-context.js';
import type { Cancelable } from './ports.js';
import { proposalBytes } from './proposal-check.js';

interface PendingProposal {
  term: number;
  /** UNSAFE test hook: acknowledge once persisted locally, with this synthesized result. */
  ackOnPersist?: CommandResult;
  startedAt: number;
  resolve(r: CommandResult): void;
  reject(e: CodedError): void;
  timer: Cancelable;
}

export type Proposed = { result: CommandResult; index: number };

/** Results of entries applied while forwarded writes wait for their answers, kept this long
 *  (entries) in case an answer arrives after this member applied the entry. */
const RECENT_RESULTS = 8_192;

export class Proposals {
  /** Log index -> the proposal waiting for that entry. Bounded by maxPendingProposals. */
  private readonly pending = new Map<number, PendingProposal>();
  /** Forwarded batches waiting for the leader's answer: while any does, results are kept. */
  private awaitingAnswers = 0;
  /** Log index -> (term, result) of recently applied entries (only while awaitingAnswers > 0). */
  private readonly recent = new Map<number, { term: number; result: CommandResult | undefined }>();

  constructor(private readonly m: MemberContext) {}

  get size(): number {
    return this.pending.size;
  }

  /** Propose on this member (it must lead); settles with the entry's result or a coded error. */
  proposeLocal(cmd: Command, timeoutMs: number): Promise<Proposed> {
    try {
      return this.append(cmd, timeoutMs).done;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Append `cmd` to the leader's log now, or throw (a CodedError) if it was not appended. `done`
   * settles with the entry's result, or TIMEOUT (outcome unknown), or PROPOSAL_LOST.
   */
  append(cmd: Command, timeoutMs: number): { index: number; done: Promise<Proposed> } {
    const m = this.m;
    m.assertRunning();
    if (this.pending.size >= m.o.maxPendingProposals) {
      throw new CodedError('TOO_MANY_REQUESTS', `too many proposals in flight (${this.pending.size})`);
    }
    const r = m.raft.propose(proposalBytes(cmd));
    if (!r.ok) {
      const code: ErrorCode = r.code === 'NOT_LEADER' ? 'NO_LEADER' : isErrorCode(r.code) ? r.code : 'INTERNAL';
      throw new CodedError(code, r.message);
    }
    const index = r.index;
    const done = new Promise<Proposed>((resolve, reject) => {
      const timer = m.o.clock.after(timeoutMs, () => {
        if (this.pending.get(index) === p) {
          this.pending.delete(index);
          reject(new CodedError('TIMEOUT', `not applied within ${timeoutMs} ms; the outcome is unknown`));
        }
      });
      const p: PendingProposal = {
        ackOnPersist: m.hooks.ackBeforeCommit ? unsafeEarlyResult(cmd) : undefined,
        term: r.term,
        startedAt: m.o.clock.now(),
        resolve: (result) => resolve({ result, index }),
        reject,
        timer,
      };
      this.displace(index, r.term);
      this.pending.set(index, p);
      m.kick();
    });
    return { index, done };
  }

  /** A forwarded write is on its way to the leader: keep applied results until it is answered. */
  forwardStarted(): void {
    this.awaitingAnswers++;
  }

  forwardAnswered(): void {
    if (--this.awaitingAnswers === 0) this.recent.clear();
  }

  /**
   * The leader appended a forwarded command of ours at (`index`, `term`): settle with the result
   * of the entry this member applies at that index, PROPOSAL_LOST if another term's entry takes
   * it, or TIMEOUT (outcome unknown) after `timeoutMs`.
   */
  expect(index: number, term: number, timeoutMs: number): Promise<Proposed> {
    const m = this.m;
    if (index <= m.applied) {
      const r = this.recent.get(index);
      if (r === undefined) return Promise.reject(new CodedError('TIMEOUT', `entry ${index} was applied before its answer arrived; the outcome is unknown`));
      if (r.term !== term) return Promise.reject(new CodedError('PROPOSAL_LOST', 'leader changed and the proposed entry was replaced; it was not applied'));
      return Promise.resolve({ result: r.result ?? { op: 'noop', revision: m.sm.revision() }, index });
    }
    const prior = this.pending.get(index);
    if (prior !== undefined && prior.term >= term) return Promise.reject(new CodedError('INTERNAL', `two proposals claim entry ${index} of term ${term}`));
    this.displace(index, term);
    if (this.pending.size >= m.o.maxPendingProposals) {
      return Promise.reject(new CodedError('TIMEOUT', `too many proposals in flight (${this.pending.size}); the outcome of entry ${index} is unknown`));
    }
    return new Promise<Proposed>((resolve, reject) => {
      const timer = m.o.clock.after(timeoutMs, () => {
        if (this.pending.get(index) === p) {
          this.pending.delete(index);
          reject(new CodedError('TIMEOUT', `not applied here within ${timeoutMs} ms; the outcome is unknown`));
        }
      });
      const p: PendingProposal = { term, startedAt: m.o.clock.now(), resolve: (result) => resolve({ result, index }), reject, timer };
      this.pending.set(index, p);
    });
  }

  /**
   * A proposal of `term` now claims entry `index`. Only one entry ever commits at an index, and a
   * leader of a later term put its own there: the earlier term's entry that a proposal still
   * waits for can never commit (Leader Completeness), so that proposal is lost.
   */
  private displace(index: number, term: number): void {
    const prior = this.pending.get(index);
    if (prior === undefined || prior.term >= term) return;
    this.pending.delete(index);
    prior.timer.cancel();
    prior.reject(new CodedError('PROPOSAL_LOST', 'leader changed and the proposed entry was replaced; it was not applied'));
  }

  /** Entry `e` was applied with `result` (none for a membership change or an empty entry). */
  onApplied(e: Entry, result: CommandResult | undefined, now: number): void {
    if (this.awaitingAnswers > 0) {
      this.recent.set(e.index, { term: e.term, result });
      if (this.recent.size > RECENT_RESULTS) this.recent.delete(this.recent.keys().next().value!);
    }
    const p = this.pending.get(e.index);
    if (!p) return;
    this.pending.delete(e.index);
    p.timer.cancel();
    if (p.term !== e.term) {
      p.reject(new CodedError('PROPOSAL_LOST', 'leader changed and the proposed entry was replaced; it was not applied'));
    } else {
      this.m.o.metrics?.proposalCommitted?.((now - p.startedAt) / 1000);
      p.resolve(result ?? { op: 'noop', revision: this.m.sm.revision() });
    }
  }

  /** A snapshot up to `index` was installed: this member cannot tell whether those applied. */
  onSnapshotInstalled(index: number): void {
    for (const [i, p] of this.pending) {
      if (i <= index) {
        this.pending.delete(i);
        p.timer.cancel();
        p.reject(new CodedError('TIMEOUT', 'outcome unknown: this member installed a snapshot past the proposal'));
      }
    }
  }

  /** UNSAFE test hook: answer proposals as soon as the leader persisted them (a classic bug). */
  unsafeAckPersisted(lastIndex: number): void {
    for (const [index, p] of this.pending) {
      if (index > lastIndex || !p.ackOnPersist) continue;
      this.pending.delete(index);
      p.timer.cancel();
      p.resolve(p.ackOnPersist);
    }
  }

  rejectAll(err: CodedError): void {
    for (const [, p] of this.pending) {
      p.timer.cancel();
      p.reject(err);
    }
    this.pending.clear();
  }
}

/** The result an UNSAFE early answer makes up (test hooks ackBeforeCommit, ackForwardBeforeApply). */
export function unsafeEarlyResult(cmd: Command): CommandResult | undefined {
  if (cmd.op === 'put') return { op: 'put', revision: 0 };
  if (cmd.op === 'delete') return { op: 'delete', revision: 0, deleted: 1 };
  return undefined;
}
