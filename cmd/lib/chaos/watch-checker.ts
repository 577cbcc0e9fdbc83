// Watch completeness: every acknowledged write appears exactly once, in revision order, in every
// watcher's stream (across its reconnects), with the value that was written; nothing that
// definitely failed appears; and watchers agree on what happened at each revision.

import type { Anomaly, WatchEventRecord, WatcherRecord } from './history.js';
import { fmtMs } from './history.js';

export interface AckedWrite {
  key: string;
  value: string;
  revision: number;
}

export interface WatchCheckInput {
  acked: readonly AckedWrite[];
  /** Writes that definitely did not take effect (their values are unique). */
  failed: readonly { key: string; value: string }[];
  watchers: readonly WatcherRecord[];
  /** Every watcher must have received events up to this revision (the final sentinel write). */
  coveredTo: number;
  /** Only keys under this prefix are watched. */
  prefix: string;
}

function fmtEvent(w: string, e: WatchEventRecord): string {
  return `${w} got rev ${e.revision} ${e.type} ${e.key} = ${JSON.stringify(e.value)} from ${e.member} at ${fmtMs(e.atMs)}`;
}

const MAX_PER_KIND = 20;

export function checkWatches(input: WatchCheckInput): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const perKind = new Map<string, number>();
  const add = (a: Anomaly): void => {
    const k = `${a.kind}`;
    const n = (perKind.get(k) ?? 0) + 1;
    perKind.set(k, n);
    if (n <= MAX_PER_KIND) anomalies.push(a);
    else if (n === MAX_PER_KIND + 1) anomalies.push({ checker: 'watch', kind: a.kind, message: `(further ${a.kind} anomalies not listed)`, slice: [] });
  };
  const failed = new Set(input.failed.map((f) => `${f.key}\u0000${f.value}`));
  const canonical = new Map<string, { value: string; type: string; watcher: string; ev: WatchEventRecord }>();
  for (const w of input.watchers) {
    const at = new Map<string, WatchEventRecord>();
    let prev: WatchEventRecord | undefined;
    let reached = 0;
    for (const e of w.events) {
      if (prev && e.revision < prev.revision) {
        add({ checker: 'watch', kind: 'out-of-order', message: `${w.name}: revision ${e.revision} after ${prev.revision}`, slice: [fmtEvent(w.name, prev), fmtEvent(w.name, e)] });
      }
      const id = `${e.revision}\u0000${e.key}`;
      const dup = at.get(id);
      if (dup) {
        add({ checker: 'watch', kind: 'duplicate', message: `${w.name}: revision ${e.revision} of ${e.key} delivered twice`, slice: [fmtEvent(w.name, dup), fmtEvent(w.name, e)] });
      } else at.set(id, e);
      if (e.type === 'put' && failed.has(`${e.key}\u0000${e.value}`)) {
        add({ checker: 'watch', kind: 'phantom', message: `${w.name}: an event for a write that was refused`, slice: [fmtEvent(w.name, e)] });
      }
      const c = canonical.get(id);
      if (!c) canonical.set(id, { value: e.value, type: e.type, watcher: w.name, ev: e });
      else if (c.value !== e.value || c.type !== e.type) {
        add({ checker: 'watch', kind: 'divergent', message: `watchers disagree on revision ${e.revision} of ${e.key}`, slice: [fmtEvent(c.watcher, c.ev), fmtEvent(w.name, e)] });
      }
      if (e.revision > reached) reached = e.revision;
      prev = e;
    }
    if (reached < input.coveredTo) {
      add({ checker: 'watch', kind: 'incomplete', message: `${w.name}: stream ends at revision ${reached}, expected to reach ${input.coveredTo}`, slice: [] });
    }
    if (w.compactedAt !== undefined) {
      add({ checker: 'watch', kind: 'compacted', message: `${w.name}: a resume was refused, compacted at ${w.compactedAt}`, slice: [] });
    }
    for (const a of input.acked) {
      if (!a.key.startsWith(input.prefix)) continue;
      if (a.revision < w.startRevision || a.revision > input.coveredTo) continue;
      if (w.compactedAt !== undefined && a.revision <= w.compactedAt) continue;
      const e = at.get(`${a.revision}\u0000${a.key}`);
      if (!e) {
        const near = w.events.filter((x) => Math.abs(x.revision - a.revision) <= 2).map((x) => fmtEvent(w.name, x));
        add({ checker: 'watch', kind: 'missing', message: `${w.name}: acknowledged write of ${a.key} at revision ${a.revision} never delivered`, slice: [`acked write ${a.key} = ${JSON.stringify(a.value)} rev ${a.revision}`, ...near] });
      } else if (e.type !== 'put' || e.value !== a.value) {
        add({ checker: 'watch', kind: 'wrong-event', message: `${w.name}: revision ${a.revision} of ${a.key} is not the acknowledged write`, slice: [`acked write ${a.key} = ${JSON.stringify(a.value)} rev ${a.revision}`, fmtEvent(w.name, e)] });
      }
    }
  }
  return anomalies;
}

export interface DurabilityInput {
  /** Write-once keys: each written by one request. */
  writes: readonly { key: string; value: string; outcome: 'ok' | 'fail' | 'unknown' }[];
  /** What each member holds under the write-once prefix after the final heal. */
  finalByMember: ReadonlyMap<string, ReadonlyMap<string, string>>;
}

/** After the final heal every member holds every acknowledged write, none that failed, and all
 *  members agree on the unknown ones. */
export function checkDurability(input: DurabilityInput): Anomaly[] {
  const anomalies: Anomaly[] = [];
  const members = [...input.finalByMember.keys()].sort();
  for (const w of input.writes) {
    const got = members.map((m) => [m, input.finalByMember.get(m)!.get(w.key)] as const);
    const line = `write ${w.key} = ${JSON.stringify(w.value)} -> ${w.outcome}; final: ${got.map(([m, v]) => `${m}=${v === undefined ? 'absent' : JSON.stringify(v)}`).join(' ')}`;
    if (w.outcome === 'ok') {
      const missing = got.filter(([, v]) => v !== w.value).map(([m]) => m);
      if (missing.length > 0) anomalies.push({ checker: 'durability', kind: 'lost-write', message: `acknowledged write of ${w.key} missing on ${missing.join(', ')}`, slice: [line] });
    } else if (w.outcome === 'fail') {
      if (got.some(([, v]) => v !== undefined)) anomalies.push({ checker: 'durability', kind: 'phantom-write', message: `refused write of ${w.key} is present`, slice: [line] });
    } else if (new Set(got.map(([, v]) => v ?? '\u0000absent')).size > 1) {
      anomalies.push({ checker: 'durability', kind: 'divergent', message: `members disagree on ${w.key}`, slice: [line] });
    }
  }
  return anomalies;
}
