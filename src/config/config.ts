// Configuration: defaults < YAML file < Kubernetes discovery < environment < CLI flags,
// validated with zod, completed with derived values, deep-frozen.

import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { load as loadYaml } from 'js-yaml';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { CONFIG_FIELDS, LOG_LEVELS, META_OPTIONS, envNameFor, flagNameFor, parseConfigArgs, type FieldSpec } from './fields.js';
import { discoverK8sPeers, k8sDiscoveryInputFromEnv } from './k8s-discovery.js';
import { DEFAULT_LIMITS, LIMIT_NAMES, LIMIT_SPECS, type Limits } from './limits.js';
import { memberIdFor } from './member-id.js';

export { DEFAULT_LIMITS, type Limits };

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface ClusterMember {
  /** memberIdFor(name, clusterToken). */
  readonly id: number;
  readonly name: string;
  readonly peerUrl: string;
  readonly clientUrl: string;
}

export interface Config {
  readonly name: string;
  /** memberIdFor(name, clusterToken). */
  readonly memberId: number;
  /** Absolute path. */
  readonly dataDir: string;
  /** As given ("host:port"), and parsed. */
  readonly listenClient: string;
  readonly listenClientAddress: HostPort;
  readonly listenPeer: string;
  readonly listenPeerAddress: HostPort;
  /** The etcd v3 gRPC listener ("host:port" and parsed), or null when off. */
  readonly listenEtcd: string | null;
  readonly listenEtcdAddress: HostPort | null;
  /** `http://host:port`, no trailing slash. */
  readonly advertiseClientUrl: string;
  readonly advertisePeerUrl: string;
  /** Always contains this member. */
  readonly initialCluster: readonly ClusterMember[];
  readonly clusterToken: string;
  readonly join: boolean;
  readonly heartbeatIntervalMs: number;
  readonly electionTimeoutMs: number;
  readonly tickMs: number;
  /** floor(heartbeatIntervalMs / tickMs), >= 1. The driver passes it to the Raft core. */
  readonly heartbeatTicks: number;
  /** floor(electionTimeoutMs / tickMs), > heartbeatTicks. The driver passes it to the Raft core. */
  readonly electionTicks: number;
  readonly snapshotThreshold: number;
  readonly historyRevisions: number;
  readonly logLevel: LogLevel;
  readonly limits: Limits;
  /** Test hook: a delay added to every storage sync. The switches that break guarantees on
   *  purpose are not config at all: only a test builds a member with them (node/test-hooks.ts). */
  readonly testing: { readonly syncDelayMs: number };
  /** Transport security; null where a listener speaks plain TCP/HTTP. Paths are absolute. */
  readonly tls: TlsConfig;
  /** Lifetime of auth tokens, seconds. */
  readonly authTokenTtlSeconds: number;
  /** A plain-HTTP listener for /metrics, /livez and /readyz only, or null. */
  readonly listenMetrics: string | null;
  readonly listenMetricsAddress: HostPort | null;
  /** The client API's HTTP server: time limits and connection cap. */
  readonly http: HttpServerConfig;
  /** Absolute path of the YAML file read, or null. */
  readonly configFile: string | null;
  /** True when the name and initial cluster came from Kubernetes discovery. */
  readonly k8sDiscovery: boolean;
}

export interface TlsConfig {
  /** https/wss on the client port; `ca` turns on client certificate authentication. */
  readonly client: { readonly cert: string; readonly key: string; readonly ca: string | null } | null;
  /** Mutual TLS on every peer connection; `allowedNames` empty means any name the CA signed. */
  readonly peer: { readonly cert: string; readonly key: string; readonly ca: string; readonly allowedNames: readonly string[] } | null;
}

export interface HttpServerConfig {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
}

/** Defaults for a member behind a load balancer (reasons in src/api/http-server.ts, which has
 *  the same values). */
export const DEFAULT_HTTP: HttpServerConfig = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 25_000,
});

export const DEFAULTS = Object.freeze({
  name: 'default',
  listenClient: '127.0.0.1:7379',
  listenPeer: '127.0.0.1:7380',
  clusterToken: 'raftlock',
  join: false,
  heartbeatIntervalMs: 100,
  electionTimeoutMs: 1000,
  snapshotThreshold: 100_000,
  historyRevisions: 10_000,
  logLevel: 'info' as LogLevel,
  limits: DEFAULT_LIMITS,
  testing: Object.freeze({ syncDelayMs: 0 }),
  http: DEFAULT_HTTP,
});

/** Most members in an initial cluster. Raft clusters stay small; 7 is already unusual. */
export const MAX_MEMBERS = 15;

// ---------------------------------------------------------------------------------------------
// Parsing helpers

/** Parses "host:port", "[v6]:port". Port 0 is allowed (listen on a free port). */
export function parseHostPort(s: string): HostPort {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(s);
  if (m === null) throw new Error(`expected host:port (got "${s}")`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`port must be at most 65535 (got ${port})`);
  return { host: m[1] ?? m[2]!, port };
}

function normalizeUrl(s: string): string {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error(`expected an http(s) URL like http://host:port (got "${s}")`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`expected an http or https URL (got "${s}")`);
  if ((u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
    throw new Error(`expected scheme://host:port with no path, query or credentials (got "${s}")`);
  }
  return `${u.protocol}//${u.host}`;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Parses the flag/env syntax of initialCluster: comma-separated `name=peerUrl|clientUrl`.
 * Example: `n1=http://127.0.0.1:7380|http://127.0.0.1:7379,n2=http://127.0.0.1:7382|http://127.0.0.1:7381`.
 */
export function parseInitialCluster(s: string): { name: string; peerUrl: string; clientUrl: string }[] {
  const out: { name: string; peerUrl: string; clientUrl: string }[] = [];
  for (const part of s.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const m = /^([^=|,\s]+)=([^|\s]+)\|([^|\s]+)$/.exec(item);
    if (m === null) throw new ConfigError('initialCluster', `expected name=peerUrl|clientUrl (got "${item}")`);
    out.push({ name: m[1]!, peerUrl: m[2]!, clientUrl: m[3]! });
  }
  if (out.length === 0) throw new ConfigError('initialCluster', 'must list at least one member');
  return out;
}

/** Formats members in the flag/env syntax (inverse of parseInitialCluster). */
export function formatInitialCluster(members: readonly { name: string; peerUrl: string; clientUrl: string }[]): string {
  return members.map((m) => `${m.name}=${m.peerUrl}|${m.clientUrl}`).join(',');
}

function fromString(f: FieldSpec, raw: string | boolean): unknown {
  if (typeof raw === 'boolean') return raw;
  switch (f.kind) {
    case 'string':
      return raw;
    case 'int':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'bool': {
      const v = raw.trim().toLowerCase();
      if (v === 'true' || v === '1' || v === 'yes') return true;
      if (v === 'false' || v === '0' || v === 'no' || v === '') return false;
      return raw;
    }
    case 'cluster':
      return parseInitialCluster(raw);
  }
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cur = obj;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    const next = cur[k];
    if (!isPlainObject(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/** Deep-freezes plain objects and arrays in place; returns the argument. */
export function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x as object)) deepFreeze(v);
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// Schema of the raw (merged) document. Everything optional; defaults are applied afterwards
// because several depend on other fields.

const posInt = (max: number) => z.int('must be an integer').min(1, 'must be at least 1').max(max, `must be at most ${max}`);
const hostPortStr = z.string('must be a string "host:port"').check((ctx) => {
  try {
    parseHostPort(ctx.value);
  } catch (err) {
    ctx.issues.push({ code: 'custom', message: (err as Error).message, input: ctx.value });
  }
});
const urlStr = z.string('must be a string URL').check((ctx) => {
  try {
    normalizeUrl(ctx.value);
  } catch (err) {
    ctx.issues.push({ code: 'custom', message: (err as Error).message, input: ctx.value });
  }
});
const memberName = z
  .string('must be a string')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'must be 1-63 characters of letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Each limit: a whole number from 1 to its maximum in LIMIT_SPECS (the state machine's limit
 *  where it has one: config may lower it, never raise it). */
function limitsShape(): { [K in keyof Limits]: z.ZodOptional<z.ZodInt> } {
  return Object.fromEntries(
    LIMIT_NAMES.map((name) => {
      const { max, maxReason } = LIMIT_SPECS[name];
      const schema = z.int('must be an integer').min(1, 'must be at least 1').max(max, `must be at most ${max}${maxReason ? ` (${maxReason})` : ''}`);
      return [name, schema.optional()];
    }),
  ) as { [K in keyof Limits]: z.ZodOptional<z.ZodInt> };
}

const RawSchema = z.strictObject({
  name: memberName.optional(),
  dataDir: z.string('must be a string path').min(1, 'must not be empty').optional(),
  listenClient: hostPortStr.optional(),
  listenPeer: hostPortStr.optional(),
  listenEtcd: hostPortStr.optional(),
  advertiseClientUrl: urlStr.optional(),
  advertisePeerUrl: urlStr.optional(),
  initialCluster: z
    .array(z.strictObject({ name: memberName, peerUrl: urlStr, clientUrl: urlStr }), 'must be a list of {name, peerUrl, clientUrl}')
    .min(1, 'must list at least one member')
    .max(MAX_MEMBERS, `must list at most ${MAX_MEMBERS} members`)
    .optional(),
  clusterToken: z.string('must be a string').min(1, 'must not be empty').max(128, 'must be at most 128 characters').optional(),
  join: z.boolean('must be true or false').optional(),
  heartbeatIntervalMs: posInt(60_000).optional(),
  electionTimeoutMs: posInt(600_000).optional(),
  tickMs: posInt(60_000).optional(),
  snapshotThreshold: posInt(100_000_000).optional(),
  historyRevisions: posInt(100_000_000).optional(),
  logLevel: z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`).optional(),
  limits: z.strictObject(limitsShape(), 'must be a mapping').optional(),
  clientCert: z.string('must be a string path').min(1, 'must not be empty').optional(),
  clientKey: z.string('must be a string path').min(1, 'must not be empty').optional(),
  clientCa: z.string('must be a string path').min(1, 'must not be empty').optional(),
  peerCert: z.string('must be a string path').min(1, 'must not be empty').optional(),
  peerKey: z.string('must be a string path').min(1, 'must not be empty').optional(),
  peerCa: z.string('must be a string path').min(1, 'must not be empty').optional(),
  peerAllowedNames: z.string('must be a comma list of names').optional(),
  listenMetrics: hostPortStr.optional(),
  authTokenTtlSeconds: posInt(7 * 24 * 3600).optional(),
  testing: z
    .strictObject(
      {
        syncDelayMs: z.int('must be an integer').min(0, 'must be at least 0').max(60_000, 'must be at most 60000').optional(),
      },
      'must be a mapping',
    )
    .optional(),
  http: z
    .strictObject(
      {
        headersTimeoutMs: posInt(3600 * 1000).optional(),
        requestTimeoutMs: posInt(3600 * 1000).optional(),
        keepAliveTimeoutMs: posInt(3600 * 1000).optional(),
        maxConnections: posInt(1_000_000).optional(),
      },
      'must be a mapping',
    )
    .optional(),
});
type RawConfig = z.infer<typeof RawSchema>;

function pathLabel(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.').replace(/\.\[/g, '[');
}

// ---------------------------------------------------------------------------------------------

export interface LoadConfigOptions {
  /** User arguments, i.e. process.argv.slice(2). Default: none. */
  argv?: readonly string[];
  /** Environment. Default: none (pass process.env explicitly in cmd/). */
  env?: Record<string, string | undefined>;
  /** Base for relative paths (config file, dataDir). Default process.cwd(). */
  cwd?: string;
}

/**
 * Loads, validates and freezes the configuration. Precedence, lowest first: defaults, YAML file
 * (`--config` or RAFTLOCK_CONFIG), Kubernetes discovery (when enabled), environment
 * `RAFTLOCK_<FIELD>`, CLI flags `--<field>`. Throws ConfigError (code BAD_CONFIG) naming the
 * field and where its value came from.
 */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? {};
  const cwd = opts.cwd ?? process.cwd();
  const args = parseConfigArgs(opts.argv ?? []);
  const sources = new Map<string, string>();

  // 1. YAML file
  const cfgPathRaw = args.configPath ?? (env[META_OPTIONS.config.env] || undefined);
  let configFile: string | null = null;
  let raw: Record<string, unknown> = {};
  if (cfgPathRaw !== undefined) {
    configFile = isAbsolute(cfgPathRaw) ? cfgPathRaw : resolve(cwd, cfgPathRaw);
    let text: string;
    try {
      text = readFileSync(configFile, 'utf8');
    } catch (err) {
      throw new ConfigError('', `cannot read config file ${configFile}: ${(err as Error).message}`, { cause: err });
    }
    let doc: unknown;
    try {
      doc = loadYaml(text);
    } catch (err) {
      throw new ConfigError('', `config file ${configFile} is not valid YAML: ${(err as Error).message}`, { cause: err });
    }
    if (doc === null || doc === undefined) doc = {};
    if (!isPlainObject(doc)) throw new ConfigError('', `config file ${configFile} must hold a mapping of fields`);
    raw = doc;
    for (const f of CONFIG_FIELDS) sources.set(f.path.join('.'), `config file ${configFile}`);
  }

  // Environment and CLI values, parsed; applied after discovery (step 3), which overrides only the
  // file. Discovery must know already whether TLS is on anywhere: it writes https:// URLs then.
  const later: { key: string; path: readonly string[]; value: unknown; source: string }[] = [];
  for (const f of CONFIG_FIELDS) {
    const name = envNameFor(f.path);
    const v = env[name];
    if (v !== undefined) later.push({ key: f.path.join('.'), path: f.path, value: fromString(f, v), source: `env ${name}` });
  }
  for (const f of CONFIG_FIELDS) {
    const v = args.values.get(f.path.join('.'));
    if (v !== undefined) later.push({ key: f.path.join('.'), path: f.path, value: fromString(f, v), source: `flag --${flagNameFor(f.path)}` });
  }
  const finalValue = (key: string): unknown => {
    for (let i = later.length - 1; i >= 0; i--) if (later[i]!.key === key) return later[i]!.value;
    return raw[key];
  };

  // 2. Kubernetes discovery
  const k8sEnv = (env[META_OPTIONS.k8sDiscovery.env] ?? '').toLowerCase();
  const k8s = args.k8sDiscovery === true || k8sEnv === 'true' || k8sEnv === '1';
  if (k8s) {
    const portOf = (field: 'listenClient' | 'listenPeer'): number => {
      const v = raw[field];
      const s = typeof v === 'string' ? v : DEFAULTS[field];
      try {
        return parseHostPort(s).port;
      } catch (err) {
        throw new ConfigError(field, (err as Error).message);
      }
    };
    const set = (key: string): boolean => finalValue(key) !== undefined;
    const schemes = {
      peerScheme: set('peerCert') || set('peerKey') || set('peerCa') ? ('https' as const) : ('http' as const),
      clientScheme: set('clientCert') || set('clientKey') ? ('https' as const) : ('http' as const),
    };
    const d = discoverK8sPeers(k8sDiscoveryInputFromEnv(env, { peerPort: portOf('listenPeer'), clientPort: portOf('listenClient') }, schemes));
    const overrides: Record<string, unknown> = {
      name: d.name,
      initialCluster: d.initialCluster.map((m) => ({ ...m })),
      advertisePeerUrl: d.advertisePeerUrl,
      advertiseClientUrl: d.advertiseClientUrl,
      listenPeer: d.listenPeer,
      listenClient: d.listenClient,
      ...(d.scaled ? { join: true } : {}),
    };
    for (const [k, v] of Object.entries(overrides)) {
      raw[k] = v;
      sources.set(k, 'Kubernetes discovery');
    }
  }

  // 3. environment, 4. CLI
  for (const l of later) {
    setPath(raw, l.path, l.value);
    sources.set(l.key, l.source);
  }

  return finishConfig(raw, { cwd, configFile, k8sDiscovery: k8s, sources });
}

/**
 * Validates a raw config document (the YAML shape) and returns the frozen Config. For tests and
 * embedders that build a config in code.
 */
export function parseConfig(raw: unknown, opts: { cwd?: string } = {}): Config {
  if (!isPlainObject(raw)) throw new ConfigError('', 'config must be a mapping of fields');
  return finishConfig(structuredClone(raw), { cwd: opts.cwd ?? process.cwd(), configFile: null, k8sDiscovery: false, sources: new Map() });
}

function finishConfig(
  rawIn: Record<string, unknown>,
  ctx: { cwd: string; configFile: string | null; k8sDiscovery: boolean; sources: ReadonlyMap<string, string> },
): Config {
  const fail = (field: string, msg: string): never => {
    const src = ctx.sources.get(field) ?? ctx.sources.get(field.split(/[.[]/)[0]!);
    throw new ConfigError(field, src === undefined ? msg : `${msg} [from ${src}]`);
  };

  const parsed = RawSchema.safeParse(rawIn);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const where = pathLabel(issue.path);
      const field = where === '' ? issue.keys[0]! : `${where}.${issue.keys[0]!}`;
      return fail(field, issue.keys.length === 1 ? 'unknown field' : `unknown fields ${issue.keys.join(', ')}`);
    }
    const input = issue.path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), rawIn);
    const got = input === undefined ? '' : ` (got ${JSON.stringify(input)})`;
    return fail(pathLabel(issue.path), `${issue.message}${got}`);
  }
  const r: RawConfig = parsed.data;

  const name = r.name ?? DEFAULTS.name;
  const clusterToken = r.clusterToken ?? DEFAULTS.clusterToken;
  const listenClient = r.listenClient ?? DEFAULTS.listenClient;
  const listenPeer = r.listenPeer ?? DEFAULTS.listenPeer;
  const listenClientAddress = parseHostPort(listenClient);
  const listenPeerAddress = parseHostPort(listenPeer);

  // Timing
  const heartbeatIntervalMs = r.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs;
  const electionTimeoutMs = r.electionTimeoutMs ?? DEFAULTS.electionTimeoutMs;
  const tickMs = r.tickMs ?? Math.max(1, Math.floor(heartbeatIntervalMs / 2));
  if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
    fail('electionTimeoutMs', `must be at least 5 x heartbeatIntervalMs (${5 * heartbeatIntervalMs}) (got ${electionTimeoutMs})`);
  }
  if (tickMs > heartbeatIntervalMs) fail('tickMs', `must be at most heartbeatIntervalMs (${heartbeatIntervalMs}) (got ${tickMs})`);
  const { heartbeatTicks, electionTicks } = deriveTicks({ heartbeatIntervalMs, electionTimeoutMs, tickMs });

  // Limits
  const limits: { -readonly [K in keyof Limits]: number } = { ...DEFAULT_LIMITS, ...stripUndefined(r.limits ?? {}) };
  if (limits.maxKeyBytes + limits.maxValueBytes > limits.maxBodyBytes) {
    fail('limits.maxBodyBytes', `must hold a largest key plus a largest value (${limits.maxKeyBytes + limits.maxValueBytes} bytes) (got ${limits.maxBodyBytes})`);
  }
  if (limits.defaultLockWaitMs > limits.maxLockWaitMs) {
    // Given explicitly, a default wait longer than the longest wait is a mistake; left at its
    // default, it follows a lowered maxLockWaitMs.
    if (r.limits?.defaultLockWaitMs !== undefined) {
      fail('limits.defaultLockWaitMs', `must be at most limits.maxLockWaitMs (${limits.maxLockWaitMs}) (got ${limits.defaultLockWaitMs})`);
    }
    limits.defaultLockWaitMs = limits.maxLockWaitMs;
  }

  // Client HTTP server
  const httpServer: HttpServerConfig = { ...DEFAULT_HTTP, ...stripUndefined(r.http ?? {}) };
  if (httpServer.headersTimeoutMs > httpServer.requestTimeoutMs) {
    fail('http.headersTimeoutMs', `must be at most http.requestTimeoutMs (${httpServer.requestTimeoutMs}) (got ${httpServer.headersTimeoutMs})`);
  }

  // Cluster membership
  const clusterRaw = r.initialCluster;
  const members: ClusterMember[] = [];
  if (clusterRaw !== undefined) {
    const names = new Set<string>();
    const peers = new Set<string>();
    const ids = new Map<number, string>();
    clusterRaw.forEach((m, i) => {
      if (names.has(m.name)) fail(`initialCluster[${i}].name`, `duplicate member name "${m.name}"`);
      const peerUrl = normalizeUrl(m.peerUrl);
      if (peers.has(peerUrl)) fail(`initialCluster[${i}].peerUrl`, `duplicate peer URL ${peerUrl}`);
      const id = memberIdFor(m.name, clusterToken);
      const other = ids.get(id);
      if (other !== undefined) fail(`initialCluster[${i}].name`, `member id of "${m.name}" collides with "${other}"; rename one of them`);
      names.add(m.name);
      peers.add(peerUrl);
      ids.set(id, m.name);
      members.push({ id, name: m.name, peerUrl, clientUrl: normalizeUrl(m.clientUrl) });
    });
  }
  const selfEntry = members.find((m) => m.name === name);
  if (clusterRaw !== undefined && selfEntry === undefined) {
    fail('initialCluster', `must include this member "${name}" (members: ${members.map((m) => m.name).join(', ')})`);
  }

  const tls = tlsConfigOf(r, ctx.cwd, fail);
  const schemeOf = (field: 'advertisePeerUrl' | 'advertiseClientUrl'): string =>
    (field === 'advertisePeerUrl' ? tls.peer : tls.client) === null ? 'http' : 'https';
  const advertise = (field: 'advertisePeerUrl' | 'advertiseClientUrl', given: string | undefined, fromEntry: string | undefined, listen: HostPort, listenField: string): string => {
    if (given !== undefined) {
      const url = normalizeUrl(given);
      if (fromEntry !== undefined && fromEntry !== url) fail(field, `does not match this member's entry in initialCluster (${fromEntry}) (got ${url})`);
      return url;
    }
    if (fromEntry !== undefined) return fromEntry;
    if (listen.host === '0.0.0.0' || listen.host === '::') {
      return fail(field, `must be set when ${listenField} binds a wildcard address (got ${listen.host})`);
    }
    return `${schemeOf(field)}://${hostForUrl(listen.host)}:${listen.port}`;
  };
  const advertisePeerUrl = advertise('advertisePeerUrl', r.advertisePeerUrl, selfEntry?.peerUrl, listenPeerAddress, 'listenPeer');
  const advertiseClientUrl = advertise('advertiseClientUrl', r.advertiseClientUrl, selfEntry?.clientUrl, listenClientAddress, 'listenClient');
  checkUrlSchemes(tls, members, advertisePeerUrl, advertiseClientUrl, fail);
  const memberId = memberIdFor(name, clusterToken);
  if (selfEntry === undefined) members.push({ id: memberId, name, peerUrl: advertisePeerUrl, clientUrl: advertiseClientUrl });

  const join = r.join ?? DEFAULTS.join;
  if (join && members.length < 2) fail('join', 'a joining member needs at least one existing member besides itself in initialCluster');

  const dataDirRaw = r.dataDir ?? `data/${name}`;
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(ctx.cwd, dataDirRaw);

  const config: Config = {
    name,
    memberId,
    dataDir,
    listenClient,
    listenClientAddress,
    listenPeer,
    listenPeerAddress,
    listenEtcd: r.listenEtcd ?? null,
    listenEtcdAddress: r.listenEtcd === undefined ? null : parseHostPort(r.listenEtcd),
    advertiseClientUrl,
    advertisePeerUrl,
    initialCluster: members,
    clusterToken,
    join,
    heartbeatIntervalMs,
    electionTimeoutMs,
    tickMs,
    heartbeatTicks,
    electionTicks,
    snapshotThreshold: r.snapshotThreshold ?? DEFAULTS.snapshotThreshold,
    historyRevisions: r.historyRevisions ?? DEFAULTS.historyRevisions,
    logLevel: r.logLevel ?? DEFAULTS.logLevel,
    limits,
    testing: {
      syncDelayMs: r.testing?.syncDelayMs ?? DEFAULTS.testing.syncDelayMs,
    },
    tls,
    authTokenTtlSeconds: r.authTokenTtlSeconds ?? 300,
    listenMetrics: r.listenMetrics ?? null,
    listenMetricsAddress: r.listenMetrics === undefined ? null : parseHostPort(r.listenMetrics),
    http: httpServer,
    configFile: ctx.configFile,
    k8sDiscovery: ctx.k8sDiscovery,
  };
  return deepFreeze(config);
}

/** The TLS settings: which files go together, made absolute. Reading them is cmd/'s job. */
function tlsConfigOf(r: RawConfig, cwd: string, fail: (field: string, msg: string) => never): TlsConfig {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(cwd, p));
  let client: TlsConfig['client'] = null;
  if (r.clientCert !== undefined || r.clientKey !== undefined) {
    if (r.clientCert === undefined) fail('clientCert', 'must be set together with clientKey');
    if (r.clientKey === undefined) fail('clientKey', 'must be set together with clientCert');
    client = { cert: abs(r.clientCert!), key: abs(r.clientKey!), ca: r.clientCa === undefined ? null : abs(r.clientCa) };
  } else if (r.clientCa !== undefined) {
    fail('clientCa', 'client certificate authentication needs TLS on the client port: set clientCert and clientKey too');
  }
  let peer: TlsConfig['peer'] = null;
  const peerSet = [r.peerCert, r.peerKey, r.peerCa].filter((v) => v !== undefined).length;
  if (peerSet > 0) {
    if (r.peerCert === undefined) fail('peerCert', 'peer TLS is always mutual: set peerCert, peerKey and peerCa together');
    if (r.peerKey === undefined) fail('peerKey', 'peer TLS is always mutual: set peerCert, peerKey and peerCa together');
    if (r.peerCa === undefined) fail('peerCa', 'peer TLS is always mutual: set peerCert, peerKey and peerCa together');
    const allowedNames = (r.peerAllowedNames ?? '').split(',').map((n) => n.trim()).filter((n) => n.length > 0);
    for (const n of allowedNames) {
      if (!/^(\*\.)?[A-Za-z0-9.:_-]+$/.test(n)) fail('peerAllowedNames', `"${n}" is not a certificate name or *.suffix pattern`);
    }
    peer = { cert: abs(r.peerCert!), key: abs(r.peerKey!), ca: abs(r.peerCa!), allowedNames };
  } else if (r.peerAllowedNames !== undefined && r.peerAllowedNames.trim() !== '') {
    fail('peerAllowedNames', 'needs peer TLS: set peerCert, peerKey and peerCa');
  }
  return { client, peer };
}

/** With TLS on a port, every URL for it says https://; without, none does. */
function checkUrlSchemes(
  tls: TlsConfig,
  members: readonly ClusterMember[],
  advertisePeerUrl: string,
  advertiseClientUrl: string,
  fail: (field: string, msg: string) => never,
): void {
  const want = (on: boolean): string => (on ? 'https:' : 'http:');
  const peerWant = want(tls.peer !== null);
  members.forEach((m, i) => {
    const scheme = new URL(m.peerUrl).protocol;
    if (scheme !== peerWant) {
      fail(`initialCluster[${i}].peerUrl`, tls.peer !== null ? `must use https:// when peer TLS is on (got ${m.peerUrl})` : `uses https:// but peer TLS is off: set peerCert, peerKey and peerCa (got ${m.peerUrl})`);
    }
  });
  if (new URL(advertisePeerUrl).protocol !== peerWant) fail('advertisePeerUrl', `must use ${peerWant}// (got ${advertisePeerUrl})`);
  if (new URL(advertiseClientUrl).protocol !== want(tls.client !== null)) {
    fail('advertiseClientUrl', tls.client !== null ? `must use https:// when client TLS is on (got ${advertiseClientUrl})` : `uses https:// but client TLS is off: set clientCert and clientKey (got ${advertiseClientUrl})`);
  }
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

/**
 * Tick counts for the Raft core: the driver calls tick() every tickMs. Intervals are rounded
 * down to whole ticks; heartbeatTicks is at least 1 and electionTicks greater than heartbeatTicks.
 */
export function deriveTicks(t: { heartbeatIntervalMs: number; electionTimeoutMs: number; tickMs: number }): { heartbeatTicks: number; electionTicks: number } {
  if (!(t.tickMs >= 1)) throw new Error(`deriveTicks: tickMs must be >= 1 (got ${t.tickMs})`);
  const heartbeatTicks = Math.max(1, Math.floor(t.heartbeatIntervalMs / t.tickMs));
  const electionTicks = Math.floor(t.electionTimeoutMs / t.tickMs);
  if (electionTicks <= heartbeatTicks) {
    throw new ConfigError('electionTimeoutMs', `must span more ticks than heartbeatIntervalMs (got ${electionTicks} <= ${heartbeatTicks} ticks of ${t.tickMs} ms)`);
  }
  return { heartbeatTicks, electionTicks };
}
