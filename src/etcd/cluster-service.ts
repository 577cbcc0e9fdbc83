// etcdserverpb.Cluster and etcdserverpb.Maintenance over the facade's cluster view,
// membership changes and the member's backup. Who may call (auth-gate.ts): while auth is off,
// anyone who can reach the etcd listener (as /v1); once it is on, MemberList and Status any user
// (as GET /v1/members and /v1/cluster), everything else the root role only (as the REST
// membership and maintenance routes).
//
// MemberAdd: raftlock derives a member's id from its name (and the cluster token), and keeps a
// client URL for each member; etcd's MemberAdd carries neither. Both ride on the peer URL's
// query: `http://host:port?name=NAME[&client=URL]`. The client URL defaults to the same scheme
// and host with the port one below the peer port (raftlock's 7379/7380 layout). The member is
// recorded with the peer URL without its query.

import type { ServerWritableStream } from '@grpc/grpc-js';
import { currentPrincipal } from '../api/auth.js';
import type { MemberInfo } from '../api/server-facade.js';
import { mustBeRoot } from './auth-gate.js';
import { unary, type EtcdContext } from './context.js';
import { ETCD_ERRORS, EtcdError, toServiceError } from './errors.js';
import { invariant } from '../invariant/index.js';

const MEMBER_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const PLAIN_URL = /^https?:\/\/[^/\s?#@]+$/;

/** The name, peer URL and client URL a MemberAdd's peer URL carries (see the top of this file). */
export function memberFromPeerUrl(peerUrls: readonly string[] | undefined): { name: string; peerUrl: string; clientUrl: string } {
  const urls = peerUrls ?? [];
  if (urls.length !== 1) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: raftlock members have exactly one peer URL');
  const how = 'give the new member\'s name in the peer URL: --peer-urls="http://host:port?name=NAME" (optionally &client=http://host:port)';
  let u: URL;
  try {
    u = new URL(urls[0]!);
  } catch {
    throw new EtcdError('INVALID_ARGUMENT', `etcdserver: not a URL: ${JSON.stringify(urls[0])}`);
  }
  const peerUrl = `${u.protocol}//${u.host}`;
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.port === '' || (u.pathname !== '' && u.pathname !== '/') || u.username !== '' || u.hash !== '' || !PLAIN_URL.test(peerUrl)) {
    throw new EtcdError('INVALID_ARGUMENT', `etcdserver: a peer URL is http(s)://host:port; ${how}`);
  }
  for (const k of u.searchParams.keys()) {
    if (k !== 'name' && k !== 'client') throw new EtcdError('INVALID_ARGUMENT', `etcdserver: unknown peer URL parameter ${JSON.stringify(k)}; ${how}`);
  }
  const name = u.searchParams.get('name') ?? '';
  if (name === '') throw new EtcdError('INVALID_ARGUMENT', `etcdserver: raftlock derives a member's id from its name; ${how}`);
  if (!MEMBER_NAME.test(name)) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: a member name is 1-128 letters, digits, "_", "." or "-"');
  const client = u.searchParams.get('client');
  let clientUrl: string;
  if (client !== null) {
    clientUrl = client.replace(/\/+$/, '');
    if (!PLAIN_URL.test(clientUrl)) throw new EtcdError('INVALID_ARGUMENT', 'etcdserver: the client URL is http(s)://host:port');
  } else {
    const port = Number(u.port) - 1;
    if (port < 1) throw new EtcdError('INVALID_ARGUMENT', `etcdserver: no client port below peer port ${u.port}; give &client=`);
    clientUrl = `${u.protocol}//${u.hostname.includes(':') ? `[${u.hostname.replace(/^\[|\]$/g, '')}]` : u.hostname}:${port}`;
  }
  return { name, peerUrl, clientUrl };
}

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
    MemberAdd: unary(async (req: { peerURLs?: string[]; isLearner?: boolean }) => {
      const m = memberFromPeerUrl(req.peerURLs);
      const id = server.memberIdFor(m.name);
      const now = server.cluster().members;
      if (now.some((x) => x.id === String(id))) throw ETCD_ERRORS.memberExists;
      if (now.some((x) => x.peerUrl === m.peerUrl)) throw ETCD_ERRORS.peerUrlExists;
      const learner = req.isLearner === true;
      await server.changeMembership(learner ? 'addLearner' : 'add', { id, ...m });
      return {
        header: ctx.header(),
        member: { ID: String(id), name: m.name, peerURLs: [m.peerUrl], clientURLs: [m.clientUrl], isLearner: learner },
        members: members(),
      };
    }),
    MemberUpdate: unary(async () => {
      throw new EtcdError('UNIMPLEMENTED', 'etcdserver: raftlock does not change a member\'s peer URLs in place');
    }),
  };
}

/** Largest blob in one SnapshotResponse (etcd sends 32 KiB). */
export const SNAPSHOT_CHUNK_BYTES = 64 * 1024;

interface SnapshotResponse {
  header: ReturnType<EtcdContext['header']>;
  remaining_bytes: number;
  blob: Buffer;
}

/** The bytes Maintenance.Snapshot streams, from the member's backup (wired by cmd/): a raftlock
 *  snapshot file, sized as etcdctl expects (see cmd/lib/etcd-snapshot.ts). */
export interface SnapshotStream {
  /** Key-space revision of the state in it (the responses' header revision). */
  revision: number;
  /** Exact number of bytes `frames` yields. */
  fileBytes: number;
  frames(): Iterable<Uint8Array>;
}

export function maintenanceService(ctx: EtcdContext, snapshotPort: ((signal: AbortSignal) => Promise<SnapshotStream>) | undefined) {
  const { server } = ctx;
  // One at a time per listener: a snapshot holds a copy of the state while it streams.
  let snapshotting = false;

  /**
   * Streams this member's consistent backup: the bytes of a raftlock snapshot file (what
   * `raftlockctl snapshot save` writes and `snapshot restore` reads; sized for etcdctl by
   * cmd/), in chunks, each with the bytes still to come after it.
   */
  const snapshot = (call: ServerWritableStream<unknown, SnapshotResponse>): void => {
    const fail = (err: unknown): void => {
      call.emit('error', toServiceError(err));
    };
    try {
      // The gate lets only root here while auth is on; the backup checks again on its own, since
      // it holds every key and password hash.
      mustBeRoot(server.state().auth(), currentPrincipal());
      if (snapshotPort === undefined) throw new EtcdError('UNIMPLEMENTED', 'etcdserver: this member serves no snapshots');
      if (snapshotting) throw new EtcdError('RESOURCE_EXHAUSTED', 'etcdserver: a snapshot is already being streamed from this member; retry when it is done');
    } catch (err) {
      fail(err);
      return;
    }
    snapshotting = true;
    const aborted = new AbortController();
    const stop = (): void => aborted.abort();
    call.on('cancelled', stop);
    call.on('error', stop);
    ctx.closing.addEventListener('abort', stop);
    const run = async (): Promise<void> => {
      // Linearizable: the backup holds every write acknowledged before the call.
      await server.readBarrier();
      const snap = await snapshotPort(aborted.signal);
      let remaining = snap.fileBytes;
      for (const frame of snap.frames()) {
        for (let at = 0; at < frame.length; at += SNAPSHOT_CHUNK_BYTES) {
          aborted.signal.throwIfAborted();
          const blob = Buffer.from(frame.buffer, frame.byteOffset + at, Math.min(SNAPSHOT_CHUNK_BYTES, frame.length - at));
          remaining -= blob.length;
          if (!call.write({ header: ctx.header(snap.revision), remaining_bytes: remaining, blob })) {
            await new Promise<void>((res) => {
              const go = (): void => {
                call.off('drain', go);
                aborted.signal.removeEventListener('abort', go);
                res();
              };
              call.on('drain', go);
              aborted.signal.addEventListener('abort', go);
            });
          }
        }
      }
      invariant(remaining === 0, () => `the snapshot file came out ${-remaining} bytes off its announced size`);
      call.end();
    };
    run()
      .catch((err: unknown) => {
        if (!aborted.signal.aborted) fail(err);
        else if (ctx.closing.aborted) fail(ETCD_ERRORS.stopped);
      })
      .finally(() => {
        snapshotting = false;
        ctx.closing.removeEventListener('abort', stop);
      });
  };

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
    Snapshot: snapshot,
  };
}
