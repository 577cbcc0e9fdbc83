// Starts the floor (floor.ts) for the bench and its tests: two followers, then the leader that
// connects to them, on free loopback ports, with data in a fresh temporary directory.

import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Floor {
  host: string;
  port: number;
  /** The processes: follower, follower, leader. */
  children: ChildProcess[];
  dir: string;
  /** Kill all three (the leader first, so it never sees its followers go), reap them, remove the
   *  directory. The children also exit by themselves if the process that started them goes away. */
  stop(): Promise<void>;
}

export async function startFloor(opts: { quiet?: boolean } = {}): Promise<Floor> {
  const script = fileURLToPath(new URL('./floor.js', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'raftlock-floor-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      [...children].reverse().map((k) => {
        if (k.exitCode !== null || k.signalCode !== null) return undefined;
        const gone = new Promise((r) => k.once('exit', r));
        k.kill('SIGKILL');
        return gone;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  const start = (args: string[]): Promise<number> =>
    new Promise((resolve, reject) => {
      const k = fork(script, args, { stdio: ['ignore', 'inherit', opts.quiet ? 'ignore' : 'inherit', 'ipc'] });
      children.push(k);
      k.once('message', (m) => resolve((m as { port: number }).port));
      k.once('exit', (code) => reject(new Error(`floor ${args[0]} exited with code ${code} before it listened`)));
    });
  try {
    const followers = [await start(['follower', join(dir, 'f1')]), await start(['follower', join(dir, 'f2')])];
    const port = await start(['leader', join(dir, 'leader'), followers.join(',')]);
    return { host: '127.0.0.1', port, children, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
