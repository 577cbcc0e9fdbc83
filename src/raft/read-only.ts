// Leader-side bookkeeping for ReadIndex (Raft dissertation §6.4).
//
// A read request records the leader's commit index at arrival. The leader then sends a heartbeat
// round carrying the request's context; once a quorum of voters (the leader included) has
// answered a heartbeat carrying that context, no other leader can have been elected in a later
// term before the request arrived, so the recorded index is a safe read point. Requests are
// answered in arrival order: an acknowledgement of a later request's context confirms every
// earlier one too (the heartbeat was sent after they were recorded).

import { invariant } from '../invariant/index.js';
import type { LogIndex, NodeId } from './types.js';

export interface ReadIndexRequest {
  /** Commit index when the request arrived. */
  index: LogIndex;
  /** Who asked: the leader itself (answer locally) or a follower (answer with ReadIndexResp). */
  from: NodeId;
  ctx: Uint8Array;
}

interface Pending extends ReadIndexRequest {
  key: string;
  acks: Set<NodeId>;
}

/** A Uint8Array as a string map key (latin1: one char per byte). */
export function ctxKey(ctx: Uint8Array): string {
  let s = '';
  for (let i = 0; i < ctx.length; i += 4096) {
    s += String.fromCharCode(...ctx.subarray(i, i + 4096));
  }
  return s;
}

export class ReadOnlyQueue {
  private readonly byKey = new Map<string, Pending>();
  /** Arrival order (keys). Entries are removed from the front when answered. */
  private queue: Pending[] = [];

  constructor(readonly capacity: number) {
    invariant(Number.isInteger(capacity) && capacity > 0, 'read-index capacity must be a positive integer');
  }

  size(): number {
    return this.queue.length;
  }

  full(): boolean {
    return this.queue.length >= this.capacity;
  }

  /** Record a request. Returns false (and records nothing) when full or `ctx` is already pending. */
  add(req: ReadIndexRequest, self: NodeId): boolean {
    if (this.full()) return false;
    const key = ctxKey(req.ctx);
    if (this.byKey.has(key)) return false;
    const p: Pending = { ...req, key, acks: new Set([self]) };
    this.byKey.set(key, p);
    this.queue.push(p);
    return true;
  }

  /** The context the next heartbeat should carry (the newest pending request), if any. */
  lastCtx(): Uint8Array | undefined {
    return this.queue.length > 0 ? this.queue[this.queue.length - 1]!.ctx : undefined;
  }

  /** A heartbeat response from `from` carried `ctx`. Returns how many voters have acked it
   *  (0 when the context is not pending). */
  recvAck(from: NodeId, ctx: Uint8Array): { acks: Set<NodeId> } | undefined {
    const p = this.byKey.get(ctxKey(ctx));
    if (!p) return undefined;
    p.acks.add(from);
    return { acks: p.acks };
  }

  /** Remove and return every request up to and including the one with `ctx`. */
  advance(ctx: Uint8Array): ReadIndexRequest[] {
    const key = ctxKey(ctx);
    const at = this.queue.findIndex((p) => p.key === key);
    if (at < 0) return [];
    const done = this.queue.slice(0, at + 1);
    this.queue = this.queue.slice(at + 1);
    for (const p of done) this.byKey.delete(p.key);
    return done.map((p) => ({ index: p.index, from: p.from, ctx: p.ctx }));
  }

  clear(): void {
    this.byKey.clear();
    this.queue = [];
  }
}
