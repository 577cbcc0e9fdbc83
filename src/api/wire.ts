// JSON shapes sent to clients, built from state types. Copying field by field keeps internal
// fields (e.g. a lock waiter's id) out of responses and fixes the public contract in one place.

// The shapes themselves are the wire contract in src/wire, shared with the SDK.

import type { CommandResult, KeyValue, LockHolder, LockWaiter, WatchEvent } from '../state/commands.js';
import type { KeyValue as KeyValueJson, LockHolderInfo as LockHolderJson, LockWaiterInfo as LockWaiterJson, WatchEvent as WatchEventJson } from '../wire/index.js';
import { CodedError, type ErrorCode } from './errors.js';
import { invariant } from '../invariant/index.js';

export type { KeyValueJson, LockHolderJson, LockWaiterJson, WatchEventJson };

/** The state's KeyValue and the wire's have the same fields (a state field the wire lacks, or the
 *  other way round, fails to compile here). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const kvShapesAgree: Same<KeyValue, KeyValueJson> = true;
const eventShapesAgree: Same<WatchEvent, WatchEventJson> = true;
void kvShapesAgree;
void eventShapesAgree;

export function kvJson(kv: KeyValue): KeyValueJson {
  return {
    key: kv.key,
    value: kv.value,
    createRevision: kv.createRevision,
    modRevision: kv.modRevision,
    version: kv.version,
    lease: kv.lease,
  };
}

export function holderJson(h: LockHolder | null | undefined): LockHolderJson | null {
  if (!h) return null;
  return { name: h.name, lease: h.lease, fencingToken: h.fencingToken, revision: h.revision };
}

export function waiterJson(w: LockWaiter): LockWaiterJson {
  return { lease: w.lease, revision: w.revision };
}

/** JSON text of a KeyValue, computed once per object: one applied change fans out to many
 *  watchers, and serializing it again for each of them was the cost of a large fan-out. */
const kvText = new WeakMap<KeyValue, string>();
function kvJsonText(kv: KeyValue): string {
  let t = kvText.get(kv);
  if (t === undefined) {
    t = JSON.stringify(kvJson(kv));
    kvText.set(kv, t);
  }
  return t;
}

/** `JSON.stringify(eventJson(ev, withPrevKv))`, with the KeyValue texts shared across watchers. */
export function eventJsonText(ev: WatchEvent, withPrevKv: boolean): string {
  const prev = withPrevKv && ev.prevKv ? `,"prevKv":${kvJsonText(ev.prevKv)}` : '';
  return `{"type":${JSON.stringify(ev.type)},"kv":${kvJsonText(ev.kv)}${prev}}`;
}

export function eventJson(ev: WatchEvent, withPrevKv: boolean): WatchEventJson {
  const out: WatchEventJson = { type: ev.type, kv: kvJson(ev.kv) };
  if (withPrevKv && ev.prevKv) out.prevKv = kvJson(ev.prevKv);
  return out;
}

/** The result of a proposal, narrowed to the op we proposed. A refusal by apply becomes its coded
 *  error, with the fields `details` gives for its code (the ones docs/api.md lists for it); a
 *  result for a different op is a broken contract and fails loudly. */
export function expectResult<K extends CommandResult['op']>(
  result: CommandResult,
  op: K,
  details?: Partial<Record<ErrorCode, Record<string, unknown>>>,
): Extract<CommandResult, { op: K }> {
  if (result.op === 'error') {
    throw new CodedError(result.code, result.message, { details: { revision: result.revision, ...(details?.[result.code] ?? {}) } });
  }
  invariant(result.op === op, () => `proposed a "${op}" command but its result is for "${result.op}"`);
  return result as Extract<CommandResult, { op: K }>;
}
