// Runs promtool (from Debian's `prometheus` package, or any promtool on PATH). Tests that need it
// FAIL with an install hint when it is missing: the checks must not silently disappear in CI.

import { spawnSync } from 'node:child_process';
import { findTool } from '../helpers/find-tool.js';

export function findPromtool(): string {
  return findTool('promtool', 'PROMTOOL', 'Debian: `apt-get install -y prometheus`, which provides /usr/bin/promtool');
}

export interface PromtoolResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runPromtool(args: readonly string[], input?: string, cwd?: string): PromtoolResult {
  const r = spawnSync(findPromtool(), args, { input, cwd, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  if (r.error !== undefined) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
