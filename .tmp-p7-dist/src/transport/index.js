export { PeerTransport, parsePeerUrl } from './peer-transport.js';
export { TransportError, RemoteError } from './errors.js';
export { FrameDecoder, FrameError, FrameKind, PROTOCOL_VERSION, encodeMessage, decodeMessage, parseFrame, msgFrame, LOCAL_MESSAGE_TYPES, } from './codec.js';
//# sourceMappingURL=index.js.map