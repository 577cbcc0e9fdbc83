#!/usr/bin/env node
// sweep: the bad-input sweep. Sends malformed HTTP requests (over raw TCP: bad bytes, framing,
// methods, paths, queries, headers, bodies, sizes, handshakes) and malformed WebSocket messages
// across every route, and checks every answer: none is a 5xx, no connection is reset or closed
// before its answer, every error is `{"error": {"code", "message"}}` with a code of the table in
// docs/api.md and that table's status. Exits 1 on any failure, printing the first ones.
//
//   npm run sweep                                   # starts a 3-member cluster on free ports
//   npm run sweep -- --endpoints http://127.0.0.1:7379,http://127.0.0.1:7479 --max-body-bytes 1572864
//
// Against --endpoints it may write keys named "sweep-..." (the few cases that happen to be valid);
// point it only at a cluster meant for testing.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { DAEMON, DAEMON_NODE_FLAGS } from './lib/daemon-process.js';
import { apiDocPath, readErrorTable } from './lib/error-table.js';
import { formatSweepReport, runSweep, sweepPassed } from './lib/sweep.js';


function int(name: string, lo: number, hi: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new InvalidArgumentError(`${name} must be an integer in ${lo}..${hi}`);
    return n;
  };
}

/** Distinct free loopback ports: all held open at once while chosen, so none repeats. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

interface LocalCluster {
  endpoints: string[];
  stop(): Promise<void>;
}

/** The sweep's own cluster: `size` members on loopback, small body limits (so bodies just over
 *  the limit are cheap to send), data in a temporary directory removed at the end. */
async function startCluster(size: number, maxBodyBytes: number): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'raftlock-sweep-'));
  const ports = await freePorts(size * 2);
  const members = Array.from({ length: size }, (_x, i) => ({ name: `s${i + 1}`, client: ports[2 * i]!, peer: ports[2 * i + 1]! }));
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peer}|http://127.0.0.1:${m.client}`).join(',');
  const children: ChildProcess[] = [];
  const output: string[] = [];
  for (const m of members) {
    const child = spawn(process.execPath, [
      ...DAEMON_NODE_FLAGS,
      DAEMON,
      '--name', m.name,
      '--data-dir', join(dir, m.name),
      '--listen-client', `127.0.0.1:${m.client}`,
      '--listen-peer', `127.0.0.1:${m.peer}`,
      '--initial-cluster', initialCluster,
      '--log-level', 'warn',
      '--limits-max-value-bytes', String(Math.floor(maxBodyBytes / 2)),
      '--limits-max-body-bytes', String(maxBodyBytes),
      // Requests that announce more than they send end in 408 after these, not after 30 s.
      '--http-headers-timeout-ms', '1000',
      '--http-request-timeout-ms', '2000',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer): void => {
      output.push(`${m.name}: ${b.toString()}`);
      if (output.length > 50) output.shift();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.push(child);
  }
  const stop = async (): Promise<void> => {
    await Promise.all(children.map((c) => {
      if (c.exitCode !== null || c.signalCode !== null) return undefined;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      return gone;
    }));
    rmSync(dir, { recursive: true, force: true });
  };
  const endpoints = members.map((m) => `http://127.0.0.1:${m.client}`);
  // Ready when every member reports ready (a leader known, applied up to commit).
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await Promise.all(endpoints.map((e) => fetch(`${e}/readyz`).then((r) => r.status === 200, () => false)));
    if (ready.every(Boolean)) break;
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (dead || Date.now() > deadline) {
      await stop();
      throw new Error(`the sweep's cluster did not become ready${dead ? ' (a member exited)' : ''}:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoints, stop };
}

async function main(): Promise<void> {
  const program = new Command('sweep')
    .description('bad-input sweep: malformed requests and WebSocket messages on every route; checks answers against docs/api.md')
    .option('--endpoints <urls>', 'comma-separated client URLs of a running cluster (default: start a 3-member cluster)')
    .option('--requests <n>', 'malformed HTTP requests', int('requests', 1, 10_000_000), 20_000)
    .option('--ws-messages <n>', 'malformed WebSocket messages', int('ws-messages', 0, 10_000_000), 2_000)
    .option('--seed <n>', 'seed of the case generator', int('seed', 0, 2 ** 32 - 1), 1)
    .option('--concurrency <n>', 'requests in flight at once', int('concurrency', 1, 1000), 32)
    .option('--max-body-bytes <n>', 'the members\' limits.maxBodyBytes (with --endpoints; bodies just over it are sent)', int('max-body-bytes', 1, 1 << 30))
    .option('--members <n>', 'size of the cluster started when no --endpoints', int('members', 1, 7), 3)
    .option('--answer-timeout-ms <n>', 'longest wait for one answer; above the members\' http.requestTimeoutMs (default 40000 with --endpoints, 10000 for the own cluster)', int('answer-timeout-ms', 100, 600_000))
    .allowExcessArguments(false);
  program.parse(process.argv);
  const o = program.opts<{
    endpoints?: string; requests: number; wsMessages: number; seed: number; concurrency: number; maxBodyBytes?: number; members: number; answerTimeoutMs?: number;
  }>();
  const errorTable = readErrorTable(readFileSync(apiDocPath(), 'utf8'));

  let cluster: LocalCluster | undefined;
  let endpoints: string[];
  let maxBodyBytes: number;
  if (o.endpoints) {
    endpoints = o.endpoints.split(',').map((e) => e.trim()).filter(Boolean);
    maxBodyBytes = o.maxBodyBytes ?? 1.5 * 1024 * 1024;
  } else {
    maxBodyBytes = o.maxBodyBytes ?? 128 * 1024;
    process.stderr.write(`sweep: starting a ${o.members}-member cluster on loopback...\n`);
    cluster = await startCluster(o.members, maxBodyBytes);
    endpoints = cluster.endpoints;
  }
  const stopCluster = (): void => {
    void cluster?.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopCluster);
  process.once('SIGTERM', stopCluster);
  try {
    process.stderr.write(`sweep: ${o.requests} requests and ${o.wsMessages} WebSocket messages to ${endpoints.join(', ')} (seed ${o.seed})\n`);
    const started = performance.now();
    const answerTimeoutMs = o.answerTimeoutMs ?? (cluster ? 10_000 : 40_000);
    const report = await runSweep({ endpoints, requests: o.requests, wsMessages: o.wsMessages, errorTable, seed: o.seed, concurrency: o.concurrency, maxBodyBytes, answerTimeoutMs });
    process.stdout.write(`${formatSweepReport(report, performance.now() - started)}\n`);
    process.exitCode = sweepPassed(report) ? 0 : 1;
  } finally {
    await cluster?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`sweep: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
