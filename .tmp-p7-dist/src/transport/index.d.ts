export { PeerTransport, parsePeerUrl } from './peer-transport.js';
export type { PeerTransportOptions, PeerStats, TransportStats, TransportLogger } from './peer-transport.js';
export { TransportError, RemoteError } from './errors.js';
export type { TransportErrorCode } from './errors.js';
export { FrameDecoder, FrameError, FrameKind, PROTOCOL_VERSION, encodeMessage, decodeMessage, parseFrame, msgFrame, LOCAL_MESSAGE_TYPES, } from './codec.js';
export type { Frame } from './codec.js';
