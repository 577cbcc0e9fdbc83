// The status page's files are plain files (src/api/ui) that `npm run build` copies next to the
// compiled routes: the published package must carry them, identical to the sources.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

test('npm pack includes every file of the status page, as built from src/api/ui', () => {
  const sources = readdirSync(join(root, 'src/api/ui')).sort();
  assert.ok(sources.includes('index.html') && sources.includes('app.js'));
  for (const f of sources) assert.deepEqual(readFileSync(join(root, 'dist/src/api/ui', f)), readFileSync(join(root, 'src/api/ui', f)), `dist copy of ${f}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
  for (const f of sources) assert.ok(files.has(`dist/src/api/ui/${f}`), `the package lacks dist/src/api/ui/${f}`);
  assert.ok(files.has('dist/src/api/routes-ui.js'));
});
