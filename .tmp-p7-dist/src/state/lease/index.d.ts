export { LeaseTable, type LeaseRecord } from './lease-table.js';
