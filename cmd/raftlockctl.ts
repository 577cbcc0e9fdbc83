#!/usr/bin/env node
// raftlockctl: an etcdctl-like command-line client for raftlock. Every command talks to the
// cluster through the client SDK (src/client). Exit codes are in cmd/ctl/output.ts (EXIT) and
// docs/client.md.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { Client, RaftlockError, type KeyValue, type TxnRequest } from '../src/client/index.js';
import { intArg } from './ctl/args.js';
import { registerElect } from './ctl/elect.js';
import { CtlExit } from './ctl/exit.js';
import { registerLock } from './ctl/lock.js';
import { DEFAULT_MEMBERS, clientUrls, shellCommand } from './local-cluster.js';
import { addSecurityOptions, registerAuthCommands, securityOf, type SecurityOpts } from './ctl/auth.js';
import { EXIT, cell, describeError, exitCodeFor, printer, table, type OutputFormat, type Printer } from './ctl/output.js';
import { registerSnapshotCommands } from './ctl/snapshot.js';

const VERSION = '0.1.0';
/** The quick start's members (`npm start`). */
const DEFAULT_ENDPOINTS = clientUrls(DEFAULT_MEMBERS);
/** Largest txn document read from a file or stdin. */
const MAX_TXN_INPUT_BYTES = 8 * 1024 * 1024;

interface GlobalOpts extends SecurityOpts {
  endpoints: string;
  output: OutputFormat;
  timeout: number;
}

function kvRows(kvs: KeyValue[]): (string | number)[][] {
  return kvs.map((kv) => [cell(kv.key, 60), cell(kv.value), kv.modRevision, kv.version, kv.lease]);
}
const KV_HEADERS = ['KEY', 'VALUE', 'MOD_REV', 'VERSION', 'LEASE'];

async function readAllStdin(max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > max) throw new CtlExit(EXIT.USAGE, `input is larger than ${max} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function buildProgram(): { program: Command; cleanup: () => Promise<void> } {
  const program = new Command('raftlockctl');
  program
    .description('command-line client for a raftlock cluster')
    .version(VERSION)
    .addOption(
      new Option('--endpoints <urls>', 'comma-separated client URLs of the members')
        .env('RAFTLOCK_ENDPOINTS')
        .default(DEFAULT_ENDPOINTS),
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .addOption(new Option('--timeout <ms>', 'per-request timeout in ms').argParser(intArg('--timeout', 1)).default(10_000));
  addSecurityOptions(program);
  program
    .showHelpAfterError()
    .addHelpText(
      'after',
      `
Exit codes:
  0 ok            1 failure         2 usage error      3 not found
  4 conflict      5 unavailable     6 outcome unknown  7 lease lost (lock, elect)
  8 unsupported   9 auth refused (no or a bad token, wrong password, no permission)
  lock -- CMD: the command's own exit status (128+N if killed by signal N)`,
    );

  // One client per invocation, closed when the action ends.
  let client: Client | undefined;
  const ctx = (cmd: Command): { client: Client; out: Printer; g: GlobalOpts } => {
    const g = cmd.optsWithGlobals() as GlobalOpts;
    const endpoints = g.endpoints
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (endpoints.length === 0) throw new CtlExit(EXIT.USAGE, '--endpoints must name at least one endpoint');
    if (client === undefined) {
      let security: ReturnType<typeof securityOf>;
      try {
        security = securityOf(g, process.env);
      } catch (e) {
        throw new CtlExit(EXIT.USAGE, (e as Error).message);
      }
      client = new Client({ endpoints, requestTimeoutMs: g.timeout, deadlineMs: Math.max(g.timeout, 15_000), ...security });
    }
    return { client, out: printer(g.output), g };
  };
  const cleanup = async (): Promise<void> => {
    await client?.close();
  };

  // ------------------------------------------------------------------------------------- kv
  program
    .command('put')
    .description('put KEY = VALUE')
    .argument('<key>')
    .argument('<value>')
    .option('--lease <id>', 'attach the key to a lease')
    .option('--prev-kv', 'print the previous key-value')
    .action(async (key: string, value: string, o: { lease?: string; prevKv?: boolean }, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const r = await client.put(key, value, { lease: o.lease, prevKv: o.prevKv });
      out.print(r, () => (r.prevKv ? `OK revision=${r.revision}\n${table(KV_HEADERS, kvRows([r.prevKv]))}` : `OK revision=${r.revision}`));
    });

  program
    .command('get')
    .description('get KEY, or every key starting with KEY with --prefix (every page, as of one revision)')
    .argument('<key>', 'key (or prefix; "" with --prefix = all keys)')
    .option('--prefix', 'range over keys starting with KEY')
    .option('--limit <n>', 'with --prefix: one page of at most N keys (prints where the next page starts)', intArg('--limit', 1))
    .option('--start <key>', 'with --prefix: start at this key (inclusive), e.g. the next key a --limit page printed')
    .option('--rev <n>', 'read the state as of revision N (within the history the members keep)', intArg('--rev', 1))
    .option('--serializable', 'read the member\'s local state (faster, may be stale)')
    .option('--print-value-only', 'print only the value(s), raw')
    .action(
      async (
        key: string,
        o: { prefix?: boolean; limit?: number; start?: string; rev?: number; serializable?: boolean; printValueOnly?: boolean },
        cmd: Command,
      ) => {
        const { client, out } = ctx(cmd);
        const consistency = o.serializable ? 'serializable' : undefined;
        if (o.prefix) {
          if (o.start === '') throw new CtlExit(EXIT.USAGE, '--start must not be empty');
          const r =
            o.limit !== undefined
              ? await client.range(key, { limit: o.limit, start: o.start, revision: o.rev, consistency })
              : { ...(await client.rangeAll(key, { start: o.start, revision: o.rev, consistency })), more: false, next: undefined };
          if (o.printValueOnly) {
            for (const kv of r.kvs) out.line(kv.value);
            return;
          }
          out.print(r, () => {
            const more = r.more && r.next !== undefined ? `; more from ${JSON.stringify(r.next)}: add --start ${shellCommand([r.next])}` : '';
            return `${table(KV_HEADERS, kvRows(r.kvs))}\n(${r.kvs.length} of ${r.count} keys${more}; revision ${r.revision})`;
          });
          return;
        }
        if (o.limit !== undefined || o.start !== undefined) throw new CtlExit(EXIT.USAGE, '--limit and --start go with --prefix');
        if (key === '') throw new CtlExit(EXIT.USAGE, 'key must not be empty (use --prefix "" for all keys)');
        const kv = await client.get(key, { consistency, revision: o.rev });
        if (!kv) throw new CtlExit(EXIT.NOT_FOUND, `KEY_NOT_FOUND: key "${key}" does not exist${o.rev !== undefined ? ` at revision ${o.rev}` : ''}`);
        if (o.printValueOnly) return out.line(kv.value);
        out.print(kv, () => table(KV_HEADERS, kvRows([kv])));
      },
    );

  program
    .command('del')
    .description('delete KEY, or every key starting with KEY with --prefix')
    .argument('<key>')
    .option('--prefix', 'delete every key starting with KEY')
    .option('--prev-kv', 'print the deleted key-values')
    .action(async (key: string, o: { prefix?: boolean; prevKv?: boolean }, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const r = await client.delete(key, { prefix: o.prefix, prevKv: o.prevKv });
      out.print(r, () => (r.prevKvs ? `deleted=${r.deleted} revision=${r.revision}\n${table(KV_HEADERS, kvRows(r.prevKvs))}` : `deleted=${r.deleted} revision=${r.revision}`));
    });

  program
    .command('txn')
    .description('run a transaction: {"compare": [...], "success": [...], "failure": [...]} from FILE or stdin (see docs/api.md)')
    .argument('[file]', 'JSON file; "-" or omitted reads stdin')
    .action(async (file: string | undefined, _o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      let text: string;
      if (file === undefined || file === '-') text = await readAllStdin(MAX_TXN_INPUT_BYTES);
      else {
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          throw new CtlExit(EXIT.USAGE, `cannot read ${file}: ${(e as Error).message}`);
        }
      }
      let req: TxnRequest;
      try {
        req = JSON.parse(text) as TxnRequest;
      } catch (e) {
        throw new CtlExit(EXIT.USAGE, `the transaction is not valid JSON: ${(e as Error).message}`);
      }
      if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new CtlExit(EXIT.USAGE, 'the transaction must be a JSON object');
      const r = await client.txn(req);
      out.print(r, () => {
        const lines = [`${r.succeeded ? 'SUCCESS' : 'FAILURE'} revision=${r.revision}`];
        for (const res of r.results) {
          if ('put' in res) lines.push(`put revision=${res.put.revision}`);
          else if ('delete' in res) lines.push(`delete deleted=${res.delete.deleted}`);
          else lines.push(`get count=${res.get.count}${res.get.kvs.length ? `\n${table(KV_HEADERS, kvRows(res.get.kvs))}` : ''}`);
        }
        return lines.join('\n');
      });
    });

  program
    .command('compact')
    .description('compact watch history up to revision REV')
    .argument('<rev>', 'revision', intArg('REV', 1))
    .action(async (rev: number, _o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const r = await client.compact(rev);
      out.print(r, () => `compacted at ${r.compactRevision} (revision ${r.revision})`);
    });

  // --------------------------------------------------------------------------------- leases
  const lease = program.command('lease').description('grant, renew, revoke and inspect leases');
  lease
    .command('grant')
    .description('grant a lease of TTL seconds')
    .argument('<ttl>', 'seconds', intArg('TTL', 1))
    .option('--id <id>', 'choose the lease id')
    .action(async (ttl: number, o: { id?: string }, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const r = await client.leaseGrant(ttl, { id: o.id });
      out.print(r, () => `lease ${r.id} granted with TTL ${r.ttl}s`);
    });
  lease
    .command('keepalive')
    .description('keep a lease alive until interrupted (or renew once with --once)')
    .argument('<id>')
    .option('--once', 'renew once and exit')
    .action(async (id: string, o: { once?: boolean }, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const renew = async (): Promise<number> => {
        const r = await client.leaseKeepAliveOnce(id);
        out.print({ id, ttl: r.ttl }, () => `lease ${id} keepalive, TTL ${r.ttl}s`);
        return r.ttl;
      };
      const ttl = await renew();
      if (o.once) return;
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        let period = Math.max(100, Math.floor((ttl * 1000) / 3));
        while (!stop.signal.aborted) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, period);
            stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
          });
          if (stop.signal.aborted) break;
          period = Math.max(100, Math.floor(((await renew()) * 1000) / 3));
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  lease
    .command('revoke')
    .description('revoke a lease (its keys are deleted, its locks released)')
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const r = await client.leaseRevoke(id);
      out.print(r, () => `lease ${id} revoked (revision ${r.revision}; ${r.deletedKeys.length} keys deleted, ${r.releasedLocks.length} locks released)`);
    });
  lease
    .command('list')
    .description('list leases')
    .action(async (_o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const leases = await client.leases();
      out.print({ leases }, () => table(['ID', 'TTL'], leases.map((l) => [l.id, l.ttl])));
    });
  lease
    .command('ttl')
    .description('remaining time, keys and locks of a lease')
    .argument('<id>')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const r = await client.leaseTimeToLive(id);
      out.print(r, () =>
        table(['ID', 'TTL', 'GRANTED', 'REMAINING', 'KEYS', 'LOCKS'], [[r.id, r.ttl, r.grantedTtl, r.remaining, r.keys.map((k) => cell(k, 40)).join(','), r.locks.map((k) => cell(k, 40)).join(',')]]),
      );
    });

  // ---------------------------------------------------------------------------- locks, election
  registerLock(program, ctx);
  registerElect(program, ctx);

  // -------------------------------------------------------------------------------- watches
  program
    .command('watch')
    .description('print changes to KEY (or keys starting with KEY) until interrupted')
    .argument('<key>')
    .option('--prefix', 'watch every key starting with KEY')
    .option('--rev <n>', 'start at revision N (replays history from there)', intArg('--rev', 1))
    .option('--prev-kv', 'include previous values')
    .option('--count <n>', 'exit after N events', intArg('--count', 1))
    .action(async (key: string, o: { prefix?: boolean; rev?: number; prevKv?: boolean; count?: number }, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let seen = 0;
      try {
        const w = client.watch(key, { prefix: o.prefix, startRevision: o.rev, prevKv: o.prevKv, signal: stop.signal });
        for await (const batch of w) {
          for (const ev of batch.events) {
            out.print({ revision: batch.revision, ...ev }, () => `${ev.type.toUpperCase()}\t${cell(ev.kv.key, 200)}\t${ev.type === 'put' ? cell(ev.kv.value, 200) : ''}\trev=${batch.revision}`);
            if (o.count !== undefined && ++seen >= o.count) {
              w.close();
              return;
            }
          }
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });

  // -------------------------------------------------------------------------------- members
  registerAuthCommands(program, ctx);

  const member = program.command('member').description('list, add and remove members');
  member
    .command('list')
    .description('members as the cluster reports them')
    .action(async (_o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const st = await client.cluster();
      out.print({ members: st.members, leader: st.leader }, () =>
        table(['ID', 'NAME', 'ROLE', 'PEER_URL', 'CLIENT_URL'], st.members.map((m) => [m.id, m.name, m.role, m.peerUrl, m.clientUrl])),
      );
    });
  member
    .command('add')
    .description('add a member (then start it with --join)')
    .argument('<name>')
    .requiredOption('--peer-url <url>', 'its peer URL')
    .requiredOption('--client-url <url>', 'its client URL')
    .option('--learner', 'add as a non-voting learner (promote it later)')
    .action(async (name: string, o: { peerUrl: string; clientUrl: string; learner?: boolean }, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const r = await client.memberAdd({ name, peerUrl: o.peerUrl, clientUrl: o.clientUrl, ...(o.learner ? { learner: true } : {}) });
      out.print(r, () => `member ${name} added${r.member ? ` with id ${r.member.id}` : ''}${o.learner ? ' as a learner' : ''}`);
    });
  member
    .command('promote')
    .description('promote a learner to a voter')
    .argument('<id>', 'member id or name (see member list)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const r = await client.memberPromote(id);
      out.print(r, () => `member ${r.member?.name ?? id} promoted`);
    });
  member
    .command('remove')
    .description('remove a member')
    .argument('<id>', 'member id or name (see member list)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const r = await client.memberRemove(id);
      out.print(r, () => `member ${r.removed?.name ?? id} removed`);
    });

  // ------------------------------------------------------------------------------ endpoints
  const endpoint = program.command('endpoint').description('status and health of every endpoint');
  endpoint
    .command('status')
    .description('leader, term, index and latency as each endpoint reports them')
    .action(async (_o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const rows = await client.endpointStatus();
      out.print(rows, () =>
        table(
          ['ENDPOINT', 'NAME', 'ID', 'ROLE', 'LEADER', 'TERM', 'COMMIT', 'APPLIED', 'LATENCY', 'ERROR'],
          rows.map((r) => [
            r.endpoint,
            r.status?.member.name,
            r.status?.member.id,
            r.status?.member.role,
            r.status ? (r.status.leader?.name ?? '(none)') : undefined,
            r.status?.term,
            r.status?.commitIndex,
            r.status?.appliedIndex,
            `${r.latencyMs.toFixed(1)}ms`,
            r.error ? `${r.error.code}: ${r.error.message}` : undefined,
          ]),
        ),
      );
      if (rows.some((r) => !r.ok)) process.exitCode = EXIT.UNAVAILABLE;
    });
  endpoint
    .command('health')
    .description('readiness of each endpoint (GET /readyz)')
    .action(async (_o: unknown, cmd: Command) => {
      const { client, out } = ctx(cmd);
      const rows = await client.endpointHealth();
      out.print(rows, () => table(['ENDPOINT', 'HEALTHY', 'LATENCY', 'REASON'], rows.map((r) => [r.endpoint, r.healthy, `${r.latencyMs.toFixed(1)}ms`, r.reason])));
      if (rows.some((r) => !r.healthy)) process.exitCode = EXIT.UNAVAILABLE;
    });

  // --------------------------------------------------- backups and disk (cmd/ctl/snapshot.ts)
  registerSnapshotCommands(program, { fail: (code, message) => new CtlExit(code, message) });

  return { program, cleanup };
}

export async function main(argv: string[]): Promise<number> {
  const { program, cleanup } = buildProgram();
  program.exitOverride();
  program.commands.forEach(function override(c: Command): void {
    c.exitOverride();
    c.commands.forEach(override);
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return EXIT.OK;
      if (err.code === 'commander.executeSubCommandAsync') return err.exitCode;
      return EXIT.USAGE; // commander already printed the message
    }
    if (err instanceof CtlExit) {
      process.stderr.write(`Error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`Error: ${describeError(err)}\n`);
    if (!(err instanceof RaftlockError) && process.env.RAFTLOCK_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return exitCodeFor(err);
  } finally {
    await cleanup();
  }
}

process.exitCode = await main(process.argv);
