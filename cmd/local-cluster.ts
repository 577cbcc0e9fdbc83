#!/usr/bin/env node
// `npm start`: a local three-member cluster on 127.0.0.1, data under ./data, one raftlockd
// process per member. Ctrl-C (or SIGTERM) stops all three cleanly.

import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';

const here = dirname(fileURLToPath(import.meta.url));

export interface LocalMember {
  name: string;
  clientPort: number;
  peerPort: number;
}

export const DEFAULT_MEMBERS: LocalMember[] = [
  { name: 'n1', clientPort: 7379, peerPort: 7380 },
  { name: 'n2', clientPort: 7479, peerPort: 7480 },
  { name: 'n3', clientPort: 7579, peerPort: 7580 },
];

export function initialClusterFlag(members: LocalMember[], host = '127.0.0.1'): string {
  return members.map((m) => `${m.name}=http://${host}:${m.peerPort}|http://${host}:${m.clientPort}`).join(',');
}

export function memberArgs(m: LocalMember, members: LocalMember[], dataRoot: string, extra: string[] = []): string[] {
  return [
    '--name', m.name,
    '--data-dir', join(dataRoot, m.name),
    '--listen-client', `127.0.0.1:${m.clientPort}`,
    '--listen-peer', `127.0.0.1:${m.peerPort}`,
    '--initial-cluster', initialClusterFlag(members),
    ...extra,
  ];
}

async function main(): Promise<void> {
  const program = new Command('raftlock-local')
    .description('run a local three-member raftlock cluster on 127.0.0.1')
    .option('--data <dir>', 'data root', './data')
    .option('--log-level <level>', 'log level for every member', 'info')
    .parse(process.argv);
  const opts = program.opts<{ data: string; logLevel: string }>();
  const dataRoot = resolve(opts.data);
  const daemon = join(here, 'raftlockd.js');
  const children: ChildProcess[] = [];
  let stopping = false;

  for (const m of DEFAULT_MEMBERS) {
    const child = spawn(process.execPath, [daemon, ...memberArgs(m, DEFAULT_MEMBERS, dataRoot, ['--log-level', opts.logLevel, '--listen-etcd', `127.0.0.1:${m.clientPort - 1}`])], {
      stdio: ['ignore', 'inherit', 'inherit'],
      // Own process group: a terminal's Ctrl-C reaches only this launcher, which then stops each
      // member exactly once with SIGTERM.
      detached: true,
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        process.stderr.write(`member ${m.name} exited (code ${code}, signal ${signal}); stopping the others\n`);
        stopAll(1);
      }
    });
    children.push(child);
  }
  process.stdout.write(
    'raftlock local cluster:\n' +
      DEFAULT_MEMBERS.map((m) => `  ${m.name}  client http://127.0.0.1:${m.clientPort}  peer http://127.0.0.1:${m.peerPort}  etcd 127.0.0.1:${m.clientPort - 1}`).join('\n') +
      `\n  data under ${dataRoot}\n  try: curl -X PUT -d '{"value":"hello"}' -H 'content-type: application/json' http://127.0.0.1:7379/v1/kv/greeting\n  Ctrl-C stops all three.\n`,
  );

  function stopAll(exitCode: number): void {
    if (stopping) return;
    stopping = true;
    let left = children.filter((c) => c.exitCode === null && c.signalCode === null).length;
    if (left === 0) process.exit(exitCode);
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      c.once('exit', () => {
        if (--left === 0) process.exit(exitCode);
      });
      c.kill('SIGTERM');
    }
  }
  process.on('SIGINT', () => stopAll(0));
  process.on('SIGTERM', () => stopAll(0));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
