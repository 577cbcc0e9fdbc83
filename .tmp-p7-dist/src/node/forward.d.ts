import type { Command, CommandResult } from '../state/commands.js';
export type ForwardRequest = {
    kind: 'propose';
    cmd: Command;
    timeoutMs: number;
} | {
    kind: 'keepalive';
    lease: string;
} | {
    kind: 'leaseRemaining';
    lease: string;
} | {
    kind: 'confChange';
    change: 'add' | 'addLearner' | 'remove';
    member: {
        id: number;
        name: string;
        peerUrl: string;
        clientUrl: string;
    };
};
export type ForwardResponse = {
    ok: true;
    kind: 'propose';
    result: CommandResult;
    index: number;
} | {
    ok: true;
    kind: 'keepalive';
    ttlMs: number;
} | {
    ok: true;
    kind: 'leaseRemaining';
    remainingMs: number;
} | {
    ok: true;
    kind: 'confChange';
    index: number;
} | {
    ok: false;
    code: string;
    message: string;
    details?: Record<string, unknown>;
};
export declare function encodeForward(x: ForwardRequest | ForwardResponse): Uint8Array;
export declare function decodeForwardRequest(bytes: Uint8Array): ForwardRequest;
export declare function decodeForwardResponse(bytes: Uint8Array): ForwardResponse;
