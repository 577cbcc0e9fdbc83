// The commit hold: a leader's AppendEntries that carry no entries (a new commit index, or a
// probe) are held back by peer for up to COMMIT_HOLD_MS.
//
// Any later AppendEntries to the same peer carries a commit index at least as high (early sends
// clamp theirs to what is durable here, and a held commit never exceeds that: it was built after
// the write that made it durable), so the held one is simply dropped when entries follow soon —
// under load, or one client writing back to back. Each such message costs a socket write, a
// wake-up of the follower and an answer, which on a virtual machine is most of the CPU of a lone
// put. A quiet leader sends it when the hold ends: followers learn a commit (and apply, serve
// watchers) at most that much later; linearizable reads on followers are not delayed, as their
// ReadIndex heartbeat carries the commit, and a follower with forwarded writes in the log is
// sent the commit that covers them at once (batched writes: Forwarder.commitAwaited; a single
// JSON-forwarded one: release with the answer), since it waits to apply them itself before it
// answers its clients.

import { MessageType, StateRole, type Message, type NodeId } from '../raft/types.js';
import type { MemberContext } from './member-context.js';
import type { Cancelable } from './ports.js';

/** How long a leader may hold an AppendEntries that carries only a new commit. */
const COMMIT_HOLD_MS = 2;

export class CommitHold {
  private held = new Map<NodeId, Message>();
  private flushTimer: Cancelable | null = null;

  constructor(private readonly m: MemberContext) {}

  /** Hands messages to the transport; a leader's empty AppendEntries are held. */
  send(messages: Message[]): void {
    const m = this.m;
    if (m.role !== StateRole.Leader) {
      m.o.peers.send(messages);
      return;
    }
    const out: Message[] = [];
    for (const msg of messages) {
      if (msg.type !== MessageType.App) {
        out.push(msg);
      } else if (msg.entries.length > 0) {
        this.held.delete(msg.to);
        out.push(msg);
      } else if (m.forwarder.commitAwaited(msg.to, msg.commit)) {
        // The follower waits for this commit to answer writes it forwarded: no hold.
        this.held.delete(msg.to);
        out.push(msg);
      } else {
        this.held.set(msg.to, msg);
      }
    }
    if (out.length > 0) m.o.peers.send(out);
    if (this.held.size === 0) {
      this.flushTimer?.cancel();
      this.flushTimer = null;
    } else if (this.flushTimer === null) {
      // The hold is counted from the oldest message held, so a steady stream of commits cannot
      // postpone it: nothing waits longer than COMMIT_HOLD_MS.
      this.flushTimer = m.o.clock.after(COMMIT_HOLD_MS, () => this.flush());
    }
  }

  /** Send `to` its held AppendEntries now, if one is held. The hold's timer runs on; flush
   *  finds nothing (or only the others) when it fires. */
  release(to: NodeId): void {
    const msg = this.held.get(to);
    if (msg === undefined || this.m.stopped || this.m.role !== StateRole.Leader) return;
    this.held.delete(to);
    this.m.o.peers.send([msg]);
  }

  cancel(): void {
    this.flushTimer?.cancel();
  }

  private flush(): void {
    this.flushTimer = null;
    if (this.held.size === 0) return;
    const held = [...this.held.values()];
    this.held.clear();
    if (this.m.stopped || this.m.role !== StateRole.Leader) return;
    this.m.o.peers.send(held);
  }
}
