// @raftlock/client as a user gets it: packages/client is built and packed with `npm pack`; the
// tarball is installed into an empty folder with npm offline (the tarball itself, plus its two
// runtime dependencies from the local npm cache); a TypeScript file type-checks against the
// installed .d.ts; and the package's own test (packages/client/test/with-lock.mjs) runs there
// against a real three-member cluster, taking locks with withLock.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ProcessCluster, waitForLeader } from '../helpers/process-cluster.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PKG_DIR = join(ROOT, 'packages/client');
const SERVER_LIBS = ['rocksdb', 'koa', '@koa/router', 'prom-client', 'pino', 'commander', '@grpc/grpc-js', 'js-yaml', 'zod'];

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}, timeoutMs = 120_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: timeoutMs });
  if (r.error) throw r.error;
  return r;
}

function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('@raftlock/client: npm pack, offline install, withLock against a cluster', { timeout: 300_000 }, () => {
  let work: string;
  let consumer: string;
  let tarball: string;
  let packed: { files: { path: string }[] };

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'raftlock-client-pkg-'));
    ok(run(process.execPath, [join(PKG_DIR, 'build.mjs')], PKG_DIR), 'building packages/client');
    const out = ok(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], PKG_DIR), 'npm pack');
    packed = (JSON.parse(out) as { filename: string; files: { path: string }[] }[])[0]!;
    tarball = join(work, (packed as unknown as { filename: string }).filename);
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('the tarball holds the SDK, its types and README, and no tests or server code', () => {
    assert.ok(existsSync(tarball), tarball);
    const paths = packed.files.map((f) => f.path).sort();
    assert.ok(paths.includes('dist/client/index.js') && paths.includes('dist/client/index.d.ts'), paths.join(', '));
    assert.ok(paths.includes('README.md') && paths.includes('package.json'));
    const stray = paths.filter((p) => !(p === 'README.md' || p === 'package.json' || /^dist\/(client|wire)\/[a-z-]+\.(js|d\.ts)$/.test(p)));
    assert.deepEqual(stray, []);
    const manifest = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as { type: string; dependencies: Record<string, string> };
    assert.equal(manifest.type, 'module');
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), ['undici', 'ws']);
  });

  test('installs offline into an empty folder, from the tarball and the npm cache only', () => {
    consumer = join(work, 'consumer');
    const rootLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
    const manifest = JSON.parse(readFileSync(join(PKG_DIR, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    const spec = `file:${tarball}`;
    // The package's dependencies pinned at the versions the repository's own lock file has (so
    // npm finds them in the cache that `npm ci` at the root filled).
    const deps: Record<string, Record<string, unknown>> = {};
    for (const [name, range] of Object.entries(manifest.dependencies)) {
      const locked = rootLock.packages[`node_modules/${name}`];
      assert.ok(locked, `${name} is in the root package-lock.json`);
      const major = String(range).replace(/^\^/, '').split('.')[0];
      assert.equal(String(locked.version).split('.')[0], major, `${name}@${String(locked.version)} satisfies ${range}`);
      deps[`node_modules/${name}`] = { version: locked.version, integrity: locked.integrity, license: locked.license, ...(locked.engines ? { engines: locked.engines } : {}), ...(locked.peerDependencies ? { peerDependencies: locked.peerDependencies, peerDependenciesMeta: locked.peerDependenciesMeta } : {}) };
    }
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { '@raftlock/client': spec } }, null, 2));
    writeFileSync(
      join(consumer, 'package-lock.json'),
      JSON.stringify(
        {
          name: 'consumer',
          version: '1.0.0',
          lockfileVersion: 3,
          requires: true,
          packages: {
            '': { name: 'consumer', version: '1.0.0', dependencies: { '@raftlock/client': spec } },
            'node_modules/@raftlock/client': { version: manifest.version, resolved: spec, integrity, dependencies: manifest.dependencies },
            ...deps,
          },
        },
        null,
        2,
      ),
    );
    ok(run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], consumer, { npm_config_offline: 'true' }), 'npm ci --offline');
    const installed = readdirSync(join(consumer, 'node_modules')).filter((n) => !n.startsWith('.')).sort();
    assert.deepEqual(installed, ['@raftlock', 'undici', 'ws']);
    for (const lib of SERVER_LIBS) assert.equal(existsSync(join(consumer, 'node_modules', lib)), false, `${lib} is not installed`);
  });

  test('type-checks against the installed declarations (ESM, NodeNext)', () => {
    assert.ok(consumer, 'installed');
    writeFileSync(
      join(consumer, 'use.ts'),
      [
        "import { Client, LeaseLostError, type LockContext, type KeyValue, type ServerErrorCode } from '@raftlock/client';",
        "const c = new Client({ endpoints: ['http://127.0.0.1:1'] });",
        "const token: Promise<number> = c.withLock('jobs/a', (ctx: LockContext) => ctx.fencingToken, { ttl: 5 });",
        "const kv: Promise<KeyValue | undefined> = c.get('k');",
        "const code: ServerErrorCode = 'LOCK_HELD';",
        '// @ts-expect-error withLock takes a name first',
        'void c.withLock(() => 1);',
        '// @ts-expect-error not a server error code',
        "const bad: ServerErrorCode = 'NOPE';",
        'void [token, kv, code, bad, LeaseLostError];',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
        files: ['use.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    ok(run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], consumer), 'tsc against the installed package');
  });

  describe('against a real cluster', () => {
    let c: ProcessCluster;
    before(async () => {
      c = await ProcessCluster.start({ size: 3, extraArgs: ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'] });
      await waitForLeader(c);
    });
    after(async () => {
      await c?.destroy();
    });

    test("the package's own test (withLock contention, a hold past the TTL, a watch) passes from the install", async () => {
      assert.ok(consumer, 'installed');
      copyFileSync(join(PKG_DIR, 'test/with-lock.mjs'), join(consumer, 'with-lock.mjs'));
      const r = await runAsync(process.execPath, ['with-lock.mjs'], consumer, { RAFTLOCK_ENDPOINTS: c.members.map((m) => m.url).join(',') });
      assert.equal(r.code, 0, `with-lock.mjs failed:\n${r.stdout}\n${r.stderr}`);
      const line = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ok: boolean; tokens: number[]; watched: number; sockets: number[] };
      assert.equal(line.ok, true);
      assert.equal(line.tokens.length, 6);
      assert.equal(line.watched, 6);
      assert.deepEqual(line.sockets, [1, 1], 'each client opened one socket');
    });
  });
});

/** Run a child without blocking this process's event loop (it collects the cluster's output). */
function runAsync(cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 120_000);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
