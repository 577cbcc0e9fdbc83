// Membership changes, one server at a time (see raft/raw-node.ts for the safety argument):
// proposed by the leader, forwarded there from a follower.

import { CodedError, isErrorCode, type ErrorCode } from '../api/errors.js';
import { ConfChangeType, StateRole } from '../raft/types.js';
import type { MemberContext } from './member-context.js';
import { encodeMemberContext, type MemberRecord } from './members.js';

export type MembershipChange = 'add' | 'addLearner' | 'remove';

export class Membership {
  constructor(private readonly m: MemberContext) {}

  async confChangeLocal(change: MembershipChange, rec: MemberRecord): Promise<number> {
    const m = this.m;
    if (m.role !== StateRole.Leader) throw m.notLeaderError();
    const type = change === 'remove' ? ConfChangeType.RemoveNode : change === 'addLearner' ? ConfChangeType.AddLearner : ConfChangeType.AddVoter;
    const r = m.raft.proposeConfChange({ type, nodeId: rec.id, context: encodeMemberContext(rec) });
    if (!r.ok) {
      const code: ErrorCode = r.code === 'NOT_LEADER' ? 'NO_LEADER' : isErrorCode(r.code) ? r.code : 'INTERNAL';
      throw new CodedError(code, r.message);
    }
    m.kick();
    await m.applyWaits.waitFor(r.index, m.o.requestTimeoutMs);
    if (m.applied < r.index) throw new CodedError('TIMEOUT', `membership change not applied within ${m.o.requestTimeoutMs} ms; the outcome is unknown`);
    return r.index;
  }

  /** Add (as voter or learner) or remove a member; forwarded to the leader from a follower. */
  change(change: MembershipChange, rec: MemberRecord): Promise<void> {
    const m = this.m;
    return m.forwarder.leaderOrForward<void>({
      deadline: m.o.clock.now() + m.o.requestTimeoutMs,
      local: async () => {
        await this.confChangeLocal(change, rec);
      },
      request: () => ({ kind: 'confChange', change, member: rec }),
      answer: (resp) => (resp.kind === 'confChange' ? m.applyWaits.waitFor(resp.index, m.o.requestTimeoutMs) : null),
      retries: 0,
      retryDeposed: false,
    });
  }
}
