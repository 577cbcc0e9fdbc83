// What the member simulation checks after a run (and, for Raft's properties, while it runs):
//   kv-linearizable   every key's history of puts, deletes, reads and compare-and-set
//                     transactions has a linearization (Wing & Gong's search, memoised);
//   lock-exclusion    no two clients believed they held the same lock at once, where a client
//                     believes it holds a lock from learning of its grant until it sends the
//                     release, or until (the send time of its last acknowledged keepalive) + TTL
//                     — the rule docs/api.md gives clients — and fencing tokens rise strictly;
//   watch-complete    every watcher saw every revision of its prefix exactly once, in order,
//                     across reconnects, and caught up with the final revision;
//   state-machine-safety, election-safety, convergence: Raft's properties on the real members.

export class CheckFailure extends Error {
  constructor(
    readonly check: string,
    message: string,
  ) {
    super(`${check}: ${message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// KV linearizability

export type KvOp =
  | { kind: 'write'; value: string | null }
  | { kind: 'read'; value: string | null }
  | { kind: 'cas'; expect: string; value: string; succeeded?: boolean };

export interface KvRecord {
  client: number;
  key: string;
  op: KvOp;
  invoke: number;
  /** Infinity when the outcome is unknown (it may take effect at any later time, or never). */
  complete: number;
}

/** At most this many search states per key before the checker gives up (counted, not failed). */
const MAX_STATES = 200_000;

export function checkKvLinearizable(history: KvRecord[]): { keys: number; ops: number; gaveUp: number } {
  const byKey = new Map<string, KvRecord[]>();
  for (const r of history) {
    let xs = byKey.get(r.key);
    if (!xs) {
      xs = [];
      byKey.set(r.key, xs);
    }
    xs.push(r);
  }
  let gaveUp = 0;
  for (const [key, ops] of byKey) {
    const res = linearizable(ops);
    if (res === 'gave-up') gaveUp++;
    else if (!res) throw new CheckFailure('kv-linearizable', `no linearization of key ${key}:\n${ops.map(describeKv).join('\n')}`);
  }
  return { keys: byKey.size, ops: history.length, gaveUp };
}

function describeKv(r: KvRecord): string {
  const o = r.op;
  const what = o.kind === 'cas' ? `cas ${o.expect}->${o.value} ${o.succeeded === undefined ? '?' : o.succeeded ? 'ok' : 'failed'}` : `${o.kind} ${o.value}`;
  return `  c${r.client} [${r.invoke}, ${r.complete === Infinity ? '?' : r.complete}] ${what}`;
}

function linearizable(ops: KvRecord[]): boolean | 'gave-up' {
  const n = ops.length;
  const sorted = [...ops].sort((a, b) => a.invoke - b.invoke);
  const required = sorted.map((o) => o.complete !== Infinity);
  const seen = new Set<string>();
  let states = 0;
  const done = new Uint8Array(n);
  const search = (value: string | null, left: number): boolean | 'gave-up' => {
    if (left === 0) return true;
    const key = `${value}\u0000${done.join('')}`;
    if (seen.has(key)) return false;
    seen.add(key);
    if (++states > MAX_STATES) return 'gave-up';
    let horizon = Infinity;
    for (let i = 0; i < n; i++) if (!done[i] && sorted[i]!.complete < horizon) horizon = sorted[i]!.complete;
    for (let i = 0; i < n; i++) {
      if (done[i]) continue;
      const r = sorted[i]!;
      if (r.invoke > horizon) break;
      const o = r.op;
      let next: string | null;
      if (o.kind === 'read') {
        if (o.value !== value) continue;
        next = value;
      } else if (o.kind === 'write') {
        next = o.value;
      } else {
        const hit = value === o.expect;
        if (o.succeeded !== undefined && o.succeeded !== hit) continue;
        next = hit ? o.value : value;
      }
      done[i] = 1;
      const res = search(next, left - (required[i] ? 1 : 0));
      done[i] = 0;
      if (res !== false) return res;
    }
    return false;
  };
  return search(null, required.filter(Boolean).length);
}

// ---------------------------------------------------------------------------------------------
// Locks

export interface HoldRecord {
  client: number;
  lock: string;
  lease: string;
  fencingToken: number;
  /** When the client learnt of its grant. */
  start: number;
  /** When it stopped believing it holds the lock (release sent, or its lease rule ran out). */
  end: number;
}

export function checkLocks(holds: HoldRecord[]): { holds: number } {
  const byLock = new Map<string, HoldRecord[]>();
  let counted = 0;
  for (const h of holds) {
    if (h.end <= h.start) continue; // learnt of the grant only after its lease could be gone
    counted++;
    let xs = byLock.get(h.lock);
    if (!xs) {
      xs = [];
      byLock.set(h.lock, xs);
    }
    xs.push(h);
  }
  for (const [lock, xs] of byLock) {
    xs.sort((a, b) => a.start - b.start || a.end - b.end);
    for (let i = 1; i < xs.length; i++) {
      const a = xs[i - 1]!;
      const b = xs[i]!;
      if (b.start < a.end) {
        throw new CheckFailure('lock-exclusion', `lock ${lock}: c${a.client} (lease ${a.lease}, token ${a.fencingToken}) held [${a.start}, ${a.end}) and c${b.client} (lease ${b.lease}, token ${b.fencingToken}) from ${b.start}`);
      }
      // The same grant seen again (an acquire by the lease that already holds it) keeps its token.
      const sameGrant = b.fencingToken === a.fencingToken && b.lease === a.lease;
      if (b.fencingToken <= a.fencingToken && !sameGrant) {
        throw new CheckFailure('lock-exclusion', `lock ${lock}: fencing token ${b.fencingToken} (c${b.client} from ${b.start}) does not exceed ${a.fencingToken} (c${a.client} until ${a.end})`);
      }
    }
  }
  return { holds: counted };
}

// ---------------------------------------------------------------------------------------------
// Watches

export interface WatchBatch {
  revision: number;
  /** "type key=value" per event, in order. */
  events: string[];
}

export interface WatchRecord {
  client: number;
  prefix: string;
  /** The first revision asked for. */
  from: number;
  batches: WatchBatch[];
  reconnects: number;
}

/** `truth`: the prefix's batches as the committed log produced them, in revision order. */
export function checkWatch(w: WatchRecord, truth: WatchBatch[], finalRevision: number): void {
  let j = truth.findIndex((b) => b.revision >= w.from);
  if (j < 0) j = truth.length;
  let last = 0;
  for (const b of w.batches) {
    if (b.revision <= last) throw new CheckFailure('watch-complete', `watcher c${w.client} got revision ${b.revision} after ${last} (duplicate or out of order)`);
    const t = truth[j];
    if (t === undefined || t.revision !== b.revision) {
      throw new CheckFailure('watch-complete', `watcher c${w.client} got revision ${b.revision} where the log has ${t === undefined ? 'nothing more' : `revision ${t.revision} next`} (a gap or an invented revision)`);
    }
    if (t.events.join('|') !== b.events.join('|')) {
      throw new CheckFailure('watch-complete', `watcher c${w.client} revision ${b.revision}: got ${b.events.join(', ')}, the log has ${t.events.join(', ')}`);
    }
    last = b.revision;
    j++;
  }
  const missing = truth.slice(j).filter((t) => t.revision <= finalRevision);
  if (missing.length > 0) {
    throw new CheckFailure('watch-complete', `watcher c${w.client} (${w.reconnects} reconnects) stopped at revision ${last}; the log has ${missing.length} more batch(es) up to ${missing[missing.length - 1]!.revision}`);
  }
}
