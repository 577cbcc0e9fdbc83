import type Router from '@koa/router';
import { type RouteDeps } from './http-context.js';
import { type Schemas } from './schemas.js';
/** A fresh lease id: 16 hex chars from the OS CSPRNG (the api layer may use randomness; apply may
 *  not, so ids are chosen before proposing). */
export declare function newLeaseId(): string;
/** Milliseconds as seconds for the wire: whole seconds, rounded up (a lease with 1 ms left still
 *  has "1 second"); -1 stays -1 (unknown). */
export declare function msToTtlSeconds(ms: number): number;
export declare function registerLeaseRoutes(router: Router, deps: RouteDeps, schemas: Schemas): void;
