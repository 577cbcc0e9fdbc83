#!/usr/bin/env node
// `npm start`: a local three-member cluster on 127.0.0.1, one raftlockd process per member,
// data under ./data (or --data), ports from --base-port (default 7379: n1 7379/7380, n2
// 7479/7480, n3 7579/7580). A member that ends leaves the others running (kill the leader and
// watch a failover); the launcher says which member ended and the command that starts it again.
// Ctrl-C (or SIGTERM) stops every member still running.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DAEMON, DAEMON_NODE_FLAGS } from './lib/daemon-process.js';
import { makeCa, makeLeaf } from './lib/dev-certs.js';

const HOST = '127.0.0.1';

export interface LocalMember {
  name: string;
  clientPort: number;
  peerPort: number;
}

/** Client port of n1; member i (0-based) listens for clients on base + 100 i, for peers on base + 100 i + 1. */
export const DEFAULT_BASE_PORT = 7379;
const MEMBER_COUNT = 3;
const MEMBER_STRIDE = 100;
/** Highest base port whose last member's peer port still fits in 65535. */
export const MAX_BASE_PORT = 65535 - (MEMBER_COUNT - 1) * MEMBER_STRIDE - 1;

export function localMembers(basePort = DEFAULT_BASE_PORT): LocalMember[] {
  return Array.from({ length: MEMBER_COUNT }, (_, i) => ({
    name: `n${i + 1}`,
    clientPort: basePort + i * MEMBER_STRIDE,
    peerPort: basePort + i * MEMBER_STRIDE + 1,
  }));
}

export const DEFAULT_MEMBERS: readonly LocalMember[] = localMembers();

/** The client URLs of the members, comma-separated (raftlockctl's default `--endpoints`). */
export function clientUrls(members: readonly LocalMember[], host = HOST, scheme = 'http'): string {
  return members.map((m) => `${scheme}://${host}:${m.clientPort}`).join(',');
}

export function initialClusterFlag(members: readonly LocalMember[], host = HOST, scheme = 'http'): string {
  return members.map((m) => `${m.name}=${scheme}://${host}:${m.peerPort}|${scheme}://${host}:${m.clientPort}`).join(',');
}

export function memberArgs(m: LocalMember, members: readonly LocalMember[], dataRoot: string, extra: string[] = [], tlsDir?: string): string[] {
  return [
    '--name', m.name,
    '--data-dir', join(dataRoot, m.name),
    '--listen-client', `${HOST}:${m.clientPort}`,
    '--listen-peer', `${HOST}:${m.peerPort}`,
    '--initial-cluster', initialClusterFlag(members, HOST, tlsDir === undefined ? 'http' : 'https'),
    ...(tlsDir === undefined ? [] : tlsArgs(m, members, tlsDir)),
    ...extra,
  ];
}

/**
 * `--tls`: certificates under `<data>/tls`, made once with openssl and kept across runs: a peer CA
 * signing each member's peer certificate (mutual TLS, names limited to the members), a client CA
 * signing each member's client-port certificate and one client certificate for you
 * (`client-ca/client.crt`), which the client port then requires.
 */
export function ensureDevCertificates(tlsDir: string, members: readonly LocalMember[]): void {
  if (existsSync(join(tlsDir, 'client-ca', 'client.key'))) return;
  const peer = makeCa(tlsDir, 'peer-ca');
  const client = makeCa(tlsDir, 'client-ca');
  for (const m of members) {
    makeLeaf(peer, m.name);
    makeLeaf(client, m.name, { file: `${m.name}-server` });
  }
  makeLeaf(client, 'client');
}

function tlsArgs(m: LocalMember, members: readonly LocalMember[], tlsDir: string): string[] {
  return [
    '--peer-cert', join(tlsDir, 'peer-ca', `${m.name}.crt`), '--peer-key', join(tlsDir, 'peer-ca', `${m.name}.key`),
    '--peer-ca', join(tlsDir, 'peer-ca', 'ca.crt'), '--peer-allowed-names', members.map((x) => x.name).join(','),
    '--client-cert', join(tlsDir, 'client-ca', `${m.name}-server.crt`), '--client-key', join(tlsDir, 'client-ca', `${m.name}-server.key`),
    '--client-ca', join(tlsDir, 'client-ca', 'ca.crt'),
  ];
}

/** `argv` as one line a POSIX shell runs as it is (single-quoting words that need it). */
export function shellCommand(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Resolves with the first of `ports` something already listens on (or that cannot be bound), or undefined. */
export async function firstPortInUse(ports: readonly number[], host = HOST): Promise<{ port: number; reason: string } | undefined> {
  for (const port of ports) {
    const reason = await new Promise<string | undefined>((res) => {
      const srv = net.createServer();
      srv.once('error', (e: NodeJS.ErrnoException) => res(e.code === 'EADDRINUSE' ? 'already in use' : (e.code ?? e.message)));
      srv.listen({ port, host, exclusive: true }, () => srv.close(() => res(undefined)));
    });
    if (reason !== undefined) return { port, reason };
  }
  return undefined;
}

function portArg(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a port number');
  const n = Number(v);
  if (n < 1 || n > MAX_BASE_PORT) throw new InvalidArgumentError(`must be 1..${MAX_BASE_PORT} (the members use it, +1, +100, +101, +200 and +201)`);
  return n;
}

async function main(): Promise<void> {
  const program = new Command('raftlock-local')
    .description('run a local three-member raftlock cluster on 127.0.0.1')
    .addOption(new Option('--data <dir>', 'data root (one directory per member)').env('RAFTLOCK_LOCAL_DATA').default('./data'))
    .addOption(
      new Option('--base-port <port>', `client port of n1; n2 and n3 use +${MEMBER_STRIDE} and +${2 * MEMBER_STRIDE}, each peer port is its client port +1`)
        .env('RAFTLOCK_LOCAL_BASE_PORT')
        .argParser(portArg)
        .default(DEFAULT_BASE_PORT),
    )
    .addOption(new Option('--log-level <level>', 'log level for every member').default('info'))
    .addOption(new Option('--tls', 'TLS on every port: certificates made with openssl under <data>/tls (kept across runs); clients present tls/client-ca/client.crt'))
    .parse(process.argv);
  const opts = program.opts<{ data: string; basePort: number; logLevel: string; tls?: boolean }>();
  const dataRoot = resolve(opts.data);
  const members = localMembers(opts.basePort);
  const tlsDir = opts.tls === true ? join(dataRoot, 'tls') : undefined;
  if (tlsDir !== undefined) ensureDevCertificates(tlsDir, members);
  const scheme = tlsDir === undefined ? 'http' : 'https';

  const busy = await firstPortInUse(members.flatMap((m) => [m.clientPort - 1, m.clientPort, m.peerPort]));
  if (busy !== undefined) {
    process.stderr.write(`raftlock-local: port ${busy.port} on ${HOST} is ${busy.reason}; pick other ports with --base-port N (or RAFTLOCK_LOCAL_BASE_PORT)\n`);
    process.exit(1);
  }

  const running = new Map<string, ChildProcess>();
  let stopping = false;
  let exitCode = 0;

  for (const m of members) {
    const argv = [process.execPath, ...DAEMON_NODE_FLAGS, DAEMON, ...memberArgs(m, members, dataRoot, ['--log-level', opts.logLevel, '--listen-etcd', `${HOST}:${m.clientPort - 1}`], tlsDir)];
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'inherit', 'inherit'],
      // Own process group: a terminal's Ctrl-C reaches only this launcher, which then stops each
      // member exactly once with SIGTERM.
      detached: true,
    });
    running.set(m.name, child);
    child.on('exit', (code, signal) => {
      running.delete(m.name);
      if (stopping) {
        if (running.size === 0) process.exit(exitCode);
        return;
      }
      exitCode = 1;
      const how = signal !== null ? `killed by ${signal}` : `exit code ${code}`;
      const left = [...running.keys()];
      process.stderr.write(
        `raftlock-local: member ${m.name} (pid ${child.pid}) ended (${how}); ` +
          (left.length > 0 ? `${left.join(' and ')} keep running.\n` : 'no member is left running.\n') +
          `  start it again with:\n    ${shellCommand(argv)}\n`,
      );
      if (running.size === 0) process.exit(exitCode);
    });
  }
  // etcdctl takes host:port endpoints (https:// when the cluster speaks TLS).
  const etcdEndpoints = members.map((m) => `${tlsDir === undefined ? '' : 'https://'}${HOST}:${m.clientPort - 1}`).join(',');
  process.stdout.write(
    'raftlock local cluster:\n' +
      members
        .map((m) => `  ${m.name}  pid ${running.get(m.name)?.pid}  client ${scheme}://${HOST}:${m.clientPort}  peer ${scheme}://${HOST}:${m.peerPort}  etcd ${HOST}:${m.clientPort - 1}`)
        .join('\n') +
      `\n  data under ${dataRoot}\n` +
      (tlsDir === undefined
        ? `  try: curl -X PUT -d '{"value":"hello"}' -H 'content-type: application/json' http://${HOST}:${members[0]!.clientPort}/v1/kv/greeting\n` +
          `   or: etcdctl --endpoints ${etcdEndpoints} get greeting\n`
        : `  try: curl --cacert ${tlsDir}/client-ca/ca.crt --cert ${tlsDir}/client-ca/client.crt --key ${tlsDir}/client-ca/client.key \\\n` +
          `         -X PUT -d '{"value":"hello"}' -H 'content-type: application/json' https://${HOST}:${members[0]!.clientPort}/v1/kv/greeting\n` +
          `   or: etcdctl --cacert ${tlsDir}/client-ca/ca.crt --cert ${tlsDir}/client-ca/client.crt --key ${tlsDir}/client-ca/client.key \\\n` +
          `         --endpoints ${etcdEndpoints} get greeting\n`) +
      `  a member that ends leaves the others running; Ctrl-C stops all.\n`,
  );

  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    exitCode = 0;
    if (running.size === 0) process.exit(exitCode);
    for (const c of running.values()) c.kill('SIGTERM');
  };
  process.on('SIGINT', stopAll);
  process.on('SIGTERM', stopAll);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`raftlock-local: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
