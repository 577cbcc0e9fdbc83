// The client-visible history: every write (proposal) and every linearizable read, with the sim
// time it started and ended. The read check lives here: a read served at index r (after its
// ReadState, once the member applied >= r) must observe every write acknowledged before the read
// was issued.

import type { LogIndex, NodeId, Term } from '../../../src/raft/types.js';
import { SimViolation } from './violation.js';

export type WriteStatus = 'pending' | 'acked' | 'lost';

export interface WriteOp {
  id: number;
  /** The bytes proposed (and later applied), as a string key: `w<id>`. */
  key: string;
  node: NodeId;
  life: number;
  index: LogIndex;
  term: Term;
  start: number;
  end: number;
  status: WriteStatus;
}

export interface ReadOp {
  id: number;
  node: NodeId;
  life: number;
  start: number;
  /** How many writes were acknowledged when the read was issued (a prefix of `acked`). */
  ackedBefore: number;
  readIndex: LogIndex;
  end: number;
  served: boolean;
}

/** What a member's state machine can tell a read. */
export interface ReadableState {
  applied: LogIndex;
  /** Index at which the write with this key was applied, if it was. */
  indexOf(key: string): LogIndex | undefined;
}

export class History {
  readonly writes: WriteOp[] = [];
  /** Writes in acknowledgement order. */
  readonly acked: WriteOp[] = [];
  readonly reads: ReadOp[] = [];
  private nextWrite = 1;
  private nextRead = 1;
  /** Pending writes keyed by proposer + index, to resolve them on apply. */
  private pendingWrites = new Map<string, WriteOp>();
  private pendingReads = new Map<number, ReadOp>();

  constructor(readonly maxPending = 4096) {}

  newWriteKey(): { id: number; key: string } {
    const id = this.nextWrite++;
    return { id, key: `w${id}` };
  }

  recordWrite(id: number, key: string, node: NodeId, life: number, index: LogIndex, term: Term, now: number): WriteOp {
    // Bounded: the oldest unresolved write is forgotten (it stays 'pending': indeterminate).
    if (this.pendingWrites.size >= this.maxPending) this.pendingWrites.delete(this.pendingWrites.keys().next().value as string);
    const w: WriteOp = { id, key, node, life, index, term, start: now, end: -1, status: 'pending' };
    this.writes.push(w);
    this.pendingWrites.set(`${node}/${life}/${index}`, w);
    return w;
  }

  /**
   * The proposer applied an entry at `index`: if it proposed a write there, that write is now
   * acknowledged (same term and bytes) or lost (another entry took the slot).
   */
  onProposerApply(node: NodeId, life: number, index: LogIndex, term: Term, key: string | undefined, now: number): WriteOp | undefined {
    const slot = `${node}/${life}/${index}`;
    const w = this.pendingWrites.get(slot);
    if (w === undefined) return undefined;
    this.pendingWrites.delete(slot);
    w.end = now;
    if (w.term === term && w.key === key) {
      w.status = 'acked';
      this.acked.push(w);
    } else {
      w.status = 'lost';
    }
    return w;
  }

  /** The proposer died: its pending writes stay unresolved (they may or may not commit). */
  forgetLife(node: NodeId, life: number): void {
    const prefix = `${node}/${life}/`;
    for (const k of [...this.pendingWrites.keys()]) if (k.startsWith(prefix)) this.pendingWrites.delete(k);
    for (const [id, r] of [...this.pendingReads]) if (r.node === node && r.life === life) this.pendingReads.delete(id);
  }

  startRead(node: NodeId, life: number, now: number): ReadOp {
    // Bounded: the oldest unanswered read is abandoned (a client would time out).
    if (this.pendingReads.size >= this.maxPending) this.pendingReads.delete(this.pendingReads.keys().next().value as number);
    const r: ReadOp = {
      id: this.nextRead++,
      node,
      life,
      start: now,
      ackedBefore: this.acked.length,
      readIndex: -1,
      end: -1,
      served: false,
    };
    this.reads.push(r);
    this.pendingReads.set(r.id, r);
    return r;
  }

  /** The request was refused at once (no leader known): it never happened. */
  abandonRead(id: number): void {
    this.pendingReads.delete(id);
  }

  pendingRead(id: number): ReadOp | undefined {
    return this.pendingReads.get(id);
  }

  pendingReadCount(): number {
    return this.pendingReads.size;
  }

  /**
   * Serve read `r` from `state` (the member applied >= r.readIndex). Throws a SimViolation when a
   * write acknowledged before the read began is not visible.
   */
  serveRead(r: ReadOp, state: ReadableState, now: number): void {
    if (state.applied < r.readIndex) {
      throw new Error(`History.serveRead: read ${r.id} served at applied ${state.applied} < read index ${r.readIndex}`);
    }
    this.pendingReads.delete(r.id);
    r.end = now;
    r.served = true;
    for (let i = 0; i < r.ackedBefore; i++) {
      const w = this.acked[i] as WriteOp;
      const at = state.indexOf(w.key);
      if (at !== w.index) {
        throw new SimViolation(
          'linearizable-read',
          `read #${r.id} on node ${r.node} (issued t=${r.start}, read index ${r.readIndex}, served t=${now} ` +
            `at applied ${state.applied}) does not see write ${w.key} (index ${w.index}, acked t=${w.end} ` +
            `by node ${w.node}): ${at === undefined ? 'absent' : `found at index ${at}`}`,
        );
      }
    }
  }
}
