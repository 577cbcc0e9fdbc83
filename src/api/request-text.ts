// Turning raw request bytes into trusted text: the body (read with a byte limit, strict UTF-8,
// strict JSON), the path (percent-decoded exactly once, strict UTF-8) and the query string.
// Everything that fails here is a 4xx CodedError, never a 500.

import type { IncomingMessage } from 'node:http';
import { CodedError } from './errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A lone (unpaired) UTF-16 surrogate: JSON `\ud800` escapes can smuggle these in. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new CodedError('INVALID_UTF8', `${what} is not valid UTF-8`);
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/**
 * Percent-decode `raw` exactly once into UTF-8 text. Node hands us the request line as latin1, so
 * every char is one byte: raw non-ASCII bytes and %XX escapes are decoded alike, then the bytes
 * must be valid UTF-8. `plusIsSpace` is for query strings (application/x-www-form-urlencoded).
 */
export function percentDecode(raw: string, what: string, plusIsSpace = false): string {
  // Fast path: ASCII that decodes to ASCII (valid UTF-8 by construction) needs no byte buffer and
  // no decoder. Anything else — a non-ASCII char, an escape of a byte >= 0x80, a malformed
  // escape — takes the byte-wise path below, which also reports the errors.
  let out = '';
  let from = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 0x80) return percentDecodeBytes(raw, what, plusIsSpace);
    if (c === 0x25 /* % */) {
      const hi = i + 2 < raw.length ? hexValue(raw.charCodeAt(i + 1)) : -1;
      const lo = i + 2 < raw.length ? hexValue(raw.charCodeAt(i + 2)) : -1;
      if (hi < 0 || lo < 0 || hi >= 8) return percentDecodeBytes(raw, what, plusIsSpace);
      out += raw.slice(from, i) + String.fromCharCode(hi * 16 + lo);
      i += 2;
      from = i + 1;
    } else if (plusIsSpace && c === 0x2b /* + */) {
      out += raw.slice(from, i) + ' ';
      from = i + 1;
    }
  }
  return from === 0 ? raw : out + raw.slice(from);
}

function percentDecodeBytes(raw: string, what: string, plusIsSpace: boolean): string {
  const bytes = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c > 0xff) throw new CodedError('INVALID_UTF8', `${what} contains a character outside latin1 before decoding`);
    if (c === 0x25 /* % */) {
      const hi = i + 2 < raw.length ? hexValue(raw.charCodeAt(i + 1)) : -1;
      const lo = i + 2 < raw.length ? hexValue(raw.charCodeAt(i + 2)) : -1;
      if (hi < 0 || lo < 0) throw new CodedError('INVALID_UTF8', `${what} has a malformed percent-escape at offset ${i}`);
      bytes[n++] = hi * 16 + lo;
      i += 2;
    } else if (plusIsSpace && c === 0x2b /* + */) {
      bytes[n++] = 0x20;
    } else {
      bytes[n++] = c;
    }
  }
  return decodeUtf8(bytes.subarray(0, n), what);
}

/** Query parameters, each decoded once; a repeated name, or a name the route does not know, is
 *  a 400. */
export function parseQuery(rawQuery: string, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (rawQuery === '') return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = percentDecode(eq < 0 ? part : part.slice(0, eq), 'query parameter name', true);
    const value = percentDecode(eq < 0 ? '' : part.slice(eq + 1), `query parameter "${name}"`, true);
    if (!allowed.includes(name)) {
      throw new CodedError('INVALID_ARGUMENT', `unknown query parameter "${name}"` + (allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''));
    }
    if (out.has(name)) throw new CodedError('INVALID_ARGUMENT', `query parameter "${name}" given more than once`);
    out.set(name, value);
  }
  return out;
}

/** A query flag: absent -> `dflt`; `true`/`1`/empty -> true; `false`/`0` -> false; else 400. */
export function queryBool(q: Map<string, string>, name: string, dflt: boolean): boolean {
  const v = q.get(name);
  if (v === undefined) return dflt;
  if (v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new CodedError('INVALID_ARGUMENT', `query parameter "${name}" must be true or false`);
}

/** A query integer in [min, max]; absent -> undefined. */
export function queryInt(q: Map<string, string>, name: string, min: number, max: number): number | undefined {
  const v = q.get(name);
  if (v === undefined) return undefined;
  if (!/^-?[0-9]{1,16}$/.test(v)) throw new CodedError('INVALID_ARGUMENT', `query parameter "${name}" must be an integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new CodedError('INVALID_ARGUMENT', `query parameter "${name}" must be between ${min} and ${max}`);
  }
  return n;
}

/**
 * Read the whole body with a byte limit. A body announced (Content-Length) or found (while
 * reading) to be over the limit -> PAYLOAD_TOO_LARGE at once, with the rest left unread: the
 * answer then closes the connection after a lingering close (create-api.ts, socket-answers.ts).
 */
export async function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (declaredBodyBytes(req) > maxBytes) throw payloadTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        cleanup();
        req.pause();
        reject(payloadTooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new CodedError('BAD_REQUEST', `request body could not be read: ${err.message}`));
    };
    const onAborted = (): void => {
      cleanup();
      reject(new CodedError('BAD_REQUEST', 'request body was cut short (client went away)'));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
  return Buffer.concat(chunks, total);
}

/** The Content-Length a request announces (0 when none; Infinity when it is not a number). */
export function declaredBodyBytes(req: IncomingMessage): number {
  const v = req.headers['content-length'];
  if (v === undefined) return 0;
  return /^[0-9]{1,15}$/.test(v) ? Number(v) : Number.POSITIVE_INFINITY;
}

/** Whether the request carries a body (announced by Content-Length > 0 or Transfer-Encoding). */
export function hasBody(req: IncomingMessage): boolean {
  return declaredBodyBytes(req) > 0 || req.headers['transfer-encoding'] !== undefined;
}

export function payloadTooLarge(limit: number): CodedError {
  return new CodedError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`, { details: { limit } });
}

/** Parse body bytes as strict UTF-8 JSON; lone surrogates anywhere (keys or strings) are refused. */
export function parseJsonBytes(bytes: Uint8Array, what = 'request body'): unknown {
  const text = decodeUtf8(bytes, what);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new CodedError('INVALID_JSON', `${what} is not valid JSON: ${(err as Error).message}`);
  }
  assertWellFormedDeep(parsed, what);
  return parsed;
}

function assertWellFormedDeep(v: unknown, what: string): void {
  // JSON.parse output is a tree, bounded by the body size; walk it without recursion.
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'string') {
      if (!isWellFormed(x)) throw new CodedError('INVALID_UTF8', `${what} contains a lone UTF-16 surrogate escape`);
    } else if (Array.isArray(x)) {
      for (const e of x) stack.push(e);
    } else if (x !== null && typeof x === 'object') {
      for (const [k, e] of Object.entries(x)) {
        if (!isWellFormed(k)) throw new CodedError('INVALID_UTF8', `${what} contains a lone UTF-16 surrogate escape`);
        stack.push(e);
      }
    }
  }
}
