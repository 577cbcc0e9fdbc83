// Linearizability of single-key registers with read, write and compare-and-set, in the style of
// Wing & Gong's search as refined by Lowe and Knossos: linearize, one at a time, an operation
// that no pending operation precedes in real time, apply it to the register model, backtrack on
// an illegal step, and remember every (linearized set, register value) configuration already
// explored so that no configuration is searched twice.
//
// Operations whose outcome is unknown (timeouts, broken connections, 504) may take effect at any
// point after their invocation, or never: they get an infinite completion time and are optional
// (the search succeeds once every operation with a definite outcome is linearized). Operations
// that definitely failed are left out; reads without an answer constrain nothing.
//
// Keys are independent registers, so each key is checked on its own (P-compositionality).

import type { Anomaly, KvOp } from './history.js';
import { fmtKvOp } from './history.js';

/** A register state: a value, null for a missing key, or ANY (unconstrained; used when a
 *  history slice is checked without its beginning). */
export const ANY: unique symbol = Symbol('any');
export type RegState = string | null | typeof ANY;

interface PreparedOp {
  op: KvOp;
  invoke: number;
  complete: number;
  /** Definite ops must be linearized; optional ones may be left out. */
  optional: boolean;
}

export interface KeyCheckOptions {
  /** Configurations to explore before giving up (the result is then inconclusive). */
  maxStates?: number;
  initial?: RegState;
}

export type KeyCheckResult =
  | { status: 'ok'; explored: number }
  | { status: 'violation'; explored: number; /** Longest linearizable prefix found, op ids. */ deepest: number[] }
  | { status: 'inconclusive'; explored: number };

/** One step of the register model; undefined when `op` cannot happen in state `s`. */
export function stepRegister(s: RegState, p: PreparedOp): RegState | undefined {
  const op = p.op;
  switch (op.kind) {
    case 'read':
      if (s === ANY) return op.read ?? null;
      return s === (op.read ?? null) ? s : undefined;
    case 'write':
      return requireValue(op);
    case 'cas': {
      if (p.optional) {
        // Unknown outcome: if it took effect as a success the compare held; the compare-failed
        // case changes nothing and is the same as leaving the op out.
        return s === ANY || s === op.expect ? requireValue(op) : undefined;
      }
      if (op.succeeded) return s === ANY || s === op.expect ? requireValue(op) : undefined;
      if (s === ANY) return ANY;
      return s === op.expect ? undefined : s;
    }
  }
}

function requireValue(op: KvOp): string {
  if (op.value === undefined) throw new Error(`invariant: ${op.kind} op #${op.id} has no value`);
  return op.value;
}

/** Which ops of one key's history take part in the search, and how. */
export function prepare(ops: readonly KvOp[]): PreparedOp[] {
  const observed = new Set<string>();
  let anyFailedCompare = false;
  for (const op of ops) {
    if (op.kind === 'read' && op.outcome === 'ok' && op.read != null) observed.add(op.read);
    if (op.kind === 'cas' && op.expect !== undefined) observed.add(op.expect);
    if (op.kind === 'cas' && op.outcome === 'ok' && !op.succeeded) anyFailedCompare = true;
  }
  const out: PreparedOp[] = [];
  for (const op of ops) {
    if (op.kind === 'cas' && op.expect === '') throw new Error(`invariant: cas #${op.id} compares against "" (a missing key compares as "")`);
    if (op.outcome === 'fail') continue;
    if (op.kind === 'read' && op.outcome !== 'ok') continue;
    if (op.outcome === 'unknown') {
      // An unknown write whose value nobody observed cannot explain any read; it only matters
      // when some compare failed (its value could be why). Leaving it out keeps the search small.
      if (!anyFailedCompare && !observed.has(requireValue(op))) continue;
      out.push({ op, invoke: op.invokeMs, complete: Infinity, optional: true });
      continue;
    }
    if (op.completeMs === undefined) throw new Error(`invariant: op #${op.id} has outcome ${op.outcome} but no completion time`);
    if (op.completeMs < op.invokeMs) throw new Error(`invariant: op #${op.id} completes before it is invoked`);
    out.push({ op, invoke: op.invokeMs, complete: op.completeMs, optional: false });
  }
  out.sort((a, b) => a.invoke - b.invoke || a.op.id - b.op.id);
  return out;
}

function stateKey(s: RegState): string {
  return s === ANY ? '\u0000*' : s === null ? '\u0000-' : `=${s}`;
}

/** Checks one key's prepared history. */
export function checkPrepared(ops: readonly PreparedOp[], opts: KeyCheckOptions = {}): KeyCheckResult {
  const maxStates = opts.maxStates ?? 1_000_000;
  const n = ops.length;
  const definite = ops.filter((p) => !p.optional).length;
  const seen = new Set<string>();
  let explored = 0;
  let deepest: number[] = [];

  interface Frame {
    mask: bigint;
    state: RegState;
    done: number; // definite ops linearized
    lo: number; // every op below lo is linearized
    cands: number[];
    next: number;
    path: number; // index into `trail`
  }
  const trail: number[] = [];

  const candidates = (mask: bigint, lo: number): number[] => {
    const out: number[] = [];
    let minComplete = Infinity;
    for (let i = lo; i < n; i++) {
      if ((mask >> BigInt(i)) & 1n) continue;
      const p = ops[i]!;
      if (p.invoke > minComplete) break;
      out.push(i);
      if (p.complete < minComplete) minComplete = p.complete;
    }
    // An op invoked before minComplete but after an earlier candidate's completion is preceded
    // by it: keep only ops not preceded by any pending op.
    return out.filter((i) => ops[i]!.invoke <= minComplete);
  };

  const root: Frame = { mask: 0n, state: opts.initial === undefined ? null : opts.initial, done: 0, lo: 0, cands: [], next: 0, path: 0 };
  if (definite === 0) return { status: 'ok', explored: 0 };
  root.cands = candidates(0n, 0);
  const stack: Frame[] = [root];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.next >= f.cands.length) {
      stack.pop();
      continue;
    }
    const i = f.cands[f.next++]!;
    const p = ops[i]!;
    const s2 = stepRegister(f.state, p);
    if (s2 === undefined) continue;
    const mask = f.mask | (1n << BigInt(i));
    const key = `${mask.toString(36)}|${stateKey(s2)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    explored++;
    trail.length = f.path;
    trail.push(i);
    if (trail.length > deepest.length) deepest = [...trail];
    const done = f.done + (p.optional ? 0 : 1);
    if (done === definite) return { status: 'ok', explored };
    if (explored >= maxStates) return { status: 'inconclusive', explored };
    let lo = f.lo;
    while (lo < n && (mask >> BigInt(lo)) & 1n) lo++;
    stack.push({ mask, state: s2, done, lo, cands: candidates(mask, lo), next: 0, path: trail.length });
  }
  return { status: 'violation', explored, deepest: deepest.map((i) => ops[i]!.op.id) };
}

export function checkKey(ops: readonly KvOp[], opts: KeyCheckOptions = {}): KeyCheckResult {
  return checkPrepared(prepare(ops), opts);
}

/** The history cut to [fromMs, toMs], relaxed so that a violation of the cut implies one of the
 *  whole: ops invoked after `toMs` are dropped and ops still pending at `toMs` lose their result
 *  (become unknown); ops completed before `fromMs` are dropped, ops invoked before `fromMs` lose
 *  their result, and the register starts unconstrained. */
export function cutHistory(ops: readonly KvOp[], fromMs: number, toMs: number): KvOp[] {
  const out: KvOp[] = [];
  for (const op of ops) {
    if (op.invokeMs > toMs) continue;
    const complete = op.outcome === 'unknown' ? Infinity : op.completeMs!;
    if (complete < fromMs) continue;
    if (op.outcome === 'fail') continue;
    const relax = complete > toMs || op.invokeMs < fromMs;
    if (!relax) {
      out.push(op);
      continue;
    }
    if (op.kind === 'read') continue;
    const { completeMs: _c, read: _r, succeeded: _s, revision: _v, ...rest } = op;
    out.push({ ...rest, outcome: 'unknown' });
  }
  return out;
}

export interface LinearizabilityReport {
  keys: number;
  ops: number;
  explored: number;
  inconclusiveKeys: string[];
  anomalies: Anomaly[];
}

/** Checks every key; a violating key is shrunk to a small failing time window. */
export function checkLinearizable(history: readonly KvOp[], opts: KeyCheckOptions = {}): LinearizabilityReport {
  const byKey = new Map<string, KvOp[]>();
  for (const op of history) {
    let l = byKey.get(op.key);
    if (!l) {
      l = [];
      byKey.set(op.key, l);
    }
    l.push(op);
  }
  const report: LinearizabilityReport = { keys: byKey.size, ops: history.length, explored: 0, inconclusiveKeys: [], anomalies: [] };
  for (const [key, ops] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const r = checkKey(ops, opts);
    report.explored += r.explored;
    if (r.status === 'inconclusive') report.inconclusiveKeys.push(key);
    if (r.status !== 'violation') continue;
    const slice = shrink(ops, opts);
    report.anomalies.push({
      checker: 'linearizability',
      kind: 'non-linearizable',
      message: `key ${JSON.stringify(key)}: no linearization of ${ops.length} ops exists; smallest failing window has ${slice.length} ops`,
      slice: slice.map(fmtKvOp),
    });
  }
  return report;
}

/** Narrows a violating history to a short window that still violates (binary search on the end,
 *  then on the start). Every window returned was checked to fail. */
export function shrink(ops: readonly KvOp[], opts: KeyCheckOptions = {}): KvOp[] {
  const budget = { ...opts, maxStates: Math.min(opts.maxStates ?? 1_000_000, 200_000) };
  const fails = (from: number, to: number): boolean => checkKey(cutHistory(ops, from, to), { ...budget, initial: from === -Infinity ? opts.initial : ANY }).status === 'violation';
  const ends = [...new Set(ops.filter((o) => o.outcome !== 'unknown').map((o) => o.completeMs!))].sort((a, b) => a - b);
  let to = Infinity;
  let lo = 0;
  let hi = ends.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fails(-Infinity, ends[mid]!)) {
      to = ends[mid]!;
      hi = mid - 1;
    } else lo = mid + 1;
  }
  const starts = [...new Set(ops.map((o) => o.invokeMs))].filter((t) => t <= to).sort((a, b) => a - b);
  let from = -Infinity;
  lo = 0;
  hi = starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (fails(starts[mid]!, to)) {
      from = starts[mid]!;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (!fails(from, to)) return [...ops];
  return cutHistory(ops, from, to)
    .map((o) => ops.find((x) => x.id === o.id)!)
    .sort((a, b) => a.invokeMs - b.invokeMs);
}
