export { LockTable } from './lock-table.js';
//# sourceMappingURL=index.js.map