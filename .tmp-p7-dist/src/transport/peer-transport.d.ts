import type { Message, NodeId } from '../raft/types.js';
/** pino-compatible subset. */
export interface TransportLogger {
    debug(obj: object, msg?: string): void;
    info(obj: object, msg?: string): void;
    warn(obj: object, msg?: string): void;
    error(obj: object, msg?: string): void;
}
export interface PeerTransportOptions {
    selfId: NodeId;
    clusterId: string;
    listen: {
        host: string;
        port: number;
    };
    /** A Raft message from a peer (snapshots arrive fully reassembled). */
    onMessage(m: Message): void;
    /** Answers a peer's request(); a thrown error's string `code` and message reach the caller. */
    onRequest(from: NodeId, payload: Uint8Array): Promise<Uint8Array>;
    /** Outcome of a snapshot send: true once the peer received and verified all of it. */
    onSnapshotStatus?(to: NodeId, ok: boolean): void;
    /** Messages to `to` were dropped (down, queue overflow, unknown). Coalesced per peer. */
    onUnreachable?(to: NodeId): void;
    /** Per-peer send queue bound in bytes. Default 8 MiB. */
    maxQueueBytes?: number;
    /** Per-peer send queue bound in frames. Default 16384. */
    maxQueueFrames?: number;
    /** Largest frame sent or accepted. Default 16 MiB. */
    maxFrameBytes?: number;
    /** Snapshot chunk size. Default 1 MiB (less if maxFrameBytes is smaller). Must fit in a frame. */
    snapshotChunkBytes?: number;
    /** Largest snapshot accepted from a peer. Default 1 GiB. */
    maxSnapshotBytes?: number;
    /** Requests waiting for a response, per peer. Default 1024. */
    maxPendingRequests?: number;
    /** Requests being handled at once per inbound connection. Default 1024. */
    maxInboundRequests?: number;
    /** Inbound connections accepted at once. Default 256. */
    maxInboundConnections?: number;
    /** Ping period (RTT measurement, dead-connection detection after 3 silent periods). Default 1000. */
    pingIntervalMs?: number;
    /** Connect + handshake deadline. Default 2000. */
    dialTimeoutMs?: number;
    /** Reconnect back-off bounds (exponential with jitter). Default 50 .. 2000. */
    backoffMinMs?: number;
    backoffMaxMs?: number;
    logger?: TransportLogger;
}
export interface PeerStats {
    connected: boolean;
    bytesSent: number;
    messagesSent: number;
    /** Messages dropped for this peer (down, overflow, too large). */
    sendFailures: number;
    snapshotsSent: number;
    snapshotsFailed: number;
    snapshotBytesSent: number;
    queueFrames: number;
    queueBytes: number;
    /** Last measured ping round trip, undefined before the first pong. */
    rttSeconds: number | undefined;
}
export interface TransportStats {
    peers: Map<NodeId, PeerStats>;
    bytesReceived: number;
    messagesReceived: number;
    snapshotsReceived: number;
    snapshotBytesReceived: number;
    /** Inbound connections closed because of a malformed frame or protocol violation. */
    protocolErrors: number;
    inboundConnections: number;
}
/** host:port from `tcp://h:p`, `http://h:p`, `https://h:p`, `h:p` or `[v6]:p`. */
export declare function parsePeerUrl(url: string): {
    host: string;
    port: number;
};
export declare class PeerTransport {
    private readonly o;
    private readonly log;
    private readonly peers;
    private readonly pending;
    private readonly inbound;
    private readonly unreachableQueued;
    private server;
    private started;
    private stopped;
    private nextRequestId;
    private nextSnapshotId;
    private readonly counters;
    constructor(opts: PeerTransportOptions);
    /** Starts listening and dialing known peers. Resolves with the bound address (port 0 picks one). */
    start(): Promise<{
        host: string;
        port: number;
    }>;
    /** Closes everything. Pending requests fail with SHUTTING_DOWN; no callback fires afterwards. */
    stop(): Promise<void>;
    /** Adds or re-addresses a peer (ignored for selfId). `url` like tcp://h:p, http://h:p or h:p. */
    setPeer(id: NodeId, url: string): void;
    removePeer(id: NodeId): void;
    /** Queues messages; never blocks. Local-only message types or messages to self are bugs (throws). */
    send(msgs: readonly Message[]): void;
    /** A small RPC to a peer. Rejects with TransportError (PEER_UNREACHABLE, TIMEOUT, ...) or RemoteError. */
    request(to: NodeId, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
    rttSeconds(peerId: NodeId): number | undefined;
    isConnected(peerId: NodeId): boolean;
    peerStats(peerId: NodeId): PeerStats | undefined;
    stats(): TransportStats;
    private dial;
    private scheduleRedial;
    /**
     * Drops the connection (if any) and everything waiting on it: queued messages count as send
     * failures, requests fail with `code`, an in-flight snapshot is reported failed. The peer is left
     * 'idle'; the caller decides about redialing.
     */
    private teardown;
    private onOutboundFrame;
    private sendPing;
    private pingTick;
    private enqueue;
    private dropped;
    private notifyUnreachable;
    private schedulePump;
    /** Writes queued frames (messages first, then snapshot chunks) until the socket is full. */
    private pump;
    private startSnapshot;
    private finishSnapshot;
    private deferSnapshotStatus;
    private settle;
    private accept;
    private reply;
    private onInboundFrame;
    private completeSnapshot;
    private deliver;
    private handleRequest;
}
