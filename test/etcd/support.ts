// Pieces of the etcd API suites: a three-member cluster with the etcd listener on, Debian's
// real etcdctl run once or in the background (waited on by its output, never by time), and a
// grpc-js client over raftlock's own .proto files for the services etcdctl does not call.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos } from '../../src/etcd/index.js';
import { findTool } from '../helpers/find-tool.js';
import { eventually, freePort, ProcessCluster, waitForLeader } from '../helpers/process-cluster.js';

export const ETCDCTL = findTool('etcdctl', 'ETCDCTL', 'Debian: apt-get install etcd-client');

/** A single real etcd 3.4 member on loopback, to compare answers with. */
export async function startRealEtcd(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const bin = findTool('etcd', 'ETCD', 'Debian: apt-get install etcd-server');
  const [client, peer] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'raftlock-real-etcd-'));
  const peerUrl = `http://127.0.0.1:${peer}`;
  const proc = spawn(
    bin,
    [
      '--name', 'real', '--data-dir', dir, '--log-level', 'error',
      '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
      '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl, '--initial-cluster', `real=${peerUrl}`,
    ],
    { stdio: 'ignore' },
  );
  const endpoint = `127.0.0.1:${client}`;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((res) => proc.once('exit', () => res()));
      proc.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually('etcd to serve', async () => ((await etcdctl(endpoint, ['endpoint', 'health'])).code === 0 ? true : undefined), 20_000, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, stop };
}

export interface EtcdCluster {
  cluster: ProcessCluster;
  /** 127.0.0.1:port of each member's etcd listener, in member order. */
  endpoints: string[];
}

/** Three members with the etcd listener on; members added later (addMember) get one too. */
export async function startEtcdCluster(): Promise<EtcdCluster> {
  const ports = [await freePort(), await freePort(), await freePort()];
  const cluster = await ProcessCluster.start({
    size: 3,
    extraArgs: ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'],
    argsFor: (i) => (ports[i] !== undefined ? ['--listen-etcd', `127.0.0.1:${ports[i]}`] : []),
  });
  await waitForLeader(cluster);
  const endpoints = ports.map((p) => `127.0.0.1:${p}`);
  // The listener comes up after the REST one; wait until every member answers etcdctl.
  for (const ep of endpoints) {
    await eventually(`etcd listener ${ep}`, async () => ((await etcdctl(ep, ['endpoint', 'health'])).code === 0 ? true : undefined), 20_000, 100);
  }
  return { cluster, endpoints };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run etcdctl once against `endpoints` (comma-separated); `input` goes to its stdin. */
export function etcdctl(endpoints: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      ETCDCTL,
      [`--endpoints=${endpoints}`, '--command-timeout=10s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 20_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** etcdctl that must succeed; returns its stdout. */
export async function ok(endpoints: string, args: string[], input?: string): Promise<string> {
  const r = await etcdctl(endpoints, args, input);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** A long-running etcdctl (watch, lock, elect) whose output can be waited on. */
export class Background {
  readonly proc: ChildProcess;
  out = '';
  private waiters: (() => void)[] = [];
  constructor(endpoints: string, args: string[]) {
    this.proc = spawn(ETCDCTL, [`--endpoints=${endpoints}`, ...args], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const take = (b: Buffer): void => {
      this.out += b.toString();
      for (const w of this.waiters.splice(0)) w();
    };
    this.proc.stdout!.on('data', take);
    this.proc.stderr!.on('data', take);
    this.proc.on('exit', () => {
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolve once the output matches `re` (rejects after `timeoutMs`). */
  async waitFor(re: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.out)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`etcdctl output never matched ${re}; got:\n${this.out}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
    return this.out;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Stop with `signal` (etcdctl lock/elect release on SIGINT) and wait for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((res) => this.proc.once('exit', () => res()));
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  }
}

// ---- a grpc-js client over our own protos ---------------------------------------------------

type Client = grpc.Client & Record<string, (...args: any[]) => any>;

export function grpcClient(pkg: 'etcdserverpb' | 'v3lockpb' | 'v3electionpb', service: string, endpoint: string, creds?: grpc.ChannelCredentials): Client {
  const pkgs = loadEtcdProtos();
  const Ctor = (pkgs[pkg] as grpc.GrpcObject)[service] as grpc.ServiceClientConstructor;
  return new Ctor(endpoint, creds ?? grpc.credentials.createInsecure()) as unknown as Client;
}

/** gRPC metadata carrying an etcd auth token, as etcd clients send it. */
export function withToken(token: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('token', token);
  return md;
}

/** Call a unary method; resolves with the response or rejects with the gRPC error. */
export function unaryCall<T = any>(client: Client, method: string, req: unknown, opts: grpc.CallOptions = {}, metadata?: grpc.Metadata): Promise<T> & { call?: grpc.ClientUnaryCall } {
  let call: grpc.ClientUnaryCall | undefined;
  const p = new Promise<T>((resolve, reject) => {
    call = client[method]!(req, metadata ?? new grpc.Metadata(), opts, (err: grpc.ServiceError | null, res: T) => (err ? reject(err) : resolve(res)));
  }) as Promise<T> & { call?: grpc.ClientUnaryCall };
  p.call = call;
  return p;
}

/** Resolve once `p` settles or `ms` passed, telling which (for "is it still waiting?" checks). */
export async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<false>((res) => (t = setTimeout(() => res(false), ms)));
  const done = p.then(
    () => true,
    () => true,
  );
  const r = await Promise.race([done, timer]);
  clearTimeout(t);
  return r;
}

/** A raw Watch stream: write requests, wait for (and take) the first response matching a predicate. */
export function watchStream(endpoint: string, metadata?: grpc.Metadata): { write(req: unknown): void; until(what: string, pred: (r: any) => boolean): Promise<any>; close(): void } {
  const client = grpcClient('etcdserverpb', 'Watch', endpoint);
  const stream = client['Watch']!(metadata ?? new grpc.Metadata());
  const got: any[] = [];
  const waiters: (() => void)[] = [];
  stream.on('data', (res: any) => {
    got.push(res);
    for (const w of waiters.splice(0)) w();
  });
  stream.on('error', () => {
    for (const w of waiters.splice(0)) w();
  });
  return {
    write: (req) => stream.write(req),
    async until(what, pred) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const i = got.findIndex(pred);
        if (i >= 0) return got.splice(i, 1)[0];
        if (Date.now() > deadline) throw new Error(`no watch response: ${what}; got ${JSON.stringify(got)}`);
        await new Promise<void>((res) => {
          const t = setTimeout(res, 200);
          waiters.push(() => {
            clearTimeout(t);
            res();
          });
        });
      }
    },
    close() {
      stream.cancel();
      client.close();
    },
  };
}
