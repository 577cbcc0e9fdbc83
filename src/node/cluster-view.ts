// What a member tells about itself and its cluster: roles, leader, indexes, readiness.

import type { ClusterInfo, MemberRole } from '../api/server-facade.js';
import { StateRole } from '../raft/types.js';
import type { MemberContext } from './member-context.js';

const ROLE_OF: Record<StateRole, MemberRole> = {
  [StateRole.Leader]: 'leader',
  [StateRole.Follower]: 'follower',
  [StateRole.Candidate]: 'candidate',
  [StateRole.PreCandidate]: 'candidate',
};

export type MemberStatus = { id: number; role: StateRole; lead: number; term: number; commit: number; applied: number; snapshotIndex: number; lastIndex: number };

export function clusterInfo(m: MemberContext): ClusterInfo {
  const st = m.raft.status();
  const learners = new Set(st.confState.learners);
  const roleOf = (id: number): MemberRole => {
    if (learners.has(id)) return 'learner';
    if (id === st.lead) return 'leader';
    if (id === m.o.self.id) return ROLE_OF[st.role];
    return 'follower';
  };
  const leaderRec = st.lead !== 0 ? m.directory.get(st.lead) : undefined;
  const inConf = new Set([...st.confState.voters, ...st.confState.learners]);
  return {
    member: { name: m.o.self.name, id: String(m.o.self.id), role: roleOf(m.o.self.id) },
    leader: leaderRec ? { name: leaderRec.name, id: String(leaderRec.id), clientUrl: leaderRec.clientUrl } : null,
    term: st.term,
    commitIndex: st.commit,
    appliedIndex: m.applied,
    members: m.directory
      .all()
      .filter((r) => inConf.size === 0 || inConf.has(r.id))
      .map((r) => ({ name: r.name, id: String(r.id), role: roleOf(r.id), clientUrl: r.clientUrl, peerUrl: r.peerUrl })),
  };
}

export function readiness(m: MemberContext): { ready: boolean; reason: string } {
  if (m.stopped) return { ready: false, reason: m.fatalError ? 'member stopped after a fatal error' : 'member is stopped' };
  if (m.stopping) return { ready: false, reason: 'member is shutting down' };
  const st = m.raft.status();
  if (st.lead === 0) return { ready: false, reason: 'no leader known' };
  const now = m.o.clock.now();
  m.applyLag.observe(now, st.commit);
  const lag = m.applyLag.behind(now, m.applied);
  if (lag) {
    return { ready: false, reason: `applied index ${m.applied} behind commit index ${lag.commit}, committed ${Math.round(lag.forMs)} ms ago` };
  }
  return { ready: true, reason: 'ok' };
}

export function memberStatus(m: MemberContext): MemberStatus {
  const st = m.raft.status();
  return {
    id: m.o.self.id,
    role: st.role,
    lead: st.lead,
    term: st.term,
    commit: st.commit,
    applied: m.applied,
    snapshotIndex: m.snapshotIndex,
    lastIndex: st.lastIndex,
  };
}
