export { LockTable, type LockRecord, type AcquireOutcome, type Handoff } from './lock-table.js';
