// Leases: a proposer-chosen id, a granted TTL and the keys attached to it. No clock lives here:
// the leader's expiry timer (outside state/) decides a lease has expired and proposes a
// `leaseRevoke`. Which locks a lease holds or waits for is kept by the lock table.

import { invariant } from '../../invariant/index.js';

export interface LeaseRecord {
  readonly id: string;
  readonly ttlMs: number;
  /** Keys (not reserved lock keys) whose `lease` is this id. */
  readonly keys: Set<string>;
}

export class LeaseTable {
  private readonly byId = new Map<string, LeaseRecord>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): LeaseRecord | undefined {
    return this.byId.get(id);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  grant(id: string, ttlMs: number): LeaseRecord {
    invariant(!this.byId.has(id), () => `lease ${JSON.stringify(id)} granted twice`);
    const rec: LeaseRecord = { id, ttlMs, keys: new Set() };
    this.byId.set(id, rec);
    return rec;
  }

  /** Remove the lease; returns its record (the caller deletes its keys and releases its locks). */
  remove(id: string): LeaseRecord {
    const rec = this.byId.get(id);
    invariant(rec, () => `revoke of unknown lease ${JSON.stringify(id)}`);
    this.byId.delete(id);
    return rec;
  }

  attachKey(id: string, key: string): void {
    const rec = this.byId.get(id);
    invariant(rec, () => `attach of ${JSON.stringify(key)} to unknown lease ${JSON.stringify(id)}`);
    rec.keys.add(key);
  }

  detachKey(id: string, key: string): void {
    const rec = this.byId.get(id);
    invariant(rec && rec.keys.has(key), () => `detach of ${JSON.stringify(key)} from lease ${JSON.stringify(id)} that does not hold it`);
    rec.keys.delete(key);
  }

  /** All leases sorted by id (a deterministic order independent of grant history). */
  list(): LeaseRecord[] {
    return [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
