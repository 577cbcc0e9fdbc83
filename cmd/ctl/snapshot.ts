// raftlockctl snapshot save / restore / status, and defrag: the operator's backup kit.
//   save FILE      streams GET /v1/maintenance/snapshot from the first endpoint that serves it,
//                  verifying every frame as it arrives; FILE appears (renamed from FILE.part)
//                  only once the whole file checked out.
//   restore FILE   seeds a new member's empty data directory from FILE (see
//                  src/node/snapshot-restore.ts); run it once per new member.
//   status FILE    verifies FILE and prints its header.
//   defrag         POST /v1/maintenance/defrag on every endpoint, one after the other.

import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, readdirSync, renameSync, rmSync, mkdirSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Command } from 'commander';
import { DEFAULTS, memberIdFor, parseInitialCluster } from '../../src/config/index.js';
import { restoredStore } from '../../src/node/snapshot-restore.js';
import { RocksRaftStore, SnapshotFileError, SnapshotFileReader, type SnapshotFileContents, type SnapshotFileHeader } from '../../src/storage/index.js';
import { EXIT, printer, table, type OutputFormat } from './output.js';

export interface SnapshotCommandDeps {
  /** An error that main() reports with this exit code. */
  fail(exitCode: number, message: string): Error;
}

interface Globals {
  endpoints: string;
  output: OutputFormat;
  timeout: number;
}

function endpointsOf(cmd: Command, deps: SnapshotCommandDeps): { list: string[]; g: Globals } {
  const g = cmd.optsWithGlobals() as Globals;
  const list = g.endpoints
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter((s) => s !== '');
  if (list.length === 0) throw deps.fail(EXIT.USAGE, '--endpoints must name at least one endpoint');
  return { list, g };
}

/** The error body's code and message, or the HTTP status. */
async function describeHttpError(res: Response): Promise<{ code: string; message: string }> {
  const text = await res.text().catch(() => '');
  try {
    const e = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (e?.code) return { code: e.code, message: e.message ?? '' };
  } catch {
    // not JSON
  }
  return { code: `HTTP_${res.status}`, message: text.slice(0, 200) };
}

const RETRYABLE = new Set(['NO_LEADER', 'NO_QUORUM', 'NOT_READY', 'SHUTTING_DOWN', 'TOO_MANY_REQUESTS', 'TIMEOUT']);

function mib(n: number): string {
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}

/** A progress line on stderr, only when it is a terminal. */
function progressReporter(total: number): { update(done: number): void; finish(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, finish: () => undefined };
  let last = 0;
  const draw = (done: number): void => {
    const pct = total > 0 ? Math.floor((done / total) * 100) : 100;
    process.stderr.write(`\rsnapshot: ${mib(done)} / ${mib(total)} (${pct}%)   `);
  };
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      draw(done);
    },
    finish() {
      draw(total);
      process.stderr.write('\n');
    },
  };
}

async function saveFrom(endpoint: string, file: string, timeoutMs: number, deps: SnapshotCommandDeps): Promise<SnapshotFileHeader> {
  const ac = new AbortController();
  // The timeout covers getting the answer started; the stream itself may take as long as it needs.
  const timer = setTimeout(() => ac.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  let res: Response;
  try {
    res = await fetch(`${endpoint}/v1/maintenance/snapshot`, { signal: ac.signal });
  } finally {
    clearTimeout(timer);
  }
  if (res.status !== 200) {
    const e = await describeHttpError(res);
    const exit = RETRYABLE.has(e.code) ? EXIT.UNAVAILABLE : res.status === 404 ? EXIT.UNSUPPORTED : EXIT.FAILURE;
    throw deps.fail(exit, `${e.code}: ${e.message} [${endpoint}]`);
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  const part = `${file}.part`;
  const out = createWriteStream(part, { flags: 'w', mode: 0o600 });
  const reader = new SnapshotFileReader({ keepData: false });
  const progress = progressReporter(total);
  let done = 0;
  try {
    if (res.body === null) throw deps.fail(EXIT.FAILURE, `empty answer [${endpoint}]`);
    for await (const chunk of res.body) {
      reader.push(chunk);
      done += chunk.length;
      progress.update(done);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    const { header } = reader.end();
    out.end();
    await once(out, 'finish');
    await fsyncPath(part);
    renameSync(part, file);
    progress.finish();
    return header;
  } catch (err) {
    out.destroy();
    rmSync(part, { force: true });
    if (err instanceof SnapshotFileError) throw deps.fail(EXIT.FAILURE, `the snapshot from ${endpoint} is damaged (${err.problem}): ${err.message}`);
    throw err;
  }
}

async function fsyncPath(path: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r+');
    await fh.sync();
  } finally {
    await fh?.close();
  }
}

/** Reads and verifies a snapshot file, naming what is wrong with it. */
async function readSnapshotFile(file: string, deps: SnapshotCommandDeps): Promise<SnapshotFileContents> {
  if (!existsSync(file)) throw deps.fail(EXIT.USAGE, `${file}: no such file`);
  const reader = new SnapshotFileReader();
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) reader.push(chunk as Buffer);
    return reader.end();
  } catch (err) {
    if (err instanceof SnapshotFileError) throw deps.fail(EXIT.FAILURE, `${file}: refused (${err.problem}): ${err.message}`);
    throw err;
  }
}

export function registerSnapshotCommands(program: Command, deps: SnapshotCommandDeps): void {
  const snapshot = program.command('snapshot').description('save a backup from a live member, restore one into new data directories, inspect one');

  snapshot
    .command('save')
    .description('stream a consistent, checksummed snapshot of the cluster state from a live member into FILE')
    .argument('<file>')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const { list, g } = endpointsOf(cmd, deps);
      let lastErr: unknown;
      for (const ep of list) {
        try {
          const h = await saveFrom(ep, file, g.timeout, deps);
          printer(g.output).print({ file, endpoint: ep, ...h }, () => `Snapshot saved to ${file}: revision ${h.revision}, ${h.keys} keys, ${h.leases} leases, ${h.locks} locks, ${h.dataBytes} data bytes (from ${h.member.name})`);
          return;
        } catch (err) {
          lastErr = err;
          // A damaged stream or a refusal that another member would repeat is final.
          if ((err as { exitCode?: number }).exitCode === EXIT.FAILURE) throw err;
        }
      }
      throw lastErr instanceof Error && 'exitCode' in lastErr ? lastErr : deps.fail(EXIT.UNAVAILABLE, `UNAVAILABLE: no endpoint served a snapshot (${String((lastErr as Error)?.message ?? lastErr)})`);
    });

  snapshot
    .command('restore')
    .description('seed an empty data directory for a member of a NEW cluster from FILE (run once per member, then start raftlockd on it)')
    .argument('<file>')
    .requiredOption('--name <name>', 'the member this data directory is for')
    .requiredOption('--data-dir <dir>', 'its data directory (must not exist or be empty)')
    .requiredOption('--initial-cluster <members>', 'the new cluster: name=peerUrl|clientUrl,... (as raftlockd --initial-cluster)')
    .option('--initial-cluster-token <token>', 'the new cluster\'s clusterToken (as raftlockd --cluster-token)', DEFAULTS.clusterToken)
    .action(async (file: string, o: { name: string; dataDir: string; initialCluster: string; initialClusterToken: string; }, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals;
      let members;
      try {
        members = parseInitialCluster(o.initialCluster);
      } catch (err) {
        throw deps.fail(EXIT.USAGE, `--initial-cluster: ${(err as Error).message}`);
      }
      if (!members.some((m) => m.name === o.name)) throw deps.fail(EXIT.USAGE, `--name ${o.name} is not in --initial-cluster (${members.map((m) => m.name).join(', ')})`);
      if (existsSync(o.dataDir) && readdirSync(o.dataDir).length > 0) {
        throw deps.fail(EXIT.FAILURE, `data directory ${o.dataDir} is not empty: restore only seeds a new member's empty directory`);
      }
      const contents = await readSnapshotFile(file, deps);
      const records = members.map((m) => ({ id: memberIdFor(m.name, o.initialClusterToken), name: m.name, peerUrl: m.peerUrl, clientUrl: m.clientUrl }));
      let seeded;
      try {
        seeded = restoredStore(contents, records);
      } catch (err) {
        throw deps.fail(EXIT.FAILURE, `${file}: refused: ${(err as Error).message}`);
      }
      mkdirSync(o.dataDir, { recursive: true });
      const store = new RocksRaftStore(o.dataDir);
      await store.open();
      try {
        await store.load();
        await store.save({ snapshot: seeded.snapshot, hardState: seeded.hardState, entries: [] }, true);
      } finally {
        await store.close();
      }
      const s = seeded.summary;
      printer(g.output).print({ dataDir: o.dataDir, name: o.name, ...s }, () => `Restored ${file} into ${o.dataDir} for ${o.name}: revision ${s.revision}, ${s.keys} keys, ${s.leases} leases, ${s.locks} locks`);
    });

  snapshot
    .command('status')
    .description('verify FILE and print what it holds')
    .argument('<file>')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const g = cmd.optsWithGlobals() as Globals;
      const { header: h } = await readSnapshotFile(file, deps);
      printer(g.output).print(h, () =>
        table(['REVISION', 'COMPACT_REV', 'RAFT_INDEX', 'KEYS', 'LEASES', 'LOCKS', 'DATA_BYTES', 'MEMBER', 'CREATED'], [[h.revision, h.compactRevision, h.raftIndex, h.keys, h.leases, h.locks, h.dataBytes, h.member.name, h.createdAt]]),
      );
    });

  program
    .command('defrag')
    .description('reclaim disk space after compaction on every endpoint (RocksDB compaction), one member at a time')
    .action(async (_o: unknown, cmd: Command) => {
      const { list, g } = endpointsOf(cmd, deps);
      const rows: { endpoint: string; beforeBytes?: number; afterBytes?: number; error?: string }[] = [];
      for (const ep of list) {
        try {
          const res = await fetch(`${ep}/v1/maintenance/defrag`, { method: 'POST' });
          if (res.status !== 200) {
            const e = await describeHttpError(res);
            rows.push({ endpoint: ep, error: `${e.code}: ${e.message}` });
            continue;
          }
          const b = (await res.json()) as { beforeBytes: number; afterBytes: number };
          rows.push({ endpoint: ep, beforeBytes: b.beforeBytes, afterBytes: b.afterBytes });
        } catch (err) {
          rows.push({ endpoint: ep, error: `UNAVAILABLE: ${(err as Error).message}` });
        }
      }
      printer(g.output).print(rows, () => table(['ENDPOINT', 'BEFORE', 'AFTER', 'ERROR'], rows.map((r) => [r.endpoint, r.beforeBytes, r.afterBytes, r.error])));
      if (rows.some((r) => r.error !== undefined)) process.exitCode = EXIT.UNAVAILABLE;
    });
}
