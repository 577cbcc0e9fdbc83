// Kubernetes peer discovery for a StatefulSet behind a headless Service.
//
// A StatefulSet names its pods `<set>-<ordinal>` and the headless Service gives each a stable DNS
// name `<pod>.<service>.<namespace>.svc.<clusterDomain>`. From the pod's own name, the replica
// count and the service we can therefore write down the whole initial cluster without asking
// the Kubernetes API. `discoverK8sPeers` is pure; `k8sDiscoveryInputFromEnv` reads the variables
// the StatefulSet sets (see deploy/kubernetes/statefulset.yaml).
//
// Scaling: RAFTLOCK_REPLICAS is the number of FOUNDING members (the replicas the cluster was
// created with) and stays as it is when the StatefulSet is scaled, so scaling restarts no pod. A
// pod whose ordinal is at or beyond it is a scaled member: it starts with `join` and an initial
// cluster of the founders plus itself, and its daemon adds itself as a learner, waits to catch up
// and promotes itself, and removes itself again when it is stopped (src/node/scaling-controller.ts).

//
// TLS: with peer TLS on (peerCert/peerKey/peerCa set anywhere: file, environment or flags) every
// peer URL is https://, and with client TLS on every client URL is; the caller says which
// (src/config/config.ts looks at the merged settings before it asks for discovery).

import { ConfigError } from './errors.js';

export interface K8sDiscoveryInput {
  /** This pod's name, `<set>-<ordinal>` (from the downward API: metadata.name). */
  readonly podName: string;
  /** Number of founding members: the StatefulSet's replicas when the cluster was created. */
  readonly replicas: number;
  /** Name of the headless Service. */
  readonly service: string;
  readonly namespace: string;
  /** Base peer and client ports (member i uses base + i * portStride). */
  readonly peerPort: number;
  readonly clientPort: number;
  /**
   * Host for member i. Placeholders: `{i}`, `{i+N}` (ordinal plus a constant), `{name}` (pod name),
   * `{set}`, `{service}`, `{namespace}`, `{domain}`. Default
   * `{name}.{service}.{namespace}.svc.{domain}`. With a template set, members also listen on their
   * own templated host instead of 0.0.0.0, so a test can map the environment onto loopback
   * (`127.0.0.{i+1}`, or `127.0.0.1` with a port stride).
   */
  readonly hostTemplate?: string;
  /** Port offset between consecutive ordinals (default 0: every member uses the same ports). */
  readonly portStride?: number;
  /** Cluster DNS domain (default `cluster.local`). */
  readonly clusterDomain?: string;
  /** `https` when the peer port speaks (mutual) TLS, so every peer URL says so (default `http`). */
  readonly peerScheme?: 'http' | 'https';
  /** `https` when the client port speaks TLS (default `http`). */
  readonly clientScheme?: 'http' | 'https';
}

export interface DiscoveredMember {
  readonly name: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
}

export interface K8sDiscoveryResult {
  readonly name: string;
  readonly ordinal: number;
  /** The founders, plus this member when it is a scaled one. */
  readonly initialCluster: readonly DiscoveredMember[];
  /** Ordinal at or beyond the founders: join the running cluster (and leave it when stopped). */
  readonly scaled: boolean;
  readonly advertisePeerUrl: string;
  readonly advertiseClientUrl: string;
  readonly listenPeer: string;
  readonly listenClient: string;
}

export const DEFAULT_K8S_HOST_TEMPLATE = '{name}.{service}.{namespace}.svc.{domain}';
/** Upper bound on replicas accepted from the environment (Raft clusters stay small). */
export const MAX_K8S_REPLICAS = 15;

const POD_NAME_RE = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)-(\d+)$/;

function hostFor(template: string, vars: { i: number; name: string; set: string; service: string; namespace: string; domain: string }): string {
  const host = template.replace(/\{([a-z]+)(?:\+(\d+))?\}/g, (whole, key: string, plus: string | undefined) => {
    if (key === 'i') return String(vars.i + (plus === undefined ? 0 : Number(plus)));
    if (plus !== undefined) throw new ConfigError('k8sHostTemplate', `only {i+N} may add a number (got ${whole})`);
    switch (key) {
      case 'name': return vars.name;
      case 'set': return vars.set;
      case 'service': return vars.service;
      case 'namespace': return vars.namespace;
      case 'domain': return vars.domain;
      default: throw new ConfigError('k8sHostTemplate', `unknown placeholder ${whole}`);
    }
  });
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw new ConfigError('k8sHostTemplate', `produced an invalid host "${host}"`);
  return host;
}

function checkPort(field: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError(field, `must be a port in 1..65535 (got ${port})`);
}

/** The initial cluster and this member's identity and addresses, from StatefulSet facts. Pure. */
export function discoverK8sPeers(input: K8sDiscoveryInput): K8sDiscoveryResult {
  const m = POD_NAME_RE.exec(input.podName);
  if (m === null) throw new ConfigError('k8sDiscovery', `POD_NAME must look like <statefulset>-<ordinal> (got "${input.podName}")`);
  const set = m[1]!;
  const ordinal = Number(m[3]);
  if (!Number.isInteger(input.replicas) || input.replicas < 1 || input.replicas > MAX_K8S_REPLICAS) {
    throw new ConfigError('k8sDiscovery', `RAFTLOCK_REPLICAS must be an integer in 1..${MAX_K8S_REPLICAS} (got ${input.replicas})`);
  }
  if (ordinal >= MAX_K8S_REPLICAS) {
    throw new ConfigError('k8sDiscovery', `pod ordinal ${ordinal} is beyond the ${MAX_K8S_REPLICAS} members a raftlock cluster may have`);
  }
  if (input.service === '') throw new ConfigError('k8sDiscovery', 'RAFTLOCK_SERVICE must name the headless service');
  if (input.namespace === '') throw new ConfigError('k8sDiscovery', 'POD_NAMESPACE must not be empty');
  const stride = input.portStride ?? 0;
  if (!Number.isInteger(stride) || stride < 0 || stride > 1000) throw new ConfigError('k8sDiscovery', `port stride must be an integer in 0..1000 (got ${stride})`);
  checkPort('listenPeer', input.peerPort);
  checkPort('listenClient', input.clientPort);
  const template = input.hostTemplate ?? DEFAULT_K8S_HOST_TEMPLATE;
  const domain = input.clusterDomain ?? 'cluster.local';
  const peerScheme = input.peerScheme ?? 'http';
  const clientScheme = input.clientScheme ?? 'http';

  const members: DiscoveredMember[] = [];
  const hosts: string[] = [];
  const scaled = ordinal >= input.replicas;
  for (let i = 0; i < input.replicas || (scaled && i <= ordinal); i++) {
    const name = `${set}-${i}`;
    const host = hostFor(template, { i, name, set, service: input.service, namespace: input.namespace, domain });
    const peerPort = input.peerPort + i * stride;
    const clientPort = input.clientPort + i * stride;
    checkPort('listenPeer', peerPort);
    checkPort('listenClient', clientPort);
    hosts.push(host);
    members.push({ name, peerUrl: `${peerScheme}://${host}:${peerPort}`, clientUrl: `${clientScheme}://${host}:${clientPort}` });
  }
  const self = members[ordinal]!;
  const bindHost = input.hostTemplate === undefined ? '0.0.0.0' : hosts[ordinal]!;
  return {
    name: self.name,
    ordinal,
    // Scaled members between the founders and this one may or may not exist: leave them out.
    initialCluster: scaled ? [...members.slice(0, input.replicas), self] : members,
    scaled,
    advertisePeerUrl: self.peerUrl,
    advertiseClientUrl: self.clientUrl,
    listenPeer: `${bindHost}:${input.peerPort + ordinal * stride}`,
    listenClient: `${bindHost}:${input.clientPort + ordinal * stride}`,
  };
}

function intFromEnv(env: Record<string, string | undefined>, key: string): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new ConfigError('k8sDiscovery', `${key} must be a non-negative integer (got "${raw}")`);
  return Number(raw);
}

/**
 * Reads POD_NAME, POD_NAMESPACE, RAFTLOCK_REPLICAS, RAFTLOCK_SERVICE and the optional
 * RAFTLOCK_K8S_HOST_TEMPLATE, RAFTLOCK_K8S_PORT_STRIDE, RAFTLOCK_K8S_CLUSTER_DOMAIN.
 */
export function k8sDiscoveryInputFromEnv(
  env: Record<string, string | undefined>,
  ports: { peerPort: number; clientPort: number },
  schemes: { peerScheme?: 'http' | 'https'; clientScheme?: 'http' | 'https' } = {},
): K8sDiscoveryInput {
  const need = (key: string): string => {
    const v = env[key];
    if (v === undefined || v === '') throw new ConfigError('k8sDiscovery', `${key} must be set when Kubernetes discovery is on`);
    return v;
  };
  const tmpl = env['RAFTLOCK_K8S_HOST_TEMPLATE'];
  const domain = env['RAFTLOCK_K8S_CLUSTER_DOMAIN'];
  const stride = intFromEnv(env, 'RAFTLOCK_K8S_PORT_STRIDE');
  const replicas = intFromEnv(env, 'RAFTLOCK_REPLICAS');
  if (replicas === undefined) need('RAFTLOCK_REPLICAS');
  return {
    podName: need('POD_NAME'),
    namespace: need('POD_NAMESPACE'),
    service: need('RAFTLOCK_SERVICE'),
    replicas: replicas!,
    peerPort: ports.peerPort,
    clientPort: ports.clientPort,
    ...schemes,
    ...(tmpl !== undefined && tmpl !== '' ? { hostTemplate: tmpl } : {}),
    ...(stride !== undefined ? { portStride: stride } : {}),
    ...(domain !== undefined && domain !== '' ? { clusterDomain: domain } : {}),
  };
}
