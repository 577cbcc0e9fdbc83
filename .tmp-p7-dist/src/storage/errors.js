// Coded storage errors. Corruption is never repaired or skipped silently: the member refuses to
// start and the message says where to look.
export class StorageError extends Error {
    code;
    constructor(code, message, opts) {
        super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
        this.name = 'StorageError';
        this.code = code;
    }
}
export class StorageCorruptionError extends StorageError {
    code = 'STORAGE_CORRUPT';
    /** Database location (directory) or "memory". */
    path;
    /** The record, e.g. "entry 42", "hard state", "snapshot chunk 3". */
    key;
    problem;
    constructor(path, key, problem, opts) {
        super('STORAGE_CORRUPT', `storage at ${path} is corrupt: record ${key}: ${problem}`, opts);
        this.name = 'StorageCorruptionError';
        this.path = path;
        this.key = key;
        this.problem = problem;
    }
}
//# sourceMappingURL=errors.js.map