import type { Anomaly, WatcherRecord } from './history.js';
export interface AckedWrite {
    key: string;
    value: string;
    revision: number;
}
export interface WatchCheckInput {
    acked: readonly AckedWrite[];
    /** Writes that definitely did not take effect (their values are unique). */
    failed: readonly {
        key: string;
        value: string;
    }[];
    watchers: readonly WatcherRecord[];
    /** Every watcher must have received events up to this revision (the final sentinel write). */
    coveredTo: number;
    /** Only keys under this prefix are watched. */
    prefix: string;
}
export declare function checkWatches(input: WatchCheckInput): Anomaly[];
export interface DurabilityInput {
    /** Write-once keys: each written by one request. */
    writes: readonly {
        key: string;
        value: string;
        outcome: 'ok' | 'fail' | 'unknown';
    }[];
    /** What each member holds under the write-once prefix after the final heal. */
    finalByMember: ReadonlyMap<string, ReadonlyMap<string, string>>;
}
/** After the final heal every member holds every acknowledged write, none that failed, and all
 *  members agree on the unknown ones. */
export declare function checkDurability(input: DurabilityInput): Anomaly[];
