// What the chaos workload records. Times are milliseconds on one monotonic clock
// (performance.now() of the test process), so invocations and completions of different clients
// can be compared: operation A precedes B in real time iff A.completeMs < B.invokeMs.

/** ok: the member answered and the answer is the operation's result. fail: the operation did
 *  not take effect (a 4xx refusal, or PROPOSAL_LOST). unknown: it may or may not have taken
 *  effect, at any time after its invocation (timeouts, 504 TIMEOUT, other 5xx, broken
 *  connections). */
export type Outcome = 'ok' | 'fail' | 'unknown';

/** One operation on a single-key register. */
export interface KvOp {
  id: number;
  client: string;
  key: string;
  kind: 'read' | 'write' | 'cas';
  /** write: the value written; cas: the value put when the compare holds. Unique per write. */
  value?: string;
  /** cas: the value the register must hold for the put to happen (never ""). */
  expect?: string;
  invokeMs: number;
  /** Undefined when the outcome is unknown (the op may take effect at any later time). */
  completeMs?: number;
  outcome: Outcome;
  /** read ok: the value read, null for a missing key. */
  read?: string | null;
  /** cas ok: whether the compare held (and the put happened). */
  succeeded?: boolean;
  /** write/cas ok: the revision the member reported. */
  revision?: number;
  /** Member the request went to. */
  member?: string;
  /** Why the outcome is fail/unknown. */
  error?: string;
}

/** A write of a key that is written exactly once (for durability and watch checks). */
export interface WriteRecord {
  key: string;
  value: string;
  outcome: Outcome;
  /** Known when outcome is ok. */
  revision?: number;
  invokeMs: number;
  completeMs?: number;
}

/** A granted lock acquisition (the answer carried a fencing token). */
export interface LockGrant {
  lock: string;
  client: string;
  token: number;
  lease: string;
  ttlSeconds: number;
  /** When the acquire request was sent / answered. */
  invokeMs: number;
  ackMs: number;
  /** When the holder sent its release (undefined if it never tried). */
  releaseInvokeMs?: number;
  releaseOutcome?: Outcome;
}

/** One write to the guarded resource. */
export interface ResourceAccess {
  lock: string;
  client: string;
  token: number;
  /** The interval the access took (the resource is in-process: start and end are close). */
  startMs: number;
  endMs: number;
  accepted: boolean;
  /** The highest token the resource had seen before this access. */
  highestBefore: number;
}

/** One event a watcher received. */
export interface WatchEventRecord {
  revision: number;
  key: string;
  type: 'put' | 'delete';
  value: string;
  /** Member the socket was connected to. */
  member: string;
  atMs: number;
}

export interface WatcherRecord {
  name: string;
  /** The revision the watcher asked to start from at its first connection. */
  startRevision: number;
  events: WatchEventRecord[];
  reconnects: number;
  /** Canceled with a compaction revision: the stream has a gap the server announced. */
  compactedAt?: number;
}

/** One anomaly found by a checker. */
export interface Anomaly {
  checker: 'linearizability' | 'lock' | 'watch' | 'durability' | 'liveness';
  kind: string;
  message: string;
  /** The smallest part of the history that shows it, one line per event. */
  slice: string[];
}

export function fmtMs(ms: number | undefined): string {
  return ms === undefined || !Number.isFinite(ms) ? '?' : ms.toFixed(1);
}

export function fmtKvOp(op: KvOp): string {
  const span = `[${fmtMs(op.invokeMs)} .. ${op.outcome === 'unknown' ? '?' : fmtMs(op.completeMs)}]`;
  let what: string;
  switch (op.kind) {
    case 'read':
      what = `read ${op.key} -> ${op.outcome === 'ok' ? JSON.stringify(op.read) : op.outcome}`;
      break;
    case 'write':
      what = `write ${op.key} := ${JSON.stringify(op.value)} -> ${op.outcome}${op.revision !== undefined ? ` rev ${op.revision}` : ''}`;
      break;
    case 'cas':
      what = `cas ${op.key} ${JSON.stringify(op.expect)} -> ${JSON.stringify(op.value)} -> ${op.outcome === 'ok' ? (op.succeeded ? 'succeeded' : 'compare failed') : op.outcome}${op.revision !== undefined ? ` rev ${op.revision}` : ''}`;
      break;
  }
  return `#${op.id} ${op.client}${op.member ? `@${op.member}` : ''} ${span} ${what}${op.error ? ` (${op.error})` : ''}`;
}
