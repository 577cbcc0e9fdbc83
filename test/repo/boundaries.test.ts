// The house rules of docs/architecture.md that a scan of the sources can check: nothing in src/
// or cmd/ imports test/ (the tools carry their own libraries in cmd/lib/), the transport does not
// reach into storage (both build on src/codec), and the published package holds no tests.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { ROOT, specifiers, tsFiles } from '../helpers/source-scan.js';

/** The repository-relative paths (with /) of the local modules `file` imports. */
export function localImports(file: string, text: string): string[] {
  const out: string[] = [];
  for (const spec of specifiers(text)) {
    if (!spec.startsWith('.')) continue;
    out.push(relative(ROOT, resolve(dirname(file), spec)).split(sep).join('/'));
  }
  return out;
}

function importers(dirs: string[], target: (imported: string) => boolean): string[] {
  const found: string[] = [];
  for (const d of dirs) {
    for (const file of tsFiles(join(ROOT, d))) {
      const rel = relative(ROOT, file).split(sep).join('/');
      for (const imp of localImports(file, readFileSync(file, 'utf8'))) {
        if (target(imp)) found.push(`${rel} imports ${imp}`);
      }
    }
  }
  return found;
}

test('the import scan sees every form of import', () => {
  const file = join(ROOT, 'cmd/x.ts');
  const text = [
    "import { a } from '../test/a.js';",
    "import {\n  b,\n} from '../test/b.js';",
    "export { c } from './lib/c.js';",
    "import '../test/d.js';",
    "const e = await import('../test/e.js');",
    "import f from 'node:fs';",
  ].join('\n');
  assert.deepEqual(localImports(file, text), ['test/a.js', 'test/b.js', 'cmd/lib/c.js', 'test/d.js', 'test/e.js']);
});

test('nothing in src/ or cmd/ imports test/', () => {
  const bad = importers(['src', 'cmd'], (imp) => imp === 'test' || imp.startsWith('test/'));
  assert.deepEqual(bad, []);
});

test('the transport imports nothing from storage', () => {
  assert.deepEqual(importers(['src/transport'], (imp) => imp.startsWith('src/storage/')), []);
});

test('one assertion style: src/ uses src/invariant, not node:assert or ad-hoc invariant throws', () => {
  const skip = new Set<string>();
  const bad: string[] = [];
  for (const file of tsFiles(join(ROOT, 'src'))) {
    const rel = relative(ROOT, file).split(sep).join('/');
    // The SDK is its own package and imports only wire types.
    if (skip.has(rel) || rel.startsWith('src/client/')) continue;
    const text = readFileSync(file, 'utf8');
    if (/from\s*['"](node:)?assert(\/strict)?['"]/.test(text)) bad.push(`${rel} imports node:assert`);
    if (/throw new \w*Error\(\s*[`'"]invariant/.test(text)) bad.push(`${rel} throws an ad-hoc invariant error`);
    if (/\b(Raft|Paxos)InvariantError\b/.test(text)) bad.push(`${rel} uses a per-module invariant error`);
  }
  assert.deepEqual(bad, []);
});

test('the published package holds no tests', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
  // The package is the built library: the check means something only if dist/ is in it.
  assert.ok(files.includes('dist/src/client/index.js'), 'the SDK entry point is packed');
  assert.deepEqual(files.filter((p) => p.startsWith('dist/test/') || p.startsWith('test/') || /\.test\.(js|ts|d\.ts|js\.map)$/.test(p)), []);
});
