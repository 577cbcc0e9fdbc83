// raftlockctl lock NAME [-- CMD ...]: hold a lock while a command runs, as `consul lock` does:
// the lock's lease TTL (--ttl), a limit on the wait (--wait; by default it waits until it gets
// the lock or is interrupted), the signals raftlockctl receives passed on to the command, and
// the command's exit status as raftlockctl's own.

import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { Option, type Command } from 'commander';
import { RaftlockError, type Client } from '../../src/client/index.js';
import { durationArg, formatMs, intArg } from './args.js';
import { CtlExit } from './exit.js';
import { EXIT, describeError, type Printer } from './output.js';

export type CtlContext = (cmd: Command) => { client: Client; out: Printer };

/** Signals passed on to the command while it runs. */
const FORWARDED: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
/** Signals that end the wait for the lock (before the command starts). */
const WAIT_ABORTED_BY: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** One lock request waits at most this long (the server may cut it shorter); a longer wait asks again. */
const REQUEST_WAIT_MS = 300_000;
/** After the lease is lost, the command gets SIGTERM, then SIGKILL this much later. */
const KILL_GRACE_MS = 5_000;

export function registerLock(program: Command, ctx: CtlContext): void {
  program
    .command('lock')
    .description('acquire lock NAME; with a command, hold it while the command runs and exit with its status; without, hold it until interrupted')
    .argument('<name>')
    .argument('[command...]', 'after "--": the command and its arguments')
    .addOption(new Option('--ttl <seconds>', 'TTL of the lease holding the lock (kept alive); if it cannot be renewed, the command is stopped').argParser(intArg('--ttl', 1)).default(10))
    .addOption(new Option('--wait <duration>', 'give up if the lock is not acquired within this long (e.g. 500ms, 30s, 5m; 0 = try once); default: wait until acquired').argParser(durationArg('--wait')))
    .addOption(new Option('--wait-ms <ms>', 'the same as --wait, in milliseconds').argParser(intArg('--wait-ms', 0)).conflicts('wait'))
    .addHelpText(
      'after',
      `
The command gets RAFTLOCK_FENCING_TOKEN, RAFTLOCK_LOCK_LEASE and RAFTLOCK_LOCK_NAME in its
environment. SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 sent to raftlockctl are
passed on to it; raftlockctl exits with its status (128+N if it was killed by signal N) and
releases the lock. If the lease is lost while it runs, it is sent SIGTERM (SIGKILL 5 s later)
and raftlockctl exits 7. Not acquired within --wait: exit 4. Interrupted while waiting: 130.
Example: raftlockctl lock --ttl 30 --wait 1m jobs/nightly -- ./run-nightly.sh --full`,
    )
    .action(async (name: string, command: string[], o: { ttl: number; wait?: number; waitMs?: number }, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const waitMs = o.wait ?? o.waitMs;
      // Interrupted while still waiting for the lock: abort the wait; withLock then revokes the
      // lease, which withdraws our waiter (no ghost waiter left queued).
      const interrupted = new AbortController();
      const onSignal = (): void => interrupted.abort();
      for (const sig of WAIT_ABORTED_BY) process.once(sig, onSignal);
      const stopListening = (): void => {
        for (const sig of WAIT_ABORTED_BY) process.off(sig, onSignal);
      };
      const deadline = waitMs === undefined ? Infinity : Date.now() + waitMs;
      try {
        for (;;) {
          const left = Math.max(0, deadline - Date.now());
          try {
            process.exitCode = await client.withLock(
              name,
              async ({ fencingToken, lease: leaseId, signal }) => {
                // The next phase's signal handlers go in before the wait's come out, so that no
                // signal finds none (and kills raftlockctl with the lock still held).
                if (interrupted.signal.aborted) {
                  stopListening();
                  return EXIT.INTERRUPTED;
                }
                if (command.length === 0) {
                  const held = holdUntilInterrupted(signal);
                  stopListening();
                  out.print({ name, lease: leaseId, fencingToken }, () => `${name} lease=${leaseId} fencingToken=${fencingToken}`);
                  await held;
                  return EXIT.OK;
                }
                const env = { RAFTLOCK_FENCING_TOKEN: String(fencingToken), RAFTLOCK_LOCK_LEASE: leaseId, RAFTLOCK_LOCK_NAME: name };
                return runHolding(command, env, signal, stopListening);
              },
              { ttl: o.ttl, waitMs: Math.min(left, REQUEST_WAIT_MS), signal: interrupted.signal },
            );
            return;
          } catch (e) {
            if (!(e instanceof RaftlockError && e.code === 'LOCK_HELD')) throw e;
            if (Date.now() < deadline && !interrupted.signal.aborted) continue; // a long wait: ask again
            const holder = e.details.holder as { lease?: string; fencingToken?: number } | null | undefined;
            const by = holder?.lease ? ` (held by lease ${holder.lease}, fencing token ${holder.fencingToken})` : '';
            throw new CtlExit(EXIT.CONFLICT, `LOCK_HELD: lock "${name}" was not acquired within ${formatMs(waitMs ?? 0)}${by}`);
          }
        }
      } finally {
        stopListening();
      }
    });
}

/** Wait for SIGINT/SIGTERM or the lease's loss. */
async function holdUntilInterrupted(leaseSignal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      leaseSignal.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    leaseSignal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Run the command with the lock held; its exit status (128+N when killed by signal N). The
 * forwarding handlers are installed first, then `installed()` is called, then the command is
 * started: a signal that arrives while it starts is passed on once it runs.
 */
async function runHolding(command: string[], env: Record<string, string>, leaseSignal: AbortSignal, installed: () => void): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  let child: ChildProcess | undefined;
  const early: NodeJS.Signals[] = [];
  const forwards = FORWARDED.map((sig) => {
    const fn = (): void => {
      if (child) child.kill(sig);
      else early.push(sig);
    };
    process.on(sig, fn);
    return () => process.off(sig, fn);
  });
  installed();
  child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const started = child;
  for (const sig of early) started.kill(sig);
  let killTimer: NodeJS.Timeout | undefined;
  const onLost = (): void => {
    process.stderr.write(`raftlockctl: ${describeError(leaseSignal.reason)}; stopping the command\n`);
    started.kill('SIGTERM');
    killTimer = setTimeout(() => started.kill('SIGKILL'), KILL_GRACE_MS);
  };
  leaseSignal.addEventListener('abort', onLost, { once: true });
  try {
    return await new Promise<number>((resolve, reject) => {
      started.once('error', (err: NodeJS.ErrnoException) => {
        const code = err.code === 'ENOENT' ? 127 : err.code === 'EACCES' ? 126 : EXIT.FAILURE;
        reject(new CtlExit(code, `cannot run ${file}: ${err.message}`));
      });
      started.once('exit', (code, signal) => {
        if (code !== null) resolve(code);
        else resolve(128 + (signal ? (constants.signals[signal] ?? 0) : 0));
      });
    });
  } finally {
    clearTimeout(killTimer);
    leaseSignal.removeEventListener('abort', onLost);
    for (const off of forwards) off();
  }
}
