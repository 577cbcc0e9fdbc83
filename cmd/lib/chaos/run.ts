// One chaos run: start a real cluster behind the fault proxy, drive the workload while the
// nemesis injects faults, heal everything, read the final state, and check the history.
// Safety first (linearizability, lock safety, watch completeness, durability), then liveness on
// the healed cluster (it must elect a leader, serve, deliver the final write, free every lock).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, secureCalls } from './client.js';
import { authSetupSteps } from '../auth-setup.js';
import { makeChaosSecurity, type ChaosSecurity } from './security.js';
import { ChaosCluster, type ChaosMember } from './cluster.js';
import type { Anomaly, KvOp } from './history.js';
import { checkLinearizable } from './linearizability.js';
import { checkLocks } from './lock-checker.js';
import { FAULT_KINDS, Nemesis, findLeader, type FaultKind, type ScheduledFault } from './nemesis.js';
import { ChaosRng } from './rng.js';
import { checkDurability, checkWatches, type AckedWrite } from './watch-checker.js';
import { LOCK_PREFIX, LOG_BLOCK, LOG_PREFIX, PREFIX, REG_PREFIX, Recorder, Watcher, lockClient, registerClient, type WorkloadEnv } from './workload.js';

export interface ChaosOptions {
  seed: number;
  /** Time with faults, before the final heal. */
  durationMs: number;
  members: number;
  registerClients?: number;
  registers?: number;
  lockClients?: number;
  locks?: number;
  watchers?: number;
  /** Flags for every member (timing; a test's hooks such as --testing-unsafe-local-reads, which
   *  only the entry named by daemonScript understands). */
  memberArgs?: string[];
  /** The entry point each member runs (default: raftlockd). */
  daemonScript?: string;
  electionTimeoutMs?: number;
  heartbeatMs?: number;
  requestTimeoutMs?: number;
  faultKinds?: readonly FaultKind[];
  /** Register reads with ?consistency=serializable: UNSAFE on purpose, to see the checker bite. */
  unsafeSerializableReads?: boolean;
  keepData?: boolean;
  /** TLS on both ports and auth on, the workload running as a user limited to its prefixes. */
  secure?: boolean;
  log?: (line: string) => void;
}

export interface ChaosStats {
  seed: number;
  members: number;
  durationMs: number;
  operations: {
    register: Record<string, number>;
    writeOnce: Record<string, number>;
    lockGrants: number;
    lockUnknown: number;
    lockRefused: number;
    resourceAccepted: number;
    resourceRejected: number;
    watchEvents: number;
    watchReconnects: number;
  };
  faults: Record<string, number>;
  proxy: { framesRelayed: number; framesDropped: number; framesDelayed: number; connections: number };
  linearizability: { keys: number; statesExplored: number; inconclusiveKeys: string[] };
  anomalies: Record<string, number>;
}

export interface ChaosResult {
  ok: boolean;
  seed: number;
  stats: ChaosStats;
  anomalies: Anomaly[];
  schedule: ScheduledFault[];
  /** Tail of each member's output, for post-mortems. */
  memberLogs: Record<string, string>;
}

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = String(e);
    }
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Users and permissions for a secured run: a root user, and the workload's user with readwrite on
 * exactly the workload's key and lock prefixes; then auth on, and the workload's token in use.
 */
async function enableAuth(cluster: ChaosCluster, sec: ChaosSecurity, log: (line: string) => void): Promise<void> {
  const steps = authSetupSteps({ rootPassword: 'chaos-root', user: 'chaos', password: 'chaos-pw', role: 'chaos', prefixes: [PREFIX, LOCK_PREFIX] });
  for (const [method, path, body] of steps) {
    // Before the faults start, but a retry after an unknown outcome finds the step done (409).
    await until(`${method} ${path}`, 20_000, async () => {
      const leader = await findLeader(cluster);
      if (leader === undefined) return undefined;
      const r = await call(method, `${leader.url}${path}`, body, 5000);
      return r.ok || (!r.ok && (r.code === 'USER_EXISTS' || r.code === 'ROLE_EXISTS')) ? true : undefined;
    });
  }
  const token = await until('a workload token', 20_000, async () => {
    const r = await call('POST', `${cluster.members[0]!.url}/v1/auth/authenticate`, { name: 'chaos', password: 'chaos-pw' }, 5000);
    return r.ok ? (r.body.token as string) : undefined;
  });
  sec.token = token;
  secureCalls({ agent: sec.agent, tls: sec.clientTls, token });
  log('chaos: TLS on both ports, auth enabled; the workload runs as user "chaos"');
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const log = o.log ?? (() => {});
  const rng = new ChaosRng(o.seed);
  const nemesisRng = rng.fork();
  const workloadRng = rng.fork();
  const electionTimeoutMs = o.electionTimeoutMs ?? 500;
  const heartbeatMs = o.heartbeatMs ?? 50;
  const requestTimeoutMs = o.requestTimeoutMs ?? 2000;
  const memberArgs = [
    '--heartbeat-interval-ms', String(heartbeatMs),
    '--election-timeout-ms', String(electionTimeoutMs),
    '--snapshot-threshold', '1000',
    ...(o.memberArgs ?? []),
  ];
  const rec = new Recorder({ maxOps: 2_000_000, maxWatchEvents: 2_000_000 });
  const anomalies: Anomaly[] = [];
  const certDir = o.secure ? mkdtempSync(join(tmpdir(), 'raftlock-chaos-certs-')) : null;
  const sec = certDir === null ? null : makeChaosSecurity(certDir, Array.from({ length: o.members }, (_, i) => `m${i + 1}`));
  secureCalls(sec === null ? null : { agent: sec.agent, tls: sec.clientTls });
  const cluster = await ChaosCluster.start({ size: o.members, memberArgs, keepData: o.keepData, ...(o.daemonScript !== undefined ? { daemonScript: o.daemonScript } : {}), ...(sec !== null ? { tls: sec } : {}) });
  const nemesis = new Nemesis(cluster, nemesisRng, { electionTimeoutMs, faultMs: [2000, 5000], quietMs: [500, 2000], kinds: o.faultKinds ?? FAULT_KINDS }, () => rec.now(), log);
  const watchers: Watcher[] = [];
  let lin: ReturnType<typeof checkLinearizable> | undefined;
  try {
    log(`chaos seed ${o.seed}: ${o.members} members, ${o.durationMs} ms of faults`);
    await until('a first leader', 30_000, () => findLeader(cluster));
    if (sec !== null) await enableAuth(cluster, sec, log);
    const stop = { stopped: false };
    const env: WorkloadEnv = { cluster, rec, requestTimeoutMs, registers: o.registers ?? 3, readConsistency: o.unsafeSerializableReads ? 'serializable' : 'linearizable', stop };
    for (let i = 0; i < (o.watchers ?? 2); i++) {
      const w = new Watcher(env, `watcher${i + 1}`, workloadRng.fork(), 1);
      watchers.push(w);
      w.start();
    }
    const loops: Promise<void>[] = [];
    for (let i = 0; i < (o.registerClients ?? 5); i++) loops.push(registerClient(env, `c${i + 1}`, workloadRng.fork()));
    for (let i = 0; i < (o.lockClients ?? 3); i++) loops.push(lockClient(env, `l${i + 1}`, workloadRng.fork(), { locks: o.locks ?? 2, ttlSeconds: 3, waitMs: 1500 }));
    // Watchers also hop between members on their own now and then.
    const hopRng = workloadRng.fork();
    const hops = setInterval(() => {
      for (const w of watchers) {
        if (hopRng.chance(0.15) || w.silentForMs > 3000) w.reconnect();
      }
    }, 1000);
    const nemesisDone = nemesis.run();
    await new Promise((r) => setTimeout(r, o.durationMs));
    nemesis.stop();
    await nemesisDone;
    stop.stopped = true;
    await Promise.all(loops);
    clearInterval(hops);

    // ---- final heal ----
    cluster.proxy.heal();
    for (const m of cluster.members) {
      cluster.resume(m);
      if (!cluster.isRunning(m)) cluster.spawn(m);
    }
    log(`[${(rec.now() / 1000).toFixed(1)}s] healed everything; checking`);
    const liveness = (kind: string, message: string): void => {
      anomalies.push({ checker: 'liveness', kind, message, slice: [] });
    };
    try {
      await until('every member ready after the heal', 60_000, async () => {
        const rs = await Promise.all(cluster.members.map((m) => call('GET', `${m.url}/readyz`, undefined, 1000)));
        return rs.every((r) => r.ok) ? true : undefined;
      });
    } catch (e) {
      liveness('not-ready', String(e));
    }

    // Final linearizable reads of every register through every member, as part of the history.
    for (let k = 0; k < env.registers; k++) {
      const key = `${REG_PREFIX}${k}`;
      for (const m of cluster.members) {
        const op: KvOp = { id: rec.opId(), client: 'final', key, kind: 'read', invokeMs: rec.now(), outcome: 'unknown', member: m.name };
        const r = await call('GET', `${m.url}/v1/kv/${key}`, undefined, 5000);
        op.completeMs = rec.now();
        if (r.ok) Object.assign(op, { outcome: 'ok', read: String(r.body.value) });
        else if (r.code === 'KEY_NOT_FOUND') Object.assign(op, { outcome: 'ok', read: null });
        else {
          delete op.completeMs;
          op.error = r.code;
          liveness('final-read', `final read of ${key} via ${m.name} failed: ${r.code} ${r.message}`);
        }
        rec.kvOps.push(op);
      }
    }

    // The sentinel: a last write every watcher and member must reach.
    let sentinelRev = 0;
    try {
      sentinelRev = await until('the sentinel write', 30_000, async () => {
        const leader = (await findLeader(cluster)) ?? cluster.members[0]!;
        const r = await call('PUT', `${leader.url}/v1/kv/${PREFIX}sentinel`, { value: `sentinel-${o.seed}` }, 5000);
        return r.ok ? Number(r.body.revision) : undefined;
      });
    } catch (e) {
      liveness('sentinel', String(e));
    }
    if (sentinelRev > 0) {
      for (const w of watchers) {
        try {
          await w.waitFor(sentinelRev, 30_000);
        } catch (e) {
          liveness('watch-stalled', String(e));
        }
      }
    }
    for (const w of watchers) {
      w.close();
      if (w.overflowed) liveness('watch-overflow', `${w.record.name} received more events than it may keep`);
    }

    // Durability: every member, once it applied the sentinel, holds every acknowledged write.
    const finalByMember = new Map<string, Map<string, string>>();
    const blocks = new Map<string, number>();
    for (const w of rec.writes) {
      const [client, block] = w.key.slice(LOG_PREFIX.length).split('/');
      const id = `${client}/${block}`;
      blocks.set(id, (blocks.get(id) ?? 0) + 1);
    }
    for (const m of cluster.members) {
      try {
        await until(`${m.name} to apply the sentinel`, 30_000, async () => {
          const r = await call('GET', `${m.url}/v1/kv/${PREFIX}sentinel?consistency=serializable`, undefined, 2000);
          return r.ok && Number(r.body.modRevision) >= sentinelRev ? true : undefined;
        });
        const got = new Map<string, string>();
        for (const id of blocks.keys()) {
          const r = await call('GET', `${m.url}/v1/kv?prefix=${encodeURIComponent(`${LOG_PREFIX}${id}/`)}&limit=${LOG_BLOCK * 2}&consistency=serializable`, undefined, 10_000);
          if (!r.ok) throw new Error(`range ${id} on ${m.name}: ${r.code}`);
          for (const kv of r.body.kvs as { key: string; value: string }[]) got.set(kv.key, kv.value);
        }
        finalByMember.set(m.name, got);
      } catch (e) {
        liveness('final-state', String(e));
      }
    }
    anomalies.push(...checkDurability({ writes: rec.writes, finalByMember }));

    // Every acquisition is released or expired: no chaos lock stays held or awaited.
    try {
      await until('every chaos lock to be free', 3 * 1000 + 15_000, async () => {
        for (let i = 0; i < (o.locks ?? 2); i++) {
          const m = (await findLeader(cluster)) ?? cluster.members[0]!;
          const r = await call('GET', `${m.url}/v1/locks/${LOCK_PREFIX}${i}`, undefined, 2000);
          if (r.ok && (r.body.holder !== null || r.body.waiters.length > 0)) return undefined;
          if (!r.ok && r.code !== 'LOCK_NOT_FOUND') return undefined;
        }
        return true;
      });
    } catch (e) {
      anomalies.push({ checker: 'lock', kind: 'never-released', message: `a lock stayed held or awaited after the heal: ${String(e)}`, slice: [] });
    }

    // ---- checkers ----
    lin = checkLinearizable(rec.kvOps, { maxStates: 2_000_000 });
    anomalies.push(...lin.anomalies);
    anomalies.push(...checkLocks(rec.grants, rec.resource.log));
    const acked: AckedWrite[] = [];
    for (const op of rec.kvOps) {
      if (op.outcome === 'ok' && op.revision !== undefined && (op.kind === 'write' || op.succeeded)) acked.push({ key: op.key, value: op.value!, revision: op.revision });
    }
    for (const w of rec.writes) if (w.outcome === 'ok') acked.push({ key: w.key, value: w.value, revision: w.revision! });
    const failed = [...rec.kvOps.filter((op) => op.outcome === 'fail' && op.kind !== 'read'), ...rec.writes.filter((w) => w.outcome === 'fail')].map((x) => ({ key: x.key, value: x.value! }));
    if (sentinelRev > 0) anomalies.push(...checkWatches({ acked, failed, watchers: rec.watchers, coveredTo: sentinelRev, prefix: PREFIX }));
  } finally {
    nemesis.stop();
    for (const w of watchers) w.close();
    await cluster.destroy();
    secureCalls(null);
    await sec?.agent.close();
    if (certDir !== null) rmSync(certDir, { recursive: true, force: true });
  }

  const count = <T>(xs: readonly T[], f: (x: T) => string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const x of xs) out[f(x)] = (out[f(x)] ?? 0) + 1;
    return out;
  };
  const stats: ChaosStats = {
    seed: o.seed,
    members: o.members,
    durationMs: o.durationMs,
    operations: {
      register: count(rec.kvOps, (op) => `${op.kind}:${op.kind === 'cas' && op.outcome === 'ok' ? (op.succeeded ? 'ok' : 'compare-failed') : op.outcome}`),
      writeOnce: count(rec.writes, (w) => w.outcome),
      lockGrants: rec.grants.length,
      lockUnknown: rec.lockUnknown,
      lockRefused: rec.lockRefused,
      resourceAccepted: rec.resource.log.filter((a) => a.accepted).length,
      resourceRejected: rec.resource.log.filter((a) => !a.accepted).length,
      watchEvents: rec.watchers.reduce((s, w) => s + w.events.length, 0),
      watchReconnects: rec.watchers.reduce((s, w) => s + w.reconnects, 0),
    },
    faults: Object.fromEntries(nemesis.counts),
    proxy: { framesRelayed: cluster.proxy.stats.framesRelayed, framesDropped: cluster.proxy.stats.framesDropped, framesDelayed: cluster.proxy.stats.framesDelayed, connections: cluster.proxy.stats.connections },
    linearizability: { keys: lin?.keys ?? 0, statesExplored: lin?.explored ?? 0, inconclusiveKeys: lin?.inconclusiveKeys ?? [] },
    anomalies: count(anomalies, (a) => `${a.checker}/${a.kind}`),
  };
  const memberLogs: Record<string, string> = {};
  for (const m of cluster.members as ChaosMember[]) memberLogs[m.name] = cluster.logs(m).slice(-4000);
  return { ok: anomalies.length === 0, seed: o.seed, stats, anomalies, schedule: nemesis.schedule, memberLogs };
}

/** The end-of-run report: statistics always; on failure the seed, the schedule and each
 *  anomaly with its smallest failing slice of the history. */
export function formatReport(r: ChaosResult): string {
  const s = r.stats;
  const lines: string[] = [];
  lines.push(`chaos run seed=${r.seed} members=${s.members} duration=${(s.durationMs / 1000).toFixed(0)}s: ${r.ok ? 'PASS' : 'FAIL'}`);
  const ops = s.operations;
  const regTotal = Object.values(ops.register).reduce((a, b) => a + b, 0);
  const onceTotal = Object.values(ops.writeOnce).reduce((a, b) => a + b, 0);
  lines.push(`  operations: ${regTotal + onceTotal + ops.lockGrants} recorded`);
  lines.push(`    register ops ${regTotal}: ${Object.entries(ops.register).sort().map(([k, v]) => `${k}=${v}`).join(' ')}`);
  lines.push(`    write-once ${onceTotal}: ${Object.entries(ops.writeOnce).sort().map(([k, v]) => `${k}=${v}`).join(' ')}`);
  lines.push(`    locks: granted=${ops.lockGrants} unknown=${ops.lockUnknown} refused/held=${ops.lockRefused} resource accepted=${ops.resourceAccepted} rejected=${ops.resourceRejected}`);
  lines.push(`    watch events=${ops.watchEvents} reconnects=${ops.watchReconnects}`);
  const faultTotal = Object.values(s.faults).reduce((a, b) => a + b, 0);
  lines.push(`  faults injected: ${faultTotal} ${Object.entries(s.faults).sort().map(([k, v]) => `${k}=${v}`).join(' ')}`);
  lines.push(`  proxy: connections=${s.proxy.connections} relayed=${s.proxy.framesRelayed} dropped=${s.proxy.framesDropped} delayed=${s.proxy.framesDelayed}`);
  lines.push(`  linearizability: keys=${s.linearizability.keys} states explored=${s.linearizability.statesExplored}${s.linearizability.inconclusiveKeys.length ? ` INCONCLUSIVE keys ${s.linearizability.inconclusiveKeys.join(',')}` : ''}`);
  const anomalyTotal = Object.values(s.anomalies).reduce((a, b) => a + b, 0);
  lines.push(`  anomalies found: ${anomalyTotal} ${Object.entries(s.anomalies).sort().map(([k, v]) => `${k}=${v}`).join(' ')}`);
  if (!r.ok) {
    lines.push(`  reproduce: npm run chaos -- --seed ${r.seed} --members ${s.members} --seconds ${Math.round(s.durationMs / 1000)}`);
    lines.push('  fault schedule:');
    for (const f of r.schedule) lines.push(`    [${(f.startMs / 1000).toFixed(1)}s .. ${f.endMs === undefined ? '?' : (f.endMs / 1000).toFixed(1)}s] ${f.kind}: ${f.detail}`);
    for (const a of r.anomalies) {
      lines.push(`  ANOMALY ${a.checker}/${a.kind}: ${a.message}`);
      for (const l of a.slice.slice(0, 60)) lines.push(`      ${l}`);
      if (a.slice.length > 60) lines.push(`      ... ${a.slice.length - 60} more`);
    }
  }
  return lines.join('\n');
}
