// The messages of the WebSocket at /v1/watch (docs/api.md, "Watch streams"): one socket carries
// many watches, lease keepalives and its own authentication. Every message is one JSON text.

import type { ErrorCode } from './errors.js';
import type { WatchEvent } from './kv.js';

export const WATCH_PATH = '/v1/watch';

/** Client -> server. */
export type WatchClientMessage =
  | { type: 'create'; key: string; prefix?: boolean; startRevision?: number; prevKv?: boolean; watchId?: number }
  | { type: 'cancel'; watchId: number }
  | { type: 'auth'; token: string }
  | { type: 'keepalive'; lease: string };

/** Server -> client. */
export type WatchServerMessage =
  | { type: 'created'; watchId: number; revision: number }
  | { type: 'events'; watchId: number; revision: number; events: WatchEvent[] }
  | { type: 'progress'; revision: number }
  | { type: 'canceled'; watchId: number; reason: string; compactRevision?: number }
  | { type: 'keepalive'; lease: string; ttl: number }
  | { type: 'authenticated'; user: string }
  | { type: 'error'; code: ErrorCode; message: string; watchId?: number; lease?: string };

/** The `reason` of a watch the server canceled because the socket read too slowly; `N` is the
 *  revision to re-create it from. */
export const SLOW_READER_REASON = /^slow reader: resume from revision (\d+)$/;
