// etcdserverpb.Cluster and etcdserverpb.Maintenance over the facade's cluster view and
// membership changes. Who may call: anyone who can reach the etcd listener (as /v1/members).

import type { MemberInfo } from '../api/server-facade.js';
import { unary, type EtcdContext } from './context.js';
import { ETCD_ERRORS, EtcdError } from './errors.js';

function memberToPb(m: MemberInfo) {
  return { ID: m.id, name: m.name, peerURLs: [m.peerUrl], clientURLs: m.clientUrl ? [m.clientUrl] : [], isLearner: m.role === 'learner' };
}

export function clusterService(ctx: EtcdContext) {
  const { server } = ctx;
  const members = () => server.cluster().members.map(memberToPb);
  const find = (id: string | undefined): MemberInfo => {
    const m = server.cluster().members.find((x) => x.id === String(id ?? '0'));
    if (!m) throw ETCD_ERRORS.memberNotFound;
    return m;
  };
  const record = (m: MemberInfo) => ({ id: Number(m.id), name: m.name, peerUrl: m.peerUrl, clientUrl: m.clientUrl });

  return {
    MemberList: unary(async () => ({ header: ctx.header(), members: members() })),
    MemberRemove: unary(async (req: { ID?: string }) => {
      await server.changeMembership('remove', record(find(req.ID)));
      return { header: ctx.header(), members: members() };
    }),
    MemberPromote: unary(async (req: { ID?: string }) => {
      const m = find(req.ID);
      if (m.role !== 'learner') throw ETCD_ERRORS.memberNotLearner;
      // Adding an existing learner as a voter promotes it.
      await server.changeMembership('add', record(m));
      return { header: ctx.header(), members: members() };
    }),
    MemberAdd: unary(async () => {
      // raftlock derives a member's id from its name, which etcd's MemberAdd does not carry.
      throw new EtcdError('UNIMPLEMENTED', 'etcdserver: raftlock adds members by name: use raftlockctl member add or POST /v1/members');
    }),
    MemberUpdate: unary(async () => {
      throw new EtcdError('UNIMPLEMENTED', 'etcdserver: raftlock does not change a member\'s peer URLs in place');
    }),
  };
}

export function maintenanceService(ctx: EtcdContext) {
  const { server } = ctx;
  const unimplemented = (what: string) =>
    unary(async () => {
      throw new EtcdError('UNIMPLEMENTED', `etcdserver: raftlock does not serve ${what}`);
    });
  return {
    Status: unary(async () => {
      const info = server.cluster();
      const ready = server.readiness();
      return {
        header: ctx.header(),
        version: ctx.version,
        dbSize: 0,
        dbSizeInUse: 0,
        leader: info.leader?.id ?? '0',
        raftIndex: info.commitIndex,
        raftTerm: info.term,
        raftAppliedIndex: info.appliedIndex,
        errors: ready.ready ? [] : [ready.reason],
        isLearner: info.member.role === 'learner',
      };
    }),
    // raftlock raises no alarms (no space quota, no corruption check): the list is always empty.
    Alarm: unary(async () => ({ header: ctx.header(), alarms: [] })),
    // Nothing to defragment: RocksDB compacts by itself.
    Defragment: unary(async () => ({ header: ctx.header() })),
    Hash: unimplemented('Hash'),
    HashKV: unimplemented('HashKV'),
    MoveLeader: unimplemented('MoveLeader'),
    Snapshot: (call: { emit(ev: 'error', err: unknown): void }) => {
      call.emit('error', { code: 12, details: 'etcdserver: raftlock does not serve Snapshot yet' });
    },
  };
}
