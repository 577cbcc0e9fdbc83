// The simulated replicated state machine: an append-only list of the writes applied, in log
// order. Its snapshot is the list encoded as bytes. Leader no-ops and conf changes advance
// `applied` without adding a write.

import type { LogIndex } from '../../../src/raft/types.js';
import type { ReadableState } from './history.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export class ListStateMachine implements ReadableState {
  applied: LogIndex = 0;
  /** [index, key] in apply order. */
  private writes: Array<[LogIndex, string]> = [];
  private byKey = new Map<string, LogIndex>();

  /** Apply entry `index`, carrying write `key` (or nothing for a no-op / conf change). */
  apply(index: LogIndex, key: string | undefined): void {
    if (index !== this.applied + 1) {
      throw new Error(`ListStateMachine: apply of index ${index} after ${this.applied} (gap or replay)`);
    }
    this.applied = index;
    if (key !== undefined) {
      if (this.byKey.has(key)) {
        throw new Error(`ListStateMachine: write ${key} applied twice (at ${this.byKey.get(key)} and ${index})`);
      }
      this.writes.push([index, key]);
      this.byKey.set(key, index);
    }
  }

  indexOf(key: string): LogIndex | undefined {
    return this.byKey.get(key);
  }

  get writeCount(): number {
    return this.writes.length;
  }

  /** All writes, oldest first (for checks). */
  entries(): ReadonlyArray<readonly [LogIndex, string]> {
    return this.writes;
  }

  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify({ applied: this.applied, writes: this.writes }));
  }

  static restore(data: Uint8Array, index: LogIndex): ListStateMachine {
    let parsed: unknown;
    try {
      parsed = JSON.parse(dec.decode(data));
    } catch (err) {
      throw new Error(`ListStateMachine.restore: snapshot at ${index} is not valid: ${String(err)}`);
    }
    const p = parsed as { applied?: unknown; writes?: unknown };
    if (typeof p.applied !== 'number' || !Array.isArray(p.writes)) {
      throw new Error(`ListStateMachine.restore: snapshot at ${index} has the wrong shape`);
    }
    if (p.applied !== index) {
      throw new Error(`ListStateMachine.restore: snapshot data is at ${p.applied} but its metadata says ${index}`);
    }
    const sm = new ListStateMachine();
    sm.applied = p.applied;
    for (const w of p.writes as Array<[number, string]>) {
      sm.writes.push([w[0], w[1]]);
      sm.byKey.set(w[1], w[0]);
    }
    return sm;
  }
}
