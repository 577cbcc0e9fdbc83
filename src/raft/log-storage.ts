// The stable part of a member's Raft state as the core sees it: the latest snapshot, the entries
// after it, and the hard state. It mirrors what the driver has made durable. The driver fills it
// once at boot (from disk); after that only the core writes to it, in `RawNode.advance()` (and in
// `RawNode.compact()`).

import { encodeConfChange } from './conf-change.js';
import { invariant } from '../invariant/index.js';
import {
  ConfChangeType,
  EntryType,
  type Entry,
  type HardState,
  type LogIndex,
  type NodeId,
  type Snapshot,
  type Term,
} from './types.js';

/** Bytes an entry counts for in every size limit (payload plus a fixed per-entry overhead). */
export function entrySize(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}
const ENTRY_OVERHEAD_BYTES = 16;

export function emptySnapshot(): Snapshot {
  return { metadata: { index: 0, term: 0, confState: { voters: [], learners: [] } }, data: new Uint8Array(0) };
}

/** What a brand-new cluster's founding members all start from (see `MemoryLog.bootstrap`). */
export interface BootstrapState {
  /** One AddVoter ConfChange per founding voter, at indexes 1..n, term 1. */
  entries: Entry[];
  /** {term: 1, vote: NONE, commit: n}. */
  hardState: HardState;
}

export class MemoryLog {
  /** The latest snapshot. `snap.metadata.index` is the last compacted index (0 when none). */
  private snap: Snapshot = emptySnapshot();
  /** Entries snap.index+1 .. snap.index+ents.length; contiguous, terms non-decreasing. */
  private ents: Entry[] = [];
  private hs: HardState = { term: 0, vote: 0, commit: 0 };

  /**
   * The initial log of a new cluster. Every founding member must start from exactly this (same
   * voters in the same order), so that the founding membership is itself part of the replicated
   * log and a member added later learns it by replication like any other entry.
   */
  static bootstrap(voters: NodeId[]): BootstrapState {
    invariant(voters.length > 0, 'bootstrap needs at least one voter');
    const seen = new Set<NodeId>();
    const entries: Entry[] = voters.map((id, i) => {
      invariant(Number.isSafeInteger(id) && id > 0, () => `bootstrap: invalid node id ${id}`);
      invariant(!seen.has(id), () => `bootstrap: duplicate node id ${id}`);
      seen.add(id);
      return {
        term: 1,
        index: i + 1,
        type: EntryType.ConfChange,
        data: encodeConfChange({ type: ConfChangeType.AddVoter, nodeId: id, context: new Uint8Array(0) }),
      };
    });
    return { entries, hardState: { term: 1, vote: 0, commit: voters.length } };
  }

  /** Convenience for tests and the simulator: a MemoryLog holding `MemoryLog.bootstrap(voters)`. */
  static bootstrapped(voters: NodeId[]): MemoryLog {
    const log = new MemoryLog();
    const b = MemoryLog.bootstrap(voters);
    log.append(b.entries);
    log.setHardState(b.hardState);
    return log;
  }

  /** First index still held as an entry (snapshot index + 1; 1 for a fresh log). */
  firstIndex(): LogIndex {
    return this.snap.metadata.index + 1;
  }

  /** Last index in the log (the snapshot index when no entries follow it; 0 for a fresh log). */
  lastIndex(): LogIndex {
    return this.snap.metadata.index + this.ents.length;
  }

  /**
   * Term of the entry at `i`, for i in [firstIndex()-1, lastIndex()] (firstIndex()-1 answers with
   * the snapshot's term; index 0 answers 0). Returns `undefined` for a compacted index (below
   * firstIndex()-1) and for a future index (above lastIndex()); never throws.
   */
  term(i: LogIndex): Term | undefined {
    const snapIndex = this.snap.metadata.index;
    if (i === snapIndex) return this.snap.metadata.term;
    if (i < snapIndex || i > this.lastIndex()) return undefined;
    return this.ents[i - snapIndex - 1]!.term;
  }

  /**
   * Entries in [lo, hi). Throws when lo is compacted (lo < firstIndex()) or hi is beyond
   * lastIndex()+1: callers check bounds first. With `maxBytes`, stops before the entry that would
   * exceed it, but always returns at least one entry when the range is non-empty.
   */
  entries(lo: LogIndex, hi: LogIndex, maxBytes = Infinity): Entry[] {
    invariant(lo >= this.firstIndex(), () => `entries(${lo}, ${hi}): ${lo} is compacted (firstIndex ${this.firstIndex()})`);
    invariant(hi <= this.lastIndex() + 1, () => `entries(${lo}, ${hi}): beyond lastIndex ${this.lastIndex()}`);
    if (lo >= hi) return [];
    const off = this.snap.metadata.index + 1;
    return limitSize(this.ents, lo - off, hi - off, maxBytes);
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  hardState(): HardState {
    return { ...this.hs };
  }

  setHardState(hs: HardState): void {
    this.hs = { term: hs.term, vote: hs.vote, commit: hs.commit };
  }

  /** Replace everything with `snap` (boot-time restore, or the core installing a received one). */
  applySnapshot(snap: Snapshot): void {
    invariant(
      snap.metadata.index >= this.snap.metadata.index,
      `applySnapshot: snapshot at ${snap.metadata.index} is older than the current one at ${this.snap.metadata.index}`,
    );
    this.snap = snap;
    this.ents = [];
  }

  /**
   * Append entries (contiguous, ascending). Entries at or below the snapshot index are ignored;
   * an existing entry at an index the batch covers is replaced together with everything after it
   * (the caller resolved the conflict; the batch is authoritative).
   */
  append(entries: Entry[]): void {
    if (entries.length === 0) return;
    for (let k = 1; k < entries.length; k++) {
      invariant(entries[k]!.index === entries[k - 1]!.index + 1, () => `append: entries not contiguous at ${entries[k]!.index}`);
    }
    const snapIndex = this.snap.metadata.index;
    let start = 0;
    if (entries[0]!.index <= snapIndex) start = snapIndex + 1 - entries[0]!.index;
    if (start >= entries.length) return;
    const first = entries[start]!.index;
    invariant(first <= this.lastIndex() + 1, () => `append: gap (first ${first}, lastIndex ${this.lastIndex()})`);
    this.ents.length = first - snapIndex - 1;
    for (let k = start; k < entries.length; k++) this.ents.push(entries[k]!);
  }

  /**
   * Record `snap` as the new snapshot and drop the entries it covers, keeping the ones after it.
   * `snap.metadata.index` must be in the log (<= lastIndex()) with a matching term.
   */
  compact(snap: Snapshot): void {
    const idx = snap.metadata.index;
    const old = this.snap.metadata.index;
    if (idx <= old) return;
    invariant(idx <= this.lastIndex(), () => `compact: index ${idx} beyond lastIndex ${this.lastIndex()}`);
    invariant(this.term(idx) === snap.metadata.term, () => `compact: term mismatch at ${idx}`);
    this.ents.splice(0, idx - old);
    this.snap = snap;
  }
}

/** ents[from, to) cut at maxBytes (at least one entry when the range is non-empty). */
export function limitSize(ents: Entry[], from: number, to: number, maxBytes: number): Entry[] {
  if (from >= to) return [];
  let size = entrySize(ents[from]!);
  let end = from + 1;
  while (end < to) {
    size += entrySize(ents[end]!);
    if (size > maxBytes) break;
    end++;
  }
  return ents.slice(from, end);
}
