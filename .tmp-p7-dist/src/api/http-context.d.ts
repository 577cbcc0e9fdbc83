import type Koa from 'koa';
import type { z } from 'zod';
import type { ApiLimits } from './limits.js';
import type { ServerFacade } from './server-facade.js';
export interface RouteDeps {
    server: ServerFacade;
    limits: Readonly<ApiLimits>;
}
/**
 * The JSON body, validated. The content type must be application/json (charset, if given, must
 * be utf-8). An empty body is read as `{}` when `emptyAsObject` (routes whose fields are all
 * optional).
 */
export declare function readJson<T>(ctx: Koa.Context, limits: Readonly<ApiLimits>, schema: z.ZodType<T>, emptyAsObject?: boolean): Promise<T>;
/** The raw (still percent-encoded) path after `prefix`, decoded exactly once. */
export declare function pathTail(ctx: Koa.Context, prefix: string, what: string): string;
/** `?consistency=`: linearizable (default) waits on a read barrier; serializable reads local
 *  state at once. */
export declare function readConsistency(server: ServerFacade, value: string | undefined): Promise<void>;
