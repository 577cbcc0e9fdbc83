// The contract between the server's API (src/api) and its clients (src/client): JSON shapes,
// WebSocket messages and error codes. Imports nothing outside this folder.

export type * from './kv.js';
export type * from './responses.js';
export { ERROR_CODES, isErrorCode } from './errors.js';
export type { ErrorBody, ErrorCode } from './errors.js';
export { SLOW_READER_REASON, WATCH_PATH } from './watch-messages.js';
export type { WatchClientMessage, WatchServerMessage } from './watch-messages.js';
