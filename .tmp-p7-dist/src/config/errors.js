/**
 * A configuration problem the operator must fix before the daemon can start. The message always
 * starts with `config:` and names the offending field, e.g.
 * `config: electionTimeoutMs: must be at least 5 x heartbeatIntervalMs (got 100)`.
 */
export class ConfigError extends Error {
    code = 'BAD_CONFIG';
    /** Dotted path of the offending field (`limits.maxBodyBytes`), or '' when not field-specific. */
    field;
    constructor(field, message, opts) {
        super(field === '' ? `config: ${message}` : `config: ${field}: ${message}`, opts?.cause === undefined ? undefined : { cause: opts.cause });
        this.name = 'ConfigError';
        this.field = field;
    }
}
//# sourceMappingURL=errors.js.map