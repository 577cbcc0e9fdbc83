// What the driver needs from the world, declared here (the consumer) and implemented by
// storage/, transport/ and cmd/. The driver never constructs concrete I/O itself.

import type { Entry, HardState, Message, Snapshot } from '../raft/types.js';

/** The durable home of the Raft log, hard state and snapshots. */
export interface DurableLog {
  load(): Promise<{ hardState: HardState | null; snapshot: Snapshot | null; entries: Entry[] }>;
  /** One write batch: entries (replacing any stored suffix from the first one on), hard state
   *  and snapshot; synced when `sync`. */
  save(batch: { hardState?: HardState; entries: Entry[]; snapshot?: Snapshot }, sync: boolean): Promise<void>;
  /** Store a snapshot and drop the entries it covers; false when a newer one overtook it. */
  saveSnapshot(snap: Snapshot): Promise<boolean>;
  stats?(): { entries: number; bytes: number; firstIndex: number; lastIndex: number };
}

/** Peer messaging. `send` never blocks; `request` is a small RPC to one peer. */
export interface PeerLink {
  send(msgs: Message[]): void;
  request(to: number, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  setPeer(id: number, url: string): void;
  removePeer(id: number): void;
}

export interface Cancelable {
  cancel(): void;
}

/** Time, injected: the real one in cmd/, a fake one in tests. */
export interface Clock {
  /** Milliseconds, monotonic enough for lease timing. */
  now(): number;
  every(ms: number, fn: () => void): Cancelable;
  after(ms: number, fn: () => void): Cancelable;
  /** Run `fn` once the work queued now has run, without waiting for time to pass (the real
   *  clock: setImmediate; the simulator: an event at the current instant). */
  defer(fn: () => void): void;
}

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** Hooks the driver calls so metrics stay outside it (all optional). */
export interface NodeMetrics {
  term?(term: number): void;
  role?(isLeader: boolean, hasLeader: boolean): void;
  electionStarted?(): void;
  electionWon?(): void;
  leaderChanged?(): void;
  proposalCommitted?(seconds: number): void;
  proposalApplied?(n: number): void;
  proposalFailed?(code: string): void;
  proposalsPending?(n: number): void;
  applySeconds?(seconds: number): void;
  storageSyncSeconds?(seconds: number): void;
  readIndexSeconds?(seconds: number): void;
  snapshotTaken?(seconds: number, bytes: number): void;
  logSize?(entries: number, bytes: number, firstIndex: number, lastIndex: number): void;
  leases?(count: number): void;
  leaseGranted?(): void;
  leaseRevoked?(reason: 'revoke' | 'expire'): void;
  locks?(held: number, waiters: number): void;
  watchers?(n: number): void;
}
