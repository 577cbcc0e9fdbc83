// The hot routes: the few requests a service sends all day (put, get and delete of one key, lock
// acquire and release) are served without koa. They are registered once, here and in the koa
// router alike (so 405 answers list their methods and a request koa serves still finds them), and
// run through the same request pipeline (create-api.ts: shutdown, body, auth, errors, metrics);
// what they skip is koa's per-request machinery: its context, request and response objects,
// middleware composition and a second route match.
//
// A request is taken here only when its target is a plain origin-form path under a hot prefix
// (no fragment, whitespace or other character that URL parsing would treat specially); anything
// else goes to koa, which then answers it the same way.

import type Router from '@koa/router';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invariant } from '../invariant/index.js';
import type { RouteContext } from './http-context.js';

export type RouteHandler = (ctx: RouteContext) => Promise<void>;

export interface HotRoute {
  method: string;
  /** The router pattern, e.g. `/v1/kv/*key`: the route label in metrics. */
  pattern: string;
  /** The literal part before the wildcard, e.g. `/v1/kv/`. */
  prefix: string;
  handler: RouteHandler;
}

/** Characters that make URL parsing (koa's parseurl) differ from a split at `?`. */
const SPECIAL = /[\t\n\f\r #\u00a0\ufeff]/;

export class HotRoutes {
  private readonly byMethod = new Map<string, HotRoute[]>();

  /**
   * Register `handler` for `method pattern`, where the pattern is a literal prefix ending in `/`
   * followed by one wildcard (`/v1/kv/*key`), with the koa router and as a hot route.
   */
  add(router: Router, method: 'GET' | 'PUT' | 'POST' | 'DELETE', pattern: string, handler: RouteHandler): void {
    const star = pattern.indexOf('*');
    invariant(star > 0 && pattern[star - 1] === '/' && /^\*[A-Za-z]+$/.test(pattern.slice(star)), () => `hot route pattern "${pattern}" is not "<prefix>/*<name>"`);
    const prefix = pattern.slice(0, star);
    const list = this.byMethod.get(method) ?? [];
    invariant(!list.some((r) => r.prefix === prefix), () => `hot route ${method} ${pattern} registered twice`);
    list.push({ method, pattern, prefix, handler });
    this.byMethod.set(method, list);
    router.register(pattern, [method], handler);
  }

  /** The hot route for this request, or undefined when koa should serve it. */
  find(req: IncomingMessage): HotRoute | undefined {
    const list = this.byMethod.get(req.method ?? '');
    if (list === undefined) return undefined;
    const url = req.url ?? '';
    for (const r of list) {
      // At least one character after the prefix: `/v1/kv/` alone is koa's (an empty key).
      if (url.length > r.prefix.length && url.startsWith(r.prefix) && url[r.prefix.length] !== '?' && !SPECIAL.test(url)) return r;
    }
    return undefined;
  }
}

/** A RouteContext over the bare request and response (what koa's context would give). */
export class LeanContext implements RouteContext {
  readonly method: string;
  readonly path: string;
  readonly querystring: string;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {
    this.method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.path = q < 0 ? url : url.slice(0, q);
    this.querystring = q < 0 ? '' : url.slice(q + 1);
    // As koa does: a request nothing answers is a 404.
    res.statusCode = 404;
  }

  get(field: string): string {
    const v = this.req.headers[field.toLowerCase()];
    if (v === undefined) return '';
    return Array.isArray(v) ? v.join(', ') : v;
  }

  set(field: string, value: string): void {
    this.res.setHeader(field, value);
  }

  get status(): number {
    return this.res.statusCode;
  }

  set status(code: number) {
    this.res.statusCode = code;
  }
}
