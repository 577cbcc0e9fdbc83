// The status page: GET /ui serves a small page (plain HTML, CSS and ES modules from ./ui/, copied
// next to this file by the build) that shows the cluster live. The page reads the public REST API
// and the /v1/watch socket of the member that served it, plus one JSON route of its own,
// GET /ui/members, because a browser on one member's origin cannot ask the other members (they
// are other origins): this member asks each member's /v1/cluster and /readyz for it.
//
// Who may use it: like the rest of the client API today, anyone who reaches the client port.
// The page keeps an access token in memory (never in a URL) and sends it as an Authorization
// header, so it keeps working once the API requires one (docs/operations.md, "Status page").

import { readFileSync } from 'node:fs';
import type Router from '@koa/router';
import type Koa from 'koa';
import { CodedError } from './errors.js';
import { answer, type RouteDeps } from './http-context.js';
import { parseQuery } from './request-text.js';
import type { ClusterInfo } from './server-facade.js';
import { invariant } from '../invariant/index.js';

export const UI_PATH = '/ui';

/** The page's files: name -> content type. Nothing else under /ui/ is served. */
const ASSETS: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'view.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/**
 * Scripts and styles only from this origin (no inline script or style), connections only back to
 * it (REST and the watch socket), no framing, no forms, no plugins.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** How long one member's probe may take, and how long its answer is reused. */
const PROBE_TIMEOUT_MS = 1_000;
const PROBE_REUSE_MS = 500;

/** One member as the page shows it: its own view of the cluster, or why it could not be asked. */
export interface MemberStatus {
  name: string;
  id: string;
  clientUrl: string;
  /** The role this member reports for itself ("unknown" when it did not answer). */
  role: string;
  reachable: boolean;
  ready: boolean;
  reason: string;
  term: number | null;
  commitIndex: number | null;
  appliedIndex: number | null;
  /** The leader this member follows, by name, or null. */
  leader: string | null;
  latencyMs: number | null;
}

function loadAssets(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of ['index.html', ...Object.keys(ASSETS)]) {
    files.set(name, readFileSync(new URL(`./ui/${name}`, import.meta.url)));
  }
  return files;
}

function setPageHeaders(ctx: Koa.Context, type: string): void {
  ctx.set('Content-Security-Policy', UI_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cache-Control', 'no-cache');
  ctx.type = type;
}

export function registerUiRoutes(router: Router, deps: RouteDeps): void {
  const { server } = deps;
  let files: Map<string, Buffer> | undefined;
  const file = (name: string): Buffer => {
    files ??= loadAssets();
    const f = files.get(name);
    invariant(f, () => `UI asset ${name} is not loaded`);
    return f;
  };
  const probe = new MemberProbe();

  router.get(UI_PATH, async (ctx) => {
    parseQuery(ctx.querystring, []);
    if (ctx.path.endsWith('/')) {
      // The page's links are relative to /ui (so a proxy may mount it under a prefix): /ui/
      // would resolve them one level too deep.
      ctx.redirect('../ui');
      ctx.status = 308;
      return;
    }
    setPageHeaders(ctx, 'text/html; charset=utf-8');
    ctx.body = file('index.html');
  });

  router.get(`${UI_PATH}/members`, async (ctx) => {
    parseQuery(ctx.querystring, []);
    const self = server.cluster();
    const readiness = server.readiness();
    probe.keepOnly(new Set(self.members.map((m) => m.id)));
    const members = await Promise.all(
      self.members.map((m): Promise<MemberStatus> | MemberStatus =>
        m.id === self.member.id ? ownStatus(self, readiness) : probe.status(m),
      ),
    );
    answer(ctx, { self: self.member.name, leader: self.leader?.name ?? null, members });
  });

  router.get(`${UI_PATH}/:file`, async (ctx) => {
    parseQuery(ctx.querystring, []);
    const name = ctx.params.file ?? '';
    const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (type === undefined) throw new CodedError('NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
    setPageHeaders(ctx, type);
    ctx.body = file(name);
  });
}

function ownStatus(c: ClusterInfo, r: { ready: boolean; reason: string }): MemberStatus {
  const me = c.members.find((m) => m.id === c.member.id);
  return {
    name: c.member.name,
    id: c.member.id,
    clientUrl: me?.clientUrl ?? '',
    role: c.member.role,
    reachable: true,
    ready: r.ready,
    reason: r.reason,
    term: c.term,
    commitIndex: c.commitIndex,
    appliedIndex: c.appliedIndex,
    leader: c.leader?.name ?? null,
    latencyMs: 0,
  };
}

/**
 * Asks other members for their own view (GET /v1/cluster and /readyz on their client URL).
 * Bounded: at most one probe in flight per member, its answer reused for PROBE_REUSE_MS, so any
 * number of open pages costs each member at most two requests every half second.
 */
class MemberProbe {
  private readonly cache = new Map<string, { at: number; status: Promise<MemberStatus> }>();

  status(m: { name: string; id: string; clientUrl: string }): Promise<MemberStatus> {
    const now = performance.now();
    const hit = this.cache.get(m.id);
    if (hit && now - hit.at < PROBE_REUSE_MS) return hit.status;
    const status = this.ask(m);
    this.cache.set(m.id, { at: now, status });
    return status;
  }

  /** Forget members that are no longer in the cluster (the cache stays as small as it). */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.cache.keys()) if (!ids.has(id)) this.cache.delete(id);
  }

  private async ask(m: { name: string; id: string; clientUrl: string }): Promise<MemberStatus> {
    const base: MemberStatus = {
      name: m.name,
      id: m.id,
      clientUrl: m.clientUrl,
      role: 'unknown',
      reachable: false,
      ready: false,
      reason: '',
      term: null,
      commitIndex: null,
      appliedIndex: null,
      leader: null,
      latencyMs: null,
    };
    const started = performance.now();
    try {
      const [cluster, ready] = await Promise.all([getJson(`${m.clientUrl}/v1/cluster`), getJson(`${m.clientUrl}/readyz`)]);
      const c = cluster.body as Partial<ClusterInfo>;
      const r = ready.body as { reason?: unknown; error?: { reason?: unknown; message?: unknown } };
      return {
        ...base,
        role: typeof c.member?.role === 'string' ? c.member.role : 'unknown',
        reachable: cluster.status === 200,
        ready: ready.status === 200,
        reason: String(r.reason ?? r.error?.reason ?? r.error?.message ?? ''),
        term: typeof c.term === 'number' ? c.term : null,
        commitIndex: typeof c.commitIndex === 'number' ? c.commitIndex : null,
        appliedIndex: typeof c.appliedIndex === 'number' ? c.appliedIndex : null,
        leader: typeof c.leader?.name === 'string' ? c.leader.name : null,
        latencyMs: Math.round((performance.now() - started) * 10) / 10,
      };
    } catch (err) {
      return { ...base, reason: `unreachable: ${(err as Error).name === 'TimeoutError' ? `no answer within ${PROBE_TIMEOUT_MS} ms` : (err as Error).message}` };
    }
  }
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), redirect: 'error' });
  const text = await res.text();
  let body: unknown = {};
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`answer from ${url} is not JSON`);
  }
  return { status: res.status, body: body ?? {} };
}
