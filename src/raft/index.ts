// Public surface of the Raft consensus core.

export * from './types.js';
export * from './api.js';
export { RawNode } from './raw-node.js';
export {
  DEFAULT_MAX_COMMITTED_SIZE_PER_READY,
  DEFAULT_MAX_INFLIGHT_MSGS,
  DEFAULT_MAX_MSGS_PER_READY,
  DEFAULT_MAX_PENDING_READ_INDEX,
  DEFAULT_MAX_SIZE_PER_MSG,
  DEFAULT_MAX_UNCOMMITTED_ENTRIES_SIZE,
} from './raw-node.js';
export { MemoryLog, emptySnapshot, entrySize, type BootstrapState } from './log-storage.js';
export { encodeConfChange, decodeConfChange, validateConfChange, applyConfChangeToState, MAX_CONF_CHANGE_CONTEXT_BYTES } from './conf-change.js';
export { SplitMix32 } from './rng.js';
