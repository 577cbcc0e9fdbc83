export type StateThrownCode = 'INVALID_COMMAND' | 'TOO_MANY_WATCHERS' | 'SHUTTING_DOWN';
export declare class StateError extends Error {
    readonly code: StateThrownCode;
    constructor(code: StateThrownCode, message: string);
}
/** A broken invariant: a bug, never an operational condition. */
export declare function invariant(cond: unknown, message: string): asserts cond;
