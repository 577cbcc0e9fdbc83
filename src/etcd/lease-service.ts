// etcdserverpb.Lease over the facade. An etcd lease id N is raftlock lease "%016x" of N, so a
// lease is the same on /v1/leases and here. Who may call: any user (auth-gate.ts); a revoke
// needs write on the lease's keys and locks, as on /v1.

import type { ServerDuplexStream } from '@grpc/grpc-js';
import { msToTtlSeconds } from '../api/routes-leases.js';
import { expectResult } from '../api/wire.js';
import { HARD_LIMITS } from '../state/limits.js';
import { bytesOf, int64, leaseIdFromEtcd, leaseIdToEtcd, newEtcdLeaseId } from './codec.js';
import { callerNow } from './auth-gate.js';
import { unary, type EtcdContext, type PbHeader } from './context.js';
import { ETCD_ERRORS, toServiceError } from './errors.js';

interface LeaseKeepAliveResponse {
  header: PbHeader;
  ID: string;
  TTL: number;
}

export function leaseService(ctx: EtcdContext) {
  const { server, limits } = ctx;
  const maxTtlSeconds = HARD_LIMITS.maxTtlMs / 1000;

  const idOf = (id: string | undefined): string => {
    const lease = leaseIdFromEtcd(id);
    if (lease === '') throw ETCD_ERRORS.leaseNotFound;
    return lease;
  };

  async function grant(req: { TTL?: string; ID?: string }) {
    const ttl = int64(req.TTL, 'TTL');
    if (ttl > maxTtlSeconds) throw ETCD_ERRORS.leaseTtlTooLarge;
    const seconds = Math.max(ttl, limits.minLeaseTtlSeconds);
    const id = leaseIdFromEtcd(req.ID) || newEtcdLeaseId();
    const r = expectResult(await server.propose({ op: 'leaseGrant', id, ttlMs: seconds * 1000 }), 'leaseGrant');
    return { header: ctx.header(r.revision), ID: leaseIdToEtcd(r.id), TTL: msToTtlSeconds(r.ttlMs), error: '' };
  }

  async function revoke(req: { ID?: string }) {
    const r = expectResult(await server.propose({ op: 'leaseRevoke', id: idOf(req.ID), reason: 'revoke' }), 'leaseRevoke');
    return { header: ctx.header(r.revision) };
  }

  async function timeToLive(req: { ID?: string; keys?: boolean }) {
    const id = idOf(req.ID);
    await server.readBarrier();
    const lease = server.state().lease(id);
    // etcd answers an unknown lease with TTL -1 rather than an error.
    if (!lease) return { header: ctx.header(), ID: req.ID ?? '0', TTL: -1, grantedTTL: 0, keys: [] };
    const remainingMs = await server.leaseRemaining(id);
    return {
      header: ctx.header(),
      ID: leaseIdToEtcd(id),
      TTL: msToTtlSeconds(remainingMs),
      grantedTTL: msToTtlSeconds(lease.ttlMs),
      keys: req.keys ? lease.keys.map(bytesOf) : [],
    };
  }

  async function leases() {
    await server.readBarrier();
    const out = server
      .state()
      .leases()
      .map((l) => leaseIdToEtcd(l.id))
      .filter((id) => id !== '0')
      .map((ID) => ({ ID }));
    return { header: ctx.header(), leases: out };
  }

  /** Renewals are served in order, one at a time per stream, with a bounded queue. */
  function keepAlive(call: ServerDuplexStream<{ ID?: string }, LeaseKeepAliveResponse>): void {
    let queued = 0;
    let chain: Promise<void> = Promise.resolve();
    let ended = false;
    const end = (): void => {
      ended = true;
      ctx.closing.removeEventListener('abort', onClosing);
    };
    const onClosing = (): void => {
      end();
      call.end();
    };
    ctx.closing.addEventListener('abort', onClosing);
    const renew = async (etcdId: string | undefined): Promise<void> => {
      const id = leaseIdFromEtcd(etcdId);
      let ttl = 0;
      try {
        if (id !== '') ttl = msToTtlSeconds((await server.leaseKeepalive(id)).ttlMs);
      } catch (err) {
        // etcd answers a renewal of an unknown lease with TTL 0; other failures end the stream.
        if ((err as { code?: string } | null)?.code !== 'LEASE_NOT_FOUND') throw err;
      }
      if (!ended) call.write({ header: ctx.header(), ID: etcdId ?? '0', TTL: ttl });
    };
    call.on('data', (req: { ID?: string }) => {
      if (ended) return;
      try {
        // Each renewal as the caller is now (auth-gate.ts): a stream opened before auth was
        // enabled, or whose token ended, renews nothing more.
        callerNow(call, server.state().auth());
      } catch (err) {
        end();
        call.emit('error', toServiceError(err));
        return;
      }
      if (++queued > limits.maxKeepAlivesQueued) {
        end();
        call.emit('error', toServiceError(ETCD_ERRORS.tooManyRequests));
        return;
      }
      chain = chain
        .then(() => (ended ? undefined : renew(req.ID)))
        .catch((err: unknown) => {
          if (!ended) {
            end();
            call.emit('error', toServiceError(err));
          }
        })
        .finally(() => {
          queued--;
        });
    });
    call.on('end', () => {
      void chain.then(() => {
        if (!ended) {
          end();
          call.end();
        }
      });
    });
    call.on('cancelled', end);
    call.on('error', end);
  }

  return {
    LeaseGrant: unary(grant),
    LeaseRevoke: unary(revoke),
    LeaseKeepAlive: keepAlive,
    LeaseTimeToLive: unary(timeToLive),
    LeaseLeases: unary(leases),
  };
}
