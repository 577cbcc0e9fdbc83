import type { LogIndex } from '../../src/raft/types.js';
import type { ReadableState } from './history.js';
export declare class ListStateMachine implements ReadableState {
    applied: LogIndex;
    /** [index, key] in apply order. */
    private writes;
    private byKey;
    /** Apply entry `index`, carrying write `key` (or nothing for a no-op / conf change). */
    apply(index: LogIndex, key: string | undefined): void;
    indexOf(key: string): LogIndex | undefined;
    get writeCount(): number;
    /** All writes, oldest first (for checks). */
    entries(): ReadonlyArray<readonly [LogIndex, string]>;
    snapshot(): Uint8Array;
    static restore(data: Uint8Array, index: LogIndex): ListStateMachine;
}
