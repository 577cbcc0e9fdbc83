// Every queue, buffer and size the API accepts has a limit here. cmd/ may override any of them.
export const DEFAULT_API_LIMITS = Object.freeze({
    maxBodyBytes: 1.5 * 1024 * 1024,
    maxKeyBytes: 4 * 1024,
    maxValueBytes: 1024 * 1024,
    maxTxnOps: 128,
    maxRangeLimit: 10_000,
    maxLockWaitMs: 5 * 60 * 1000,
    defaultLockWaitMs: 30 * 1000,
    maxWatchesPerSocket: 1_000,
    maxWatchBufferedBytes: 4 * 1024 * 1024,
    maxWsMessageBytes: 64 * 1024,
    progressIntervalMs: 10 * 1000,
    maxPendingLockWaits: 10_000,
    maxWatchSockets: 10_000,
});
/** Defaults overlaid with `overrides`; every limit must be a positive finite number. */
export function resolveApiLimits(overrides) {
    const limits = { ...DEFAULT_API_LIMITS };
    for (const [name, value] of Object.entries(overrides ?? {})) {
        if (!(name in DEFAULT_API_LIMITS))
            throw new Error(`api limits: unknown limit "${name}"`);
        if (value === undefined)
            continue;
        if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
            throw new Error(`api limits: ${name} must be a positive finite number, got ${String(value)}`);
        }
        limits[name] = value;
    }
    if (limits.defaultLockWaitMs > limits.maxLockWaitMs)
        limits.defaultLockWaitMs = limits.maxLockWaitMs;
    return Object.freeze(limits);
}
//# sourceMappingURL=limits.js.map