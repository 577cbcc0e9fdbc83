export { MAX_META_KEY_BYTES } from './raft-store.js';
export { RocksRaftStore } from './rocks-store.js';
export { MemoryRaftStore } from './memory-store.js';
export { StorageError, StorageCorruptionError } from './errors.js';
export { crc32c } from './crc32c.js';
export * from './codec.js';
//# sourceMappingURL=index.js.map