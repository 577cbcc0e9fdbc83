// The core's view of the log: the stable part (MemoryLog, what the driver has persisted) plus an
// unstable tail (entries and possibly a snapshot not yet persisted). Shaped after etcd-io/raft's
// log.go / log_unstable.go.
//
// Indexes, with their invariants (checked by `checkInvariants`):
//
//   firstIndex()-1 <= applied <= applying <= committed <= lastIndex()
//
//   applied   highest index the state machine has applied (acknowledged by advance()).
//   applying  highest index handed out in a Ready's committedEntries (or snapshot) whose
//             advance() has not arrived yet. applied <= applying.
//   committed highest index known to be committed. Never decreases.
//
// Unstable tail: `u.entries` hold indexes u.offset .. u.offset+len-1; u.offset <= stable
// lastIndex()+1 (or, with an unstable snapshot, u.offset = its index+1), and for i >= u.offset the unstable entry wins over whatever the stable log holds
// at i (it is newer and will overwrite it when persisted). `u.inProgress` is the first unstable
// index not yet handed out in a Ready.

import { invariant } from '../invariant/index.js';
import { entrySize, limitSize, type MemoryLog } from './log-storage.js';
import type { Entry, LogIndex, Snapshot, Term } from './types.js';

interface Unstable {
  /** A received snapshot not yet persisted; when set, u.offset === its index + 1. */
  snapshot: Snapshot | undefined;
  snapshotInProgress: boolean;
  offset: LogIndex;
  entries: Entry[];
  inProgress: LogIndex;
}

export class RaftLog {
  readonly storage: MemoryLog;
  private readonly u: Unstable;
  committed: LogIndex;
  applying: LogIndex;
  applied: LogIndex;

  constructor(storage: MemoryLog, applied: LogIndex | undefined) {
    this.storage = storage;
    const last = storage.lastIndex();
    this.u = { snapshot: undefined, snapshotInProgress: false, offset: last + 1, entries: [], inProgress: last + 1 };
    const snapIndex = storage.firstIndex() - 1;
    const hsCommit = storage.hardState().commit;
    invariant(hsCommit <= last, () => `stored commit ${hsCommit} is beyond the stored lastIndex ${last}`);
    this.committed = Math.max(hsCommit, snapIndex);
    const a = applied ?? snapIndex;
    invariant(a >= snapIndex, () => `applied ${a} is below the snapshot index ${snapIndex}: restore the snapshot first`);
    invariant(a <= this.committed, () => `applied ${a} is beyond the commit index ${this.committed}`);
    this.applied = a;
    this.applying = a;
  }

  checkInvariants(): void {
    invariant(this.applied <= this.applying, () => `applied ${this.applied} > applying ${this.applying}`);
    invariant(this.applying <= this.committed, () => `applying ${this.applying} > committed ${this.committed}`);
    invariant(this.committed <= this.lastIndex(), () => `committed ${this.committed} > lastIndex ${this.lastIndex()}`);
    // An unstable snapshot replaces the whole log: its entries follow it, whatever the stable log
    // holds (a Ready handed out before the snapshot arrived may still be made durable under it).
    if (this.u.snapshot) {
      invariant(this.u.offset === this.u.snapshot.metadata.index + 1, () => `unstable offset ${this.u.offset} does not follow the unstable snapshot at ${this.u.snapshot!.metadata.index}`);
    } else {
      invariant(this.u.offset <= this.storage.lastIndex() + 1, () => `unstable offset ${this.u.offset} leaves a gap after stable ${this.storage.lastIndex()}`);
    }
  }

  firstIndex(): LogIndex {
    if (this.u.snapshot) return this.u.snapshot.metadata.index + 1;
    return this.storage.firstIndex();
  }

  lastIndex(): LogIndex {
    const n = this.u.entries.length;
    if (n > 0) return this.u.offset + n - 1;
    if (this.u.snapshot) return this.u.snapshot.metadata.index;
    return Math.min(this.storage.lastIndex(), this.u.offset - 1);
  }

  lastTerm(): Term {
    const t = this.term(this.lastIndex());
    invariant(t !== undefined, () => `no term for lastIndex ${this.lastIndex()}`);
    return t;
  }

  /** Term at i for i in [firstIndex()-1, lastIndex()]; undefined outside (compacted or future). */
  term(i: LogIndex): Term | undefined {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return undefined;
    const u = this.u;
    if (u.snapshot && i === u.snapshot.metadata.index) return u.snapshot.metadata.term;
    if (i >= u.offset) return u.entries[i - u.offset]!.term;
    return this.storage.term(i);
  }

  matchTerm(i: LogIndex, t: Term): boolean {
    const mine = this.term(i);
    return mine !== undefined && mine === t;
  }

  /** §5.4.1: is a candidate log ending at (index, term) at least as up-to-date as ours? */
  isUpToDate(index: LogIndex, term: Term): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && index >= this.lastIndex());
  }

  /** Entries in [lo, hi) (hi clamped to lastIndex()+1), at most maxBytes (at least one entry).
   *  lo must not be compacted. */
  entries(lo: LogIndex, hi: LogIndex, maxBytes = Infinity): Entry[] {
    hi = Math.min(hi, this.lastIndex() + 1);
    if (lo >= hi) return [];
    invariant(lo >= this.firstIndex(), () => `entries: ${lo} is compacted (firstIndex ${this.firstIndex()})`);
    const u = this.u;
    if (lo >= u.offset) return limitSize(u.entries, lo - u.offset, hi - u.offset, maxBytes);
    const stableHi = Math.min(hi, u.offset);
    const out = this.storage.entries(lo, stableHi, maxBytes);
    if (out.length < stableHi - lo || hi <= u.offset) return out;
    let used = 0;
    for (const e of out) used += entrySize(e);
    for (let k = 0; k < hi - u.offset; k++) {
      const e = u.entries[k]!;
      used += entrySize(e);
      if (used > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  /** The snapshot a lagging follower should receive: the unstable one if any, else the stored one. */
  snapshot(): Snapshot {
    return this.u.snapshot ?? this.storage.snapshot();
  }

  /**
   * Append entries after a conflict check already done by the caller; entries[0].index may be
   * anywhere in (committed, lastIndex()+1]. Returns the new lastIndex.
   */
  append(ents: Entry[]): LogIndex {
    if (ents.length === 0) return this.lastIndex();
    const from = ents[0]!.index;
    invariant(from > this.committed, () => `append would overwrite committed index ${from} (committed ${this.committed})`);
    invariant(from <= this.lastIndex() + 1, () => `append leaves a gap: ${from} after lastIndex ${this.lastIndex()}`);
    const u = this.u;
    if (from === u.offset + u.entries.length) {
      for (const e of ents) u.entries.push(e);
    } else if (from <= u.offset) {
      // Replaces the whole unstable tail (and, once persisted, part of the stable log).
      u.offset = from;
      u.entries = ents.slice();
    } else {
      u.entries.length = from - u.offset;
      for (const e of ents) u.entries.push(e);
    }
    u.inProgress = Math.min(u.inProgress, from);
    return this.lastIndex();
  }

  /**
   * The follower side of AppendEntries (Figure 2, receiver rules 2-5). Returns the index of the
   * last new entry, or undefined when (prevIndex, prevTerm) does not match our log.
   * With `truncateAlways` (mutation (c)) the log after prevIndex is replaced by `ents` even when
   * nothing conflicts — a stale or duplicated message then erases newer entries (kept no lower
   * than our own commit index so that the core's own assertions do not mask the bug).
   */
  maybeAppend(prevIndex: LogIndex, prevTerm: Term, leaderCommit: LogIndex, ents: Entry[], truncateAlways: boolean): LogIndex | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + ents.length;
    if (truncateAlways && lastNew < this.lastIndex()) {
      const keep = Math.max(lastNew, this.committed);
      if (keep < this.lastIndex()) this.truncateAfter(keep);
    }
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      invariant(ci > this.committed, () => `AppendEntries conflicts with committed entry ${ci} (committed ${this.committed})`);
      this.append(ents.slice(ci - ents[0]!.index));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** Mutation (c) helper: drop every entry after `keep`. */
  private truncateAfter(keep: LogIndex): void {
    const u = this.u;
    if (keep + 1 >= u.offset) {
      u.entries.length = keep + 1 - u.offset;
    } else {
      // An empty unstable tail starting at keep+1 hides the stable entries beyond keep
      // (lastIndex() is bounded by offset-1) until newer entries overwrite them.
      u.offset = keep + 1;
      u.entries = [];
    }
    u.inProgress = Math.min(u.inProgress, keep + 1);
  }

  /** Index of the first entry of `ents` that is not already in the log with the same term; 0 if all are. */
  findConflict(ents: Entry[]): LogIndex {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index i <= index whose term is <= term, with that term, searching no lower than
   * firstIndex()-1. Terms never decrease along a log, so this is a binary search.
   */
  findConflictByTerm(index: LogIndex, term: Term): { index: LogIndex; term: Term } {
    let hi = Math.min(index, this.lastIndex());
    let lo = this.firstIndex() - 1;
    const tLo = this.term(lo)!;
    if (hi < lo) return { index: lo, term: tLo };
    if (tLo > term) return { index: lo, term: tLo };
    // invariant: term(lo) <= term; answer in [lo, hi]
    while (lo < hi) {
      const mid = lo + Math.ceil((hi - lo) / 2);
      if (this.term(mid)! <= term) lo = mid;
      else hi = mid - 1;
    }
    return { index: lo, term: this.term(lo)! };
  }

  commitTo(i: LogIndex): void {
    if (i <= this.committed) return;
    invariant(i <= this.lastIndex(), () => `commit index ${i} is beyond lastIndex ${this.lastIndex()} (log truncated or lost?)`);
    this.committed = i;
  }

  /** Install a received snapshot as the new unstable base: the whole log is replaced. */
  restore(snap: Snapshot): void {
    const idx = snap.metadata.index;
    invariant(idx > this.committed, () => `restore: snapshot ${idx} is not newer than commit ${this.committed}`);
    this.u.snapshot = snap;
    this.u.snapshotInProgress = false;
    this.u.offset = idx + 1;
    this.u.entries = [];
    this.u.inProgress = idx + 1;
    this.committed = idx;
  }

  // ---- Ready plumbing ----------------------------------------------------------------------

  hasUnstableEntriesToHandOut(): boolean {
    return this.u.inProgress < this.u.offset + this.u.entries.length;
  }

  unstableEntriesToHandOut(): Entry[] {
    const from = Math.max(this.u.inProgress, this.u.offset);
    return this.u.entries.slice(from - this.u.offset);
  }

  snapshotToHandOut(): Snapshot | undefined {
    return this.u.snapshot && !this.u.snapshotInProgress ? this.u.snapshot : undefined;
  }

  /** A snapshot is waiting to be handed out or applied: no committed entries until it is. */
  private snapshotPending(): boolean {
    return this.u.snapshot !== undefined;
  }

  /** Committed entries may be handed out through this index: everything up to committed is in
   *  stable storage or in the Ready that carries them (which is persisted before apply). */
  hasNextCommittedEntries(): boolean {
    return !this.snapshotPending() && this.applying < this.committed;
  }

  nextCommittedEntries(maxBytes: number): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    return this.entries(this.applying + 1, this.committed + 1, maxBytes);
  }

  /** Mark what a Ready handed out. */
  acceptReady(entries: Entry[], snap: Snapshot | undefined, committed: Entry[]): void {
    if (entries.length > 0) this.u.inProgress = entries[entries.length - 1]!.index + 1;
    if (snap) this.u.snapshotInProgress = true;
    if (committed.length > 0) this.applying = committed[committed.length - 1]!.index;
  }

  /** The snapshot handed out in a Ready is durable and applied. */
  stableSnapTo(snap: Snapshot): void {
    const idx = snap.metadata.index;
    this.storage.applySnapshot(snap);
    if (this.u.snapshot && this.u.snapshot.metadata.index === idx) {
      this.u.snapshot = undefined;
      this.u.snapshotInProgress = false;
    }
    if (this.applied < idx) this.applied = idx;
    if (this.applying < idx) this.applying = idx;
  }

  /** The entries handed out in a Ready are durable: move them to the stable log. */
  stableEntries(ents: Entry[]): void {
    if (ents.length === 0) return;
    this.storage.append(ents);
    const last = ents[ents.length - 1]!;
    const u = this.u;
    // Only drop what still matches: a step between ready() and advance() may have replaced it.
    if (last.index >= u.offset && last.index < u.offset + u.entries.length && u.entries[last.index - u.offset]!.term === last.term) {
      u.entries = u.entries.slice(last.index + 1 - u.offset);
      u.offset = last.index + 1;
      if (u.inProgress < u.offset) u.inProgress = u.offset;
    }
  }

  appliedTo(i: LogIndex): void {
    invariant(i <= this.committed, () => `appliedTo ${i} beyond committed ${this.committed}`);
    if (i > this.applied) this.applied = i;
  }
}
