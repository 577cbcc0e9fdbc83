export interface ProxyMember {
    name: string;
    /** The member id its HELLO frames carry. */
    id: number;
    /** The port the member really listens on for peer traffic. */
    peerPort: number;
}
export interface ProxyOptions {
    /** Largest frame relayed; a larger one closes the connection. Default 64 MiB. */
    maxFrameBytes?: number;
    /** Bytes held per direction of a connection (delay queue, or before upstream connects). Default 32 MiB. */
    maxHeldBytes?: number;
}
export interface ProxyStats {
    connections: number;
    framesRelayed: number;
    framesDropped: number;
    framesDelayed: number;
    bytesRelayed: number;
    /** Connections closed because the destination was down or a frame was bad. */
    connectionsRefused: number;
}
export declare class FaultProxy {
    private readonly members;
    private readonly servers;
    private readonly ports;
    private readonly nameById;
    private readonly relays;
    private readonly blocked;
    private readonly delays;
    private readonly maxFrameBytes;
    private readonly maxHeldBytes;
    readonly stats: ProxyStats;
    private constructor();
    static start(members: readonly ProxyMember[], opts?: ProxyOptions): Promise<FaultProxy>;
    /** The proxy port that reaches `name`. */
    portOf(name: string): number;
    private checkName;
    /** Drop every frame from `from` to `to` (one way). */
    block(from: string, to: string): void;
    isBlocked(from: string, to: string): boolean;
    /** Cut every link between members of different groups, both ways. */
    partition(groups: readonly (readonly string[])[]): void;
    /** Hold frames from `from` to `to` for `ms` milliseconds (0 removes the delay). */
    setDelay(from: string, to: string, ms: number): void;
    /** Remove every block and delay. Frames already held are released at their time. */
    heal(): void;
    describe(): string;
    stop(): Promise<void>;
    private accept;
    private fromSource;
    private dialUpstream;
    /** Route one frame along `lane`: drop, delay or deliver. */
    private pass;
    private schedule;
    private deliver;
    private close;
}
