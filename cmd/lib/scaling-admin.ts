// The scaling controller's view of the cluster (src/node/scaling-controller.ts), over the client
// API of the other members: membership changes go to any member (they forward to the leader),
// the membership and commit index are read from the leader itself.

import { Client } from '../../src/client/index.js';
import type { MembershipAdmin, MembershipView } from '../../src/node/scaling-controller.js';

export function clientMembershipAdmin(endpoints: string[], requestTimeoutMs: number): { admin: MembershipAdmin; close(): Promise<void> } {
  const client = new Client({ endpoints, requestTimeoutMs, deadlineMs: requestTimeoutMs });
  const admin: MembershipAdmin = {
    async view(): Promise<MembershipView> {
      const any = await client.cluster();
      if (any.leader === null) throw new Error(`no leader known to ${any.member.name}`);
      const lead = any.leader.name === any.member.name ? any : await client.cluster({ endpoint: any.leader.clientUrl });
      if (lead.member.role !== 'leader') throw new Error(`${lead.member.name} is no longer the leader`);
      return { members: lead.members.map((m) => ({ name: m.name, role: m.role })), leaderCommit: lead.commitIndex };
    },
    async addLearner(self) {
      await client.memberAdd({ name: self.name, peerUrl: self.peerUrl, clientUrl: self.clientUrl, learner: true });
    },
    async promote(name) {
      await client.memberPromote(name);
    },
    async remove(name) {
      await client.memberRemove(name);
    },
  };
  return { admin, close: () => client.close() };
}
