// Keys: PUT/GET/DELETE /v1/kv/{key}, GET /v1/kv (range), POST /v1/txn, POST /v1/compact.

import type Router from '@koa/router';
import type { HotRoutes } from './hot-routes.js';
import type { Command, TxnOp } from '../state/commands.js';
import { CodedError } from './errors.js';
import { answer, pathTail, readConsistency, readJson, type RouteDeps } from './http-context.js';
import { parseQuery, queryBool, queryInt } from './request-text.js';
import { assertKey, assertWritableKey, type Schemas } from './schemas.js';
import type { StateView } from './server-facade.js';
import { expectResult, kvJson } from './wire.js';

const KV_PREFIX = '/v1/kv/';

/** `?revision=N` outside the history this member keeps: 410 COMPACTED below the compaction
 *  point, 400 FUTURE_REVISION after the current revision. */
function assertReadableRevision(view: StateView, revision: number): void {
  const r = view.readableRevision(revision);
  if (r === 'compacted') {
    const compactRevision = view.compactRevision();
    throw new CodedError('COMPACTED', `revision ${revision} is below the compaction point ${compactRevision}`, { details: { revision, compactRevision } });
  }
  if (r === 'future') {
    const current = view.revision();
    throw new CodedError('FUTURE_REVISION', `revision ${revision} is after the current revision ${current}`, { details: { revision, currentRevision: current } });
  }
}

export function registerKvRoutes(router: Router, deps: RouteDeps & { hot: HotRoutes }, schemas: Schemas): void {
  const { server, limits, hot } = deps;

  // An empty key ("/v1/kv" or "/v1/kv/") can be listed but never written.
  const emptyKey = async (): Promise<void> => {
    throw new CodedError('INVALID_ARGUMENT', 'key must not be empty');
  };
  router.put('/v1/kv', emptyKey);
  router.delete('/v1/kv', emptyKey);

  hot.add(router, 'PUT', '/v1/kv/*key', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const key = pathTail(ctx, KV_PREFIX, 'key');
    assertKey(key, limits);
    assertWritableKey(key);
    const body = await readJson(ctx, limits, schemas.put);
    const cmd: Command = { op: 'put', key, value: body.value };
    if (body.lease !== undefined) cmd.lease = body.lease;
    if (body.prevKv) cmd.prevKv = true;
    const r = expectResult(await server.propose(cmd), 'put', { LEASE_NOT_FOUND: { lease: body.lease } });
    answer(ctx, r.prevKv ? { revision: r.revision, prevKv: kvJson(r.prevKv) } : { revision: r.revision });
  });

  hot.add(router, 'GET', '/v1/kv/*key', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['consistency', 'revision']);
    const key = pathTail(ctx, KV_PREFIX, 'key');
    assertKey(key, limits);
    const revision = queryInt(q, 'revision', 1, Number.MAX_SAFE_INTEGER);
    await readConsistency(server, q.get('consistency'));
    const view = server.state();
    if (revision !== undefined) assertReadableRevision(view, revision);
    const kv = view.get(key, revision);
    if (!kv) throw new CodedError('KEY_NOT_FOUND', `key not found`, { details: { key } });
    answer(ctx, kvJson(kv));
  });

  router.get('/v1/kv', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['prefix', 'limit', 'consistency', 'start', 'revision']);
    const prefix = q.get('prefix') ?? '';
    assertKey(prefix, limits, 'prefix', true);
    const limit = queryInt(q, 'limit', 1, limits.maxRangeLimit) ?? limits.maxRangeLimit;
    const start = q.get('start');
    if (start !== undefined) assertKey(start, limits, 'start');
    const revision = queryInt(q, 'revision', 1, Number.MAX_SAFE_INTEGER);
    await readConsistency(server, q.get('consistency'));
    const view = server.state();
    if (revision !== undefined) assertReadableRevision(view, revision);
    const r = view.range(prefix, limit, { ...(start !== undefined ? { start } : {}), ...(revision !== undefined ? { revision } : {}) });
    answer(ctx, {
      kvs: r.kvs.map(kvJson),
      more: r.more,
      ...(r.next !== undefined ? { next: r.next } : {}),
      count: r.count,
      revision: revision ?? view.revision(),
    });
  });

  hot.add(router, 'DELETE', '/v1/kv/*key', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['prefix', 'prevKv']);
    const key = pathTail(ctx, KV_PREFIX, 'key');
    const prefix = queryBool(q, 'prefix', false);
    assertKey(key, limits);
    assertWritableKey(key, prefix);
    const cmd: Command = { op: 'delete', key };
    if (prefix) cmd.prefix = true;
    const prevKv = queryBool(q, 'prevKv', false);
    if (prevKv) cmd.prevKv = true;
    const r = expectResult(await server.propose(cmd), 'delete');
    answer(
      ctx,
      prevKv && r.prevKvs ? { deleted: r.deleted, revision: r.revision, prevKvs: r.prevKvs.map(kvJson) } : { deleted: r.deleted, revision: r.revision },
    );
  });

  router.post('/v1/txn', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const body = await readJson(ctx, limits, schemas.txn);
    const total = body.compare.length + body.success.length + body.failure.length;
    if (total > limits.maxTxnOps) {
      throw new CodedError('INVALID_ARGUMENT', `a transaction may hold at most ${limits.maxTxnOps} compares and ops in all (got ${total})`);
    }
    const toOp = (op: (typeof body.success)[number]): TxnOp => {
      if ('put' in op) {
        assertWritableKey(op.put.key);
        const put: { key: string; value: string; lease?: string; prevKv?: boolean } = { key: op.put.key, value: op.put.value };
        if (op.put.lease !== undefined) put.lease = op.put.lease;
        if (op.put.prevKv) put.prevKv = true;
        return { put };
      }
      if ('get' in op) {
        if (op.get.key === '' && !op.get.prefix) throw new CodedError('INVALID_ARGUMENT', 'get.key must not be empty unless prefix is true');
        const get: { key: string; prefix?: boolean; limit?: number } = { key: op.get.key, limit: op.get.limit ?? limits.maxRangeLimit };
        if (op.get.prefix) get.prefix = true;
        return { get };
      }
      assertWritableKey(op.delete.key, op.delete.prefix === true);
      const del: { key: string; prefix?: boolean; prevKv?: boolean } = { key: op.delete.key };
      if (op.delete.prefix) del.prefix = true;
      if (op.delete.prevKv) del.prevKv = true;
      return { delete: del };
    };
    const cmd: Command = {
      op: 'txn',
      compare: body.compare.map((c) => ({ key: c.key, target: c.target, op: c.op, value: c.value })),
      success: body.success.map(toOp),
      failure: body.failure.map(toOp),
    };
    const r = expectResult(await server.propose(cmd), 'txn');
    answer(ctx, {
      succeeded: r.succeeded,
      revision: r.revision,
      results: r.results.map((res) => {
        if ('put' in res) return { put: res.put.prevKv ? { revision: res.put.revision, prevKv: kvJson(res.put.prevKv) } : { revision: res.put.revision } };
        if ('get' in res) return { get: { kvs: res.get.kvs.map(kvJson), more: res.get.more, count: res.get.count } };
        return { delete: res.delete.prevKvs ? { deleted: res.delete.deleted, prevKvs: res.delete.prevKvs.map(kvJson) } : { deleted: res.delete.deleted } };
      }),
    });
  });

  router.post('/v1/compact', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const body = await readJson(ctx, limits, schemas.compact);
    const r = expectResult(await server.propose({ op: 'compact', revision: body.revision }), 'compact');
    answer(ctx, { revision: r.revision, compactRevision: r.compactRevision });
  });
}
