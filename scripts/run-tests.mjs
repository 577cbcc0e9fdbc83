#!/usr/bin/env node
// Runs the compiled test files (dist/test/**/*.test.js) in two phases: fast in-process suites
// two at a time, then suites that start real processes one at a time (they are timing-sensitive
// and each already runs several processes). Usage: node scripts/run-tests.mjs [area ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = 'dist/test';
const SYSTEM = new Set(['cluster', 'coord', 'ops', 'client', 'ctl', 'bench', 'chaos', 'ui', 'etcd']);

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const only = new Set(process.argv.slice(2));
const all = find(ROOT).filter((f) => only.size === 0 || only.has(f.split('/')[2]));
const area = (f) => f.split('/')[2];
const unit = all.filter((f) => !SYSTEM.has(area(f)));
const system = all.filter((f) => SYSTEM.has(area(f)));

let failed = false;
for (const [files, concurrency] of [[unit, 2], [system, 1]]) {
  if (files.length === 0) continue;
  const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
