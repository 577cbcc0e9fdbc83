// The etcd v3 gRPC listener: etcd's services (KV, Watch, Lease, Cluster, Maintenance, Lock,
// Election) over the Server facade, on a grpc-js server of its own. cmd/ owns the listening
// address; this module sees only the facade.
//
// The .proto files are raftlock's own (src/etcd/proto), loaded at run time with
// @grpc/proto-loader from the source tree, which the published package ships as well.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { silentLogger, type ApiLogger } from '../api/logger.js';
import type { ServerFacade } from '../api/server-facade.js';
import { clusterService, maintenanceService } from './cluster-service.js';
import { DEFAULT_ETCD_LIMITS, makeContext, WaitCounter, type EtcdLimits } from './context.js';
import { electionService } from './election-service.js';
import { kvService } from './kv-service.js';
import { leaseService } from './lease-service.js';
import { lockService } from './lock-service.js';
import { watchService } from './watch-service.js';

const here = dirname(fileURLToPath(import.meta.url));
/** src/etcd/proto, found from src/etcd or from the compiled dist/src/etcd. */
export const PROTO_DIR = existsSync(resolve(here, 'proto', 'rpc.proto')) ? resolve(here, 'proto') : resolve(here, '../../../src/etcd/proto');

export const PROTO_FILES = ['rpc.proto', 'v3lock.proto', 'v3election.proto'] as const;

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

export interface EtcdServerOptions {
  server: ServerFacade;
  /** etcd's cluster id (uint64, decimal); see clusterIdFor(). */
  clusterId: string;
  limits?: Partial<EtcdLimits>;
  logger?: ApiLogger;
}

export interface EtcdServer {
  /** Listen on host:port; resolves with the bound port. */
  listen(host: string, port: number): Promise<number>;
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

export function createEtcdServer(opts: EtcdServerOptions): EtcdServer {
  const limits: EtcdLimits = { ...DEFAULT_ETCD_LIMITS, ...(opts.limits ?? {}) };
  const closing = new AbortController();
  const ctx = makeContext({
    server: opts.server,
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
  server.addService(service(pb, 'KV'), kvService(ctx) as unknown as grpc.UntypedServiceImplementation);
  server.addService(service(pb, 'Watch'), watchService(ctx) as unknown as grpc.UntypedServiceImplementation);
  server.addService(service(pb, 'Lease'), leaseService(ctx) as unknown as grpc.UntypedServiceImplementation);
  server.addService(service(pb, 'Cluster'), clusterService(ctx) as unknown as grpc.UntypedServiceImplementation);
  server.addService(service(pb, 'Maintenance'), maintenanceService(ctx) as unknown as grpc.UntypedServiceImplementation);
  server.addService(service(pkgs['v3lockpb'] as grpc.GrpcObject, 'Lock'), lockService(ctx, waits) as unknown as grpc.UntypedServiceImplementation);
  server.addService(service(pkgs['v3electionpb'] as grpc.GrpcObject, 'Election'), electionService(ctx, waits) as unknown as grpc.UntypedServiceImplementation);

  let bound = false;
  return {
    listen(host: string, port: number): Promise<number> {
      const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      return new Promise((res, rej) => {
        server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, p) => {
          if (err) return rej(err);
          bound = true;
          res(p);
        });
      });
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
