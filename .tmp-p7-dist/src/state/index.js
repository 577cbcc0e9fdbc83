export { StateMachine, lockKey, lockKeyValue, } from './state-machine.js';
export { validateCommand, encodeCommand, decodeCommand } from './validate.js';
export { StateError } from './errors.js';
export { RESERVED_PREFIX, LOCK_KEY_PREFIX, STATE_LIMITS, DEFAULT_HISTORY_REVISIONS } from './limits.js';
export { compareKeys, prefixEnd } from './kv/index.js';
export * from './watch/index.js';
//# sourceMappingURL=index.js.map