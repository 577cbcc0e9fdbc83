// The leader's view of each follower (etcd-io/raft tracker/progress.go, in our own shape).
//
// A follower's progress is in one of three states:
//   probe      we do not know where its log matches ours: send one AppendEntries at a time and
//              wait for the answer (or a heartbeat response) before sending the next.
//   replicate  its log matches through `match`: stream entries optimistically, up to
//              `maxInflightMsgs` unacknowledged AppendEntries (pipelining).
//   snapshot   it needs a snapshot (its next entry is compacted away): send nothing until it
//              acknowledges the snapshot or the application reports that the send failed.
//
// Invariants: 0 <= match < next; inflight count <= capacity.

import { invariant } from '../invariant/index.js';
import type { PeerProgress, ProgressState } from './api.js';
import type { LogIndex, NodeId } from './types.js';

/** A bounded FIFO of the last index carried by each in-flight AppendEntries (a ring buffer). */
export class Inflights {
  private readonly buf: LogIndex[];
  private start = 0;
  private n = 0;

  constructor(readonly capacity: number) {
    invariant(Number.isInteger(capacity) && capacity > 0, () => `inflight capacity must be a positive integer, got ${capacity}`);
    this.buf = new Array<LogIndex>(capacity).fill(0);
  }

  count(): number {
    return this.n;
  }

  full(): boolean {
    return this.n === this.capacity;
  }

  add(last: LogIndex): void {
    invariant(!this.full(), 'inflights: add to a full window');
    if (this.n > 0) {
      const prev = this.buf[(this.start + this.n - 1) % this.capacity]!;
      invariant(last > prev, () => `inflights: indexes must increase (${last} after ${prev})`);
    }
    this.buf[(this.start + this.n) % this.capacity] = last;
    this.n++;
  }

  /** Forget every in-flight message whose last index is <= `to` (they were acknowledged). */
  freeLE(to: LogIndex): void {
    while (this.n > 0 && this.buf[this.start]! <= to) {
      this.start = (this.start + 1) % this.capacity;
      this.n--;
    }
  }

  freeFirstOne(): void {
    if (this.n === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.n--;
  }

  reset(): void {
    this.start = 0;
    this.n = 0;
  }
}

export class Progress {
  match: LogIndex = 0;
  next: LogIndex;
  state: ProgressState = 'probe';
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot: LogIndex = 0;
  /** In probe state: an AppendEntries is out, wait for its answer before sending another. */
  probeSent = false;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: LogIndex, isLearner: boolean, maxInflight: number) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(maxInflight);
  }

  private check(): void {
    invariant(this.match < this.next, () => `progress: match ${this.match} must be < next ${this.next}`);
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      // The snapshot may or may not have arrived: resume just after it, at the latest.
      this.next = Math.max(this.match + 1, this.pendingSnapshot + 1);
    } else {
      this.next = this.match + 1;
    }
    this.state = 'probe';
    this.pendingSnapshot = 0;
    this.probeSent = false;
    this.inflights.reset();
    this.check();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.pendingSnapshot = 0;
    this.probeSent = false;
    this.inflights.reset();
  }

  becomeSnapshot(snapIndex: LogIndex): void {
    this.state = 'snapshot';
    this.pendingSnapshot = snapIndex;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** An acknowledgement up to `n`. Returns true if `match` moved. */
  maybeUpdate(n: LogIndex): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      this.probeSent = false;
      updated = true;
    }
    if (this.next < n + 1) this.next = n + 1;
    return updated;
  }

  /**
   * A rejection of the AppendEntries whose prevLogIndex was `rejected`; `hint` is where the
   * leader estimates the logs last agree. Returns false when the rejection is stale.
   */
  maybeDecrTo(rejected: LogIndex, hint: LogIndex): boolean {
    if (this.state === 'replicate') {
      // Entries up to match are known to agree: a rejection at or below it is from the past.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the answer to the latest probe counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    this.check();
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  /** Bookkeeping after sending an AppendEntries whose last entry is `last` (count = entries). */
  sentEntries(count: number, last: LogIndex): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = last + 1;
        this.inflights.add(last);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  view(): PeerProgress {
    return {
      match: this.match,
      next: this.next,
      state: this.state,
      inflight: this.inflights.count(),
      isLearner: this.isLearner,
      recentActive: this.recentActive,
    };
  }
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** Membership plus per-member progress. Voters and learners are disjoint. */
export class ProgressTracker {
  readonly progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  /** Sorted voter ids, cached (membership changes are rare; quorum math is per message). */
  private voterIds: NodeId[] = [];
  private readonly matchScratch: LogIndex[] = [];

  constructor(readonly maxInflight: number) {}

  voters(): NodeId[] {
    return this.voterIds;
  }

  learners(): NodeId[] {
    const out: NodeId[] = [];
    for (const [id, pr] of this.progress) if (pr.isLearner) out.push(id);
    return out.sort((a, b) => a - b);
  }

  isVoter(id: NodeId): boolean {
    const pr = this.progress.get(id);
    return pr !== undefined && !pr.isLearner;
  }

  quorum(): number {
    return Math.floor(this.voterIds.length / 2) + 1;
  }

  /** Set membership exactly; existing progress is kept for members that stay. */
  setMembers(voters: readonly NodeId[], learners: readonly NodeId[], nextIndex: LogIndex): void {
    const keep = new Set<NodeId>([...voters, ...learners]);
    for (const id of [...this.progress.keys()]) if (!keep.has(id)) this.progress.delete(id);
    for (const id of voters) this.upsert(id, false, nextIndex);
    for (const id of learners) this.upsert(id, true, nextIndex);
    this.refresh();
  }

  upsert(id: NodeId, isLearner: boolean, nextIndex: LogIndex): void {
    const pr = this.progress.get(id);
    if (pr) {
      pr.isLearner = isLearner;
    } else {
      const p = new Progress(Math.max(nextIndex, 1), isLearner, this.maxInflight);
      // A member that was just added has not had a chance to talk to us yet: treat it as active
      // so that check-quorum does not immediately count it against the leader.
      p.recentActive = true;
      this.progress.set(id, p);
    }
    this.refresh();
  }

  remove(id: NodeId): void {
    this.progress.delete(id);
    this.votes.delete(id);
    this.refresh();
  }

  private refresh(): void {
    const v: NodeId[] = [];
    for (const [id, pr] of this.progress) if (!pr.isLearner) v.push(id);
    this.voterIds = v.sort((a, b) => a - b);
  }

  /** The largest index replicated on a quorum of voters (0 with no voters). */
  committedIndex(): LogIndex {
    const n = this.voterIds.length;
    if (n === 0) return 0;
    const m = this.matchScratch;
    m.length = n;
    // Insertion sort, largest first: voters are few, and Array.prototype.sort allocates a work
    // array on every call (this runs for every proposal and every append answer).
    for (let k = 0; k < n; k++) {
      const v = this.progress.get(this.voterIds[k]!)!.match;
      let j = k;
      while (j > 0 && m[j - 1]! < v) {
        m[j] = m[j - 1]!;
        j--;
      }
      m[j] = v;
    }
    return m[this.quorum() - 1]!;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voterIds) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    const q = this.quorum();
    const result: VoteResult = granted >= q ? 'won' : this.voterIds.length - rejected < q ? 'lost' : 'pending';
    return { granted, rejected, result };
  }

  /** Check-quorum: have a quorum of voters (counting `self`) been heard from recently? */
  quorumActive(self: NodeId): boolean {
    let active = 0;
    for (const id of this.voterIds) {
      if (id === self || this.progress.get(id)!.recentActive) active++;
    }
    return active >= this.quorum();
  }
}
