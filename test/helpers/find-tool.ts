// Finds an external tool a test needs (promtool, prometheus, etcd): $ENVVAR if set, else the first
// executable of that name on PATH. A missing tool FAILS the test with an install hint: the checks
// must not silently disappear in CI.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findTool(name: string, envVar: string, installHint: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // keep looking
    }
  }
  throw new Error(`${name} not found on PATH: install it (${installHint}) or set ${envVar}=/path/to/${name}`);
}
