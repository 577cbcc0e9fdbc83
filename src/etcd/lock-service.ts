// v3lockpb.Lock over raftlock's own locks: a lock taken here is the lock of the same name on
// /v1/locks (same FIFO queue, same fencing tokens). Who may call: any user (auth-gate.ts) with
// write on the lock's name, as /v1/locks.
//
// etcd's Lock answers with a key that names the holder and is later given to Unlock. Here that
// key is "<name>/<lease id in hex>": Unlock releases lock <name> if lease <id> holds it. The
// holder itself is observable at the reserved key _raftlock/locks/<name>, and the response
// header's revision is the holder's fencing token (the revision of the grant).

import type { ServerUnaryCall } from '@grpc/grpc-js';
import { expectResult } from '../api/wire.js';
import type { LockHolder } from '../state/commands.js';
import { HARD_LIMITS } from '../state/limits.js';
import { bytesOf, leaseIdFromEtcd, textOf } from './codec.js';
import { unary, type EtcdContext, type WaitCounter } from './context.js';
import { ETCD_ERRORS, EtcdError } from './errors.js';
import { randomWaiterId } from '../api/random-id.js';

const LOCK_KEY = /^(.+)\/([0-9a-f]{1,16})$/;

/** The key a Lock call answers with and Unlock takes back. */
export function lockKeyFor(name: string, lease: string): string {
  return `${name}/${lease}`;
}

/** An AbortSignal that fires when the call is canceled (client gone, deadline) or the server closes. */
export function callSignal(ctx: EtcdContext, call: { on(ev: 'cancelled', fn: () => void): unknown; cancelled?: boolean }): { signal: AbortSignal; done(): void } {
  const ac = new AbortController();
  const abort = (): void => ac.abort();
  call.on('cancelled', abort);
  if (call.cancelled) ac.abort();
  ctx.closing.addEventListener('abort', abort);
  if (ctx.closing.aborted) ac.abort();
  return { signal: ac.signal, done: () => ctx.closing.removeEventListener('abort', abort) };
}

export function lockService(ctx: EtcdContext, waits: WaitCounter) {
  const { server } = ctx;

  const answer = (name: string, lease: string, holder: LockHolder) => ({
    header: ctx.header(holder.fencingToken),
    key: bytesOf(lockKeyFor(name, lease)),
  });

  async function lock(req: { name?: Buffer; lease?: string }, call: ServerUnaryCall<unknown, unknown>) {
    const name = textOf(req.name, 'lock name');
    if (name === '') throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: lock name is not provided');
    if (name.length > HARD_LIMITS.maxLockNameLength) throw ETCD_ERRORS.requestTooLarge;
    const lease = leaseIdFromEtcd(req.lease);
    if (lease === '') throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock locks are held by a lease; give one');
    const leave = waits.enter();
    const { signal, done } = callSignal(ctx, call);
    try {
      const waiterId = randomWaiterId();
      const acq = expectResult(await server.propose({ op: 'lockAcquire', name, lease, waiterId }), 'lockAcquire');
      // Granted now, or already held by this lease (locks are re-entrant by lease).
      if (acq.granted && acq.holder) return answer(name, lease, acq.holder);
      let holder: LockHolder | null = null;
      try {
        holder = await server.awaitLockGrant(name, waiterId, signal);
      } catch (err) {
        if (!signal.aborted) throw err;
      }
      if (holder?.waiterId === waiterId && !signal.aborted) return answer(name, lease, holder);
      if (!signal.aborted) throw ETCD_ERRORS.leaseNotFound; // the waiter was dropped with its lease
      // The caller left (or the server closes): withdraw the waiter, or give back a grant that
      // came in the same instant.
      const c = expectResult(await server.propose({ op: 'lockCancel', name, waiterId }), 'lockCancel');
      const granted = holder?.waiterId === waiterId ? holder : !c.canceled && c.holder?.waiterId === waiterId ? c.holder : null;
      if (granted) await server.propose({ op: 'lockRelease', name, fencingToken: granted.fencingToken });
      throw ctx.closing.aborted ? ETCD_ERRORS.stopped : new EtcdError('CANCELLED', 'context canceled');
    } finally {
      done();
      leave();
    }
  }

  async function unlock(req: { key?: Buffer }) {
    const m = LOCK_KEY.exec(textOf(req.key, 'key'));
    if (!m) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: not a key that Lock answered with (<name>/<lease id in hex>)');
    const name = m[1]!;
    const lease = m[2]!.padStart(16, '0');
    // Releasing a lock the lease does not hold is a no-op, as deleting a gone key is in etcd.
    const r = await server.propose({ op: 'lockRelease', name, lease });
    if (r.op === 'error' && r.code === 'NOT_HOLDER') return { header: ctx.header() };
    return { header: ctx.header(expectResult(r, 'lockRelease').revision) };
  }

  return { Lock: unary(lock), Unlock: unary(unlock) };
}
