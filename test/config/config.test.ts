import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  ConfigError,
  addConfigOptions,
  deriveTicks,
  envNameFor,
  flagNameFor,
  formatInitialCluster,
  loadConfig,
  memberIdFor,
  parseConfig,
  parseInitialCluster,
  CONFIG_FIELDS,
  LIMIT_SPECS,
} from '../../src/config/index.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'raftlock-config-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeYaml(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function expectConfigError(fn: () => unknown, re: RegExp): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  assert.equal(caught.code, 'BAD_CONFIG');
  assert.match(caught.message, re);
  return caught;
}

describe('defaults', () => {
  test('an empty load gives a single-member cluster on loopback with documented defaults', () => {
    const c = loadConfig({ argv: [], env: {}, cwd: dir });
    assert.equal(c.name, 'default');
    assert.equal(c.listenClient, '127.0.0.1:7379');
    assert.deepEqual(c.listenPeerAddress, { host: '127.0.0.1', port: 7380 });
    assert.equal(c.advertiseClientUrl, 'http://127.0.0.1:7379');
    assert.equal(c.advertisePeerUrl, 'http://127.0.0.1:7380');
    assert.equal(c.clusterToken, 'raftlock');
    assert.equal(c.join, false);
    assert.equal(c.heartbeatIntervalMs, 100);
    assert.equal(c.electionTimeoutMs, 1000);
    assert.equal(c.tickMs, 50);
    assert.equal(c.heartbeatTicks, 2);
    assert.equal(c.electionTicks, 20);
    assert.equal(c.snapshotThreshold, 100_000);
    assert.equal(c.historyRevisions, 10_000);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.limits.maxBodyBytes, 1.5 * 1024 * 1024);
    assert.equal(c.limits.maxKeyBytes, 4096);
    assert.equal(c.limits.maxValueBytes, 1024 * 1024);
    assert.equal(c.limits.maxTxnOps, 128);
    assert.equal(c.limits.maxPendingProposals, 10_000);
    assert.equal(c.limits.maxWatchers, 100_000);
    assert.equal(c.limits.maxLockWaitMs, 300_000);
    assert.equal(c.limits.requestTimeoutMs, 10_000);
    assert.equal(c.testing.syncDelayMs, 0);
    assert.equal(c.dataDir, join(dir, 'data', 'default'));
    assert.equal(c.configFile, null);
    assert.equal(c.initialCluster.length, 1);
    assert.equal(c.initialCluster[0]!.id, c.memberId);
    assert.equal(c.memberId, memberIdFor('default', 'raftlock'));
  });

  test('the result is deeply frozen', () => {
    const c = loadConfig({ argv: [], env: {}, cwd: dir });
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.limits));
    assert.ok(Object.isFrozen(c.initialCluster));
    assert.ok(Object.isFrozen(c.initialCluster[0]));
    assert.throws(() => {
      (c.limits as { maxTxnOps: number }).maxTxnOps = 1;
    }, TypeError);
  });
});

describe('sources and precedence', () => {
  test('YAML < environment < CLI flag, per field', () => {
    const p = writeYaml('prec.yaml', 'name: n1\nheartbeatIntervalMs: 50\nsnapshotThreshold: 7\nhistoryRevisions: 9\nlimits:\n  maxTxnOps: 10\n');
    const env = { RAFTLOCK_SNAPSHOT_THRESHOLD: '70', RAFTLOCK_HISTORY_REVISIONS: '90', RAFTLOCK_LIMITS_MAX_TXN_OPS: '20' };
    const c = loadConfig({ argv: ['--config', p, '--history-revisions', '900'], env, cwd: dir });
    assert.equal(c.name, 'n1'); // YAML only
    assert.equal(c.heartbeatIntervalMs, 50); // YAML only
    assert.equal(c.tickMs, 25); // derived from the YAML heartbeat
    assert.equal(c.snapshotThreshold, 70); // env beats YAML
    assert.equal(c.historyRevisions, 900); // flag beats env and YAML
    assert.equal(c.limits.maxTxnOps, 20); // nested env beats nested YAML
    assert.equal(c.limits.maxKeyBytes, 4096); // untouched nested default stays
    assert.equal(c.configFile, p);
  });

  test('RAFTLOCK_CONFIG names the file; a relative path resolves against cwd', () => {
    writeYaml('envfile.yaml', 'name: from-env-file\n');
    const c = loadConfig({ argv: [], env: { RAFTLOCK_CONFIG: 'envfile.yaml' }, cwd: dir });
    assert.equal(c.name, 'from-env-file');
  });

  test('boolean flag and env', () => {
    const cluster = 'a=http://127.0.0.1:7380|http://127.0.0.1:7379,b=http://127.0.0.1:7382|http://127.0.0.1:7381';
    assert.equal(loadConfig({ argv: ['--name', 'b', '--initial-cluster', cluster, '--join'], env: {}, cwd: dir }).join, true);
    assert.equal(loadConfig({ argv: ['--name', 'b', '--initial-cluster', cluster], env: { RAFTLOCK_JOIN: 'true' }, cwd: dir }).join, true);
    expectConfigError(() => loadConfig({ argv: [], env: { RAFTLOCK_JOIN: 'perhaps' }, cwd: dir }), /^config: join: must be true or false .*\[from env RAFTLOCK_JOIN\]/);
  });

  test('env and flag names are derived mechanically from the field path', () => {
    assert.equal(envNameFor(['limits', 'maxBodyBytes']), 'RAFTLOCK_LIMITS_MAX_BODY_BYTES');
    assert.equal(flagNameFor(['limits', 'maxBodyBytes']), 'limits-max-body-bytes');
    assert.equal(envNameFor(['advertiseClientUrl']), 'RAFTLOCK_ADVERTISE_CLIENT_URL');
    assert.equal(flagNameFor(['testing', 'syncDelayMs']), 'testing-sync-delay-ms');
    // every integer field can be set both ways and reaches the config (default + 1 is valid for
    // all but the limits, some of which default to their maximum: default - 1 for those)
    const base = loadConfig({ argv: [], env: {}, cwd: dir });
    const read = (c: unknown, path: readonly string[]): unknown => path.reduce((v, k) => (v as Record<string, unknown>)[k], c);
    let checked = 0;
    for (const f of CONFIG_FIELDS) {
      if (f.kind !== 'int') continue;
      const want = (read(base, f.path) as number) + (f.path[0] === 'limits' ? -1 : 1);
      const viaFlag = loadConfig({ argv: [`--${flagNameFor(f.path)}`, String(want)], env: {}, cwd: dir });
      const viaEnv = loadConfig({ argv: [], env: { [envNameFor(f.path)]: String(want) }, cwd: dir });
      assert.equal(read(viaFlag, f.path), want, `flag for ${f.path.join('.')}`);
      assert.equal(read(viaEnv, f.path), want, `env for ${f.path.join('.')}`);
      checked++;
    }
    assert.equal(checked, CONFIG_FIELDS.filter((f) => f.kind === 'int').length);
    assert.ok(checked >= 6 + Object.keys(LIMIT_SPECS).length);
  });

  test('commander options serve --help in cmd/', () => {
    const cmd = addConfigOptions(new Command('raftlockd'));
    const help = cmd.helpInformation();
    assert.match(help, /--config <path>/);
    assert.match(help, /--initial-cluster <value>/);
    assert.match(help, /--limits-max-body-bytes <value>/);
    assert.match(help, /RAFTLOCK_ELECTION_TIMEOUT_MS/);
    assert.match(help, /--k8s-discovery/);
  });
});

describe('listenEtcd', () => {
  test('off by default; set by flag, env or YAML; a bad address names the field', () => {
    const off = loadConfig({ argv: [], env: {}, cwd: dir });
    assert.equal(off.listenEtcd, null);
    assert.equal(off.listenEtcdAddress, null);
    const viaFlag = loadConfig({ argv: ['--listen-etcd', '127.0.0.1:7378'], env: {}, cwd: dir });
    assert.deepEqual(viaFlag.listenEtcdAddress, { host: '127.0.0.1', port: 7378 });
    const viaEnv = loadConfig({ argv: [], env: { RAFTLOCK_LISTEN_ETCD: '[::1]:2379' }, cwd: dir });
    assert.deepEqual(viaEnv.listenEtcdAddress, { host: '::1', port: 2379 });
    assert.equal(parseConfig({ listenEtcd: '0.0.0.0:2379' }).listenEtcd, '0.0.0.0:2379');
    expectConfigError(() => loadConfig({ argv: ['--listen-etcd', 'nope'], env: {}, cwd: dir }), /^config: listenEtcd: /);
  });
});

describe('validation names the bad field', () => {
  test('election timeout below 5 heartbeats', () => {
    const e = expectConfigError(
      () => loadConfig({ argv: ['--election-timeout-ms', '100'], env: {}, cwd: dir }),
      /^config: electionTimeoutMs: must be at least 5 x heartbeatIntervalMs \(500\) \(got 100\) \[from flag --election-timeout-ms\]$/,
    );
    assert.equal(e.field, 'electionTimeoutMs');
  });

  test('unknown YAML fields are rejected, top level and nested', () => {
    const p1 = writeYaml('unknown1.yaml', 'name: n1\nheartbeatIntervallMs: 100\n');
    expectConfigError(() => loadConfig({ argv: ['--config', p1], env: {}, cwd: dir }), /^config: heartbeatIntervallMs: unknown field/);
    const p2 = writeYaml('unknown2.yaml', 'limits:\n  maxBodyByte: 10\n');
    const e = expectConfigError(() => loadConfig({ argv: ['--config', p2], env: {}, cwd: dir }), /^config: limits\.maxBodyByte: unknown field/);
    assert.equal(e.field, 'limits.maxBodyByte');
  });

  test('wrong types in YAML and env', () => {
    const p = writeYaml('types.yaml', 'heartbeatIntervalMs: fast\n');
    expectConfigError(() => loadConfig({ argv: ['--config', p], env: {}, cwd: dir }), /^config: heartbeatIntervalMs: must be an integer \(got "fast"\)/);
    expectConfigError(() => loadConfig({ argv: [], env: { RAFTLOCK_LIMITS_MAX_WATCHERS: '0' }, cwd: dir }), /^config: limits\.maxWatchers: must be at least 1 \(got 0\) \[from env RAFTLOCK_LIMITS_MAX_WATCHERS\]/);
    expectConfigError(() => loadConfig({ argv: ['--log-level', 'loud'], env: {}, cwd: dir }), /^config: logLevel: must be one of fatal, error/);
    expectConfigError(() => loadConfig({ argv: ['--listen-client', 'localhost'], env: {}, cwd: dir }), /^config: listenClient: expected host:port/);
    expectConfigError(() => loadConfig({ argv: ['--advertise-peer-url', 'ftp://x:1'], env: {}, cwd: dir }), /^config: advertisePeerUrl: expected an http or https URL/);
  });

  test('limits must be consistent', () => {
    expectConfigError(() => loadConfig({ argv: ['--limits-max-body-bytes', '1000'], env: {}, cwd: dir }), /^config: limits\.maxBodyBytes: must hold a largest key plus a largest value/);
  });

  test('tick longer than the heartbeat', () => {
    expectConfigError(() => loadConfig({ argv: ['--tick-ms', '200'], env: {}, cwd: dir }), /^config: tickMs: must be at most heartbeatIntervalMs \(100\) \(got 200\)/);
  });

  test('command-line mistakes are config errors', () => {
    expectConfigError(() => loadConfig({ argv: ['--no-such-flag'], env: {}, cwd: dir }), /^config: command line: unknown option '--no-such-flag'/);
    expectConfigError(() => loadConfig({ argv: ['--name'], env: {}, cwd: dir }), /^config: command line: option '--name <value>' argument missing/);
  });

  test('unreadable and non-YAML files', () => {
    expectConfigError(() => loadConfig({ argv: ['--config', join(dir, 'missing.yaml')], env: {}, cwd: dir }), /^config: cannot read config file .*missing\.yaml/);
    const p = writeYaml('bad.yaml', 'name: [unclosed\n');
    expectConfigError(() => loadConfig({ argv: ['--config', p], env: {}, cwd: dir }), /is not valid YAML/);
    const l = writeYaml('list.yaml', '- a\n- b\n');
    expectConfigError(() => loadConfig({ argv: ['--config', l], env: {}, cwd: dir }), /must hold a mapping/);
  });

  test('a wildcard listen address needs an advertised URL', () => {
    expectConfigError(() => loadConfig({ argv: ['--listen-peer', '0.0.0.0:7380'], env: {}, cwd: dir }), /^config: advertisePeerUrl: must be set when listenPeer binds a wildcard address/);
    const c = loadConfig({ argv: ['--listen-peer', '0.0.0.0:7380', '--advertise-peer-url', 'http://10.1.2.3:7380/'], env: {}, cwd: dir });
    assert.equal(c.advertisePeerUrl, 'http://10.1.2.3:7380');
  });
});

describe('initial cluster', () => {
  const three = 'n1=http://127.0.0.1:7380|http://127.0.0.1:7379,n2=http://127.0.0.1:7382|http://127.0.0.1:7381,n3=http://127.0.0.1:7384|http://127.0.0.1:7383';

  test('flag syntax round-trips and members get ids and advertise URLs from their entry', () => {
    const parsed = parseInitialCluster(three);
    assert.equal(parsed.length, 3);
    assert.deepEqual(parsed[1], { name: 'n2', peerUrl: 'http://127.0.0.1:7382', clientUrl: 'http://127.0.0.1:7381' });
    assert.equal(formatInitialCluster(parsed), three);
    const c = loadConfig({ argv: ['--name', 'n2', '--initial-cluster', three, '--listen-peer', '0.0.0.0:7382', '--listen-client', '0.0.0.0:7381'], env: {}, cwd: dir });
    assert.equal(c.advertisePeerUrl, 'http://127.0.0.1:7382');
    assert.equal(c.advertiseClientUrl, 'http://127.0.0.1:7381');
    assert.deepEqual(c.initialCluster.map((m) => m.name), ['n1', 'n2', 'n3']);
    assert.deepEqual(c.initialCluster.map((m) => m.id), ['n1', 'n2', 'n3'].map((n) => memberIdFor(n, 'raftlock')));
    assert.equal(c.memberId, memberIdFor('n2', 'raftlock'));
  });

  test('YAML list form', () => {
    const p = writeYaml(
      'cluster.yaml',
      'name: b\nclusterToken: t1\ninitialCluster:\n  - {name: a, peerUrl: "http://h1:7380", clientUrl: "http://h1:7379"}\n  - {name: b, peerUrl: "http://h2:7380", clientUrl: "http://h2:7379"}\n',
    );
    const c = loadConfig({ argv: ['--config', p], env: {}, cwd: dir });
    assert.equal(c.advertisePeerUrl, 'http://h2:7380');
    assert.equal(c.memberId, memberIdFor('b', 't1'));
  });

  test('broken clusters are rejected with the field named', () => {
    expectConfigError(() => loadConfig({ argv: ['--initial-cluster', 'n1=http://a:1'], env: {}, cwd: dir }), /^config: initialCluster: expected name=peerUrl\|clientUrl/);
    expectConfigError(() => loadConfig({ argv: ['--name', 'n9', '--initial-cluster', three], env: {}, cwd: dir }), /^config: initialCluster: must include this member "n9"/);
    expectConfigError(
      () => loadConfig({ argv: ['--name', 'n1', '--initial-cluster', 'n1=http://a:1|http://a:2,n1=http://b:1|http://b:2'], env: {}, cwd: dir }),
      /^config: initialCluster\[1\]\.name: duplicate member name "n1"/,
    );
    expectConfigError(
      () => loadConfig({ argv: ['--name', 'n1', '--initial-cluster', three, '--advertise-peer-url', 'http://127.0.0.9:7380'], env: {}, cwd: dir }),
      /^config: advertisePeerUrl: does not match this member's entry/,
    );
    expectConfigError(() => loadConfig({ argv: ['--join'], env: {}, cwd: dir }), /^config: join: a joining member needs at least one existing member/);
    const p = writeYaml('badmember.yaml', 'initialCluster:\n  - {name: a, peerUrl: "http://h1:7380", clientUrl: "http://h1:7379", role: x}\n');
    expectConfigError(() => loadConfig({ argv: ['--config', p], env: {}, cwd: dir }), /^config: initialCluster\[0\]\.role: unknown field/);
  });
});

describe('derived ticks', () => {
  test('rounded down to whole ticks', () => {
    assert.deepEqual(deriveTicks({ heartbeatIntervalMs: 100, electionTimeoutMs: 1000, tickMs: 50 }), { heartbeatTicks: 2, electionTicks: 20 });
    assert.deepEqual(deriveTicks({ heartbeatIntervalMs: 100, electionTimeoutMs: 1000, tickMs: 30 }), { heartbeatTicks: 3, electionTicks: 33 });
    assert.deepEqual(deriveTicks({ heartbeatIntervalMs: 10, electionTimeoutMs: 50, tickMs: 10 }), { heartbeatTicks: 1, electionTicks: 5 });
    assert.throws(() => deriveTicks({ heartbeatIntervalMs: 10, electionTimeoutMs: 10, tickMs: 10 }), ConfigError);
  });
  test('an odd heartbeat still gets a usable default tick', () => {
    const c = loadConfig({ argv: ['--heartbeat-interval-ms', '25', '--election-timeout-ms', '250'], env: {}, cwd: dir });
    assert.equal(c.tickMs, 12);
    assert.equal(c.heartbeatTicks, 2);
    assert.equal(c.electionTicks, 20);
  });
});

describe('parseConfig', () => {
  test('validates an in-code document the same way', () => {
    const c = parseConfig({ name: 'x', testing: { syncDelayMs: 5 } }, { cwd: dir });
    assert.equal(c.testing.syncDelayMs, 5);
    expectConfigError(() => parseConfig({ name: 'x', bogus: 1 }), /^config: bogus: unknown field/);
    expectConfigError(() => parseConfig({ name: 'has space' }), /^config: name: must be 1-63 characters/);
  });

  test('no config turns on a switch that breaks guarantees (they exist only where a test builds a member)', () => {
    for (const field of ['unsafeLocalReads', 'unsafeAckBeforeCommit']) {
      expectConfigError(() => parseConfig({ name: 'x', testing: { [field]: true } }, { cwd: dir }), new RegExp(`testing\\.?${field}|${field}.*unknown|unknown.*${field}`));
    }
    assert.ok(CONFIG_FIELDS.every((f) => !f.path.join('.').toLowerCase().includes('unsafe')));
    assert.ok(!JSON.stringify(parseConfig({ name: 'x' }, { cwd: dir })).toLowerCase().includes('unsafe'));
  });
});

describe('TLS settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raftlock-config-tls-'));
  const cluster = (scheme: string) => `n1=${scheme}://127.0.0.1:7380|${scheme}://127.0.0.1:7379`;
  test('peer TLS takes its three files together, made absolute, and wants https peer URLs', () => {
    const c = loadConfig({ argv: ['--name', 'n1', '--initial-cluster', cluster('https'), '--peer-cert', 'p.crt', '--peer-key', 'p.key', '--peer-ca', 'ca.crt', '--client-cert', 'c.crt', '--client-key', 'c.key', '--peer-allowed-names', 'm1, *.peers.svc'], env: {}, cwd: dir });
    assert.deepEqual(c.tls.peer, { cert: join(dir, 'p.crt'), key: join(dir, 'p.key'), ca: join(dir, 'ca.crt'), allowedNames: ['m1', '*.peers.svc'] });
    assert.deepEqual(c.tls.client, { cert: join(dir, 'c.crt'), key: join(dir, 'c.key'), ca: null });
    expectConfigError(() => loadConfig({ argv: ['--peer-cert', 'p.crt', '--peer-key', 'p.key'], env: {}, cwd: dir }), /^config: peerCa: peer TLS is always mutual/);
    expectConfigError(() => loadConfig({ argv: ['--client-ca', 'ca.crt'], env: {}, cwd: dir }), /^config: clientCa: .*set clientCert and clientKey/);
    expectConfigError(() => loadConfig({ argv: ['--peer-allowed-names', 'm1'], env: {}, cwd: dir }), /^config: peerAllowedNames: needs peer TLS/);
    expectConfigError(
      () => loadConfig({ argv: ['--name', 'n1', '--initial-cluster', cluster('http'), '--peer-cert', 'p.crt', '--peer-key', 'p.key', '--peer-ca', 'ca.crt'], env: {}, cwd: dir }),
      /^config: initialCluster\[0\]\.peerUrl: must use https:\/\/ when peer TLS is on/,
    );
    expectConfigError(() => loadConfig({ argv: ['--name', 'n1', '--initial-cluster', cluster('https')], env: {}, cwd: dir }), /peerUrl: uses https:\/\/ but peer TLS is off/);
  });
  test('advertised URLs default to https with TLS; the operator listener is parsed', () => {
    const c = loadConfig({ argv: ['--client-cert', 'c.crt', '--client-key', 'c.key', '--listen-metrics', '127.0.0.1:9100'], env: {}, cwd: dir });
    assert.equal(c.advertiseClientUrl, 'https://127.0.0.1:7379');
    assert.equal(c.advertisePeerUrl, 'http://127.0.0.1:7380');
    assert.deepEqual(c.listenMetricsAddress, { host: '127.0.0.1', port: 9100 });
  });
});
