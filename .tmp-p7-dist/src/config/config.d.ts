import { LOG_LEVELS } from './fields.js';
export type LogLevel = (typeof LOG_LEVELS)[number];
export interface HostPort {
    readonly host: string;
    readonly port: number;
}
export interface ClusterMember {
    /** memberIdFor(name, clusterToken). */
    readonly id: number;
    readonly name: string;
    readonly peerUrl: string;
    readonly clientUrl: string;
}
export interface Limits {
    readonly maxBodyBytes: number;
    readonly maxKeyBytes: number;
    readonly maxValueBytes: number;
    readonly maxTxnOps: number;
    readonly maxPendingProposals: number;
    readonly maxWatchers: number;
    readonly maxLockWaitMs: number;
    readonly requestTimeoutMs: number;
}
export interface Config {
    readonly name: string;
    /** memberIdFor(name, clusterToken). */
    readonly memberId: number;
    /** Absolute path. */
    readonly dataDir: string;
    /** As given ("host:port"), and parsed. */
    readonly listenClient: string;
    readonly listenClientAddress: HostPort;
    readonly listenPeer: string;
    readonly listenPeerAddress: HostPort;
    /** `http://host:port`, no trailing slash. */
    readonly advertiseClientUrl: string;
    readonly advertisePeerUrl: string;
    /** Always contains this member. */
    readonly initialCluster: readonly ClusterMember[];
    readonly clusterToken: string;
    readonly join: boolean;
    readonly heartbeatIntervalMs: number;
    readonly electionTimeoutMs: number;
    readonly tickMs: number;
    /** floor(heartbeatIntervalMs / tickMs), >= 1. The driver passes it to the Raft core. */
    readonly heartbeatTicks: number;
    /** floor(electionTimeoutMs / tickMs), > heartbeatTicks. The driver passes it to the Raft core. */
    readonly electionTicks: number;
    readonly snapshotThreshold: number;
    readonly historyRevisions: number;
    readonly logLevel: LogLevel;
    readonly limits: Limits;
    /** Test hooks. `unsafe*` switches re-introduce bugs on purpose so the fault-injection suite
     *  can show its checkers catch them; never set them in production. */
    readonly testing: {
        readonly syncDelayMs: number;
        readonly unsafeLocalReads: boolean;
        readonly unsafeAckBeforeCommit: boolean;
    };
    /** Absolute path of the YAML file read, or null. */
    readonly configFile: string | null;
    /** True when the name and initial cluster came from Kubernetes discovery. */
    readonly k8sDiscovery: boolean;
}
export declare const DEFAULT_LIMITS: Limits;
export declare const DEFAULTS: Readonly<{
    name: "default";
    listenClient: "127.0.0.1:7379";
    listenPeer: "127.0.0.1:7380";
    clusterToken: "raftlock";
    join: false;
    heartbeatIntervalMs: 100;
    electionTimeoutMs: 1000;
    snapshotThreshold: 10000;
    historyRevisions: 10000;
    logLevel: LogLevel;
    limits: Limits;
    testing: Readonly<{
        syncDelayMs: 0;
        unsafeLocalReads: false;
        unsafeAckBeforeCommit: false;
    }>;
}>;
/** Most members in an initial cluster. Raft clusters stay small; 7 is already unusual. */
export declare const MAX_MEMBERS = 15;
/** Parses "host:port", "[v6]:port". Port 0 is allowed (listen on a free port). */
export declare function parseHostPort(s: string): HostPort;
/**
 * Parses the flag/env syntax of initialCluster: comma-separated `name=peerUrl|clientUrl`.
 * Example: `n1=http://127.0.0.1:7380|http://127.0.0.1:7379,n2=http://127.0.0.1:7382|http://127.0.0.1:7381`.
 */
export declare function parseInitialCluster(s: string): {
    name: string;
    peerUrl: string;
    clientUrl: string;
}[];
/** Formats members in the flag/env syntax (inverse of parseInitialCluster). */
export declare function formatInitialCluster(members: readonly {
    name: string;
    peerUrl: string;
    clientUrl: string;
}[]): string;
/** Deep-freezes plain objects and arrays in place; returns the argument. */
export declare function deepFreeze<T>(x: T): T;
export interface LoadConfigOptions {
    /** User arguments, i.e. process.argv.slice(2). Default: none. */
    argv?: readonly string[];
    /** Environment. Default: none (pass process.env explicitly in cmd/). */
    env?: Record<string, string | undefined>;
    /** Base for relative paths (config file, dataDir). Default process.cwd(). */
    cwd?: string;
}
/**
 * Loads, validates and freezes the configuration. Precedence, lowest first: defaults, YAML file
 * (`--config` or RAFTLOCK_CONFIG), Kubernetes discovery (when enabled), environment
 * `RAFTLOCK_<FIELD>`, CLI flags `--<field>`. Throws ConfigError (code BAD_CONFIG) naming the
 * field and where its value came from.
 */
export declare function loadConfig(opts?: LoadConfigOptions): Config;
/**
 * Validates a raw config document (the YAML shape) and returns the frozen Config. For tests and
 * embedders that build a config in code.
 */
export declare function parseConfig(raw: unknown, opts?: {
    cwd?: string;
}): Config;
/**
 * Tick counts for the Raft core: the driver calls tick() every tickMs. Intervals are rounded
 * down to whole ticks; heartbeatTicks is at least 1 and electionTicks greater than heartbeatTicks.
 */
export declare function deriveTicks(t: {
    heartbeatIntervalMs: number;
    electionTimeoutMs: number;
    tickMs: number;
}): {
    heartbeatTicks: number;
    electionTicks: number;
};
