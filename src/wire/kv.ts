// Keys, values, transactions and watch events as the API carries them in JSON (docs/api.md).
// The state machine has its own types (src/state/commands.ts); src/api/wire.ts builds these
// shapes from them, and the compiler checks there that the two agree.

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
  /** Number of puts since the key was (re)created; 1 after the first put. */
  version: number;
  /** Lease id ("" when none). */
  lease: string;
}

export type CompareTarget = 'value' | 'version' | 'createRevision' | 'modRevision' | 'lease' | 'fencingToken';
export type CompareOp = '=' | '!=' | '<' | '>';

export interface Compare {
  /** For target `fencingToken`, `key` is a lock name and the compare is against that lock's
   *  current holder's token (0 when the lock is free). */
  key: string;
  target: CompareTarget;
  op: CompareOp;
  /** string for `value`/`lease`, number for the others. */
  value: string | number;
}

export type TxnOp =
  | { put: { key: string; value: string; lease?: string; prevKv?: boolean } }
  | { get: { key: string; prefix?: boolean; limit?: number } }
  | { delete: { key: string; prefix?: boolean; prevKv?: boolean } };

export type TxnOpResult =
  | { put: { revision: number; prevKv?: KeyValue } }
  | { get: { kvs: KeyValue[]; more: boolean; count: number } }
  | { delete: { deleted: number; prevKvs?: KeyValue[] } };

export type EventType = 'put' | 'delete';

export interface WatchEvent {
  type: EventType;
  kv: KeyValue;
  prevKv?: KeyValue;
}
