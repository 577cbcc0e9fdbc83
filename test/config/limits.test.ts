// Every limit that docs/api.md lists is settable by YAML, by `--limits-<kebab-name>` and by
// `RAFTLOCK_LIMITS_<SNAKE_NAME>`, and reaches the API; config may lower the state machine's own
// limits, never raise them.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { API_LIMIT_SPECS, resolveApiLimits } from '../../src/api/limits.js';
import { ConfigError, LIMIT_SPECS, apiLimitsOf, envNameFor, flagNameFor, loadConfig } from '../../src/config/index.js';
import { HARD_LIMITS } from '../../src/state/limits.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = mkdtempSync(join(tmpdir(), 'raftlock-limits-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The limit names in the table of docs/api.md's "Limits" section. */
function documentedLimits(): string[] {
  const doc = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Limits'));
  const end = section.indexOf('\n## ', 5);
  return [...(end < 0 ? section : section.slice(0, end)).matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]!);
}

function refused(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof ConfigError && re.test(e.message), String(re));
}

describe('limits in the config', () => {
  test('every limit in docs/api.md is settable by YAML, flag and environment, and reaches the API', () => {
    const names = documentedLimits();
    assert.ok(names.length >= 13, `the Limits table lists the API limits (found ${names.join(', ')})`);
    for (const name of names) {
      const spec = (LIMIT_SPECS as Record<string, { default: number; max: number }>)[name];
      assert.ok(spec, `${name} is a config limit`);
      // A value other than the default, below the maximum, that fits with the other defaults.
      const want = spec.default - 1;
      const yaml = join(dir, `${name}.yaml`);
      writeFileSync(yaml, `limits:\n  ${name}: ${want}\n`);
      const path = ['limits', name];
      const ways = {
        yaml: loadConfig({ argv: ['--config', yaml], env: {}, cwd: dir }),
        flag: loadConfig({ argv: [`--${flagNameFor(path)}`, String(want)], env: {}, cwd: dir }),
        env: loadConfig({ argv: [], env: { [envNameFor(path)]: String(want) }, cwd: dir }),
      };
      assert.match(flagNameFor(path), /^limits-[a-z-]+$/);
      assert.match(envNameFor(path), /^RAFTLOCK_LIMITS_[A-Z_]+$/);
      for (const [how, c] of Object.entries(ways)) {
        assert.equal((c.limits as unknown as Record<string, number>)[name], want, `${name} via ${how}`);
        if (name in API_LIMIT_SPECS) {
          const api = resolveApiLimits(apiLimitsOf(c.limits));
          assert.equal((api as unknown as Record<string, number>)[name], want, `${name} via ${how} reaches the API`);
        }
      }
    }
  });

  test('the state machine\'s limits are the maxima: config may lower them, never raise them', () => {
    assert.equal(LIMIT_SPECS.maxTxnOps.max, Math.min(HARD_LIMITS.maxTxnOps, HARD_LIMITS.maxCompares));
    assert.equal(LIMIT_SPECS.maxKeyBytes.max, HARD_LIMITS.maxKeyLength);
    assert.equal(LIMIT_SPECS.maxValueBytes.max, HARD_LIMITS.maxValueLength);
    assert.equal(LIMIT_SPECS.maxRangeLimit.max, HARD_LIMITS.maxRangeLimit);
    assert.equal(LIMIT_SPECS.maxBodyBytes.max, HARD_LIMITS.maxCommandBytes - HARD_LIMITS.commandOverheadBytes);
    refused(() => loadConfig({ argv: ['--limits-max-txn-ops', '10000'], env: {}, cwd: dir }), /^config: limits\.maxTxnOps: must be at most 128 \(the state machine takes at most 128 compares and 128 ops per branch\) \(got 10000\)/);
    refused(() => loadConfig({ argv: [], env: { RAFTLOCK_LIMITS_MAX_TXN_OPS: '129' }, cwd: dir }), /limits\.maxTxnOps: must be at most 128 .*\[from env RAFTLOCK_LIMITS_MAX_TXN_OPS\]/);
    refused(() => loadConfig({ argv: ['--limits-max-key-bytes', '4097'], env: {}, cwd: dir }), /limits\.maxKeyBytes: must be at most 4096/);
    refused(() => loadConfig({ argv: ['--limits-max-value-bytes', String(HARD_LIMITS.maxValueLength + 1)], env: {}, cwd: dir }), /limits\.maxValueBytes: must be at most 1048576/);
    assert.equal(loadConfig({ argv: ['--limits-max-txn-ops', '16'], env: {}, cwd: dir }).limits.maxTxnOps, 16);
    assert.throws(() => resolveApiLimits({ maxTxnOps: 129 }), /maxTxnOps must be a whole number from 1 to 128/);
    for (const [name, spec] of Object.entries(LIMIT_SPECS)) {
      refused(() => loadConfig({ argv: [`--${flagNameFor(['limits', name])}`, String(spec.max + 1)], env: {}, cwd: dir }), new RegExp(`limits\\.${name}: must be at most ${spec.max}`));
      refused(() => loadConfig({ argv: [`--${flagNameFor(['limits', name])}`, '0'], env: {}, cwd: dir }), new RegExp(`limits\\.${name}: must be at least 1`));
    }
  });

  test('the default lock wait is at most the longest lock wait', () => {
    refused(
      () => loadConfig({ argv: ['--limits-default-lock-wait-ms', '60000', '--limits-max-lock-wait-ms', '10000'], env: {}, cwd: dir }),
      /^config: limits\.defaultLockWaitMs: must be at most limits\.maxLockWaitMs \(10000\) \(got 60000\)/,
    );
    const lowered = loadConfig({ argv: ['--limits-max-lock-wait-ms', '10000'], env: {}, cwd: dir });
    assert.equal(lowered.limits.defaultLockWaitMs, 10_000, 'an unset default follows a lowered maximum');
  });
});
