import type { Outcome } from './history.js';
export type CallResult = {
    ok: true;
    status: number;
    body: any;
} | {
    ok: false;
    status?: number;
    code: string;
    message: string; /** No request reached the member. */
    refused: boolean;
    timedOut: boolean;
};
export declare function call(method: string, url: string, body: unknown, timeoutMs: number): Promise<CallResult>;
/** The outcome of a write request that did not succeed: did it take effect? */
export declare function writeFailureOutcome(r: Extract<CallResult, {
    ok: false;
}>): Outcome;
