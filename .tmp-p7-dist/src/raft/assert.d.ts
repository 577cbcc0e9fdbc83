export declare class RaftInvariantError extends Error {
    readonly code = "RAFT_INVARIANT";
    constructor(message: string);
}
export declare function assert(cond: boolean, message: string): asserts cond;
