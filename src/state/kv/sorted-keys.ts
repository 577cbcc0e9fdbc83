// A sorted set of keys kept as a list of sorted chunks (a flat B-tree of height two). A single
// sorted array costs O(n) per insert (the splice moves half the array: ~10 µs at 50k keys,
// ~1 ms at 1M); chunks bound that to O(log n + CHUNK) while keeping ordered iteration cheap.
//
// Invariants: every chunk is non-empty and sorted; the last key of chunk i sorts before the
// first key of chunk i+1; `count` is the sum of the chunk lengths.

import { invariant } from '../../invariant/index.js';
import { lowerBound } from './key-order.js';

const MAX_CHUNK = 512;
const MERGE_BELOW = MAX_CHUNK / 4;

/** A position: chunk index and index inside it (chunk === chunks.length means the end). */
interface Cursor {
  chunk: number;
  at: number;
}

export class SortedKeys {
  private chunks: string[][] = [];
  private count = 0;
  /** Chunks handed out by share(): copied before they are changed (copy on write). */
  private shared = new WeakSet<string[]>();

  get size(): number {
    return this.count;
  }

  /** Index of the first chunk whose last key is >= key (chunks.length when none). */
  private chunkFor(key: string): number {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.chunks[mid]!;
      if (c[c.length - 1]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The position of the first key >= `key`. */
  seek(key: string): Cursor {
    const chunk = this.chunkFor(key);
    if (chunk === this.chunks.length) return { chunk, at: 0 };
    return { chunk, at: lowerBound(this.chunks[chunk]!, key) };
  }

  /** The end position. */
  end(): Cursor {
    return { chunk: this.chunks.length, at: 0 };
  }

  /** Keys in [a, b). */
  countBetween(a: Cursor, b: Cursor): number {
    if (a.chunk === b.chunk) return b.at - a.at;
    if (a.chunk > b.chunk) return 0;
    let n = this.chunks[a.chunk]!.length - a.at;
    for (let i = a.chunk + 1; i < b.chunk; i++) n += this.chunks[i]!.length;
    if (b.chunk < this.chunks.length) n += b.at;
    return n;
  }

  /** Up to `limit` keys from `from` (limit < 0: all) that are before `to`. */
  collect(from: Cursor, to: Cursor, limit: number): string[] {
    const out: string[] = [];
    let { chunk, at } = from;
    while (chunk < this.chunks.length && (limit < 0 || out.length < limit)) {
      if (chunk === to.chunk && at >= to.at) break;
      if (chunk > to.chunk) break;
      const c = this.chunks[chunk]!;
      out.push(c[at]!);
      if (++at === c.length) {
        chunk++;
        at = 0;
      }
    }
    return out;
  }

  has(key: string): boolean {
    const { chunk, at } = this.seek(key);
    return chunk < this.chunks.length && this.chunks[chunk]![at] === key;
  }

  /** Insert; returns false when already present. */
  insert(key: string): boolean {
    if (this.chunks.length === 0) {
      this.chunks.push([key]);
      this.count = 1;
      return true;
    }
    let ci = this.chunkFor(key);
    if (ci === this.chunks.length) ci--; // after every key: append to the last chunk
    const at = lowerBound(this.chunks[ci]!, key);
    if (this.chunks[ci]![at] === key) return false;
    const c = this.own(ci);
    c.splice(at, 0, key);
    this.count++;
    if (c.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, c.splice(c.length >>> 1));
    return true;
  }

  /** Remove; returns false when absent. */
  delete(key: string): boolean {
    const { chunk, at } = this.seek(key);
    if (chunk === this.chunks.length || this.chunks[chunk]![at] !== key) return false;
    const c = this.own(chunk);
    c.splice(at, 1);
    this.count--;
    if (c.length === 0) {
      this.chunks.splice(chunk, 1);
    } else if (c.length < MERGE_BELOW && chunk + 1 < this.chunks.length && c.length + this.chunks[chunk + 1]!.length <= MAX_CHUNK) {
      const next = this.chunks[chunk + 1]!;
      for (const k of next) c.push(k);
      this.chunks.splice(chunk + 1, 1);
    }
    return true;
  }

  /** Append a key that sorts after every present key (bulk loading). */
  append(key: string): void {
    const last = this.chunks[this.chunks.length - 1];
    invariant(!last || last[last.length - 1]! < key, () => `append of ${JSON.stringify(key)} out of order`);
    if (!last || last.length >= MAX_CHUNK) this.chunks.push([key]);
    else this.own(this.chunks.length - 1).push(key);
    this.count++;
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (const c of this.chunks) yield* c;
  }

  /**
   * Every key in order, as the chunks they are held in, without copying a key: the chunks are
   * frozen for this store, which copies a shared chunk before it changes it. O(chunks).
   */
  share(): readonly (readonly string[])[] {
    for (const c of this.chunks) this.shared.add(c);
    return this.chunks.slice();
  }

  /** Chunk `ci`, copied first when share() handed it out. */
  private own(ci: number): string[] {
    const c = this.chunks[ci]!;
    if (!this.shared.has(c)) return c;
    const copy = c.slice();
    this.chunks[ci] = copy;
    return copy;
  }
}
