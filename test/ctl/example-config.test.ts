// The example raftlock.yaml at the repository root (the README runs `raftlockd --config
// raftlock.yaml`): the real loader takes it as it is, and a daemon started with it serves. The
// daemon gets free ports and a temporary data dir through the environment, which overrides the
// file field by field.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, loadConfig } from '../../src/config/index.js';
import { DAEMON, eventually, freePort, http } from '../helpers/process-cluster.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const EXAMPLE = join(ROOT, 'raftlock.yaml');

describe('the example raftlock.yaml', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftlock-example-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the config loader takes it as it is', () => {
    const c = loadConfig({ argv: ['--config', 'raftlock.yaml'], env: {}, cwd: ROOT });
    assert.equal(c.configFile, EXAMPLE);
    assert.equal(c.name, 'single');
    assert.equal(c.dataDir, join(ROOT, 'data/single'));
    assert.equal(c.listenClient, '127.0.0.1:7379');
    assert.equal(c.advertiseClientUrl, 'http://127.0.0.1:7379');
    assert.deepEqual(c.initialCluster.map((m) => m.name), ['single']);
    assert.deepEqual({ ...c.limits }, { ...DEFAULT_LIMITS }, 'its limits block spells out every limit at its default');
  });

  test('raftlockd --config raftlock.yaml starts and serves', async () => {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const env = {
      ...process.env,
      RAFTLOCK_LISTEN_CLIENT: `127.0.0.1:${clientPort}`,
      RAFTLOCK_LISTEN_PEER: `127.0.0.1:${peerPort}`,
      RAFTLOCK_DATA_DIR: join(dir, 'data'),
      RAFTLOCK_LOG_LEVEL: 'warn',
    };
    const proc = spawn(process.execPath, [DAEMON, '--config', 'raftlock.yaml'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
    try {
      const url = `http://127.0.0.1:${clientPort}`;
      await eventually('the member to be ready', async () => (proc.exitCode !== null ? Promise.reject(new Error(output)) : (await http('GET', `${url}/readyz`)).status === 200 || undefined), 30_000);
      const put = await http('PUT', `${url}/v1/kv/example`, { value: 'from raftlock.yaml' });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const get = await http('GET', `${url}/v1/kv/example`);
      assert.equal(get.body.value, 'from raftlock.yaml');
      const cluster = await http('GET', `${url}/v1/cluster`);
      assert.equal(cluster.body.member.name, 'single');
    } finally {
      proc.kill('SIGTERM');
      assert.equal(await exited, 0, output);
    }
  });
});
