// The error table of docs/api.md and the one in src/api/errors.ts are the same table.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { apiDocPath, readErrorTable } from '../../cmd/lib/error-table.js';
import { ERROR_CODES } from '../../src/api/errors.js';

describe('error table', () => {
  it('docs/api.md lists every code with the status the server answers it with, and no other', () => {
    const documented = readErrorTable(readFileSync(apiDocPath(), 'utf8'));
    const served = new Map(Object.entries(ERROR_CODES).map(([code, { http }]) => [code, http]));
    assert.deepEqual([...documented.entries()].sort(), [...served.entries()].sort());
  });
});
