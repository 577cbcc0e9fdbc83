// The safety properties of Paxos, checked as the simulated drivers persist, send and learn. The
// checker trusts nothing the core says about itself: it sees what each acceptor writes to its
// disk, what each member sends, and what each learner hands to its state machine.
//
//  - learner-agreement: no two learners learn different values for one slot, and a learner only
//    learns a value that is chosen (accepted by a majority of acceptors under one ballot).
//  - chosen-value: once a value v is chosen in a slot with ballot b, every proposal accepted in
//    that slot with a ballot above b carries v. Proposals with other numbers may be accepted, but
//    only with the chosen value; so no second value can ever be chosen there. (Checked in ballot
//    order, whichever of the two acceptances happened first in time.)
//  - acceptor-promise: an acceptor never accepts a ballot below one it promised (checked on the
//    acceptances it writes and on the ones it reports), and never forgets a promise or an
//    acceptance across a crash: what it restarts with covers everything it ever sent.

import { compareBallots, formatBallot } from '../../../src/paxos/ballot.js';
import type { AcceptedEntry, Ballot, NodeId, PaxosMessage, Slot, Value } from '../../../src/paxos/types.js';
import type { PaxosDisk } from './paxos-disk.js';
import { SimViolation } from './violation.js';

interface SlotVotes {
  /** Ballot (as text) -> the value proposed under it and who accepted it. */
  ballots: Map<string, { ballot: Ballot; value: Value; acceptors: Set<NodeId> }>;
  /** The lowest ballot under which a majority accepted, and its value. */
  chosen: { ballot: Ballot; value: Value } | undefined;
}

/** What one acceptor has told the world, over all its lives. */
interface Sent {
  promised: Ballot | undefined;
  /** Slot -> the highest ballot it reported accepting there. */
  accepted: Map<Slot, Ballot>;
}

const show = (v: Value): string => (v === null ? 'no-op' : v);

export class PaxosChecker {
  private readonly slots = new Map<Slot, SlotVotes>();
  private readonly learned = new Map<Slot, { value: Value; node: NodeId }>();
  private readonly sent = new Map<NodeId, Sent>();
  private chosenCount = 0;
  private noopCount = 0;

  constructor(
    private readonly members: number,
    /** Check the acceptor's own rule directly (off: only what breaks for everyone shows). */
    private readonly direct: boolean,
  ) {}

  get valuesChosen(): number {
    return this.chosenCount;
  }

  get noopsChosen(): number {
    return this.noopCount;
  }

  chosenAt(slot: Slot): { ballot: Ballot; value: Value } | undefined {
    return this.slots.get(slot)?.chosen;
  }

  /** An acceptor's write: `before` is its disk as it was, then the new promise and acceptances. */
  onPersist(node: NodeId, before: Ballot, promised: Ballot | undefined, accepted: readonly AcceptedEntry[]): void {
    if (this.direct && promised !== undefined && compareBallots(promised, before) < 0) {
      throw new SimViolation('acceptor-promise', `acceptor ${node} lowered its promise from ${formatBallot(before)} to ${formatBallot(promised)}`);
    }
    for (const e of accepted) {
      if (this.direct && compareBallots(e.ballot, before) < 0) {
        throw new SimViolation(
          'acceptor-promise',
          `acceptor ${node} accepted ballot ${formatBallot(e.ballot)} in slot ${e.slot} after promising ${formatBallot(before)}`,
        );
      }
      this.onAccepted(node, e);
    }
  }

  private onAccepted(node: NodeId, e: AcceptedEntry): void {
    let sv = this.slots.get(e.slot);
    if (sv === undefined) {
      sv = { ballots: new Map(), chosen: undefined };
      this.slots.set(e.slot, sv);
    }
    const key = formatBallot(e.ballot);
    let b = sv.ballots.get(key);
    if (b === undefined) {
      b = { ballot: e.ballot, value: e.value, acceptors: new Set() };
      sv.ballots.set(key, b);
    } else if (b.value !== e.value) {
      throw new SimViolation(
        'chosen-value',
        `slot ${e.slot}: ballot ${key} was accepted with two values, ${show(b.value)} and ${show(e.value)} (acceptor ${node})`,
      );
    }
    const c = sv.chosen;
    if (c !== undefined && compareBallots(e.ballot, c.ballot) > 0 && e.value !== c.value) {
      throw new SimViolation(
        'chosen-value',
        `slot ${e.slot}: ${show(c.value)} was chosen with ballot ${formatBallot(c.ballot)}, but acceptor ${node} accepted ${show(e.value)} with the higher ballot ${key}`,
      );
    }
    b.acceptors.add(node);
    if (b.acceptors.size < Math.floor(this.members / 2) + 1) return;
    if (c !== undefined && compareBallots(c.ballot, e.ballot) <= 0) return;
    if (c !== undefined && c.value !== e.value) {
      throw new SimViolation(
        'chosen-value',
        `slot ${e.slot}: ${show(e.value)} is chosen with ballot ${key}, but ${show(c.value)} was already chosen with ballot ${formatBallot(c.ballot)}`,
      );
    }
    // Newly chosen at a lower ballot than known: every higher ballot must carry this value.
    for (const other of sv.ballots.values()) {
      if (compareBallots(other.ballot, e.ballot) > 0 && other.value !== e.value) {
        throw new SimViolation(
          'chosen-value',
          `slot ${e.slot}: ${show(e.value)} is chosen with ballot ${key}, but the higher ballot ${formatBallot(other.ballot)} was accepted with ${show(other.value)}`,
        );
      }
    }
    if (c === undefined) {
      this.chosenCount++;
      if (e.value === null) this.noopCount++;
    }
    sv.chosen = { ballot: e.ballot, value: e.value };
  }

  /** A learner learned (slot, value). */
  onLearn(node: NodeId, slot: Slot, value: Value): void {
    const c = this.slots.get(slot)?.chosen;
    if (c === undefined || c.value !== value) {
      throw new SimViolation(
        'learner-agreement',
        `learner ${node} learned ${show(value)} in slot ${slot}, which is not the chosen value (${c === undefined ? 'nothing chosen there' : show(c.value)})`,
      );
    }
    const first = this.learned.get(slot);
    if (first === undefined) this.learned.set(slot, { value, node });
    else if (first.value !== value) {
      throw new SimViolation('learner-agreement', `learners ${first.node} and ${node} learned ${show(first.value)} and ${show(value)} in slot ${slot}`);
    }
  }

  /** A message leaves `node`: promises and acceptances it reports are remembered. */
  onSend(node: NodeId, m: PaxosMessage): void {
    if (m.type !== 'promise' && m.type !== 'accepted') return;
    let s = this.sent.get(node);
    if (s === undefined) {
      s = { promised: undefined, accepted: new Map() };
      this.sent.set(node, s);
    }
    if (m.type === 'promise') {
      if (m.ok && (s.promised === undefined || compareBallots(m.ballot, s.promised) > 0)) s.promised = m.ballot;
      return;
    }
    if (m.slots.length === 0) return;
    if (this.direct && s.promised !== undefined && compareBallots(m.ballot, s.promised) < 0) {
      throw new SimViolation(
        'acceptor-promise',
        `acceptor ${node} reports accepting ballot ${formatBallot(m.ballot)} in slot(s) ${m.slots.join(',')} after promising ${formatBallot(s.promised)}`,
      );
    }
    for (const slot of m.slots) {
      const prev = s.accepted.get(slot);
      if (prev === undefined || compareBallots(m.ballot, prev) > 0) s.accepted.set(slot, m.ballot);
    }
  }

  /** A member restarts from `disk`: it must hold every promise and acceptance it ever sent. */
  onRestart(node: NodeId, disk: PaxosDisk): void {
    const s = this.sent.get(node);
    if (s === undefined) return;
    if (s.promised !== undefined && compareBallots(disk.promised, s.promised) < 0) {
      throw new SimViolation(
        'acceptor-promise',
        `acceptor ${node} restarted with promise ${formatBallot(disk.promised)}, below the ${formatBallot(s.promised)} it promised before its crash`,
      );
    }
    for (const [slot, ballot] of s.accepted) {
      const d = disk.accepted.get(slot);
      if (d === undefined || compareBallots(d.ballot, ballot) < 0) {
        throw new SimViolation(
          'acceptor-promise',
          `acceptor ${node} restarted without its acceptance of ballot ${formatBallot(ballot)} in slot ${slot} (disk: ${d === undefined ? 'nothing' : formatBallot(d.ballot)})`,
        );
      }
    }
  }
}
