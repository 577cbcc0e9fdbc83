#!/usr/bin/env node
// raftlockd: one raftlock member. The only place that reads config and picks the concrete
// storage (RocksDB), transport (TCP), clock and logger, and wires them to the driver and the API.

import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { Command } from 'commander';
import { pino } from 'pino';
import { createApi, createHttpServer, operatorOnly } from '../src/api/index.js';
import { clusterIdFor, createEtcdServer, type EtcdServer } from '../src/etcd/index.js';
import { ConfigError, addConfigOptions, apiLimitsOf, loadConfig, memberIdFor, type Config } from '../src/config/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { Member, type MemberTestHooks } from '../src/node/member.js';
import { ScalingController } from '../src/node/scaling-controller.js';
import { exportSnapshot } from '../src/node/snapshot-export.js';
import { SplitMix32 } from '../src/raft/index.js';
import { DiskUsageSampler, RocksRaftStore, directoryBytes } from '../src/storage/index.js';
import { PeerTransport } from '../src/transport/index.js';
import { TlsFileError, TlsReloader, type TlsMaterial } from '../src/tls/index.js';
import { paddedForEtcdctl } from './lib/etcd-snapshot.js';
import { systemClock } from './lib/system-clock.js';
import { clientMembershipAdmin } from './lib/scaling-admin.js';
import { apiMetricsOf, nodeMetricsOf, requestCountsOf } from './lib/wire-metrics.js';

const VERSION = '0.1.0';
/** How long a scaled member's stop may spend removing it from the cluster (inside the pod's
 *  30 s termination grace period, which the leadership handover and the drain also need). */
const LEAVE_TIMEOUT_MS = 10_000;
/** How stale raftlock_storage_size_bytes may be: one directory walk per this many ms at most. */
const DISK_USAGE_MAX_AGE_MS = 5_000;

/** `testHooks` exist for the fault-injection suite only (test/helpers/unsafe-raftlockd.ts): no
 *  config field, flag or environment variable sets them, and main() below never passes any. */
export async function runDaemon(config: Config, testHooks?: MemberTestHooks): Promise<{ stop(): Promise<void>; reloadTls(): void }> {
  const logger = pino({ level: config.logLevel, base: { member: config.name } });
  const metrics = createMetrics({ defaultMetrics: true });
  metrics.setMemberInfo({ name: config.name, memberId: config.memberId, version: VERSION });

  if (testHooks !== undefined) {
    logger.warn({ testHooks: Object.keys(testHooks) }, 'UNSAFE TEST HOOKS ENABLED: this member breaks raftlock\'s guarantees on purpose');
  }
  // Certificates are read and checked before anything listens: a bad file stops the start.
  const tlsLogger = logger.child({ component: 'tls' });
  const peerTls = config.tls.peer === null ? null : new TlsReloader({ label: 'peer TLS', paths: config.tls.peer, logger: tlsLogger });
  const clientTls = config.tls.client === null
    ? null
    : new TlsReloader({ label: 'client TLS', paths: { cert: config.tls.client.cert, key: config.tls.client.key, ...(config.tls.client.ca !== null ? { ca: config.tls.client.ca } : {}) }, logger: tlsLogger });
  const reloaders = [peerTls, clientTls].filter((r): r is TlsReloader => r !== null);
  mkdirSync(config.dataDir, { recursive: true });
  const store = new RocksRaftStore(config.dataDir, { syncDelayMs: config.testing.syncDelayMs });
  await store.open();

  let member: Member | null = null;
  const nameOf = new Map(config.initialCluster.map((m) => [m.id, m.name]));
  const transport = new PeerTransport({
    selfId: config.memberId,
    clusterId: config.clusterToken,
    listen: config.listenPeerAddress,
    onMessage: (m) => member?.handlePeerMessage(m),
    onRequest: async (from, payload) => {
      if (!member) throw Object.assign(new Error('member is starting'), { code: 'NOT_READY' });
      return member.handlePeerRequest(from, payload);
    },
    onSnapshotStatus: (to, ok) => member?.reportSnapshot(to, ok),
    onUnreachable: (to) => member?.reportUnreachable(to),
    logger: logger.child({ component: 'transport' }),
    ...(peerTls !== null && config.tls.peer !== null
      ? { tls: { ...peerMaterial(peerTls.current()), allowedNames: config.tls.peer.allowedNames } }
      : {}),
  });
  peerTls?.onChange((m) => transport.setTls(peerMaterial(m)));
  await listening('listenPeer', config.listenPeer, () => transport.start());

  const self = { id: config.memberId, name: config.name, peerUrl: config.advertisePeerUrl, clientUrl: config.advertiseClientUrl };
  member = await Member.start({
    self,
    initialMembers: config.initialCluster.map((m) => ({ id: m.id, name: m.name, peerUrl: m.peerUrl, clientUrl: m.clientUrl })),
    join: config.join,
    tickMs: config.tickMs,
    electionTicks: config.electionTicks,
    heartbeatTicks: config.heartbeatTicks,
    snapshotThreshold: config.snapshotThreshold,
    historyRevisions: config.historyRevisions,
    maxPendingProposals: config.limits.maxPendingProposals,
    maxWatchers: config.limits.maxWatchers,
    requestTimeoutMs: config.limits.requestTimeoutMs,
    memberIdFor: (name) => memberIdFor(name, config.clusterToken),
    log: store,
    peers: transport,
    clock: systemClock,
    rng: new SplitMix32(randomInt(0, 2 ** 31)),
    logger: logger.child({ component: 'raft' }),
    metrics: nodeMetricsOf(metrics),
  }, testHooks);
  const theMember = member;

  // Transport counters live in the transport; at scrape time their growth since the last scrape
  // is added to the Prometheus counters (which only go up) and the last RTT is observed.
  const seen = new Map<string, number>();
  const grow = (key: string, now: number): number => {
    const before = seen.get(key) ?? 0;
    seen.set(key, now);
    return Math.max(0, now - before);
  };
  const syncTransportMetrics = (): void => {
    const st = transport.stats();
    const names = new Map(theMember.cluster().members.map((m) => [Number(m.id), m.name]));
    for (const [id, ps] of st.peers) {
      const peer = names.get(id) ?? nameOf.get(id) ?? String(id);
      metrics.transport.peerSendFailures.inc({ peer }, grow(`fail:${id}`, ps.sendFailures));
      metrics.transport.sentBytes.inc({ peer }, grow(`sent:${id}`, ps.bytesSent));
      metrics.transport.receivedBytes.inc({ peer }, grow(`recv:${id}`, ps.bytesReceived));
      metrics.transport.peerConnected.set({ peer }, ps.connected ? 1 : 0);
      metrics.raft.snapshotSentBytes.inc(grow(`snapsent:${id}`, ps.snapshotBytesSent));
      if (ps.rttSeconds !== undefined) metrics.transport.peerRtt.observe({ peer }, ps.rttSeconds);
    }
    metrics.raft.snapshotReceivedBytes.inc(grow('snaprecv', st.snapshotBytesReceived));
  };
  // The data directory's size is walked at most every few seconds, however often it is scraped.
  const diskUsage = new DiskUsageSampler(config.dataDir, DISK_USAGE_MAX_AGE_MS, () => performance.now());
  const syncStateMetrics = async (): Promise<void> => {
    const s = theMember.stateStats();
    metrics.state.keys.set(s.keys);
    metrics.state.revision.set(s.revision);
    metrics.state.compactRevision.set(s.compactRevision);
    metrics.storage.writtenBytes.inc(grow('written', store.writtenBytes));
    metrics.storage.sizeBytes.set(await diskUsage.bytes());
  };
  // One backup source for GET /v1/maintenance/snapshot and the etcd API's Maintenance.Snapshot.
  const snapshot = (signal: AbortSignal) => exportSnapshot({ ...theMember.stateCut(), member: { name: config.name, id: String(config.memberId) }, clock: systemClock }, new Date(), signal);
  const api = createApi({
    server: theMember,
    limits: apiLimitsOf(config.limits),
    metrics: apiMetricsOf(metrics),
    requestCounts: requestCountsOf(metrics),
    logger: logger.child({ component: 'api' }),
    authTokenTtlSeconds: config.authTokenTtlSeconds,
    maintenance: {
      snapshot,
      defragment: async () => {
        const beforeBytes = await directoryBytes(config.dataDir);
        await store.compactStorage();
        return { beforeBytes, afterBytes: await directoryBytes(config.dataDir) };
      },
    },
    metricsHandler: async (ctx) => {
      const st = theMember.status();
      metrics.raft.commitIndex.set(st.commit);
      metrics.raft.appliedIndex.set(st.applied);
      metrics.raft.leaderId.set(st.lead);
      metrics.raft.members.set(theMember.cluster().members.filter((m) => m.role !== 'learner').length);
      syncTransportMetrics();
      await syncStateMetrics();
      ctx.set('Content-Type', metrics.contentType);
      ctx.body = await metrics.render();
    },
  });

  const server = createHttpServer(api, { ...config.http, ...(clientTls !== null ? { tls: clientTlsOptions(clientTls.current()) } : {}) });
  clientTls?.onChange((m) => (server as https.Server).setSecureContext(clientTlsOptions(m)));
  await listening('listenClient', config.listenClient, () => listen(server, config.listenClientAddress));
  const operatorServer = config.listenMetricsAddress === null ? null : http.createServer(operatorOnly(api.app.callback()));
  if (operatorServer !== null && config.listenMetrics !== null && config.listenMetricsAddress !== null) {
    const addr = config.listenMetricsAddress;
    await listening('listenMetrics', config.listenMetrics, () => listen(operatorServer, addr));
  }
  const reloadTls = (): void => {
    for (const r of reloaders) r.reload();
  };
  let etcd: EtcdServer | null = null;
  if (config.listenEtcdAddress) {
    etcd = createEtcdServer({
      // The same users, tokens and permissions as /v1 (src/etcd/auth-gate.ts).
      server: theMember,
      authTokenTtlSeconds: config.authTokenTtlSeconds,
      snapshot: async (signal) => paddedForEtcdctl(await snapshot(signal)),
      // TLS with the client port's certificates (and its CA: client certificates required).
      ...(clientTls !== null ? { tls: etcdTlsOf(clientTls.current()) } : {}),
      clusterId: clusterIdFor(config.clusterToken),
      limits: {
        maxKeyBytes: config.limits.maxKeyBytes,
        maxValueBytes: config.limits.maxValueBytes,
        maxRequestBytes: config.limits.maxBodyBytes,
        maxTxnOps: config.limits.maxTxnOps,
        // etcd grants no lease shorter than 1.5 election timeouts.
        minLeaseTtlSeconds: Math.ceil((1.5 * config.electionTimeoutMs) / 1000),
      },
      logger: logger.child({ component: 'etcd' }),
    });
    const { host, port: wanted } = config.listenEtcdAddress;
    const theEtcd = etcd;
    clientTls?.onChange((m) => theEtcd.setTls(etcdTlsOf(m)));
    const port = await listening('listenEtcd', config.listenEtcd ?? '', () => theEtcd.listen(host, wanted));
    logger.info({ listenEtcd: `${config.listenEtcdAddress.host}:${port}`, tls: clientTls !== null }, 'etcd v3 API listening');
  }
  logger.info(
    { clientUrl: config.advertiseClientUrl, peerUrl: config.advertisePeerUrl, id: config.memberId, dataDir: config.dataDir },
    'raftlock member started',
  );

  // A pod beyond the StatefulSet's founders joins as a learner, promotes itself once caught up,
  // and leaves the cluster when it stops (see src/node/scaling-controller.ts).
  let scaling: { controller: ScalingController; close(): Promise<void> } | null = null;
  if (config.k8sDiscovery && config.join) {
    const others = config.initialCluster.filter((m) => m.id !== config.memberId).map((m) => m.clientUrl);
    const { admin, close } = clientMembershipAdmin(others, config.limits.requestTimeoutMs);
    const controller = new ScalingController({
      self,
      admin,
      appliedIndex: () => theMember.status().applied,
      clock: systemClock,
      logger: logger.child({ component: 'scaling' }),
    });
    controller.start();
    scaling = { controller, close };
  }

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (scaling !== null) {
        logger.info('shutting down: removing this scaled member from the cluster');
        await scaling.controller.leave(LEAVE_TIMEOUT_MS);
        await scaling.close();
      }
      logger.info('shutting down: handing over leadership, draining requests');
      // Hand leadership over first, while still serving, so in-flight writes can finish.
      await theMember.stop({ transferLeadership: true });
      await etcd?.close();
      await api.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      if (operatorServer !== null) await new Promise<void>((resolve) => operatorServer.close(() => resolve()));
      for (const r of reloaders) r.stop();
      await transport.stop();
      await store.close();
      logger.info('stopped cleanly');
    })();
    return stopping;
  };
  return { stop, reloadTls };
}

/** Client TLS: TLS 1.2 at least; with a CA, a client certificate it signed is required. */
function clientTlsOptions(m: TlsMaterial): https.ServerOptions {
  return {
    cert: m.cert,
    key: m.key,
    minVersion: 'TLSv1.2',
    ...(m.ca !== undefined ? { ca: m.ca, requestCert: true, rejectUnauthorized: true } : {}),
  };
}

function etcdTlsOf(m: TlsMaterial): { cert: Buffer; key: Buffer; ca?: Buffer } {
  return { cert: m.cert, key: m.key, ...(m.ca !== undefined ? { ca: m.ca } : {}) };
}

function peerMaterial(m: TlsMaterial): { cert: Buffer; key: Buffer; ca: Buffer } {
  if (m.ca === undefined) throw new Error('peer TLS material without a CA');
  return { cert: m.cert, key: m.key, ca: m.ca };
}

function listen(server: http.Server, addr: { host: string; port: number }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A listen that failed (port taken, no such local address, no permission), in one line. */
export class ListenError extends Error {}

const LISTEN_REASONS: Record<string, string> = { EADDRINUSE: 'the address is already in use', EADDRNOTAVAIL: 'no such local address', EACCES: 'permission denied' };

/** Runs `listen`; a failure becomes a ListenError naming the address and the setting. */
async function listening<T>(what: string, address: string, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err?.syscall !== 'listen') throw e;
    throw new ListenError(`cannot listen on ${address} (${what}): ${LISTEN_REASONS[err.code ?? ''] ?? err.code ?? err.message}`, { cause: e });
  }
}

/** The daemon's command line; `testHooks` only from the test-only entry (see runDaemon). */
export async function main(argv: string[] = process.argv, testHooks?: MemberTestHooks): Promise<void> {
  const program = new Command('raftlockd')
    .description('raftlock member daemon: Raft-replicated keys, leases, locks and watches')
    .version(VERSION)
    .allowUnknownOption(false);
  addConfigOptions(program);
  program.parse(argv);

  let config: Config;
  try {
    config = loadConfig({ argv: argv.slice(2), env: process.env, cwd: process.cwd() });
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`raftlockd: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  let d: Awaited<ReturnType<typeof runDaemon>>;
  try {
    d = await runDaemon(config, testHooks);
  } catch (e) {
    if (e instanceof TlsFileError) {
      process.stderr.write(`raftlockd: ${e.message}\n`);
      process.exit(2);
    }
    if (!(e instanceof ListenError)) throw e;
    process.stderr.write(`raftlockd: ${e.message}\n`);
    process.exit(1);
  }
  let signals = 0;
  const onSignal = (sig: string) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`raftlockd: second ${sig}, exiting now\n`);
      process.exit(1);
    }
    d.stop().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`raftlockd: error during shutdown: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  // SIGHUP re-reads the certificate files at once (they are also polled for changes).
  process.on('SIGHUP', () => d.reloadTls());
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`raftlockd: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
