import type { ResourceAccess } from './history.js';
export declare class FencedResource {
    private readonly now;
    private readonly maxLog;
    private readonly highest;
    readonly log: ResourceAccess[];
    constructor(now: () => number, maxLog?: number);
    /** One write under `token`; true when accepted. */
    write(lock: string, client: string, token: number): boolean;
}
