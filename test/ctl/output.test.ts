// raftlockctl's table output: plain text (quotes and backslashes as they are, control characters
// escaped so a row stays one line) and numbers rounded for reading.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cell, table } from '../../cmd/ctl/output.js';

describe('raftlockctl table output', () => {
  test('cells print quotes and backslashes as they are, and escape line breaks and control characters', () => {
    assert.equal(cell('{"lease":"abc","fencingToken":7}'), '{"lease":"abc","fencingToken":7}');
    assert.equal(cell('C:\\temp'), 'C:\\temp');
    assert.equal(cell('two\nlines\tand\r\u0007bell\u2028'), 'two\\nlines\\tand\\r\\u0007bell\\u2028');
    assert.equal(cell('héllo ✓'), 'héllo ✓');
    assert.equal(cell('x'.repeat(100), 10), `${'x'.repeat(9)}…`);
  });

  test('numbers are rounded to at most three decimals; integers stay as they are', () => {
    const out = table(['ID', 'REMAINING', 'TTL'], [['a', 16.216630859375, 30], ['b', 0.5, 9007199254740991]]);
    assert.equal(out, ['ID  REMAINING  TTL', 'a   16.217     30', 'b   0.5        9007199254740991'].join('\n'));
  });
});
