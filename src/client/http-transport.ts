// The REST side of the client: one request, many endpoints. It fails over across members and
// retries only where retrying cannot apply a write twice.
//
// The rule, per request kind (`retry`):
//   - 'read'  (GETs, lease keepalive): idempotent, so retried on every transient failure,
//     including ones whose outcome is unknown (client timeout, connection reset, 504 TIMEOUT);
//   - 'write' (puts, deletes, txns, grants, ...): retried only when the server or the network
//     says nothing was applied: the connection was refused before the request left, or a
//     503/429 whose code means "not applied" (NO_LEADER, PROPOSAL_LOST, NOT_READY, and
//     PEER_UNREACHABLE: the member could not reach the leader and did not send it). A write
//     that timed out, got 504 TIMEOUT or lost its connection after sending is NOT retried; the
//     caller gets `outcomeUnknown: true`;
//   - 'once'  (lock acquire): retried only when the request never left this process.
// Retries honour the server's Retry-After (capped), move to the next endpoint, and stop at the
// overall deadline or the attempt limit.

import { Agent, fetch as undiciFetch } from 'undici';
import { TokenSource, type ClientAuth, type ClientTls } from './credentials.js';
import { RaftlockError } from './errors.js';

export type RetryKind = 'read' | 'write' | 'once';

export interface HttpTransportOptions {
  /** Client URLs of the members, e.g. ['http://10.0.0.1:2379', ...]. A missing scheme means http. */
  endpoints: string[];
  /** Per-attempt timeout, ms (default 10 s). */
  requestTimeoutMs?: number;
  /** Overall budget for one call across retries, ms (default 30 s). */
  deadlineMs?: number;
  /** Most attempts for one call (default 10). */
  maxAttempts?: number;
  /** Cap on a server's Retry-After, ms (default 5 s). */
  maxRetryAfterMs?: number;
  /** Largest response body accepted, bytes (default 64 MiB). */
  maxResponseBytes?: number;
  /** Start at a random endpoint so many clients spread out (default true; false = the first). */
  randomStart?: boolean;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** TLS for https:// endpoints: the CA that signed the members' certificates, and a client
   *  certificate and key where the members require one. PEM contents. */
  tls?: ClientTls;
  /** A user to authenticate as; its token goes with every request and is renewed before it ends. */
  auth?: ClientAuth;
}

export interface RequestOptions {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path with already-encoded segments, e.g. `/v1/kv/a%20b`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  retry: RetryKind;
  /** Per-attempt timeout for this call (e.g. a lock wait plus a margin). */
  timeoutMs?: number;
  /** Overall budget for this call. */
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Talk to this endpoint only (no failover). */
  endpoint?: string;
  /** Send no token (the authenticate call itself). */
  anonymous?: boolean;
}

/** 503/429 codes that guarantee the request was not applied: safe to retry even a write. */
export const NOT_APPLIED_CODES: ReadonlySet<string> = new Set([
  'NO_LEADER',
  'NOT_READY',
  'PROPOSAL_LOST',
  'SHUTTING_DOWN',
  'TRANSFER_IN_PROGRESS',
  'TOO_MANY_UNCOMMITTED',
  'CONF_CHANGE_PENDING',
  'TOO_MANY_WATCHERS',
  'TOO_MANY_REQUESTS',
  // A member answers a write with PEER_UNREACHABLE only when forwarding it to the leader failed
  // before it was sent (a forward that broke after sending is 504 TIMEOUT): nothing was proposed.
  'PEER_UNREACHABLE',
]);

/** Transient codes whose outcome may be unknown for a write; retried for reads only. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  ...NOT_APPLIED_CODES,
  'TIMEOUT',
  'NO_QUORUM',
  'REQUEST_TIMEOUT',
  'CONNECTION_LOST',
]);

/** Codes after which another member is likely to do better than this one right away. */
const MEMBER_LOCAL_CODES: ReadonlySet<string> = new Set(['UNAVAILABLE', 'SHUTTING_DOWN', 'NOT_READY', 'REQUEST_TIMEOUT', 'CONNECTION_LOST']);

/** Network errors raised before any byte of the request was sent. */
const CONNECT_ERRORS: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export function normalizeEndpoint(e: string): string {
  let s = e.trim();
  if (s === '') throw new RaftlockError('INVALID_ARGUMENT', 'an endpoint must not be empty');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) s = `http://${s}`;
  const url = new URL(s);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RaftlockError('INVALID_ARGUMENT', `endpoint ${e} must be http:// or https://`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** Whether a failure may be retried for a request of kind `kind`. */
export function isRetryable(err: RaftlockError, kind: RetryKind): boolean {
  if (err.code === 'UNAVAILABLE') return true; // never sent
  if (kind === 'once') return false;
  if (kind === 'write') return NOT_APPLIED_CODES.has(err.code);
  return TRANSIENT_CODES.has(err.code);
}

export function encodeKey(key: string): string {
  // Keep '/' readable; everything else that is not unreserved is escaped (so '%' becomes %25).
  return key.split('/').map(encodeURIComponent).join('/');
}

export class HttpTransport {
  readonly endpoints: readonly string[];
  private current = 0;
  private readonly requestTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly maxAttempts: number;
  private readonly maxRetryAfterMs: number;
  private readonly maxResponseBytes: number;
  private readonly fetchFn: typeof fetch;
  private readonly closer = new AbortController();
  readonly tls: ClientTls | undefined;
  private readonly agent: Agent | undefined;
  private readonly tokens: TokenSource | undefined;

  constructor(opts: HttpTransportOptions) {
    if (!Array.isArray(opts.endpoints) || opts.endpoints.length === 0) {
      throw new RaftlockError('INVALID_ARGUMENT', 'at least one endpoint is required');
    }
    if (opts.endpoints.length > 1000) throw new RaftlockError('INVALID_ARGUMENT', 'at most 1000 endpoints');
    this.endpoints = [...new Set(opts.endpoints.map(normalizeEndpoint))];
    this.requestTimeoutMs = positive(opts.requestTimeoutMs, 10_000, 'requestTimeoutMs');
    this.deadlineMs = positive(opts.deadlineMs, 30_000, 'deadlineMs');
    this.maxAttempts = positive(opts.maxAttempts, 10, 'maxAttempts');
    this.maxRetryAfterMs = positive(opts.maxRetryAfterMs, 5_000, 'maxRetryAfterMs');
    this.maxResponseBytes = positive(opts.maxResponseBytes, 64 * 1024 * 1024, 'maxResponseBytes');
    this.tls = opts.tls;
    if (opts.tls !== undefined && opts.fetch === undefined) {
      const agent = new Agent({ connect: { ...opts.tls } });
      this.agent = agent;
      this.fetchFn = ((url: string, init: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
    } else {
      this.fetchFn = opts.fetch ?? fetch;
    }
    if (opts.auth !== undefined) {
      this.tokens = new TokenSource(opts.auth, (name, password) =>
        this.request<{ token: string; ttl: number }>({ method: 'POST', path: '/v1/auth/authenticate', body: { name, password }, retry: 'read', anonymous: true }),
      );
    }
    // Start at a random member so many clients spread out.
    this.current = opts.randomStart === false ? 0 : Math.floor(Math.random() * this.endpoints.length);
  }

  /** The endpoint requests currently go to. */
  get preferred(): string {
    return this.endpoints[this.current] as string;
  }

  /** Move to the next endpoint (e.g. after a watch socket to the current one broke). */
  rotate(from?: string): string {
    if (from === undefined || this.preferred === from) this.current = (this.current + 1) % this.endpoints.length;
    return this.preferred;
  }

  close(): void {
    this.closer.abort();
    void this.agent?.close();
  }

  /** What a watch socket needs: TLS options and the current token (fetched if there is none). */
  async socketOptions(): Promise<{ headers?: Record<string, string>; ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer }> {
    const token = this.tokens === undefined ? undefined : await this.tokens.current();
    return { ...(this.tls ?? {}), ...(token !== undefined ? { headers: { authorization: `Bearer ${token}` } } : {}) };
  }

  /** A new token (a member refused the one in hand); undefined when the client has no auth. */
  async renewToken(): Promise<string | undefined> {
    return this.tokens === undefined ? undefined : this.tokens.renew();
  }

  get closed(): boolean {
    return this.closer.signal.aborted;
  }

  async request<T>(opts: RequestOptions): Promise<T> {
    const started = Date.now();
    const deadline = started + (opts.deadlineMs ?? this.deadlineMs);
    const triedSinceWait = new Set<string>();
    let renewed = false;
    let backoffMs = 50;
    let last: RaftlockError | undefined;
    for (let attempt = 1; ; attempt++) {
      this.throwIfStopped(opts.signal);
      const endpoint = opts.endpoint ?? this.preferred;
      const remaining = deadline - Date.now();
      if (remaining <= 0 && last) throw last;
      try {
        return await this.once<T>(endpoint, opts, Math.max(1, Math.min(opts.timeoutMs ?? this.requestTimeoutMs, Math.max(remaining, 1))));
      } catch (e) {
        if (!(e instanceof RaftlockError)) throw e;
        last = e;
        // The token ended (its user changed, or auth was re-enabled): a new one, and once more.
        // A 401 is answered before anything is applied, so even a write is safe to send again.
        if (e.code === 'UNAUTHENTICATED' && this.tokens !== undefined && !opts.anonymous && !renewed) {
          renewed = true;
          await this.tokens.renew();
          continue;
        }
        if (e.code === 'ABORTED' || e.code === 'CLIENT_CLOSED') throw e;
        if (!isRetryable(e, opts.retry) || attempt >= this.maxAttempts) throw e;
        triedSinceWait.add(endpoint);
        if (opts.endpoint === undefined) this.rotate(endpoint);
        const next = opts.endpoint ?? this.preferred;
        // A member-local failure and an untried member: go there at once. Otherwise wait.
        let waitMs = 0;
        if (!(MEMBER_LOCAL_CODES.has(e.code) && !triedSinceWait.has(next))) {
          waitMs = e.retryAfterMs !== undefined ? Math.min(e.retryAfterMs, this.maxRetryAfterMs) : backoffMs;
          backoffMs = Math.min(backoffMs * 2, 1000);
          triedSinceWait.clear();
        }
        if (Date.now() + waitMs >= deadline) throw e;
        await sleep(waitMs, opts.signal, this.closer.signal);
      }
    }
  }

  private throwIfStopped(signal: AbortSignal | undefined): void {
    if (this.closer.signal.aborted) throw new RaftlockError('CLIENT_CLOSED', 'the client is closed');
    if (signal?.aborted) throw new RaftlockError('ABORTED', 'the request was aborted', { cause: signal.reason });
  }

  /** One attempt against one endpoint. */
  private async once<T>(endpoint: string, opts: RequestOptions, timeoutMs: number): Promise<T> {
    const token = this.tokens !== undefined && !opts.anonymous ? await this.tokens.current() : undefined;
    let url = endpoint + opts.path;
    if (opts.query) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.query)) if (v !== undefined) q.set(k, String(v));
      const s = q.toString();
      if (s !== '') url += `?${s}`;
    }
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    const onAbort = (): void => ac.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.closer.signal.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    // A read (or keepalive) changes nothing: its outcome is never "unknown" in a way that matters.
    const mayWrite = opts.retry !== 'read';
    const why = (): RaftlockError | undefined => {
      if (this.closer.signal.aborted) return new RaftlockError('CLIENT_CLOSED', 'the client is closed', { endpoint, outcomeUnknown: mayWrite });
      if (opts.signal?.aborted) return new RaftlockError('ABORTED', 'the request was aborted', { endpoint, outcomeUnknown: mayWrite, cause: opts.signal.reason });
      if (timedOut) {
        return new RaftlockError('REQUEST_TIMEOUT', `${opts.method} ${opts.path} to ${endpoint}: no answer within ${timeoutMs} ms`, {
          endpoint,
          outcomeUnknown: mayWrite,
        });
      }
      return undefined;
    };
    try {
      let res: Response;
      try {
        res = await this.fetchFn(url, { method: opts.method, headers, body, signal: ac.signal });
      } catch (err) {
        const stopped = why();
        if (stopped) throw stopped;
        const code = networkCode(err);
        if (code !== undefined && CONNECT_ERRORS.has(code)) {
          throw new RaftlockError('UNAVAILABLE', `cannot connect to ${endpoint}: ${code}`, { endpoint, cause: err });
        }
        throw new RaftlockError('CONNECTION_LOST', `${opts.method} ${opts.path} to ${endpoint} failed after sending: ${code ?? (err as Error).message}`, {
          endpoint,
          outcomeUnknown: mayWrite,
          cause: err,
        });
      }
      let text: string;
      try {
        text = await readLimited(res, this.maxResponseBytes);
      } catch (err) {
        if (err instanceof RaftlockError) throw err;
        const stopped = why();
        if (stopped) throw stopped;
        throw new RaftlockError('CONNECTION_LOST', `reading the answer from ${endpoint} failed: ${(err as Error).message}`, {
          endpoint,
          outcomeUnknown: mayWrite,
          cause: err,
        });
      }
      return parseResponse<T>(res, text, endpoint, mayWrite);
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      this.closer.signal.removeEventListener('abort', onAbort);
    }
  }
}

function parseResponse<T>(res: Response, text: string, endpoint: string, mayWrite: boolean): T {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new RaftlockError('BAD_RESPONSE', `${endpoint} answered ${res.status} with a body that is not JSON`, { status: res.status, endpoint });
  }
  if (res.ok) {
    if (json === undefined) throw new RaftlockError('BAD_RESPONSE', `${endpoint} answered ${res.status} with an empty body`, { status: res.status, endpoint });
    return json as T;
  }
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  const err = (json as { error?: unknown } | undefined)?.error;
  if (err && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string') {
    const { code, message, ...details } = err as { code: string; message?: unknown };
    return throwCoded(code, typeof message === 'string' ? message : code, res.status, details, retryAfterMs, endpoint, mayWrite);
  }
  throw new RaftlockError('BAD_RESPONSE', `${endpoint} answered ${res.status} without an error body`, { status: res.status, endpoint, retryAfterMs });
}

function throwCoded(
  code: string,
  message: string,
  status: number,
  details: Record<string, unknown>,
  retryAfterMs: number | undefined,
  endpoint: string,
  mayWrite: boolean,
): never {
  throw new RaftlockError(code, message, {
    status,
    details,
    retryAfterMs: retryAfterMs ?? (status === 503 || status === 429 ? 1000 : undefined),
    endpoint,
    outcomeUnknown: mayWrite && (code === 'TIMEOUT' || code === 'NO_QUORUM' || code === 'INTERNAL'),
  });
}

/** Retry-After in ms: delta-seconds or an HTTP date; undefined if absent or unreadable. */
export function parseRetryAfter(h: string | null): number | undefined {
  if (h === null || h.trim() === '') return undefined;
  if (/^\d+$/.test(h.trim())) return Number(h.trim()) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

async function readLimited(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new RaftlockError('BAD_RESPONSE', `response body exceeds ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const inner = networkCode(errors[0]);
      if (inner) return inner;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new RaftlockError('INVALID_ARGUMENT', `${name} must be a positive number`);
  return v;
}

/** Resolve after `ms`, or reject early when a signal fires. */
export function sleep(ms: number, ...signals: (AbortSignal | undefined)[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    const done = (): void => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      done();
      reject(new RaftlockError('ABORTED', 'aborted while waiting to retry'));
    };
    for (const s of live) {
      if (s.aborted) return reject(new RaftlockError('ABORTED', 'aborted while waiting to retry'));
      s.addEventListener('abort', onAbort, { once: true });
    }
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
  });
}
