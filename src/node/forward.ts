// Requests a follower forwards to the leader over the peer transport's RPC channel, and their
// answers. Writes travel batched and binary (forward-batch.ts); the rarer requests here —
// keepalives, TTL queries, membership changes, and single writes from a member of an older
// version — are JSON.

import type { Command, CommandResult } from '../state/commands.js';

export type ForwardRequest =
  | { kind: 'propose'; cmd: Command; timeoutMs: number }
  | { kind: 'keepalive'; lease: string }
  | { kind: 'leaseRemaining'; lease: string }
  | { kind: 'confChange'; change: 'add' | 'addLearner' | 'remove'; member: { id: number; name: string; peerUrl: string; clientUrl: string } };

export type ForwardResponse =
  | { ok: true; kind: 'propose'; result: CommandResult; index: number }
  /** A batched write (forward-batch.ts): the leader appended it at (index, term). */
  | { ok: true; kind: 'proposed'; index: number; term: number }
  | { ok: true; kind: 'keepalive'; ttlMs: number }
  | { ok: true; kind: 'leaseRemaining'; remainingMs: number }
  | { ok: true; kind: 'confChange'; index: number }
  | { ok: false; code: string; message: string; details?: Record<string, unknown> };

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encodeForward(x: ForwardRequest | ForwardResponse): Uint8Array {
  return enc.encode(JSON.stringify(x));
}

export function decodeForwardRequest(bytes: Uint8Array): ForwardRequest {
  const v = JSON.parse(dec.decode(bytes)) as ForwardRequest;
  if (!v || typeof v !== 'object' || !['propose', 'keepalive', 'leaseRemaining', 'confChange'].includes((v as { kind: string }).kind)) {
    throw new Error('malformed forward request');
  }
  return v;
}

export function decodeForwardResponse(bytes: Uint8Array): ForwardResponse {
  const v = JSON.parse(dec.decode(bytes)) as ForwardResponse;
  if (!v || typeof v !== 'object' || typeof (v as { ok: unknown }).ok !== 'boolean') throw new Error('malformed forward response');
  return v;
}
