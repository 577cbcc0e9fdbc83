// Lock safety, judged from what clients were told and what a guarded resource accepted.
//
// 1. Tokens strictly increase: every grant of a lock has its own token, and a grant that
//    completed before another was requested has the smaller token.
// 2. Mutual exclusion: a grant with token t1 stays valid from its answer until the holder
//    asks to release it, and at least until its lease can first expire (the lease was created
//    after the acquire request was sent, so it cannot end before request + TTL). A grant with a
//    larger token answered inside that window means two holders at once.
// 3. The resource: writes are accepted only with a token at least the highest seen, so accepted
//    tokens never go down; an older token accepted after a newer one is two holders acting at
//    overlapping times. Accepted writes lie inside their holder's grant interval.

import { FencedResource } from './resource.js';
import type { Anomaly, LockGrant, ResourceAccess } from './history.js';
import { fmtMs } from './history.js';

export { FencedResource };

export interface LockCheckOptions {
  /** Slack for the lease expiry bound (clock granularity, timer lateness). Default 250 ms. */
  expiryMarginMs?: number;
}

function fmtGrant(g: LockGrant): string {
  return `grant ${g.lock} token ${g.token} to ${g.client} lease ${g.lease} ttl ${g.ttlSeconds}s [${fmtMs(g.invokeMs)} .. ${fmtMs(g.ackMs)}] release ${g.releaseInvokeMs === undefined ? 'never sent' : `sent ${fmtMs(g.releaseInvokeMs)} -> ${g.releaseOutcome ?? '?'}`}`;
}

function fmtAccess(a: ResourceAccess): string {
  return `resource ${a.lock} write by ${a.client} token ${a.token} [${fmtMs(a.startMs)} .. ${fmtMs(a.endMs)}] ${a.accepted ? 'ACCEPTED' : 'rejected'} (highest before ${a.highestBefore})`;
}

/** The latest time grant `g` is certainly still held (its holder may act until then). */
export function safeEnd(g: LockGrant, marginMs: number): number {
  const expiry = g.invokeMs + g.ttlSeconds * 1000 - marginMs;
  return Math.min(g.releaseInvokeMs ?? Infinity, expiry);
}

export function checkLocks(grants: readonly LockGrant[], accesses: readonly ResourceAccess[], opts: LockCheckOptions = {}): Anomaly[] {
  const margin = opts.expiryMarginMs ?? 250;
  const anomalies: Anomaly[] = [];
  const byLock = new Map<string, LockGrant[]>();
  for (const g of grants) {
    if (!(g.ackMs >= g.invokeMs)) throw new Error(`invariant: grant token ${g.token} answered before it was requested`);
    let l = byLock.get(g.lock);
    if (!l) {
      l = [];
      byLock.set(g.lock, l);
    }
    l.push(g);
  }
  for (const [lock, gs] of byLock) {
    const byToken = new Map<number, LockGrant>();
    for (const g of gs) {
      const other = byToken.get(g.token);
      if (other) {
        anomalies.push({ checker: 'lock', kind: 'duplicate-token', message: `lock ${lock}: token ${g.token} granted twice`, slice: [fmtGrant(other), fmtGrant(g)] });
      } else byToken.set(g.token, g);
    }
    const sorted = [...gs].sort((a, b) => a.token - b.token);
    for (let i = 0; i < sorted.length; i++) {
      const a = sorted[i]!;
      for (let j = i + 1; j < sorted.length; j++) {
        const b = sorted[j]!;
        if (b.token === a.token) continue;
        // a.token < b.token
        if (b.ackMs < a.invokeMs) {
          anomalies.push({
            checker: 'lock',
            kind: 'token-order',
            message: `lock ${lock}: token ${b.token} was granted before token ${a.token} was even requested`,
            slice: [fmtGrant(b), fmtGrant(a)],
          });
        }
        const end = safeEnd(a, margin);
        if (b.ackMs < end) {
          anomalies.push({
            checker: 'lock',
            kind: 'double-holder',
            message: `lock ${lock}: token ${b.token} was granted at ${fmtMs(b.ackMs)} while token ${a.token} was held (not released, lease not expirable before ${fmtMs(end)})`,
            slice: [fmtGrant(a), fmtGrant(b)],
          });
        }
      }
    }
  }
  // The resource log.
  const accByLock = new Map<string, ResourceAccess[]>();
  for (const a of accesses) {
    let l = accByLock.get(a.lock);
    if (!l) {
      l = [];
      accByLock.set(a.lock, l);
    }
    l.push(a);
  }
  const grantOf = new Map(grants.map((g) => [`${g.lock}\u0000${g.token}`, g]));
  for (const [lock, as] of accByLock) {
    const ordered = [...as].sort((x, y) => x.startMs - y.startMs);
    let highest = 0;
    let highestAccess: ResourceAccess | undefined;
    for (const a of ordered) {
      if (a.accepted && a.token < highest) {
        const ga = grantOf.get(`${lock}\u0000${a.token}`);
        const gb = grantOf.get(`${lock}\u0000${highest}`);
        anomalies.push({
          checker: 'lock',
          kind: 'stale-token-accepted',
          message: `lock ${lock}: the resource accepted token ${a.token} from ${a.client} after token ${highest} from ${highestAccess?.client}: two holders acted at overlapping times`,
          slice: [...(gb ? [fmtGrant(gb)] : []), ...(ga ? [fmtGrant(ga)] : []), fmtAccess(highestAccess!), fmtAccess(a)],
        });
      }
      if (a.accepted && a.token > highest) {
        highest = a.token;
        highestAccess = a;
      }
      if (a.accepted) {
        const g = grantOf.get(`${lock}\u0000${a.token}`);
        if (!g) {
          anomalies.push({ checker: 'lock', kind: 'unknown-token', message: `lock ${lock}: the resource accepted token ${a.token}, which no grant carried`, slice: [fmtAccess(a)] });
        } else if (a.startMs < g.ackMs || (g.releaseInvokeMs !== undefined && a.endMs > g.releaseInvokeMs)) {
          anomalies.push({ checker: 'lock', kind: 'access-outside-grant', message: `lock ${lock}: token ${a.token} was used outside its grant`, slice: [fmtGrant(g), fmtAccess(a)] });
        }
      }
    }
  }
  return anomalies;
}
