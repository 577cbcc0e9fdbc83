// etcd/: the etcd v3 gRPC API over the Server facade (a second client API beside api/).

export { createEtcdServer, loadEtcdProtos, ETCD_API_VERSION, PROTO_DIR, PROTO_FILES, PROTO_IMPORTS, type EtcdServer, type EtcdServerOptions, type EtcdTls } from './etcd-server.js';
export { METHOD_NEEDS, type Need } from './auth-gate.js';
export { memberFromPeerUrl, type SnapshotStream } from './cluster-service.js';
export { DEFAULT_ETCD_LIMITS, type EtcdLimits } from './context.js';
export { clusterIdFor, leaseIdFromEtcd, leaseIdToEtcd } from './codec.js';
export { ETCD_ERRORS, EtcdError, toEtcdError } from './errors.js';
