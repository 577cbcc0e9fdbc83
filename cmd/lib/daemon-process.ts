// Real raftlockd processes on loopback for the dev tools (chaos) and the tests: the daemon's path,
// one spawn with the standard flags, and free loopback ports that one process never hands out
// twice. test/helpers/process-cluster.ts re-exports these, so both share one port allocator.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/cmd/raftlockd.js (this file runs as dist/cmd/lib/daemon-process.js). */
export const DAEMON = resolve(here, '../raftlockd.js');

/**
 * The V8 flags every raftlockd runs with, wherever it is started: `npm start`, the bench, the
 * tests, and deploy/Dockerfile's ENTRYPOINT (test/deploy checks they agree).
 *
 * `--single-threaded-gc`: V8's scavenger otherwise spreads each young-generation collection over
 * helper threads. A member allocates tens of MB/s under load, so it scavenges several times a
 * second; where members have a core or two each (or share them, as `npm start` does) the helpers
 * only take the CPU from the event loops. Measured with 64 spread clients on 2 cores (medians of
 * interleaved rounds): puts +12% and lock cycles +11%, with lower p99 and worst-case latency.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--single-threaded-gc'];

/**
 * Start one raftlockd on loopback (warn-level logs) with `args` after the standard flags; its
 * stdout and stderr go into `output`, keeping the last `maxChunks` pieces.
 */
export function spawnDaemon(
  m: { name: string; dataDir: string; clientPort: number; peerPort: number },
  initialCluster: string,
  args: string[],
  output: string[],
  maxChunks: number,
  env?: Record<string, string>,
  /** The entry point to run: the daemon, or a test's own entry built on its main(). */
  script: string = DAEMON,
): ChildProcess {
  const proc = spawn(
    process.execPath,
    [
      ...DAEMON_NODE_FLAGS,
      script,
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client', `127.0.0.1:${m.clientPort}`,
      '--listen-peer', `127.0.0.1:${m.peerPort}`,
      '--initial-cluster', initialCluster,
      '--log-level', 'warn',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(env ?? {}) } },
  );
  const keep = (buf: Buffer): void => {
    output.push(buf.toString());
    if (output.length > maxChunks) output.shift();
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return proc;
}

// Ports for test servers come from below Linux's default ephemeral range (32768-60999), so the
// outgoing connections of the processes under test cannot take one between its pick and its
// bind; and a port is never handed out twice by one test process. (Asking the kernel for port 0
// gave the same port to two members of one cluster once: one of them could not listen.)
const PORT_LOW = 20_000;
const PORT_HIGH = 32_000;
const handedOut = new Set<number>();
let nextPort = PORT_LOW + Math.floor(Math.random() * (PORT_HIGH - PORT_LOW));

function canListen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

/** A loopback port that nothing listens on now and that this process has not handed out before. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < PORT_HIGH - PORT_LOW; tries++) {
    const port = nextPort;
    nextPort = nextPort + 1 >= PORT_HIGH ? PORT_LOW : nextPort + 1;
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port left in ${PORT_LOW}-${PORT_HIGH - 1}`);
}
