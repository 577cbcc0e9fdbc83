// The scaling controller of a member that a StatefulSet scale-up created (a pod beyond the
// founders, see config/k8s-discovery.ts). Raft membership lives in the log, not in the replica
// count, so the member itself turns "a pod exists" into "a voter exists", one step at a time,
// each retried until it holds:
//
//   1. not in the membership   -> add itself as a learner (it receives the log but does not vote,
//                                 so a slow catch-up never costs the cluster its quorum);
//   2. a learner               -> once its applied index has reached the leader's commit index,
//                                 promote itself to a voter;
//   3. a voter                 -> done.
//
// A restart repeats the walk from where the membership stands. When the pod is stopped (scale
// down, or a restart) the member removes itself before it exits (`leave`), so a scale-down leaves
// no dead voter behind; a restarted pod simply walks the steps again. A member that crashes
// without leaving stays a voter and rejoins as one. The controller talks to the cluster only
// through MembershipAdmin (cmd/ implements it over the client API) and waits on the injected Clock.

import type { MemberRecord } from './members.js';
import type { Cancelable, Clock, Logger } from './ports.js';

export interface MembershipView {
  /** Members as the leader reports them. */
  members: { name: string; role: 'leader' | 'follower' | 'candidate' | 'learner' }[];
  /** The leader's commit index. */
  leaderCommit: number;
}

export interface MembershipAdmin {
  /** The membership and commit index as the current leader reports them (rejects when no leader
   *  answers). */
  view(): Promise<MembershipView>;
  addLearner(self: MemberRecord): Promise<void>;
  promote(name: string): Promise<void>;
  remove(name: string): Promise<void>;
}

export interface ScalingControllerOptions {
  self: MemberRecord;
  admin: MembershipAdmin;
  /** This member's applied index. */
  appliedIndex(): number;
  clock: Clock;
  logger: Logger;
  /** Pause between attempts (default 500 ms). */
  retryMs?: number;
}

export type ScalingPhase = 'joining' | 'learner' | 'voter' | 'leaving' | 'left' | 'stopped';

export class ScalingController {
  private readonly o: ScalingControllerOptions;
  private readonly retryMs: number;
  private phase: ScalingPhase = 'joining';
  private stopped = false;
  private wake: { timer: Cancelable; resolve: () => void } | null = null;
  private loop: Promise<void> = Promise.resolve();

  constructor(o: ScalingControllerOptions) {
    this.o = o;
    this.retryMs = o.retryMs ?? 500;
  }

  get state(): ScalingPhase {
    return this.phase;
  }

  /** Start walking towards voter (in the background). */
  start(): void {
    this.loop = this.join();
  }

  /** Stop the walk and remove this member from the cluster, retrying until `timeoutMs` passed.
   *  Resolves true when the member is out of the membership. */
  async leave(timeoutMs: number): Promise<boolean> {
    this.halt();
    await this.loop;
    this.stopped = false;
    this.phase = 'leaving';
    const deadline = this.o.clock.now() + timeoutMs;
    const name = this.o.self.name;
    while (this.o.clock.now() < deadline && !this.stopped) {
      try {
        const v = await this.o.admin.view();
        if (!v.members.some((m) => m.name === name)) {
          this.phase = 'left';
          this.o.logger.info({ member: name }, 'scaling: this member left the cluster');
          return true;
        }
        await this.o.admin.remove(name);
      } catch (err) {
        this.o.logger.warn({ err: String(err) }, 'scaling: removing this member failed; retrying');
      }
      await this.pause();
    }
    this.phase = 'stopped';
    this.o.logger.warn({ member: name }, 'scaling: gave up removing this member before stopping; remove it by hand (raftlockctl member remove)');
    return false;
  }

  /** Stop without leaving. */
  async stop(): Promise<void> {
    this.halt();
    await this.loop;
    this.phase = 'stopped';
  }

  private halt(): void {
    this.stopped = true;
    const w = this.wake;
    this.wake = null;
    w?.timer.cancel();
    w?.resolve();
  }

  private pause(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = this.o.clock.after(this.retryMs, () => {
        this.wake = null;
        resolve();
      });
      this.wake = { timer, resolve };
    });
  }

  private async join(): Promise<void> {
    const { self, admin, logger } = this.o;
    while (!this.stopped) {
      try {
        const v = await admin.view();
        const me = v.members.find((m) => m.name === self.name);
        if (me === undefined) {
          this.phase = 'joining';
          await admin.addLearner(self);
          logger.info({ member: self.name }, 'scaling: added this member as a learner');
          continue;
        }
        if (me.role !== 'learner') {
          this.phase = 'voter';
          logger.info({ member: self.name }, 'scaling: this member is a voter');
          return;
        }
        this.phase = 'learner';
        const applied = this.o.appliedIndex();
        if (v.leaderCommit > 0 && applied >= v.leaderCommit) {
          await admin.promote(self.name);
          logger.info({ member: self.name, applied, leaderCommit: v.leaderCommit }, 'scaling: caught up; promoted this member to a voter');
          continue;
        }
        logger.debug({ applied, leaderCommit: v.leaderCommit }, 'scaling: learner catching up');
      } catch (err) {
        logger.warn({ err: String(err) }, 'scaling: membership step failed; retrying');
      }
      await this.pause();
    }
  }
}
