export { LeaseTable } from './lease-table.js';
//# sourceMappingURL=index.js.map