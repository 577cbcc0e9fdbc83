// raftlockctl output: aligned tables or JSON, and the exit codes (documented in docs/client.md).

import { RaftlockError } from '../../src/client/index.js';

export const EXIT = {
  OK: 0,
  /** The server refused the request, or an unexpected failure. */
  FAILURE: 1,
  /** Bad command line (unknown flag, missing or malformed argument). */
  USAGE: 2,
  /** The key, lease or lock does not exist. */
  NOT_FOUND: 3,
  /** A conflict: lock held / not the holder / lease exists / compacted. */
  CONFLICT: 4,
  /** No member could serve the request (unreachable, no leader, not ready, ...). */
  UNAVAILABLE: 5,
  /** A write's outcome is unknown (it timed out or the connection broke after sending). */
  OUTCOME_UNKNOWN: 6,
  /** `lock`: the lease holding the lock was lost while the command ran. */
  LEASE_LOST: 7,
  /** The server does not support the request (e.g. member add/remove route missing). */
  UNSUPPORTED: 8,
  /** Auth: no or a refused token, a wrong password, or no permission for this. */
  DENIED: 9,
  /** Interrupted (SIGINT/SIGTERM) before the work started, e.g. while waiting for a lock. */
  INTERRUPTED: 130,
} as const;

const NOT_FOUND_CODES = new Set(['KEY_NOT_FOUND', 'LEASE_NOT_FOUND', 'LOCK_NOT_FOUND', 'NOT_FOUND', 'USER_NOT_FOUND', 'ROLE_NOT_FOUND', 'PERMISSION_NOT_FOUND']);
const CONFLICT_CODES = new Set(['LOCK_HELD', 'NOT_HOLDER', 'LEASE_EXISTS', 'COMPACTED', 'USER_EXISTS', 'ROLE_EXISTS', 'NO_ROOT_USER']);
const DENIED_CODES = new Set(['UNAUTHENTICATED', 'AUTH_FAILED', 'PERMISSION_DENIED']);
const USAGE_CODES = new Set(['INVALID_CONF_CHANGE', 'INVALID_ARGUMENT', 'INVALID_JSON', 'INVALID_UTF8', 'BAD_REQUEST', 'RESERVED_KEY', 'INVALID_COMMAND', 'FUTURE_REVISION', 'PAYLOAD_TOO_LARGE']);
const UNAVAILABLE_CODES = new Set([
  'UNAVAILABLE',
  'NO_LEADER',
  'NO_QUORUM',
  'NOT_READY',
  'TRANSFER_IN_PROGRESS',
  'TOO_MANY_UNCOMMITTED',
  'CONF_CHANGE_PENDING',
  'PEER_UNREACHABLE',
  'SHUTTING_DOWN',
  'TOO_MANY_WATCHERS',
  'TOO_MANY_REQUESTS',
  'PROPOSAL_LOST',
  // for reads, a timeout or a broken connection only means "not served"
  'TIMEOUT',
  'REQUEST_TIMEOUT',
  'CONNECTION_LOST',
]);

export function exitCodeFor(err: unknown): number {
  if (!(err instanceof RaftlockError)) return EXIT.FAILURE;
  if (err.code === 'LEASE_LOST') return EXIT.LEASE_LOST;
  if (err.code === 'UNSUPPORTED') return EXIT.UNSUPPORTED;
  if (err.code === 'ABORTED') return EXIT.INTERRUPTED;
  if (err.outcomeUnknown) return EXIT.OUTCOME_UNKNOWN;
  if (NOT_FOUND_CODES.has(err.code)) return EXIT.NOT_FOUND;
  if (CONFLICT_CODES.has(err.code)) return EXIT.CONFLICT;
  if (DENIED_CODES.has(err.code)) return EXIT.DENIED;
  if (USAGE_CODES.has(err.code)) return EXIT.USAGE;
  if (UNAVAILABLE_CODES.has(err.code)) return EXIT.UNAVAILABLE;
  return EXIT.FAILURE;
}

export function describeError(err: unknown): string {
  if (err instanceof RaftlockError) {
    const extra = err.outcomeUnknown ? ' (the write may or may not have been applied)' : '';
    const where = err.endpoint ? ` [${err.endpoint}]` : '';
    return `${err.code}: ${err.message}${extra}${where}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** A table cell as text: a non-integer number is rounded to at most 3 decimals (16.216630859375
 *  prints as 16.217); integers, strings and booleans print as they are. */
export function cellText(c: string | number | boolean | null | undefined): string {
  if (c === null || c === undefined) return '';
  if (typeof c === 'number' && Number.isFinite(c) && !Number.isInteger(c)) return String(Math.round(c * 1000) / 1000);
  return String(c);
}

/** Columns padded to their widest cell. */
export function table(headers: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(cellText))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export type OutputFormat = 'table' | 'json';

export interface Printer {
  format: OutputFormat;
  /** JSON mode: the value as JSON. Table mode: `render()`. */
  print(value: unknown, render: () => string): void;
  line(s: string): void;
}

export function printer(format: OutputFormat, write: (s: string) => void = (s) => process.stdout.write(s)): Printer {
  return {
    format,
    print(value, render) {
      write(`${format === 'json' ? JSON.stringify(value) : render()}\n`);
    },
    line(s) {
      write(`${s}\n`);
    },
  };
}

/** Control characters (C0, DEL, C1) and the Unicode line/paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they are escaped before printing.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Printable value: the text as it is (quotes and backslashes included), except that newlines,
 *  tabs and other control characters are written as escapes (`\n`, `\u0007`) so a row stays one
 *  line; cut to `max` characters with a trailing `…`. Use `-o json` for exact values. */
export function cell(s: string, max = 80): string {
  const printable = s.replace(UNPRINTABLE, (ch) => NAMED_ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return printable.length > max ? `${printable.slice(0, max - 1)}…` : printable;
}
