// The one assertion style for broken invariants (src/invariant).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvariantError, invariant } from '../../src/invariant/index.js';

test('a failed invariant throws an InvariantError naming the broken rule', () => {
  assert.throws(
    () => invariant(false, 'applied <= committed'),
    (e: unknown) => e instanceof InvariantError && e.code === 'INVARIANT_VIOLATED' && e.name === 'InvariantError' && e.message === 'invariant violated: applied <= committed',
  );
});

test('a holding invariant returns, and builds a lazy message only when it fails', () => {
  let built = 0;
  const msg = (): string => {
    built++;
    return 'lazy';
  };
  invariant(1, msg);
  invariant('x', msg);
  assert.equal(built, 0);
  assert.throws(() => invariant(0, msg), /invariant violated: lazy/);
  assert.equal(built, 1);
});
