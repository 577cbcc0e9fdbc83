// `npm run sweep` in small against real raftlockd processes: a few hundred malformed requests and
// WebSocket messages, spread over three members (followers forward), all answered in the
// documented shape, none 5xx, none reset before the answer.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ProcessCluster, waitForLeader } from '../helpers/process-cluster.js';

const SWEEP = resolve(dirname(fileURLToPath(import.meta.url)), '../../cmd/sweep.js');
const BODY = 128 * 1024;

describe('bad-input sweep (real processes)', { timeout: 120_000 }, () => {
  let c: ProcessCluster;
  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: [
      '--limits-max-value-bytes', String(BODY / 2),
      '--limits-max-body-bytes', String(BODY),
      '--http-headers-timeout-ms', '1000',
      '--http-request-timeout-ms', '2000',
    ] });
    await waitForLeader(c, 30_000);
  });
  after(async () => {
    await c?.destroy();
  });

  test('the sweep command passes: 0 answers of 5xx, 0 resets without an answer, every error documented', async () => {
    const endpoints = c.members.map((m) => m.url).join(',');
    const proc = spawn(process.execPath, [SWEEP, '--endpoints', endpoints, '--requests', '400', '--ws-messages', '90', '--max-body-bytes', String(BODY), '--answer-timeout-ms', '10000', '--seed', '3'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((res) => proc.once('exit', (c) => res(c)));
    assert.equal(code, 0, out);
    assert.match(out, /400 malformed HTTP requests and 90 WebSocket messages/);
    assert.match(out, /answers of 5xx: +0\n/);
    assert.match(out, /resets\/closes without answer: +0\n/);
    assert.match(out, /errors not in documented shape: 0\n/);
    assert.match(out, /\nPASS\n?$/);
  });
});
