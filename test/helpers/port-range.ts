// A run of consecutive free loopback ports, for tests whose members derive their ports from a
// base (the StatefulSet environment: pod i listens on base + i * stride).

import net from 'node:net';

/** A base port such that base..base+count-1 are all free on 127.0.0.1 right now (held together
 *  while checked, then released). */
export async function freePortRange(count: number): Promise<number> {
  const tryListen = (port: number): Promise<net.Server | null> =>
    new Promise((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(null));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const held: net.Server[] = [];
    let ok = true;
    for (let p = base; p < base + count; p++) {
      const s = await tryListen(p);
      if (s === null) {
        ok = false;
        break;
      }
      held.push(s);
    }
    await Promise.all(held.map((s) => new Promise<void>((r) => s.close(() => r()))));
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free loopback ports found`);
}
