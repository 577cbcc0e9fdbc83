// The client HTTP server's settings (http.*): defaults, every source, validation.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_HTTP_SERVER_OPTIONS } from '../../src/api/index.js';
import { ConfigError, DEFAULT_HTTP, loadConfig } from '../../src/config/index.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'raftlock-http-config-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('http server settings', () => {
  test('default to the API server\'s defaults', () => {
    const c = loadConfig({ argv: [], env: {}, cwd: dir });
    assert.deepEqual(c.http, { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxConnections: 25_000 });
    assert.deepEqual({ ...DEFAULT_HTTP }, { ...DEFAULT_HTTP_SERVER_OPTIONS });
    assert.ok(Object.isFrozen(c.http));
  });

  test('are set by YAML, RAFTLOCK_HTTP_* and --http-* (flag over env over file)', () => {
    const p = join(dir, 'http.yaml');
    writeFileSync(p, 'http:\n  headersTimeoutMs: 1000\n  requestTimeoutMs: 2000\n  keepAliveTimeoutMs: 3000\n  maxConnections: 40\n');
    const env = { RAFTLOCK_HTTP_REQUEST_TIMEOUT_MS: '5000', RAFTLOCK_HTTP_MAX_CONNECTIONS: '50' };
    const c = loadConfig({ argv: ['--config', p, '--http-max-connections', '60', '--http-keep-alive-timeout-ms', '7000'], env, cwd: dir });
    assert.deepEqual(c.http, { headersTimeoutMs: 1000, requestTimeoutMs: 5000, keepAliveTimeoutMs: 7000, maxConnections: 60 });
  });

  test('refuse unknown fields, non-positive values and headers longer than the request', () => {
    const bad = (argv: string[], re: RegExp): void => {
      assert.throws(() => loadConfig({ argv, env: {}, cwd: dir }), (err: unknown) => err instanceof ConfigError && re.test(err.message));
    };
    bad(['--http-headers-timeout-ms', '0'], /http\.headersTimeoutMs: must be at least 1/);
    bad(['--http-max-connections', 'many'], /http\.maxConnections/);
    bad(['--http-headers-timeout-ms', '40000'], /http\.headersTimeoutMs: must be at most http\.requestTimeoutMs \(30000\)/);
    const p = join(dir, 'unknown.yaml');
    writeFileSync(p, 'http:\n  bodyTimeoutMs: 5\n');
    bad(['--config', p], /http\.bodyTimeoutMs: unknown field/);
  });
});
