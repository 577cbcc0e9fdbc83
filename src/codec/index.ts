// The binary codec shared by the durable store (src/storage) and the peer transport
// (src/transport): bounded byte readers and writers, the encoding of the Raft vocabulary (Entry,
// HardState, ConfState, SnapshotMetadata), and the CRC-32C both use to detect corruption. It
// imports only raft/types, so storage and transport both depend on it and not on each other.
export * from './raft-codec.js';
export { crc32c } from './crc32c.js';
