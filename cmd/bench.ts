#!/usr/bin/env node
// `npm run bench`: load against a running cluster (raftlock by default, or etcd 3.4 through its
// v3 JSON gateway with `--target etcd`, or either one's etcd v3 gRPC API with `--target
// etcd-grpc`), reporting ops/s and latency percentiles per
// concurrency level, as a table and as JSON.

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import WebSocket from 'ws';
import { BenchConnection, type BenchAnswer } from './lib/bench-http.js';
import { SECURITY_MODES, startBenchCluster, type BenchCluster } from './lib/bench-clusters.js';
import { EtcdGrpcOps } from './lib/etcd-grpc-ops.js';
import { startFloor } from './lib/start-floor.js';
import { startEtcd, startRaftlock, type StartedCluster } from './lib/start-cluster.js';

interface Endpoint {
  host: string;
  port: number;
  /** https (and wss for watches). */
  tls?: boolean;
  /** Client TLS material and token of the target this endpoint belongs to (default: `security`). */
  sec?: Security;
}

/** Client TLS material and a bearer token for a secured target. */
interface Security {
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  token?: string;
}

/** A mistake in the command line: printed as one line, without a stack. */
class UsageError extends Error {}

/** The security of the --endpoints target (--tls, --cacert/--cert/--key, --user). */
const security: Security = {};
const secOf = (ep: Endpoint): Security => ep.sec ?? security;

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
  /** The slowest successful operation of the run. */
  maxMs: number;
  /** CPU time the target's processes (--cpu-pids / --etcd-cpu-pids) spent per operation. */
  cpuUsPerOp?: number;
  /** CPU time the bench itself (the load generator) spent per operation. */
  clientUsPerOp?: number;
  /** With --rounds > 1: how many runs this median row summarises. */
  rounds?: number;
}

// The load generator shares the machine's two cores with the members it measures, so it costs
// as little CPU per request as it can: one keep-alive connection per simulated client through
// the bench's own HTTP/1.1 client (cmd/lib/bench-http.ts), which the bench also measures itself
// by (the `client us/op` column).
const connections = new Map<string, BenchConnection>();

/** The connection of one simulated client (`slot`) to `ep`. */
function connectionFor(ep: Endpoint, slot: number): BenchConnection {
  const key = `${ep.host}:${ep.port}/${slot}`;
  let c = connections.get(key);
  if (!c) {
    c = new BenchConnection({ host: ep.host, port: ep.port, ...(ep.tls ? { tls: { ...secOf(ep).tls } } : {}) });
    connections.set(key, c);
  }
  return c;
}

const JSON_HEADERS = ['Content-Type: application/json'];
function headersFor(ep: Endpoint, hasBody: boolean): readonly string[] {
  const token = secOf(ep).token;
  if (token === undefined) return hasBody ? JSON_HEADERS : [];
  return hasBody ? [...JSON_HEADERS, `Authorization: Bearer ${token}`] : [`Authorization: Bearer ${token}`];
}

function request(ep: Endpoint, slot: number, method: string, path: string, body?: string): Promise<BenchAnswer> {
  return connectionFor(ep, slot).request(method, path, headersFor(ep, body !== undefined), body);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
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

/** etcd's lock service through its JSON gateway: one session lease per client, then lock/unlock. */
function etcdLockCycleOp(shared: boolean): Op {
  const leases = new Map<number, string>();
  return async (ep, w) => {
    let lease = leases.get(w);
    if (!lease) {
      const g = await request(ep, w, 'POST', '/v3/lease/grant', JSON.stringify({ TTL: 60 }));
      if (g.status !== 200) return false;
      lease = (JSON.parse(g.text) as { ID: string }).ID;
      leases.set(w, lease);
    }
    const name = b64(shared ? 'bench-contended' : `bench-lock-${w}`);
    const a = await request(ep, w, 'POST', '/v3/lock/lock', JSON.stringify({ name, lease }));
    if (a.status !== 200) return false;
    const key = (JSON.parse(a.text) as { key?: string }).key;
    if (!key) return false;
    return (await request(ep, w, 'POST', '/v3/lock/unlock', JSON.stringify({ key }))).status === 200;
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

/** utime + stime of a process, in clock ticks (Linux /proc; USER_HZ is 100 on Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may hold spaces.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

const TICK_US = 10_000;

async function runLevel(workload: string, target: string, eps: Endpoint[], clients: number, seconds: number, op: Op, cpuPids: number[] = []): Promise<Result> {
  // Every simulated client first opens its connection with one unmeasured operation, so the
  // level measures steady state rather than 256 connections being set up at once (the first
  // ~0.4 s otherwise held most of a level's slowest 1%, on both targets).
  await Promise.all(Array.from({ length: clients }, (_, w) => op(eps[w % eps.length]!, w, 0).catch(() => false)));
  const cpu0 = cpuPids.map(cpuTicks);
  const self0 = process.cpuUsage();
  const lat: number[] = [];
  let errors = 0;
  let maxMs = 0;
  const stopAt = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, w) => {
      const ep = eps[w % eps.length]!;
      for (let i = 0; performance.now() < stopAt; i++) {
        const s = performance.now();
        let ok = false;
        try {
          ok = await op(ep, w, i);
        } catch {
          ok = false;
        }
        if (ok) {
          const ms = performance.now() - s;
          lat.push(ms);
          if (ms > maxMs) maxMs = ms;
        } else errors++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpuTicksUsed = cpuPids.reduce((sum, pid, i) => sum + cpuTicks(pid) - cpu0[i]!, 0);
  const self = process.cpuUsage(self0);
  lat.sort((a, b) => a - b);
  const r: Result = {
    workload,
    target,
    clients,
    ops: lat.length,
    errors,
    seconds: Number(elapsed.toFixed(2)),
    opsPerSec: Math.round(lat.length / elapsed),
    p50Ms: Number(percentile(lat, 50).toFixed(3)),
    p99Ms: Number(percentile(lat, 99).toFixed(3)),
    maxMs: Number(maxMs.toFixed(3)),
  };
  if (cpuPids.length > 0 && lat.length > 0) r.cpuUsPerOp = Math.round((cpuTicksUsed * TICK_US) / lat.length);
  if (lat.length > 0) r.clientUsPerOp = Math.round((self.user + self.system) / lat.length);
  return r;
}

/** The median of several runs of one level, metric by metric. */
function medianOf(runs: Result[]): Result {
  const med = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 2)]!;
  };
  const r: Result = {
    ...runs[0]!,
    ops: med(runs.map((x) => x.ops)),
    errors: runs.reduce((n, x) => n + x.errors, 0),
    seconds: med(runs.map((x) => x.seconds)),
    opsPerSec: med(runs.map((x) => x.opsPerSec)),
    p50Ms: med(runs.map((x) => x.p50Ms)),
    p99Ms: med(runs.map((x) => x.p99Ms)),
    maxMs: med(runs.map((x) => x.maxMs)),
    rounds: runs.length,
  };
  const cpu = runs.map((x) => x.cpuUsPerOp).filter((x): x is number => x !== undefined);
  if (cpu.length > 0) r.cpuUsPerOp = med(cpu);
  const client = runs.map((x) => x.clientUsPerOp).filter((x): x is number => x !== undefined);
  if (client.length > 0) r.clientUsPerOp = med(client);
  return r;
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
    if (!e) {
      e = { n: 0, lastAt: 0, need: watchers };
      seen.set(rev, e);
    }
    return e;
  };
  await Promise.all(
    Array.from({ length: nSockets }, (_, s) => new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(`${ep.tls ? 'wss' : 'ws'}://${ep.host}:${ep.port}/v1/watch`, {
        ...(ep.tls ? secOf(ep).tls : {}),
        ...(secOf(ep).token !== undefined ? { headers: { authorization: `Bearer ${secOf(ep).token}` } } : {}),
      });
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
    maxMs: Number((lat[lat.length - 1] ?? 0).toFixed(3)),
  };
}

/** A token for `user` ("name:password"), from POST /v1/auth/authenticate. */
async function authenticate(ep: Endpoint, user: string): Promise<{ token: string; ttl: number }> {
  const i = user.indexOf(':');
  if (i <= 0) throw new UsageError('--user takes name:password');
  // Without the token being renewed: an expired one would get the authentication refused.
  const r = await request({ ...ep, sec: { ...(secOf(ep).tls !== undefined ? { tls: secOf(ep).tls } : {}) } }, 0, 'POST', '/v1/auth/authenticate', JSON.stringify({ name: user.slice(0, i), password: user.slice(i + 1) }));
  if (r.status !== 200) throw new UsageError(`authentication as ${user.slice(0, i)} failed: ${r.status} ${r.text}`);
  return JSON.parse(r.text) as { token: string; ttl: number };
}

function parseEndpoints(s: string, sec?: Security): Endpoint[] {
  return s.split(',').map((u) => {
    const url = new URL(u.includes('://') ? u : `http://${u}`);
    const tls = url.protocol === 'https:';
    return { host: url.hostname, port: Number(url.port || (tls ? 443 : 80)), ...(tls ? { tls } : {}), ...(sec !== undefined ? { sec } : {}) };
  });
}

async function findLeader(eps: Endpoint[]): Promise<Endpoint[]> {
  for (const ep of eps) {
    try {
      const r = await request(ep, 0, 'GET', '/v1/cluster');
      const leader = (JSON.parse(r.text) as { leader: { clientUrl: string } | null }).leader;
      if (leader) return parseEndpoints(leader.clientUrl, ep.sec);
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

function parsePids(s: string | undefined): number[] {
  if (s === undefined || s === '') return [];
  return s.split(',').map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`not a process id: ${x}`);
    cpuTicks(n); // fails now, clearly, if the process does not exist
    return n;
  });
}

interface Target {
  /** raftlock, etcd, etcd-grpc, floor, or with --compare-security raftlock-<mode>. */
  name: string;
  /** How rows name it (default: name), e.g. `raftlock/snap-15000` for one of several started clusters. */
  label?: string;
  eps: Endpoint[];
  cpuPids: number[];
}

async function main(): Promise<void> {
  const program = new Command('raftlock-bench')
    .description('load a running raftlock (or etcd) cluster and report throughput and latency')
    .option('--target <target>', 'raftlock | etcd | etcd-grpc (the etcd v3 gRPC API at --endpoints host:port, raftlock\'s --listen-etcd or etcd\'s own)', 'raftlock')
    .option('--endpoints <urls>', 'comma-separated client URLs', 'http://127.0.0.1:7379,http://127.0.0.1:7479,http://127.0.0.1:7579')
    .option('--compare-etcd <urls>', 'also run put, get and lock against etcd at these client URLs (or `start`: a fresh local etcd 3.4 cluster), level by level, interleaved with raftlock')
    .option('--start', 'start a fresh three-member raftlock cluster on free loopback ports (data in a temporary directory) and load it instead of --endpoints', false)
    .option('--snapshot-threshold <list>', 'with --start (implied): the clusters\' snapshot threshold in entries; a list (e.g. 15000,off) starts one cluster per value and runs them interleaved as targets of their own')
    .option('--clients <list>', 'concurrency levels', '1,16,64,256')
    .option('--seconds <n>', 'seconds per level', '5')
    .option('--rounds <n>', 'run every level this many times (interleaved between targets) and report the medians', '1')
    .option('--workloads <list>', 'put,get,lease,lock,contended,watch (etcd: put,get,lock,contended; etcd-grpc: put,get,lock)', 'put,get')
    .option('--spread', 'spread clients over all endpoints instead of sending to the leader', false)
    .option('--value-bytes <n>', 'value size for puts', '64')
    .option('--warmup <seconds>', 'unmeasured load (16 clients) before each workload: JIT, connections, caches', '5')
    .option('--cpu-pids <pids>', 'comma-separated process ids of the target (Linux): report their CPU time per operation')
    .option('--etcd-cpu-pids <pids>', 'the same for the etcd members of --compare-etcd')
    .option('--floor', 'also run puts against the floor (cmd/lib/floor.ts: three processes doing only the HTTP, network and synced RocksDB writes a replicated put needs), interleaved', false)
    .option('--json <file>', 'also write the results as JSON to this file')
    .option('--tls', 'the target serves https: use the certificates `npm start -- --tls` made under ./data/tls (or --cacert/--cert/--key), and https:// for the default endpoints', false)
    .option('--cacert <file>', 'PEM CA bundle that signed the members\' client-port certificates')
    .option('--cert <file>', 'PEM client certificate (for members that require one)')
    .option('--key <file>', 'PEM key of --cert')
    .option('--user <name:password>', 'authenticate as this user first and send its token with every request')
    .option(
      '--compare-security',
      'start three local 3-member clusters (plain; TLS on every port; TLS and auth, as a user with readwrite on "bench" only) and run every workload against each, interleaved round by round (--endpoints is not used)',
      false,
    )
    .parse(process.argv);
  const o = program.opts<{
    target: string;
    endpoints: string;
    compareEtcd?: string;
    start: boolean;
    snapshotThreshold?: string;
    clients: string;
    seconds: string;
    rounds: string;
    workloads: string;
    spread: boolean;
    valueBytes: string;
    warmup: string;
    cpuPids?: string;
    etcdCpuPids?: string;
    floor: boolean;
    json?: string;
    tls: boolean;
    cacert?: string;
    cert?: string;
    key?: string;
    user?: string;
    compareSecurity: boolean;
  }>();
  if (o.compareSecurity) {
    for (const [given, flag] of [[o.tls, '--tls'], [o.user, '--user'], [o.cacert, '--cacert'], [o.cert, '--cert'], [o.key, '--key'], [o.compareEtcd, '--compare-etcd']] as const) {
      if (given !== undefined && given !== false) throw new UsageError(`--compare-security starts and secures its own clusters: leave out ${flag}`);
    }
    if (o.target !== 'raftlock') throw new UsageError('--compare-security goes with --target raftlock');
  }
  const defaultEndpoints = o.endpoints === program.options.find((x) => x.long === '--endpoints')?.defaultValue;
  if (o.tls || o.cacert !== undefined || o.cert !== undefined || o.key !== undefined) {
    // --tls alone: the files `npm start -- --tls` made (relative to the working directory, as
    // `npm run` sets it: the repository); any of them can be given instead.
    const file = (given: string | undefined, dflt: string, flag: string): Buffer | undefined => {
      const path = given ?? (o.tls ? `data/tls/${dflt}` : undefined);
      if (path === undefined) return undefined;
      try {
        return readFileSync(path);
      } catch (err) {
        const hint = given === undefined ? ' (made by `npm start -- --tls`; start that cluster first, or pass ' + flag + ')' : '';
        throw new UsageError(`cannot read ${flag.slice(2)} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}${hint}`);
      }
    };
    const ca = file(o.cacert, 'client-ca/ca.crt', '--cacert');
    const cert = file(o.cert, 'client-ca/client.crt', '--cert');
    const key = file(o.key, 'client-ca/client.key', '--key');
    if ((cert === undefined) !== (key === undefined)) throw new UsageError('--cert and --key go together');
    security.tls = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
    if (o.tls && defaultEndpoints) o.endpoints = o.endpoints.replaceAll('http://', 'https://');
  }
  if (o.target !== 'raftlock' && o.target !== 'etcd' && o.target !== 'etcd-grpc') throw new Error(`--target must be raftlock, etcd or etcd-grpc (got ${o.target})`);
  if (o.compareEtcd !== undefined && o.target !== 'raftlock') throw new Error('--compare-etcd goes with --target raftlock');
  const rounds = Number(o.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer (got ${o.rounds})`);
  const pick = async (name: 'raftlock' | 'etcd' | 'etcd-grpc', urls: string): Promise<Endpoint[]> => {
    const eps = parseEndpoints(urls);
    if (o.spread) return eps;
    return name === 'raftlock' ? findLeader(eps) : name === 'etcd' ? findEtcdLeader(eps) : grpcOps.leader(eps);
  };
  // Tokens expire (default 300 s); a long run renews its token halfway through each lifetime.
  const keepToken = async (ep: Endpoint, sec: Security, user: string): Promise<void> => {
    const t = await authenticate(ep, user);
    sec.token = t.token;
    setTimeout(() => void keepToken(ep, sec, user).catch((e) => process.stderr.write(`bench: token renewal failed: ${String(e)}\n`)), (t.ttl * 1000) / 2).unref();
  };
  const clusters: BenchCluster[] = [];
  const targets: Target[] = [];
  const started: StartedCluster[] = [];
  const stopClusters = () => Promise.all([...clusters, ...started].map((c) => c.stop()));
  if (o.compareSecurity) {
    try {
      for (const mode of SECURITY_MODES) {
        const c = await startBenchCluster(mode);
        clusters.push(c);
        const sec: Security = c.tls === undefined ? {} : { tls: c.tls };
        const eps = parseEndpoints(c.urls.join(','), sec);
        if (c.user !== undefined) await keepToken(eps[0]!, sec, `${c.user.name}:${c.user.password}`);
        const name = `raftlock-${mode}`;
        process.stderr.write(`${name}: ${c.urls.join(',')} (pids ${c.pids.join(',')}, data ${c.dir})${c.user ? `, as user ${c.user.name}` : ''}\n`);
        targets.push({ name, eps: o.spread ? eps : await findLeader(eps), cpuPids: c.pids });
      }
    } catch (err) {
      await stopClusters();
      throw err;
    }
  } else {
    if (o.user !== undefined) await keepToken(parseEndpoints(o.endpoints)[0]!, security, o.user);
    if (o.start || o.snapshotThreshold !== undefined) {
      if (o.target !== 'raftlock') throw new Error('--start and --snapshot-threshold go with --target raftlock');
      const thresholds = (o.snapshotThreshold ?? 'default').split(',');
      try {
        for (const th of thresholds) {
          if (th !== 'default' && th !== 'off' && !/^[1-9][0-9]*$/.test(th)) throw new Error(`--snapshot-threshold takes entry counts or off (got ${th})`);
          // off: the largest threshold the config takes, so no run of the bench crosses one.
          const c = await startRaftlock(th === 'default' ? [] : ['--snapshot-threshold', th === 'off' ? '100000000' : th]);
          started.push(c);
          process.stderr.write(`started raftlock (snapshot threshold ${th}): ${c.urls} (pids ${c.pids.join(',')}, data ${c.dir})\n`);
          targets.push({ name: 'raftlock', ...(thresholds.length > 1 ? { label: `raftlock/snap-${th}` } : {}), eps: await pick('raftlock', c.urls), cpuPids: c.pids });
        }
      } catch (err) {
        await stopClusters();
        throw err;
      }
    } else {
      targets.push({ name: o.target, eps: await pick(o.target as 'raftlock' | 'etcd' | 'etcd-grpc', o.endpoints), cpuPids: parsePids(o.cpuPids) });
    }
  }
  try {
    if (o.compareEtcd === 'start') {
      const c = await startEtcd();
      started.push(c);
      process.stderr.write(`started etcd: ${c.urls} (pids ${c.pids.join(',')}, data ${c.dir})\n`);
      targets.push({ name: 'etcd', eps: await pick('etcd', c.urls), cpuPids: c.pids });
    } else if (o.compareEtcd !== undefined) targets.push({ name: 'etcd', eps: await pick('etcd', o.compareEtcd), cpuPids: parsePids(o.etcdCpuPids) });
  } catch (err) {
    await stopClusters();
    throw err;
  }
  const floor = o.floor ? await startFloor() : null;
  try {
    if (floor !== null) {
      const pids = floor.children.map((k) => k.pid ?? 0);
      process.stderr.write(`floor: leader http://${floor.host}:${floor.port} (pids ${pids.join(',')}, data ${floor.dir})\n`);
      targets.push({ name: 'floor', eps: [{ host: floor.host, port: floor.port }], cpuPids: pids });
    }
    await runAll(o, targets);
  } finally {
    await floor?.stop();
    await stopClusters();
  }
  for (const c of connections.values()) c.close();
  grpcOps.close();
}

/** gRPC channels of the etcd-grpc target (made on first use). */
const grpcOps = new EtcdGrpcOps();

async function runAll(
  o: { clients: string; seconds: string; rounds: string; workloads: string; valueBytes: string; warmup: string; json?: string },
  targets: Target[],
): Promise<void> {
  const rounds = Number(o.rounds);
  const levels = o.clients.split(',').map(Number);
  const seconds = Number(o.seconds);
  const value = 'v'.repeat(Number(o.valueBytes));
  const results: Result[] = [];
  const comparisons: string[] = [];
  for (const wl of o.workloads.split(',')) {
    if (wl === 'watch') {
      for (const t of targets.filter((x) => x.name.startsWith('raftlock'))) {
        for (const n of [1, 100, 1000]) results.push({ ...(await watchLatency(t.eps[0]!, n, 200)), target: t.name });
      }
      continue;
    }
    if (!['put', 'get', 'lease', 'lock', 'contended'].includes(wl)) throw new Error(`unknown workload ${wl}`);
    const opFor = (target: string): Op =>
      target === 'etcd-grpc'
        ? wl === 'put' ? grpcOps.put(value) : wl === 'get' ? grpcOps.get() : grpcOps.lock()
        : wl === 'put' ? putOp(target, value) : wl === 'get' ? getOp(target) : wl === 'lease' ? leaseCycleOp()
        : target === 'etcd' ? etcdLockCycleOp(wl === 'contended') : lockCycleOp(wl === 'contended');
    // etcd runs puts, gets and locks, etcd-grpc puts, gets and locks; the floor serves puts only.
    const these = targets.filter(
      (t) =>
        t.name.startsWith('raftlock') ||
        (t.name === 'etcd' && (wl === 'put' || wl === 'get' || wl === 'lock' || wl === 'contended')) ||
        (t.name === 'etcd-grpc' && (wl === 'put' || wl === 'get' || wl === 'lock')) ||
        (t.name === 'floor' && wl === 'put'),
    );
    const lv = wl === 'contended' ? [16] : levels;
    const warmup = Number(o.warmup);
    const labelOf = (t: Target): string => t.label ?? t.name;
    for (const t of these) if (warmup > 0) await runLevel(wl, labelOf(t), t.eps, 16, warmup, opFor(t.name));
    for (const n of lv) {
      const runs = new Map<string, Result[]>(these.map((t) => [labelOf(t), []]));
      for (let round = 0; round < rounds; round++) {
        // Each round starts with the next target, so none always runs first (or right after another).
        for (const t of these.map((_, j) => these[(j + round) % these.length]!)) {
          const r = await runLevel(wl, labelOf(t), t.eps, n, seconds, opFor(t.name), t.cpuPids);
          runs.get(labelOf(t))!.push(r);
          const cpu = (r.cpuUsPerOp === undefined ? '' : `, ${r.cpuUsPerOp} us CPU/op`) + (r.clientUsPerOp === undefined ? '' : `, client ${r.clientUsPerOp} us/op`);
          process.stderr.write(`${labelOf(t)} ${wl} x${n}${rounds > 1 ? ` round ${round + 1}` : ''}: ${r.opsPerSec} ops/s p50 ${r.p50Ms} ms p99 ${r.p99Ms} ms max ${r.maxMs} ms (${r.errors} errors${cpu})\n`);
        }
      }
      const med = these.map((t) => {
        const rs = runs.get(labelOf(t))!;
        return rs.length === 1 ? rs[0]! : medianOf(rs);
      });
      results.push(...med);
      const a = med[0]!;
      for (const b of med.slice(1)) {
        if (b.opsPerSec === 0) continue;
        comparisons.push(
          `${wl} x${n}: ${a.target}/${b.target} throughput ${(a.opsPerSec / b.opsPerSec).toFixed(2)}x, p50 ${a.p50Ms.toFixed(2)} vs ${b.p50Ms.toFixed(2)} ms, ` +
            `p99 ${a.p99Ms.toFixed(2)} vs ${b.p99Ms.toFixed(2)} ms, max ${a.maxMs.toFixed(1)} vs ${b.maxMs.toFixed(1)} ms` +
            (a.cpuUsPerOp !== undefined && b.cpuUsPerOp !== undefined ? `, CPU ${a.cpuUsPerOp} vs ${b.cpuUsPerOp} us/op` : ''),
        );
      }
    }
  }
  const rows = results.map((r) => [
    r.target,
    r.workload,
    String(r.clients),
    String(r.opsPerSec),
    r.p50Ms.toFixed(3),
    r.p99Ms.toFixed(3),
    r.maxMs.toFixed(1),
    r.cpuUsPerOp === undefined ? '-' : String(r.cpuUsPerOp),
    r.clientUsPerOp === undefined ? '-' : String(r.clientUsPerOp),
    String(r.errors),
  ]);
  const head = ['target', 'workload', 'clients', 'ops/s', 'p50 ms', 'p99 ms', 'max ms', 'cpu us/op', 'client us/op', 'errors'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  if (rounds > 1) process.stdout.write(`medians of ${rounds} interleaved rounds per level\n`);
  process.stdout.write(`${line(head)}\n${rows.map(line).join('\n')}\n`);
  for (const c of comparisons) process.stdout.write(`${c}\n`);
  process.stdout.write(`${JSON.stringify(results)}\n`);
  if (o.json) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(o.json, JSON.stringify(results, null, 2));
  }
}

main().catch((err) => {
  process.stderr.write(`bench: ${err instanceof UsageError ? err.message : (err?.stack ?? err)}\n`);
  process.exit(1);
});
