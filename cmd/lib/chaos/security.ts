// Chaos with TLS and auth on (`npm run chaos -- --secure`): every member serves https/wss with a
// client CA, speaks mutual TLS to its peers (through the fault proxy, which relays TCP and sees
// only ciphertext), and the workload runs as a user whose permissions cover exactly its own key
// and lock prefixes, with a bearer token on every request and watch socket.

import { readFileSync } from 'node:fs';
import { Agent } from 'undici';
import { makeCa, makeLeaf, type TestCa, type TestLeaf } from '../dev-certs.js';

export interface ChaosSecurity {
  ca: { peer: TestCa; client: TestCa };
  memberArgs(name: string): string[];
  /** TLS material a client presents (undici connect options, ws options). */
  clientTls: { ca: Buffer; cert: Buffer; key: Buffer };
  agent: Agent;
  /** What the fault proxy needs to terminate peer TLS. */
  proxyTls: { ca: Buffer; certOf(name: string): { cert: Buffer; key: Buffer } };
  /** Set once auth is enabled and the workload user has logged in. */
  token?: string;
}

export function makeChaosSecurity(root: string, names: readonly string[]): ChaosSecurity {
  const peer = makeCa(root, 'peer-ca');
  const client = makeCa(root, 'client-ca');
  const leaves = new Map<string, { peer: TestLeaf; server: TestLeaf }>();
  for (const n of names) leaves.set(n, { peer: makeLeaf(peer, n), server: makeLeaf(client, n, { file: `${n}-server` }) });
  const user = makeLeaf(client, 'chaos-client');
  const clientTls = { ca: readFileSync(client.cert), cert: readFileSync(user.cert), key: readFileSync(user.key) };
  return {
    ca: { peer, client },
    clientTls,
    agent: new Agent({ connect: clientTls }),
    proxyTls: {
      ca: readFileSync(peer.cert),
      certOf(name) {
        const l = leaves.get(name);
        if (l === undefined) throw new Error(`no certificates for ${name}`);
        return { cert: readFileSync(l.peer.cert), key: readFileSync(l.peer.key) };
      },
    },
    memberArgs(name) {
      const l = leaves.get(name);
      if (l === undefined) throw new Error(`no certificates for ${name}`);
      return [
        '--peer-cert', l.peer.cert, '--peer-key', l.peer.key, '--peer-ca', peer.cert, '--peer-allowed-names', names.join(','),
        '--client-cert', l.server.cert, '--client-key', l.server.key, '--client-ca', client.cert,
        '--auth-token-ttl-seconds', '86400',
      ];
    },
  };
}
