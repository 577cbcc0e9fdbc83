import http from 'node:http';
import { WebSocket } from 'ws';
import { type Api, type ApiLimits, type ApiMetrics } from '../../src/api/index.js';
import { FakeServer } from './fake-server.js';
export interface Response {
    status: number;
    headers: http.IncomingHttpHeaders;
    text: string;
    json: any;
}
export interface Harness {
    fake: FakeServer;
    api: Api;
    port: number;
    request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
    /** Start a request and return it before its response, for disconnect tests. */
    startRequest(method: string, path: string, body: unknown): {
        req: http.ClientRequest;
        response: Promise<Response>;
    };
    openWatch(path?: string): Promise<WatchClient>;
    close(): Promise<void>;
}
export declare function startHarness(opts?: {
    limits?: Partial<ApiLimits>;
    metrics?: ApiMetrics;
    fake?: FakeServer;
}): Promise<Harness>;
/** A WebSocket client that queues incoming JSON messages for `next()`. */
export declare class WatchClient {
    readonly ws: WebSocket;
    private readonly queue;
    private readonly waiters;
    closed: {
        code: number;
        reason: string;
    } | undefined;
    private constructor();
    static connect(url: string): Promise<WatchClient>;
    send(msg: unknown): void;
    /** The next message (matching `pred`), in arrival order; earlier non-matching ones stay queued. */
    next(pred?: (m: any) => boolean, timeoutMs?: number): Promise<any>;
    /** Every message received and not yet taken. */
    drain(): any[];
    terminate(): void;
}
