export declare const EXIT: {
    readonly OK: 0;
    /** The server refused the request, or an unexpected failure. */
    readonly FAILURE: 1;
    /** Bad command line (unknown flag, missing or malformed argument). */
    readonly USAGE: 2;
    /** The key, lease or lock does not exist. */
    readonly NOT_FOUND: 3;
    /** A conflict: lock held / not the holder / lease exists / compacted. */
    readonly CONFLICT: 4;
    /** No member could serve the request (unreachable, no leader, not ready, ...). */
    readonly UNAVAILABLE: 5;
    /** A write's outcome is unknown (it timed out or the connection broke after sending). */
    readonly OUTCOME_UNKNOWN: 6;
    /** `lock`: the lease holding the lock was lost while the command ran. */
    readonly LEASE_LOST: 7;
    /** The server does not support the request (e.g. member add/remove route missing). */
    readonly UNSUPPORTED: 8;
    /** Interrupted (SIGINT/SIGTERM) before the work started, e.g. while waiting for a lock. */
    readonly INTERRUPTED: 130;
};
export declare function exitCodeFor(err: unknown): number;
export declare function describeError(err: unknown): string;
/** Columns padded to their widest cell. */
export declare function table(headers: string[], rows: (string | number | boolean | null | undefined)[][]): string;
export type OutputFormat = 'table' | 'json';
export interface Printer {
    format: OutputFormat;
    /** JSON mode: the value as JSON. Table mode: `render()`. */
    print(value: unknown, render: () => string): void;
    line(s: string): void;
}
export declare function printer(format: OutputFormat, write?: (s: string) => void): Printer;
/** Printable value: newlines and control characters escaped so a row stays one line. */
export declare function cell(s: string, max?: number): string;
