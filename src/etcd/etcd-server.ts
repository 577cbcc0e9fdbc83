// The etcd v3 gRPC listener: etcd's services (KV, Watch, Lease, Cluster, Maintenance, Auth,
// Lock, Election) over the Server facade, on a grpc-js server of its own, in plain text or TLS.
// cmd/ owns the listening address and the certificates; this module sees only the facade.
//
// Every method is behind the auth gate (auth-gate.ts): with auth on, the caller's token (or
// verified client certificate) names a raftlock user, and the services see the guarded facade
// of api/auth.ts, so the permission checks are those of /v1.
//
// The .proto files are raftlock's own (src/etcd/proto), loaded at run time with
// @grpc/proto-loader from the source tree, which the published package ships as well.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { guardFacade } from '../api/auth.js';
import { silentLogger, type ApiLogger } from '../api/logger.js';
import type { ServerFacade } from '../api/server-facade.js';
import { gateService } from './auth-gate.js';
import { authService } from './auth-service.js';
import { clusterService, maintenanceService, type SnapshotStream } from './cluster-service.js';
import { DEFAULT_ETCD_LIMITS, makeContext, WaitCounter, type EtcdLimits } from './context.js';
import { electionService } from './election-service.js';
import { kvService } from './kv-service.js';
import { leaseService } from './lease-service.js';
import { lockService } from './lock-service.js';
import { watchService } from './watch-service.js';
import { invariant } from '../invariant/index.js';

const here = dirname(fileURLToPath(import.meta.url));
/** src/etcd/proto, found from src/etcd or from the compiled dist/src/etcd. */
export const PROTO_DIR = existsSync(resolve(here, 'proto', 'rpc.proto')) ? resolve(here, 'proto') : resolve(here, '../../../src/etcd/proto');

export const PROTO_FILES = ['rpc.proto', 'v3lock.proto', 'v3election.proto'] as const;
/** Imported by PROTO_FILES. */
export const PROTO_IMPORTS = ['kv.proto', 'auth.proto'] as const;

export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: false,
  oneofs: false,
  includeDirs: [PROTO_DIR],
};

/** The etcd API version the listener reports (Status, `etcdctl endpoint status`). */
export const ETCD_API_VERSION = '3.4.0';

/** Certificates of the listener (PEM). With `ca`, clients must present a certificate it signed. */
export interface EtcdTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
}

export interface EtcdServerOptions {
  /** The member's own facade; the services see it through api/auth.ts's guard. */
  server: ServerFacade;
  /** etcd's cluster id (uint64, decimal); see clusterIdFor(). */
  clusterId: string;
  limits?: Partial<EtcdLimits>;
  logger?: ApiLogger;
  /** Lifetime of tokens from Authenticate (as /v1/auth/authenticate; default 300 s). */
  authTokenTtlSeconds?: number;
  /** The member's consistent backup (the one GET /v1/maintenance/snapshot streams, sized for
   *  etcdctl), for Maintenance.Snapshot; absent: Snapshot answers UNIMPLEMENTED. */
  snapshot?: (signal: AbortSignal) => Promise<SnapshotStream>;
  /** Serve TLS (the client port's certificates); absent: plain text. */
  tls?: EtcdTls;
}

export interface EtcdServer {
  /** Listen on host:port; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** New certificates for connections from now on (TLS listeners only). */
  setTls(tls: EtcdTls): void;
  /** Stop: end every stream and waiting call, then close the listener. */
  close(): Promise<void>;
}

type Ctor = grpc.ServiceClientConstructor & { service: grpc.ServiceDefinition };

export function loadEtcdProtos(): grpc.GrpcObject {
  const def = protoLoader.loadSync(
    PROTO_FILES.map((f) => resolve(PROTO_DIR, f)),
    PROTO_LOADER_OPTIONS,
  );
  return grpc.loadPackageDefinition(def);
}

/** TLS server credentials whose certificates can be replaced while serving (grpc-js hands new
 *  secure context options to its listeners). TLS 1.2 at least, as the REST port. */
class ReloadableTlsCredentials extends grpc.ServerCredentials {
  constructor(tls: EtcdTls) {
    super({ requestCert: tls.ca !== undefined, rejectUnauthorized: tls.ca !== undefined, minVersion: 'TLSv1.2' }, ReloadableTlsCredentials.context(tls));
  }
  static context(tls: EtcdTls) {
    return { cert: tls.cert, key: tls.key, ...(tls.ca !== undefined ? { ca: tls.ca } : {}) };
  }
  update(tls: EtcdTls): void {
    this.updateSecureContextOptions(ReloadableTlsCredentials.context(tls));
  }
  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export function createEtcdServer(opts: EtcdServerOptions): EtcdServer {
  const limits: EtcdLimits = { ...DEFAULT_ETCD_LIMITS, ...(opts.limits ?? {}) };
  const closing = new AbortController();
  const member = opts.server;
  const authView = () => member.state().auth();
  const ctx = makeContext({
    server: guardFacade(member, authView),
    raw: member,
    clusterId: opts.clusterId,
    limits,
    logger: opts.logger ?? silentLogger,
    version: ETCD_API_VERSION,
    closing: closing.signal,
  });
  const pkgs = loadEtcdProtos();
  const pb = pkgs['etcdserverpb'] as grpc.GrpcObject;
  const service = (pkg: grpc.GrpcObject, name: string): grpc.ServiceDefinition => (pkg[name] as Ctor).service;
  const waits = new WaitCounter(limits.maxWaits);

  const server = new grpc.Server({
    'grpc.max_receive_message_length': limits.maxRequestBytes,
    // etcd clients ping idle connections (every 10 s at the least); accept that.
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    'grpc.max_concurrent_streams': 1_000,
  });
  const add = (pkg: grpc.GrpcObject, name: string, impl: object): void => {
    const def = service(pkg, name);
    server.addService(def, gateService(name, def, impl as Parameters<typeof gateService>[2], authView, () => member.readBarrier()));
  };
  add(pb, 'KV', kvService(ctx));
  add(pb, 'Watch', watchService(ctx));
  add(pb, 'Lease', leaseService(ctx));
  add(pb, 'Cluster', clusterService(ctx));
  add(pb, 'Maintenance', maintenanceService(ctx, opts.snapshot));
  add(pb, 'Auth', authService(ctx, { tokenTtlSeconds: opts.authTokenTtlSeconds ?? 300 }));
  add(pkgs['v3lockpb'] as grpc.GrpcObject, 'Lock', lockService(ctx, waits));
  add(pkgs['v3electionpb'] as grpc.GrpcObject, 'Election', electionService(ctx, waits));
  const credentials = opts.tls === undefined ? null : new ReloadableTlsCredentials(opts.tls);

  let bound = false;
  return {
    listen(host: string, port: number): Promise<number> {
      const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      return new Promise((res, rej) => {
        server.bindAsync(addr, credentials ?? grpc.ServerCredentials.createInsecure(), (err, p) => {
          if (err) return rej(err);
          bound = true;
          res(p);
        });
      });
    },
    setTls(tls: EtcdTls): void {
      invariant(credentials !== null, 'setTls on an etcd listener that serves plain text');
      credentials.update(tls);
    },
    close(): Promise<void> {
      closing.abort();
      if (!bound) return Promise.resolve();
      return new Promise((res) => {
        const force = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          res();
        });
      });
    },
  };
}
