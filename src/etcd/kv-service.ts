// etcdserverpb.KV over the Server facade: Range, Put, DeleteRange, Txn, Compact.
// Who may call: any user (auth-gate.ts), with the permissions of /v1 on the keys touched (the
// guarded facade checks reads, the state machine writes at apply); Compact needs root.

import { expectResult } from '../api/wire.js';
import type { StateView } from '../api/server-facade.js';
import type { Command, Compare, KeyValue, TxnOp, TxnOpResult } from '../state/commands.js';
import { HARD_LIMITS, RESERVED_PREFIX } from '../state/limits.js';
import { int64, kvToPb, leaseIdFromEtcd, textOf, type PbKeyValue } from './codec.js';
import { unary, type EtcdContext, type PbHeader } from './context.js';
import { ETCD_ERRORS, EtcdError } from './errors.js';
import { coveringSelection, inRange, parseKeyRange, readAt, readNow, type KeyRange } from './key-range.js';

// ---- wire shapes (proto-loader objects: keepCase, longs as strings, enums as strings) -------

export interface RangeRequest {
  key?: Buffer;
  range_end?: Buffer;
  limit?: string;
  revision?: string;
  sort_order?: 'NONE' | 'ASCEND' | 'DESCEND';
  sort_target?: 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
  serializable?: boolean;
  keys_only?: boolean;
  count_only?: boolean;
  min_mod_revision?: string;
  max_mod_revision?: string;
  min_create_revision?: string;
  max_create_revision?: string;
}
interface RangeResponse {
  header: PbHeader;
  kvs: PbKeyValue[];
  more: boolean;
  count: number;
}
interface PutRequest {
  key?: Buffer;
  value?: Buffer;
  lease?: string;
  prev_kv?: boolean;
  ignore_value?: boolean;
  ignore_lease?: boolean;
}
interface PutResponse {
  header: PbHeader;
  prev_kv?: PbKeyValue;
}
interface DeleteRangeRequest {
  key?: Buffer;
  range_end?: Buffer;
  prev_kv?: boolean;
}
interface DeleteRangeResponse {
  header: PbHeader;
  deleted: number;
  prev_kvs: PbKeyValue[];
}
interface PbCompare {
  result?: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL';
  target?: 'VERSION' | 'CREATE' | 'MOD' | 'VALUE' | 'LEASE';
  key?: Buffer;
  version?: string;
  create_revision?: string;
  mod_revision?: string;
  value?: Buffer;
  lease?: string;
  range_end?: Buffer;
}
interface RequestOp {
  request_range?: RangeRequest;
  request_put?: PutRequest;
  request_delete_range?: DeleteRangeRequest;
  request_txn?: TxnRequest;
}
interface TxnRequest {
  compare?: PbCompare[];
  success?: RequestOp[];
  failure?: RequestOp[];
}
type ResponseOp =
  | { response_range: RangeResponse }
  | { response_put: PutResponse }
  | { response_delete_range: DeleteRangeResponse };
interface TxnResponse {
  header: PbHeader;
  succeeded: boolean;
  responses: ResponseOp[];
}
interface CompactionRequest {
  revision?: string;
  physical?: boolean;
}

// ---- reads --------------------------------------------------------------------------------

/** A range's options beyond its keys: what decides limit, sorting, filtering and shape. */
interface Shape {
  limit: number;
  sortOrder: 'NONE' | 'ASCEND' | 'DESCEND';
  sortTarget: 'KEY' | 'VERSION' | 'CREATE' | 'MOD' | 'VALUE';
  keysOnly: boolean;
  countOnly: boolean;
  minMod: number;
  maxMod: number;
  minCreate: number;
  maxCreate: number;
}

function shapeOf(req: RangeRequest): Shape {
  const shape: Shape = {
    limit: Math.max(0, int64(req.limit, 'limit')),
    sortOrder: req.sort_order ?? 'NONE',
    sortTarget: req.sort_target ?? 'KEY',
    keysOnly: req.keys_only === true,
    countOnly: req.count_only === true,
    minMod: int64(req.min_mod_revision, 'min_mod_revision'),
    maxMod: int64(req.max_mod_revision, 'max_mod_revision'),
    minCreate: int64(req.min_create_revision, 'min_create_revision'),
    maxCreate: int64(req.max_create_revision, 'max_create_revision'),
  };
  // etcd: a sort target other than the key with no order sorts ascending.
  if (shape.sortOrder === 'NONE' && shape.sortTarget !== 'KEY') shape.sortOrder = 'ASCEND';
  return shape;
}

/** True when the answer needs every key of the range, not just its first `limit`. */
function needsAll(s: Shape): boolean {
  const sorted = !(s.sortTarget === 'KEY' && (s.sortOrder === 'NONE' || s.sortOrder === 'ASCEND'));
  return sorted || s.minMod > 0 || s.maxMod > 0 || s.minCreate > 0 || s.maxCreate > 0;
}

const SORT_FIELD = {
  KEY: (kv: KeyValue) => kv.key,
  VERSION: (kv: KeyValue) => kv.version,
  CREATE: (kv: KeyValue) => kv.createRevision,
  MOD: (kv: KeyValue) => kv.modRevision,
  VALUE: (kv: KeyValue) => kv.value,
} as const;

/** kvs (in key order) filtered, sorted and cut to the limit as etcd answers a range. `count` is
 *  the number of keys in the range; `complete` says kvs holds all of them. */
function shapeRange(kvs: readonly KeyValue[], count: number, s: Shape, complete: boolean): { kvs: PbKeyValue[]; more: boolean; count: number } {
  let out = kvs.filter(
    (kv) =>
      (s.minMod <= 0 || kv.modRevision >= s.minMod) &&
      (s.maxMod <= 0 || kv.modRevision <= s.maxMod) &&
      (s.minCreate <= 0 || kv.createRevision >= s.minCreate) &&
      (s.maxCreate <= 0 || kv.createRevision <= s.maxCreate),
  );
  if (s.sortOrder !== 'NONE') {
    const field = SORT_FIELD[s.sortTarget];
    const dir = s.sortOrder === 'DESCEND' ? -1 : 1;
    out = out
      .map((kv, i) => ({ kv, i }))
      .sort((a, b) => {
        const x = field(a.kv);
        const y = field(b.kv);
        return x < y ? -dir : x > y ? dir : a.i - b.i;
      })
      .map((e) => e.kv);
  }
  const total = complete ? out.length : count;
  const more = s.limit > 0 ? total > s.limit : false;
  if (s.limit > 0 && out.length > s.limit) out = out.slice(0, s.limit);
  return { kvs: s.countOnly ? [] : out.map((kv) => kvToPb(kv, s.keysOnly)), more, count };
}

function readRange(ctx: EtcdContext, view: StateView, r: KeyRange, revision: number, s: Shape) {
  const all = needsAll(s);
  if (all && readNow(view, r, 1).count > ctx.limits.maxRangeScan) {
    throw new EtcdError('RESOURCE_EXHAUSTED', `etcdserver: raftlock sorts and filters at most ${ctx.limits.maxRangeScan} keys in one range`);
  }
  const window = all ? 0 : s.limit;
  const read = revision > 0 ? readAt(view, r, revision, window) : readNow(view, r, window);
  return shapeRange(read.kvs, read.count, s, all);
}

// ---- writes -------------------------------------------------------------------------------

function writableKey(ctx: EtcdContext, key: Buffer | undefined): string {
  if (!key || key.length === 0) throw ETCD_ERRORS.emptyKey;
  if (key.length > ctx.limits.maxKeyBytes) throw ETCD_ERRORS.requestTooLarge;
  const k = textOf(key, 'key');
  if (k.startsWith(RESERVED_PREFIX)) {
    throw new EtcdError('INVALID_ARGUMENT', `etcdserver: keys under "${RESERVED_PREFIX}" are reserved for raftlock and cannot be written`);
  }
  return k;
}

function putOp(ctx: EtcdContext, req: PutRequest): { key: string; value: string; lease?: string; prevKv?: boolean } {
  const key = writableKey(ctx, req.key);
  if ((req.value?.length ?? 0) > ctx.limits.maxValueBytes) throw ETCD_ERRORS.requestTooLarge;
  const op: { key: string; value: string; lease?: string; prevKv?: boolean } = { key, value: textOf(req.value, 'value') };
  const lease = leaseIdFromEtcd(req.lease);
  if (lease !== '') op.lease = lease;
  if (req.prev_kv) op.prevKv = true;
  return op;
}

/** DeleteRange is served for one key or a prefix (the state deletes those atomically). */
function deleteOp(ctx: EtcdContext, req: DeleteRangeRequest): { key: string; prefix?: boolean; prevKv?: boolean } {
  const r = parseKeyRange(req.key, req.range_end, ctx.limits.maxKeyBytes);
  if (r.kind === 'span') {
    throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock deletes one key or a prefix; other ranges (such as --from-key) are not supported');
  }
  const key = r.kind === 'key' ? r.key : r.prefix;
  if (key.startsWith(RESERVED_PREFIX)) {
    throw new EtcdError('INVALID_ARGUMENT', `etcdserver: keys under "${RESERVED_PREFIX}" are reserved for raftlock and cannot be written`);
  }
  const op: { key: string; prefix?: boolean; prevKv?: boolean } = { key };
  if (r.kind === 'prefix') op.prefix = true;
  if (req.prev_kv) op.prevKv = true;
  return op;
}

const CMP_OP = { EQUAL: '=', GREATER: '>', LESS: '<', NOT_EQUAL: '!=' } as const;

function compareOf(ctx: EtcdContext, c: PbCompare): Compare {
  if (c.range_end && c.range_end.length > 0) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock compares one key at a time (range_end in a compare is not supported)');
  if (!c.key || c.key.length === 0) throw ETCD_ERRORS.emptyKey;
  if (c.key.length > ctx.limits.maxKeyBytes) throw ETCD_ERRORS.requestTooLarge;
  const key = textOf(c.key, 'key');
  const op = CMP_OP[c.result ?? 'EQUAL'];
  switch (c.target ?? 'VERSION') {
    case 'VERSION':
      return { key, target: 'version', op, value: int64(c.version, 'version') };
    case 'CREATE':
      return { key, target: 'createRevision', op, value: int64(c.create_revision, 'create_revision') };
    case 'MOD':
      return { key, target: 'modRevision', op, value: int64(c.mod_revision, 'mod_revision') };
    case 'VALUE':
      return { key, target: 'value', op, value: textOf(c.value, 'value') };
    case 'LEASE':
      return { key, target: 'lease', op, value: leaseIdFromEtcd(c.lease) };
  }
}

/** One txn op, and how to turn its result back into etcd's response. */
interface TxnStep {
  op: TxnOp;
  answer(res: TxnOpResult, header: PbHeader): ResponseOp;
}

function txnStep(ctx: EtcdContext, req: RequestOp): TxnStep {
  if (req.request_put) {
    const put = putOp(ctx, req.request_put);
    return {
      op: { put },
      answer: (res, header) => {
        const p = (res as Extract<TxnOpResult, { put: unknown }>).put;
        return { response_put: p.prevKv ? { header, prev_kv: kvToPb(p.prevKv) } : { header } };
      },
    };
  }
  if (req.request_delete_range) {
    const del = deleteOp(ctx, req.request_delete_range);
    return {
      op: { delete: del },
      answer: (res, header) => {
        const d = (res as Extract<TxnOpResult, { delete: unknown }>).delete;
        return { response_delete_range: { header, deleted: d.deleted, prev_kvs: (d.prevKvs ?? []).map((kv) => kvToPb(kv)) } };
      },
    };
  }
  if (req.request_range) {
    const rr = req.request_range;
    const r = parseKeyRange(rr.key, rr.range_end, ctx.limits.maxKeyBytes);
    if (int64(rr.revision, 'revision') !== 0) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock reads the current revision inside a txn (revision must be 0)');
    const s = shapeOf(rr);
    const sel = coveringSelection(r);
    const exact = r.kind !== 'span' && !needsAll(s);
    // The state machine takes a txn get's limit up to HARD_LIMITS.maxRangeLimit: refuse a larger
    // one here, before it is proposed, rather than have apply refuse it after replication.
    if (exact && s.limit > HARD_LIMITS.maxRangeLimit) {
      throw new EtcdError('INVALID_ARGUMENT', `etcdserver: raftlock takes a range limit of at most ${HARD_LIMITS.maxRangeLimit} inside a txn`);
    }
    const limit = exact && s.limit > 0 ? s.limit : ctx.limits.maxRangeScan;
    const get: { key: string; prefix?: boolean; limit?: number } = sel.prefix ? { key: sel.key, prefix: true, limit } : { key: sel.key };
    return {
      op: { get },
      answer: (res, header) => {
        const g = (res as Extract<TxnOpResult, { get: unknown }>).get;
        if (exact) return { response_range: { header, ...shapeRange(g.kvs, g.count, s, false) } };
        const kvs = g.kvs.filter((kv) => inRange(r, kv.key));
        return { response_range: { header, ...shapeRange(kvs, kvs.length, s, !g.more) } };
      },
    };
  }
  if (req.request_txn) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock does not nest transactions');
  throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: empty request op in txn');
}

// ---- the service --------------------------------------------------------------------------

export function kvService(ctx: EtcdContext) {
  const { server } = ctx;

  async function put(req: PutRequest): Promise<PutResponse> {
    const op = putOp(ctx, req);
    if (req.ignore_value || req.ignore_lease) return putKeeping(req, op);
    const r = expectResult(await server.propose({ op: 'put', ...op }), 'put');
    return r.prevKv ? { header: ctx.header(r.revision), prev_kv: kvToPb(r.prevKv) } : { header: ctx.header(r.revision) };
  }

  /** Put with ignore_value / ignore_lease: keep the key's current value or lease, written only
   *  if the key did not change between the read and the write (retried a few times). */
  async function putKeeping(req: PutRequest, op: ReturnType<typeof putOp>): Promise<PutResponse> {
    if (req.ignore_value && op.value !== '') throw ETCD_ERRORS.valueProvided;
    if (req.ignore_lease && op.lease !== undefined) throw ETCD_ERRORS.leaseProvided;
    await server.readBarrier();
    for (let attempt = 0; attempt < 8; attempt++) {
      const cur = server.state().get(op.key);
      if (!cur) throw ETCD_ERRORS.keyNotFound;
      const value = req.ignore_value ? cur.value : op.value;
      const lease = req.ignore_lease ? cur.lease : (op.lease ?? '');
      const put: { key: string; value: string; lease?: string; prevKv?: boolean } = { key: op.key, value, prevKv: true };
      if (lease !== '') put.lease = lease;
      const r = expectResult(
        await server.propose({ op: 'txn', compare: [{ key: op.key, target: 'modRevision', op: '=', value: cur.modRevision }], success: [{ put }], failure: [] }),
        'txn',
      );
      if (r.succeeded) {
        const res = r.results[0] as Extract<TxnOpResult, { put: unknown }>;
        return req.prev_kv && res.put.prevKv ? { header: ctx.header(r.revision), prev_kv: kvToPb(res.put.prevKv) } : { header: ctx.header(r.revision) };
      }
    }
    throw ETCD_ERRORS.timeout;
  }

  async function range(req: RangeRequest): Promise<RangeResponse> {
    const r = parseKeyRange(req.key, req.range_end, ctx.limits.maxKeyBytes);
    const s = shapeOf(req);
    const revision = int64(req.revision, 'revision');
    if (!req.serializable) await server.readBarrier();
    const view = server.state();
    const header = ctx.header(view.revision());
    return { header, ...readRange(ctx, view, r, revision, s) };
  }

  async function deleteRange(req: DeleteRangeRequest): Promise<DeleteRangeResponse> {
    const op = deleteOp(ctx, req);
    const r = expectResult(await server.propose({ op: 'delete', ...op }), 'delete');
    return { header: ctx.header(r.revision), deleted: r.deleted, prev_kvs: (r.prevKvs ?? []).map((kv) => kvToPb(kv)) };
  }

  async function txn(req: TxnRequest): Promise<TxnResponse> {
    const compare = req.compare ?? [];
    const success = req.success ?? [];
    const failure = req.failure ?? [];
    if (compare.length > ctx.limits.maxTxnOps || success.length > ctx.limits.maxTxnOps || failure.length > ctx.limits.maxTxnOps) throw ETCD_ERRORS.tooManyOps;
    const ok = success.map((o) => txnStep(ctx, o));
    const bad = failure.map((o) => txnStep(ctx, o));
    const cmd: Command = { op: 'txn', compare: compare.map((c) => compareOf(ctx, c)), success: ok.map((s) => s.op), failure: bad.map((s) => s.op) };
    const r = expectResult(await server.propose(cmd), 'txn');
    const header = ctx.header(r.revision);
    const steps = r.succeeded ? ok : bad;
    return { header, succeeded: r.succeeded, responses: r.results.map((res, i) => steps[i]!.answer(res, header)) };
  }

  async function compact(req: CompactionRequest): Promise<{ header: PbHeader }> {
    const revision = int64(req.revision, 'revision');
    const r = expectResult(await server.propose({ op: 'compact', revision }), 'compact');
    return { header: ctx.header(r.revision) };
  }

  return {
    Range: unary(range),
    Put: unary(put),
    DeleteRange: unary(deleteRange),
    Txn: unary(txn),
    Compact: unary(compact),
  };
}

