// A ServerFacade over the real StateMachine and WatchHub, for api/ tests. Commands apply
// synchronously (one member, no raft); lease keepalive/remaining are faked from the TTL; lock
// grants are awaited by re-checking the lock after every apply.

import type { Command, CommandResult, LockHolder } from '../../src/state/index.js';
import { StateMachine, WatchHub } from '../../src/state/index.js';
import { CodedError } from '../../src/api/errors.js';
import type { ClusterInfo, ServerFacade, StateView, WatchOptions, WatchSubscription } from '../../src/api/server-facade.js';

export interface Applied {
  cmd: Command;
  result: CommandResult;
}

interface LockListener {
  name: string;
  waiterId: string;
  resolve(h: LockHolder | null): void;
}

interface AppliedWaiter {
  from: number;
  pred: (a: Applied) => boolean;
  resolve(a: Applied): void;
}

export class FakeServer implements ServerFacade {
  readonly sm: StateMachine;
  readonly hub: WatchHub;
  /** Every applied command with its result, in order. */
  readonly applied: Applied[] = [];
  readBarrierCalls = 0;
  ready = { ready: true, reason: 'leader known, applied up to commit' };
  /** When set, the next propose (or readBarrier) rejects with it, once. */
  failNextPropose: CodedError | undefined;
  failNextBarrier: CodedError | undefined;
  /** Runs before a command is applied (may apply others first, to force interleavings). */
  beforeApply: ((cmd: Command) => void) | undefined;
  private readonly renewedAt = new Map<string, number>();
  private readonly lockListeners = new Set<LockListener>();
  private readonly appliedWaiters = new Set<AppliedWaiter>();

  constructor(opts: { historyRevisions?: number } = {}) {
    this.sm = new StateMachine(opts.historyRevisions === undefined ? {} : { historyRevisions: opts.historyRevisions });
    this.hub = new WatchHub(this.sm);
  }

  /** Apply at once (what propose does after its await); tests use it to set the scene. */
  applyNow(cmd: Command): CommandResult {
    const hook = this.beforeApply;
    if (hook) {
      this.beforeApply = undefined;
      hook(cmd);
    }
    const { result, events } = this.sm.apply(cmd);
    this.hub.publish(result.revision, events);
    if (cmd.op === 'leaseGrant' && result.op === 'leaseGrant') this.renewedAt.set(cmd.id, Date.now());
    const entry = { cmd, result };
    this.applied.push(entry);
    for (const l of [...this.lockListeners]) this.checkLockListener(l);
    for (const w of [...this.appliedWaiters]) {
      if (w.pred(entry)) {
        this.appliedWaiters.delete(w);
        w.resolve(entry);
      }
    }
    return result;
  }

  /** Resolves with the first applied command (from now on, or since index `from`) matching. */
  waitForApplied(pred: (a: Applied) => boolean, from = this.applied.length): Promise<Applied> {
    for (let i = from; i < this.applied.length; i++) {
      const a = this.applied[i]!;
      if (pred(a)) return Promise.resolve(a);
    }
    return new Promise((resolve) => this.appliedWaiters.add({ from, pred, resolve }));
  }

  async propose(cmd: Command): Promise<CommandResult> {
    await Promise.resolve();
    const fail = this.failNextPropose;
    if (fail) {
      this.failNextPropose = undefined;
      throw fail;
    }
    return this.applyNow(cmd);
  }

  async readBarrier(): Promise<void> {
    this.readBarrierCalls++;
    await Promise.resolve();
    const fail = this.failNextBarrier;
    if (fail) {
      this.failNextBarrier = undefined;
      throw fail;
    }
  }

  state(): StateView {
    return this.sm;
  }

  cluster(): ClusterInfo {
    return {
      member: { name: 'n1', id: '1', role: 'leader' },
      leader: { name: 'n1', id: '1', clientUrl: 'http://127.0.0.1:2379' },
      term: 3,
      commitIndex: this.applied.length,
      appliedIndex: this.applied.length,
      members: this.memberList,
    };
  }

  async leaseKeepalive(id: string): Promise<{ ttlMs: number }> {
    const lease = this.sm.lease(id);
    // As the member (src/node/member.ts) does: the route adds the lease id to the error.
    if (!lease) throw new CodedError('LEASE_NOT_FOUND', `lease ${id} not found`);
    this.renewedAt.set(id, Date.now());
    return { ttlMs: lease.ttlMs };
  }

  async leaseRemaining(id: string): Promise<number> {
    const lease = this.sm.lease(id);
    const at = this.renewedAt.get(id);
    if (!lease || at === undefined) return -1;
    return Math.max(0, lease.ttlMs - (Date.now() - at));
  }

  awaitLockGrant(name: string, waiterId: string, signal: AbortSignal): Promise<LockHolder | null> {
    return new Promise((resolve, reject) => {
      const l: LockListener = {
        name,
        waiterId,
        resolve: (h) => {
          signal.removeEventListener('abort', onAbort);
          resolve(h);
        },
      };
      const onAbort = (): void => {
        this.lockListeners.delete(l);
        reject(new DOMException('lock wait aborted', 'AbortError'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.lockListeners.add(l);
      this.checkLockListener(l);
    });
  }

  /** Lock waits now pending in awaitLockGrant. */
  get lockListenerCount(): number {
    return this.lockListeners.size;
  }

  private checkLockListener(l: LockListener): void {
    const lock = this.sm.lock(l.name);
    if (lock?.holder?.waiterId === l.waiterId) {
      this.lockListeners.delete(l);
      l.resolve(lock.holder);
    } else if (!lock || !lock.waiters.some((w) => w.waiterId === l.waiterId)) {
      this.lockListeners.delete(l);
      l.resolve(null);
    }
  }

  watch(opts: WatchOptions): WatchSubscription {
    return this.hub.watch(opts);
  }

  readiness(): { ready: boolean; reason: string } {
    return this.ready;
  }

  /** Membership changes recorded in order (the fake has no Raft configuration). */
  readonly membershipChanges: { change: string; member: { id: number; name: string } }[] = [];
  memberList: { name: string; id: string; role: 'leader' | 'follower' | 'learner'; clientUrl: string; peerUrl: string }[] = [
    { name: 'n1', id: '1', role: 'leader', clientUrl: 'http://127.0.0.1:2379', peerUrl: 'http://127.0.0.1:2380' },
  ];

  async changeMembership(change: 'add' | 'addLearner' | 'remove', member: { id: number; name: string; peerUrl: string; clientUrl: string }): Promise<void> {
    this.membershipChanges.push({ change, member: { id: member.id, name: member.name } });
    const id = String(member.id);
    this.memberList = this.memberList.filter((m) => m.id !== id);
    if (change !== 'remove') this.memberList.push({ name: member.name, id, role: change === 'addLearner' ? 'learner' : 'follower', clientUrl: member.clientUrl, peerUrl: member.peerUrl });
  }

  memberIdFor(name: string): number {
    let h = 7;
    for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) % 1_000_000_007;
    return h + 1;
  }
}
