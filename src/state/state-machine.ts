// The replicated state machine: keys with revisions, leases, locks and the watch history.
//
// Determinism: apply reads no clock and no randomness, and every iteration whose order can
// reach the results, the events or the snapshot goes over sorted keys or over arrays whose order
// is itself decided by the command sequence (waiter queues, history). Same commands in the same
// order -> same results, same events, byte-identical snapshots on every member.
//
// Revisions: `revision()` grows by exactly one for every applied command that changes the key
// space, and a revision exists only if it has at least one watch event. Commands that change no
// key (lease grant, a queued lock waiter, a cancel, compaction, a delete of nothing, a read-only
// or no-op txn, an error) leave it alone and report the current revision. A txn is one revision
// however many ops it has. The fencing token of a lock grant is the revision of the grant.

import type {
  Command,
  CommandResult,
  Compare,
  KeyValue,
  LockHolder,
  LockWaiter,
  StateErrorCode,
  TxnOp,
  TxnOpResult,
  WatchEvent,
} from './commands.js';
import { invariant } from '../invariant/index.js';
import { StateError } from './errors.js';
import { History, type EventBatch, type EventsSinceResult } from './kv/history.js';
import { KvStore, makeKeyValue, type KvCut, type RangeResult } from './kv/kv-store.js';
import { LeaseTable } from './lease/lease-table.js';
import { DEFAULT_HISTORY_REVISIONS, LOCK_KEY_PREFIX, RESERVED_PREFIX, HARD_LIMITS } from './limits.js';
import { LockTable, type Handoff } from './lock/lock-table.js';
import { decodeCommand, validateCommand } from './validate.js';
import { AUTH_OPS, AuthRefusal, AuthTable, commandNeeds, type AuthCommand, type AuthDoc, type AuthView } from './auth/index.js';

export interface StateMachineOptions {
  /** Watch history kept by auto-compaction, in revisions (default 10,000). Must be the same on
   *  every member: it decides which watch starts are COMPACTED. */
  historyRevisions?: number;
}

export interface ApplyOutput {
  result: CommandResult;
  /** The watch events of this command, all at `result.revision` (empty when nothing changed). */
  events: WatchEvent[];
}

export interface LeaseView {
  id: string;
  ttlMs: number;
  /** Keys attached to the lease, in key order. */
  keys: string[];
  /** Names of the locks the lease holds, sorted. */
  locks: string[];
}

export interface LockView {
  name: string;
  holder: LockHolder | null;
  /** Queued waiters, first in line first. */
  waiters: LockWaiter[];
}

/** The reserved key that makes lock `name`'s holder observable. */
export function lockKey(name: string): string {
  return LOCK_KEY_PREFIX + name;
}

/** The value of a lock holder key. */
export function lockKeyValue(holder: LockHolder): string {
  return JSON.stringify({ lease: holder.lease, fencingToken: holder.fencingToken, waiterId: holder.waiterId });
}

/** Thrown inside one apply to refuse the command before anything changed. */
class Refusal {
  constructor(
    readonly code: StateErrorCode,
    readonly message: string,
  ) {}
}

/** The changes of one command, all at `revision` (= current revision + 1 until committed). */
class Change {
  readonly events: WatchEvent[] = [];
  constructor(readonly revision: number) {}
}

function cmpOp<T extends string | number>(a: T, op: Compare['op'], b: T): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
  }
}

const SNAPSHOT_FORMAT = 'raftlock-state';
const SNAPSHOT_VERSION = 1;

type KvTuple = [key: string, value: string, createRevision: number, modRevision: number, version: number, lease: string];
type EventTuple = [type: 'put' | 'delete', kv: KvTuple, prevKv: KvTuple | null];
type HolderTuple = [lease: string, waiterId: string, fencingToken: number, revision: number];
type WaiterTuple = [lease: string, waiterId: string, revision: number];

interface SnapshotDoc {
  format: string;
  version: number;
  revision: number;
  compactRevision: number;
  kvs: KvTuple[];
  leases: [id: string, ttlMs: number][];
  locks: [name: string, holder: HolderTuple, waiters: WaiterTuple[]][];
  history: [revision: number, events: EventTuple[]][];
  /** Users, roles, permissions; only present once auth was used (older snapshots lack it). */
  auth?: AuthDoc;
}

function kvToTuple(kv: KeyValue): KvTuple {
  return [kv.key, kv.value, kv.createRevision, kv.modRevision, kv.version, kv.lease];
}

/** See StateMachine.cut(). */
export interface SnapshotCut {
  readonly revision: number;
  readonly compactRevision: number;
  /** The key space at the cut. */
  readonly kvs: KvCut;
  readonly leases: SnapshotDoc['leases'];
  readonly locks: SnapshotDoc['locks'];
  /** The history's batches (never changed once recorded; their records are frozen). */
  readonly history: readonly EventBatch[];
  /** The auth table, or null when auth was never used. */
  readonly auth: AuthDoc | null;
}

function historyTuple(b: EventBatch): SnapshotDoc['history'][number] {
  return [b.revision, b.events.map((e): EventTuple => [e.type, kvToTuple(e.kv), e.prevKv ? kvToTuple(e.prevKv) : null])];
}

/** A piece of snapshot text is cut once it holds this many characters (big values). */
const SNAPSHOT_PIECE_CHARS = 1 << 20;

/**
 * The snapshot bytes of `cut`, in pieces of at most `keysPerChunk` keys (or history events), and
 * of about 1 MiB at most unless one key alone is bigger: the same JSON text as one
 * JSON.stringify of the document (same field order), so concatenated they are exactly
 * `snapshot()`. The caller decides how the pieces are spread over time.
 */
export function* snapshotChunks(cut: SnapshotCut, keysPerChunk: number): Generator<Uint8Array> {
  if (!(keysPerChunk >= 1)) throw new Error(`keysPerChunk must be at least 1, got ${keysPerChunk}`);
  let text = `{"format":${JSON.stringify(SNAPSHOT_FORMAT)},"version":${SNAPSHOT_VERSION},"revision":${cut.revision},"compactRevision":${cut.compactRevision},"kvs":[`;
  // One JSON.stringify per piece (much faster than one per key), its size estimated up front.
  const kv = cut.kvs;
  let left = kv.size;
  let piece: KvTuple[] = [];
  let chars = 0;
  let first = true;
  for (const keys of kv.keyChunks) {
    for (const rec of kv.records(keys)) {
      piece.push(kvToTuple(rec));
      chars += rec.key.length + rec.value.length;
      left--;
      if (piece.length >= keysPerChunk || chars >= SNAPSHOT_PIECE_CHARS || left === 0) {
        text += (first ? '' : ',') + JSON.stringify(piece).slice(1, -1);
        first = false;
        piece = [];
        chars = 0;
        if (left > 0) {
          yield encoder.encode(text);
          text = '';
        }
      }
    }
  }
  invariant(left === 0, () => `key-space cut of ${kv.size} keys held ${kv.size - left}`);
  text += `],"leases":${JSON.stringify(cut.leases)},"locks":${JSON.stringify(cut.locks)},"history":[`;
  // History in pieces of about keysPerChunk events (whole batches).
  let count = 0;
  for (let i = 0; i < cut.history.length; i++) {
    const b = cut.history[i]!;
    text += (i > 0 ? ',' : '') + JSON.stringify(historyTuple(b));
    count += b.events.length;
    if ((count >= keysPerChunk || text.length >= SNAPSHOT_PIECE_CHARS) && i + 1 < cut.history.length) {
      yield encoder.encode(text);
      text = '';
      count = 0;
    }
  }
  text += cut.auth === null ? ']}' : `],"auth":${JSON.stringify(cut.auth)}}`;
  yield encoder.encode(text);
}

/** One buffer holding `parts` in order. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export class StateMachine {
  readonly historyRevisions: number;
  private kv = new KvStore();
  private leaseTable = new LeaseTable();
  private lockTable = new LockTable();
  private history = new History();
  private authTable = new AuthTable();
  /** The revision of the last change; 0 before any. Invariant: history holds exactly the
   *  revisions (compactRevision, rev]. */
  private rev = 0;

  constructor(opts: StateMachineOptions = {}) {
    const h = opts.historyRevisions ?? DEFAULT_HISTORY_REVISIONS;
    if (!Number.isSafeInteger(h) || h < 1) throw new RangeError(`historyRevisions must be a positive integer, got ${h}`);
    this.historyRevisions = h;
  }

  // ---- apply ------------------------------------------------------------------------------

  /** Apply one command. A malformed or refused command yields an `{op:'error'}` result and
   *  changes nothing; apply throws only on a broken invariant (a bug). */
  apply(input: Command): ApplyOutput {
    let cmd: Command;
    try {
      cmd = validateCommand(input);
    } catch (err) {
      if (err instanceof StateError) return this.refused(new Refusal('INVALID_COMMAND', err.message));
      throw err;
    }
    return this.applyChecked(cmd);
  }

  /** Apply one command in its log encoding (encodeCommand), decoded and checked once. Bytes that
   *  are not a valid command are refused like any malformed command (`cmd` is then absent). */
  applyEncoded(bytes: Uint8Array): ApplyOutput & { cmd?: Command } {
    let cmd: Command;
    try {
      cmd = decodeCommand(bytes);
    } catch (err) {
      if (err instanceof StateError) return this.refused(new Refusal('INVALID_COMMAND', err.message));
      throw err;
    }
    const out: ApplyOutput & { cmd?: Command } = this.applyChecked(cmd);
    out.cmd = cmd;
    return out;
  }

  private applyChecked(cmd: Command): ApplyOutput {
    try {
      return this.applyValid(cmd);
    } catch (err) {
      if (err instanceof Refusal) return this.refused(err);
      throw err;
    }
  }

  private refused(r: Refusal): ApplyOutput {
    return { result: { op: 'error', revision: this.rev, code: r.code, message: r.message }, events: [] };
  }

  private applyValid(cmd: Command): ApplyOutput {
    const ch = new Change(this.rev + 1);
    let result: CommandResult;
    switch (cmd.op) {
      case 'put': {
        this.checkPuts([{ put: cmd }]);
        const prevKv = this.writeKey(ch, cmd.key, cmd.value, cmd.lease ?? '');
        result = { op: 'put', revision: ch.revision, ...(cmd.prevKv && prevKv ? { prevKv } : {}) };
        break;
      }
      case 'delete': {
        const prevKvs = this.deleteRange(ch, cmd.key, cmd.prefix === true);
        result = { op: 'delete', revision: 0, deleted: prevKvs.length, ...(cmd.prevKv ? { prevKvs } : {}) };
        break;
      }
      case 'txn':
        result = this.applyTxn(ch, cmd.compare, cmd.success, cmd.failure);
        break;
      case 'compact': {
        if (cmd.revision > this.rev) throw new Refusal('FUTURE_REVISION', `compact revision ${cmd.revision} is after the current revision ${this.rev}`);
        const current = this.history.compactRevision();
        // As etcd: compacting at or below the current point is refused (nothing to do there).
        if (cmd.revision <= current && current > 0) throw new Refusal('COMPACTED', `revision ${cmd.revision} is at or below the compaction point ${current}`);
        this.history.compact(cmd.revision);
        result = { op: 'compact', revision: 0, compactRevision: this.history.compactRevision() };
        break;
      }
      case 'leaseGrant': {
        if (this.leaseTable.has(cmd.id)) throw new Refusal('LEASE_EXISTS', `lease ${JSON.stringify(cmd.id)} already exists`);
        if (this.leaseTable.size >= HARD_LIMITS.maxLeases) throw new Refusal('TOO_MANY_REQUESTS', `at most ${HARD_LIMITS.maxLeases} leases may exist`);
        this.leaseTable.grant(cmd.id, cmd.ttlMs);
        result = { op: 'leaseGrant', revision: 0, id: cmd.id, ttlMs: cmd.ttlMs };
        break;
      }
      case 'leaseRevoke':
        result = this.revokeLease(ch, cmd.id);
        break;
      case 'lockAcquire':
        result = this.acquireLock(ch, cmd.name, cmd.lease, cmd.waiterId);
        break;
      case 'lockCancel': {
        const w = this.lockTable.cancel(cmd.name, cmd.waiterId);
        result = { op: 'lockCancel', revision: 0, canceled: w !== undefined, holder: this.lockTable.get(cmd.name)?.holder ?? null };
        break;
      }
      case 'lockRelease': {
        const match = { fencingToken: cmd.fencingToken, lease: cmd.lease };
        const h = this.lockTable.release(cmd.name, match, ch.revision);
        if (!h) {
          const holder = this.lockTable.get(cmd.name)?.holder;
          throw new Refusal(
            'NOT_HOLDER',
            holder
              ? `lock ${JSON.stringify(cmd.name)} is held by another holder (fencing token ${holder.fencingToken})`
              : `lock ${JSON.stringify(cmd.name)} is not held`,
          );
        }
        this.recordHandoff(ch, h);
        result = { op: 'lockRelease', revision: 0, released: true, holder: h.released, next: h.next };
        break;
      }
      case 'noop':
        result = { op: 'noop', revision: 0 };
        break;
      case 'asUser':
        this.authorize(cmd.user, cmd.generation, cmd.cmd);
        return this.applyValid(cmd.cmd);
      default:
        if (!AUTH_OPS.has(cmd.op)) throw new Refusal('INVALID_COMMAND', `unknown command ${JSON.stringify((cmd as { op: string }).op)}`);
        try {
          this.authTable.apply(cmd as AuthCommand);
        } catch (err) {
          if (err instanceof AuthRefusal) throw new Refusal(err.code, err.message);
          throw err;
        }
        result = { op: 'auth', revision: 0, authRevision: this.authTable.revision() };
        break;
    }
    const revision = this.commit(ch);
    // Every result carries the revision the command left the state at.
    (result as { revision: number }).revision = revision;
    return { result, events: ch.events };
  }

  /**
   * A client's command under auth: refused unless auth is off, or its user still exists at the
   * token's generation and the permissions in force now cover everything the command touches.
   */
  private authorize(user: string, generation: number, cmd: Command): void {
    const auth = this.authTable;
    if (!auth.enabled()) return;
    const u = auth.user(user);
    if (u === undefined || u.generation !== generation) {
      throw new Refusal('UNAUTHENTICATED', 'the token is no longer valid (its user was deleted or changed); authenticate again');
    }
    const need = commandNeeds(cmd, (id) => {
      const l = this.leaseTable.get(id);
      return l === undefined ? { keys: [], locks: [] } : { keys: [...l.keys], locks: this.lockTable.heldBy(id) };
    });
    if (need.root) {
      if (!auth.isRoot(user)) throw new Refusal('PERMISSION_DENIED', `user ${JSON.stringify(user)} may not run ${cmd.op}: it needs the root role`);
      return;
    }
    const denied = auth.denied(user, need.needs);
    if (denied !== undefined) {
      throw new Refusal('PERMISSION_DENIED', `user ${JSON.stringify(user)} has no ${denied.access} permission on ${denied.prefix ? 'prefix ' : ''}${JSON.stringify(denied.key)}`);
    }
  }

  /** The users, roles and permissions in force (read-only). */
  auth(): AuthView {
    return this.authTable;
  }

  /** Make `ch` the new revision if it changed anything; returns the state's revision. */
  private commit(ch: Change): number {
    if (ch.events.length === 0) return this.rev;
    invariant(ch.revision === this.rev + 1, () => `change at ${ch.revision} committed on top of ${this.rev}`);
    for (const ev of ch.events) invariant(ev.kv.modRevision === ch.revision, () => `event for ${JSON.stringify(ev.kv.key)} not at ${ch.revision}`);
    Object.freeze(ch.events);
    this.rev = ch.revision;
    this.history.append(ch.revision, ch.events);
    const floor = this.rev - this.historyRevisions;
    if (floor > this.history.compactRevision()) this.history.compact(floor);
    return this.rev;
  }

  /** Refuse, before anything changes, puts whose lease is unknown or that would exceed maxKeys. */
  private checkPuts(ops: readonly TxnOp[]): void {
    const fresh = new Set<string>();
    for (const op of ops) {
      if (!('put' in op)) continue;
      const lease = op.put.lease ?? '';
      if (lease !== '' && !this.leaseTable.has(lease)) throw new Refusal('LEASE_NOT_FOUND', `lease ${JSON.stringify(lease)} does not exist`);
      if (!this.kv.get(op.put.key)) fresh.add(op.put.key);
    }
    const userKeys = this.kv.size - this.lockTable.size;
    if (fresh.size > 0 && userKeys + fresh.size > HARD_LIMITS.maxKeys) {
      throw new Refusal('TOO_MANY_REQUESTS', `at most ${HARD_LIMITS.maxKeys} keys may exist`);
    }
  }

  // ---- key writes (the only places events are made) ---------------------------------------

  /** Put a user key; keeps the lease's key set in step. Returns the previous record. */
  private writeKey(ch: Change, key: string, value: string, lease: string): KeyValue | undefined {
    invariant(!key.startsWith(RESERVED_PREFIX), () => `user write to reserved key ${JSON.stringify(key)}`);
    const { kv, prevKv } = this.kv.put(key, value, lease, ch.revision);
    if (prevKv && prevKv.lease !== '') this.leaseTable.detachKey(prevKv.lease, key);
    if (lease !== '') this.leaseTable.attachKey(lease, key);
    ch.events.push(Object.freeze(prevKv ? { type: 'put' as const, kv, prevKv } : { type: 'put' as const, kv }));
    return prevKv;
  }

  /** Delete any existing key (user or reserved); returns the removed record. */
  private deleteKey(ch: Change, key: string): KeyValue | undefined {
    const prevKv = this.kv.delete(key);
    if (!prevKv) return undefined;
    if (prevKv.lease !== '' && !key.startsWith(RESERVED_PREFIX)) this.leaseTable.detachKey(prevKv.lease, key);
    const tombstone = makeKeyValue(key, '', 0, ch.revision, 0, '');
    ch.events.push(Object.freeze({ type: 'delete' as const, kv: tombstone, prevKv }));
    return prevKv;
  }

  /** Delete `key`, or every user key starting with it; reserved keys are never touched. */
  private deleteRange(ch: Change, key: string, prefix: boolean): KeyValue[] {
    invariant(!key.startsWith(RESERVED_PREFIX), () => `user delete in reserved space ${JSON.stringify(key)}`);
    const keys = prefix ? this.kv.keysWithPrefix(key).filter((k) => !k.startsWith(RESERVED_PREFIX)) : [key];
    const removed: KeyValue[] = [];
    for (const k of keys) {
      const prev = this.deleteKey(ch, k);
      if (prev) removed.push(prev);
    }
    return removed;
  }

  private recordHandoff(ch: Change, h: Handoff): void {
    const removed = this.deleteKey(ch, lockKey(h.name));
    invariant(removed && removed.modRevision === h.released.fencingToken, () => `lock key of ${JSON.stringify(h.name)} out of step with its holder`);
    if (h.next) this.writeLockKey(ch, h.next);
  }

  private writeLockKey(ch: Change, holder: LockHolder): void {
    invariant(holder.fencingToken === ch.revision, () => `lock ${JSON.stringify(holder.name)} granted at ${holder.fencingToken}, not at ${ch.revision}`);
    const { kv, prevKv } = this.kv.put(lockKey(holder.name), lockKeyValue(holder), holder.lease, ch.revision);
    invariant(!prevKv, () => `lock key of ${JSON.stringify(holder.name)} written while present`);
    ch.events.push(Object.freeze({ type: 'put' as const, kv }));
  }

  // ---- txn ---------------------------------------------------------------------------------

  private compareHolds(c: Compare): boolean {
    if (c.target === 'fencingToken') return cmpOp(this.lockTable.fencingToken(c.key), c.op, c.value as number);
    const kv = this.kv.get(c.key);
    switch (c.target) {
      case 'value':
        return cmpOp(kv?.value ?? '', c.op, c.value as string);
      case 'lease':
        return cmpOp(kv?.lease ?? '', c.op, c.value as string);
      case 'version':
        return cmpOp(kv?.version ?? 0, c.op, c.value as number);
      case 'createRevision':
        return cmpOp(kv?.createRevision ?? 0, c.op, c.value as number);
      case 'modRevision':
        return cmpOp(kv?.modRevision ?? 0, c.op, c.value as number);
    }
  }

  /** Ops run in order, each seeing the ones before it; all writes land at one revision. */
  private applyTxn(ch: Change, compare: Compare[], success: TxnOp[], failure: TxnOp[]): CommandResult {
    const succeeded = compare.every((c) => this.compareHolds(c));
    const ops = succeeded ? success : failure;
    this.checkPuts(ops);
    const results: TxnOpResult[] = ops.map((op): TxnOpResult => {
      if ('put' in op) {
        const prevKv = this.writeKey(ch, op.put.key, op.put.value, op.put.lease ?? '');
        return { put: { revision: ch.revision, ...(op.put.prevKv && prevKv ? { prevKv } : {}) } };
      }
      if ('get' in op) {
        if (op.get.prefix) return { get: this.kv.range(op.get.key, op.get.limit ?? 0) };
        const kv = this.kv.get(op.get.key);
        return { get: { kvs: kv ? [kv] : [], more: false, count: kv ? 1 : 0 } };
      }
      const prevKvs = this.deleteRange(ch, op.delete.key, op.delete.prefix === true);
      return { delete: { deleted: prevKvs.length, ...(op.delete.prevKv ? { prevKvs } : {}) } };
    });
    return { op: 'txn', revision: 0, succeeded, results };
  }

  // ---- leases and locks --------------------------------------------------------------------

  /** Delete the lease's keys, withdraw its waiters, release its locks (handing each to the next
   *  waiter) — all at one revision. */
  private revokeLease(ch: Change, id: string): CommandResult {
    const rec = this.leaseTable.get(id);
    if (!rec) throw new Refusal('LEASE_NOT_FOUND', `lease ${JSON.stringify(id)} does not exist`);
    const deletedKeys = [...rec.keys].sort();
    for (const k of deletedKeys) {
      const prev = this.deleteKey(ch, k);
      invariant(prev && prev.lease === id, () => `lease ${JSON.stringify(id)} listed key ${JSON.stringify(k)} it does not own`);
    }
    const removed = this.leaseTable.remove(id);
    invariant(removed.keys.size === 0, () => `lease ${JSON.stringify(id)} kept keys through its revoke`);
    const { withdrawn, handoffs } = this.lockTable.removeLease(id, ch.revision);
    const grantedLocks: LockHolder[] = [];
    for (const h of handoffs) {
      this.recordHandoff(ch, h);
      if (h.next) grantedLocks.push(h.next);
    }
    return {
      op: 'leaseRevoke',
      revision: 0,
      id,
      deletedKeys,
      releasedLocks: handoffs.map((h) => h.name),
      grantedLocks,
      withdrawnWaiters: withdrawn,
    };
  }

  private acquireLock(ch: Change, name: string, lease: string, waiterId: string): CommandResult {
    if (!this.leaseTable.has(lease)) throw new Refusal('LEASE_NOT_FOUND', `lease ${JSON.stringify(lease)} does not exist`);
    if (!this.lockTable.get(name) && this.lockTable.size >= HARD_LIMITS.maxLocks) {
      throw new Refusal('TOO_MANY_REQUESTS', `at most ${HARD_LIMITS.maxLocks} locks may exist`);
    }
    const out = this.lockTable.acquire(name, lease, waiterId, ch.revision, this.rev, HARD_LIMITS.maxWaitersPerLock);
    switch (out.kind) {
      case 'granted':
        this.writeLockKey(ch, out.holder);
        return { op: 'lockAcquire', revision: 0, granted: true, holder: out.holder, position: 0 };
      case 'already-holder':
        return { op: 'lockAcquire', revision: 0, granted: true, holder: out.holder, position: 0 };
      case 'queued':
      case 'already-queued':
        return { op: 'lockAcquire', revision: 0, granted: false, holder: out.holder, position: out.position };
      case 'queue-full':
        throw new Refusal('TOO_MANY_REQUESTS', `lock ${JSON.stringify(name)} already has ${HARD_LIMITS.maxWaitersPerLock} waiters`);
    }
  }

  // ---- reads (StateView) -------------------------------------------------------------------

  revision(): number {
    return this.rev;
  }

  compactRevision(): number {
    return this.history.compactRevision();
  }

  /** Live keys (lock keys included). */
  keyCount(): number {
    return this.kv.size;
  }

  /** The key now, or as of `revision` (see readableRevision). */
  get(key: string, revision?: number): KeyValue | undefined {
    if (revision === undefined || revision === this.rev) return this.kv.get(key);
    this.assertReadable(revision);
    const then = this.history.changedSince(revision, key, false);
    return then.has(key) ? then.get(key) : this.kv.get(key);
  }

  /** Keys starting with `prefix` in UTF-16 code unit order, from `start` (inclusive) on; `limit`
   *  <= 0 means all. With `revision`: the keys as of that revision (see readableRevision). */
  range(prefix: string, limit: number, opts: { start?: string; revision?: number } = {}): RangeResult {
    const { start, revision } = opts;
    let asOf: Map<string, KeyValue | undefined> | undefined;
    if (revision !== undefined && revision !== this.rev) {
      this.assertReadable(revision);
      asOf = this.history.changedSince(revision, prefix, true);
    }
    return this.kv.range(prefix, limit, { ...(start !== undefined ? { start } : {}), ...(asOf !== undefined ? { asOf } : {}) });
  }

  /**
   * Whether the state as of `revision` can be read: `ok`, `compacted` (below the compaction
   * point: the history that would rebuild it is gone) or `future` (after the current revision).
   * The state at the compaction point itself is readable.
   */
  readableRevision(revision: number): 'ok' | 'compacted' | 'future' {
    if (revision > this.rev) return 'future';
    if (revision < this.history.compactRevision()) return 'compacted';
    return 'ok';
  }

  private assertReadable(revision: number): void {
    const r = this.readableRevision(revision);
    if (r === 'future') throw new StateError('FUTURE_REVISION', `revision ${revision} is after the current revision ${this.rev}`);
    if (r === 'compacted') throw new StateError('COMPACTED', `revision ${revision} is below the compaction point ${this.history.compactRevision()}`);
  }

  /** Keys in [start, end) (`end` undefined: to the last key); `limit` <= 0 means all. */
  rangeBetween(start: string, end: string | undefined, limit: number): RangeResult {
    return this.kv.between(start, end, limit);
  }

  lease(id: string): LeaseView | undefined {
    const rec = this.leaseTable.get(id);
    if (!rec) return undefined;
    return { id: rec.id, ttlMs: rec.ttlMs, keys: [...rec.keys].sort(), locks: this.lockTable.heldBy(id) };
  }

  /** How many leases are live; O(1). */
  leaseCount(): number {
    return this.leaseTable.size;
  }

  /** How many locks are held and how many waiters are queued on them; O(1). */
  lockCounts(): { held: number; waiters: number } {
    return this.lockTable.counts();
  }

  /** Every lease sorted by id. */
  leases(): { id: string; ttlMs: number }[] {
    return this.leaseTable.list().map((l) => ({ id: l.id, ttlMs: l.ttlMs }));
  }

  lock(name: string): LockView | undefined {
    const rec = this.lockTable.get(name);
    return rec ? { name: rec.name, holder: rec.holder, waiters: [...rec.waiters] } : undefined;
  }

  /** Lock `name` as the table holds it, not copied: for reading at once, never for keeping. */
  lockRecord(name: string): { readonly holder: LockHolder | null; readonly waiters: readonly LockWaiter[] } | undefined {
    return this.lockTable.get(name);
  }

  /** The locks whose holder changed or that lost a queued waiter since the last call (or 'all';
   *  see LockTable.takeChanged): what a member's lock waits re-check after an apply batch. */
  takeChangedLocks(): ReadonlySet<string> | 'all' {
    return this.lockTable.takeChanged();
  }

  /** Every lock (held or waited for) sorted by name. */
  locks(): LockView[] {
    return this.lockTable.list().map((rec) => ({ name: rec.name, holder: rec.holder, waiters: [...rec.waiters] }));
  }

  /** History events at revisions >= startRevision for an exact key or a prefix; see History. */
  eventsSince(startRevision: number, key: string, prefix: boolean, maxEvents: number): EventsSinceResult {
    return this.history.eventsSince(startRevision, key, prefix, maxEvents, this.rev);
  }

  // ---- snapshots ---------------------------------------------------------------------------

  /** The whole state (history included) as canonical JSON in UTF-8. */
  snapshot(): Uint8Array {
    const cut = this.cut();
    const parts = [...snapshotChunks(cut, Number.POSITIVE_INFINITY)];
    cut.kvs.release();
    return parts.length === 1 ? parts[0]! : concatBytes(parts);
  }

  /**
   * A consistent cut of the whole state for a snapshot, taken without serializing it or even
   * listing the keys (KvStore.cut: key chunks shared copy-on-write, and the record at the cut of
   * any key changed since kept aside), so it costs little however many keys there are; leases,
   * locks and history — small, and mutable — are copied as tuples now. `snapshotChunks` turns
   * the cut into exactly the bytes `snapshot()` returns, a slice of keys at a time, so a large
   * state need not be encoded in one go. Release `kvs` once done: until then the store keeps the
   * old record of every key that changes.
   */
  cut(): SnapshotCut {
    return {
      revision: this.rev,
      compactRevision: this.history.compactRevision(),
      kvs: this.kv.cut(),
      leases: this.leaseTable.list().map((l) => [l.id, l.ttlMs]),
      locks: this.lockTable.list().map((rec) => {
        const h = rec.holder;
        invariant(h, () => `lock ${JSON.stringify(rec.name)} without holder at snapshot`);
        return [rec.name, [h.lease, h.waiterId, h.fencingToken, h.revision], rec.waiters.map((w): WaiterTuple => [w.lease, w.waiterId, w.revision])];
      }),
      history: [...this.history.batches()],
      auth: this.authTable.used ? this.authTable.toDoc() : null,
    };
  }

  /** A new state machine from `snapshot()` bytes. Throws an Error naming the defect when the
   *  bytes are not a consistent snapshot. */
  static restore(bytes: Uint8Array, opts: StateMachineOptions = {}): StateMachine {
    const sm = new StateMachine(opts);
    sm.load(bytes);
    return sm;
  }

  /** Replace this machine's state with a snapshot's, in place (all or nothing). */
  restore(bytes: Uint8Array): void {
    const fresh = StateMachine.restore(bytes, { historyRevisions: this.historyRevisions });
    this.kv = fresh.kv;
    this.leaseTable = fresh.leaseTable;
    this.lockTable = fresh.lockTable;
    this.history = fresh.history;
    this.authTable = fresh.authTable;
    this.rev = fresh.rev;
  }

  /** A new state machine from a snapshot document already parsed (see SnapshotReader), checked
   *  as restore() checks the bytes. */
  static restoreDoc(doc: unknown, opts: StateMachineOptions = {}): StateMachine {
    const sm = new StateMachine(opts);
    sm.loadDoc(doc as SnapshotDoc);
    return sm;
  }

  /**
   * The same, a step at a time: `steps` loads a few thousand keys (or history revisions) per
   * step and throws as restoreDoc does; `sm` is the machine once every step has run.
   */
  static restoreDocSteps(doc: unknown, opts: StateMachineOptions = {}): { sm: StateMachine; steps: Generator<void> } {
    const sm = new StateMachine(opts);
    return { sm, steps: sm.loadSteps(doc as SnapshotDoc) };
  }

  private load(bytes: Uint8Array): void {
    let doc: SnapshotDoc;
    try {
      doc = JSON.parse(decoder.decode(bytes)) as SnapshotDoc;
    } catch (err) {
      throw new Error(`invalid state snapshot: not UTF-8 JSON (${(err as Error).message})`);
    }
    this.loadDoc(doc);
  }

  private loadDoc(doc: SnapshotDoc): void {
    for (const _ of this.loadSteps(doc));
  }

  private *loadSteps(doc: SnapshotDoc): Generator<void> {
    const bad = (what: string): never => {
      throw new Error(`invalid state snapshot: ${what}`);
    };
    if (typeof doc !== 'object' || doc === null || doc.format !== SNAPSHOT_FORMAT) bad('unknown format');
    if (doc.version !== SNAPSHOT_VERSION) bad(`unsupported version ${String(doc.version)}`);
    const isInt = (x: unknown, min = 0): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
    const isStr = (x: unknown): x is string => typeof x === 'string';
    if (!isInt(doc.revision) || !isInt(doc.compactRevision) || doc.compactRevision > doc.revision) bad('bad revision or compactRevision');
    for (const arr of ['kvs', 'leases', 'locks', 'history'] as const) if (!Array.isArray(doc[arr])) bad(`${arr} is not an array`);
    // `where` names the record for an error; a function, so the hot loops build no strings.
    const toKv = (t: unknown, where: () => string): KeyValue => {
      if (!Array.isArray(t) || t.length !== 6) return bad(`${where()}: key-value is not a 6-tuple`);
      const [key, value, c, m, v, lease] = t as unknown[];
      if (!isStr(key) || !isStr(value) || !isInt(c) || !isInt(m) || !isInt(v) || !isStr(lease)) return bad(`${where()}: malformed key-value`);
      return makeKeyValue(key, value, c, m, v, lease);
    };

    this.rev = doc.revision;
    // Leases first, so the one pass over the keys can attach them.
    for (const [i, t] of doc.leases.entries()) {
      if (!Array.isArray(t) || !isStr(t[0]) || t[0] === '' || !isInt(t[1], 1)) bad(`leases[${i}]: malformed`);
      if (this.leaseTable.has(t[0])) bad(`leases[${i}]: duplicate id`);
      this.leaseTable.grant(t[0], t[1]);
    }
    let lockKeys = 0;
    const kvs = doc.kvs;
    for (let i = 0; i < kvs.length; i++) {
      const kv = toKv(kvs[i], () => `kvs[${i}]`);
      if (kv.version < 1 || kv.createRevision < 1 || kv.createRevision > kv.modRevision || kv.modRevision > doc.revision) bad(`kvs[${i}]: revisions out of range`);
      if (i > 0 && !(kvs[i - 1]![0] < kv.key)) bad(`kvs[${i}]: keys not strictly sorted`);
      this.kv.load(kv);
      if ((i & 2047) === 2047) yield;
      if (kv.key.startsWith(RESERVED_PREFIX)) {
        lockKeys++;
      } else if (kv.lease !== '') {
        if (!this.leaseTable.has(kv.lease)) bad(`key ${JSON.stringify(kv.key)} attached to missing lease ${JSON.stringify(kv.lease)}`);
        this.leaseTable.attachKey(kv.lease, kv.key);
      }
    }
    for (const [i, t] of doc.locks.entries()) {
      if (!Array.isArray(t) || t.length !== 3 || !isStr(t[0]) || !Array.isArray(t[1]) || !Array.isArray(t[2])) bad(`locks[${i}]: malformed`);
      const [name, ht, wts] = t;
      const [hl, hw, hf, hr] = ht as unknown[];
      if (!isStr(hl) || !isStr(hw) || !isInt(hf, 1) || !isInt(hr, 1) || hf !== hr) bad(`locks[${i}]: malformed holder`);
      const holder: LockHolder = { name, lease: hl as string, waiterId: hw as string, fencingToken: hf as number, revision: hr as number };
      const waiters: LockWaiter[] = wts.map((w, j) => {
        if (!Array.isArray(w) || !isStr(w[0]) || !isStr(w[1]) || !isInt(w[2])) return bad(`locks[${i}].waiters[${j}]: malformed`);
        return { name, lease: w[0], waiterId: w[1], revision: w[2] };
      });
      for (const l of [holder.lease, ...waiters.map((w) => w.lease)]) {
        if (!this.leaseTable.has(l)) bad(`lock ${JSON.stringify(name)} refers to missing lease ${JSON.stringify(l)}`);
      }
      const kv = this.kv.get(lockKey(name));
      if (!kv || kv.value !== lockKeyValue(holder) || kv.modRevision !== holder.fencingToken || kv.lease !== holder.lease) {
        bad(`lock ${JSON.stringify(name)} does not match its reserved key`);
      }
      this.lockTable.load(name, holder, waiters);
    }
    if (lockKeys !== this.lockTable.size) bad(`${lockKeys} reserved keys for ${this.lockTable.size} locks`);

    this.history.resetCompactRevision(doc.compactRevision);
    if (doc.history.length !== doc.revision - doc.compactRevision) bad('history does not hold exactly the revisions after the compaction point');
    for (const [i, t] of doc.history.entries()) {
      if (!Array.isArray(t) || t.length !== 2 || t[0] !== doc.compactRevision + i + 1 || !Array.isArray(t[1]) || t[1].length === 0) {
        bad(`history[${i}]: malformed or out of order`);
      }
      const events = t[1].map((e, j): WatchEvent => {
        const where = (): string => `history[${i}].events[${j}]`;
        if (!Array.isArray(e) || e.length !== 3 || (e[0] !== 'put' && e[0] !== 'delete')) return bad(`${where()}: malformed`);
        const kv = toKv(e[1], where);
        if (kv.modRevision !== t[0]) bad(`${where()}: not at its revision`);
        return Object.freeze(e[2] === null ? { type: e[0], kv } : { type: e[0], kv, prevKv: toKv(e[2], where) });
      });
      this.history.append(t[0], Object.freeze(events) as WatchEvent[]);
      if ((i & 1023) === 1023) yield;
    }
    if (doc.auth !== undefined) this.authTable = AuthTable.fromDoc(doc.auth);
  }
}
