// The container image's build, replayed without a container engine: deploy/Dockerfile's build
// stage runs on a temp directory that holds ONLY what its COPY lines copy (minus the
// .dockerignore), its RUN steps run there as written, the runtime stage's COPY --from=build lines
// pick the result, and the daemon starts from that with production dependencies only.
//
// Two stand-ins, both stated here: `apt-get` steps (the OS toolchain for a native build) are
// skipped, this machine has its own; and npm runs with `offline=true`, so `npm ci` installs from
// the local npm cache (which the CI's own `npm ci` has just filled) instead of the registry.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { DAEMON_NODE_FLAGS, eventually, freePort } from '../helpers/process-cluster.js';
import { parseCopy, parseDockerfile, parseExecForm, type Stage } from './dockerfile.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCKERFILE = join(ROOT, 'deploy', 'Dockerfile');
const DOCKERIGNORE = join(ROOT, 'deploy', 'Dockerfile.dockerignore');
/** Most output kept from a step, for the failure message. */
const MAX_OUTPUT = 20_000;

/** .dockerignore patterns, simplified to the forms ours uses: `name`, `dir/x`, `*.ext`, `**\/name`. */
function ignoredBy(patterns: readonly string[]): (rel: string) => boolean {
  const globToRe = (g: string): RegExp => new RegExp(`^${g.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return (rel) => {
    const parts = rel.split('/');
    return patterns.some((p) => {
      if (p.startsWith('**/')) return parts.includes(p.slice(3));
      if (p.includes('*')) return globToRe(p).test(rel);
      return rel === p || rel.startsWith(`${p}/`);
    });
  };
}

function copyFromContext(src: string, to: string, ignored: (rel: string) => boolean): void {
  const rel = posix.normalize(src).replace(/\/$/, '');
  if (ignored(rel)) return;
  const from = join(ROOT, rel);
  if (!existsSync(from)) throw new Error(`COPY ${src}: not in the build context`);
  cpSync(from, to, { recursive: true, filter: (p) => !ignored(relative(ROOT, p).split('\\').join('/')) });
}

/** Where a COPY destination lands: relative to the stage's WORKDIR, a trailing `/` or `./` is a directory. */
function destination(root: string, workdir: string, dest: string, source: string): string {
  const abs = posix.isAbsolute(dest) ? dest : posix.join(workdir, dest);
  const dir = dest.endsWith('/') || dest === '.';
  return join(root, dir ? posix.join(abs, posix.basename(source)) : abs);
}

function run(cmd: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn('/bin/sh', ['-c', cmd], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (b: Buffer): void => {
      out = (out + b.toString()).slice(-MAX_OUTPUT);
    };
    p.stdout.on('data', keep);
    p.stderr.on('data', keep);
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', rej);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) res();
      else rej(new Error(`RUN ${cmd} failed (${code ?? signal}) in ${cwd}:\n${out}`));
    });
  });
}

/** Every directory that Node would search for node_modules above `dir`. */
function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = dirname(resolve(dir)); ; d = dirname(d)) {
    out.push(d);
    if (dirname(d) === d) return out;
  }
}

describe('the image builds from exactly what the Dockerfile copies, and runs', { timeout: 120_000 }, () => {
  const work = mkdtempSync(join(tmpdir(), 'raftlock-image-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  test('build stage, runtime stage, then raftlockd answers /livez and /readyz', async () => {
    const stages = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
    assert.equal(stages.length, 2, 'a build stage and a runtime stage');
    const [build, runtime] = stages as [Stage, Stage];
    assert.equal(build.name, 'build');
    const ignored = ignoredBy(readFileSync(DOCKERIGNORE, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')));

    // ---- build stage ----
    const buildRoot = join(work, 'build');
    let workdir = '/';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      npm_config_offline: 'true',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    const ran: string[] = [];
    for (const ins of build.instructions) {
      if (ins.keyword === 'WORKDIR') {
        workdir = ins.args;
        mkdirSync(join(buildRoot, workdir), { recursive: true });
      } else if (ins.keyword === 'COPY') {
        const c = parseCopy(ins.args);
        assert.deepEqual(c.flags, {}, `build stage copies from the context only: ${ins.args}`);
        for (const s of c.sources) copyFromContext(s, destination(buildRoot, workdir, c.dest, s), ignored);
      } else if (ins.keyword === 'RUN') {
        if (/^apt-get\b/.test(ins.args)) continue; // OS packages: the stand-in is this machine's toolchain
        await run(ins.args, join(buildRoot, workdir), env, 90_000);
        ran.push(ins.args);
      } else {
        assert.fail(`the image test does not know how to replay ${ins.keyword} ${ins.args}: teach it`);
      }
    }
    assert.ok(ran.some((r) => /\bnpm ci\b/.test(r)) && ran.some((r) => /\btsc\b/.test(r)) && ran.some((r) => /npm prune --omit=dev/.test(r)), `ran: ${ran.join(' | ')}`);
    const app = join(buildRoot, workdir);
    assert.deepEqual(readdirSync(app).filter((f) => !['node_modules', 'dist'].includes(f)).sort(), ['cmd', 'package-lock.json', 'package.json', 'src', 'tsconfig.build.json', 'tsconfig.json'],
      'the build saw only what it copies (no test/, no docs/)');

    // ---- runtime stage: only what it copies from the build stage ----
    const runRoot = join(work, 'runtime');
    let runWorkdir = '/';
    let entrypoint: string[] = [];
    const runEnv: Record<string, string> = {};
    for (const ins of runtime.instructions) {
      if (ins.keyword === 'WORKDIR') {
        runWorkdir = ins.args;
        mkdirSync(join(runRoot, runWorkdir), { recursive: true });
      } else if (ins.keyword === 'COPY') {
        const c = parseCopy(ins.args);
        assert.equal(c.flags['from'], 'build', `the runtime stage copies from the build stage only: ${ins.args}`);
        for (const s of c.sources) cpSync(join(buildRoot, s), destination(runRoot, runWorkdir, c.dest, s), { recursive: true });
      } else if (ins.keyword === 'ENV') {
        const [k, v] = ins.args.split('=');
        runEnv[k!] = v!;
      } else if (ins.keyword === 'ENTRYPOINT') {
        entrypoint = parseExecForm(ins.args);
      }
      // RUN (the system user), USER, VOLUME, EXPOSE, STOPSIGNAL, CMD: not needed to start it here
    }
    const appRun = join(runRoot, runWorkdir);
    assert.deepEqual(readdirSync(appRun).sort(), ['dist', 'node_modules', 'package.json']);
    assert.ok(!existsSync(join(appRun, 'dist', 'test')), 'no tests in the image');
    assert.ok(statSync(join(appRun, 'dist', 'cmd', 'raftlockctl.js')).isFile(), 'raftlockctl is in the image');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    // A package we list as a dev dependency may also be a production dependency of a dependency
    // (protobufjs, under @grpc/proto-loader, needs @types/node): the lock file says which, and only
    // the ones it marks dev-only must be gone.
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.keys(pkg.devDependencies).filter((dev) => lock.packages[`node_modules/${dev}`]?.dev === true);
    assert.ok(devOnly.includes('typescript'), `the lock file marks the compiler dev-only: ${devOnly.join(', ')}`);
    for (const dev of devOnly) assert.ok(!existsSync(join(appRun, 'node_modules', dev)), `dev dependency ${dev} is pruned`);
    for (const dev of Object.keys(pkg.devDependencies).filter((d) => !devOnly.includes(d))) {
      assert.ok(existsSync(join(appRun, 'node_modules', dev)), `${dev} is kept: a production dependency needs it`);
    }
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(existsSync(join(appRun, 'node_modules', dep)), `dependency ${dep} is installed`);
    // Node looks for packages in every ancestor's node_modules: none may exist, or "production
    // dependencies only" would not be what the daemon really runs with.
    for (const d of ancestors(appRun)) assert.ok(!existsSync(join(d, 'node_modules')), `${d}/node_modules would leak packages into the test`);

    // ---- start it: ENTRYPOINT with our flags in place of CMD (as `docker run image ARGS`) ----
    // The image runs the daemon with the same V8 flags as every member the project starts.
    assert.deepEqual(entrypoint, ['node', ...DAEMON_NODE_FLAGS, 'dist/cmd/raftlockd.js']);
    const [clientPort, peerPort] = [await freePort(), await freePort()];
    const dataDir = join(work, 'data');
    const proc = spawn(process.execPath, [
      ...entrypoint.slice(1),
      '--name', 'img',
      '--data-dir', dataDir,
      '--listen-client', `127.0.0.1:${clientPort}`,
      '--listen-peer', `127.0.0.1:${peerPort}`,
      '--log-level', 'warn',
    ], { cwd: appRun, env: { PATH: process.env['PATH'] ?? '', ...runEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-MAX_OUTPUT)));
    proc.stderr.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-MAX_OUTPUT)));
    const exited = new Promise<number | string | null>((res) => proc.on('exit', (code, sig) => res(code ?? sig)));
    try {
      const url = `http://127.0.0.1:${clientPort}`;
      await eventually('the image-built raftlockd to answer /livez and /readyz', async () => {
        if (proc.exitCode !== null) throw new Error(`raftlockd exited ${proc.exitCode}:\n${out}`);
        const live = await fetch(`${url}/livez`).catch(() => null);
        const ready = await fetch(`${url}/readyz`).catch(() => null);
        return live?.status === 200 && ready?.status === 200 ? true : undefined;
      }, 20_000, 100);
      const put = await fetch(`${url}/v1/kv/image`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ value: 'built' }) });
      assert.equal(put.status, 200, await put.text());
    } finally {
      if (proc.exitCode === null) proc.kill('SIGTERM');
    }
    assert.equal(await exited, 0, `raftlockd stops cleanly on SIGTERM:\n${out}`);
  });
});
