// Command-line argument parsers shared by raftlockctl's commands.

import { InvalidArgumentError } from 'commander';

export function intArg(what: string, min: number): (v: string) => number {
  return (v: string) => {
    if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`${what} must be an integer`);
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${what} must be an integer >= ${min}`);
    return n;
  };
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A duration such as `500ms`, `30s`, `5m`, `1h` (a bare number is seconds), in ms. */
export function durationArg(what: string): (v: string) => number {
  return (v: string) => {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
    if (!m) throw new InvalidArgumentError(`${what} must be a duration such as 500ms, 30s, 5m or 1h`);
    const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']!);
    if (!Number.isSafeInteger(ms)) throw new InvalidArgumentError(`${what} is too large`);
    return ms;
  };
}

/** A duration in ms as people write it: 1500 -> "1.5s". */
export function formatMs(ms: number): string {
  if (ms < 1_000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1_000).toFixed(3)}s`;
  return `${+(ms / 60_000).toFixed(2)}m`;
}
