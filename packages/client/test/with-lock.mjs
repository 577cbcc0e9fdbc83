#!/usr/bin/env node
// The package's own test, run from wherever @raftlock/client is installed (the repository's
// test/client/package-tarball.test.ts installs the packed tarball into an empty folder and runs
// this there against a real cluster). Usage: RAFTLOCK_ENDPOINTS=http://h1:p1,http://h2:p2 node with-lock.mjs
//
// Checks, and prints one JSON line with what it saw: two clients contend for one lock with
// withLock (never both inside, fencing tokens strictly increase); a holder keeps its lock past
// its lease's TTL (the lease is kept alive over the client's one WebSocket); a watch sees the
// writes. Exit code 0 when all held, 1 otherwise.
import { Client, RaftlockError } from '@raftlock/client';

const endpoints = (process.env.RAFTLOCK_ENDPOINTS ?? '').split(',').filter((e) => e !== '');
if (endpoints.length === 0) {
  console.error('set RAFTLOCK_ENDPOINTS to the members\' client URLs, comma-separated');
  process.exit(2);
}

const a = new Client({ endpoints });
const b = new Client({ endpoints });
const failures = [];
const tokens = [];
let inside = 0;
try {
  const watch = a.watch('smoke/counter');
  await watch.ready;

  const work = async (client, who) => {
    for (let i = 0; i < 3; i++) {
      await client.withLock('smoke/lock', async ({ fencingToken, signal }) => {
        inside++;
        if (inside !== 1) failures.push(`${who}: ${inside} holders at once`);
        tokens.push(fencingToken);
        await client.put('smoke/counter', `${who}-${i}-${fencingToken}`);
        await new Promise((r) => setTimeout(r, 20));
        if (signal.aborted) failures.push(`${who}: lease lost while holding the lock`);
        inside--;
      }, { ttl: 2 });
    }
  };
  await Promise.all([work(a, 'a'), work(b, 'b')]);
  for (let i = 1; i < tokens.length; i++) if (!(tokens[i] > tokens[i - 1])) failures.push(`fencing tokens not increasing: ${tokens.join(',')}`);

  // Hold a lock for longer than its 1 s lease: only keepalives keep it.
  const held = await a.withLock('smoke/long', async ({ lease, signal }) => {
    await new Promise((r) => setTimeout(r, 2_500));
    const ttl = await b.leaseTimeToLive(lease);
    return { aborted: signal.aborted, remaining: ttl.ttl };
  }, { ttl: 1 });
  if (held.aborted || !(held.remaining > 0)) failures.push(`long hold: ${JSON.stringify(held)}`);

  const seen = [];
  for await (const batch of watch) {
    for (const ev of batch.events) seen.push(ev.kv.value);
    if (seen.length >= 6) break;
  }
  if (seen.length !== 6) failures.push(`watch saw ${seen.length} of 6 writes`);
  console.log(JSON.stringify({ ok: failures.length === 0, tokens, watched: seen.length, sockets: [a.socket.opens, b.socket.opens], longHold: held, failures }));
} catch (e) {
  failures.push(e instanceof RaftlockError ? `${e.code}: ${e.message}` : String(e));
  console.log(JSON.stringify({ ok: false, failures }));
} finally {
  await a.close();
  await b.close();
}
process.exit(failures.length === 0 ? 0 : 1);
