// freePort: the ports test servers listen on.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { freePort } from './process-cluster.js';

describe('freePort', () => {
  it('never hands out a port twice, and each one can be listened on', async () => {
    const ports: number[] = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    assert.equal(new Set(ports).size, ports.length, 'all distinct');
    for (const p of ports) assert.ok(p >= 20_000 && p < 32_768, `${p} is below the kernel's ephemeral range`);
    // A sample of them: listening succeeds.
    for (const p of ports.slice(0, 20)) {
      await new Promise<void>((res, rej) => {
        const s = net.createServer();
        s.once('error', rej);
        s.listen(p, '127.0.0.1', () => s.close(() => res()));
      });
    }
  });

  it('skips a port something already listens on', async () => {
    const first = await freePort();
    // first + 1 is where the search goes next: hold it (if something else already does, fine too).
    const held = net.createServer();
    await new Promise<void>((res) => {
      held.once('error', () => res());
      held.listen(first + 1, '127.0.0.1', () => res());
    });
    try {
      assert.notEqual(await freePort(), first + 1);
    } finally {
      if (held.listening) await new Promise<void>((res) => held.close(() => res()));
    }
  });
});
