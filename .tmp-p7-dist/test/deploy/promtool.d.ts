export declare function findPromtool(): string;
export interface PromtoolResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}
export declare function runPromtool(args: readonly string[], input?: string, cwd?: string): PromtoolResult;
