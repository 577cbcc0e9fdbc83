// The one table of settable fields. It drives the environment variable names
// (`RAFTLOCK_<SNAKE_PATH>`), the CLI flags (`--kebab-path`), their string parsing and `--help`.

import { Command, Option } from 'commander';
import { ConfigError } from './errors.js';
import { LIMIT_NAMES, LIMIT_SPECS } from './limits.js';

export type FieldKind = 'string' | 'int' | 'bool' | 'cluster';

export interface FieldSpec {
  /** Path in the YAML document, e.g. ['limits', 'maxBodyBytes']. */
  readonly path: readonly string[];
  readonly kind: FieldKind;
  readonly description: string;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const CONFIG_FIELDS: readonly FieldSpec[] = [
  { path: ['name'], kind: 'string', description: 'member name, unique in the cluster (default "default")' },
  { path: ['dataDir'], kind: 'string', description: 'directory for the Raft log, snapshots and state (default ./data/<name>)' },
  { path: ['listenClient'], kind: 'string', description: 'host:port for the client REST/WebSocket API (default 127.0.0.1:7379)' },
  { path: ['listenPeer'], kind: 'string', description: 'host:port for peer traffic (default 127.0.0.1:7380)' },
  { path: ['advertiseClientUrl'], kind: 'string', description: 'client URL other members and clients use to reach this member (default from initialCluster or listenClient)' },
  { path: ['advertisePeerUrl'], kind: 'string', description: 'peer URL other members use to reach this member (default from initialCluster or listenPeer)' },
  { path: ['initialCluster'], kind: 'cluster', description: 'initial members as name=peerUrl|clientUrl,... e.g. n1=http://10.0.0.1:7380|http://10.0.0.1:7379,n2=...' },
  { path: ['clusterToken'], kind: 'string', description: 'cluster identity; members of different tokens refuse each other (default "raftlock")' },
  { path: ['join'], kind: 'bool', description: 'this is a new member joining an existing cluster (do not bootstrap)' },
  { path: ['heartbeatIntervalMs'], kind: 'int', description: 'leader heartbeat interval in ms (default 100)' },
  { path: ['electionTimeoutMs'], kind: 'int', description: 'election timeout in ms, at least 5 x heartbeat (default 1000)' },
  { path: ['tickMs'], kind: 'int', description: 'Raft tick in ms (default heartbeatIntervalMs / 2)' },
  { path: ['snapshotThreshold'], kind: 'int', description: 'applied entries between snapshots (default 100000, as etcd --snapshot-count)' },
  { path: ['historyRevisions'], kind: 'int', description: 'key revisions kept for watches and historical reads (default 10000)' },
  { path: ['logLevel'], kind: 'string', description: `log level: ${LOG_LEVELS.join(', ')} (default info)` },
  // etcd v3 gRPC API (src/etcd): off unless given.
  { path: ['listenEtcd'], kind: 'string', description: 'host:port for the etcd v3 gRPC API (default off)' },
  ...limitFields(),
  // Transport security (docs/security.md)
  { path: ['clientCert'], kind: 'string', description: 'PEM certificate chain for the client port: serve the API over https and watches over wss (with clientKey)' },
  { path: ['clientKey'], kind: 'string', description: 'PEM private key of clientCert' },
  { path: ['clientCa'], kind: 'string', description: 'PEM CA bundle: clients must present a certificate signed by it (client certificate authentication)' },
  { path: ['peerCert'], kind: 'string', description: 'PEM certificate chain for peer traffic, presented both ways (mutual TLS; with peerKey and peerCa)' },
  { path: ['peerKey'], kind: 'string', description: 'PEM private key of peerCert' },
  { path: ['peerCa'], kind: 'string', description: 'PEM CA bundle that signs every member\'s peer certificate' },
  { path: ['peerAllowedNames'], kind: 'string', description: 'comma list of certificate names (DNS/IP SAN or CN; "*.suffix" wildcards) allowed to connect as peers (default: any the peer CA signed)' },
  { path: ['authTokenTtlSeconds'], kind: 'int', description: 'lifetime of the tokens POST /v1/auth/authenticate issues, in seconds (default 300)' },
  { path: ['listenMetrics'], kind: 'string', description: 'host:port for a plain-HTTP listener serving only /metrics, /livez and /readyz (default: none)' },
  { path: ['testing', 'syncDelayMs'], kind: 'int', description: 'TEST HOOK: extra delay added to every storage sync (default 0)' },
  // The client API's node:http server (src/api/http-server.ts).
  { path: ['http', 'headersTimeoutMs'], kind: 'int', description: 'longest wait for a request line and headers, ms; then 408 and close (default 10000)' },
  { path: ['http', 'requestTimeoutMs'], kind: 'int', description: 'longest wait for a whole request, headers and body, ms; then 408 and close; not the wait for the answer (default 30000)' },
  { path: ['http', 'keepAliveTimeoutMs'], kind: 'int', description: 'idle time before a keep-alive connection is closed, ms; keep it above the load balancer\'s idle timeout (default 65000)' },
  { path: ['http', 'maxConnections'], kind: 'int', description: 'most open client connections, REST and WebSocket; further ones are closed at once (default 25000)' },
];

/** `limits.<name>` for every limit in LIMIT_SPECS (the API's and the member's). */
function limitFields(): FieldSpec[] {
  return LIMIT_NAMES.map((name) => {
    const spec = LIMIT_SPECS[name];
    return { path: ['limits', name], kind: 'int', description: `${spec.description} (default ${spec.default}, at most ${spec.max})` };
  });
}

function camelToSnake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}
function camelToKebab(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** `['limits','maxBodyBytes']` -> `RAFTLOCK_LIMITS_MAX_BODY_BYTES`. */
export function envNameFor(path: readonly string[]): string {
  return `RAFTLOCK_${path.map(camelToSnake).join('_')}`;
}
/** `['limits','maxBodyBytes']` -> `limits-max-body-bytes` (the flag is `--limits-max-body-bytes`). */
export function flagNameFor(path: readonly string[]): string {
  return path.map(camelToKebab).join('-');
}
/** The key commander stores a flag under: `limitsMaxBodyBytes`. */
function commanderKey(path: readonly string[]): string {
  return flagNameFor(path).replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Options that are not config fields but steer loading. */
export const META_OPTIONS = {
  config: { flag: 'config', env: 'RAFTLOCK_CONFIG', description: 'path of the YAML config file' },
  k8sDiscovery: { flag: 'k8s-discovery', env: 'RAFTLOCK_K8S_DISCOVERY', description: 'derive name and initial cluster from the StatefulSet environment (POD_NAME, RAFTLOCK_REPLICAS, RAFTLOCK_SERVICE, POD_NAMESPACE)' },
} as const;

/** Commander option definitions for every config flag (use them in cmd/ for `--help`). */
export function configOptions(): Option[] {
  const opts: Option[] = [
    new Option(`--${META_OPTIONS.config.flag} <path>`, `${META_OPTIONS.config.description} [env ${META_OPTIONS.config.env}]`),
    new Option(`--${META_OPTIONS.k8sDiscovery.flag}`, `${META_OPTIONS.k8sDiscovery.description} [env ${META_OPTIONS.k8sDiscovery.env}=true]`),
  ];
  for (const f of CONFIG_FIELDS) {
    const flag = flagNameFor(f.path);
    const help = `${f.description} [env ${envNameFor(f.path)}]`;
    opts.push(f.kind === 'bool' ? new Option(`--${flag}`, help) : new Option(`--${flag} <value>`, help));
  }
  return opts;
}

/** Adds every config option to a commander Command; returns the command. */
export function addConfigOptions(cmd: Command): Command {
  for (const o of configOptions()) cmd.addOption(o);
  return cmd;
}

export interface ParsedArgs {
  readonly configPath?: string;
  readonly k8sDiscovery?: boolean;
  /** Field values as given on the command line, keyed by dotted path. */
  readonly values: ReadonlyMap<string, string | boolean>;
}

/**
 * Parses user arguments (process.argv.slice(2)) with commander. Unknown options, missing values
 * and positional arguments are errors. `--help` is not handled here: cmd/ shows it.
 */
export function parseConfigArgs(argv: readonly string[]): ParsedArgs {
  const cmd = new Command('raftlockd');
  cmd.helpOption(false).exitOverride().allowExcessArguments(false).configureOutput({ writeOut: () => {}, writeErr: () => {} });
  addConfigOptions(cmd);
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (err) {
    const msg = (err as Error).message.replace(/^error: /, '');
    throw new ConfigError('', `command line: ${msg}`, { cause: err });
  }
  const o = cmd.opts<Record<string, string | boolean | undefined>>();
  const values = new Map<string, string | boolean>();
  for (const f of CONFIG_FIELDS) {
    const v = o[commanderKey(f.path)];
    if (v !== undefined) values.set(f.path.join('.'), v);
  }
  const configPath = o['config'];
  const k8s = o['k8sDiscovery'];
  return {
    values,
    ...(typeof configPath === 'string' ? { configPath } : {}),
    ...(k8s === true ? { k8sDiscovery: true } : {}),
  };
}
