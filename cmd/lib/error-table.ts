// The error table of docs/api.md, read from the document itself: what the bad-input sweep checks
// answers against (a code must be in the table, its status the table's).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** docs/api.md of this checkout (from dist/cmd/lib/ or cmd/lib/). */
export function apiDocPath(): string {
  const fromDist = fileURLToPath(new URL('../../../docs/api.md', import.meta.url));
  const fromSrc = fileURLToPath(new URL('../../docs/api.md', import.meta.url));
  try {
    readFileSync(fromDist);
    return fromDist;
  } catch {
    return fromSrc;
  }
}

/**
 * code -> HTTP status from the table under "## Errors": rows `| \`CODE\`[, \`CODE\`...] | status | ...`.
 * Throws if the section or its table is missing.
 */
export function readErrorTable(markdown: string): Map<string, number> {
  const start = markdown.indexOf('\n## Errors');
  if (start < 0) throw new Error('docs/api.md has no "## Errors" section');
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const table = new Map<string, number>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !/^\d{3}$/.test(cells[2] ?? '')) continue;
    for (const m of (cells[1] ?? '').matchAll(/`([A-Z0-9_]+)`/g)) table.set(m[1]!, Number(cells[2]));
  }
  if (table.size === 0) throw new Error('the "## Errors" section of docs/api.md has no table of codes');
  return table;
}
