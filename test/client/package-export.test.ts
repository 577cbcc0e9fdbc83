// `import { Client } from 'raftlock'` resolves through package.json "exports" to the built SDK
// (checked at run time: the specifier is a variable so the compiler does not need dist/ first).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client as Direct } from '../../src/client/index.js';

test('the package name exports the client SDK', async () => {
  const name: string = 'raftlock';
  const mod = (await import(name)) as Record<string, unknown>;
  assert.equal(mod['Client'], Direct);
  for (const k of ['CompactedError', 'LeaseLostError', 'RaftlockError', 'Election']) assert.equal(typeof mod[k], 'function', k);
});
