// The small translations between etcd's forms and raftlock's, without servers: who may call each
// method under auth, permission intervals and prefixes, a MemberAdd's peer URL, and the snapshot
// stream's size padding.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as grpc from '@grpc/grpc-js';
import { loadEtcdProtos, memberFromPeerUrl, METHOD_NEEDS } from '../../src/etcd/index.js';
import { permissionToPb, prefixOfInterval } from '../../src/etcd/auth-service.js';
import { paddedForEtcdctl } from '../../cmd/lib/etcd-snapshot.js';
import { SNAPSHOT_FILE_FORMAT, SNAPSHOT_FILE_VERSION, SnapshotFileReader, SnapshotFileWriter, type SnapshotFileHeader } from '../../src/storage/snapshot-file.js';

describe('who may call what', () => {
  test('every Cluster, Maintenance and Auth method of the protos has a stated need; the data-dumping and changing ones are root\'s', () => {
    const pb = loadEtcdProtos()['etcdserverpb'] as grpc.GrpcObject;
    for (const svc of ['Cluster', 'Maintenance', 'Auth']) {
      const def = (pb[svc] as grpc.ServiceClientConstructor).service;
      assert.deepEqual(Object.keys(def).sort(), Object.keys(METHOD_NEEDS[svc]!).sort(), svc);
    }
    for (const [svc, m] of [['Maintenance', 'Snapshot'], ['Maintenance', 'Defragment'], ['Cluster', 'MemberAdd'], ['Cluster', 'MemberRemove'], ['Auth', 'UserAdd'], ['Auth', 'AuthDisable']] as const) {
      assert.equal(METHOD_NEEDS[svc]![m], 'root', `${svc}.${m}`);
    }
    assert.equal(METHOD_NEEDS['Auth']!['Authenticate'], 'anyone');
  });
});

describe('permission intervals', () => {
  const b = (s: string): Buffer => Buffer.from(s);
  test('a prefix interval is the prefix; every key is ["\\0", "\\0"); one key or other spans are refused', () => {
    assert.equal(prefixOfInterval(b('app/'), b('app0'), 4096), 'app/');
    assert.equal(prefixOfInterval(Buffer.from([0]), Buffer.from([0]), 4096), '');
    assert.throws(() => prefixOfInterval(b('app/x'), undefined, 4096), /not on one key; use --prefix/);
    assert.throws(() => prefixOfInterval(b('a'), b('c'), 4096), /not a prefix/);
    assert.throws(() => prefixOfInterval(b('a'), Buffer.from([0]), 4096), /not a prefix/);
    // and back: what RoleGet answers reads as the same prefix
    for (const prefix of ['app/', '', 'ü/', 'z']) {
      const pb = permissionToPb({ prefix, access: 'readwrite' });
      assert.equal(pb.permType, 'READWRITE');
      assert.equal(prefixOfInterval(pb.key, pb.range_end, 4096), prefix);
    }
  });
});

describe('MemberAdd peer URLs', () => {
  test('the name (and client URL) ride on the query; the client port defaults to one below the peer port', () => {
    assert.deepEqual(memberFromPeerUrl(['http://10.0.0.4:7380?name=n4']), { name: 'n4', peerUrl: 'http://10.0.0.4:7380', clientUrl: 'http://10.0.0.4:7379' });
    assert.deepEqual(memberFromPeerUrl(['https://n4.raftlock:7380?name=n4&client=https://n4.raftlock:9000']), { name: 'n4', peerUrl: 'https://n4.raftlock:7380', clientUrl: 'https://n4.raftlock:9000' });
    assert.deepEqual(memberFromPeerUrl(['http://[::1]:7380?name=v6']), { name: 'v6', peerUrl: 'http://[::1]:7380', clientUrl: 'http://[::1]:7379' });
    for (const [urls, msg] of [
      [['http://10.0.0.4:7380'], /derives a member's id from its name/],
      [[], /exactly one peer URL/],
      [['http://a:1?name=x', 'http://b:1?name=x'], /exactly one peer URL/],
      [['http://10.0.0.4?name=n4'], /http\(s\):\/\/host:port/],
      [['http://10.0.0.4:7380/path?name=n4'], /http\(s\):\/\/host:port/],
      [['unix://sock:1?name=n4'], /http\(s\):\/\/host:port/],
      [['http://10.0.0.4:7380?name=n4&role=x'], /unknown peer URL parameter "role"/],
      [['http://10.0.0.4:7380?name=bad name'], /member name is/],
      [['http://10.0.0.4:7380?name=n4&client=ftp://x:1'], /client URL is/],
      [['not a url'], /not a URL/],
    ] as const) {
      assert.throws(() => memberFromPeerUrl(urls), msg, JSON.stringify(urls));
    }
  });
});

describe('the snapshot stream', () => {
  test('is 32 bytes past a multiple of 512 whatever the data size, and still a valid raftlock snapshot file', () => {
    for (const dataBytes of [0, 1, 100, 479, 480, 511, 512, 4000, 70_000]) {
      const data = Buffer.alloc(dataBytes, 7);
      const header: SnapshotFileHeader = {
        format: SNAPSHOT_FILE_FORMAT, version: SNAPSHOT_FILE_VERSION, revision: 9, compactRevision: 2, raftIndex: 30, dataBytes,
        keys: 1, leases: 0, locks: 0, member: { name: 'm1', id: '1' }, createdAt: new Date(0).toISOString(),
      };
      const w = new SnapshotFileWriter(header);
      const frames = [w.head(), ...w.data(data), ...w.end()];
      const fileBytes = frames.reduce((n, f) => n + f.length, 0);
      const padded = paddedForEtcdctl({ header, fileBytes, frames: () => frames });
      const out = Buffer.concat([...padded.frames()]);
      assert.equal(out.length, padded.fileBytes);
      assert.equal(out.length % 512, 32, `data ${dataBytes}`);
      const r = new SnapshotFileReader();
      r.push(out);
      const got = r.end();
      assert.equal(got.header.revision, 9);
      assert.deepEqual(Buffer.from(got.data), data);
    }
  });
});
