// Forwarded writes, batched and binary. A follower does not send each client write to the
// leader as a request of its own: the writes that arrive while earlier batches are on their way
// (or within one event-loop turn) travel together, as one binary request on the peer
// transport's RPC channel. The leader appends every command of a batch to its log at once and
// answers at once, per command, with the (index, term) it gave the entry, or a coded error if it
// did not append it. The follower then waits, as for its own proposals, until it applies that
// index itself: the entry's result comes from its own (deterministic) state machine, and a
// different term at that index means another leader's entry took it (PROPOSAL_LOST).
//
// Outcome rules, as for one forwarded write: a batch that was never sent is retryable
// (PEER_UNREACHABLE, nothing proposed); one that was sent and not answered has an unknown
// outcome for every command in it (TIMEOUT); a per-command refusal (NO_LEADER,
// TOO_MANY_REQUESTS) means that command was not appended.
//
// Wire format (all integers unsigned LEB128):
//   request  [u8 0x01][count] count x ([timeoutMs][len][command bytes])
//   response [u8 0x02][count] count x ([u8 0][index][term] | [u8 1][code][message])
// Both first bytes differ from '{', the first byte of the JSON requests (forward.ts).

import { CodedError, isErrorCode } from '../api/errors.js';
import type { NodeId } from '../raft/types.js';
import { ByteReader, ByteWriter } from '../codec/index.js';

export const PROPOSE_BATCH_TAG = 0x01;
export const PROPOSE_BATCH_RESPONSE_TAG = 0x02;

/** At most this many commands per batch, and at most this many batches in flight per leader. */
export const MAX_BATCH_COMMANDS = 256;
export const MAX_BATCHES_IN_FLIGHT = 4;
/** At most this many commands wait for a batch (beyond them: TOO_MANY_REQUESTS). */
const MAX_QUEUED_COMMANDS = 20_000;
/** A command is at most this big (the API limits bodies far below it). */
const MAX_COMMAND_BYTES = 16 << 20;

export interface BatchItem {
  cmd: Uint8Array;
  timeoutMs: number;
}

export type BatchAnswer = { ok: true; index: number; term: number } | { ok: false; code: string; message: string };

export function encodeProposeBatch(items: readonly BatchItem[]): Uint8Array {
  const w = new ByteWriter(16 + items.reduce((n, x) => n + x.cmd.length + 8, 0));
  w.u8(PROPOSE_BATCH_TAG).uvarint(items.length);
  for (const x of items) w.uvarint(Math.max(0, Math.floor(x.timeoutMs))).bytes(x.cmd);
  return w.finish();
}

export function decodeProposeBatch(bytes: Uint8Array): BatchItem[] {
  const r = new ByteReader(bytes, 'propose batch');
  if (r.u8('tag') !== PROPOSE_BATCH_TAG) r.fail('not a propose batch');
  const n = r.count('commands', 2);
  if (n === 0 || n > MAX_BATCH_COMMANDS) r.fail(`a batch holds 1..${MAX_BATCH_COMMANDS} commands, not ${n}`);
  const out: BatchItem[] = [];
  for (let i = 0; i < n; i++) {
    const timeoutMs = r.uvarint('timeoutMs');
    const cmd = r.bytes('command');
    if (cmd.length === 0 || cmd.length > MAX_COMMAND_BYTES) r.fail(`command ${i} has ${cmd.length} bytes`);
    out.push({ cmd, timeoutMs });
  }
  r.end();
  return out;
}

export function encodeBatchAnswers(answers: readonly BatchAnswer[]): Uint8Array {
  const w = new ByteWriter(8 + answers.length * 8);
  w.u8(PROPOSE_BATCH_RESPONSE_TAG).uvarint(answers.length);
  for (const a of answers) {
    if (a.ok) w.u8(0).uvarint(a.index).uvarint(a.term);
    else w.u8(1).string(a.code).string(a.message);
  }
  return w.finish();
}

export function decodeBatchAnswers(bytes: Uint8Array, expected: number): BatchAnswer[] {
  const r = new ByteReader(bytes, 'propose batch response');
  if (r.u8('tag') !== PROPOSE_BATCH_RESPONSE_TAG) r.fail('not a propose batch response');
  const n = r.count('answers', 3);
  if (n !== expected) r.fail(`${n} answers for ${expected} commands`);
  const out: BatchAnswer[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r.u8('answer kind');
    if (kind === 0) out.push({ ok: true, index: r.uvarint('index'), term: r.uvarint('term') });
    else if (kind === 1) out.push({ ok: false, code: r.string('code'), message: r.string('message') });
    else r.fail(`answer kind ${kind}`);
  }
  r.end();
  return out;
}

/** What the batcher needs from its member: the RPC channel and a clock. */
export interface BatchTransport {
  request(to: NodeId, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  now(): number;
  /** Run `fn` once the current event-loop turn's I/O callbacks ran (the member's clock). */
  defer(fn: () => void): void;
}

interface Queued {
  cmd: Uint8Array;
  deadline: number;
  settle(a: BatchAnswer): void;
}

/**
 * The follower's side: commands for one leader queue here and leave in batches, at most
 * MAX_BATCHES_IN_FLIGHT at a time (the next batch takes whatever queued meanwhile).
 */
export class ProposeBatcher {
  private readonly queues = new Map<NodeId, Queued[]>();
  private readonly inFlight = new Map<NodeId, number>();
  private queued = 0;
  private scheduled = new Set<NodeId>();
  /** Batches sent so far (for tests and metrics). */
  batchesSent = 0;

  constructor(private readonly t: BatchTransport) {}

  /** Forward one encoded command to leader `to`; settles with its answer (never rejects). */
  submit(to: NodeId, cmd: Uint8Array, deadline: number): Promise<BatchAnswer> {
    if (this.queued >= MAX_QUEUED_COMMANDS) {
      return Promise.resolve({ ok: false, code: 'TOO_MANY_REQUESTS', message: `${this.queued} forwarded writes already wait for the leader` });
    }
    return new Promise<BatchAnswer>((settle) => {
      let q = this.queues.get(to);
      if (!q) {
        q = [];
        this.queues.set(to, q);
      }
      q.push({ cmd, deadline, settle });
      this.queued++;
      // Writes of the same event-loop turn go together: flush once the turn's I/O callbacks ran.
      if (!this.scheduled.has(to)) {
        this.scheduled.add(to);
        this.t.defer(() => {
          this.scheduled.delete(to);
          this.flush(to);
        });
      }
    });
  }

  private flush(to: NodeId): void {
    const q = this.queues.get(to);
    while (q && q.length > 0 && (this.inFlight.get(to) ?? 0) < MAX_BATCHES_IN_FLIGHT) {
      const items = q.splice(0, MAX_BATCH_COMMANDS);
      this.queued -= items.length;
      const now = this.t.now();
      const live = items.filter((x) => {
        if (x.deadline > now) return true;
        x.settle({ ok: false, code: 'TIMEOUT', message: 'the request timed out before it was forwarded (not sent, so not applied)' });
        return false;
      });
      if (live.length > 0) this.send(to, live, now);
    }
    if (q && q.length === 0) this.queues.delete(to);
  }

  private send(to: NodeId, items: Queued[], now: number): void {
    this.inFlight.set(to, (this.inFlight.get(to) ?? 0) + 1);
    this.batchesSent++;
    const last = items.reduce((d, x) => Math.max(d, x.deadline), 0);
    const payload = encodeProposeBatch(items.map((x) => ({ cmd: x.cmd, timeoutMs: Math.max(1, x.deadline - now) })));
    const done = (): void => {
      const n = (this.inFlight.get(to) ?? 1) - 1;
      if (n === 0) this.inFlight.delete(to);
      else this.inFlight.set(to, n);
      this.flush(to);
    };
    this.t.request(to, payload, Math.max(1, last - now) + 250).then(
      (bytes) => {
        let answers: BatchAnswer[];
        try {
          answers = decodeBatchAnswers(bytes, items.length);
        } catch (e) {
          answers = items.map(() => ({ ok: false, code: 'TIMEOUT', message: `malformed answer from leader ${to}; the outcome is unknown: ${(e as Error).message}` }));
        }
        for (const [i, x] of items.entries()) x.settle(answers[i]!);
        done();
      },
      (e: unknown) => {
        const a = outcomeOfFailedSend(to, e);
        for (const x of items) x.settle(a);
        done();
      },
    );
  }
}

/** The answer for every command of a batch whose request failed (see the rules at the top). */
export function outcomeOfFailedSend(to: NodeId, e: unknown): BatchAnswer {
  const code = (e as { code?: string }).code;
  const unknown = (e as { outcomeUnknown?: boolean }).outcomeUnknown !== false;
  const msg = (e as Error)?.message ?? String(e);
  if ((code === 'PEER_UNREACHABLE' || code === 'TIMEOUT') && !unknown) {
    return { ok: false, code: 'PEER_UNREACHABLE', message: `leader ${to} unreachable; the request was not sent: ${msg}` };
  }
  // An error the transport or the leader's side reported before the batch was read (e.g.
  // TOO_MANY_REQUESTS, SHUTTING_DOWN): as for one forwarded write, its code is passed on.
  if (code && isErrorCode(code) && code !== 'PEER_UNREACHABLE' && code !== 'TIMEOUT' && code !== 'INTERNAL') return { ok: false, code, message: msg };
  return { ok: false, code: 'TIMEOUT', message: `forwarding to leader ${to} failed; the outcome is unknown: ${msg}` };
}

/** A refusal for each command of a batch the leader could not even read. */
export function refusalOf(e: unknown): BatchAnswer {
  const ce = e instanceof CodedError ? e : new CodedError('INTERNAL', (e as Error)?.message ?? 'internal error');
  return { ok: false, code: ce.code, message: ce.message };
}
