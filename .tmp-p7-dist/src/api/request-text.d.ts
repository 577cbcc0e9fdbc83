import type { IncomingMessage } from 'node:http';
export declare function isWellFormed(s: string): boolean;
export declare function utf8Bytes(s: string): number;
/**
 * Percent-decode `raw` exactly once into UTF-8 text. Node hands us the request line as latin1, so
 * every char is one byte: raw non-ASCII bytes and %XX escapes are decoded alike, then the bytes
 * must be valid UTF-8. `plusIsSpace` is for query strings (application/x-www-form-urlencoded).
 */
export declare function percentDecode(raw: string, what: string, plusIsSpace?: boolean): string;
/** Query parameters, each decoded once; a repeated name, or a name the route does not know, is
 *  a 400. */
export declare function parseQuery(rawQuery: string, allowed: readonly string[]): Map<string, string>;
/** A query flag: absent -> `dflt`; `true`/`1`/empty -> true; `false`/`0` -> false; else 400. */
export declare function queryBool(q: Map<string, string>, name: string, dflt: boolean): boolean;
/** A query integer in [min, max]; absent -> undefined. */
export declare function queryInt(q: Map<string, string>, name: string, min: number, max: number): number | undefined;
/**
 * Read the whole body with a byte limit. Over the limit -> PAYLOAD_TOO_LARGE (the rest of the
 * body is drained up to DRAIN_FACTOR x the limit; the caller should close the connection).
 */
export declare function readRawBody(req: IncomingMessage, maxBytes: number): Promise<Buffer>;
/** Parse body bytes as strict UTF-8 JSON; lone surrogates anywhere (keys or strings) are refused. */
export declare function parseJsonBytes(bytes: Uint8Array, what?: string): unknown;
