// Request counting for `raftlock_http_requests_total{route,method,code}` and
// `raftlock_http_requests_in_flight`: counted by the request pipeline (create-api.ts) around
// everything else, so it sees each request's final status (error answers included). api/ declares the hooks; cmd/ wires
// them to src/metrics. Labels stay bounded: the route is the router's pattern (never the raw
// path), the method one of a fixed set, the code an HTTP status.

import type Koa from 'koa';

export interface RequestCountMetrics {
  /** A request started (+1) or finished (-1). */
  inFlight(delta: 1 | -1): void;
  /** One finished request: route pattern (or `unmatched`), method, HTTP status code. */
  finished(route: string, method: string, code: number): void;
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The method as a label: the standard ones as sent, anything else `OTHER`. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'OTHER';
}

/** The matched route pattern koa-router leaves on the context, `unmatched` when none answered. */
export function routeLabel(ctx: Koa.Context): string {
  const r = (ctx as unknown as { _matchedRoute?: string | RegExp })._matchedRoute;
  return r === undefined ? 'unmatched' : String(r);
}
