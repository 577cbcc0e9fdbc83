// What a member is built from: identity, timing, limits and the injected ports. cmd/ fills it
// from the validated config; tests and the simulator fill it directly. Test switches are not
// here: they are Member.start's second argument (test-hooks.ts), which no config reaches.

import type { Rng } from '../raft/types.js';
import type { MemberRecord } from './members.js';
import type { Clock, DurableLog, Logger, NodeMetrics, PeerLink } from './ports.js';

export interface MemberOptions {
  self: MemberRecord;
  /** Founding members (including self) for a brand-new cluster; ignored when the log exists. */
  initialMembers: MemberRecord[];
  /** A new member joining an existing cluster: start empty and learn everything from the leader. */
  join: boolean;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  /** Take a snapshot and compact the log every this many applied entries. */
  snapshotThreshold: number;
  historyRevisions: number;
  maxPendingProposals: number;
  maxWatchers: number;
  requestTimeoutMs: number;
  /** The id a member name maps to in this cluster (cmd/ derives it from name + cluster token). */
  memberIdFor: (name: string) => number;
  log: DurableLog;
  peers: PeerLink;
  clock: Clock;
  rng: Rng;
  logger: Logger;
  metrics?: NodeMetrics;
}
