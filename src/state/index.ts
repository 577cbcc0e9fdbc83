// The replicated state machine's public surface.
export type * from './commands.js';
export {
  StateMachine,
  lockKey,
  lockKeyValue,
  type StateMachineOptions,
  type ApplyOutput,
  type LeaseView,
  type LockView,
  type SnapshotCut,
  snapshotChunks,
  concatBytes,
} from './state-machine.js';
export { SnapshotReader } from './snapshot-reader.js';
export { validateCommand, encodeCommand, decodeCommand, encodeProposal } from './validate.js';
export { StateError, type StateThrownCode } from './errors.js';
export { RESERVED_PREFIX, LOCK_KEY_PREFIX, HARD_LIMITS, DEFAULT_HISTORY_REVISIONS } from './limits.js';
export { compareKeys, prefixEnd, type EventBatch, type EventsSinceResult, type RangeResult } from './kv/index.js';
export * from './watch/index.js';
