// The SDK's import graph (DESIGN.md: the client knows only wire types): every module of
// src/client imports only src/client, src/wire, node built-ins and the package's own runtime
// dependencies; src/wire imports nothing outside itself. This is also what lets
// packages/client build @raftlock/client from these two folders alone.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { ROOT, specifiers, tsFiles } from '../helpers/source-scan.js';

const CLIENT_DEPS = JSON.parse(readFileSync(join(ROOT, 'packages/client/package.json'), 'utf8')) as { dependencies?: Record<string, string> };

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
