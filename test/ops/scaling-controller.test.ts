// The scaling controller's walk, on a manual clock and a scripted cluster: absent -> learner ->
// (caught up) -> voter, never promoting a learner that lags; failures retried; leave() removes
// the member and retries a refused change, and gives up at its deadline.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Cancelable, Clock } from '../../src/node/ports.js';
import { ScalingController, type MembershipAdmin, type MembershipView } from '../../src/node/scaling-controller.js';

class ManualClock implements Clock {
  t = 0;
  private timers: { at: number; fn: () => void; dead: boolean }[] = [];
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): Cancelable {
    const timer = { at: this.t + ms, fn, dead: false };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.dead = true;
      },
    };
  }
  every(): Cancelable {
    throw new Error('not used');
  }
  defer(fn: () => void): void {
    this.after(0, fn);
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => !x.dead && x.at <= this.t);
    this.timers = this.timers.filter((x) => !due.includes(x));
    for (const x of due) x.fn();
  }
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const self = { id: 9, name: 'raftlock-3', peerUrl: 'http://p3:7380', clientUrl: 'http://p3:7379' };

/** A cluster that records the calls made to it. */
function scriptedCluster() {
  const calls: string[] = [];
  const st = { role: null as null | 'learner' | 'follower', commit: 100, failViews: 0, refuseRemovals: 0 };
  const admin: MembershipAdmin = {
    async view(): Promise<MembershipView> {
      calls.push('view');
      if (st.failViews > 0) {
        st.failViews--;
        throw new Error('NO_LEADER');
      }
      const members: MembershipView['members'] = [{ name: 'raftlock-0', role: 'leader' }];
      if (st.role !== null) members.push({ name: self.name, role: st.role });
      return { members, leaderCommit: st.commit };
    },
    async addLearner(m) {
      calls.push(`add ${m.name}`);
      st.role = 'learner';
    },
    async promote(name) {
      calls.push(`promote ${name}`);
      st.role = 'follower';
    },
    async remove(name) {
      calls.push(`remove ${name}`);
      if (st.refuseRemovals > 0) {
        st.refuseRemovals--;
        throw new Error('CONF_CHANGE_PENDING');
      }
      st.role = null;
    },
  };
  return { calls, st, admin };
}

async function until(clock: ManualClock, cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await flush();
    if (cond()) return;
    clock.advance(500);
  }
  throw new Error(`never: ${what}`);
}

describe('scaling controller', () => {
  test('absent -> learner -> waits while behind -> promoted once caught up -> voter', async () => {
    const clock = new ManualClock();
    const { calls, st, admin } = scriptedCluster();
    st.failViews = 2;
    let applied = 0;
    const ctl = new ScalingController({ self, admin, appliedIndex: () => applied, clock, logger: quiet });
    ctl.start();
    await until(clock, () => ctl.state === 'learner', 'learner');
    assert.deepEqual(calls.filter((c) => c !== 'view'), ['add raftlock-3'], 'retried the failed views, then added itself as a learner');
    // Behind the leader's commit: no promotion, however long it takes.
    applied = 99;
    for (let i = 0; i < 10; i++) {
      clock.advance(500);
      await flush();
    }
    assert.ok(!calls.includes('promote raftlock-3'));
    applied = 100;
    await until(clock, () => ctl.state === 'voter', 'voter');
    assert.deepEqual(calls.filter((c) => c !== 'view'), ['add raftlock-3', 'promote raftlock-3']);
    await ctl.stop();
  });

  test('a restarted member that is already a voter changes nothing', async () => {
    const clock = new ManualClock();
    const { calls, st, admin } = scriptedCluster();
    st.role = 'follower';
    const ctl = new ScalingController({ self, admin, appliedIndex: () => 0, clock, logger: quiet });
    ctl.start();
    await until(clock, () => ctl.state === 'voter', 'voter');
    assert.deepEqual(calls, ['view']);
  });

  test('leave removes the member, retrying a refused change; gives up at its deadline', async () => {
    const clock = new ManualClock();
    const { calls, st, admin } = scriptedCluster();
    st.role = 'follower';
    st.refuseRemovals = 2;
    const ctl = new ScalingController({ self, admin, appliedIndex: () => 100, clock, logger: quiet });
    let left: boolean | undefined;
    void ctl.leave(10_000).then((v) => (left = v));
    await until(clock, () => left !== undefined, 'leave');
    assert.equal(left, true);
    assert.equal(ctl.state, 'left');
    assert.equal(calls.filter((c) => c === 'remove raftlock-3').length, 3);

    const stuck = scriptedCluster();
    stuck.st.role = 'follower';
    stuck.st.refuseRemovals = Number.POSITIVE_INFINITY;
    const ctl2 = new ScalingController({ self, admin: stuck.admin, appliedIndex: () => 100, clock, logger: quiet });
    let gaveUp: boolean | undefined;
    const start = clock.now();
    void ctl2.leave(3_000).then((v) => (gaveUp = v));
    await until(clock, () => gaveUp !== undefined, 'give up');
    assert.equal(gaveUp, false);
    assert.ok(clock.now() - start >= 3_000);
  });
});
