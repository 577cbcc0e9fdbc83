// raftlockctl elect NAME VALUE: campaign in election NAME and hold leadership until interrupted
// (SIGINT/SIGTERM resign); raftlockctl elect --listen NAME: print each leader's value as it
// changes. Built on the SDK's client.election (src/client/election.ts).

import { Option, type Command } from 'commander';
import { RaftlockError } from '../../src/client/index.js';
import { intArg } from './args.js';
import { CtlExit } from './exit.js';
import { EXIT, describeError } from './output.js';
import type { CtlContext } from './lock.js';

export function registerElect(program: Command, ctx: CtlContext): void {
  program
    .command('elect')
    .description('campaign in election NAME with VALUE and hold leadership until interrupted; with --listen, print each leader\'s value as it changes')
    .argument('<name>', 'election name')
    .argument('[value]', 'what to proclaim as leader (e.g. this instance\'s address)')
    .option('-l, --listen', 'only observe: print the current leader\'s value and every change')
    .addOption(new Option('--ttl <seconds>', 'TTL of the campaign\'s lease (kept alive); leadership ends if it cannot be renewed').argParser(intArg('--ttl', 1)).default(10))
    .addHelpText(
      'after',
      `
Campaigning prints one line when this process leads, then holds leadership until SIGINT or
SIGTERM, which resigns (the next campaigner in line leads) and exits 0. Leadership lost (the
lease could not be renewed): exit 7. Interrupted before leading: 130 (the waiter is withdrawn).
With --listen, one line per leader or proclamation: the value (-o json: the whole leader).
Example: raftlockctl elect billing "$(hostname):8080"`,
    )
    .action(async (name: string, value: string | undefined, o: { listen?: boolean; ttl: number }, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const election = client.election(name);
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        if (o.listen) {
          if (value !== undefined) throw new CtlExit(EXIT.USAGE, 'elect --listen takes only the election name');
          try {
            for await (const leader of election.observe({ signal: stop.signal })) out.print(leader, () => leader.value);
          } catch (e) {
            if (!(stop.signal.aborted && e instanceof RaftlockError && e.code === 'ABORTED')) throw e;
          }
          return;
        }
        if (value === undefined) throw new CtlExit(EXIT.USAGE, 'elect needs NAME and VALUE (or --listen NAME)');
        let leadership;
        try {
          leadership = await election.campaign(value, { ttl: o.ttl, signal: stop.signal });
        } catch (e) {
          if (stop.signal.aborted) throw new CtlExit(EXIT.INTERRUPTED, `interrupted before leading election "${name}"`);
          throw e;
        }
        out.print(
          { name, value, leading: true, fencingToken: leadership.fencingToken, lease: leadership.lease },
          () => `${name}: leading with "${value}" (fencingToken=${leadership.fencingToken} lease=${leadership.lease})`,
        );
        await new Promise<void>((resolve) => {
          if (stop.signal.aborted) return resolve();
          stop.signal.addEventListener('abort', () => resolve(), { once: true });
          leadership.signal.addEventListener('abort', () => resolve(), { once: true });
        });
        if (!stop.signal.aborted) throw new CtlExit(EXIT.LEASE_LOST, `leadership of "${name}" lost: ${describeError(leadership.signal.reason)}`);
        await leadership.resign();
        out.print({ name, value, leading: false, resigned: true }, () => `${name}: resigned`);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
