// Who may call what on the etcd listener, with raftlock's users, tokens and permissions
// (api/auth.ts, state/auth): the very rules of /v1, spoken in etcd's errors.
//
// While auth is off every call is served, as on /v1. Once it is on:
// - a call carries a token in the gRPC metadata `token` (what etcd clients send after
//   Authenticate), or comes over TLS with a verified client certificate whose CN names a user;
// - no credential at all is etcd's "user name is empty", a bad, expired or ended token its
//   "invalid auth token" (clients authenticate again), too little permission "permission denied";
// - a method needs either any user (its keys are then checked where they are read or written:
//   the guarded facade and the state machine at apply) or the root role;
// - the handler runs with the caller as the principal of everything it does (runAs), and so do
//   the listeners it puts on its call; a Watch stream authenticates each create again
//   (callerNow), as /v1's WebSocket does.

import { AsyncResource } from 'node:async_hooks';
import type * as grpc from '@grpc/grpc-js';
import { currentPrincipal, principalOfToken, requireAccess, runAs, type Principal } from '../api/auth.js';
import type { AuthView } from '../state/auth/index.js';
import { ETCD_ERRORS, toServiceError } from './errors.js';
import { invariant } from '../invariant/index.js';

/** What a method needs while auth is on. */
export type Need = 'anyone' | 'user' | 'root';

/** Root-only methods and the few open to anyone; every other method needs a user. */
export const METHOD_NEEDS: Readonly<Record<string, Readonly<Record<string, Need>>>> = {
  // Membership changes are an operator's; the member list is what GET /v1/members shows any user.
  Cluster: { MemberAdd: 'root', MemberRemove: 'root', MemberUpdate: 'root', MemberPromote: 'root', MemberList: 'user' },
  // As the REST maintenance routes: root only (a snapshot holds every key and password hash).
  // Status is what GET /v1/cluster shows any user.
  Maintenance: { Alarm: 'root', Defragment: 'root', Hash: 'root', HashKV: 'root', Snapshot: 'root', MoveLeader: 'root', Status: 'user' },
  // Authenticate is how a client gets its token; AuthStatus tells any user whether auth is on;
  // the rest administers users and roles (while auth is off, anyone may, to set it up).
  Auth: {
    Authenticate: 'anyone',
    AuthStatus: 'user',
    AuthEnable: 'root', AuthDisable: 'root',
    UserAdd: 'root', UserGet: 'root', UserList: 'root', UserDelete: 'root', UserChangePassword: 'root', UserGrantRole: 'root', UserRevokeRole: 'root',
    RoleAdd: 'root', RoleGet: 'root', RoleList: 'root', RoleDelete: 'root', RoleGrantPermission: 'root', RoleRevokePermission: 'root',
  },
};

export function needOf(service: string, method: string): Need {
  return METHOD_NEEDS[service]?.[method] ?? 'user';
}

interface CallLike {
  metadata: grpc.Metadata;
  getAuthContext?(): { sslPeerCertificate?: { subject?: { CN?: string | string[] } } } | null;
}

/** The caller while auth is on, or throws etcd's error for a missing or refused credential. */
export function principalOfCall(auth: AuthView, call: CallLike, nowMs: number): Principal {
  const tokens = call.metadata.get('token');
  const token = tokens.length > 0 ? String(tokens[0]) : undefined;
  if (token !== undefined && token !== '') {
    try {
      return principalOfToken(auth, token, nowMs);
    } catch {
      throw ETCD_ERRORS.invalidAuthToken;
    }
  }
  // etcd's --client-cert-auth: the CN of a verified client certificate names the user.
  const cn = call.getAuthContext?.()?.sslPeerCertificate?.subject?.CN;
  const name = Array.isArray(cn) ? cn[0] : cn;
  const u = name === undefined ? undefined : auth.user(name);
  if (u !== undefined) return { user: u.name, generation: u.generation };
  throw ETCD_ERRORS.userEmpty;
}

/**
 * For a message on a long-lived stream (a Watch create): the caller authenticated again now, as
 * /v1's WebSocket does at every create, so a stream opened before auth was enabled, or whose
 * token has since expired or been ended, creates nothing more. Returns a runner that runs `fn`
 * as that caller (or as nobody while auth is off); throws etcd's error when refused.
 */
export function callerNow(call: CallLike, auth: AuthView, nowMs: number = Date.now()): <T>(fn: () => T) => T {
  if (!auth.enabled()) return (fn) => fn();
  const p = principalOfCall(auth, call, nowMs);
  return (fn) => runAs(p, fn);
}

/** Throws etcd's "permission denied" unless the principal (auth on) holds the root role. */
export function mustBeRoot(auth: AuthView, p: Principal | undefined): void {
  if (!auth.enabled()) return;
  if (p === undefined) throw ETCD_ERRORS.userEmpty;
  if (!auth.isRoot(p.user)) throw ETCD_ERRORS.permissionDenied;
}

/** Throws PERMISSION_DENIED unless the current principal (auth on) may read `key` (or the prefix). */
export function checkRead(auth: AuthView, key: string, prefix: boolean): void {
  requireAccess(auth, currentPrincipal(), [{ key, prefix, access: 'read' }]);
}

type AnyHandler = (call: any, cb?: any) => void;

/**
 * `impl` with every method behind the gate: the caller is established (or refused) before the
 * handler runs, and the handler, with the listeners it adds to its call, runs as that caller.
 *
 * A refusal is decided on state at least as new as every change acknowledged before the call:
 * this member may not have applied yet the user, role or `auth disable` another member just
 * acknowledged, so before refusing, the gate waits for `barrier` (ReadIndex) and decides again.
 */
export function gateService(
  serviceName: string,
  def: grpc.ServiceDefinition,
  impl: Record<string, AnyHandler>,
  auth: () => AuthView,
  barrier: () => Promise<void>,
  now: () => number = Date.now,
): grpc.UntypedServiceImplementation {
  const out: Record<string, AnyHandler> = {};
  for (const [method, handler] of Object.entries(impl)) {
    const d = (def as Record<string, grpc.MethodDefinition<unknown, unknown>>)[method];
    invariant(d !== undefined, () => `${serviceName}.${method} is not in the service definition`);
    const unaryAnswer = !d.responseStream;
    const need = needOf(serviceName, method);
    /** The caller (undefined: auth off, or a method open to anyone); throws etcd's refusal. */
    const decide = (call: CallLike): Principal | undefined => {
      const a = auth();
      if (!a.enabled() || need === 'anyone') return undefined;
      const p = principalOfCall(a, call, now());
      if (need === 'root') mustBeRoot(a, p);
      return p;
    };
    out[method] = (call: any, cb?: any) => {
      let answered = false;
      const refuse = (err: unknown): void => {
        if (answered) return;
        answered = true;
        const e = toServiceError(err);
        if (unaryAnswer) cb(e);
        else call.emit('error', e);
      };
      const run = (p: Principal | undefined): void => {
        try {
          if (p === undefined) {
            handler(call, cb);
          } else {
            bindListeners(call);
            runAs(p, () => handler(call, cb));
          }
          answered = true;
        } catch (err) {
          refuse(err);
        }
      };
      let p: Principal | undefined;
      try {
        p = decide(call);
      } catch (first) {
        barrier().then(
          () => {
            let again: Principal | undefined;
            try {
              again = decide(call);
            } catch (err) {
              refuse(err);
              return;
            }
            if (call.cancelled === true) return;
            run(again);
          },
          () => refuse(first),
        );
        return;
      }
      run(p);
    };
  }
  return out as grpc.UntypedServiceImplementation;
}

/** Listeners added to `call` from now on run in the async context they were added in. */
function bindListeners(call: { on: (...a: any[]) => unknown; once: (...a: any[]) => unknown }): void {
  const on = call.on.bind(call);
  const once = call.once.bind(call);
  call.on = (ev: string, fn: (...a: unknown[]) => void) => on(ev, AsyncResource.bind(fn));
  call.once = (ev: string, fn: (...a: unknown[]) => void) => once(ev, AsyncResource.bind(fn));
}
