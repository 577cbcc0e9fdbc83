// The metric list of docs/operations.md ("Metrics reference"), read from its tables: each row's
// first cell names one or more metrics, its second cell the type, and a type marked `rare`
// (e.g. `counter, rare`) says the metric moves only on rare events (failures, overload), so a
// small healthy workload cannot be expected to move it.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OPERATIONS_MD = join(fileURLToPath(new URL('../../../', import.meta.url)), 'docs', 'operations.md');

export interface DocumentedMetric {
  readonly name: string;
  /** counter, gauge or histogram. */
  readonly type: string;
  readonly rare: boolean;
}

export function documentedMetrics(path: string = OPERATIONS_MD): DocumentedMetric[] {
  const text = readFileSync(path, 'utf8');
  const start = text.indexOf('\n## Metrics reference');
  if (start < 0) throw new Error('docs/operations.md has no "## Metrics reference" section');
  const end = text.indexOf('\n## ', start + 1);
  const section = text.slice(start, end < 0 ? undefined : end);
  const out: DocumentedMetric[] = [];
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `raftlock_')) continue;
    const cells = line.split('|').map((c) => c.trim());
    const names = [...cells[1]!.matchAll(/`(raftlock_[a-z0-9_]+)(?:\{[^}]*\})?`/g)].map((m) => m[1]!);
    const typeCell = cells[2]!;
    const type = /^(counter|gauge|histogram)\b/.exec(typeCell)?.[1];
    if (type === undefined) throw new Error(`docs/operations.md: no metric type in row: ${line}`);
    for (const name of names) out.push({ name, type, rare: /\brare\b/.test(typeCell) });
  }
  return out;
}
