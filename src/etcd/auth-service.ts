// etcdserverpb.Auth over raftlock's replicated users, roles and permissions: the same table,
// the same tokens and the same rules as /v1/auth (api/routes-auth.ts). A token from
// Authenticate here works on /v1 as a bearer token, and the other way round.
//
// Who may call (auth-gate.ts): Authenticate anyone; AuthStatus any user; everything else the
// root role once auth is on (anyone while it is off, to set it up); the state machine checks
// root again at apply.
//
// etcd names a permission by a key interval; raftlock grants on key prefixes. A grant or revoke
// is taken when its interval is a prefix (etcdctl's --prefix, or every key: key and range_end
// "\0"); one key or another interval is refused rather than widened.

import { randomBytes } from 'node:crypto';
import { FailureLimiter, hashPassword, signToken, verifyPassword } from '../api/auth.js';
import { CodedError } from '../api/errors.js';
import { expectResult } from '../api/wire.js';
import { ROOT_ROLE, type Access, type AuthView, type Permission } from '../state/auth/index.js';
import type { Command } from '../state/commands.js';
import { AUTH_NAME_PATTERN } from '../state/validate.js';
import { bytesOf } from './codec.js';
import { unary, type EtcdContext } from './context.js';
import { ETCD_ERRORS, EtcdError, toEtcdError } from './errors.js';
import { parseKeyRange } from './key-range.js';

export interface AuthServiceOptions {
  /** Lifetime of an issued token (as /v1/auth/authenticate). */
  tokenTtlSeconds: number;
  maxFailuresPerUser?: number;
  maxFailuresPerAddress?: number;
  failureWindowMs?: number;
  now?: () => number;
}

const PERM_TYPES: Record<Access, 'READ' | 'WRITE' | 'READWRITE'> = { read: 'READ', write: 'WRITE', readwrite: 'READWRITE' };
const ACCESS_OF: Record<string, Access> = { READ: 'read', WRITE: 'write', READWRITE: 'readwrite' };
const MAX_PASSWORD = 1024;

/** etcd's byte-wise end of a prefix (key-range.ts's rule), for answering RoleGet. */
function prefixEnd(prefix: Buffer): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i]!++;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** A raftlock permission in etcd's form: [prefix, prefix end); every key is ["\0", "\0"). */
export function permissionToPb(p: Permission): { permType: string; key: Buffer; range_end: Buffer } {
  if (p.prefix === '') return { permType: PERM_TYPES[p.access], key: Buffer.from([0]), range_end: Buffer.from([0]) };
  const key = bytesOf(p.prefix);
  return { permType: PERM_TYPES[p.access], key, range_end: prefixEnd(key) };
}

/** The raftlock prefix an etcd permission interval stands for; other intervals are refused. */
export function prefixOfInterval(key: Buffer | undefined, rangeEnd: Buffer | undefined, maxKeyBytes: number): string {
  const r = parseKeyRange(key, rangeEnd, maxKeyBytes);
  if (r.kind === 'prefix') return r.prefix;
  if (r.kind === 'key') {
    throw new EtcdError('INVALID_ARGUMENT', `etcdserver: raftlock grants permissions on key prefixes, not on one key; use --prefix (prefix ${JSON.stringify(r.key)})`);
  }
  throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock grants permissions on key prefixes; this key interval is not a prefix (use --prefix)');
}

function nameOf(v: string | undefined, empty: EtcdError, what: string): string {
  const s = v ?? '';
  if (s === '') throw empty;
  if (!AUTH_NAME_PATTERN.test(s)) throw new EtcdError('INVALID_ARGUMENT', `etcdserver: ${what} must be 1-64 characters of letters, digits, ".", "_", "@" or "-"`);
  return s;
}

function passwordOf(v: string | undefined): string {
  const s = v ?? '';
  if (s === '') throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock users need a password (no --no-password users)');
  if (s.length > MAX_PASSWORD) throw new EtcdError('INVALID_ARGUMENT', `etcdserver: a password is at most ${MAX_PASSWORD} characters`);
  return s;
}

/** The gRPC peer's address without its port (failures are counted per address, as on /v1). */
function addressOf(peer: string): string {
  const m = /^(?:ipv4:|ipv6:)?\[?([^\]]*?)\]?(?::\d+)?$/.exec(peer);
  return m?.[1] ?? peer;
}

export function authService(ctx: EtcdContext, opts: AuthServiceOptions) {
  const { server } = ctx;
  const now = opts.now ?? Date.now;
  const windowMs = opts.failureWindowMs ?? 60_000;
  const perUser = new FailureLimiter({ max: opts.maxFailuresPerUser ?? 5, windowMs, maxKeys: 10_000 });
  const perAddress = new FailureLimiter({ max: opts.maxFailuresPerAddress ?? 20, windowMs, maxKeys: 10_000 });
  const auth = (): AuthView => server.state().auth();

  /** Proposes an auth change as the caller; refusals in etcd's words (`refusal` per method). */
  const change = async (cmd: Command, refusal: Partial<Record<string, EtcdError>> = {}) => {
    try {
      expectResult(await server.propose(cmd), 'auth');
    } catch (err) {
      const code = err instanceof CodedError ? err.code : undefined;
      const mapped = code !== undefined ? refusal[code] : undefined;
      if (mapped) throw mapped;
      if (code === 'INVALID_COMMAND') throw ETCD_ERRORS.invalidAuthMgmt;
      throw toEtcdError(err);
    }
    return { header: ctx.header() };
  };
  /** A linearizable view of the table. */
  const view = async (): Promise<AuthView> => {
    await server.readBarrier();
    return auth();
  };
  const header = () => ({ header: ctx.header() });

  return {
    Authenticate: unary(async (req: { name?: string; password?: string }, call) => {
      const name = req.name ?? '';
      const password = req.password ?? '';
      if (name === '') throw ETCD_ERRORS.userEmpty;
      const t = now();
      const addr = addressOf(call.getPeer());
      if (Math.max(perUser.blockedFor(name, t), perAddress.blockedFor(addr, t)) > 0) throw ETCD_ERRORS.tooManyRequests;
      const a = await view();
      if (!a.enabled()) throw ETCD_ERRORS.authNotEnabled;
      const u = a.user(name);
      // A missing user costs a hash too, so timing does not tell which names exist.
      const ok = u !== undefined && password.length <= MAX_PASSWORD ? await verifyPassword(password, u.passwordHash) : (await hashPassword(password.slice(0, MAX_PASSWORD)), false);
      if (!ok || u === undefined) {
        perUser.fail(name, t);
        perAddress.fail(addr, t);
        throw ETCD_ERRORS.authFailed;
      }
      const token = signToken(a.secret(), { user: u.name, generation: u.generation, exp: now() + opts.tokenTtlSeconds * 1000 });
      return { header: ctx.header(), token };
    }),

    AuthEnable: unary(async () => {
      // Enabling again would sign with a new secret and end every token: etcd does nothing.
      if ((await view()).enabled()) return header();
      return change({ op: 'authEnable', secret: randomBytes(32).toString('hex') }, { NO_ROOT_USER: ETCD_ERRORS.rootUserNotExist });
    }),
    AuthDisable: unary(async () => change({ op: 'authDisable' })),
    AuthStatus: unary(async () => {
      const a = await view();
      return { header: ctx.header(), enabled: a.enabled(), authRevision: a.revision() };
    }),

    UserAdd: unary(async (req: { name?: string; password?: string; options?: { no_password?: boolean }; hashedPassword?: string }) => {
      const name = nameOf(req.name, ETCD_ERRORS.userEmpty, 'a user name');
      if (req.options?.no_password === true) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock users need a password (no --no-password users)');
      if ((req.hashedPassword ?? '') !== '') throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock hashes passwords itself; send the password');
      return change({ op: 'authUserAdd', name, passwordHash: await hashPassword(passwordOf(req.password)) });
    }),
    UserGet: unary(async (req: { name?: string }) => {
      const name = nameOf(req.name, ETCD_ERRORS.userEmpty, 'a user name');
      const u = (await view()).user(name);
      if (u === undefined) throw ETCD_ERRORS.userNotFound;
      return { header: ctx.header(), roles: [...u.roles] };
    }),
    UserList: unary(async () => ({ header: ctx.header(), users: (await view()).users().map((u) => u.name) })),
    UserDelete: unary(async (req: { name?: string }) => change({ op: 'authUserDelete', name: nameOf(req.name, ETCD_ERRORS.userEmpty, 'a user name') })),
    UserChangePassword: unary(async (req: { name?: string; password?: string; hashedPassword?: string }) => {
      const name = nameOf(req.name, ETCD_ERRORS.userEmpty, 'a user name');
      if ((req.hashedPassword ?? '') !== '') throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock hashes passwords itself; send the password');
      return change({ op: 'authUserPassword', name, passwordHash: await hashPassword(passwordOf(req.password)) });
    }),
    UserGrantRole: unary(async (req: { user?: string; role?: string }) =>
      change({ op: 'authUserGrantRole', name: nameOf(req.user, ETCD_ERRORS.userEmpty, 'a user name'), role: nameOf(req.role, ETCD_ERRORS.roleEmpty, 'a role name') }),
    ),
    UserRevokeRole: unary(async (req: { name?: string; role?: string }) =>
      change(
        { op: 'authUserRevokeRole', name: nameOf(req.name, ETCD_ERRORS.userEmpty, 'a user name'), role: nameOf(req.role, ETCD_ERRORS.roleEmpty, 'a role name') },
        { ROLE_NOT_FOUND: ETCD_ERRORS.roleNotGranted },
      ),
    ),

    RoleAdd: unary(async (req: { name?: string }) => change({ op: 'authRoleAdd', name: nameOf(req.name, ETCD_ERRORS.roleEmpty, 'a role name') })),
    RoleGet: unary(async (req: { role?: string }) => {
      const name = nameOf(req.role, ETCD_ERRORS.roleEmpty, 'a role name');
      const r = (await view()).role(name);
      if (r === undefined) throw ETCD_ERRORS.roleNotFound;
      // root may do everything; etcd lists no permissions for it either.
      return { header: ctx.header(), perm: r.name === ROOT_ROLE ? [] : r.permissions.map(permissionToPb) };
    }),
    RoleList: unary(async () => ({ header: ctx.header(), roles: (await view()).roles().map((r) => r.name) })),
    RoleDelete: unary(async (req: { role?: string }) => change({ op: 'authRoleDelete', name: nameOf(req.role, ETCD_ERRORS.roleEmpty, 'a role name') })),
    RoleGrantPermission: unary(async (req: { name?: string; perm?: { permType?: string; key?: Buffer; range_end?: Buffer } }) => {
      const role = nameOf(req.name, ETCD_ERRORS.roleEmpty, 'a role name');
      const perm = req.perm;
      if (perm === undefined) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: permission is not provided');
      const access = ACCESS_OF[perm.permType ?? 'READ'];
      if (access === undefined) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: unknown permission type');
      const prefix = prefixOfInterval(perm.key, perm.range_end, ctx.limits.maxKeyBytes);
      return change({ op: 'authRoleGrantPermission', role, prefix, access });
    }),
    RoleRevokePermission: unary(async (req: { role?: string; key?: Buffer; range_end?: Buffer }) => {
      const role = nameOf(req.role, ETCD_ERRORS.roleEmpty, 'a role name');
      const prefix = prefixOfInterval(req.key, req.range_end, ctx.limits.maxKeyBytes);
      return change({ op: 'authRoleRevokePermission', role, prefix });
    }),
  };
}
