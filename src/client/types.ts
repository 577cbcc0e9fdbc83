// Wire shapes of the REST/WebSocket API (docs/api.md), as the client sees them: the shared
// contract in src/wire, re-exported so SDK users import them from the package.

export type * from '../wire/kv.js';
export type * from '../wire/responses.js';
export type { ErrorCode as ServerErrorCode } from '../wire/errors.js';
