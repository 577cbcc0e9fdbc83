export type { LoadResult, RaftStore, RaftStoreOptions, SaveBatch, StoreStats } from './raft-store.js';
export { MAX_META_KEY_BYTES } from './raft-store.js';
export { RocksRaftStore } from './rocks-store.js';
export { MemoryRaftStore } from './memory-store.js';
export { StorageError, StorageCorruptionError } from './errors.js';
export type { StorageErrorCode } from './errors.js';
export { DiskUsageSampler, directoryBytes } from './disk-usage.js';
export * from './snapshot-file.js';
