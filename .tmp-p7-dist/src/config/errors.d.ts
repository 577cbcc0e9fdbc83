/**
 * A configuration problem the operator must fix before the daemon can start. The message always
 * starts with `config:` and names the offending field, e.g.
 * `config: electionTimeoutMs: must be at least 5 x heartbeatIntervalMs (got 100)`.
 */
export declare class ConfigError extends Error {
    readonly code: 'BAD_CONFIG';
    /** Dotted path of the offending field (`limits.maxBodyBytes`), or '' when not field-specific. */
    readonly field: string;
    constructor(field: string, message: string, opts?: {
        cause?: unknown;
    });
}
