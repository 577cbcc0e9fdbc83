// The daemon loads the etcd .proto files at run time: the compiled code finds them, and the
// published package carries them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROTO_DIR, PROTO_FILES, PROTO_IMPORTS } from '../../src/etcd/index.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

test('the .proto files are found from dist and are in the published package', () => {
  const needed = [...PROTO_FILES, ...PROTO_IMPORTS];
  for (const f of needed) assert.ok(existsSync(join(PROTO_DIR, f)), `${f} in ${PROTO_DIR}`);
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const files = new Set((JSON.parse(r.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
  for (const f of needed) assert.ok(files.has(join(relative(root, PROTO_DIR), f)), `${f} published`);
});
