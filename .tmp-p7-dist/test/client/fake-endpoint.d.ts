import { type WebSocket } from 'ws';
export interface Seen {
    method: string;
    path: string;
    query: URLSearchParams;
    body: unknown;
    at: number;
}
export type Answer = {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
} | {
    hang: true;
} | {
    drop: true;
};
export type Handler = (req: Seen, n: number) => Answer;
export declare class FakeEndpoint {
    readonly seen: Seen[];
    handler: Handler;
    /** Called for each WebSocket connection to /v1/watch. */
    onWatchSocket: ((ws: WebSocket) => void) | undefined;
    readonly watchSockets: Set<WebSocket>;
    private readonly sockets;
    private readonly server;
    private readonly wss;
    url: string;
    private constructor();
    static start(): Promise<FakeEndpoint>;
    /** Drop every open watch socket abruptly (as a killed member would). */
    killWatchSockets(): void;
    close(): Promise<void>;
}
export declare const ok: (body: unknown) => Answer;
export declare const fail: (status: number, code: string, headers?: Record<string, string>) => Answer;
/** A loopback port with nothing listening (connections are refused). */
export declare function closedPortUrl(): Promise<string>;
