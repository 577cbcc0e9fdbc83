// The floor: the least a replicated, durable put can cost on this machine, for `npm run bench --
// --floor`. Three processes do only the work no implementation of the contract can skip:
//
// - the leader: node:http, a JSON parse of the body, one synced RocksDB batch per group of
//   requests, one binary frame per group to each of two followers over TCP, and the answer
//   `{"revision": n}` once two of the three processes have the group on disk;
// - each follower: one synced RocksDB batch per group of frames it received, one ack frame back
//   (the last group number it holds).
//
// No Raft state, no koa, no state machine, no checksums, no metrics. Groups form as in
// raftlock's loop: whatever arrived while the previous synced write was in flight. What raftlock
// costs above these figures, on the same machine in the same run, is its own overhead; what the
// floor costs is the machine's.
//
// Started by the bench with child_process.fork: `floor.js follower <dir>` and
// `floor.js leader <dir> <followerPort>,<followerPort>`; each reports its port over IPC and exits
// when the bench goes away (IPC disconnect).

import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';

/** Largest request body the floor accepts (raftlock's default limit). */
const MAX_BODY_BYTES = 1.5 * 1024 * 1024;
/** Largest frame a follower accepts: a group of at most this many bytes of bodies. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

type Cb = (err?: Error | null) => void;
interface Db {
  open(opts: { createIfMissing: boolean }, cb: Cb): void;
  batch(ops: { type: 'put'; key: Buffer; value: Buffer }[], opts: { sync: boolean }, cb: Cb): void;
}
const rocksdb = createRequire(import.meta.url)('rocksdb') as (location: string) => Db;

function openDb(dir: string): Promise<Db> {
  const db = rocksdb(dir);
  return new Promise((res, rej) => db.open({ createIfMissing: true }, (err) => (err ? rej(err) : res(db))));
}

function syncedWrite(db: Db, key: Buffer, value: Buffer): Promise<void> {
  return new Promise((res, rej) => db.batch([{ type: 'put', key, value }], { sync: true }, (err) => (err ? rej(err) : res())));
}

const u32 = (n: number): Buffer => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

function fail(err: unknown): never {
  process.stderr.write(`floor ${process.argv[2]}: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}

/** Frames on the wire: u32 length, then the body. Calls `onFrame` for each complete frame. */
function frameReader(onFrame: (body: Buffer) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const len = buf.readUInt32BE(0);
      if (len > MAX_FRAME_BYTES) throw new Error(`frame of ${len} bytes is over the ${MAX_FRAME_BYTES} limit`);
      if (buf.length < 4 + len) break;
      onFrame(buf.subarray(4, 4 + len));
      buf = buf.subarray(4 + len);
    }
  };
}

async function follower(dir: string): Promise<void> {
  const db = await openDb(dir);
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    // A frame is [u32 group][bodies]. Groups that arrive while a write is in flight are written
    // together by the next one, and acknowledged by their last group number.
    const queued: Buffer[] = [];
    let lastGroup = 0;
    let writing = false;
    const writeQueued = (): void => {
      if (writing || queued.length === 0) return;
      writing = true;
      const value = queued.length === 1 ? queued[0]! : Buffer.concat(queued);
      queued.length = 0;
      const group = lastGroup;
      syncedWrite(db, u32(group), value).then(() => {
        writing = false;
        if (!sock.destroyed) sock.write(Buffer.concat([u32(4), u32(group)]));
        writeQueued();
      }, fail);
    };
    const read = frameReader((body) => {
      lastGroup = body.readUInt32BE(0);
      queued.push(body);
    });
    sock.on('data', (chunk: Buffer) => {
      try {
        read(chunk);
      } catch (err) {
        process.stderr.write(`floor follower: ${String(err)}; closing the connection\n`);
        sock.destroy();
        return;
      }
      writeQueued();
    });
    sock.on('error', () => sock.destroy());
  });
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as net.AddressInfo).port }));
}

interface Waiting {
  group: number;
  res: http.ServerResponse;
  revision: number;
}

async function leader(dir: string, followerPorts: number[]): Promise<void> {
  const db = await openDb(dir);
  const peers = await Promise.all(
    followerPorts.map(
      (port) =>
        new Promise<net.Socket>((res, rej) => {
          const s = net.connect(port, '127.0.0.1', () => res(s));
          s.setNoDelay(true);
          s.once('error', rej);
        }),
    ),
  );
  // Durable group numbers: [leader, follower 1, follower 2]. A group is committed once two of the
  // three have it on disk: the median of the three.
  const durable = [0, 0, 0];
  const waiting: Waiting[] = [];
  let pending: Buffer[] = [];
  let pendingAnswers: Waiting[] = [];
  let group = 0;
  let revision = 0;
  let writing = false;

  const answerCommitted = (): void => {
    // The median of three: what a majority holds durably.
    const committed = [...durable].sort((a, b) => a - b)[1]!;
    let n = 0;
    while (n < waiting.length && waiting[n]!.group <= committed) {
      const w = waiting[n++]!;
      const text = `{"revision":${w.revision}}`;
      w.res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': text.length });
      w.res.end(text);
    }
    if (n > 0) waiting.splice(0, n);
  };

  const writeGroup = (): void => {
    if (writing || pending.length === 0) return;
    writing = true;
    const g = ++group;
    const bodies = Buffer.concat(pending);
    pending = [];
    for (const w of pendingAnswers) {
      w.group = g;
      waiting.push(w);
    }
    pendingAnswers = [];
    const frame = Buffer.concat([u32(4 + bodies.length), u32(g), bodies]);
    for (const p of peers) p.write(frame);
    syncedWrite(db, u32(g), bodies).then(() => {
      writing = false;
      durable[0] = g;
      answerCommitted();
      writeGroup();
    }, fail);
  };

  peers.forEach((p, i) => {
    p.on(
      'data',
      frameReader((ack) => {
        durable[i + 1] = Math.max(durable[i + 1]!, ack.readUInt32BE(0));
        answerCommitted();
      }),
    );
    p.on('error', fail);
    p.on('close', () => fail(new Error(`follower ${i + 1} closed its connection`)));
  });

  const server = http.createServer((req, res) => {
    const reply = (status: number, code: string, message: string): void => {
      const text = JSON.stringify({ error: { code, message } });
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (req.method !== 'PUT' || !req.url?.startsWith('/v1/kv/')) {
      req.resume();
      reply(404, 'NOT_FOUND', 'the floor serves PUT /v1/kv/{key} only');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return reply(413, 'PAYLOAD_TOO_LARGE', `request body is over ${MAX_BODY_BYTES} bytes`);
      const body = Buffer.concat(chunks);
      try {
        JSON.parse(body.toString());
      } catch {
        return reply(400, 'INVALID_JSON', 'request body is not JSON');
      }
      pending.push(u32(body.length), body);
      pendingAnswers.push({ group: 0, res, revision: ++revision });
      writeGroup();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as net.AddressInfo).port }));
}

process.on('disconnect', () => process.exit(0));
const [role, dir, ports] = process.argv.slice(2);
if (role === 'follower' && dir) follower(dir).catch(fail);
else if (role === 'leader' && dir && ports) leader(dir, ports.split(',').map(Number)).catch(fail);
else fail(new Error('usage: floor.js follower <dir> | leader <dir> <port>,<port>'));
