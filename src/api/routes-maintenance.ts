// Maintenance: a backup of the applied state streamed from this member, and reclaiming disk
// space after compaction.
//
// Who may use these: anyone who can reach the client port today, like every other route (the
// cluster has no authentication yet). Both are operator tools: a snapshot holds every key and
// value, and a defragmentation costs disk I/O. When authentication lands they are for the root
// role only (docs/api.md, "Maintenance"); until then keep the client port off untrusted networks.

import { Readable } from 'node:stream';
import type Router from '@koa/router';
import { CodedError } from './errors.js';
import { answer, readConsistency, type RouteDeps } from './http-context.js';
import { parseQuery } from './request-text.js';

/** What the maintenance routes need from the member and its storage (wired by cmd/). */
export interface MaintenancePort {
  /** A backup of this member's applied state now, as snapshot-file bytes. */
  snapshot(signal: AbortSignal): Promise<{
    header: { revision: number; compactRevision: number; raftIndex: number; dataBytes: number; member: { name: string; id: string } };
    fileBytes: number;
    frames(): Iterable<Uint8Array>;
  }>;
  /** Compact the whole on-disk database; sizes of the data directory before and after. */
  defragment(): Promise<{ beforeBytes: number; afterBytes: number }>;
}

export const SNAPSHOT_CONTENT_TYPE = 'application/vnd.raftlock.snapshot';

export function registerMaintenanceRoutes(router: Router, deps: RouteDeps, port: MaintenancePort | undefined): void {
  const { server } = deps;
  // One of each at a time per member: a snapshot holds a copy of the state in memory while it
  // streams, and two defragmentations would only compete for the disk.
  let snapshotting = false;
  let defragmenting = false;
  const need = (): MaintenancePort => {
    if (port === undefined) throw new CodedError('NOT_FOUND', 'this member serves no maintenance routes');
    return port;
  };

  router.get('/v1/maintenance/snapshot', async (ctx) => {
    const q = parseQuery(ctx.querystring, ['consistency']);
    const p = need();
    if (snapshotting) throw new CodedError('TOO_MANY_REQUESTS', 'a snapshot is already being streamed from this member; retry when it is done', { retryAfterSeconds: 1 });
    snapshotting = true;
    // The client hanging up while the state is being encoded stops the encoding.
    const aborted = new AbortController();
    const onClose = (): void => aborted.abort();
    ctx.res.once('close', onClose);
    let streaming = false;
    try {
      // Linearizable by default: the snapshot holds every write acknowledged before the request.
      await readConsistency(server, q.get('consistency'));
      const snap = await p.snapshot(aborted.signal);
      const h = snap.header;
      ctx.status = 200;
      ctx.set('Content-Type', SNAPSHOT_CONTENT_TYPE);
      ctx.set('Content-Length', String(snap.fileBytes));
      ctx.set('Content-Disposition', `attachment; filename="raftlock-${h.revision}.snapshot"`);
      ctx.set('X-Raftlock-Revision', String(h.revision));
      ctx.set('X-Raftlock-Compact-Revision', String(h.compactRevision));
      ctx.set('X-Raftlock-Raft-Index', String(h.raftIndex));
      ctx.set('X-Raftlock-Snapshot-Data-Bytes', String(h.dataBytes));
      ctx.set('X-Raftlock-Member', h.member.name);
      const body = Readable.from(snap.frames(), { objectMode: false, highWaterMark: 1 << 20 });
      const done = (): void => {
        snapshotting = false;
        ctx.res.off('close', onClose);
      };
      body.once('close', done);
      body.once('error', done);
      streaming = true;
      ctx.body = body;
      ctx.length = snap.fileBytes;
    } finally {
      if (!streaming) {
        snapshotting = false;
        ctx.res.off('close', onClose);
      }
    }
  });

  router.post('/v1/maintenance/defrag', async (ctx) => {
    parseQuery(ctx.querystring, []);
    const p = need();
    if (defragmenting) throw new CodedError('TOO_MANY_REQUESTS', 'a defragmentation is already running on this member', { retryAfterSeconds: 5 });
    defragmenting = true;
    try {
      const started = performance.now();
      const r = await p.defragment();
      answer(ctx, { member: server.cluster().member.name, beforeBytes: r.beforeBytes, afterBytes: r.afterBytes, durationMs: Math.round(performance.now() - started) });
    } finally {
      defragmenting = false;
    }
  });
}
