// etcd names a set of keys by [key, range_end) in bytes: no range_end is one key, a range_end
// that is the key's prefix end is a prefix, "\0" is "from key on". raftlock's state answers the
// same as one key, a prefix, or a span between two string keys.

import type { KeyValue } from '../state/commands.js';
import type { StateView } from '../api/server-facade.js';
import { ETCD_ERRORS } from './errors.js';
import { textOf } from './codec.js';

export type KeyRange =
  | { kind: 'key'; key: string }
  | { kind: 'prefix'; prefix: string }
  /** [start, end); end undefined: every key from start on. */
  | { kind: 'span'; start: string; end: string | undefined };

/** etcd's prefix end of `key` in bytes: the last byte below 0xff incremented, the rest cut. */
function bytesPrefixEnd(key: Uint8Array): Uint8Array | undefined {
  for (let i = key.length - 1; i >= 0; i--) {
    if (key[i]! < 0xff) {
      const end = Uint8Array.from(key.subarray(0, i + 1));
      end[i]!++;
      return end;
    }
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function parseKeyRange(key: Uint8Array | undefined, rangeEnd: Uint8Array | undefined, maxKeyBytes: number): KeyRange {
  const k = key ?? new Uint8Array(0);
  const e = rangeEnd ?? new Uint8Array(0);
  if (k.length === 0) throw ETCD_ERRORS.emptyKey;
  if (k.length > maxKeyBytes || e.length > maxKeyBytes) throw ETCD_ERRORS.requestTooLarge;
  if (e.length === 0) return { kind: 'key', key: textOf(k, 'key') };
  if (e.length === 1 && e[0] === 0) {
    // "\0" alone as the key too: every key.
    if (k.length === 1 && k[0] === 0) return { kind: 'prefix', prefix: '' };
    return { kind: 'span', start: textOf(k, 'key'), end: undefined };
  }
  const pe = bytesPrefixEnd(k);
  if (pe && sameBytes(pe, e)) return { kind: 'prefix', prefix: textOf(k, 'key') };
  return { kind: 'span', start: textOf(k, 'key'), end: textOf(e, 'range end') };
}

export function inRange(r: KeyRange, key: string): boolean {
  switch (r.kind) {
    case 'key':
      return key === r.key;
    case 'prefix':
      return key.startsWith(r.prefix);
    case 'span':
      return key >= r.start && (r.end === undefined || key < r.end);
  }
}

/** The widest (exact key or prefix) selection that covers `r`: what a watch or a txn read of
 *  raftlock's state can ask for; the rest is filtered with inRange. */
export function coveringSelection(r: KeyRange): { key: string; prefix: boolean } {
  if (r.kind === 'key') return { key: r.key, prefix: false };
  if (r.kind === 'prefix') return { key: r.prefix, prefix: true };
  if (r.end === undefined) return { key: '', prefix: true };
  let i = 0;
  while (i < r.start.length && i < r.end.length && r.start[i] === r.end[i]) i++;
  return { key: r.start.slice(0, i), prefix: true };
}

export interface RangeRead {
  kvs: KeyValue[];
  /** Keys in the range (before `limit`). */
  count: number;
}

/** Current keys in `r`, the first `limit` of them (limit <= 0: all). */
export function readNow(view: StateView, r: KeyRange, limit: number): RangeRead {
  if (r.kind === 'key') {
    const kv = view.get(r.key);
    return { kvs: kv ? [kv] : [], count: kv ? 1 : 0 };
  }
  const res = r.kind === 'prefix' ? view.range(r.prefix, limit) : view.rangeBetween(r.start, r.end, limit);
  return { kvs: res.kvs, count: res.count };
}

/**
 * The keys of `r` as they were at `revision`: today's keys with every change made after
 * `revision` undone from the retained history (each event carries the record it replaced).
 */
export function readAt(view: StateView, r: KeyRange, revision: number, limit: number): RangeRead {
  const current = view.revision();
  if (revision > current) throw ETCD_ERRORS.futureRev;
  if (revision === current) return readNow(view, r, limit);
  if (revision < view.compactRevision()) throw ETCD_ERRORS.compacted;
  const sel = coveringSelection(r);
  const hist = view.eventsSince(revision + 1, sel.key, sel.prefix, Number.MAX_SAFE_INTEGER);
  if (hist.compacted) throw ETCD_ERRORS.compacted;
  // The first change after `revision` to a key tells what the key was at `revision`.
  const then = new Map<string, KeyValue | null>();
  for (const b of hist.batches) {
    for (const ev of b.events) {
      const key = ev.kv.key;
      if (then.has(key) || !inRange(r, key)) continue;
      then.set(key, ev.type === 'put' && ev.prevKv === undefined ? null : (ev.prevKv ?? null));
    }
  }
  if (then.size === 0) return readNow(view, r, limit);
  const now = readNow(view, r, limit > 0 ? limit + then.size : 0);
  let count = now.count;
  for (const [key, kv] of then) count += (kv ? 1 : 0) - (view.get(key) ? 1 : 0);
  const merged = now.kvs.filter((kv) => !then.has(kv.key));
  for (const kv of then.values()) if (kv) merged.push(kv);
  merged.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // At most then.size keys left the fetched window, so its first `limit` survivors and every
  // key restored from history cover the first `limit` keys at `revision`.
  const kvs = limit > 0 ? merged.slice(0, limit) : merged;
  return { kvs, count };
}
