// Snapshots: this member's own (cut the applied state, encode it a slice per event-loop turn,
// compact the log, persist), and one from the leader (install it in place of the state).

import type { Snapshot } from '../raft/types.js';
import { SnapshotReader, StateMachine, snapshotChunks } from '../state/index.js';
import type { MemberContext } from './member-context.js';
import { decodeSnapshotEnvelope, snapshotEnvelopeHeader } from './members.js';

/** Snapshot encoding: keys per encoded piece, and how long one event-loop turn may encode. */
const SNAPSHOT_KEYS_PER_CHUNK = 2_000;
const SNAPSHOT_SLICE_MS = 4;
/**
 * Taking our own snapshot is paced: after each slice of encoding the member rests this long
 * (serving requests, replicating) before the next, so a snapshot uses at most about a fifth of
 * the member's time while it is made. Every member reaches the threshold at about the same entry,
 * and on a busy machine three members encoding flat out at once took the CPU from the requests
 * for the whole encoding: the requests of that window were the slowest of the run. Paced, the
 * same work is spread thin: it takes about five times as long, and no request waits for much
 * of it. (Installing the leader's snapshot is not paced: that member is behind and wants it.)
 */
const SNAPSHOT_REST_MS = 16;
/** Installing: bytes of snapshot text read (and their whole elements parsed) per piece. */
const RESTORE_PIECE_BYTES = 32 << 10;
const EMPTY_BYTES = new Uint8Array(0);

export class Snapshots {
  /**
   * A snapshot in the making: the state was cut (consistently, at `index`) inside the loop, and
   * its bytes are encoded a few milliseconds per event-loop turn so that a large state never
   * stalls the member (heartbeats, requests) for the whole encoding. When `data` is set, the loop
   * compacts the log at its next turn and hands the snapshot to storage, which writes it in
   * pieces while the loop goes on (`persisting`); the job ends when it is durable. Dropped if a
   * snapshot from the leader overtakes it.
   */
  private job: { index: number; startedAt: number; data?: Uint8Array; persisting?: boolean } | null = null;

  constructor(private readonly m: MemberContext) {}

  /** An encoded snapshot waits for the loop to compact and persist it. */
  encodedAndWaiting(): boolean {
    return this.job?.data !== undefined && !this.job.persisting;
  }

  /**
   * A snapshot from the leader (in a Ready): it replaces the applied state. The new state is
   * read a slice per event-loop turn (SnapshotReader) while this member goes on serving its
   * clients from the old one; the swap itself is one step. Resolves false if the member stopped
   * meanwhile (nothing was replaced).
   */
  async install(snap: Snapshot): Promise<boolean> {
    const m = this.m;
    const idx = snap.metadata.index;
    let restored: { sm: StateMachine; members: ReturnType<typeof decodeSnapshotEnvelope>['members'] } | null = null;
    if (snap.data.length > 0) {
      const env = decodeSnapshotEnvelope(snap.data);
      restored = { sm: await this.readState(env.state), members: env.members };
      if (m.stopped) return false;
    }
    this.swap(idx, restored);
    return true;
  }

  /** The state of snapshot bytes, read a few milliseconds per event-loop turn. */
  private async readState(bytes: Uint8Array): Promise<StateMachine> {
    const opts = { historyRevisions: this.m.o.historyRevisions };
    if (bytes.length <= RESTORE_PIECE_BYTES) return StateMachine.restore(bytes, opts);
    const reader = new SnapshotReader();
    let until = this.m.o.clock.now() + SNAPSHOT_SLICE_MS;
    try {
      for (let at = 0; at < bytes.length; at += RESTORE_PIECE_BYTES) {
        if (this.m.stopped) break;
        reader.push(bytes.subarray(at, at + RESTORE_PIECE_BYTES));
        if (this.m.o.clock.now() >= until) {
          await new Promise<void>((r) => this.m.o.clock.defer(r));
          until = this.m.o.clock.now() + SNAPSHOT_SLICE_MS;
        }
      }
      const { sm, steps } = StateMachine.restoreDocSteps(reader.finish(), opts);
      for (const _ of steps) {
        if (this.m.stopped) break;
        if (this.m.o.clock.now() >= until) {
          await new Promise<void>((r) => this.m.o.clock.defer(r));
          until = this.m.o.clock.now() + SNAPSHOT_SLICE_MS;
        }
      }
      return sm;
    } catch (err) {
      // Not the layout the reader expects after all: read it in one go, which names the defect.
      this.m.o.logger.warn({ err: String(err) }, 'snapshot could not be read in slices; reading it whole');
      return StateMachine.restore(bytes, opts);
    }
  }

  private swap(idx: number, restored: { sm: StateMachine; members: ReturnType<typeof decodeSnapshotEnvelope>['members'] } | null): void {
    const m = this.m;
    if (restored !== null) {
      const env = restored;
      m.sm = restored.sm;
      m.directory.replaceAll(env.members);
      m.directory.upsert(m.o.self);
      for (const rec of env.members) if (rec.id !== m.o.self.id) m.o.peers.setPeer(rec.id, rec.peerUrl);
    }
    m.applied = idx;
    m.snapshotIndex = idx;
    this.job = null; // our own snapshot in the making is older: drop it
    // Queued changes are covered by the new state: the resync replays history from where each
    // watcher stands.
    m.loop.dropUnpublished();
    m.hub.resync(m.sm);
    // Proposals at or below the snapshot: this member cannot tell whether they were applied.
    m.proposals.onSnapshotInstalled(idx);
    m.applyWaits.notify();
    m.locks.checkAll();
    m.leases.updateGauges();
  }

  /** Called by the loop between Readies: finish an encoded snapshot, or start one. */
  async maybeSnapshot(): Promise<void> {
    const m = this.m;
    const job = this.job;
    if (job?.persisting) return;
    if (job?.data !== undefined) {
      if (job.index <= m.snapshotIndex) {
        this.job = null; // a snapshot from the leader overtook it
        return;
      }
      // Compacting the in-memory log first is safe: a lagging follower is then sent this
      // snapshot, made of committed state, whether or not it is durable here yet; and until the
      // store's last batch lands, a restart finds the previous snapshot and the full log.
      m.raft.compact(job.index, job.data);
      const snap = m.memLog.snapshot();
      job.persisting = true;
      const bytes = job.data.length;
      m.o.log.saveSnapshot(snap).then(
        (stored) => {
          if (this.job === job) this.job = null;
          if (m.stopped) return;
          if (!stored) {
            m.o.logger.info({ index: job.index }, 'snapshot dropped: one from the leader overtook it');
            return;
          }
          m.snapshotIndex = Math.max(m.snapshotIndex, job.index);
          m.o.metrics?.snapshotTaken?.((m.o.clock.now() - job.startedAt) / 1000, bytes);
          m.o.logger.info({ index: job.index, bytes }, 'snapshot taken, log compacted');
        },
        (err: unknown) => {
          if (!m.stopped) m.fail(err);
          else m.o.logger.error({ err: String(err) }, 'snapshot not persisted before the member stopped');
        },
      );
      return;
    }
    if (job !== null || m.applied - m.snapshotIndex < m.o.snapshotThreshold) return;
    const started: { index: number; startedAt: number; data?: Uint8Array } = { index: m.applied, startedAt: m.o.clock.now() };
    this.job = started;
    // Two phases, a few milliseconds per event-loop turn each: encode the cut in pieces, then
    // copy the pieces into the one buffer the core keeps (one copy of tens of MiB at once is
    // itself a stall of a few hundred milliseconds here).
    const parts: Uint8Array[] = [snapshotEnvelopeHeader(m.directory.all())];
    const cut = m.sm.cut();
    const chunks = snapshotChunks(cut, SNAPSHOT_KEYS_PER_CHUNK);
    let out: Uint8Array | null = null;
    let copied = 0;
    let at = 0;
    const step = (): void => {
      try {
        encodeSome();
      } catch (err) {
        cut.kvs.release();
        m.fail(err);
      }
    };
    const encodeSome = (): void => {
      if (m.stopped || this.job !== started) {
        cut.kvs.release(); // stopped, or overtaken
        return;
      }
      const until = m.o.clock.now() + SNAPSHOT_SLICE_MS;
      while (out === null) {
        const next = chunks.next();
        if (next.done) {
          cut.kvs.release();
          out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          break;
        }
        parts.push(next.value);
        if (m.o.clock.now() >= until) {
          m.o.clock.after(SNAPSHOT_REST_MS, step);
          return;
        }
      }
      while (copied < parts.length) {
        out.set(parts[copied]!, at);
        at += parts[copied]!.length;
        parts[copied++] = EMPTY_BYTES; // let the piece go
        if (copied < parts.length && m.o.clock.now() >= until) {
          m.o.clock.after(SNAPSHOT_REST_MS, step);
          return;
        }
      }
      started.data = out;
      m.loop.again();
    };
    step();
  }
}
