// Bytes a directory takes on disk (its files, recursively): what an operator's `du` reports for
// a data directory, for defragmentation results.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) total += await directoryBytes(p);
    else if (ent.isFile()) total += await stat(p).then((s) => s.size, () => 0); // a file RocksDB just deleted
  }
  return total;
}
