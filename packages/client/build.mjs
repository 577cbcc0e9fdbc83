#!/usr/bin/env node
// Build @raftlock/client: compile src/client (and src/wire, which it imports) into dist/, then
// check that nothing else came along (a server module in dist/ would mean the SDK imports one).
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
// The root's compiler (a dev dependency of the repository, not of this package).
const require = createRequire(join(here, '../../package.json'));
const tscBin = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
const r = spawnSync(process.execPath, [tscBin, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
const top = readdirSync(dist).sort();
if (top.join(',') !== 'client,wire') {
  console.error(`@raftlock/client: dist/ holds ${top.join(', ')}; only client and wire belong there`);
  process.exit(1);
}
