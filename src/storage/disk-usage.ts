// How many bytes a data directory takes on disk, for raftlock_storage_size_bytes. A walk of the
// directory (RocksDB keeps a few dozen files in one folder) done at most once per `maxAgeMs`;
// scrapes in between get the last value, and concurrent callers share one walk.

import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bound on the entries one walk visits (a data dir holds tens; this only stops a runaway). */
const MAX_ENTRIES = 100_000;

/** Allocated bytes of every file under `dir` (symlinks not followed); 0 when it is missing. */
export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  let seen = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = await readdir(d);
    } catch {
      continue; // gone meanwhile (RocksDB deletes obsolete files while we walk)
    }
    for (const n of names) {
      if (++seen > MAX_ENTRIES) return total;
      const p = join(d, n);
      try {
        const st = await lstat(p);
        if (st.isDirectory()) stack.push(p);
        else if (st.isFile()) total += st.blocks > 0 ? st.blocks * 512 : st.size;
      } catch {
        // deleted between readdir and lstat
      }
    }
  }
  return total;
}

export class DiskUsageSampler {
  private value = 0;
  private takenAt = Number.NEGATIVE_INFINITY;
  private walk: Promise<number> | null = null;

  constructor(
    private readonly dir: string,
    private readonly maxAgeMs: number,
    private readonly now: () => number,
  ) {}

  /** The directory's size, walked again only when the last walk is older than maxAgeMs. */
  bytes(): Promise<number> {
    if (this.now() - this.takenAt < this.maxAgeMs) return Promise.resolve(this.value);
    this.walk ??= directoryBytes(this.dir).then(
      (v) => {
        this.value = v;
        this.takenAt = this.now();
        this.walk = null;
        return v;
      },
      (err: unknown) => {
        this.walk = null;
        throw err;
      },
    );
    return this.walk;
  }
}
