// Authentication and authorization at the API edge (docs/security.md).
//
// - Passwords: salted scrypt, hashed by the member that takes the request; only the hash is
//   replicated. Verification is constant-time.
// - Tokens: `<payload>.<mac>`, the payload naming the user, the user's generation and an expiry,
//   the MAC an HMAC-SHA256 under the cluster's replicated secret. So a token from one member works
//   on every member, and it stops working when it expires, when its user is deleted or its
//   password or roles change (the generation moves), or when auth is re-enabled (a new secret).
// - A client certificate's CN stands for the user of that name when the client port verifies
//   certificates (clientCa) and no token is sent.
// - Failed authentications are rate-limited per user name and per client address.
// - Every request runs with its principal in an AsyncLocalStorage; the guarded facade below reads
//   it there, so a write is proposed as `asUser` (the state machine checks it again at apply, by
//   the permissions in force at that point of the log) and a read is checked where it reads.

import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, randomBytes, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Command } from '../state/commands.js';
import type { AccessNeed, AuthView } from '../state/auth/index.js';
import { CodedError } from './errors.js';
import type { LockInfo, ServerFacade, StateView } from './server-facade.js';

// ---- passwords -------------------------------------------------------------------------------

const SCRYPT = { N: 1 << 14, r: 8, p: 1, keyLen: 32 };

function scryptAsync(pw: BinaryLike, salt: BinaryLike, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(pw, salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.keyLen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((x) => Number.isSafeInteger(x) && x > 0) || N > 1 << 20) return false;
  const want = Buffer.from(parts[5]!, 'base64url');
  const got = await scryptAsync(password, Buffer.from(parts[4]!, 'base64url'), want.length, { N, r, p, maxmem: 256 * 1024 * 1024 });
  return got.length === want.length && timingSafeEqual(got, want);
}

// ---- tokens ----------------------------------------------------------------------------------

export interface TokenClaims {
  user: string;
  generation: number;
  /** Expiry, ms since the epoch. */
  exp: number;
}

export function signToken(secretHex: string, claims: TokenClaims): string {
  const payload = Buffer.from(JSON.stringify([claims.user, claims.generation, claims.exp])).toString('base64url');
  const mac = createHmac('sha256', Buffer.from(secretHex, 'hex')).update(payload).digest('base64url');
  return `${payload}.${mac}`;
}

/** The claims of a well-signed, unexpired token, or null. */
export function verifyToken(secretHex: string, token: string, nowMs: number): TokenClaims | null {
  if (secretHex === '' || token.length > 1024) return null;
  const dot = token.indexOf('.');
  if (dot <= 0) return null;
  const payload = token.slice(0, dot);
  const mac = Buffer.from(token.slice(dot + 1), 'base64url');
  const want = createHmac('sha256', Buffer.from(secretHex, 'hex')).update(payload).digest();
  if (mac.length !== want.length || !timingSafeEqual(mac, want)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string' || !Number.isSafeInteger(parsed[1]) || !Number.isSafeInteger(parsed[2])) return null;
  if (parsed[2] <= nowMs) return null;
  return { user: parsed[0], generation: parsed[1], exp: parsed[2] };
}

// ---- rate limiting of failed authentications --------------------------------------------------

/**
 * Failures counted per key (a user name, a client address) in a fixed window; past `max`
 * failures the key is refused until its window ends. The table is bounded: when full, the entry
 * with the oldest window is dropped.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();
  constructor(private readonly o: { max: number; windowMs: number; maxKeys: number }) {}

  /** Seconds until `key` may try again, or 0. */
  blockedFor(key: string, nowMs: number): number {
    const w = this.windows.get(key);
    if (w === undefined || nowMs - w.start >= this.o.windowMs || w.failures < this.o.max) return 0;
    return Math.ceil((w.start + this.o.windowMs - nowMs) / 1000);
  }

  fail(key: string, nowMs: number): void {
    let w = this.windows.get(key);
    if (w === undefined || nowMs - w.start >= this.o.windowMs) {
      if (w === undefined && this.windows.size >= this.o.maxKeys) {
        const oldest = this.windows.keys().next().value;
        if (oldest !== undefined) this.windows.delete(oldest);
      }
      w = { start: nowMs, failures: 0 };
      this.windows.delete(key);
      this.windows.set(key, w);
    }
    w.failures++;
  }
}

// ---- principals and the guarded facade -------------------------------------------------------

export interface Principal {
  user: string;
  generation: number;
}

const current = new AsyncLocalStorage<Principal>();

/** Runs `fn` with `p` as the principal of everything it calls (the guarded facade reads it). */
export function runAs<T>(p: Principal, fn: () => T): T {
  return current.run(p, fn);
}

export function currentPrincipal(): Principal | undefined {
  return current.getStore();
}

/** The bearer token of a request, if it sent one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (m === null) throw new CodedError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"');
  return m[1];
}

/**
 * Who sent this request while auth is on: the token's user, or the user a verified client
 * certificate's CN names. Throws UNAUTHENTICATED otherwise.
 */
export function principalOf(auth: AuthView, req: IncomingMessage, token: string | undefined, nowMs: number): Principal {
  if (token !== undefined) return principalOfToken(auth, token, nowMs);
  const sock = req.socket as Partial<TLSSocket>;
  if (sock.authorized === true && typeof sock.getPeerCertificate === 'function') {
    const cn = sock.getPeerCertificate().subject?.CN;
    const name = Array.isArray(cn) ? cn[0] : cn;
    const u = name === undefined ? undefined : auth.user(name);
    if (u !== undefined) return { user: u.name, generation: u.generation };
  }
  throw new CodedError('UNAUTHENTICATED', 'auth is enabled: send Authorization: Bearer <token> (POST /v1/auth/authenticate gives one)');
}

export function principalOfToken(auth: AuthView, token: string, nowMs: number): Principal {
  const claims = verifyToken(auth.secret(), token, nowMs);
  if (claims === null) throw new CodedError('UNAUTHENTICATED', 'the token is not valid or has expired; authenticate again');
  const u = auth.user(claims.user);
  if (u === undefined || u.generation !== claims.generation) {
    throw new CodedError('UNAUTHENTICATED', 'the token is no longer valid (its user was deleted or changed); authenticate again');
  }
  return { user: claims.user, generation: claims.generation };
}

/** Throws PERMISSION_DENIED unless `p` (or no principal: auth off) may do `needs`. */
export function requireAccess(auth: AuthView, p: Principal | undefined, needs: readonly AccessNeed[]): void {
  if (p === undefined || !auth.enabled()) return;
  const d = auth.denied(p.user, needs);
  if (d !== undefined) {
    throw new CodedError('PERMISSION_DENIED', `user ${JSON.stringify(p.user)} has no ${d.access} permission on ${d.prefix ? 'prefix ' : ''}${JSON.stringify(d.key)}`);
  }
}

export function requireRoot(auth: AuthView, p: Principal | undefined): void {
  if (p === undefined || !auth.enabled()) return;
  if (!auth.isRoot(p.user)) throw new CodedError('PERMISSION_DENIED', `user ${JSON.stringify(p.user)} needs the root role for this`);
}

const LOCK_KEY_PREFIX = '_raftlock/locks/';

/**
 * The facade routes see: the member's own, except that under a principal (auth on) writes are
 * proposed as `asUser`, reads check read permission on what they read, lock listings show only
 * the locks the user may read, and membership changes need root.
 */
export function guardFacade(server: ServerFacade, auth: () => AuthView): ServerFacade {
  const checkedView = (view: StateView, p: Principal): StateView => {
    const a = auth();
    const read = (key: string, prefix = false): void => requireAccess(a, p, [{ key, prefix, access: 'read' }]);
    return {
      revision: () => view.revision(),
      compactRevision: () => view.compactRevision(),
      get: (key, revision) => (read(key), view.get(key, revision)),
      range: (prefix, limit, opts) => (read(prefix, true), view.range(prefix, limit, opts)),
      readableRevision: (revision) => view.readableRevision(revision),
      // An arbitrary key interval: allowed only with read on everything (fail closed).
      rangeBetween: (start, end, limit) => (read('', true), view.rangeBetween(start, end, limit)),
      eventsSince: (startRevision, key, prefix, maxEvents) => (read(key, prefix), view.eventsSince(startRevision, key, prefix, maxEvents)),
      lease: (id) => view.lease(id),
      leases: () => view.leases(),
      lock: (name) => (read(LOCK_KEY_PREFIX + name), view.lock(name)),
      auth: () => view.auth(),
      locks: (): LockInfo[] => view.locks().filter((l) => a.denied(p.user, [{ key: LOCK_KEY_PREFIX + l.name, prefix: false, access: 'read' }]) === undefined),
    };
  };
  const principal = (): Principal | undefined => (auth().enabled() ? current.getStore() : undefined);
  const guarded: ServerFacade = {
    propose: (cmd: Command, opts) => {
      const p = principal();
      return server.propose(p === undefined ? cmd : { op: 'asUser', user: p.user, generation: p.generation, cmd }, opts);
    },
    readBarrier: (opts) => server.readBarrier(opts),
    state: () => {
      const p = principal();
      if (p === undefined) return server.state();
      // Routes take the view after their read barrier, so this sees every auth change
      // acknowledged before the request: a token ended anywhere is ended here too.
      if (auth().user(p.user)?.generation !== p.generation) {
        throw new CodedError('UNAUTHENTICATED', 'the token is no longer valid (its user was deleted or changed); authenticate again');
      }
      return checkedView(server.state(), p);
    },
    cluster: () => server.cluster(),
    leaseKeepalive: (id) => server.leaseKeepalive(id),
    leaseRemaining: (id) => server.leaseRemaining(id),
    awaitLockGrant: (name, waiterId, signal) => server.awaitLockGrant(name, waiterId, signal),
    watch: (opts) => {
      requireAccess(auth(), principal(), [{ key: opts.key, prefix: opts.prefix, access: 'read' }]);
      return server.watch(opts);
    },
    changeMembership: (change, member) => {
      requireRoot(auth(), principal());
      return server.changeMembership(change, member);
    },
    memberIdFor: (name) => server.memberIdFor(name),
    readiness: () => server.readiness(),
    ...(server.publishedRevision !== undefined ? { publishedRevision: () => server.publishedRevision!() } : {}),
  };
  return guarded;
}

