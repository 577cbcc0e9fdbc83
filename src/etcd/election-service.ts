// v3electionpb.Election, kept in the key space as etcd keeps it: a candidate is the key
// "<name>/<lease id in hex>" with the candidate's value, attached to its lease; the leader is the
// candidate with the lowest create revision. Clients that run etcd's election recipe on the KV
// API (etcdctl elect, clientv3/concurrency) therefore take part in the same elections.
// Who may call: any user (auth-gate.ts); a campaign needs write on the election's keys, an
// observer read, as for any key.

import type { ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { expectResult } from '../api/wire.js';
import type { KeyValue, TxnOpResult } from '../state/commands.js';
import { bytesOf, int64, kvToPb, leaseIdFromEtcd, textOf, type PbKeyValue } from './codec.js';
import { unary, type EtcdContext, type PbHeader, type WaitCounter } from './context.js';
import { ETCD_ERRORS, EtcdError, toServiceError } from './errors.js';
import { callSignal } from './lock-service.js';

interface LeaderKey {
  name?: Buffer;
  key?: Buffer;
  rev?: string;
  lease?: string;
}

/** The candidate with the lowest create revision under `prefix` (the leader), if any. */
function firstCandidate(kvs: readonly KeyValue[]): KeyValue | undefined {
  let first: KeyValue | undefined;
  for (const kv of kvs) if (!first || kv.createRevision < first.createRevision) first = kv;
  return first;
}

export function electionService(ctx: EtcdContext, waits: WaitCounter) {
  const { server } = ctx;
  const prefixOf = (name: Buffer | undefined): string => {
    const n = textOf(name, 'election name');
    if (n === '') throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: election name is not provided');
    return `${n}/`;
  };
  const candidates = (prefix: string): KeyValue[] => server.state().range(prefix, 0).kvs;

  /** Resolve once `key` is deleted after `revision` (or reject when `signal` fires). */
  const deletedAfter = (key: string, revision: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      let done = false;
      const finish = (err?: unknown): void => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        queueMicrotask(() => sub.cancel());
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => finish(new EtcdError('CANCELLED', 'context canceled'));
      const sub = server.watch({
        key,
        prefix: false,
        startRevision: revision + 1,
        prevKv: false,
        onEvents: (events) => {
          if (events.some((e) => e.type === 'delete')) finish();
        },
        onCanceled: (_reason, compactRevision) => finish(compactRevision ? ETCD_ERRORS.compacted : ETCD_ERRORS.stopped),
      });
      signal.addEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
    });

  async function proclaimAt(key: string, rev: number, value: string, lease: string): Promise<boolean> {
    const put: { key: string; value: string; lease?: string } = { key, value };
    if (lease !== '') put.lease = lease;
    const r = expectResult(await server.propose({ op: 'txn', compare: [{ key, target: 'createRevision', op: '=', value: rev }], success: [{ put }], failure: [] }), 'txn');
    return r.succeeded;
  }

  async function resignAt(key: string, rev: number): Promise<number> {
    const r = expectResult(await server.propose({ op: 'txn', compare: [{ key, target: 'createRevision', op: '=', value: rev }], success: [{ delete: { key } }], failure: [] }), 'txn');
    return r.revision;
  }

  async function campaign(req: { name?: Buffer; lease?: string; value?: Buffer }, call: ServerUnaryCall<unknown, unknown>) {
    const prefix = prefixOf(req.name);
    const lease = leaseIdFromEtcd(req.lease);
    if (lease === '') throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: a campaign is held by a lease; give one');
    const value = textOf(req.value, 'value');
    const key = `${prefix}${BigInt.asUintN(64, BigInt(req.lease ?? 0)).toString(16)}`;
    const leave = waits.enter();
    const { signal, done } = callSignal(ctx, call);
    try {
      const r = expectResult(
        await server.propose({
          op: 'txn',
          compare: [{ key, target: 'createRevision', op: '=', value: 0 }],
          success: [{ put: { key, value, lease } }],
          failure: [{ get: { key } }],
        }),
        'txn',
      );
      let myRev = r.revision;
      if (!r.succeeded) {
        // This lease campaigns already: keep its place in line, take the new value.
        const cur = (r.results[0] as Extract<TxnOpResult, { get: unknown }>).get.kvs[0];
        if (!cur) throw ETCD_ERRORS.electionNotLeader;
        myRev = cur.createRevision;
        if (cur.value !== value && !(await proclaimAt(key, myRev, value, lease))) throw ETCD_ERRORS.electionNotLeader;
      }
      try {
        // Wait until every candidate that came before is gone.
        for (;;) {
          const view = server.state();
          const at = view.revision();
          const before = candidates(prefix).filter((kv) => kv.createRevision < myRev);
          if (before.length === 0) break;
          const last = before.reduce((a, b) => (b.createRevision > a.createRevision ? b : a));
          await deletedAfter(last.key, at, signal);
        }
      } catch (err) {
        await resignAt(key, myRev).catch(() => undefined);
        throw err;
      }
      const mine = server.state().get(key);
      if (!mine || mine.createRevision !== myRev) throw ETCD_ERRORS.leaseNotFound; // its lease ended while waiting
      return { header: ctx.header(), leader: { name: req.name ?? Buffer.alloc(0), key: bytesOf(key), rev: myRev, lease: req.lease ?? '0' } };
    } finally {
      done();
      leave();
    }
  }

  const leaderKeyOf = (l: LeaderKey | undefined): { key: string; rev: number; lease: string } => {
    if (!l?.key || l.key.length === 0) throw ETCD_ERRORS.emptyKey;
    return { key: textOf(l.key, 'key'), rev: int64(l.rev, 'rev'), lease: leaseIdFromEtcd(l.lease) };
  };

  async function proclaim(req: { leader?: LeaderKey; value?: Buffer }) {
    const l = leaderKeyOf(req.leader);
    if (!(await proclaimAt(l.key, l.rev, textOf(req.value, 'value'), l.lease))) throw ETCD_ERRORS.electionNotLeader;
    return { header: ctx.header() };
  }

  async function leader(req: { name?: Buffer }) {
    const prefix = prefixOf(req.name);
    await server.readBarrier();
    const kv = firstCandidate(candidates(prefix));
    if (!kv) throw ETCD_ERRORS.electionNoLeader;
    return { header: ctx.header(), kv: kvToPb(kv) };
  }

  async function resign(req: { leader?: LeaderKey }) {
    const l = leaderKeyOf(req.leader);
    return { header: ctx.header(await resignAt(l.key, l.rev)) };
  }

  /** Streams the leader's record each time the leadership or the leader's value changes. */
  function observe(call: ServerWritableStream<{ name?: Buffer }, { header: PbHeader; kv: PbKeyValue }>): void {
    let prefix: string;
    let leave: () => void;
    try {
      prefix = prefixOf(call.request.name);
      leave = waits.enter();
    } catch (err) {
      call.emit('error', toServiceError(err));
      return;
    }
    const { signal, done } = callSignal(ctx, call);
    let sent: KeyValue | undefined;
    let sub: { cancel(): void } | undefined;
    let stopped = false;
    const stop = (err?: unknown): void => {
      if (stopped) return;
      stopped = true;
      sub?.cancel();
      done();
      leave();
      if (err !== undefined) call.emit('error', toServiceError(err));
      else call.end();
    };
    const report = (): void => {
      const kv = firstCandidate(candidates(prefix));
      if (kv && (kv.key !== sent?.key || kv.modRevision !== sent.modRevision)) {
        sent = kv;
        call.write({ header: ctx.header(), kv: kvToPb(kv) });
      }
    };
    server.readBarrier().then(
      () => {
        if (signal.aborted) return stop();
        const at = server.state().revision();
        sub = server.watch({
          key: prefix,
          prefix: true,
          startRevision: at + 1,
          prevKv: false,
          onEvents: () => report(),
          onCanceled: (_reason, compactRevision) => stop(compactRevision ? ETCD_ERRORS.compacted : ETCD_ERRORS.stopped),
        });
        report();
        signal.addEventListener('abort', () => stop(), { once: true });
        if (signal.aborted) stop();
      },
      (err: unknown) => stop(err),
    );
  }

  return {
    Campaign: unary(campaign),
    Proclaim: unary(proclaim),
    Leader: unary(leader),
    Observe: observe,
    Resign: unary(resign),
  };
}
