// The client's one WebSocket against a real three-member cluster: many kept leases and several
// watches of one client are one socket on the members' side (raftlock_watch_streams summed over
// the members) and send no HTTP keepalive; when that socket is cut (a TCP relay in front of the
// first member drops every connection), the client moves to the next member: no lease is lost,
// each watch gets every change once and in order, and it is one socket again.

import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client, type KeptLease, type Watcher } from '../../src/client/index.js';
import { ProcessCluster, eventually, waitForLeader } from '../helpers/process-cluster.js';

const FAST = ['--heartbeat-interval-ms', '50', '--election-timeout-ms', '500'];

/** A TCP relay to `port` on loopback that can cut every connection it carries. */
class Relay {
  private readonly conns = new Set<net.Socket>();
  private constructor(private readonly server: net.Server) {}
  static async start(port: number): Promise<Relay> {
    const server = net.createServer();
    const relay = new Relay(server);
    server.on('connection', (inbound) => {
      const outbound = net.connect(port, '127.0.0.1');
      relay.conns.add(inbound).add(outbound);
      const end = (): void => {
        inbound.destroy();
        outbound.destroy();
        relay.conns.delete(inbound);
        relay.conns.delete(outbound);
      };
      inbound.on('error', end).on('close', end);
      outbound.on('error', end).on('close', end);
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return relay;
  }
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  cutAll(): void {
    for (const s of [...this.conns]) s.destroy();
  }
  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function sample(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    const rest = line.slice(name.length);
    if (!(rest.startsWith(' ') || rest.startsWith('{'))) continue;
    if (labels !== '' && !rest.includes(labels)) continue;
    sum += Number(line.split(' ').pop());
  }
  return sum;
}

describe('one client socket against a real cluster', { timeout: 180_000 }, () => {
  let c: ProcessCluster;
  let relay: Relay;
  let client: Client;
  const leases: KeptLease[] = [];
  const watches: Watcher[] = [];
  const got = new Map<string, number[]>();
  const drains: Promise<void>[] = [];

  /** Over all members: open watch sockets, and HTTP keepalives served so far. */
  async function serverSide(): Promise<{ sockets: number; httpKeepalives: number }> {
    let sockets = 0;
    let httpKeepalives = 0;
    for (const m of c.members) {
      const text = await (await fetch(`${m.url}/metrics`)).text();
      sockets += sample(text, 'raftlock_watch_streams');
      httpKeepalives += sample(text, 'raftlock_http_requests_total', 'route="/v1/leases/:id/keepalive"');
    }
    return { sockets, httpKeepalives };
  }

  before(async () => {
    c = await ProcessCluster.start({ size: 3, extraArgs: FAST });
    await waitForLeader(c);
    relay = await Relay.start(c.members[0]!.clientPort);
    client = new Client({ endpoints: [relay.url, c.members[1]!.url, c.members[2]!.url], randomStart: false, pingIntervalMs: 1_000 });
  });
  after(async () => {
    await client?.close();
    await relay?.close();
    await c?.destroy();
  });

  test('ten leases and three watches are one socket on the members, with no HTTP keepalive', async () => {
    for (let i = 0; i < 10; i++) leases.push(await client.lease(2));
    for (const k of ['ss/a', 'ss/b', 'ss/c']) {
      const w = client.watch(k);
      watches.push(w);
      got.set(k, []);
      drains.push(
        (async () => {
          for await (const batch of w) for (const _ of batch.events) got.get(k)!.push(batch.revision);
        })(),
      );
    }
    await Promise.all(watches.map((w) => w.ready));
    await eventually('three keepalives of every lease', async () => (leases.every((l) => l.keepalives.socket >= 3) ? true : undefined), 20_000);
    const side = await serverSide();
    assert.equal(side.sockets, 1, 'one watch socket over all members');
    assert.equal(side.httpKeepalives, 0, 'no keepalive over HTTP');
    assert.equal(client.socket.opens, 1);
    for (const l of leases) assert.equal(l.keepalives.http, 0);
    // The count is real: one keepalive over HTTP shows in it.
    await client.leaseKeepAliveOnce(leases[0]!.id);
    assert.equal((await serverSide()).httpKeepalives, 1);
    // The watches on that socket see their writes.
    const revs: Record<string, number[]> = { 'ss/a': [], 'ss/b': [], 'ss/c': [] };
    for (let i = 0; i < 3; i++) for (const k of Object.keys(revs)) revs[k]!.push((await client.put(k, `v${i}`)).revision);
    await eventually('each watch saw its three writes', async () => (Object.keys(revs).every((k) => got.get(k)!.length === 3) ? true : undefined));
    for (const k of Object.keys(revs)) assert.deepEqual(got.get(k), revs[k]);
  });

  test('the socket is cut: the client moves on, keeps every lease, and each watch misses nothing', async () => {
    assert.equal(leases.length, 10, 'the first test made the leases');
    const before = new Map(leases.map((l) => [l, l.keepalives.socket + l.keepalives.http]));
    const revs: Record<string, number[]> = { 'ss/a': [...got.get('ss/a')!], 'ss/b': [...got.get('ss/b')!], 'ss/c': [...got.get('ss/c')!] };
    relay.cutAll();
    // Writes while the client reconnects, and after.
    const direct = new Client({ endpoints: [c.members[1]!.url] });
    try {
      for (let i = 3; i < 6; i++) for (const k of Object.keys(revs)) revs[k]!.push((await direct.put(k, `v${i}`)).revision);
    } finally {
      await direct.close();
    }
    await eventually('a second socket is open', async () => (client.socket.opens >= 2 && client.socket.isOpen ? true : undefined));
    // Two more TTLs: every lease renewed at least three more times.
    await eventually('every lease renewed after the cut', async () => (leases.every((l) => l.keepalives.socket + l.keepalives.http >= before.get(l)! + 3) ? true : undefined), 20_000);
    for (const l of leases) {
      assert.equal(l.isLost, false, `lease ${l.id} kept`);
      const ttl = await client.leaseTimeToLive(l.id);
      assert.ok(ttl.ttl > 0, `lease ${l.id} is alive on the cluster`);
    }
    for (const k of Object.keys(revs)) revs[k]!.push((await client.put(k, 'after')).revision);
    await eventually('each watch saw every write, before, during and after the cut', async () => (Object.keys(revs).every((k) => got.get(k)!.length === revs[k]!.length) ? true : undefined));
    for (const k of Object.keys(revs)) assert.deepEqual(got.get(k), revs[k], `watch ${k}: every revision once, in order`);
    for (const w of watches) assert.ok(w.reconnectCount >= 1);
    await eventually('one socket over all members again', async () => ((await serverSide()).sockets === 1 ? true : undefined));
    assert.notEqual(client.socket.connectedTo, relay.url, 'it moved to the next member');
    for (const w of watches) w.close();
    await Promise.all(drains);
  });
});
