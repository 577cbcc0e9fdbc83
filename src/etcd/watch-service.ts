// etcdserverpb.Watch: one bidirectional stream carries many watches (create, cancel, progress),
// each fed by a Server facade watch. Who may call: any user (auth-gate.ts); each watch needs
// read permission on what it watches.

import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { WatchSubscription } from '../api/server-facade.js';
import type { WatchEvent } from '../state/commands.js';
import { eventToPb, int64, type PbEvent } from './codec.js';
import type { EtcdContext, PbHeader } from './context.js';
import { ETCD_ERRORS, toEtcdError, toServiceError } from './errors.js';
import { callerNow, checkRead } from './auth-gate.js';
import { coveringSelection, inRange, parseKeyRange, type KeyRange } from './key-range.js';

interface WatchCreateRequest {
  key?: Buffer;
  range_end?: Buffer;
  start_revision?: string;
  progress_notify?: boolean;
  filters?: ('NOPUT' | 'NODELETE')[];
  prev_kv?: boolean;
  watch_id?: string;
  fragment?: boolean;
}
interface WatchRequest {
  create_request?: WatchCreateRequest;
  cancel_request?: { watch_id?: string };
  progress_request?: Record<string, never>;
}
interface WatchResponse {
  header: PbHeader;
  watch_id: number;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: number;
  cancel_reason?: string;
  events?: PbEvent[];
}

interface ActiveWatch {
  sub: WatchSubscription | null;
  progress: boolean;
  /** An event was sent since the last progress tick. */
  busy: boolean;
}

export function watchService(ctx: EtcdContext) {
  const { server, limits } = ctx;
  const published = (): number => server.publishedRevision?.() ?? server.state().revision();

  function watch(call: ServerDuplexStream<WatchRequest, WatchResponse>): void {
    const watches = new Map<number, ActiveWatch>();
    let nextId = 0;
    let ended = false;

    const send = (res: WatchResponse): void => {
      if (ended) return;
      call.write(res);
      if (call.writableLength > limits.maxWatchBufferedBytes) {
        // A reader this slow would make the member buffer without bound: its watches end.
        for (const id of [...watches.keys()]) cancel(id, 'etcdserver: the watch stream is not read fast enough; recreate the watch from its last revision');
      }
    };
    const cancel = (id: number, reason?: string, compactRevision?: number): void => {
      const w = watches.get(id);
      if (!w) return;
      watches.delete(id);
      w.sub?.cancel();
      const res: WatchResponse = { header: ctx.header(published()), watch_id: id, canceled: true };
      if (reason) res.cancel_reason = reason;
      if (compactRevision) res.compact_revision = compactRevision;
      send(res);
    };

    const create = (req: WatchCreateRequest): void => {
      let id = int64(req.watch_id, 'watch_id');
      let range: KeyRange;
      try {
        range = parseKeyRange(req.key, req.range_end, limits.maxKeyBytes);
        if (watches.size >= limits.maxWatchesPerStream) throw ETCD_ERRORS.tooManyRequests;
        if (id !== 0 && watches.has(id)) throw new Error('etcdserver: duplicate watch id');
        // Under auth, a watch the caller may not read is refused in its created answer, as etcd does.
        const cover = coveringSelection(range);
        checkRead(server.state().auth(), cover.key, cover.prefix);
      } catch (err) {
        const msg = err instanceof Error && err.message.startsWith('etcdserver:') ? err.message : toEtcdError(err).message;
        send({ header: ctx.header(published()), watch_id: -1, created: true, canceled: true, cancel_reason: msg });
        return;
      }
      if (id === 0) {
        while (watches.has(nextId)) nextId++;
        id = nextId++;
      }
      const noPut = req.filters?.includes('NOPUT') ?? false;
      const noDelete = req.filters?.includes('NODELETE') ?? false;
      const prevKv = req.prev_kv === true;
      const sel = coveringSelection(range);
      const exact = range.kind !== 'span';
      const w: ActiveWatch = { sub: null, progress: req.progress_notify === true, busy: false };
      watches.set(id, w);
      send({ header: ctx.header(published()), watch_id: id, created: true });
      const onEvents = (events: readonly WatchEvent[], revision: number): void => {
        if (!watches.has(id)) return;
        const out: PbEvent[] = [];
        for (const ev of events) {
          if ((noPut && ev.type === 'put') || (noDelete && ev.type === 'delete')) continue;
          if (!exact && !inRange(range, ev.kv.key)) continue;
          out.push(eventToPb(ev, prevKv));
        }
        if (out.length === 0) return;
        w.busy = true;
        send({ header: ctx.header(revision), watch_id: id, events: out });
      };
      try {
        w.sub = server.watch({
          key: sel.key,
          prefix: sel.prefix,
          startRevision: Math.max(0, int64(req.start_revision, 'start_revision')),
          prevKv,
          onEvents,
          onCanceled: (reason, compactRevision) => {
            if (compactRevision !== undefined && compactRevision > 0) cancel(id, ETCD_ERRORS.compacted.message, compactRevision);
            else cancel(id, `etcdserver: ${reason}`);
          },
        });
        // The facade may have canceled it (compacted start) before returning the subscription.
        if (!watches.has(id)) w.sub.cancel();
      } catch (err) {
        cancel(id, toEtcdError(err).message);
      }
    };

    const progressTimer = setInterval(() => {
      for (const [id, w] of watches) {
        if (w.progress && !w.busy) send({ header: ctx.header(published()), watch_id: id });
        w.busy = false;
      }
    }, limits.progressNotifyMs);
    progressTimer.unref();

    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(progressTimer);
      for (const w of watches.values()) w.sub?.cancel();
      watches.clear();
      ctx.closing.removeEventListener('abort', onClosing);
    };
    const onClosing = (): void => {
      end();
      call.end();
    };
    ctx.closing.addEventListener('abort', onClosing);

    /** A create as the caller is now (auth-gate.ts): refused in its created answer if the
     *  stream's credential no longer holds. */
    const createAsCaller = (req: WatchCreateRequest): void => {
      let asCaller: <T>(fn: () => T) => T;
      try {
        asCaller = callerNow(call, server.state().auth());
      } catch (err) {
        send({ header: ctx.header(published()), watch_id: -1, created: true, canceled: true, cancel_reason: toEtcdError(err).message });
        return;
      }
      asCaller(() => create(req));
    };

    call.on('data', (req: WatchRequest) => {
      try {
        if (req.create_request) createAsCaller(req.create_request);
        else if (req.cancel_request) cancel(int64(req.cancel_request.watch_id, 'watch_id'));
        // A progress request is answered once for the stream, as etcd 3.4 does (watch id -1).
        else if (req.progress_request) send({ header: ctx.header(published()), watch_id: -1 });
      } catch (err) {
        end();
        call.emit('error', toServiceError(err));
      }
    });
    call.on('end', () => {
      end();
      call.end();
    });
    call.on('cancelled', end);
    call.on('error', end);
    call.on('close', end);
  }

  return { Watch: watch };
}
