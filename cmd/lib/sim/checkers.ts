// The safety properties of Raft (Figure 3 of the paper), checked incrementally as the simulated
// drivers persist, apply and change role. Each check throws a SimViolation naming the property.
//
//  - Election Safety: at most one leader per term.
//  - Log Matching: if two logs hold an entry with the same index and term, the logs are identical
//    up to it. Checked by induction: every (index, term) ever persisted must always carry the same
//    bytes and sit right after an entry of the same term, so equal (index, term) implies equal
//    prefixes.
//  - Leader Completeness: an entry committed in term T is in the log of every leader of a term
//    > T. We do not see T directly; the term of the first member observed applying the entry is
//    an upper bound on it (a member learns a commit index only from a leader of its own term), so
//    leaders of strictly greater terms must hold the entry.
//  - State Machine Safety: no two members apply different entries at one index.
//  - Commit monotonicity: a member's commit index never decreases within one life.

import type { Entry, LogIndex, NodeId, Term } from '../../../src/raft/types.js';
import { SimViolation } from './violation.js';

/** A read-only view of one member's log (stable storage plus anything not yet persisted). */
export interface LogView {
  /** Index covered by the member's snapshot (0 when none); entries at or below are compacted. */
  snapshotIndex(): LogIndex;
  lastIndex(): LogIndex;
  /** Term of the entry at `i`, or undefined when compacted (< snapshot index) or past the end. */
  term(i: LogIndex): Term | undefined;
}

interface CommittedEntry {
  term: Term;
  /** Bytes fingerprint: `${type}:${data}`. */
  fp: string;
  /** Upper bound on the term in which the entry was committed. */
  boundTerm: Term;
  firstNode: NodeId;
}

interface PersistedEntry {
  fp: string;
  /** Term of the entry just before it (undefined when not known: preceded by compacted log). */
  prevTerm: Term | undefined;
  node: NodeId;
}

export function fingerprint(e: Entry): string {
  let s = `${e.type}:`;
  for (const b of e.data) s += String.fromCharCode(b);
  return s;
}

export class SafetyChecker {
  /** term -> leader id. */
  private leaders = new Map<Term, NodeId>();
  /** index -> committed entry (the first one applied there). */
  private committed: (CommittedEntry | undefined)[] = [];
  private maxCommitted = 0;
  /** `${index}/${term}` -> what was persisted there. */
  private persisted = new Map<string, PersistedEntry>();
  /** Per leader (node/term): committed indexes already verified in its log. */
  private leaderCheckedUpTo = new Map<string, LogIndex>();
  /** Lowest committed index recorded since leaders were last checked (forces a re-check). */
  private dirtyFrom = Number.POSITIVE_INFINITY;
  /** `${node}` -> [life, commit]. */
  private commits = new Map<NodeId, { life: number; commit: LogIndex }>();

  /** Election Safety, then Leader Completeness for a member that is leader of `term` now. */
  checkLeader(node: NodeId, term: Term, log: LogView): void {
    const other = this.leaders.get(term);
    if (other === undefined) this.leaders.set(term, node);
    else if (other !== node) {
      throw new SimViolation('election-safety', `nodes ${other} and ${node} are both leader of term ${term}`);
    }
    const key = `${node}/${term}`;
    let from = (this.leaderCheckedUpTo.get(key) ?? 0) + 1;
    if (this.dirtyFrom < from) from = this.dirtyFrom;
    const snap = log.snapshotIndex();
    for (let i = Math.max(from, snap + 1); i <= this.maxCommitted; i++) {
      const c = this.committed[i];
      if (c === undefined || c.boundTerm >= term) continue;
      const t = log.term(i);
      if (t !== c.term) {
        throw new SimViolation(
          'leader-completeness',
          `leader ${node} of term ${term} lacks committed entry ${i} (term ${c.term}, first applied by node ` +
            `${c.firstNode} at term <= ${c.boundTerm}); its log has ${t === undefined ? 'nothing' : `term ${t}`} ` +
            `there (snapshot ${snap}, last ${log.lastIndex()})`,
        );
      }
    }
    this.leaderCheckedUpTo.set(key, this.maxCommitted);
  }

  /** Call after every member's leadership was checked in a step. */
  endStep(): void {
    this.dirtyFrom = Number.POSITIVE_INFINITY;
  }

  /**
   * Log Matching. `entries` were just persisted by `node`, contiguous, and `prevTerm` is the term
   * of the entry before the first one in that member's log (undefined if compacted away).
   */
  onPersist(node: NodeId, entries: readonly Entry[], prevTerm: Term | undefined): void {
    let prev = prevTerm;
    let prevIndex = entries.length > 0 ? (entries[0] as Entry).index - 1 : 0;
    for (const e of entries) {
      if (e.index !== prevIndex + 1) {
        throw new SimViolation('core-invariant', `node ${node} persisted non-contiguous entries: ${prevIndex} then ${e.index}`);
      }
      if (prev !== undefined && e.term < prev) {
        throw new SimViolation('log-matching', `node ${node} persisted entry ${e.index} with term ${e.term} after term ${prev}`);
      }
      const key = `${e.index}/${e.term}`;
      const fp = fingerprint(e);
      const seen = this.persisted.get(key);
      if (seen === undefined) {
        this.persisted.set(key, { fp, prevTerm: prev, node });
      } else {
        if (seen.fp !== fp) {
          throw new SimViolation(
            'log-matching',
            `entry ${e.index} of term ${e.term} differs between node ${seen.node} and node ${node}`,
          );
        }
        if (seen.prevTerm !== undefined && prev !== undefined && seen.prevTerm !== prev) {
          throw new SimViolation(
            'log-matching',
            `entry ${e.index} of term ${e.term} follows term ${seen.prevTerm} on node ${seen.node} but term ${prev} on node ${node}`,
          );
        }
        if (seen.prevTerm === undefined && prev !== undefined) seen.prevTerm = prev;
      }
      prev = e.term;
      prevIndex = e.index;
    }
  }

  /** State Machine Safety for one applied entry; records it as committed for Leader Completeness. */
  onApply(node: NodeId, e: Entry, nodeTerm: Term): void {
    const fp = fingerprint(e);
    const c = this.committed[e.index];
    if (c === undefined) {
      this.committed[e.index] = { term: e.term, fp, boundTerm: nodeTerm, firstNode: node };
      if (e.index > this.maxCommitted) this.maxCommitted = e.index;
      if (e.index < this.dirtyFrom) this.dirtyFrom = e.index;
      return;
    }
    if (c.term !== e.term || c.fp !== fp) {
      throw new SimViolation(
        'state-machine-safety',
        `node ${node} applied entry ${e.index} with term ${e.term} but node ${c.firstNode} applied term ${c.term} ` +
          `${c.fp === fp ? '(same bytes)' : '(different bytes)'} there`,
      );
    }
    if (nodeTerm < c.boundTerm) {
      c.boundTerm = nodeTerm;
      if (e.index < this.dirtyFrom) this.dirtyFrom = e.index;
    }
  }

  /** The committed entry at `i`, if some member applied one (for snapshot checks). */
  committedAt(i: LogIndex): { term: Term; fp: string } | undefined {
    return this.committed[i];
  }

  get highestCommitted(): LogIndex {
    return this.maxCommitted;
  }

  /** Commit indexes never go back within one life of a member. */
  onCommit(node: NodeId, life: number, commit: LogIndex): void {
    const prev = this.commits.get(node);
    if (prev !== undefined && prev.life === life && commit < prev.commit) {
      throw new SimViolation('commit-monotonic', `node ${node} commit index went back from ${prev.commit} to ${commit}`);
    }
    this.commits.set(node, { life, commit });
  }
}
