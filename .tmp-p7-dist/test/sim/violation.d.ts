export type CheckName = 'election-safety' | 'log-matching' | 'leader-completeness' | 'state-machine-safety' | 'commit-monotonic' | 'linearizable-read' | 'liveness' | 'core-invariant';
export declare class SimViolation extends Error {
    readonly check: CheckName;
    constructor(check: CheckName, detail: string);
}
