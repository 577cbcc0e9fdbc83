// A member's disk in the simulation. A write is visible to later reads at once (the page cache)
// and completes after a drawn latency, in order. It is durable once a synced write at or after
// it has completed. A crash keeps what is durable and a drawn prefix of the rest — so unsynced
// and in-flight writes can be lost, never reordered. `durable()` is what the contract checker
// compares a member's messages against.

import type { Entry, HardState, Snapshot } from '../../../../src/raft/types.js';
import type { DurableLog } from '../../../../src/node/ports.js';
import type { SimRng } from '../rng.js';
import type { World } from './world.js';

interface Image {
  hardState: HardState | null;
  snapshot: Snapshot | null;
  /** entries[i] has index (snapshot index) + 1 + i. */
  entries: Entry[];
}

type Op = { kind: 'save'; hardState?: HardState; entries: Entry[]; snapshot?: Snapshot } | { kind: 'snap'; snapshot: Snapshot };

function snapIndex(img: Image): number {
  return img.snapshot?.metadata.index ?? 0;
}

function lastIndex(img: Image): number {
  return snapIndex(img) + img.entries.length;
}

function applyOp(img: Image, op: Op): void {
  if (op.snapshot !== undefined && (op.kind === 'snap' || op.snapshot.metadata.index > snapIndex(img))) {
    const si = op.snapshot.metadata.index;
    const keepFrom = si - snapIndex(img); // entries after the snapshot that we already hold
    const after = op.kind === 'snap' && si <= lastIndex(img) ? img.entries.slice(keepFrom) : [];
    img.entries = after;
    img.snapshot = op.snapshot;
  }
  if (op.kind === 'save') {
    if (op.entries.length > 0) {
      const first = op.entries[0]!.index;
      const cut = Math.max(0, first - snapIndex(img) - 1);
      img.entries = img.entries.slice(0, cut).concat(op.entries.filter((e) => e.index > snapIndex(img)));
    }
    if (op.hardState !== undefined) img.hardState = { ...op.hardState };
  }
}

export interface DiskProfile {
  /** Latency of one write, drawn in [min, max] ms. */
  minMs: number;
  maxMs: number;
}

export class SimDisk {
  private durableImg: Image = { hardState: null, snapshot: null, entries: [] };
  private visible: Image = { hardState: null, snapshot: null, entries: [] };
  /** Writes issued and not yet durable, oldest first; `done` once their latency passed. */
  private pending: { op: Op; sync: boolean; done: boolean }[] = [];
  private lastCompletion = 0;
  private incarnation = 0;
  writes = 0;
  lostWrites = 0;

  constructor(
    private readonly world: World,
    private readonly rng: SimRng,
    private readonly profile: DiskProfile,
  ) {}

  /** What survives a crash for sure. */
  durable(): { term: number; vote: number; lastIndex: number; termAt(i: number): number | undefined } {
    const img = this.durableImg;
    return {
      term: img.hardState?.term ?? 0,
      vote: img.hardState?.vote ?? 0,
      lastIndex: lastIndex(img),
      termAt: (i) => {
        if (i === snapIndex(img)) return img.snapshot?.metadata.term ?? 0;
        return img.entries[i - snapIndex(img) - 1]?.term;
      },
    };
  }

  /** A crash: durable writes stay, a drawn prefix of the others too; in-flight ones never answer. */
  crash(): void {
    this.incarnation++;
    const keep = this.pending.length === 0 ? 0 : this.rng.intn(this.pending.length + 1);
    for (let i = 0; i < keep; i++) applyOp(this.durableImg, this.pending[i]!.op);
    this.lostWrites += this.pending.length - keep;
    this.pending = [];
    this.visible = cloneImage(this.durableImg);
    this.lastCompletion = this.world.now();
  }

  /** The DurableLog one incarnation of the member writes through. */
  open(): DurableLog {
    const inc = this.incarnation;
    const write = (op: Op, sync: boolean): Promise<void> => {
      this.writes++;
      applyOp(this.visible, op);
      const rec = { op, sync, done: false };
      this.pending.push(rec);
      const at = Math.max(this.lastCompletion, this.world.now() + this.rng.range(this.profile.minMs, this.profile.maxMs));
      this.lastCompletion = at;
      return new Promise((resolve) => {
        this.world.at(at - this.world.now(), () => {
          if (inc !== this.incarnation) return; // crashed meanwhile: never answers
          rec.done = true;
          if (sync) this.settle();
          resolve();
        });
      });
    };
    return {
      load: async () => {
        const img = cloneImage(this.visible);
        return { hardState: img.hardState, snapshot: img.snapshot, entries: img.entries };
      },
      save: (batch, sync) => write({ kind: 'save', entries: batch.entries.map(copyEntry), ...(batch.hardState ? { hardState: { ...batch.hardState } } : {}), ...(batch.snapshot ? { snapshot: batch.snapshot } : {}) }, sync),
      saveSnapshot: async (snap) => {
        if (snap.metadata.index <= snapIndex(this.visible)) return false;
        await write({ kind: 'snap', snapshot: snap }, true);
        return true;
      },
    };
  }

  /** A synced write completed: it and everything before it are durable. */
  private settle(): void {
    let last = -1;
    for (let i = 0; i < this.pending.length; i++) if (this.pending[i]!.done && this.pending[i]!.sync) last = i;
    for (let i = 0; i <= last; i++) applyOp(this.durableImg, this.pending[i]!.op);
    this.pending = this.pending.slice(last + 1);
  }
}

function copyEntry(e: Entry): Entry {
  return { term: e.term, index: e.index, type: e.type, data: e.data };
}

function cloneImage(img: Image): Image {
  return { hardState: img.hardState ? { ...img.hardState } : null, snapshot: img.snapshot, entries: img.entries.slice() };
}
