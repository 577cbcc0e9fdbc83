import type { Anomaly, KvOp } from './history.js';
/** A register state: a value, null for a missing key, or ANY (unconstrained; used when a
 *  history slice is checked without its beginning). */
export declare const ANY: unique symbol;
export type RegState = string | null | typeof ANY;
interface PreparedOp {
    op: KvOp;
    invoke: number;
    complete: number;
    /** Definite ops must be linearized; optional ones may be left out. */
    optional: boolean;
}
export interface KeyCheckOptions {
    /** Configurations to explore before giving up (the result is then inconclusive). */
    maxStates?: number;
    initial?: RegState;
}
export type KeyCheckResult = {
    status: 'ok';
    explored: number;
} | {
    status: 'violation';
    explored: number; /** Longest linearizable prefix found, op ids. */
    deepest: number[];
} | {
    status: 'inconclusive';
    explored: number;
};
/** One step of the register model; undefined when `op` cannot happen in state `s`. */
export declare function stepRegister(s: RegState, p: PreparedOp): RegState | undefined;
/** Which ops of one key's history take part in the search, and how. */
export declare function prepare(ops: readonly KvOp[]): PreparedOp[];
/** Checks one key's prepared history. */
export declare function checkPrepared(ops: readonly PreparedOp[], opts?: KeyCheckOptions): KeyCheckResult;
export declare function checkKey(ops: readonly KvOp[], opts?: KeyCheckOptions): KeyCheckResult;
/** The history cut to [fromMs, toMs], relaxed so that a violation of the cut implies one of the
 *  whole: ops invoked after `toMs` are dropped and ops still pending at `toMs` lose their result
 *  (become unknown); ops completed before `fromMs` are dropped, ops invoked before `fromMs` lose
 *  their result, and the register starts unconstrained. */
export declare function cutHistory(ops: readonly KvOp[], fromMs: number, toMs: number): KvOp[];
export interface LinearizabilityReport {
    keys: number;
    ops: number;
    explored: number;
    inconclusiveKeys: string[];
    anomalies: Anomaly[];
}
/** Checks every key; a violating key is shrunk to a small failing time window. */
export declare function checkLinearizable(history: readonly KvOp[], opts?: KeyCheckOptions): LinearizabilityReport;
/** Narrows a violating history to a short window that still violates (binary search on the end,
 *  then on the start). Every window returned was checked to fail. */
export declare function shrink(ops: readonly KvOp[], opts?: KeyCheckOptions): KvOp[];
export {};
