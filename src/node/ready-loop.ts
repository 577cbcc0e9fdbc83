// The ONE loop that turns the consensus core's Ready into I/O, in the order the contract in
// raft/types.ts demands: persist -> send -> apply -> advance. It runs while the core has work
// and exits when it has none; inputs (ticks, peer messages, proposals) kick it.

import { decodeConfChange } from '../raft/index.js';
import { ConfChangeType, EntryType, type Entry, type Ready } from '../raft/types.js';
import type { CommandResult, WatchEvent } from '../state/commands.js';
import type { MemberContext } from './member-context.js';
import { decodeMemberContext } from './members.js';

const utf8Decoder = new TextDecoder();

export class ReadyLoop {
  private loopRunning = false;
  private loopAgain = false;
  private loopIdle: Promise<void> = Promise.resolve();
  /** Applied changes not yet handed to the watch hub (drained on the next turn). */
  private publishQueue: { revision: number; events: WatchEvent[] }[] = [];
  private publishScheduled = false;

  constructor(private readonly m: MemberContext) {}

  kick(): void {
    if (this.m.stopped) return;
    if (this.loopRunning) {
      this.loopAgain = true;
      return;
    }
    if (!this.m.raft.hasReady()) return;
    this.kickLoop();
  }

  /** Ask a running loop for one more turn, or start it (e.g. an encoded snapshot is ready). */
  again(): void {
    this.loopAgain = true;
    this.kickLoop();
  }

  /** Resolves when the loop has finished its current turn. */
  idle(): Promise<void> {
    return this.loopIdle;
  }

  /** Start the loop if it is not running (it exits when there is nothing left to do). */
  private kickLoop(): void {
    if (this.m.stopped || this.loopRunning) return;
    this.loopRunning = true;
    this.loopIdle = this.runLoop();
  }

  private async runLoop(): Promise<void> {
    const m = this.m;
    try {
      do {
        this.loopAgain = false;
        while (!m.stopped && m.raft.hasReady()) {
          const rd = m.raft.ready();
          await this.handleReady(rd);
          m.raft.advance(rd);
          this.afterAdvance();
          await m.snapshots.maybeSnapshot();
        }
        if (!m.stopped && m.snapshots.encodedAndWaiting()) await m.snapshots.maybeSnapshot();
      } while (this.loopAgain && !m.stopped);
    } catch (err) {
      m.fail(err);
    } finally {
      this.loopRunning = false;
    }
  }

  /**
   * One Ready, by the contract in raft/types.ts (Ready), followed mechanically: the core has
   * already put apart the messages that may go before the write (earlyMessages: appends whose
   * commit it clamped to durableIndex) from those that must wait for it (messages).
   */
  private async handleReady(rd: Ready): Promise<void> {
    const m = this.m;
    const clock = m.o.clock;
    const hooks = m.hooks;
    if (rd.softState) m.onSoftState(rd.softState.lead, rd.softState.role);

    // 0. early sends: overlap the followers' writes with ours.
    if (rd.earlyMessages.length > 0) m.hold.send(rd.earlyMessages);
    if (hooks.sendBeforePersist && rd.messages.length > 0) m.hold.send(rd.messages); // UNSAFE test hook

    // 1. persist — one write batch, synced when the core says a promise depends on it.
    //    A hard state whose term and vote are unchanged differs only in its commit index, which
    //    need not be durable (Figure 2 lists it as volatile; a restarted member relearns it), so
    //    it does not cost a write of its own: it rides along with the next write of entries.
    //    The write is handed to the disk first, so everything below overlaps with it.
    const hsNews = rd.hardState !== undefined && (rd.hardState.term !== m.savedTerm || rd.hardState.vote !== m.savedVote);
    let saving: Promise<void> | null = null;
    const t0 = clock.now();
    if (hsNews || rd.entries.length > 0 || rd.snapshot) {
      saving = m.o.log.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot }, rd.mustSync || !!rd.snapshot);
    }

    // Committed entries that were already durable here before this Ready (index <= durableIndex)
    // are applied while this Ready's own write is in flight: they are committed and on disk, so
    // applying them first changes no outcome — it only stops a client from waiting out an
    // unrelated fsync. The rest are applied after the write, as usual.
    let committed = rd.committedEntries;
    if (saving !== null && !rd.snapshot && committed.length > 0) {
      let n = 0;
      while (n < committed.length && committed[n]!.index <= rd.durableIndex) n++;
      if (n > 0) {
        this.applyEntries(n === committed.length ? committed : committed.slice(0, n));
        committed = n === committed.length ? [] : committed.slice(n);
      }
    }

    if (saving !== null) {
      await saving;
      if (rd.hardState) {
        m.savedTerm = rd.hardState.term;
        m.savedVote = rd.hardState.vote;
      }
      m.o.metrics?.storageSyncSeconds?.((clock.now() - t0) / 1000);
      if (hooks.ackBeforeCommit && rd.entries.length > 0) m.proposals.unsafeAckPersisted(rd.entries[rd.entries.length - 1]!.index);
    }
    if (rd.hardState) m.o.metrics?.term?.(rd.hardState.term);

    // 2. send what had to wait for the write.
    if (rd.messages.length > 0 && !hooks.sendBeforePersist) m.hold.send(rd.messages);

    // 3. apply
    if (rd.snapshot && !(await m.snapshots.install(rd.snapshot))) return; // stopped while installing
    if (committed.length > 0) this.applyEntries(committed);
    for (const rs of rd.readStates) m.reads.onReadState(utf8Decoder.decode(rs.requestCtx), rs.index);
  }

  private afterAdvance(): void {
    const met = this.m.o.metrics;
    if (!met) return;
    met.proposalsPending?.(this.m.proposals.size);
    const stats = this.m.o.log.stats?.();
    const memLog = this.m.memLog;
    if (stats) met.logSize?.(stats.entries, stats.bytes, stats.firstIndex, stats.lastIndex);
    else met.logSize?.(memLog.lastIndex() - memLog.firstIndex() + 1, 0, memLog.firstIndex(), memLog.lastIndex());
  }

  private applyEntries(entries: Entry[]): void {
    const m = this.m;
    const now = m.o.clock.now();
    let leaseChange = false;
    for (const e of entries) {
      if (e.index <= m.applied) continue;
      if (e.index !== m.applied + 1) throw new Error(`apply gap: applied=${m.applied}, next entry ${e.index}`);
      let result: CommandResult | undefined;
      if (e.type === EntryType.ConfChange) {
        this.applyConfChange(e);
      } else if (e.data.length > 0) {
        const out = m.sm.applyEncoded(e.data);
        result = out.result;
        const cmd = out.cmd;
        if (cmd) {
          if (out.events.length > 0) this.queuePublish(out.result.revision, out.events);
          if (cmd.op === 'leaseGrant' && result.op === 'leaseGrant') {
            m.lessor.renew(cmd.id, cmd.ttlMs, now);
            leaseChange = true;
            m.o.metrics?.leaseGranted?.();
          } else if (cmd.op === 'leaseRevoke') {
            m.lessor.forget(cmd.id);
            leaseChange = true;
            if (result.op === 'leaseRevoke') m.o.metrics?.leaseRevoked?.(cmd.reason);
          } else if (cmd.op.startsWith('lock')) {
            leaseChange = true;
          }
        }
      }
      m.applied = e.index;
      m.hooks.onApplied?.(e);
      m.proposals.onApplied(e, result, now);
    }
    m.o.metrics?.proposalApplied?.(entries.length);
    m.o.metrics?.applySeconds?.((m.o.clock.now() - now) / 1000);
    if (leaseChange) m.leases.updateGauges();
    m.applyWaits.notify();
    m.locks.checkChanged(m.sm.takeChangedLocks());
  }

  /**
   * Watch fan-out runs after the current apply batch, not inside it: the writers waiting on these
   * entries get their answers first, so a thousand watchers never slow a write down. Order is
   * kept (one queue, drained in order), and the hub's published revision — what progress
   * messages vouch for — only moves when the events have really been handed out.
   */
  private queuePublish(revision: number, events: WatchEvent[]): void {
    this.publishQueue.push({ revision, events });
    if (this.publishScheduled) return;
    this.publishScheduled = true;
    this.m.o.clock.defer(() => {
      this.publishScheduled = false;
      const q = this.publishQueue;
      this.publishQueue = [];
      for (const p of q) this.m.hub.publish(p.revision, p.events);
    });
  }

  /** Forget changes not yet published (a snapshot replaced the state, or the member stopped). */
  dropUnpublished(): void {
    this.publishQueue = [];
  }

  private applyConfChange(e: Entry): void {
    const m = this.m;
    const cc = decodeConfChange(e.data);
    const rec = decodeMemberContext(cc.context);
    if (cc.type === ConfChangeType.RemoveNode) {
      m.directory.remove(cc.nodeId);
      if (cc.nodeId !== m.o.self.id) m.o.peers.removePeer(cc.nodeId);
    } else if (rec) {
      m.directory.upsert(rec);
      if (rec.id !== m.o.self.id) m.o.peers.setPeer(rec.id, rec.peerUrl);
    }
  }
}
