#!/usr/bin/env node
// `npm run bench`: load against a running cluster (raftlock by default, or etcd 3.4 through its
// v3 JSON gateway with `--target etcd`), reporting ops/s and latency percentiles per
// concurrency level, as a table and as JSON.

import { Command } from 'commander';
import { Client, type Dispatcher } from 'undici';
import WebSocket from 'ws';

interface Endpoint {
  host: string;
  port: number;
}

interface Result {
  workload: string;
  target: string;
  clients: number;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

// The load generator shares the machine's two cores with the members it measures, so it costs
// as little CPU per request as it can: undici's low-level dispatch on one keep-alive connection
// per simulated client (node:http's client costs about twice as much CPU per request, and both
// targets would pay for it in their own throughput).
const dispatchers = new Map<string, Dispatcher>();

/** The connection of one simulated client (`slot`) to `ep`. */
function dispatcherFor(ep: Endpoint, slot: number): Dispatcher {
  const key = `${ep.host}:${ep.port}/${slot}`;
  let d = dispatchers.get(key);
  if (!d) dispatchers.set(key, (d = new Client(`http://${ep.host}:${ep.port}`, { keepAliveTimeout: 30_000 })));
  return d;
}

function request(ep: Endpoint, slot: number, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    dispatcherFor(ep, slot).dispatch(
      { origin: `http://${ep.host}:${ep.port}`, method: method as Dispatcher.HttpMethod, path, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body },
      {
        onRequestStart: () => {},
        onResponseStart: (_c, statusCode) => {
          status = statusCode;
        },
        onResponseData: (_c, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => resolve({ status, text: chunks.length === 1 ? chunks[0].toString() : Buffer.concat(chunks).toString() }),
        onResponseError: (_c, err) => reject(err),
      },
    );
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** One operation of a workload, by target. Returns true on success. */
type Op = (ep: Endpoint, worker: number, i: number) => Promise<boolean>;

function putOp(target: string, value: string): Op {
  if (target === 'etcd') {
    return async (ep, w, i) => (await request(ep, w, 'POST', '/v3/kv/put', JSON.stringify({ key: b64(`bench/${w}/${i % 100}`), value: b64(value) }))).status === 200;
  }
  return async (ep, w, i) => (await request(ep, w, 'PUT', `/v1/kv/bench%2F${w}%2F${i % 100}`, JSON.stringify({ value }))).status === 200;
}

function getOp(target: string): Op {
  if (target === 'etcd') {
    return async (ep, w, i) => (await request(ep, w, 'POST', '/v3/kv/range', JSON.stringify({ key: b64(`bench/${w}/${i % 100}`) }))).status === 200;
  }
  return async (ep, w, i) => {
    const s = (await request(ep, w, 'GET', `/v1/kv/bench%2F${w}%2F${i % 100}`)).status;
    return s === 200 || s === 404;
  };
}

function leaseCycleOp(): Op {
  return async (ep, w) => {
    const g = await request(ep, w, 'POST', '/v1/leases', JSON.stringify({ ttl: 30 }));
    if (g.status !== 200) return false;
    const id = (JSON.parse(g.text) as { id: string }).id;
    return (await request(ep, w, 'DELETE', `/v1/leases/${id}`)).status === 200;
  };
}

function lockCycleOp(shared: boolean): Op {
  const leases = new Map<number, string>();
  return async (ep, w) => {
    let lease = leases.get(w);
    if (!lease) {
      const g = await request(ep, w, 'POST', '/v1/leases', JSON.stringify({ ttl: 60 }));
      if (g.status !== 200) return false;
      lease = (JSON.parse(g.text) as { id: string }).id;
      leases.set(w, lease);
    }
    const name = shared ? 'bench-contended' : `bench-lock-${w}`;
    const a = await request(ep, w, 'POST', `/v1/locks/${name}`, JSON.stringify({ lease, waitMs: 30_000 }));
    if (a.status !== 200) return false;
    const token = (JSON.parse(a.text) as { fencingToken: number }).fencingToken;
    return (await request(ep, w, 'DELETE', `/v1/locks/${name}?fencingToken=${token}`)).status === 200;
  };
}

async function runLevel(workload: string, target: string, eps: Endpoint[], clients: number, seconds: number, op: Op): Promise<Result> {
  const lat: number[] = [];
  let errors = 0;
  const stopAt = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      const ep = eps[w % eps.length];
      for (let i = 0; performance.now() < stopAt; i++) {
        const s = performance.now();
        let ok = false;
        try {
          ok = await op(ep, w, i);
        } catch {
          ok = false;
        }
        if (ok) lat.push(performance.now() - s);
        else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    workload,
    target,
    clients,
    ops: lat.length,
    errors,
    seconds: Number(elapsed.toFixed(2)),
    opsPerSec: Math.round(lat.length / elapsed),
    p50Ms: Number(percentile(lat, 50).toFixed(3)),
    p99Ms: Number(percentile(lat, 99).toFixed(3)),
  };
}

/**
 * Watch delivery latency: put acknowledged -> event received by the LAST of `watchers` watchers
 * (all on one member, 100 per socket). An event that beats the put's answer counts as 0.
 */
async function watchLatency(ep: Endpoint, watchers: number, puts: number): Promise<Result> {
  const sockets: WebSocket[] = [];
  const perSocket = 100;
  /** revision -> [events seen so far, time the last one arrived] */
  const seen = new Map<number, { n: number; lastAt: number; done?: () => void; need: number }>();
  const lat: number[] = [];
  const key = `bench-watch-${process.pid}-${watchers}`;
  const nSockets = Math.ceil(watchers / perSocket);
  let created = 0;
  const entry = (rev: number) => {
    let e = seen.get(rev);
    if (!e) seen.set(rev, (e = { n: 0, lastAt: 0, need: watchers }));
    return e;
  };
  await Promise.all(
    Array.from({ length: nSockets }, (_, s) => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`ws://${ep.host}:${ep.port}/v1/watch`);
      sockets.push(ws);
      const mine = Math.min(perSocket, watchers - s * perSocket);
      let mineCreated = 0;
      ws.on('open', () => {
        for (let i = 0; i < mine; i++) ws.send(JSON.stringify({ type: 'create', key, watchId: i }));
      });
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as { type: string; events?: { kv: { modRevision: number } }[] };
        if (m.type === 'created') {
          created++;
          if (++mineCreated === mine) resolve();
        } else if (m.type === 'events') {
          const now = performance.now();
          for (const ev of m.events ?? []) {
            const e = entry(ev.kv.modRevision);
            e.n++;
            e.lastAt = now;
            if (e.n >= e.need) e.done?.();
          }
        }
      });
      ws.on('error', reject);
    })),
  );
  if (created !== watchers) throw new Error(`only ${created} of ${watchers} watches were created`);
  const t0 = performance.now();
  const fromSend: number[] = [];
  for (let i = 0; i < puts; i++) {
    const sent = performance.now();
    const r = await request(ep, 0, 'PUT', `/v1/kv/${key}`, JSON.stringify({ value: String(i) }));
    const acked = performance.now();
    if (r.status !== 200) throw new Error(`put failed: ${r.status} ${r.text}`);
    const rev = (JSON.parse(r.text) as { revision: number }).revision;
    const e = entry(rev);
    if (e.n < e.need) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`watch events for revision ${rev} did not all arrive (${e.n}/${e.need})`)), 30_000);
        e.done = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    lat.push(Math.max(0, e.lastAt - acked));
    fromSend.push(e.lastAt - sent);
    seen.delete(rev);
  }
  fromSend.sort((a, b) => a - b);
  process.stderr.write(
    `watch x${watchers}: put sent -> last event p50 ${percentile(fromSend, 50).toFixed(3)} ms p99 ${percentile(fromSend, 99).toFixed(3)} ms; ` +
      `ack -> last event p50 ${percentile([...lat].sort((a, b) => a - b), 50).toFixed(3)} ms\n`,
  );
  const elapsed = (performance.now() - t0) / 1000;
  for (const ws of sockets) ws.close();
  lat.sort((a, b) => a - b);
  return {
    workload: `watch ack->event (${watchers} watchers, last; sent->event p50 ${percentile(fromSend, 50).toFixed(2)} ms)`,
    target: 'raftlock',
    clients: watchers,
    ops: lat.length,
    errors: 0,
    seconds: Number(elapsed.toFixed(2)),
    opsPerSec: Math.round(lat.length / elapsed),
    p50Ms: Number(percentile(lat, 50).toFixed(3)),
    p99Ms: Number(percentile(lat, 99).toFixed(3)),
  };
}

function parseEndpoints(s: string): Endpoint[] {
  return s.split(',').map((u) => {
    const url = new URL(u.includes('://') ? u : `http://${u}`);
    return { host: url.hostname, port: Number(url.port || 80) };
  });
}

async function findLeader(eps: Endpoint[]): Promise<Endpoint[]> {
  for (const ep of eps) {
    try {
      const r = await request(ep, 0, 'GET', '/v1/cluster');
      const leader = (JSON.parse(r.text) as { leader: { clientUrl: string } | null }).leader;
      if (leader) return parseEndpoints(leader.clientUrl);
    } catch {
      // try the next one
    }
  }
  return eps;
}

/** etcd: the endpoint whose member id is the leader (POST /v3/maintenance/status). */
async function findEtcdLeader(eps: Endpoint[]): Promise<Endpoint[]> {
  for (const ep of eps) {
    try {
      const r = await request(ep, 0, 'POST', '/v3/maintenance/status', '{}');
      const st = JSON.parse(r.text) as { header?: { member_id?: string }; leader?: string };
      if (st.header?.member_id && st.header.member_id === st.leader) return [ep];
    } catch {
      // try the next one
    }
  }
  return eps;
}

async function main(): Promise<void> {
  const program = new Command('raftlock-bench')
    .description('load a running raftlock (or etcd) cluster and report throughput and latency')
    .option('--target <target>', 'raftlock | etcd', 'raftlock')
    .option('--endpoints <urls>', 'comma-separated client URLs', 'http://127.0.0.1:7379,http://127.0.0.1:7479,http://127.0.0.1:7579')
    .option('--clients <list>', 'concurrency levels', '1,16,64,256')
    .option('--seconds <n>', 'seconds per level', '5')
    .option('--workloads <list>', 'put,get,lease,lock,contended,watch (etcd: put,get)', 'put,get')
    .option('--spread', 'spread clients over all endpoints instead of sending to the leader', false)
    .option('--value-bytes <n>', 'value size for puts', '64')
    .option('--warmup <seconds>', 'unmeasured load (16 clients) before each workload: JIT, connections, caches', '2')
    .option('--json <file>', 'also write the results as JSON to this file')
    .parse(process.argv);
  const o = program.opts<{ target: string; endpoints: string; clients: string; seconds: string; workloads: string; spread: boolean; valueBytes: string; warmup: string; json?: string }>();
  if (o.target !== 'raftlock' && o.target !== 'etcd') throw new Error(`--target must be raftlock or etcd (got ${o.target})`);
  let eps = parseEndpoints(o.endpoints);
  if (!o.spread) eps = o.target === 'raftlock' ? await findLeader(eps) : await findEtcdLeader(eps);
  const levels = o.clients.split(',').map(Number);
  const seconds = Number(o.seconds);
  const value = 'v'.repeat(Number(o.valueBytes));
  const results: Result[] = [];
  for (const wl of o.workloads.split(',')) {
    if (wl === 'watch') {
      if (o.target !== 'raftlock') continue;
      for (const n of [1, 100, 1000]) results.push(await watchLatency(eps[0], n, 200));
      continue;
    }
    let op: Op;
    if (wl === 'put') op = putOp(o.target, value);
    else if (wl === 'get') op = getOp(o.target);
    else if (wl === 'lease') op = leaseCycleOp();
    else if (wl === 'lock') op = lockCycleOp(false);
    else if (wl === 'contended') op = lockCycleOp(true);
    else throw new Error(`unknown workload ${wl}`);
    if (o.target === 'etcd' && wl !== 'put' && wl !== 'get') continue;
    const lv = wl === 'contended' ? [16] : levels;
    const warmup = Number(o.warmup);
    if (warmup > 0) await runLevel(wl, o.target, eps, 16, warmup, op);
    for (const n of lv) {
      const r = await runLevel(wl, o.target, eps, n, seconds, op);
      results.push(r);
      process.stderr.write(`${wl} x${n}: ${r.opsPerSec} ops/s p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms (${r.errors} errors)\n`);
    }
  }
  const rows = results.map((r) => [r.target, r.workload, String(r.clients), String(r.opsPerSec), r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), String(r.errors)]);
  const head = ['target', 'workload', 'clients', 'ops/s', 'p50 ms', 'p99 ms', 'errors'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  process.stdout.write(`${line(head)}\n${rows.map(line).join('\n')}\n`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
  if (o.json) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(o.json, JSON.stringify(results, null, 2));
  }
  await Promise.all([...dispatchers.values()].map((d) => d.close()));
}

main().catch((err) => {
  process.stderr.write(`bench: ${err?.stack ?? err}\n`);
  process.exit(1);
});
