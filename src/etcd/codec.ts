// Conversions between etcd's wire (bytes, int64 lease ids, uint64 member ids) and raftlock's
// state (UTF-8 string keys and values, string lease ids).

import { createHash, randomBytes } from 'node:crypto';
import type { KeyValue, WatchEvent } from '../state/commands.js';
import { EtcdError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes from the wire as a string; raftlock keeps keys and values as UTF-8 text. */
export function textOf(b: Uint8Array | undefined, what: string): string {
  if (!b || b.length === 0) return '';
  try {
    return utf8.decode(b);
  } catch {
    throw new EtcdError('INVALID_ARGUMENT', `etcdserver: raftlock stores ${what}s as UTF-8 text; this ${what} is not valid UTF-8`);
  }
}

export function bytesOf(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

// ---- lease ids ----------------------------------------------------------------------------
// An etcd lease id is an int64. raftlock's id of the same lease is its 16 lowercase hex digits
// (as /v1/leases generates them), so a lease granted either way is the same lease on both APIs.
// Leases whose raftlock id is not 16 hex digits (named by a REST client) have no etcd id.

const HEX16 = /^[0-9a-f]{16}$/;

/** The raftlock id of etcd lease `id` ('' for 0: no lease). */
export function leaseIdFromEtcd(id: string | number | bigint | undefined): string {
  const v = BigInt(id ?? 0);
  if (v === 0n) return '';
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** The etcd id (decimal int64) of raftlock lease `id`, or '0' when it has none. */
export function leaseIdToEtcd(id: string): string {
  if (!HEX16.test(id)) return '0';
  return BigInt.asIntN(64, BigInt(`0x${id}`)).toString();
}

/** A fresh lease id that is a positive int64, as etcd grants them. */
export function newEtcdLeaseId(): string {
  let v = 0n;
  while (v === 0n) v = BigInt.asUintN(63, randomBytes(8).readBigUInt64BE());
  return v.toString(16).padStart(16, '0');
}

/** etcd's cluster id: a uint64 derived from the cluster token (decimal string). */
export function clusterIdFor(clusterToken: string): string {
  return createHash('sha256').update(`raftlock-cluster:${clusterToken}`).digest().readBigUInt64BE().toString();
}

// ---- records ------------------------------------------------------------------------------

export interface PbKeyValue {
  key: Buffer;
  create_revision: number;
  mod_revision: number;
  version: number;
  value: Buffer;
  lease: string;
}

export function kvToPb(kv: KeyValue, keysOnly = false): PbKeyValue {
  return {
    key: bytesOf(kv.key),
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: keysOnly ? Buffer.alloc(0) : bytesOf(kv.value),
    lease: kv.lease === '' ? '0' : leaseIdToEtcd(kv.lease),
  };
}

export interface PbEvent {
  type: 'PUT' | 'DELETE';
  kv: PbKeyValue;
  prev_kv?: PbKeyValue;
}

export function eventToPb(ev: WatchEvent, withPrev: boolean): PbEvent {
  const out: PbEvent = { type: ev.type === 'put' ? 'PUT' : 'DELETE', kv: kvToPb(ev.kv) };
  if (withPrev && ev.prevKv) out.prev_kv = kvToPb(ev.prevKv);
  return out;
}

/** A proto int64/uint64 field (a decimal string with `longs: String`) as a JS number. */
export function int64(v: string | number | undefined, what: string): number {
  const n = Number(v ?? 0);
  if (!Number.isSafeInteger(n)) throw new EtcdError('INVALID_ARGUMENT', `etcdserver: ${what} out of range`);
  return n;
}
