// The SDK's import graph (DESIGN.md: the client knows only wire types): every module of
// src/client imports only src/client, src/wire, node built-ins and the package's own runtime
// dependencies; src/wire imports nothing outside itself. This is also what lets
// packages/client build @raftlock/client from these two folders alone.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLIENT_DEPS = JSON.parse(readFileSync(join(ROOT, 'packages/client/package.json'), 'utf8')) as { dependencies?: Record<string, string> };

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier of a file: static imports and re-exports, `import type`, dynamic
 *  `import('...')` and `require('...')`. Comments are stripped first. */
export function specifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of code.matchAll(re)) out.push(m[1]!);
  return out;
}

function violations(folder: string, allowedFolders: string[], allowedBare: (s: string) => boolean): string[] {
  const bad: string[] = [];
  for (const file of tsFiles(join(ROOT, folder))) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      const where = `${relative(ROOT, file)} imports '${spec}'`;
      if (spec.startsWith('.')) {
        const target = relative(ROOT, resolve(dirname(file), spec));
        if (!allowedFolders.some((f) => target === f || target.startsWith(f + sep))) bad.push(where);
      } else if (!allowedBare(spec)) {
        bad.push(where);
      }
    }
  }
  return bad;
}

test('the import scanner sees every form of import', () => {
  const text = [
    "import { a } from './a.js';",
    "import type { B } from '../state/b.js';",
    "export * from '../api/c.js';",
    "export type { D } from './d.js';",
    "import './side-effect.js';",
    "const e = await import('koa');",
    '// import { no } from "./comment.js";',
    "import {\n  multi,\n  line,\n} from 'rocksdb';",
  ].join('\n');
  assert.deepEqual(specifiers(text).sort(), ['../api/c.js', '../state/b.js', './a.js', './d.js', './side-effect.js', 'koa', 'rocksdb'].sort());
});

test('src/client imports only src/client, src/wire, node built-ins and its own dependencies', () => {
  const deps = new Set(Object.keys(CLIENT_DEPS.dependencies ?? {}));
  const bad = violations(join('src', 'client'), [join('src', 'client'), join('src', 'wire')], (s) => s.startsWith('node:') || deps.has(s));
  assert.deepEqual(bad, []);
  assert.ok(tsFiles(join(ROOT, 'src/client')).length >= 10, 'the scan found the SDK sources');
});

test('src/wire imports nothing outside itself', () => {
  assert.deepEqual(violations(join('src', 'wire'), [join('src', 'wire')], () => false), []);
});

test('the client package depends on no server library', () => {
  const server = ['rocksdb', 'koa', '@koa/router', 'prom-client', 'pino', 'commander', '@grpc/grpc-js', '@grpc/proto-loader', 'js-yaml', 'zod'];
  const deps = Object.keys(CLIENT_DEPS.dependencies ?? {});
  assert.deepEqual(deps.filter((d) => server.includes(d)), []);
});
