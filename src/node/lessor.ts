// The leader's lease clock. Expiry is decided here, with the leader's clock, and carried out by
// proposing a `leaseRevoke` through the log; the state machine never reads a clock.
//
// A new leader does not know when its predecessor last renewed each lease, so it restarts every
// lease it finds from its full TTL the first time it looks at it. A lease can therefore live up
// to one TTL (plus an election) longer across a failover, never shorter: a client may rely on
// its lease until (the time it SENT its last acknowledged keepalive) + TTL.
//
// The decision is final for the leader's term. Once `due` has handed out a lease for revocation,
// the revoke entry is in this leader's log (or its proposal failed before reaching it, see
// `proposalFailed`), and a leader never loses an entry of its own term while it leads: the
// entry either commits or is dropped only after this member stopped leading. So the lease stays
// `revoking` — never renewed, never reported alive — until the revoke is applied (`forget`) or
// this member steps down (`demote`). A later leader answers only after it has applied every
// entry of its predecessors that it holds (the member checks that), so such a revoke is either
// applied by then (the lease is gone) or can never commit.

export class Lessor {
  /** lease id -> expiry time (ms, leader clock). Only meaningful while this member leads. */
  private readonly expiry = new Map<string, number>();
  /** Leases whose expiry revoke this leader has decided, with whoever waits for its outcome. */
  private readonly revoking = new Map<string, (() => void)[]>();
  private active = false;

  /** Start keeping time as leader; every lease starts from its full TTL on first sight. */
  promote(): void {
    this.reset();
    this.active = true;
  }

  demote(): void {
    this.active = false;
    this.reset();
  }

  private reset(): void {
    this.expiry.clear();
    const waiting = [...this.revoking.values()];
    this.revoking.clear();
    for (const ws of waiting) for (const w of ws) w();
  }

  isActive(): boolean {
    return this.active;
  }

  /** Whether this leader has decided that the lease expired (its revoke is not applied yet). */
  isRevoking(id: string): boolean {
    return this.revoking.has(id);
  }

  /** Resolves when the decided revoke of `id` is applied, or this member stops leading (at
   *  once if none is pending). The caller looks at the state again afterwards. */
  settled(id: string): Promise<void> {
    const ws = this.revoking.get(id);
    if (!ws) return Promise.resolve();
    return new Promise((resolve) => ws.push(resolve));
  }

  /** A keepalive (or a grant) renews the lease from now; never a lease whose expiry is decided. */
  renew(id: string, ttlMs: number, now: number): boolean {
    if (!this.active || this.revoking.has(id)) return false;
    this.expiry.set(id, now + ttlMs);
    return true;
  }

  /** UNSAFE test hook (renewRevokingLease): renew even a lease whose expiry is decided. */
  unsafeRenewEvenIfRevoking(id: string, ttlMs: number, now: number): void {
    if (this.active) this.expiry.set(id, now + ttlMs);
  }

  /** The lease is gone from the applied state (revoked, by request or by expiry). */
  forget(id: string): void {
    this.expiry.delete(id);
    this.release(id);
  }

  /** The revoke proposal of `id` never reached the log (refused before it was appended): the
   *  decision is void and the next check decides again. */
  proposalFailed(id: string): void {
    this.release(id);
  }

  private release(id: string): void {
    const ws = this.revoking.get(id);
    if (!ws) return;
    this.revoking.delete(id);
    for (const w of ws) w();
  }

  remainingMs(id: string, ttlMs: number, now: number): number {
    if (this.revoking.has(id)) return 0;
    const at = this.expiry.get(id);
    if (at === undefined) return ttlMs;
    return Math.max(0, at - now);
  }

  /**
   * Leases due for revocation. `leases` is the applied set; any lease not yet on the clock is put
   * on it with its full TTL. Returned ids are marked as revoking until `forget`/`proposalFailed`
   * or `demote`.
   */
  due(leases: { id: string; ttlMs: number }[], now: number, max: number): string[] {
    if (!this.active) return [];
    const out: string[] = [];
    const live = new Set<string>();
    for (const l of leases) {
      live.add(l.id);
      let at = this.expiry.get(l.id);
      if (at === undefined) {
        at = now + l.ttlMs;
        this.expiry.set(l.id, at);
      }
      if (at <= now && !this.revoking.has(l.id) && out.length < max) {
        this.revoking.set(l.id, []);
        out.push(l.id);
      }
    }
    for (const id of this.expiry.keys()) if (!live.has(id)) this.expiry.delete(id);
    return out;
  }
}
